"""The developer's first minutes: a fresh clone's folders, quiet logs, `make run` stopping cleanly, the admin index."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.accounts.factories import UserFactory

ROOT = Path(settings.BASE_DIR)
EMBEDDED = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MEDIA_ROOT"}}


def settings_in_subprocess(code: str, **env) -> str:
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        cwd=ROOT, env={**EMBEDDED, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_settings_creates_the_folders_they_point_at(tmp_path):
    var = tmp_path / "fresh" / "var"
    settings_in_subprocess("", VAR_DIR=str(var))
    for folder in ("", "media", "celery", "celery/processed"):
        assert (var / folder).is_dir(), folder


def test_chatty_loggers_say_only_warnings_unless_log_level_is_debug():
    show = "import json; print(json.dumps({n: settings.LOGGING['loggers'][n]['level'] for n in settings.CHATTY_LOGGERS}))"
    quiet = json.loads(settings_in_subprocess(show))
    loud = json.loads(settings_in_subprocess(show, LOG_LEVEL="debug"))
    assert {"aioice", "aiortc", "celery.beat", "celery.app.trace", "celery.worker.strategy"} <= quiet.keys()
    assert set(quiet.values()) == {"WARNING"} and set(loud.values()) == {"DEBUG"}


def test_the_relay_command_leaves_logging_to_the_settings():
    source = (ROOT / "media_relay/management/commands/run_relay.py").read_text()
    assert "basicConfig" not in source  # it would be a second, INFO-level setup for aioice's candidate chatter


def test_make_run_starts_its_processes_through_the_clean_stop_wrapper():
    recipe = re.search(r"^run:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.S | re.M).group(0)
    assert "scripts/start-processes -f Procfile.dev" in recipe and "honcho start" not in recipe


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_stopping_the_processes_with_ctrl_c_or_sigterm_exits_0(tmp_path, stop):
    (tmp_path / "Procfile").write_text("a: sleep 60\nb: sleep 60\n")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.Popen([ROOT / "scripts/start-processes", "-f", "Procfile"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    started = 0
    while started < 2:
        line = proc.stdout.readline()
        assert line, "honcho ended before its processes started"
        started += " started " in line
    time.sleep(0.3)
    os.killpg(proc.pid, stop)  # Ctrl-C reaches the whole foreground process group
    assert proc.wait(timeout=20) == 0


def test_a_process_that_fails_still_fails_the_run(tmp_path):
    (tmp_path / "Procfile").write_text("a: sh -c 'exit 3'\n")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run([ROOT / "scripts/start-processes", "-f", "Procfile"], cwd=tmp_path, env=env,
                            capture_output=True, timeout=20)
    assert result.returncode == 3


def test_ensure_chromium_waits_for_the_dpkg_lock_instead_of_failing(tmp_path):
    # Given a fake apt-get (and sudo) that log their arguments and "install" chromium
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    chromium = tmp_path / "chromium"
    (bin_dir / "apt-get").write_text(
        f'#!/bin/sh\necho "$*" >> {log}\ncase "$*" in *install*) printf "#!/bin/sh\\n" > {chromium}; chmod +x {chromium};; esac\n'
    )
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    # When chromium is missing
    result = subprocess.run(["bash", ROOT / "scripts/ensure-chromium"], capture_output=True, text=True, timeout=30,
                            env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CHROMIUM": str(chromium)})
    # Then every apt-get call waits for the lock
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert len(calls) == 2 and all("-o DPkg::Lock::Timeout=300" in call for call in calls), calls


@pytest.mark.django_db
def test_the_admin_index_titles_each_app_once(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/").content.decode()
    titles = re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', html)
    assert "Users and social" in titles and "Accounts" in titles
    assert len(titles) == len(set(titles)), titles
