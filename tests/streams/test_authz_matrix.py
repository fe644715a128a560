"""Authorization matrix for streams (RELIABILITY item 12): every streams endpoint × every kind of caller.

Olive owns the channel "olive": one stream live, one scheduled, a stream key. Otto (the other user) and
staff own no channel. Reading channels and streams, and a watch token for a live stream, are public (an
anonymous viewer watches); everything else needs an account, and changing a channel needs its owner.
The machinery is tests/authz.py.
"""

from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.utils import timezone

from accounts.services.tokens import api_token_create
from media_relay.models import HlsOutput
from streams.models import (
    Channel,
    ChannelFollow,
    ChannelModerator,
    ChannelStreamKey,
    Poll,
    PollVote,
    StageInvite,
    Stream,
    StreamStatus,
)
from streams.polls import poll_open
from streams.presence import presence_enter
from streams.services import stream_end, stream_schedule
from streams.stage import stage_hand_raise, stage_invite, stage_invite_accept
from streams.stream_keys import channel_stream_key_create
from tests.accounts.factories import UserFactory
from tests.authz import (
    Case,
    anonymous_params,
    as_owner,
    assert_anonymous_refused,
    assert_api_status,
    assert_matrix_complete,
    expect,
    ids,
    matrix_params,
    perform,
)

from .factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db

PUBLIC = {  # (url name, method) open to anonymous callers
    ("api-channel", "get"), ("api-channel-streams", "get"), ("api-streams", "get"), ("api-stream", "get"),
    ("api-stream-media-token", "post"), ("api-stream-hls", "post"), ("api-stream-webrtc", "post"), ("api-stage", "get"),
    ("api-stream-polls", "get"),
}


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("streams.tasks.notify_followers_live.delay"), mock.patch("streams.tasks.poll_results_publish.apply_async"):
        yield


@pytest.fixture
def w():
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(olive=olive, owner=olive, other=UserFactory(handle="otto"))
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    w.channel = ChannelFactory(owner=olive, slug="olive", name="Olive live")
    w.live = live_stream(w.channel, title="Now")
    w.scheduled = stream_schedule(actor=olive, channel=w.channel, title="Later",
                                  scheduled_for=timezone.now() + timedelta(days=1))
    channel_stream_key_create(actor=olive, channel=w.channel)
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def end_the_live_stream(w):
    stream_end(actor=w.olive, stream=w.live)


def check_followed(w, role, response):
    assert ids(response) == set()  # nobody here follows a channel yet


def check_created(w, role, response):
    assert Channel.objects.get(pk=response.json()["id"]).owner == (w.other if role == "other" else w.staff)


def check_channel(w, role, response):
    assert response.json()["slug"] == "olive"


def check_edited(w, role, response):
    assert Channel.objects.get(pk=w.channel.pk).description == "Chess and tea"


def check_following(w, role, response):
    assert response.json()["is_following"] and ChannelFollow.objects.filter(channel=w.channel).count() == 1


def check_unfollowed(w, role, response):
    assert response.json()["is_following"] is False


def check_key(w, role, response):
    assert ChannelStreamKey.objects.get(revoked_at__isnull=True).prefix == response.json()["prefix"]


def check_key_revoked(w, role, response):
    assert not ChannelStreamKey.objects.filter(revoked_at__isnull=True).exists()


def check_live(w, role, response):
    assert Stream.objects.get(pk=response.json()["id"]).status == StreamStatus.LIVE


def check_streams(w, role, response):
    assert ids(response) == {w.live.pk, w.scheduled.pk}


def check_scheduled(w, role, response):
    assert Stream.objects.get(pk=response.json()["id"]).status == StreamStatus.SCHEDULED


def check_live_list(w, role, response):
    assert ids(response) == {w.live.pk}


def check_stream(w, role, response):
    assert response.json()["id"] == w.live.pk


def check_retitled(w, role, response):
    assert Stream.objects.get(pk=w.live.pk).title == "Chess night"


def check_ended(w, role, response):
    assert Stream.objects.get(pk=w.live.pk).status == StreamStatus.ENDED


def appoint_otto(w):
    ChannelModerator.objects.create(channel=w.channel, user=w.other)


def check_moderators(w, role, response):
    assert [row["user"]["handle"] for row in response.json()] == ["otto"]


def check_appointed(w, role, response):
    assert response.json()["user"]["handle"] == "otto" and ChannelModerator.objects.filter(user=w.other).exists()


def check_removed(w, role, response):
    assert not ChannelModerator.objects.exists()


def check_grant(w, role, response):
    assert response.json()["room"] == f"stream-{w.live.pk}"
    assert ("publish_video" in response.json()["perms"]) == as_owner(role)


def check_hls(w, role, response):
    assert response.json()["mode"] == "hls"
    assert HlsOutput.objects.filter(relay_room=f"stream-{w.live.pk}", stopped_at__isnull=True).exists()


def check_webrtc_return(w, role, response):
    assert response.json()["mode"] == "webrtc" and response.json()["retry_after_ms"] is None  # no cap reached


C = "/channels/olive"
S = "/streams/{w.live.pk}"
LATER = (timezone.now() + timedelta(days=2)).isoformat()
CASES = [
    Case("api-channels", "get", "/channels/", expect(owner=200), check=check_followed),
    Case("api-channels", "post", "/channels/", expect(owner=409, other=201),
         data={"name": "Mine", "slug": "mine"}, check=check_created),
    Case("api-channel", "get", C + "/", expect(200, owner=200), check=check_channel),
    Case("api-channel", "patch", C + "/", expect(owner=200, other=403), scope="stream:manage", data={"description": "Chess and tea"},
         check=check_edited),
    Case("api-channel-follow", "post", C + "/follow/", expect(owner=400, other=200), scope="follows:write", data={"notify": True},
         check=check_following),
    Case("api-channel-follow", "delete", C + "/follow/", expect(owner=200), scope="follows:write", check=check_unfollowed),
    Case("api-channel-stream-key", "post", C + "/stream-key/", expect(owner=201, other=403), check=check_key),
    Case("api-channel-stream-key", "delete", C + "/stream-key/", expect(owner=204, other=403),
         check=check_key_revoked),
    Case("api-channel-moderators", "get", C + "/moderators/", expect(owner=200, other=403), setup=appoint_otto,
         check=check_moderators),
    Case("api-channel-moderators", "post", C + "/moderators/", expect(owner=201, other=403), data={"handle": "@otto"},
         check=check_appointed),
    Case("api-channel-moderator", "delete", C + "/moderators/{w.other.pk}/", expect(owner=204, other=403),
         setup=appoint_otto, check=check_removed),
    Case("api-channel-go-live", "post", C + "/go-live/", expect(owner=201, other=403), scope="stream:manage", data={"title": "Again"},
         setup=end_the_live_stream, check=check_live),
    Case("api-channel-go-live", "post", C + "/go-live/", expect(owner=409, other=403), scope="stream:manage", data={"title": "Twice"},
         label="post api-channel-go-live while live"),
    Case("api-channel-streams", "get", C + "/streams/", expect(200, owner=200), check=check_streams),
    Case("api-channel-streams", "post", C + "/streams/", expect(owner=201, other=403), scope="stream:manage",
         data={"title": "Next week", "scheduled_for": LATER}, check=check_scheduled),
    Case("api-streams", "get", "/streams/", expect(200, owner=200), check=check_live_list),
    Case("api-stream", "get", S + "/", expect(200, owner=200), check=check_stream),
    Case("api-stream", "patch", S + "/", expect(owner=200, other=403), scope="stream:manage", data={"title": "Chess night"},
         check=check_retitled),
    Case("api-stream-end", "post", S + "/end/", expect(owner=200, other=403), scope="stream:manage", check=check_ended),
    Case("api-stream-media-token", "post", S + "/media-token/", expect(200, owner=200), check=check_grant),
    Case("api-stream-hls", "post", S + "/hls/", expect(200, owner=200), check=check_hls),
    Case("api-stream-webrtc", "post", S + "/webrtc/", expect(200, owner=200), check=check_webrtc_return),
]


# -- the stage, polls, raids (streams.api.stage_views). Otto is the viewer the stage concerns: invited,
# with a raised hand or on stage; Vera is another signed-in viewer watching now, with a live channel.
def vera_watching(w):
    w.vera = UserFactory(handle="vera")
    presence_enter(stream_id=w.live.pk, user_id=w.vera.pk)


def otto_invited(w):
    presence_enter(stream_id=w.live.pk, user_id=w.other.pk)
    w.invite = stage_invite(actor=w.olive, stream=w.live, handle="otto")


def otto_hand(w):
    w.invite = stage_hand_raise(actor=w.other, stream=w.live)


def otto_on_stage(w):
    otto_invited(w)
    stage_invite_accept(actor=w.other, invite=w.invite)


def a_poll(w):
    w.poll = poll_open(actor=w.olive, stream=w.live, question="Tea?", options=["Yes", "No"], seconds=60)


def vera_live(w):
    vera_watching(w)
    live_stream(ChannelFactory(owner=w.vera, slug="vera"))


def invite_status(status):
    def check(w, role, response):
        assert StageInvite.objects.get(pk=w.invite.pk).status == status == response.json()["status"]
    return check


def check_stage(w, role, response):
    assert response.json()["can_manage"] == as_owner(role) and response.json()["seats_max"] == 12


def check_invited(w, role, response):
    assert StageInvite.objects.get(pk=response.json()["id"]).invitee == w.vera


def check_suggested(w, role, response):
    assert [u["handle"] for u in response.json()] == ["vera"]


def check_hand(w, role, response):
    assert StageInvite.objects.get(pk=response.json()["id"]).kind == "hand"


def check_muted(w, role, response):
    assert StageInvite.objects.get(pk=w.invite.pk).muted


def check_poll(w, role, response):
    assert Poll.objects.get(pk=response.json()["id"]).is_open


def check_polls(w, role, response):
    assert [p["id"] for p in response.json()] == [w.poll.pk]


def check_voted(w, role, response):
    assert PollVote.objects.filter(poll=w.poll).count() == 1


def check_poll_ended(w, role, response):
    assert not Poll.objects.get(pk=w.poll.pk).is_open


INV = S + "/stage/invites/{w.invite.pk}"
P = S + "/polls/{w.poll.pk}"
CASES += [
    Case("api-stage", "get", S + "/stage/", expect(200, owner=200), check=check_stage),
    Case("api-stage-invites", "post", S + "/stage/invites/", expect(owner=201, other=403), data={"handle": "@vera"},
         setup=vera_watching, check=check_invited),
    Case("api-stage-suggestions", "get", S + "/stage/suggestions/?q=v", expect(owner=200, other=403),
         setup=vera_watching, check=check_suggested),
    Case("api-stage-invite-accept", "post", INV + "/accept/", expect(owner=404, other=200, staff=404),
         setup=otto_invited, check=invite_status("accepted")),
    Case("api-stage-invite-decline", "post", INV + "/decline/", expect(owner=404, other=200, staff=404),
         setup=otto_invited, check=invite_status("rejected")),
    Case("api-stage-invite-cancel", "post", INV + "/cancel/", expect(owner=200, other=403),
         setup=otto_invited, check=invite_status("cancelled")),
    Case("api-stage-hand", "post", S + "/stage/hand/", expect(owner=409, other=201), check=check_hand),
    Case("api-stage-hand", "delete", S + "/stage/hand/", expect(owner=404, other=204, staff=404), setup=otto_hand),
    Case("api-stage-hand-answer", "post", S + "/stage/hands/{w.invite.pk}/", expect(owner=200, other=403),
         data={"approve": True}, setup=otto_hand, check=invite_status("accepted")),
    Case("api-stage-guest", "patch", S + "/stage/guests/{w.invite.pk}/", expect(owner=200, other=403),
         data={"muted": True}, setup=otto_on_stage, check=check_muted),
    Case("api-stage-guest", "delete", S + "/stage/guests/{w.invite.pk}/", expect(owner=200, other=403),
         setup=otto_on_stage, check=invite_status("ended")),
    Case("api-stage-leave", "post", S + "/stage/leave/", expect(owner=409, other=200, staff=409),
         setup=otto_on_stage, check=invite_status("ended")),
    Case("api-stream-polls", "get", S + "/polls/", expect(200, owner=200), setup=a_poll, check=check_polls),
    Case("api-stream-polls", "post", S + "/polls/", expect(owner=201, other=403),
         data={"question": "Tea?", "options": ["Yes", "No"], "seconds": 30}, check=check_poll),
    Case("api-poll-vote", "post", P + "/vote/", expect(owner=204), data={"option": 1}, setup=a_poll,
         check=check_voted),
    Case("api-poll-end", "post", P + "/end/", expect(owner=200, other=403), setup=a_poll, check=check_poll_ended),
    Case("api-stream-raid", "post", S + "/raid/", expect(owner=200, other=403), data={"channel": "vera"},
         setup=vera_live, check=check_ended),
]


def olive_state(w) -> dict:
    return {
        "channel": list(Channel.objects.filter(pk=w.channel.pk).values_list("name", "description", "slug")),
        "streams": sorted(Stream.objects.filter(channel=w.channel).values_list("pk", "title", "status")),
        "keys": sorted(ChannelStreamKey.objects.filter(channel=w.channel).values_list("pk", "revoked_at")),
        "moderators": sorted(ChannelModerator.objects.filter(channel=w.channel).values_list("user_id", flat=True)),
    }


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str, settings):
    settings.MEDIA_RELAY_TOKEN_SECRET = "matrix-secret"
    if case.setup:
        case.setup(w)
    before = olive_state(w)
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)
    if not (succeeded and as_owner(role)):
        assert olive_state(w) == before  # only Olive changes her channel and its streams


def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete("streams", CASES, at_least=15)


@pytest.mark.parametrize("name, method, route", [
    p for p in anonymous_params("streams") if tuple(p.values[:2]) not in PUBLIC  # the matrix shows those
])
def test_anonymous_is_refused_unless_public(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=set(), fill="olive")
