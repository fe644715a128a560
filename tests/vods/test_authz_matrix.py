"""Authorization matrix for vods: every VOD endpoint × every kind of caller (tests/authz.py).

Olive owns the channel "olive" with a ready public VOD and a failed one (only she sees a failed VOD).
Reading a VOD and a channel's VODs is public (visibility decides, tests/vods/test_visibility.py); editing,
deleting and retrying need the owner; saving a resume point needs an account.
"""

from types import SimpleNamespace
from unittest import mock

import pytest

from accounts.services.tokens import api_token_create
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
from tests.streams.factories import ChannelFactory
from tests.vods.test_clips_authz_matrix import CASES as CLIP_CASES
from tests.vods.test_clips_authz_matrix import OURS as CLIP_ROUTES
from vods.models import Vod, VodStatus

pytestmark = pytest.mark.django_db

PUBLIC = {("api-vod", "get"), ("api-channel-vods", "get")}


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("vods.tasks.process_vod.apply_async"):
        yield


@pytest.fixture
def w():
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(olive=olive, owner=olive, other=UserFactory(handle="otto"))
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    w.channel = ChannelFactory(owner=olive, slug="olive", name="Olive live")
    w.vod = Vod.objects.create(channel=w.channel, title="Chess night", status=VodStatus.READY, relay_room="stream-1")
    w.failed = Vod.objects.create(channel=w.channel, title="Broken", status=VodStatus.FAILED,
                                  failure_reason="The recording is truncated.", relay_room="stream-2")
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def check_vod(w, role, response):
    assert response.json()["id"] == w.vod.pk and response.json()["master_url"] == f"/v/{w.vod.pk}/master.m3u8"


def check_edited(w, role, response):
    assert Vod.objects.get(pk=w.vod.pk).title == "Endgame"


def check_deleted(w, role, response):
    assert not Vod.objects.filter(pk=w.vod.pk).exists()


def check_retried(w, role, response):
    assert Vod.objects.get(pk=w.failed.pk).status == VodStatus.QUEUED


def check_list(w, role, response):
    assert ids(response) == ({w.vod.pk, w.failed.pk} if as_owner(role) else {w.vod.pk})


V = "/vods/{w.vod.pk}"
CASES = [
    Case("api-vod", "get", V + "/", expect(200, owner=200), check=check_vod),
    Case("api-vod", "patch", V + "/", expect(owner=200, other=403), data={"title": "Endgame"}, check=check_edited),
    Case("api-vod", "delete", V + "/", expect(owner=204, other=403), check=check_deleted),
    Case("api-vod-retry", "post", "/vods/{w.failed.pk}/retry/", expect(owner=200, other=404), check=check_retried),
    Case("api-vod-retry", "post", V + "/retry/", expect(owner=409, other=403, staff=409),  # staff retry (the admin)
         label="post api-vod-retry when ready"),
    Case("api-channel-vods", "get", "/channels/olive/vods/", expect(200, owner=200), check=check_list),
]


def olive_state(w) -> list:
    return sorted(Vod.objects.values_list("pk", "title", "status", "visibility"))


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    if case.setup:
        case.setup(w)
    before = olive_state(w)
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)
    if not (succeeded and as_owner(role)):
        assert olive_state(w) == before  # only Olive changes her VODs


def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete("vods", CASES + CLIP_CASES, at_least=6)  # clips: tests/vods/test_clips_authz_matrix.py


@pytest.mark.parametrize("name, method, route", [
    p for p in anonymous_params("vods")
    if tuple(p.values[:2]) not in PUBLIC and p.values[0] not in CLIP_ROUTES  # the matrices show those
])
def test_anonymous_is_refused_unless_public(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=set(), fill="olive")
