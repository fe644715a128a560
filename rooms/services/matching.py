"""Random 1:1 language partners, never matched twice at once (one matcher at a time: an advisory lock).

Among the compatible people waiting, the choice is explicit (`match_rank`): complementary pairs first
(my native language is what you learn and yours is what I learn), then levels close together (the two
learners' CEFR levels in the languages they trade), then the one waiting longest.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.languages import CEFR_LEVELS, level_rank
from accounts.models import User
from accounts.selectors import is_blocked_between, language_levels_of
from accounts.services.notifications import notification_create
from accounts.services.users import LANGUAGE_CODES
from config.errors import ApplicationError, ConflictError, NotFoundError
from config.locks import advisory_lock
from config.realtime import publish_on_commit, user_group

from .. import events
from ..errors import MatchError
from ..models import MatchRequest, MatchStatus, Room, RoomKind, RoomMember, RoomRole, Visibility
from ..notification_kinds import NotificationKind
from ..selectors import member_get
from .membership import room_leave

WAIT_LIMIT = timedelta(minutes=5)
SCAN_LIMIT = 500
LOCK_NAME = "rooms.matching"


def is_compatible(a: MatchRequest, b: MatchRequest) -> bool:
    """One can help the other: someone speaks a language the other is learning."""
    return bool(set(a.learns) & set(b.speaks)) or bool(set(b.learns) & set(a.speaks))


def is_complementary(a: MatchRequest, b: MatchRequest) -> bool:
    """Each can help the other: a language exchange (my native = your learning, and the other way)."""
    return bool(set(a.learns) & set(b.speaks)) and bool(set(b.learns) & set(a.speaks))


# A level gap when either learner's level is not set: ranked after every known gap.
UNKNOWN_LEVEL_GAP = len(CEFR_LEVELS)


def _learner_rank(request: MatchRequest, helper: MatchRequest, levels: dict[str, str]) -> int | None:
    """The learner's best CEFR rank among the languages they learn and the helper speaks."""
    ranks = [rank for code in set(request.learns) & set(helper.speaks) if (rank := level_rank(levels.get(code)))]
    return max(ranks, default=None)


def match_rank(mine: MatchRequest, other: MatchRequest, levels: dict[int, dict[str, str]]) -> tuple[int, int]:
    """Lower is better: (0 for a complementary pair else 1, the gap between the two learners' levels)."""
    if not is_complementary(mine, other):
        return 1, UNKNOWN_LEVEL_GAP
    a = _learner_rank(mine, other, levels.get(mine.user_id, {}))
    b = _learner_rank(other, mine, levels.get(other.user_id, {}))
    return 0, abs(a - b) if a and b else UNKNOWN_LEVEL_GAP


def _best_partner(mine: MatchRequest, user: User) -> MatchRequest | None:
    """The compatible waiting request ranked first (ties: the one waiting longest), never someone blocked."""
    waiting = MatchRequest.objects.filter(status=MatchStatus.WAITING).exclude(user=user).select_related("user")
    compatible = [other for other in waiting.order_by("created_at", "id")[:SCAN_LIMIT] if is_compatible(mine, other)]
    levels = language_levels_of(user_ids=[user.pk, *(other.user_id for other in compatible)])
    compatible.sort(key=lambda other: match_rank(mine, other, levels))  # stable: oldest first within a rank
    return next((other for other in compatible if not is_blocked_between(user=user, other=other.user)), None)


def _clean(codes: list[str], field: str) -> list[str]:
    codes = list(dict.fromkeys(codes))
    if not codes or any(code not in LANGUAGE_CODES for code in codes):
        raise ApplicationError(MatchError.LANGUAGES_REQUIRED, "Pick the languages you speak and the ones you learn.",
                               {"fields": {field: ["Pick known language codes."]}})
    return codes


def match_request_create(*, user: User, speaks: list[str], learns: list[str]) -> MatchRequest:
    """Queue for a partner; if compatible people are waiting, pair with the best ranked (`match_rank`)."""
    mine = MatchRequest(user=user, speaks=_clean(speaks, "speaks"), learns=_clean(learns, "learns"))
    with transaction.atomic():
        advisory_lock(LOCK_NAME)  # one matcher at a time: two newcomers can't both miss each other
        if MatchRequest.objects.filter(user=user, status=MatchStatus.WAITING).exists():
            raise ConflictError(MatchError.ALREADY_WAITING, "You are already waiting for a partner.")
        partner_request = _best_partner(mine, user)
        try:
            with transaction.atomic():
                mine.save()
        except IntegrityError as exc:
            raise ConflictError(MatchError.ALREADY_WAITING, "You are already waiting for a partner.") from exc
        if partner_request is not None:
            _pair(partner_request, mine)
    return mine


def call_room_create(*, first: User, second: User, languages: list[str] | None = None, is_matchmade: bool = False,
                     is_camera_enabled: bool = False) -> Room:
    """A private two-person voice room with both in it (`first` leads): a 1:1 call, peer-to-peer first with the
    relay as fallback (docs/media_relay.md). Partner matching makes one; so does a call from a direct message
    (with cameras allowed: each person turns theirs on in the call)."""
    room = Room.objects.create(
        kind=RoomKind.VOICE, name=f"@{first.handle} × @{second.handle}", languages=languages or [],
        visibility=Visibility.PRIVATE, max_members=2, is_mic_enabled=True, is_matchmade=is_matchmade,
        is_camera_enabled=is_camera_enabled, created_by=first,
    )
    RoomMember.objects.bulk_create([RoomMember(room=room, user=first, role=RoomRole.LEADER), RoomMember(room=room, user=second)])
    return room


def _pair(first: MatchRequest, second: MatchRequest) -> None:
    """Inside the matcher lock: a private two-person voice room, both told."""
    languages = sorted((set(first.learns) & set(second.speaks)) | (set(second.learns) & set(first.speaks)))
    room = call_room_create(first=first.user, second=second.user, languages=languages[:5], is_matchmade=True)
    now = timezone.now()
    for request, partner in ((first, second.user), (second, first.user)):
        request.status, request.matched_at, request.room, request.partner = MatchStatus.MATCHED, now, room, partner
        request.save(update_fields=["status", "matched_at", "room", "partner"])
        notification_create(recipient=request.user, kind=NotificationKind.PARTNER_FOUND, actor=partner,
                            data={"room": room.code})
        publish_on_commit(user_group(request.user_id), events.partner_found(room=room, partner=partner))


def match_next(*, user: User) -> MatchRequest:
    """"Next partner": leave the 1:1 room of one's last match and wait again with the same languages."""
    last = MatchRequest.objects.filter(user=user, status=MatchStatus.MATCHED).select_related("room").order_by("-id").first()
    if last is None:
        raise NotFoundError(MatchError.NOT_MATCHED, "You have no partner to move on from.")
    if last.room is not None and member_get(room=last.room, user=user) is not None:
        room_leave(user=user, room=last.room)
    return match_request_create(user=user, speaks=last.speaks, learns=last.learns)


def match_request_cancel(*, user: User) -> None:
    with transaction.atomic():
        advisory_lock(LOCK_NAME)
        if not MatchRequest.objects.filter(user=user, status=MatchStatus.WAITING).update(status=MatchStatus.CANCELLED):
            raise NotFoundError(MatchError.NOT_WAITING, "You are not waiting for a partner.")


def match_requests_expire(*, now=None) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        advisory_lock(LOCK_NAME)
        expired = list(MatchRequest.objects.filter(status=MatchStatus.WAITING, created_at__lt=now - WAIT_LIMIT))
        MatchRequest.objects.filter(pk__in=[r.pk for r in expired]).update(status=MatchStatus.EXPIRED)
        for request in expired:
            publish_on_commit(user_group(request.user_id), events.match_expired())
    return len(expired)
