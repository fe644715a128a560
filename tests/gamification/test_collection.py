"""Badges, the showcase of up to 5 (held by the database too), decorations, and the profile that shows them."""

import contextlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from accounts.models import Notification
from config.errors import ApplicationError
from gamification.admin import BadgeForm
from gamification.models import PlayerStats, UnlockSource, UserBadge, UserDecoration
from gamification.notification_kinds import NotificationKind
from gamification.rules import Reason
from gamification.services.collection import (
    badge_award,
    badge_showcase_set,
    decoration_equip,
    decoration_unlock,
)
from gamification.services.xp import xp_award
from web.profiles import profile_get

from .factories import BadgeFactory, DecorationFactory, UserFactory

pytestmark = pytest.mark.django_db


def earn(user, count: int) -> list:
    badges = [BadgeFactory() for _ in range(count)]
    for badge in badges:
        badge_award(user=user, badge=badge, source=UnlockSource.STAFF)
    return badges


@contextlib.contextmanager
def refused(code: str):
    with pytest.raises(ApplicationError) as info:
        yield info
    assert info.value.code == code, info.value.code


# -- badges and the showcase ---------------------------------------------------------------------------
def test_a_badge_is_earned_once_with_a_notification(published, commit):
    user, badge = UserFactory(), BadgeFactory(name="Night owl")
    with commit():
        assert badge_award(user=user, badge=badge, source=UnlockSource.EVENT_TASK) is not None
        assert badge_award(user=user, badge=badge, source=UnlockSource.EVENT_TASK) is None
    assert UserBadge.objects.filter(user=user).count() == 1
    note = Notification.objects.get(recipient=user, kind=NotificationKind.BADGE_EARNED)
    assert note.data == {"badge": badge.slug, "name": "Night owl", "rarity": "rare"}
    assert len(published.events("gamification.badge", "earned")) == 1


def test_the_showcase_keeps_the_chosen_order_and_can_be_cleared():
    user = UserFactory()
    a, b, c = earn(user, 3)
    badge_showcase_set(user=user, badge_ids=[c.pk, a.pk])
    assert list(UserBadge.objects.filter(user=user, showcase_position__isnull=False)
                .order_by("showcase_position").values_list("badge_id", flat=True)) == [c.pk, a.pk]
    badge_showcase_set(user=user, badge_ids=[a.pk, b.pk, c.pk])
    assert [x["id"] for x in profile_get(handle=user.handle, viewer=None)["badges"]] == [a.pk, b.pk, c.pk]
    badge_showcase_set(user=user, badge_ids=[])
    assert not UserBadge.objects.filter(user=user, showcase_position__isnull=False).exists()


def test_the_showcase_refuses_six_duplicates_and_badges_not_earned():
    user, other = UserFactory(), UserFactory()
    mine = earn(user, 6)
    theirs = earn(other, 1)
    with refused("showcase_too_many"):
        badge_showcase_set(user=user, badge_ids=[b.pk for b in mine])
    with refused("showcase_duplicate"):
        badge_showcase_set(user=user, badge_ids=[mine[0].pk, mine[0].pk])
    with refused("badge_not_owned") as info:
        badge_showcase_set(user=user, badge_ids=[mine[0].pk, theirs[0].pk])
    assert info.value.extra == {"badge_ids": [theirs[0].pk]}


def test_the_database_holds_at_most_five_one_per_position():
    user = UserFactory()
    earn(user, 7)
    rows = list(UserBadge.objects.filter(user=user))
    for position, row in enumerate(rows[:5], start=1):
        row.showcase_position = position
        row.save()
    rows[5].showcase_position = 6
    with pytest.raises(IntegrityError), transaction.atomic():
        rows[5].save()  # CHECK 1–5
    rows[5].showcase_position = 3
    with pytest.raises(IntegrityError), transaction.atomic():
        rows[5].save()  # unique (user, position)


def test_my_badges_api_and_showcase_api(client):
    user = UserFactory()
    client.force_login(user)
    a, b = earn(user, 2)
    locked = BadgeFactory(name="Zzz")
    body = client.get("/api/v1/me/badges/").json()
    assert {x["id"] for x in body["earned"]} == {a.pk, b.pk} and [x["id"] for x in body["locked"]] == [locked.pk]
    response = client.put("/api/v1/me/badges/showcase/", {"badge_ids": [b.pk, a.pk]}, content_type="application/json")
    assert response.status_code == 200
    assert sorted((x["id"], x["position"]) for x in response.json()["earned"]) == sorted([(b.pk, 1), (a.pk, 2)])
    response = client.put("/api/v1/me/badges/showcase/", {"badge_ids": [locked.pk]}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "badge_not_owned"
    too_many = client.put("/api/v1/me/badges/showcase/", {"badge_ids": [1, 2, 3, 4, 5, 6]}, content_type="application/json")
    assert too_many.status_code == 400 and too_many.json()["code"] == "invalid"


def test_badges_page_saves_the_showcase_in_the_posted_order(client):
    user = UserFactory()
    client.force_login(user)
    a, b, c = earn(user, 3)
    html = client.get("/badges/").content.decode()
    assert "Your collection" in html and html.count('name="badge_ids"') == 3
    response = client.post("/badges/", {"action": "showcase", "badge_ids": [str(c.pk), str(a.pk)]})
    assert response.status_code == 302
    assert [x["id"] for x in profile_get(handle=user.handle, viewer=None)["badges"]] == [c.pk, a.pk]


# -- decorations -------------------------------------------------------------------------------------------
def test_level_decorations_unlock_when_the_level_is_reached(published, commit):
    user = UserFactory()
    frame = DecorationFactory(name="Silver ring", style="silver", unlock_level=2)
    DecorationFactory(name="Far away", unlock_level=5)
    with commit():
        xp_award(user=user, reason=Reason.EVENT_TASK, key="a", amount=500)  # level 2
    assert list(UserDecoration.objects.filter(user=user).values_list("decoration_id", "source")) == [(frame.pk, "level")]
    assert Notification.objects.filter(recipient=user, kind=NotificationKind.DECORATION_UNLOCKED).count() == 1
    assert published.events("gamification.decoration", "unlocked")[0]["decoration"]["name"] == "Silver ring"


def test_wearing_a_title_and_a_frame(client):
    user = UserFactory()
    title = DecorationFactory(kind="title", name="Night Owl", rarity="legendary")
    frame = DecorationFactory(kind="frame", style="neon")
    level_frame = DecorationFactory(kind="frame", style="gold", unlock_level=3)
    not_mine = DecorationFactory(kind="title")
    decoration_unlock(user=user, decoration=title, source=UnlockSource.AD)
    decoration_unlock(user=user, decoration=frame, source=UnlockSource.EVENT)

    decoration_equip(user=user, kind="title", decoration_id=title.pk)
    decoration_equip(user=user, kind="frame", decoration_id=frame.pk)
    stats = PlayerStats.objects.get(user=user)
    assert (stats.title_id, stats.frame_id) == (title.pk, frame.pk)
    with refused("decoration_not_owned"):
        decoration_equip(user=user, kind="title", decoration_id=not_mine.pk)
    with refused("decoration_not_owned"):
        decoration_equip(user=user, kind="frame", decoration_id=level_frame.pk)  # level 1 < 3
    with refused("decoration_wrong_kind"):
        decoration_equip(user=user, kind="frame", decoration_id=title.pk)
    PlayerStats.objects.filter(user=user).update(level=3)  # a level frame added after the user got there
    decoration_equip(user=user, kind="frame", decoration_id=level_frame.pk)

    client.force_login(user)
    body = client.get("/api/v1/me/decorations/").json()
    assert body["equipped"] == {"title": title.pk, "frame": level_frame.pk}
    assert {d["id"] for d in body["frame"]["owned"]} == {frame.pk, level_frame.pk}
    assert [d["id"] for d in body["title"]["locked"]] == [not_mine.pk]
    response = client.put("/api/v1/me/decorations/equipped/", {"title": None}, content_type="application/json")
    assert response.json()["equipped"] == {"title": None, "frame": level_frame.pk}


def test_the_profile_shows_the_showcase_title_and_frame(client):
    owner, viewer = UserFactory(handle="star"), UserFactory()
    badges = earn(owner, 2)
    badge_showcase_set(user=owner, badge_ids=[badges[1].pk])
    title = DecorationFactory(kind="title", name="Marathoner", rarity="epic")
    frame = DecorationFactory(kind="frame", style="aurora", name="Aurora")
    for decoration in (title, frame):
        decoration_unlock(user=owner, decoration=decoration, source=UnlockSource.EVENT)
        decoration_equip(user=owner, kind=decoration.kind, decoration_id=decoration.pk)

    client.force_login(viewer)
    body = client.get("/api/v1/users/star/").json()
    assert [b["id"] for b in body["badges"]] == [badges[1].pk] and body["badges"][0]["position"] == 1
    assert body["stats"]["title"]["name"] == "Marathoner" and body["stats"]["frame"]["style"] == "aurora"
    html = client.get("/@star").content.decode()
    assert 'class="player-title rarity-epic">Marathoner<' in html
    assert "frame frame-aurora" in html and f'title="{badges[1].name} · Rare' in html


# -- staff uploads -------------------------------------------------------------------------------------------
def png(size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (255, 0, 0, 128)).save(out, format="PNG")
    return out.getvalue()


def test_badge_images_are_re_encoded_and_fakes_refused(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    data = {"name": "Red", "slug": "red", "rarity": "common", "icon": "🏅", "description": "", "is_active": True}
    form = BadgeForm(data, {"image": SimpleUploadedFile("red.png", png(), "image/png")})
    assert form.is_valid(), form.errors
    badge = form.save()
    with badge.image.open("rb") as stored, Image.open(stored) as image:
        assert (image.format, image.size) == ("WEBP", (256, 256))
    polyglot = png()[:60] + b"<html><script>alert(1)</script></html>"
    form = BadgeForm({**data, "slug": "fake"}, {"image": SimpleUploadedFile("x.png", polyglot, "image/png")})
    assert not form.is_valid() and "image" in form.errors
