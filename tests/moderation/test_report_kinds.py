"""Direct messages, VODs, clips and ads as report targets, end to end: who may report them (only what one
can see: else 404, like a nonexistent id), the API, the queue's page showing them in context (the DM with
the messages around it, the VOD, clip or ad playable inline) and staff's actions on them."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from config.errors import ApplicationError
from dms.models import ConversationMember, DirectMessage
from dms.services.messages import message_send
from moderation.models import ActionKind, Case, CaseStatus
from moderation.selectors import case_context
from moderation.services.actions import case_act
from moderation.services.reports import report_create
from monetization.models import AdStatus, AdView
from streams.models import Channel, ChannelFollow
from tests.accounts.factories import UserFactory
from tests.dms.factories import direct_between
from tests.monetization.ad_factories import advertiser, running_ad
from tests.streams.factories import ChannelFactory, StreamFactory
from vods.clips.selectors import clip_visible, clips_trending
from vods.models import Clip, ClipStatus, Vod, VodStatus, VodVisibility
from vods.selectors import vod_watchable, vods_of_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(handle="stella", is_staff=True, is_superuser=True)


def refused(code, call):
    with pytest.raises(ApplicationError) as info:
        call()
    assert info.value.code == code, info.value.message


def report(reporter, kind, target, category="harassment"):
    return report_create(reporter=reporter, kind=kind, target_id=str(target.pk), category=category)


def a_vod(owner, **fields) -> Vod:
    channel = Channel.objects.filter(owner=owner).first() or ChannelFactory(owner=owner)
    return Vod.objects.create(channel=channel, stream=StreamFactory(channel=channel), title="Late night",
                              status=VodStatus.READY, **fields)


def a_clip(vod: Vod, creator) -> Clip:
    return Clip.objects.create(slug="wow1", creator=creator, channel=vod.channel, vod=vod, stream=vod.stream,
                               source="vod", source_directory="x", title="Wow", start_seconds=3, duration_seconds=30,
                               status=ClipStatus.READY)


def served_ad(viewer, *, status=AdStatus.ACTIVE):
    ad = running_ad(advertiser(company_name="Shady Pills"), title="Miracle cure", status=status)
    AdView.objects.create(ad=ad, user=viewer, token=f"t{viewer.pk}-{ad.pk}", placement="pre_room",
                          issued_at=ad.created_at)
    return ad


# -- direct messages -----------------------------------------------------------------------------------
def test_a_direct_message_is_reported_by_a_member_only_and_shown_with_the_messages_around_it(staff, alice, bob, carol):
    conversation = direct_between(alice, bob)
    for n in range(3):
        message_send(author=alice, conversation=conversation, body=f"line {n}")
    bad = message_send(author=alice, conversation=conversation, body="you will regret this")
    refused("report_target_not_found", lambda: report(carol, "direct_message", bad))  # not in the conversation
    case = report(bob, "direct_message", bad).case
    assert case.target_user == alice
    context = case_context(case=case)
    assert [m["body"] for m in context["messages"]] == ["line 0", "line 1", "line 2", "you will regret this"]
    assert context["messages"][-1]["reported"] and context["can_delete"]
    case_act(actor=staff, case=case, action=ActionKind.DELETE, reason="Threats")
    assert DirectMessage.objects.get(pk=bad.pk).deleted_at is not None
    refused("report_target_not_found", lambda: report(bob, "direct_message", bad))  # deleted: gone for them
    ConversationMember.objects.filter(conversation=conversation, user=bob).delete()
    refused("report_target_not_found", lambda: report(bob, "direct_message", DirectMessage.objects.get(body="line 0")))


# -- VODs and clips ------------------------------------------------------------------------------------
def test_a_vod_is_reported_only_where_it_can_be_watched_and_hiding_it_leaves_it_to_its_owner(staff, alice, bob, carol):
    private = a_vod(alice, visibility=VodVisibility.PRIVATE)
    refused("report_target_not_found", lambda: report(bob, "vod", private))
    followers = a_vod(alice, visibility=VodVisibility.FOLLOWERS)
    refused("report_target_not_found", lambda: report(bob, "vod", followers))
    ChannelFollow.objects.create(channel=followers.channel, user=bob)
    clip = a_clip(followers, carol)
    case = report(bob, "vod", followers).case
    assert case.target_user == alice and case_context(case=case)["can_hide"]
    case_act(actor=staff, case=case, action=ActionKind.HIDE, reason="Gore")
    followers.refresh_from_db()
    assert followers.hidden_at is not None
    assert not vod_watchable(user=bob, vod=followers) and vod_watchable(user=alice, vod=followers)
    assert followers not in vods_of_channel(channel=followers.channel, user=bob)
    clip.refresh_from_db()
    assert not clip_visible(user=bob, clip=clip)  # its clips go with it
    assert AuditEvent.objects.filter(verb="moderation.content_hidden").exists()
    refused("report_target_not_found", lambda: report(carol, "vod", followers))  # hidden: nobody else sees it


def test_a_clip_is_reported_where_it_can_be_seen_and_hiding_it_hides_it_from_everyone(staff, alice, bob, carol):
    vod = a_vod(alice)
    clip = a_clip(vod, carol)
    Vod.objects.filter(pk=vod.pk).update(visibility=VodVisibility.PRIVATE)
    refused("report_target_not_found", lambda: report(bob, "clip", clip))  # its VOD went private
    Vod.objects.filter(pk=vod.pk).update(visibility=VodVisibility.PUBLIC)
    case = report(bob, "clip", clip).case
    assert case.target_user == carol
    assert case_context(case=case)["video"] == {"src": "/media/clips/wow1/index.m3u8", "hls": True}
    case_act(actor=staff, case=case, action=ActionKind.HIDE, reason="Doxxing")
    clip.refresh_from_db()
    assert not clip_visible(user=carol, clip=clip) and not clip_visible(user=bob, clip=clip)
    assert clip not in clips_trending(user=bob)
    assert vod_watchable(user=bob, vod=vod)  # the VOD itself stays


# -- ads -----------------------------------------------------------------------------------------------
def test_an_ad_is_reported_by_those_it_was_served_to_and_staff_reject_or_pause_it(staff, bob, carol):
    ad = served_ad(bob)
    refused("report_target_not_found", lambda: report(carol, "ad", ad))  # never shown to carol
    case = report(bob, "ad", ad, category="spam").case
    assert case.target_user == ad.advertiser.user
    video = case_context(case=case)["video"]
    assert video["src"].startswith("/ads/") and not video["hls"]
    case_act(actor=staff, case=case, action=ActionKind.HIDE, reason="Misleading claims")  # paused
    ad.refresh_from_db()
    assert ad.status == AdStatus.PAUSED
    other = served_ad(bob, status=AdStatus.ACTIVE)
    case = report(bob, "ad", other).case
    case_act(actor=staff, case=case, action=ActionKind.DELETE, reason="A scam")  # rejected
    other.refresh_from_db()
    assert other.status == AdStatus.REJECTED and other.rejection_reason == "A scam"


# -- the API and the admin -----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["direct_message", "vod", "clip", "ad"])
def test_the_api_reports_each_kind_and_answers_404_for_what_the_reporter_cannot_see(kind, alice, bob, carol):
    conversation = direct_between(alice, bob)
    public_vod = a_vod(alice)
    targets = {
        "direct_message": message_send(author=alice, conversation=conversation, body="hey"),
        "vod": public_vod, "clip": a_clip(public_vod, alice), "ad": served_ad(bob),
    }
    api = APIClient()
    api.force_authenticate(carol)  # not in the DM, never served the ad; the VOD and clip go private below
    Vod.objects.filter(pk=public_vod.pk).update(visibility=VodVisibility.PRIVATE)
    body = {"kind": kind, "id": str(targets[kind].pk), "category": "harassment", "note": "look"}
    response = api.post("/api/v1/reports/", body, format="json")
    assert response.status_code == 404 and response.json()["code"] == "report_target_not_found"
    Vod.objects.filter(pk=public_vod.pk).update(visibility=VodVisibility.PUBLIC)
    api.force_authenticate(bob)
    response = api.post("/api/v1/reports/", body, format="json")
    assert response.status_code == 201, response.content
    assert Case.objects.get(target_kind=kind).report_count == 1


def test_the_queue_page_shows_each_kind_in_context_and_acts_on_it(client, staff, alice, bob):
    client.force_login(staff)
    conversation = direct_between(alice, bob)
    message_send(author=bob, conversation=conversation, body="the one before")
    dm = message_send(author=alice, conversation=conversation, body="the reported DM")
    clip = a_clip(a_vod(alice), alice)
    ad = served_ad(bob)
    dm_case, clip_case, ad_case = (report(bob, kind, target).case
                                   for kind, target in (("direct_message", dm), ("clip", clip), ("ad", ad)))
    page = client.get(reverse("admin:moderation_case_change", args=[dm_case.pk])).content.decode()
    assert "the one before" in page and 'class="reported"' in page and "the reported DM" in page
    page = client.get(reverse("admin:moderation_case_change", args=[clip_case.pk])).content.decode()
    assert 'id="case-video"' in page and 'data-hls-src="/media/clips/wow1/index.m3u8"' in page
    assert "js/case_video.js" in page and "hls.min.js" in page
    page = client.get(reverse("admin:moderation_case_change", args=[ad_case.pk])).content.decode()
    assert 'id="case-video"' in page and 'src="/ads/' in page and "Miracle cure" in page
    client.post(reverse("admin:moderation_case_act", args=[clip_case.pk]), {"action": "hide", "reason": "Gore"})
    assert Case.objects.get(pk=clip_case.pk).status == CaseStatus.RESOLVED
    assert Clip.objects.get(pk=clip.pk).hidden_at is not None
    client.post(reverse("admin:moderation_case_act", args=[dm_case.pk]), {"action": "delete", "reason": "Threats"})
    assert DirectMessage.objects.get(pk=dm.pk).deleted_at is not None


def test_each_page_offers_its_report_menu_to_others(client, alice, bob):
    conversation = direct_between(alice, bob)
    vod = a_vod(alice)
    clip = a_clip(vod, alice)
    client.force_login(bob)
    page = client.get(reverse("dm-conversation", args=[conversation.pk])).content.decode()
    assert 'data-report-chat="direct_message"' in page and 'data-report-chat-list="#dm-messages"' in page
    assert 'id="report-dialog"' in page and "js/report.js" in page
    assert f'data-report-kind="vod" data-report-id="{vod.pk}"' in client.get(f"/v/{vod.pk}/").content.decode()
    assert f'data-report-kind="clip" data-report-id="{clip.pk}"' in client.get("/clip/wow1/").content.decode()
    client.force_login(alice)  # their own VOD and clip: nothing to report
    assert 'data-report-kind="vod"' not in client.get(f"/v/{vod.pk}/").content.decode()
    assert 'data-report-kind="clip"' not in client.get("/clip/wow1/").content.decode()
