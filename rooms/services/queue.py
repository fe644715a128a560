"""The room's queue: add, remove, reorder, vote-to-skip, and auto-advance."""

import time
from functools import partial

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from config.realtime import publish_on_commit

from .. import events, media_probe
from ..errors import PlaybackError, QueueError, RoomError
from ..models import QueueItem, Room, SkipVote
from ..selectors import member_require, queue_list, skip_tally
from ..sources import Source, SourceKind, parse_source
from .playback import load_source, require_control, save_state

MAX_QUEUE = 100


def _lock(room: Room) -> Room:
    return Room.objects.select_for_update().get(pk=room.pk)


def publish_queue(room: Room) -> None:
    votes, needed = skip_tally(room=room)
    publish_on_commit(events.room_group(room.pk), events.queue_updated(list(queue_list(room=room)), skip_votes=votes, skip_needed=needed))


def queue_add(*, actor: User, room: Room, url: str, title: str = "") -> QueueItem | None:
    """Queue a link; with nothing loaded it starts playing at once (returns None then)."""
    source = parse_source(url)
    with transaction.atomic():
        room = _lock(room)
        member_require(room=room, user=actor)
        if not room.source_url:
            require_control(room, actor)
            load_source(room, source, title)
            publish_queue(room)
            return None
        if QueueItem.objects.filter(room=room).count() >= MAX_QUEUE:
            raise ConflictError(QueueError.FULL, f"The queue holds at most {MAX_QUEUE} items.")
        last = QueueItem.objects.filter(room=room).aggregate(last=Max("order"))["last"] or 0
        item = QueueItem.objects.create(room=room, order=last + 1, kind=source.kind, url=source.url,
                                        media_id=source.media_id, start=source.start, title=(title or source.title)[:200],
                                        added_by=actor)
        publish_queue(room)
        if source.kind == SourceKind.VIDEO:
            from ..tasks import probe_queue_item

            transaction.on_commit(partial(probe_queue_item.delay, item.pk))
    return item


def queue_item_probe(*, item_id: int) -> QueueItem | None:
    """Store what a queued direct file says about itself (title, duration, thumbnail) and tell the
    room. Safe to run twice; None when the item is gone or done. Raises media_probe.ProbeUnavailable
    when the file's host didn't answer (the task retries)."""
    item = QueueItem.objects.filter(pk=item_id, probed_at__isnull=True).first()
    if item is None:
        return None
    try:
        info = media_probe.probe(item.url)  # outside the transaction: it downloads
    except media_probe.ProbeRefused:
        info = None
    with transaction.atomic():
        room = _lock(item.room)
        item = QueueItem.objects.filter(pk=item_id, probed_at__isnull=True).first()  # played or removed meanwhile?
        if item is None:
            return None
        item.probed_at = timezone.now()
        if info is not None:
            item.media_title, item.duration = info.title, info.duration
            if info.thumbnail_jpeg:
                item.thumbnail.save(f"{item.pk}.jpg", ContentFile(info.thumbnail_jpeg), save=False)
        item.save(update_fields=["probed_at", "media_title", "duration", "thumbnail"])
        publish_queue(room)
    return item


def _delete_item(item: QueueItem) -> None:
    if item.thumbnail:
        transaction.on_commit(partial(item.thumbnail.storage.delete, item.thumbnail.name))
    item.delete()


def queue_remove(*, actor: User, room: Room, item_id: int) -> None:
    with transaction.atomic():
        room = _lock(room)
        member = member_require(room=room, user=actor)
        item = QueueItem.objects.filter(room=room, pk=item_id).first()
        if item is None:
            raise NotFoundError(QueueError.ITEM_NOT_FOUND, "No such queue item.")
        if item.added_by_id != actor.pk and not member.can_moderate:
            raise ForbiddenError(RoomError.NOT_ALLOWED, "Only who added it, or a moderator, can remove it.")
        _delete_item(item)
        publish_queue(room)


def queue_reorder(*, actor: User, room: Room, ids: list[int]) -> None:
    with transaction.atomic():
        room = _lock(room)
        require_control(room, actor)
        items = {item.pk: item for item in QueueItem.objects.filter(room=room)}
        if sorted(ids) != sorted(items):
            raise ApplicationError(QueueError.ORDER_INVALID, "Send every queue item id exactly once.", {"ids": sorted(items)})
        for order, item_id in enumerate(ids, start=1):
            items[item_id].order = order
        QueueItem.objects.bulk_update(items.values(), ["order"])
        publish_queue(room)


def queue_advance(*, room: Room) -> None:
    """Inside the room lock: play the next item, or stop at the end of the queue."""
    SkipVote.objects.filter(room=room).delete()
    item = QueueItem.objects.filter(room=room).order_by("order", "id").first()
    if item is not None:
        load_source(room, Source(SourceKind(item.kind), item.url, item.media_id, item.start), item.title or item.media_title)
        _delete_item(item)
    elif room.is_playing:
        save_state(room, room.playback.pause(time.time()))  # the end of the queue
    publish_queue(room)


def queue_skip(*, actor: User, room: Room) -> None:
    """A controller skips at once."""
    with transaction.atomic():
        room = _lock(room)
        require_control(room, actor)
        queue_advance(room=room)


def skip_vote(*, user: User, room: Room) -> tuple[int, int]:
    """Vote to skip what's playing; more than half of the connected members skips it."""
    with transaction.atomic():
        room = _lock(room)
        member_require(room=room, user=user)
        if not room.source_url:
            raise ApplicationError(PlaybackError.NO_SOURCE, "Nothing is playing.")
        try:
            with transaction.atomic():
                SkipVote.objects.create(room=room, user=user, source_url=room.source_url)
        except IntegrityError as exc:
            raise ConflictError(QueueError.ALREADY_VOTED, "You already voted to skip this.") from exc
        votes, needed = skip_tally(room=room)
        if votes >= needed:
            queue_advance(room=room)
            return votes, needed
        publish_queue(room)
    return votes, needed
