"""static/js/sync.js — the client's clock offset, expected position and drift correction —
unit-tested in headless chromium: tests/rooms/js/sync.test.js runs in a page served from a
local thread, and each of its tests is reported here as one pytest case.
"""

import pytest

from tests.rooms.js.harness import js_suite_results, js_test_names

SUITE = "sync.test.js"
NAMES = js_test_names(SUITE)


@pytest.fixture(scope="module")
def results():
    return js_suite_results(SUITE)


def test_suite_registers_its_tests(results):
    assert len(NAMES) >= 20
    assert sorted(results) == sorted(NAMES), "a test name the regex missed, or a duplicate"


@pytest.mark.parametrize("name", NAMES)
def test_sync_js(results, name):
    result = results[name]
    assert result["ok"], result.get("error")
