"""static/js/seats.js — the voice room's seats: capability look-ups, order, badges, the host's menu —
unit-tested in headless chromium: tests/rooms/js/seats.test.js runs in a page served from a
local thread, and each of its tests is reported here as one pytest case.
"""

import pytest

from tests.rooms.js.harness import js_suite_results, js_test_names

SUITE = "seats.test.js"
NAMES = js_test_names(SUITE)


@pytest.fixture(scope="module")
def results():
    return js_suite_results(SUITE)


def test_suite_registers_its_tests(results):
    assert len(NAMES) >= 7
    assert sorted(results) == sorted(NAMES), "a test name the regex missed, or a duplicate"


@pytest.mark.parametrize("name", NAMES)
def test_seats_js(results, name):
    result = results[name]
    assert result["ok"], result.get("error")
