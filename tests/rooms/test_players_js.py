"""static/js/players.js — one interface over HTML5 video, HLS (native and the vendored
hls.js), YouTube, Spotify, Drive and web pages — tested in headless chromium: YouTube and
Spotify against fake API objects (their scripts can't load offline), HTML5 video and HLS
against small files generated here with PyAV and served with byte ranges.
"""

from pathlib import Path

import pytest

from tests.rooms.js.harness import js_suite_results, js_test_names, make_hls, make_video

SUITE = "players.test.js"
NAMES = js_test_names(SUITE) + [f"hls: plays and seeks a generated stream with {e}" for e in ("hls.js", "native")]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    make_video(media / "clip.mp4", seconds=12)
    make_hls(media / "hls", seconds=8)
    return js_suite_results(SUITE, media_dir=media, timeout_ms=120_000)


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
