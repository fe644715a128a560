"""media_relay/sfu is the Django-free SFU core: every import in it (module level or inside a function)
is the standard library, a third-party media/network package, another core module, or one of the two
Django-free vocabularies it shares with the platform side (media_relay.errors, media_relay.events)."""

import ast
import sys
from pathlib import Path

from django.conf import settings

CORE = Path(settings.BASE_DIR) / "media_relay" / "sfu"
THIRD_PARTY = {"aiortc", "aioice", "av", "aiohttp", "websockets", "redis", "pylibsrtp", "OpenSSL", "cryptography",
               "numpy"}
SHARED = {"media_relay.errors", "media_relay.events"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.add(node.module)
            else:  # relative: resolve against media_relay.sfu
                base = ["media_relay", "sfu"][: 2 - (node.level - 1)]
                names.add(".".join(base + ([node.module] if node.module else [])))
    return names


def is_allowed(module: str) -> bool:
    top = module.split(".")[0]
    return (top in sys.stdlib_module_names or top in THIRD_PARTY or module == "__future__"
            or module.startswith("media_relay.sfu") or module in SHARED or module == "media_relay")


def test_the_sfu_core_imports_nothing_of_django_or_the_platform():
    offending = {
        f"{path.name}: {module}"
        for path in sorted(CORE.glob("*.py")) for module in imported_modules(path) if not is_allowed(module)
    }
    assert not offending, sorted(offending)


def test_the_check_sees_a_function_level_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from django.conf import settings\n    from ..models import Recording\n")
    assert {m for m in imported_modules(module) if not is_allowed(m)} == {"django.conf", "media_relay.models"}
