"""The stage on the stream socket /ws/stream/<id>/ through the real ASGI stack: a signed-in viewer's socket
counts them as watching (the stage invites only them), their invite prompt arrives on their sockets only,
everyone watching sees the guest take a seat, and closing the last tab makes them not watching."""

from unittest import mock

import pytest

from config.ws import CloseCode
from streams import polls, stage
from streams.models import StageInvite
from streams.presence import presence_filter
from streams.raids import stream_raid
from tests.sockets import call, closed, drain, frame, login

from .factories import ChannelFactory, live_stream
from .test_stage import refused

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("streams.tasks.notify_followers_live.delay"):
        yield


async def watch(sockets, stream, session_key):
    comm = await sockets(f"/ws/stream/{stream.pk}/", session_key)
    assert (await frame(comm))["type"] == "hello"
    await drain(comm)  # the viewer count
    return comm


@pytest.mark.asyncio
async def test_the_prompt_reaches_the_invitees_tabs_only_and_the_seat_reaches_everyone(sockets, alice, bob, carol):
    stream = await call(live_stream, await call(ChannelFactory, owner=alice, slug="alice"))
    bob_key = await call(login, bob)
    bob_tabs = [await watch(sockets, stream, bob_key) for _ in range(2)]
    carol_tab, anonymous = await watch(sockets, stream, await call(login, carol)), await watch(sockets, stream, None)
    invite = await call(stage.stage_invite, actor=alice, stream=stream, handle="bob")
    for tab in bob_tabs:
        prompt = [e for e in await drain(tab) if e["type"] == "streams.stage_invite"]
        assert [(p["op"], p["invite"]["id"], p["host"]["handle"]) for p in prompt] == [("invited", invite.pk, "alice")]
    assert [e["op"] for e in await drain(carol_tab) if e["type"] == "streams.stage"] == ["invited"]

    await call(stage.stage_invite_accept, actor=bob, invite=invite)
    closed = [e for e in await drain(bob_tabs[1]) if e["type"] == "streams.stage_invite"]
    assert [(e["op"], e["status"]) for e in closed] == [("closed", "accepted")]  # the other tab drops its prompt
    joined = [e for e in await drain(anonymous) if e["type"] == "streams.stage"]
    assert [(e["op"], e["seat"]["user"]["handle"], e["guests"]) for e in joined] == [("invited", "bob", 0), ("joined", "bob", 1)]


@pytest.mark.asyncio
async def test_presence_follows_the_signed_in_viewers_sockets(sockets, alice, bob):
    stream = await call(live_stream, await call(ChannelFactory, owner=alice, slug="alice"))
    bob_key = await call(login, bob)
    tabs = [await watch(sockets, stream, bob_key) for _ in range(2)]
    assert presence_filter(stream_id=stream.pk, user_ids=[bob.pk, alice.pk]) == {bob.pk}
    await tabs[0].disconnect()
    assert presence_filter(stream_id=stream.pk, user_ids=[bob.pk]) == {bob.pk}  # one tab still open
    await tabs[1].disconnect()
    assert presence_filter(stream_id=stream.pk, user_ids=[bob.pk]) == set()
    with refused("stage_not_watching"):
        await call(stage.stage_invite, actor=alice, stream=stream, handle="bob")
    assert not await call(StageInvite.objects.exists)


async def events_but_counts(comm, count: int) -> list[dict]:
    """The next `count` frames that are not viewer counts (those come whenever a second has passed)."""
    found = []
    while len(found) < count:
        if (event := await frame(comm))["type"] != "streams.viewers":
            found.append(event)
    return found


@pytest.mark.asyncio
async def test_a_raid_reaches_the_watchers_before_the_stream_closes(sockets, alice, bob):
    stream = await call(live_stream, await call(ChannelFactory, owner=alice, slug="alice"))
    target = await call(live_stream, await call(ChannelFactory, owner=bob, slug="bob"))
    anonymous = await watch(sockets, stream, None)
    await call(stream_raid, actor=alice, stream=stream, target_slug="bob")
    raid, ended = await events_but_counts(anonymous, 2)
    assert (raid["type"], raid["url"], raid["target"]["id"]) == ("streams.raid", f"/s/{target.pk}/", target.pk)
    assert (ended["type"], ended["op"]) == ("streams.stream", "ended")
    assert (await closed(anonymous))["code"] == CloseCode.GONE


@pytest.mark.asyncio
async def test_poll_results_reach_the_watchers(sockets, alice, bob):
    stream = await call(live_stream, await call(ChannelFactory, owner=alice, slug="alice"))
    viewer = await watch(sockets, stream, None)
    poll = await call(polls.poll_open, actor=alice, stream=stream, question="Tea?", options=["Yes", "No"], seconds=30)
    with mock.patch("streams.tasks.poll_results_publish.apply_async") as later:
        await call(polls.poll_vote, actor=bob, poll=poll, option=0)  # the first vote of a second: shown at once
    assert later.call_count == 1  # and the rest of that second's votes a second later
    seen = [(e["op"], e["poll"]["counts"]) for e in await drain(viewer) if e["type"] == "streams.poll"]
    assert seen == [("opened", [0, 0]), ("results", [1, 0])]


@pytest.mark.asyncio
async def test_the_host_invites_from_their_own_stream_socket(sockets, alice, bob, carol):
    """`stage.invite` on the host's socket: the prompt reaches the invitee, the reply the host (with its ref);
    anyone else is refused with an error frame, and bad input is `invalid`."""
    stream = await call(live_stream, await call(ChannelFactory, owner=alice, slug="alice"))
    studio = await watch(sockets, stream, await call(login, alice))
    bob_tab = await watch(sockets, stream, await call(login, bob))
    carol_tab = await watch(sockets, stream, await call(login, carol))

    await studio.send_json_to({"type": "stage.invite", "handle": "@Bob", "video_allowed": True, "ref": 7})
    sent = next(e for e in await drain(studio) if e["type"] == "invite_sent")
    assert (sent["ref"], sent["invite"]["user"]["handle"], sent["invite"]["video_allowed"]) == (7, "bob", True)
    invite = await call(StageInvite.objects.get)
    assert sent["invite"]["id"] == invite.pk and sent["invite"]["expires_at"]
    prompt = [e for e in await drain(bob_tab) if e["type"] == "streams.stage_invite"]
    assert [(p["op"], p["invite"]["id"], p["host"]["handle"]) for p in prompt] == [("invited", invite.pk, "alice")]

    await studio.send_json_to({"type": "stage.invite", "handle": "bob", "ref": 8})  # twice
    again = next(e for e in await drain(studio) if e["type"] == "error")
    assert (again["code"], again["ref"]) == ("stage_already_invited", 8)
    await carol_tab.send_json_to({"type": "stage.invite", "handle": "bob", "ref": 9})
    refused_ = next(e for e in await drain(carol_tab) if e["type"] == "error")
    assert (refused_["code"], refused_["ref"]) == ("not_stage_manager", 9)
    await studio.send_json_to({"type": "stage.invite", "handle": "x" * 41, "ref": 10})
    assert next(e for e in await drain(studio) if e["type"] == "error")["code"] == "invalid"
    assert await call(StageInvite.objects.count) == 1
