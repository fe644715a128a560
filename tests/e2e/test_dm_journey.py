"""Direct messages and a call from a conversation, in browsers, on daphne with our relay on loopback.

Ana writes to her friend Ben, who has the conversation open in one tab and the messages list in
another: the message arrives live, Ben's page marks it read and Ana sees "Seen". Ana calls: both of
Ben's tabs ring with the call prompt; he accepts on one, the other stops ringing, and both land in
the call's private voice room, where they hear each other peer-to-peer (WebAudio and the inbound
audio energy in WebRTC stats). A block then stops Ana's next message.
"""

import pytest
from playwright.sync_api import expect

from dms.models import Call, CallStatus
from tests.accounts.factories import UserFactory
from tests.dms.factories import direct_between
from tests.e2e.test_voice_journey import HEARD_LEVEL, expect_mode, open_room

pytestmark = pytest.mark.e2e

# Audio energy received over the page's live peer connections (inbound-rtp totalAudioEnergy), summed.
RECEIVED_ENERGY = """async () => {
  let energy = 0;
  for (const pc of window.__pcs) {
    if (pc.connectionState === "closed") continue;
    for (const report of (await pc.getStats()).values()) {
      if (report.type === "inbound-rtp" && report.kind === "audio") energy += report.totalAudioEnergy || 0;
    }
  }
  return energy;
}"""


def friends_on_their_conversation(base: str, new_page):
    """Ana and her friend Ben, each signed in with their conversation open: (Ana's page, Ben's page)."""
    ana, ben = UserFactory(handle="ana", display_name="Ana"), UserFactory(handle="ben", display_name="Ben")
    conversation = direct_between(ana, ben)
    caller, callee = new_page("ana"), new_page("ben")
    open_room(caller, base, ana.email)
    open_room(callee, base, ben.email)
    caller.goto(f"{base}/messages/{conversation.pk}/")
    callee.goto(f"{base}/messages/{conversation.pk}/")
    return caller, callee


def test_message_then_call_then_accept_then_heard(relay, asgi_server, new_page):
    base = asgi_server.url
    caller, callee = friends_on_their_conversation(base, new_page)
    other_tab = callee.context.new_page()
    other_tab.name = "ben-list"
    other_tab.goto(f"{base}/messages/")

    # a message, live, with its read receipt
    caller.fill("#dm-body", "hi Ben, see https://example.com/film")
    caller.click("#dm-compose button[type=submit]")
    expect(callee.locator("#dm-messages .dm-message")).to_have_count(1)
    expect(callee.locator("#dm-messages a[href='https://example.com/film']")).to_be_visible()
    expect(caller.locator("#dm-seen")).to_have_text("Seen")
    expect(other_tab.locator("#dm-count")).to_be_hidden()  # read in the open conversation: nothing unread

    # the call rings on both of Ben's tabs; he answers on one, the other stops ringing
    caller.click("#dm-call")
    expect(callee.locator("#call-prompt")).to_be_visible()
    expect(other_tab.locator("#call-prompt")).to_be_visible()
    expect(other_tab.locator("#call-prompt-caller")).to_have_text("Ana")
    callee.click("#call-accept")
    expect(other_tab.locator("#call-prompt")).to_be_hidden()
    callee.wait_for_url("**/r/*/#call")
    caller.wait_for_url("**/r/*/#call")
    call = Call.objects.get()
    assert call.status == CallStatus.ACCEPTED and call.room.code in callee.url

    # both joined voice on arrival, directly, and hear each other
    for page in (caller, callee):
        expect(page.locator("#voice-status")).to_have_text("Live", timeout=15_000)
        expect_mode(page, "p2p")
    assert caller.evaluate(HEARD_LEVEL) > 0.05
    assert callee.evaluate(HEARD_LEVEL) > 0.05
    assert caller.evaluate(RECEIVED_ENERGY) > 0 and callee.evaluate(RECEIVED_ENERGY) > 0


def test_a_late_answer_about_ringing_calls_leaves_the_ringing_prompt_up(asgi_server, new_page):
    """Each page asks which calls ring when its socket says hello. On a busy server the answer can come
    after the ringing event itself: said before the call began, it must not take the prompt down."""
    base = asgi_server.url
    ana, ben = UserFactory(handle="ana", display_name="Ana"), UserFactory(handle="ben", display_name="Ben")
    conversation = direct_between(ana, ben)
    caller, callee = new_page("ana"), new_page("ben")
    open_room(caller, base, ana.email)
    open_room(callee, base, ben.email)
    conversation_url = f"{base}/messages/{conversation.pk}/"
    held = []  # (route, the answer as it stood when asked: nothing ringing)

    def hold(route):
        if route.request.frame.url != conversation_url:  # the page signed in on, still asking as it goes
            route.continue_()
        else:
            held.append((route, route.fetch()))

    callee.route("**/api/v1/dms/calls/ringing/", hold)
    caller.goto(conversation_url)
    callee.goto(conversation_url)
    for _ in range(500):  # 10 s for the socket's hello and the page's question
        if held:
            break
        callee.wait_for_timeout(20)
    assert held, "the conversation page never asked which calls ring"

    caller.click("#dm-call")
    expect(callee.locator("#call-prompt")).to_be_visible()
    route, answer = held[-1]
    with callee.expect_response("**/api/v1/dms/calls/ringing/"):
        route.fulfill(response=answer)
    callee.evaluate("() => new Promise((done) => setTimeout(done, 100))")  # the page has read the answer
    expect(callee.locator("#call-prompt")).to_be_visible()
    expect(callee.locator("#call-prompt")).to_have_attribute("data-call", str(Call.objects.get().pk))
