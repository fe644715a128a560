"""Reports: anyone signed in reports what they can see; duplicates fold into the target's open case."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from config.errors import ApplicationError, ConflictError, NotFoundError, RateLimitedError

from ..errors import ModerationError
from ..models import CATEGORY_SEVERITY, Case, CaseStatus, ReasonCategory, Report, Severity
from ..targets import target_kind

# One user's flood of reports: at most this many in the window.
REPORTS_PER_WINDOW = 10
REPORT_WINDOW = timedelta(minutes=10)


def report_target_resolve(*, kind: str, target_id: str, reporter: User):
    """(kind, target) the reporter may report: it exists and they can see it; else a 4xx."""
    info = target_kind(kind)
    if info is None:
        raise ApplicationError(ModerationError.TARGET_KIND_UNKNOWN, f"Can't report a '{kind[:30]}'.")
    target = info.load(str(target_id))
    if target is None or not info.can_see(target, reporter):
        raise NotFoundError(ModerationError.TARGET_NOT_FOUND, f"No such {info.label.lower()}.")
    return info, target


def report_create(*, reporter: User, kind: str, target_id: str, category: str, note: str = "") -> Report:
    """File a report. The target's open case takes it (or opens); its count and severity go up."""
    if category not in ReasonCategory.values:
        raise ApplicationError(ModerationError.ACTION_INVALID, "Pick a reason.", {"choices": ReasonCategory.values})
    info, target = report_target_resolve(kind=kind, target_id=target_id, reporter=reporter)
    owner = info.owner(target)
    if owner is not None and owner.pk == reporter.pk:
        raise ApplicationError(ModerationError.CANNOT_REPORT_SELF, "You can't report yourself or your own content.")
    since = timezone.now() - REPORT_WINDOW
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=reporter.pk).values_list("pk").first()  # one count at a time
        if Report.objects.filter(reporter=reporter, created_at__gte=since).count() >= REPORTS_PER_WINDOW:
            raise RateLimitedError(ModerationError.REPORTS_RATE_LIMITED, "You've sent many reports: try again later.",
                                   {"max": REPORTS_PER_WINDOW, "window_seconds": int(REPORT_WINDOW.total_seconds())})
        case = case_open_for(kind=kind, target=target, owner=owner, severity=CATEGORY_SEVERITY[category])
        try:
            with transaction.atomic():
                report = Report.objects.create(case=case, reporter=reporter, category=category, note=note.strip()[:500])
        except IntegrityError:
            raise ConflictError(ModerationError.ALREADY_REPORTED, "You already reported this.") from None
        Case.objects.filter(pk=case.pk).update(report_count=F("report_count") + 1)
    return report


def case_open_for(*, kind: str, target, owner, severity: int = Severity.LOW, is_automod: bool = False,
                  held_text: str = "") -> Case:
    """The target's open case, opened if none, at least as severe as `severity`; locked."""
    target_id = str(target.pk)
    for _attempt in range(2):
        case = Case.objects.select_for_update().filter(target_kind=kind, target_id=target_id,
                                                       status=CaseStatus.OPEN).first()
        if case is not None:
            updates = {"severity": Greatest("severity", severity), "updated_at": timezone.now()}
            if held_text:
                updates["held_text"] = held_text[:2000]
            Case.objects.filter(pk=case.pk).update(**updates)
            case.refresh_from_db()
            return case
        try:
            with transaction.atomic():
                return Case.objects.create(target_kind=kind, target_id=target_id, target_repr=str(target)[:200],
                                           target_user=owner, severity=severity, is_automod=is_automod,
                                           held_text=held_text[:2000])
        except IntegrityError:  # another report opened it meanwhile: take that one
            continue
    raise ConflictError(ModerationError.CASE_NOT_OPEN, "Try again.")
