"""Reads of the moderation queue: a case's context and history, the staff home's figures."""

from datetime import timedelta

from django.apps import apps
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from config.errors import ForbiddenError
from rooms.models import Room
from streams.models import Channel, Stream, StreamStatus

from .errors import ModerationError
from .models import AutoModTerm, Case, CaseAction, CaseStatus, Community
from .targets import target_kind

CHART_DAYS = 14


def channel_terms(*, actor: User, channel: Channel) -> QuerySet[AutoModTerm]:
    """The channel's own AutoMod terms, for its owner only."""
    if channel.owner_id != actor.pk:
        raise ForbiddenError(ModerationError.NOT_CHANNEL_OWNER, "Only the channel's owner manages its AutoMod terms.")
    return AutoModTerm.objects.filter(community_kind=Community.CHANNEL, community_id=channel.pk).order_by("term")


def open_cases() -> QuerySet[Case]:
    """The queue: most severe first, then most reported, then oldest."""
    return Case.objects.filter(status=CaseStatus.OPEN).order_by("-severity", "-report_count", "created_at")


def case_context(*, case: Case) -> dict:
    """What the case is about, as staff see it: the content with what surrounds it (or {"missing": True})."""
    info = target_kind(case.target_kind)
    target = info.load(case.target_id) if info else None
    if target is None:
        return {"missing": True}
    return {"label": info.label, "ban_scopes": info.ban_scopes(target), "can_delete": info.remove is not None,
            "can_hide": info.hide is not None, **info.context(target)}


def case_history(*, case: Case) -> dict:
    """The target's and its user's past: earlier cases, warnings and bans (CaseAction), suspensions."""
    earlier = Case.objects.filter(Q(target_kind=case.target_kind, target_id=case.target_id)
                                  | Q(target_user_id=case.target_user_id) if case.target_user_id else
                                  Q(target_kind=case.target_kind, target_id=case.target_id)).exclude(pk=case.pk)
    actions = (CaseAction.objects.filter(target_user_id=case.target_user_id).select_related("actor")
               if case.target_user_id else CaseAction.objects.none())
    audit = (AuditEvent.objects.filter(target_type="accounts.user", target_id=str(case.target_user_id))
             .select_related("actor")[:20] if case.target_user_id else [])
    return {"earlier_cases": list(earlier.order_by("-pk")[:20]), "actions": list(actions[:20]), "audit": list(audit)}


def _per_day(queryset, field: str, since, value=None) -> list[int]:
    rows = dict(queryset.filter(**{f"{field}__gte": since}).annotate(day=TruncDate(field)).values("day")
                .annotate(n=value or Count("pk")).values_list("day", "n"))
    return [int(rows.get((since + timedelta(days=i)).date(), 0) or 0) for i in range(CHART_DAYS)]


def _pending_ads() -> list[dict]:
    """Ads waiting for review, once monetization has its Ad model (with a status): nothing until then."""
    try:
        ad_model = apps.get_model("monetization", "Ad")
    except LookupError:
        return []
    if not any(field.name == "status" for field in ad_model._meta.fields):
        return []
    return [{"label": "Ads to review", "value": ad_model.objects.filter(status="pending").count(),
             "url": "admin:monetization_ad_changelist"}]


def staff_home() -> dict:
    """Today's figures and the last two weeks per day, for the admin index."""
    now = timezone.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=CHART_DAYS - 1)
    figures = [
        {"label": "Open cases", "value": Case.objects.filter(status=CaseStatus.OPEN).count(), "url": "admin:moderation_case_changelist"},
        {"label": "Live streams", "value": Stream.objects.filter(status=StreamStatus.LIVE).count(), "url": "admin:streams_stream_changelist"},
        {"label": "Active rooms", "value": Room.objects.filter(closed_at__isnull=True).count(), "url": "admin:rooms_room_changelist"},
        {"label": "Sign-ups today", "value": User.objects.filter(date_joined__gte=today).count(), "url": "admin:accounts_user_changelist"},
        *_pending_ads(),
    ]
    return {
        "figures": figures,
        "chart": {
            "days": [int((since + timedelta(days=i)).timestamp()) for i in range(CHART_DAYS)],
            "series": {
                "Sign-ups": _per_day(User.objects.all(), "date_joined", since),
                "Cases opened": _per_day(Case.objects.all(), "created_at", since),
                "Streams started": _per_day(Stream.objects.exclude(started_at=None), "started_at", since),
            },
        },
    }


