"""The interface draws its icons with SVG (the vendored Lucide sprite and static/img/logo.svg), never emoji:
a machine without a colour-emoji font showed empty boxes. Emoji that people write come from the database."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from config.icons import icon_bodies

ROOT = Path(settings.BASE_DIR)
# Emoji and the pictographs that fonts without emoji draw as boxes: symbols and dingbats (★ ✓ ✕ ⏳ ▶ ●),
# the emoji planes and the emoji presentation selector. Arrows and maths (→ ≤) are ordinary text.
EMOJI = re.compile("[\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2b00-\u2bff\u3030\u303d\ufe0f\U0001f000-\U0001faff]")


def interface_files() -> list[str]:
    files = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/js/**/*.js")]
    return sorted(str(path.relative_to(ROOT)) for path in files)


@pytest.mark.parametrize("name", interface_files())
def test_no_interface_template_or_script_spells_an_emoji(name):
    found = [f"line {number}: {line.strip()[:80]}" for number, line in enumerate((ROOT / name).read_text().splitlines(), 1)
             if EMOJI.search(line)]
    assert not found, f"{name} draws an icon with an emoji; use {{% icon %}} or static/js/icons.js:\n" + "\n".join(found)


def test_every_icon_a_script_asks_for_is_in_the_base_template():
    base = (ROOT / "templates/base.html").read_text()
    offered = set(re.findall(r'<span data-icon="([a-z0-9-]+)">\{% icon "\1" %\}</span>', base))
    asked = set()
    for script in ROOT.glob("static/js/*.js"):
        source = script.read_text()
        asked |= set(re.findall(r'\bicon\("([a-z0-9-]+)"', source))
        for table in re.findall(r"const ICONS = \{([^}]*)\}", source):
            asked |= set(re.findall(r'"([a-z0-9-]+)"', table))
    assert {"x", "check", "medal", "star", "circle-alert"} <= asked
    assert asked <= offered, f"add to base.html's <template id=\"js-icons\">: {sorted(asked - offered)}"
    assert offered <= icon_bodies().keys()


def test_the_logo_mark_is_a_self_contained_svg():
    logo = (ROOT / "static/img/logo.svg").read_text()
    assert logo.startswith("<svg") and "<text" not in logo and "href=" not in logo  # shapes only: no font, no fetch
    base = (ROOT / "templates/base.html").read_text()
    assert "{% static 'img/logo.svg' %}" in base.split('<link rel="icon"')[1].split(">")[0]  # the favicon too
