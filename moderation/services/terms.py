"""AutoMod's term lists: staff's (everywhere or per community) and a channel owner's own."""

from django.db import IntegrityError, transaction

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError, ConflictError, NotFoundError
from streams.models import Channel

from ..audit_verbs import AuditVerb
from ..automod import PREFIX_MARK, terms_changed
from ..errors import ModerationError
from ..models import AutoModTerm, Community, TermLevel
from ..normalize import normalize
from ..selectors import channel_terms


def term_save(*, actor: User | None, term: AutoModTerm) -> AutoModTerm:
    """Add or change a term (the admin's form, or term_add): normalised, unique per community."""
    is_pattern = term.term.strip().endswith(PREFIX_MARK)
    term.normalized = normalize(term.term).strip()
    if term.normalized and is_pattern:
        term.normalized += PREFIX_MARK
    if not term.normalized:
        raise ApplicationError(ModerationError.TERM_INVALID, "A term needs at least one letter.")
    if term.level not in TermLevel.values:
        raise ApplicationError(ModerationError.TERM_INVALID, "Unknown level.", {"choices": TermLevel.values})
    is_new = term.pk is None
    try:
        with transaction.atomic():
            term.created_by = term.created_by or actor
            term.save()
            if is_new:
                audit_record(actor=actor, verb=AuditVerb.AUTOMOD_TERM_ADDED, target=term,
                             details={"level": term.level, "community": f"{term.community_kind}:{term.community_id}"})
            transaction.on_commit(terms_changed)
    except IntegrityError:
        raise ConflictError(ModerationError.TERM_INVALID, "That term is already on this list.") from None
    return term


def term_remove(*, actor: User, term: AutoModTerm) -> None:
    with transaction.atomic():
        audit_record(actor=actor, verb=AuditVerb.AUTOMOD_TERM_REMOVED, target=term,
                     details={"community": f"{term.community_kind}:{term.community_id}"})
        term.delete()
        transaction.on_commit(terms_changed)


def _require_owner(channel: Channel, actor: User) -> None:
    channel_terms(actor=actor, channel=channel)  # raises not_channel_owner for anyone else


def channel_term_add(*, actor: User, channel: Channel, term: str, level: str = TermLevel.BLOCK) -> AutoModTerm:
    """A channel owner's own term for their channel's chat (block, hold, or allow a platform term)."""
    _require_owner(channel, actor)
    return term_save(actor=actor, term=AutoModTerm(term=term.strip()[:100], level=level,
                                                   community_kind=Community.CHANNEL, community_id=channel.pk))


def channel_term_remove(*, actor: User, channel: Channel, term_id: int) -> None:
    _require_owner(channel, actor)
    term = AutoModTerm.objects.filter(pk=term_id, community_kind=Community.CHANNEL, community_id=channel.pk).first()
    if term is None:
        raise NotFoundError(ModerationError.TERM_INVALID, "No such term on this channel.")
    term_remove(actor=actor, term=term)
