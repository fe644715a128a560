"""The one place settings read the environment (django-environ).

Every variable has an embedded default so that a fresh checkout runs with no
environment at all; `.env.example` lists them all.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The embedded default's files (SQLite, media, the Celery queue); settings create the folders they use.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))


def ensure_dir(path: str | Path) -> None:
    """Create a folder the settings point at, so a fresh clone runs (and tests) without `make`."""
    Path(path).mkdir(parents=True, exist_ok=True)
