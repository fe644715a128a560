"""The Content-Security-Policy in Chromium: every page loads without a violation, the YouTube, Spotify and
Google Drive players included (their scripts and frames are allowed; offline they fail on the network,
after the policy let them through), and an injected inline script is refused."""

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, UserFactory
from tests.e2e.test_account_journey import sign_in
from tests.rooms.factories import RoomFactory, set_source
from tests.streams.factories import ChannelFactory, live_stream

pytestmark = pytest.mark.e2e

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def test_pages_and_players_load_without_violations(asgi_server, new_page):
    base = asgi_server.url
    olive = UserFactory(handle="olive")
    rooms = {kind: set_source(RoomFactory(created_by=olive), url) for kind, url in {
        "youtube": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "spotify": "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
        "drive": "https://drive.google.com/file/d/1AbCdEfGhIjKlMnOpQrStUvWxYz012345/view",
    }.items()}
    stream = live_stream(ChannelFactory(owner=UserFactory(), slug="olive-live"))
    page = new_page("olive", bypass_csp=False)
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, base, olive.email, PASSWORD)
    seen = {}
    for path in ["/", "/rooms/", "/rooms/new/", "/settings/", "/live/", "/c/olive-live/", f"/s/{stream.pk}/", "/studio/",
                 "/api/v1/docs/", "/api/v1/redoc/", *(f"/r/{room.code}/" for room in rooms.values())]:
        response = page.goto(base + path, wait_until="domcontentloaded")  # players keep "load" waiting offline
        assert response.status == 200, path
        assert "script-src" in response.headers["content-security-policy"]
        page.wait_for_timeout(500)  # the page's modules run, players load their APIs
        seen[path] = page.evaluate("window.__csp")
    assert {path: violations for path, violations in seen.items() if violations} == {}

    # the players were really tried: Drive's frame is in the page
    page.goto(f"{base}/r/{rooms['drive'].code}/")
    expect(page.locator("iframe[src^='https://drive.google.com/']")).to_have_count(1)

    # and the policy does bite: an inline script without the nonce does not run
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                     document.body.append(s); }""")
    page.wait_for_timeout(100)
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
