"""static/js/seats.js — the voice room's seats: capability look-ups, order, badges, the host's menu —
unit-tested in headless chromium: tests/rooms/js/seats.test.js runs in a page served from a
local thread, and each of its tests is reported here as one pytest case.
"""

from pathlib import Path

import pytest

from tests.rooms.js.harness import CHROMIUM, CHROMIUM_ARGS, js_test_names, js_test_server, run_js_suite

SUITE = "seats.test.js"
NAMES = js_test_names(SUITE)


@pytest.fixture(scope="module")
def results():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (scripts/ensure-chromium).")
    from playwright.sync_api import sync_playwright

    server = js_test_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield run_js_suite(browser.new_page(), server, SUITE)
            finally:
                browser.close()
    finally:
        server.stop()


def test_suite_registers_its_tests(results):
    assert len(NAMES) >= 7
    assert sorted(results) == sorted(NAMES), "a test name the regex missed, or a duplicate"


@pytest.mark.parametrize("name", NAMES)
def test_seats_js(results, name):
    result = results[name]
    assert result["ok"], result.get("error")
