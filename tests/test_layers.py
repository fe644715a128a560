"""The apps depend one way (README, "How the apps talk to each other").

import-linter (`make lint`) checks the layers from the module graph; this test counts every
import statement in every app's .py files with `ast`, module level or inside a function, and
holds the apps to exactly the arrows written down below.
"""

import ast
from collections import defaultdict
from pathlib import Path

from django.conf import settings

from config.layers import ALLOWED

ROOT = Path(settings.BASE_DIR)

# The composition root: it wires every app together, so it may import any of them.
COMPOSITION_ROOT = ("config/urls.py", "config/routing.py", "config/asgi.py", "config/settings/")

DOMAIN = {"chat", "rooms", "guilds", "media_relay", "gamification", "streams", "vods", "monetization", "dms",
          "moderation", "developers"}


# Apps whose first issue has not landed whole: their rows say what they may use, not yet what they do.
UNDER_CONSTRUCTION = {"vods", "monetization", "dms", "moderation", "developers"}


def imported_modules(path: Path) -> list[str]:
    """Every absolute module an import statement in the file names, wherever the statement is."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def app_arrows() -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) -> where, for every import across apps outside the composition root."""
    arrows = defaultdict(list)
    for app in ALLOWED:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(COMPOSITION_ROOT):
                continue
            for module in imported_modules(path):
                target = module.split(".")[0]
                if target in ALLOWED and target != app:
                    arrows[(app, target)].append(f"{relative}: import {module}")
    return arrows


def test_every_app_is_in_the_table():
    apps = {name for name in settings.INSTALLED_APPS if (ROOT / name / "apps.py").exists()} | {"config"}
    assert apps == set(ALLOWED)


def test_the_allowed_arrows_go_one_way():
    def reaches(start: str, goal: str, seen=()) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, (*seen, nxt))) for nxt in ALLOWED[start])

    assert [app for app in ALLOWED if reaches(app, app)] == []
    assert "accounts" not in ALLOWED["config"] and not ALLOWED["accounts"] & DOMAIN


def test_the_walk_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from guilds.selectors import guild_get\n    import rooms.models\n")
    assert imported_modules(source) == ["guilds.selectors", "rooms.models"]


def test_no_app_imports_an_app_it_may_not():
    wrong = {f"{a} -> {b}": where for (a, b), where in app_arrows().items() if b not in ALLOWED[a]}
    assert wrong == {}


def test_every_allowed_arrow_between_domain_apps_is_used():
    """The table says exactly how the domain apps depend today (apps still being built may use fewer arrows)."""
    used = set(app_arrows())
    allowed = {(a, b) for a, targets in ALLOWED.items() if a in DOMAIN - UNDER_CONSTRUCTION
               for b in targets if b in DOMAIN}
    assert allowed - used == set()


def test_services_raise_reasons_not_close_codes():
    """WebSocket transport (config.ws) is for consumers; a service publishes a Disconnect (config.disconnects)."""
    services = [path for app in ALLOWED for path in (ROOT / app).rglob("*.py")
                if "services" in path.relative_to(ROOT).parts or path.name == "services.py"]
    assert len(services) > 20
    assert [path.name for path in services if "config.ws" in imported_modules(path)] == []
