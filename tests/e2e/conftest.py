"""Browser journeys: a real daphne process on the test database, driven by Debian's chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",  # WebRTC to the relay on 127.0.0.1
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/e2e/ e2e, so `-m "not e2e"` leaves the browser out (a pytestmark in a
    conftest marks nothing)."""
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict  # already pointing at the test database
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


class LiveServer:
    def __init__(self, url: str, mail_dir: Path):
        self.url, self.mail_dir = url, mail_dir

    def emails(self) -> list[str]:
        return [p.read_text() for p in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime)]


@pytest.fixture
def server_host() -> str:
    """The address daphne and the relay listen on; a module may override it (tests/e2e/test_voice_netns.py)."""
    return "127.0.0.1"


@pytest.fixture
def asgi_server(transactional_db, tmp_path, server_host):
    """daphne serving config.asgi in its own process, as in production, on the test database."""
    port = _free_port(server_host)
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SITE_URL": f"http://{server_host}:{port}",
    }
    log = (tmp_path / "daphne.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", server_host, "-p", str(port), "config.asgi:application"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://{server_host}:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not start: {(tmp_path / 'daphne.log').read_text()[-2000:]}") from None
            time.sleep(0.1)
    yield LiveServer(url, mail_dir)
    process.terminate()  # daphne waits for open sockets to close; don't wait long for it
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    log.close()


class RelayProcess:
    """``manage.py run_relay`` on ``host`` (announced as its ICE address), on the test database;
    ``restart()`` keeps its port."""

    def __init__(self, log_path: Path, host: str = "127.0.0.1"):
        self.host, self.port, self.log_path, self.process = host, _free_port(host), log_path, None
        # recordings: parts written beside the log, stored where daphne serves media from (asgi_server)
        self.storage = {"MEDIA_RELAY_RECORDING_DIR": str(log_path.parent / "recordings"),
                        "MEDIA_ROOT": str(log_path.parent / "media")}

    def start(self) -> None:
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_relay", "--host", self.host, "--port", str(self.port),
             "--ice-address", self.host, "--http-port", "0"],  # WHIP/WHEP on any free port: runs may overlap
            cwd=settings.BASE_DIR, env={**os.environ, "DATABASE_URL": _database_url(), **self.storage},
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as probe:
                if probe.connect_ex((self.host, self.port)) == 0:
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the relay did not start: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def relay(transactional_db, monkeypatch, tmp_path, server_host):
    """A media relay worker on the test database, announcing ``server_host`` (127.0.0.1).

    Ask for it before ``asgi_server``: daphne reads MEDIA_RELAY_URL from the environment set here.
    """
    worker = RelayProcess(tmp_path / "relay.log", host=server_host)
    worker.start()
    monkeypatch.setenv("MEDIA_RELAY_URL", f"ws://{server_host}:{worker.port}/")
    yield worker
    worker.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (scripts/ensure-chromium).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM
    # calls are still synchronous, so Django's async-safety check is lifted while it runs.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def new_page(browser, request):
    """Open a page in a fresh browser context (its own cookies); screenshots saved on failure."""
    contexts = []

    def make(name: str, *, bypass_csp: bool = True):
        # Playwright's wait_for_function compiles its string predicates in the page, which our
        # Content-Security-Policy refuses (no 'unsafe-eval'); tests/e2e/test_content_security_policy.py
        # opens its pages with bypass_csp=False and checks the policy as users meet it.
        context = browser.new_context(viewport={"width": 1200, "height": 850}, bypass_csp=bypass_csp)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.name = name
        contexts.append(context)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for context in contexts:
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for i, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{page.name}-{i}.png"), full_page=True)
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(autouse=True)
def _production_password_hashers(settings):
    """Users made here sign in through the daphne process, which uses the real hashers."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
