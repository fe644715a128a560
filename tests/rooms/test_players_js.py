"""static/js/players.js — one interface over HTML5 video, HLS (native and the vendored
hls.js), YouTube, Spotify, Drive and web pages — tested in headless chromium: YouTube and
Spotify against fake API objects (their scripts can't load offline), HTML5 video and HLS
against small files generated here with PyAV and served with byte ranges.
"""

from pathlib import Path

import pytest

from tests.rooms.js.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    js_test_names,
    js_test_server,
    make_hls,
    make_video,
    run_js_suite,
)

SUITE = "players.test.js"
NAMES = js_test_names(SUITE) + [f"hls: plays and seeks a generated stream with {e}" for e in ("hls.js", "native")]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (scripts/ensure-chromium).")
    from playwright.sync_api import sync_playwright

    media = tmp_path_factory.mktemp("media")
    make_video(media / "clip.mp4", seconds=12)
    make_hls(media / "hls", seconds=8)
    server = js_test_server(media)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield run_js_suite(browser.new_page(), server, SUITE, timeout_ms=120_000)
            finally:
                browser.close()
    finally:
        server.stop()


def test_suite_registers_its_tests(results):
    assert sorted(results) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_players_js(results, name):
    result = results[name]
    assert result["ok"], result.get("error")


def test_vendored_hls_js_carries_version_and_license():
    vendored = Path(__file__).resolve().parents[2] / "static" / "vendor" / "hls.js"
    head = (vendored / "hls.min.js").read_text()[:400]
    assert "hls.js 1.7.4" in head and "Apache License, Version 2.0" in head
    assert "sourceMappingURL" not in (vendored / "hls.min.js").read_text()[-300:], "no dangling source map"
    assert (vendored / "LICENSE").exists()
