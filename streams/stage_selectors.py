"""Reads for the stage: its seats and requests, one invite, and @handle suggestions among current viewers."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from config.errors import NotFoundError

from .errors import StreamError
from .models import StageInvite, StageKind, StageStatus, Stream
from .presence import presence_filter

SUGGESTIONS_MAX = 8
SUGGESTION_CANDIDATES = 200  # accounts matching the prefix, checked against the stream's presence


def stage_seats(*, stream: Stream) -> QuerySet[StageInvite]:
    """The guests on stage, in the order they joined. One query."""
    return (StageInvite.objects.filter(stream=stream, status=StageStatus.ACCEPTED)
            .select_related("invitee").order_by("answered_at", "id"))


def stage_requests(*, stream: Stream) -> QuerySet[StageInvite]:
    """Pending invites and raised hands (the host's panel), oldest first. One query."""
    return (StageInvite.objects.filter(stream=stream, status=StageStatus.PENDING)
            .select_related("invitee").order_by("invited_at", "id"))


def stage_hands(*, stream: Stream) -> QuerySet[StageInvite]:
    return stage_requests(stream=stream).filter(kind=StageKind.HAND)


def stage_invite_get(*, stream: Stream, invite_id: int) -> StageInvite:
    invite = (StageInvite.objects.select_related("stream__channel__owner", "invitee")
              .filter(pk=invite_id, stream=stream).first())
    if invite is None:
        raise NotFoundError(StreamError.INVITE_NOT_FOUND, "No such invite.")
    return invite


def stage_pending_invite_for(*, stream: Stream, user: User) -> StageInvite | None:
    """The viewer's open invite, if any (the watch page shows its prompt after a reload)."""
    if not user.is_authenticated:
        return None
    return (StageInvite.objects.filter(stream=stream, invitee=user, kind=StageKind.INVITE, status=StageStatus.PENDING)
            .select_related("invitee").first())


def stage_viewer_suggestions(*, stream: Stream, query: str) -> list[User]:
    """Signed-in viewers watching now whose @handle starts with `query` (at least one character), the host
    and anyone on stage left out. One query plus one cache read."""
    prefix = query.strip().lstrip("@").lower()
    if not prefix:
        return []
    on_stage = StageInvite.objects.filter(stream=stream, status=StageStatus.ACCEPTED).values("invitee_id")
    candidates = list(
        User.objects.filter(handle__startswith=prefix, is_active=True)
        .exclude(pk=stream.channel.owner_id).exclude(pk__in=on_stage).order_by("handle")[:SUGGESTION_CANDIDATES]
    )
    here = presence_filter(stream_id=stream.pk, user_ids=[u.pk for u in candidates])
    return [u for u in candidates if u.pk in here][:SUGGESTIONS_MAX]
