"""Bench only: settings that build the bench database from the project's *current* models.

Used by `bench/chat_fanout.py --schema models` (chosen automatically when
`makemigrations --check` finds model changes that have no migration yet, e.g. while
another app is being worked on): the project's own apps are treated as unmigrated, so
`migrate --run-syncdb` creates their tables straight from the models on a fresh database;
third-party apps migrate as usual. daphne itself still runs config.settings.
"""

from config.settings import *  # noqa: F401,F403
from config.settings import BASE_DIR, INSTALLED_APPS

MIGRATION_MODULES = {app: None for app in INSTALLED_APPS if "." not in app and (BASE_DIR / app / "models").exists()
                     or "." not in app and (BASE_DIR / app / "models.py").exists()}
