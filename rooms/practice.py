"""Language practice analytics for a user (selectors): active voice time per language per week, partners
met and the practice streak, for the charts on their profile (private by default: User.practice_visibility).

Practice time is the active time of voice rooms and partner calls: the same heartbeat-checked seconds
that earn watch XP (rooms.services.watch, WatchSession.active_seconds), counted on the day a session
started, in the user's time zone. A session counts for the room's languages the user learns, split evenly
between them; in a room in none of them, for the room's languages (speaking one's own language with
learners is practice too). Rooms without a language (a call from a direct message) are not counted.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.languages import language_name
from accounts.models import User

from .models import MatchRequest, MatchStatus, RoomKind, WatchSession

PRACTICE_WEEKS = 8


def _practice_languages(room_languages: list[str], learning: list[str]) -> list[str]:
    return [code for code in room_languages if code in learning] or list(room_languages)


def _streak(days: set[date], today: date) -> int:
    """Consecutive practice days up to today (or up to yesterday while today has none yet)."""
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak, day = streak + 1, day - timedelta(days=1)
    return streak


def practice_summary(*, user: User, weeks: int = PRACTICE_WEEKS, now=None) -> dict:
    """The last `weeks` weeks (Monday first, the user's time zone): seconds per language per week, totals,
    distinct partners met through partner matching (all time) and the streak (within the weeks shown).
    Two queries."""
    zone = ZoneInfo(user.timezone or "UTC")
    today = (now or timezone.now()).astimezone(zone).date()
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    mondays = [first_monday + timedelta(weeks=i) for i in range(weeks)]
    rows = (
        WatchSession.objects.filter(user=user, room__kind=RoomKind.VOICE, active_seconds__gt=0,
                                    started_at__gte=datetime.combine(first_monday, time.min, tzinfo=zone))
        .annotate(day=TruncDate("started_at", tzinfo=zone)).values("day", "room__languages")
        .annotate(seconds=Sum("active_seconds"))
    )
    per_language: dict[str, list[int]] = {}
    practice_days: set[date] = set()
    for row in rows:
        languages = _practice_languages(row["room__languages"] or [], user.learning_languages)
        if not languages:
            continue
        practice_days.add(row["day"])
        week = (row["day"] - first_monday).days // 7
        share, rest = divmod(row["seconds"], len(languages))
        for i, code in enumerate(languages):
            per_language.setdefault(code, [0] * weeks)[week] += share + (1 if i < rest else 0)
    languages = sorted(
        ({"code": code, "name": language_name(code), "seconds": seconds, "total_seconds": sum(seconds)}
         for code, seconds in per_language.items()),
        key=lambda item: (-item["total_seconds"], item["name"]),
    )
    partners = (MatchRequest.objects.filter(user=user, status=MatchStatus.MATCHED, partner__isnull=False)
                .values("partner").distinct().count())
    return {
        "weeks": [monday.isoformat() for monday in mondays],
        "languages": languages,
        "total_seconds": sum(item["total_seconds"] for item in languages),
        "partners_met": partners,
        "streak_days": _streak(practice_days, today),
    }
