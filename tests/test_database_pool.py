"""DATABASE_POOL_* build Django's psycopg pool options (config/settings/base.py), read as a process reads them."""

import json
import os
import subprocess
import sys

import pytest

POSTGRES = "postgres://watchtogether@127.0.0.1:5432/wt"
POOL_VARS = ("DATABASE_POOL_MAX_SIZE", "DATABASE_POOL_MIN_SIZE", "DATABASE_POOL_TIMEOUT", "DATABASE_CONN_MAX_AGE")


def settings_of(**environ) -> subprocess.CompletedProcess:
    code = ("from django.conf import settings; import json; db = settings.DATABASES['default']; "
            "print(json.dumps([db.get('OPTIONS', {}).get('pool'), db['CONN_MAX_AGE']]))")
    env = {key: value for key, value in os.environ.items() if key not in POOL_VARS}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **environ)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def pool_of(**environ):
    out = settings_of(**environ)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_pool_is_built_from_the_environment_on_postgresql():
    assert pool_of(DATABASE_URL=POSTGRES, DATABASE_POOL_MAX_SIZE="8", DATABASE_POOL_MIN_SIZE="3",
                   DATABASE_POOL_TIMEOUT="2.5") == [{"min_size": 3, "max_size": 8, "timeout": 2.5}, 0]
    assert pool_of(DATABASE_URL=POSTGRES, DATABASE_POOL_MAX_SIZE="1") == [{"min_size": 1, "max_size": 1, "timeout": 5.0}, 0]


@pytest.mark.parametrize("environ", [
    {"DATABASE_URL": POSTGRES},  # off unless asked for
    {"DATABASE_URL": POSTGRES, "DATABASE_POOL_MAX_SIZE": "0"},
    {"DATABASE_URL": POSTGRES, "DATABASE_CONN_MAX_AGE": "60"},  # persistent connections stay as they were
    {"DATABASE_URL": "sqlite:///var/pool-test.sqlite3", "DATABASE_POOL_MAX_SIZE": "8"},  # PostgreSQL only
])
def test_no_pool_unless_asked_for_on_postgresql(environ):
    assert pool_of(**environ)[0] is None


@pytest.mark.parametrize("environ, error", [
    ({"DATABASE_CONN_MAX_AGE": "60"}, "DATABASE_POOL_MAX_SIZE needs DATABASE_CONN_MAX_AGE=0"),
    ({"DATABASE_POOL_MIN_SIZE": "5"}, "DATABASE_POOL_MIN_SIZE must be between 0 and DATABASE_POOL_MAX_SIZE"),
])
def test_contradictory_pool_settings_stop_the_process(environ, error):
    out = settings_of(DATABASE_URL=POSTGRES, DATABASE_POOL_MAX_SIZE="4", **environ)
    assert out.returncode != 0 and f"ImproperlyConfigured: {error}" in out.stderr
