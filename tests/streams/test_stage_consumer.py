"""The stage on the stream socket /ws/stream/<id>/ through the real ASGI stack: a signed-in viewer's socket
counts them as watching (the stage invites only them), their invite prompt arrives on their sockets only,
everyone watching sees the guest take a seat, and closing the last tab makes them not watching."""

from unittest import mock

import pytest

from streams import stage
from streams.models import StageInvite
from streams.presence import presence_filter
from tests.sockets import call, drain, frame, login

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
