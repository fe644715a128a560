"""Writes: channels, follows, the stream life cycle (scheduled → live → ended) and viewer counts.

Going live is serialized per channel (its row locked) and backed by the database's partial unique
index (one live stream per channel): of two concurrent go-lives exactly one wins, the other gets
``stream_already_live``. Events go out after commit to the stream's watchers (``stream.<id>``), to the
relay worker hosting it (``stream.<id>.relay``: it re-reads the rights and closes an ended stream)
and, on going live, to the followers (streams.tasks.notify_followers_live).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.languages import LANGUAGE_NAMES
from accounts.models import User
from accounts.public_text import public_text_check
from accounts.services.notifications import notification_create
from config.audience import Figures, forget
from config.disconnects import Disconnect
from config.errors import ApplicationError, ConflictError, ForbiddenError, GoneError, NotFoundError
from config.realtime import publish_on_commit, user_group
from media_relay.services import relay_token_grant

from . import events, signals
from .errors import StreamError
from .images import image_from_upload
from .models import (
    DESCRIPTION_MAX,
    NAME_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    Category,
    Channel,
    ChannelFollow,
    Stream,
    StreamStatus,
)
from .notification_kinds import NotificationKind
from .playback import stream_hls_ended, stream_hls_went_live
from .polls import polls_end_all
from .room_source import stream_rooms_end
from .selectors import HOST_PERMS, VIEWER_PERMS, relay_room_name, stage_guest_perms, stream_viewers
from .stage import stage_end_all

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}\Z")
RESERVED_SLUGS = {"new", "edit", "live", "studio", "api", "admin", "settings"}


# -- validation -----------------------------------------------------------------------------------
def _tags(raw, fields: dict) -> list[str]:
    if not isinstance(raw, list | tuple) or len(raw) > TAGS_MAX:
        fields["tags"] = f"At most {TAGS_MAX} tags."
        return []
    tags = []
    for tag in raw:
        tag = str(tag).strip().lower().lstrip("#")
        if not tag or len(tag) > TAG_MAX:
            fields["tags"] = f"Tags are 1–{TAG_MAX} characters."
        elif tag not in tags:
            tags.append(tag)
    return tags


def _check(fields: dict, code: StreamError) -> None:
    if fields:
        raise ApplicationError(code, "Some fields are invalid.", {"fields": fields})


def _described_field(name: str, value, fields: dict):
    """The fields channels and streams share (description, category, tags), cleaned; errors into `fields`."""
    if name == "description":
        value = str(value).strip()
        if len(value) > DESCRIPTION_MAX:
            fields["description"] = f"At most {DESCRIPTION_MAX} characters."
    elif name == "category" and value not in Category.values:
        fields["category"] = "Not a category."
    elif name == "tags":
        value = _tags(value, fields)
    return value


def _channel_fields(changes: dict) -> dict:
    fields, clean = {}, {}
    for name, value in changes.items():
        value = _described_field(name, value, fields)
        if name == "name":
            value = str(value).strip()
            if not 1 <= len(value) <= NAME_MAX:
                fields["name"] = f"A name is 1–{NAME_MAX} characters."
        elif name == "language" and value and value not in LANGUAGE_NAMES:
            fields["language"] = "Not a language."
        elif name == "slug":
            value = str(value).strip().lower()
            if not SLUG_RE.match(value) or value in RESERVED_SLUGS:
                fields["slug"] = "3–40 of a–z, 0–9 and -, starting with a letter or digit."
        clean[name] = value
    _check(fields, StreamError.CHANNEL_INVALID)
    for name in ("name", "slug", "description"):
        if name in clean:
            public_text_check(text=clean[name], field=name)
    return clean


def _stream_fields(changes: dict, *, now: datetime) -> dict:
    fields, clean = {}, {}
    for name, value in changes.items():
        value = _described_field(name, value, fields)
        if name == "title":
            value = str(value).strip()
            if not 1 <= len(value) <= TITLE_MAX:
                fields["title"] = f"A title is 1–{TITLE_MAX} characters."
        elif name == "scheduled_for" and (value is None or value <= now):
            fields["scheduled_for"] = "A time in the future."
        clean[name] = value
    _check(fields, StreamError.STREAM_INVALID)
    for name in ("title", "description"):
        if name in clean:
            public_text_check(text=clean[name], field=name)
    return clean


def channel_owner_require(*, channel: Channel, actor: User) -> None:
    if channel.owner_id != actor.pk:
        raise ForbiddenError(StreamError.NOT_CHANNEL_OWNER, "Only the channel's owner can do that.")


# -- channels -------------------------------------------------------------------------------------
CHANNEL_EDITABLE = ("name", "slug", "description", "category", "tags", "language")


def channel_create(*, actor: User, name: str, slug: str, description: str = "", category: str = Category.JUST_CHATTING,
                   tags: list[str] | None = None, language: str = "") -> Channel:
    """The actor's channel (one per user)."""
    clean = _channel_fields({"name": name, "slug": slug, "description": description, "category": category,
                             "tags": tags or [], "language": language})
    if Channel.objects.filter(owner=actor).exists():
        raise ConflictError(StreamError.CHANNEL_EXISTS, "You already have a channel.")
    try:
        with transaction.atomic():
            return Channel.objects.create(owner=actor, **clean)
    except IntegrityError:
        if Channel.objects.filter(owner=actor).exists():
            raise ConflictError(StreamError.CHANNEL_EXISTS, "You already have a channel.") from None
        raise ConflictError(StreamError.SLUG_TAKEN, "That address is taken.", {"slug": clean["slug"]}) from None


def channel_update(*, actor: User, channel: Channel, **changes) -> Channel:
    channel_owner_require(channel=channel, actor=actor)
    unknown = set(changes) - set(CHANNEL_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    clean = _channel_fields(changes)
    for name, value in clean.items():
        setattr(channel, name, value)
    try:
        with transaction.atomic():
            channel.save(update_fields=list(clean))
    except IntegrityError:
        raise ConflictError(StreamError.SLUG_TAKEN, "That address is taken.", {"slug": clean.get("slug")}) from None
    return channel


def channel_image_set(*, actor: User, channel: Channel, purpose: str, upload) -> Channel:
    """Replace the channel's `purpose` ("avatar" or "banner") with a proven, re-encoded image."""
    channel_owner_require(channel=channel, actor=actor)
    content = image_from_upload(upload, purpose=purpose)
    field = getattr(channel, purpose)
    old = field.name
    field.save(content.name, content, save=False)
    channel.save(update_fields=[purpose])
    if old:
        field.storage.delete(old)
    return channel


# -- follows --------------------------------------------------------------------------------------
def channel_follow(*, actor: User, channel: Channel, notify: bool = True) -> ChannelFollow:
    """Follow (again: keeps the follow, sets `notify`)."""
    if channel.owner_id == actor.pk:
        raise ApplicationError(StreamError.CANNOT_FOLLOW_OWN, "You can't follow your own channel.")
    with transaction.atomic():
        follow, created = ChannelFollow.objects.get_or_create(user=actor, channel=channel, defaults={"notify": notify})
        if created:
            signals.channel_followed.send(sender=ChannelFollow, follow=follow)
    if not created and follow.notify != notify:
        follow.notify = notify
        follow.save(update_fields=["notify"])
    return follow


def channel_unfollow(*, actor: User, channel: Channel) -> None:
    ChannelFollow.objects.filter(user=actor, channel=channel).delete()


def channel_follow_notify_set(*, actor: User, channel: Channel, notify: bool) -> ChannelFollow:
    follow = ChannelFollow.objects.filter(user=actor, channel=channel).first()
    if follow is None:
        raise NotFoundError(StreamError.NOT_FOLLOWING, "You don't follow this channel.")
    follow.notify = notify
    follow.save(update_fields=["notify"])
    return follow


# -- streams --------------------------------------------------------------------------------------
STREAM_EDITABLE = ("title", "description", "category", "tags", "scheduled_for")


def stream_schedule(*, actor: User, channel: Channel, title: str, scheduled_for: datetime, description: str = "",
                    category: str | None = None, tags: list[str] | None = None) -> Stream:
    channel_owner_require(channel=channel, actor=actor)
    clean = _stream_fields({"title": title, "description": description, "category": category or channel.category,
                            "tags": tags if tags is not None else channel.tags, "scheduled_for": scheduled_for},
                           now=timezone.now())
    return Stream.objects.create(channel=channel, status=StreamStatus.SCHEDULED, **clean)


def stream_update(*, actor: User, stream: Stream, **changes) -> Stream:
    channel_owner_require(channel=stream.channel, actor=actor)
    unknown = set(changes) - set(STREAM_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if stream.status == StreamStatus.ENDED:
        raise GoneError(StreamError.STREAM_ENDED, "This stream has ended.")
    if "scheduled_for" in changes and stream.status != StreamStatus.SCHEDULED:
        raise ApplicationError(StreamError.STREAM_INVALID, "Only a scheduled stream has a time.",
                               {"fields": {"scheduled_for": "The stream is live."}})
    clean = _stream_fields(changes, now=timezone.now())
    for name, value in clean.items():
        setattr(stream, name, value)
    stream.save(update_fields=list(clean))
    signals.stream_updated.send(sender=Stream, stream=stream, changed=sorted(clean))
    publish_on_commit(events.stream_group(stream.pk), events.stream_changed(stream, op="updated"))
    return stream


def stream_thumbnail_set(*, actor: User, stream: Stream, upload) -> Stream:
    channel_owner_require(channel=stream.channel, actor=actor)
    content = image_from_upload(upload, purpose="thumbnail")
    old = stream.thumbnail.name
    stream.thumbnail.save(content.name, content, save=False)
    stream.thumbnail_from_video = False  # the host's own: frames of the live video no longer replace it
    stream.save(update_fields=["thumbnail", "thumbnail_from_video"])
    if old:
        stream.thumbnail.storage.delete(old)
    return stream


def stream_go_live(*, actor: User, channel: Channel, stream: Stream | None = None, title: str = "",
                   description: str = "", category: str | None = None, tags: list[str] | None = None) -> Stream:
    """Start `stream` (one of the channel's scheduled streams) or a new one titled `title` (default: the
    channel's next scheduled stream if there is one, else a new "<channel> live"). Refuses with
    ``stream_already_live`` (409, extra.stream_id) while the channel has a live stream."""
    channel_owner_require(channel=channel, actor=actor)
    now = timezone.now()
    with transaction.atomic():
        Channel.objects.select_for_update().filter(pk=channel.pk).values_list("pk").first()  # one go-live at a time
        channel.refresh_from_db(fields=["suspended_until"])
        if channel.is_suspended:
            raise ForbiddenError(StreamError.CHANNEL_SUSPENDED, "This channel is suspended.",
                                 {"until": channel.suspended_until.isoformat()})
        live = Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).values_list("pk", flat=True).first()
        if live is not None:
            raise ConflictError(StreamError.ALREADY_LIVE, "This channel is already live.", {"stream_id": live})
        if stream is None and not title:
            stream = channel.streams.filter(status=StreamStatus.SCHEDULED).order_by("scheduled_for", "id").first()
        if stream is not None:
            stream = Stream.objects.select_for_update().select_related("channel").get(pk=stream.pk, channel=channel)
            if stream.status != StreamStatus.SCHEDULED:
                raise GoneError(StreamError.STREAM_ENDED, "This stream has ended.")
        else:
            clean = _stream_fields({"title": title or f"{channel.name} live", "description": description,
                                    "category": category or channel.category,
                                    "tags": tags if tags is not None else channel.tags}, now=now)
            stream = Stream(channel=channel, **clean)
        stream.status, stream.started_at = StreamStatus.LIVE, now
        try:
            with transaction.atomic():
                stream.save()
        except IntegrityError:  # the partial unique index: another go-live won after all
            raise ConflictError(StreamError.ALREADY_LIVE, "This channel is already live.") from None
        stream_hls_went_live(stream=stream)
        event = events.stream_changed(stream, op="live")
        publish_on_commit([events.stream_group(stream.pk), events.stream_relay_group(stream.pk)], event)
        transaction.on_commit(partial(_notify_followers_later, stream.pk))
        signals.stream_went_live.send(sender=Stream, stream=stream)
    return stream


def _notify_followers_later(stream_id: int) -> None:
    from .tasks import notify_followers_live

    notify_followers_live.delay(stream_id)


def stream_followers_notify(*, stream_id: int) -> int:
    """A live stream's followers hear of it: a ``streams.channel`` ``live`` event on each follower's
    sockets, and a stored notification (``channel_live``) for those whose follow says notify. Returns
    how many were notified. Run by a task after the go-live commits."""
    stream = Stream.objects.select_related("channel", "channel__owner").filter(pk=stream_id).first()
    if stream is None or stream.status != StreamStatus.LIVE:
        return 0
    follows = ChannelFollow.objects.filter(channel=stream.channel).select_related("user")
    data = {"channel": stream.channel.slug, "channel_name": stream.channel.name, "stream": stream.pk,
            "title": stream.title}
    notified = 0
    with transaction.atomic():
        for follow in follows.iterator(chunk_size=500):
            if follow.notify:
                notification_create(recipient=follow.user, kind=NotificationKind.CHANNEL_LIVE,
                                    actor=stream.channel.owner, data=data)
                notified += 1
        publish_on_commit([user_group(f.user_id) for f in follows], events.channel_live(stream))
    return notified


def stream_end(*, actor: User | None, stream: Stream) -> Stream:
    """End a live (or cancel a scheduled) stream: the owner, or the platform (actor None: the key was
    revoked, the account went away). Its watchers get ``streams.stream`` ``ended`` and close 4410; the
    relay closes its room."""
    if actor is not None:
        channel_owner_require(channel=stream.channel, actor=actor)
    with transaction.atomic():
        stream = Stream.objects.select_for_update().select_related("channel").get(pk=stream.pk)
        if stream.status == StreamStatus.ENDED:
            raise GoneError(StreamError.STREAM_ENDED, "This stream has already ended.")
        viewers = stream_viewers(stream=stream)  # the audience's figures, with what the row already kept
        stream.status, stream.ended_at = StreamStatus.ENDED, timezone.now()
        stream.peak_viewers, stream.unique_viewers, stream.current_viewers = viewers.peak, viewers.unique, 0
        stream.save(update_fields=["status", "ended_at", "peak_viewers", "unique_viewers", "current_viewers"])
        stream_hls_ended(stream=stream)
        stage_end_all(stream_id=stream.pk)
        polls_end_all(stream_id=stream.pk)
        event = events.stream_changed(stream, op="ended")
        publish_on_commit(events.stream_relay_group(stream.pk), event)
        publish_on_commit(events.stream_group(stream.pk), event, disconnect=Disconnect.GONE)
        transaction.on_commit(partial(forget, events.stream_group(stream.pk)))  # kept on the row now
        transaction.on_commit(partial(stream_rooms_end, stream.pk))  # watch-party rooms: "Stream ended"
        if stream.started_at is not None:  # a live stream ended, not a cancelled plan
            signals.stream_ended.send(sender=Stream, stream=stream)
    return stream


def stream_viewers_store(*, stream_id: int, figures: Figures) -> None:
    """Keep a live stream's audience figures on its row (for /live/'s order and the API), each time the
    stream socket's audience (config/audience.py) broadcasts its count: at most once per
    AUDIENCE_BROADCAST_MS for the stream, whatever the number of daphne processes. Peak and unique only grow."""
    Stream.objects.filter(pk=stream_id, status=StreamStatus.LIVE).update(
        current_viewers=figures.current, peak_viewers=Greatest("peak_viewers", figures.peak),
        unique_viewers=Greatest("unique_viewers", figures.unique),
    )


def channel_suspend_by_platform(*, channel: Channel, until) -> Channel:
    """Staff suspend the channel until `until` (the moderation queue audits it): its live stream ends (the
    relay drops its publisher and viewers) and neither a go-live nor its stream key works until then."""
    with transaction.atomic():
        Channel.objects.filter(pk=channel.pk).update(suspended_until=until)
        channel.suspended_until = until
        live = Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).first()
        if live is not None:
            stream_end(actor=None, stream=live)
    return channel


def stream_relay_grant(*, user: User, stream: Stream, session_key: str | None = None) -> dict:
    """A relay token for a live stream (media_relay.services.relay_token_grant): its channel's owner
    publishes (bound to their signed-in session, like a room's voice), anyone else watches, signed in
    (peer: their user id) or not (a random viewer id). 410 once the stream ended, 409 before it is live."""
    if stream.status == StreamStatus.ENDED:
        raise GoneError(StreamError.STREAM_ENDED, "This stream has ended.")
    if stream.status != StreamStatus.LIVE:
        raise ConflictError(StreamError.NOT_LIVE, "This stream is not live yet.")
    is_owner = user.is_authenticated and stream.channel.owner_id == user.pk
    if user.is_authenticated:
        peer, name = str(user.pk), user.name
    else:
        peer, name = f"v-{secrets.token_hex(8)}", "Viewer"
    return relay_token_grant(
        relay_room=relay_room_name(stream.pk), placement=stream.pk, peer=peer, name=name,
        perms=HOST_PERMS if is_owner else stage_guest_perms(stream_id=stream.pk).get(peer, VIEWER_PERMS),
        session_key=session_key if is_owner else None,
    )


def stream_page_grant(*, user: User, stream: Stream, mode: str, session_key: str | None = None) -> dict | None:
    """The relay grant a watch page carries, so a WebRTC viewer connects at once instead of asking for one
    first (the time to first frame, docs/streams.md); None when the page would not use it (not live, HLS)."""
    if stream.status != StreamStatus.LIVE or mode != "webrtc":
        return None
    return stream_relay_grant(user=user, stream=stream, session_key=session_key)
