"""AutoMod's hooks: the chat filter (settings.CHAT_FILTERS) and the check of names, handles and bios
(accounts.public_text, registered in ModerationConfig.ready)."""

from datetime import UTC, datetime
from functools import partial

from django.db import transaction

from accounts.models import User
from audit.services import audit_record
from chat.filters import FilterRefusal
from config.errors import ApplicationError

from .audit_verbs import AuditVerb
from .automod import text_level
from .errors import ModerationError
from .models import Community, TermLevel
from .services.reports import case_open_for
from .spam import spam_verdict

# The ChatPolicy kind of each chat -> the community whose own terms apply there.
CHAT_COMMUNITY = {"room": Community.ROOM, "guild": Community.GUILD, "channel": Community.CHANNEL}


def chat_filter(*, body: str, kind: str, context, author) -> str:
    """Refuse a message with a blocked term, hold one with a term under review (a case for staff), and
    time out a spammer (repeats, links, mentions)."""
    why, until = spam_verdict(user_id=author.pk, body=body)
    if until is not None:
        raise FilterRefusal(ModerationError.AUTOMOD_SPAM, "You are timed out for spamming.",
                            {"until": datetime.fromtimestamp(until, tz=UTC).isoformat(), "why": why},
                            follow_up=partial(_timeout_audit, user_id=author.pk, why=why, until=until) if why else None)
    level = text_level(body, community_kind=CHAT_COMMUNITY.get(kind, ""), community_id=context.pk)
    if level == TermLevel.BLOCK:
        raise ApplicationError(ModerationError.AUTOMOD_BLOCKED, "That message breaks the chat rules.")
    if level == TermLevel.HOLD:
        raise FilterRefusal(ModerationError.AUTOMOD_HELD, "That message is held for a moderator to review.",
                            follow_up=partial(_hold, author_id=author.pk, body=body, where=f"{kind}.{context.pk}"))
    return body


def public_text_check(*, text: str, field: str, community_kind: str, community_id: int | None) -> None:
    if text_level(text, community_kind=community_kind, community_id=community_id) is not None:
        raise ApplicationError(ModerationError.AUTOMOD_BLOCKED, "That breaks the community rules: try other words.",
                               {"fields": {field: ["Not allowed here."]}})


def _timeout_audit(*, user_id: int, why: str, until: float) -> None:
    user = User.objects.get(pk=user_id)
    audit_record(actor=None, verb=AuditVerb.AUTOMOD_TIMEOUT, target=user,
                 details={"why": why, "until": datetime.fromtimestamp(until, tz=UTC).isoformat()})


def _hold(*, author_id: int, body: str, where: str) -> None:
    """A held message becomes (or joins) a case on its author, with the text and where it was written."""
    with transaction.atomic():
        author = User.objects.get(pk=author_id)
        case_open_for(kind="user", target=author, owner=author, is_automod=True, held_text=f"[{where}] {body}")
