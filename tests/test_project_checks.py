"""Checks CI and a newcomer depend on: migrations, deploy settings, the beat schedule."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from config.celery import app as celery_app


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_deploy_checks_pass_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 64 + "-production-like-secret-for-the-check",
        "DJANGO_ALLOWED_HOSTS": "watchtogether.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db  # celery's Django fixup runs the system checks, and dj-stripe's reads its webhook endpoints
def test_every_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert name == name.lower() and " " not in name and "_" not in name, f"kebab-case beat names: {name}"
        assert entry["task"] in celery_app.tasks, f"{name} → unknown task {entry['task']}"


@pytest.mark.django_db
def test_an_unknown_api_path_answers_in_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No such API endpoint.", "extra": {"path": "/api/v1/no-such-thing/"}}


@pytest.mark.django_db
def test_seed_demo_loads_a_bit_of_everything_and_is_idempotent(settings, tmp_path):
    from accounts.models import Friendship, User
    from guilds.models import Guild
    from rooms.models import Room

    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", stdout=io.StringIO())
    counts = (User.objects.count(), Friendship.objects.count(), Room.objects.count(), Guild.objects.count())
    call_command("seed_demo", stdout=io.StringIO())

    assert (User.objects.count(), Friendship.objects.count(), Room.objects.count(), Guild.objects.count()) == counts
    assert Room.objects.filter(visibility="public", source_kind="video").exists()
    assert User.objects.filter(handle="admin", is_staff=True).exists()


def _pins(path: Path) -> dict[str, str]:
    """name -> version of every `name==version` line (extras and comments dropped)."""
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s\\;#]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return pins


@pytest.mark.parametrize("source, lock", [("requirements.txt", "requirements.lock"),
                                          ("requirements-dev.txt", "requirements-dev.lock")])
def test_the_lock_holds_every_pin_of_its_input_with_hashes(source, lock):
    root = Path(settings.BASE_DIR)
    wanted, locked = _pins(root / source), _pins(root / lock)
    if source == "requirements-dev.txt":
        wanted |= _pins(root / "requirements.txt")
    assert {name: locked.get(name) for name in wanted} == wanted, f"run `make lock` after editing {source}"
    unhashed = [line for line in (root / lock).read_text().splitlines() if re.match(r"^[a-z0-9]", line) and not line.rstrip().endswith("\\")]
    assert not unhashed, f"{lock} has entries without hashes: {unhashed[:3]}"
