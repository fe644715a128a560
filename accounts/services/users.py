"""Profile edits, handle changes, avatars, deactivation and deletion."""

from datetime import timedelta
from zoneinfo import available_timezones

from django.db import transaction
from django.utils import timezone

from config.errors import ApplicationError

from ..avatars import avatar_from_upload
from ..errors import AccountError
from ..languages import CEFR_LEVELS, LANGUAGE_NAMES
from ..models import Audience, FriendRequestPolicy, LanguageLevel, User
from ..public_text import public_text_check
from ..selectors import handle_check_available
from ..signals import user_active
from .sessions import sessions_end_all

HANDLE_CHANGE_INTERVAL = timedelta(days=90)
DEACTIVATION_GRACE = timedelta(days=30)
MAX_LANGUAGES = 5
LANGUAGE_CODES = frozenset(LANGUAGE_NAMES)
TIMEZONES = frozenset(available_timezones())


def _clean_languages(field: str, codes: list[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    unknown = [code for code in codes if code not in LANGUAGE_CODES]
    if unknown or len(codes) > MAX_LANGUAGES:
        raise ApplicationError(
            AccountError.LANGUAGE_INVALID,
            f"Pick up to {MAX_LANGUAGES} languages from the list.",
            {"field": field, "unknown": unknown[:10]},
        )
    return codes


def _clean_levels(levels: dict[str, str], learning: list[str]) -> dict[str, str]:
    """Levels are for languages one learns, each one of A1–C2."""
    bad = {code: level for code, level in levels.items() if code not in learning or level not in CEFR_LEVELS}
    if bad:
        raise ApplicationError(
            AccountError.LANGUAGE_LEVEL_INVALID,
            "Give each language you learn a level from A1 to C2.",
            {"field": "learning_levels", "invalid": dict(list(bad.items())[:10]), "levels": list(CEFR_LEVELS)},
        )
    return levels


def _levels_save(user: User, learning: list[str], levels: dict[str, str]) -> None:
    """The stored levels follow the learning list: a dropped language's level goes, a given one is set."""
    LanguageLevel.objects.filter(user=user).exclude(language__in=learning).delete()
    for code, level in levels.items():
        LanguageLevel.objects.update_or_create(user=user, language=code, defaults={"level": level})


def user_profile_update(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    native_languages: list[str] | None = None,
    learning_languages: list[str] | None = None,
    learning_levels: dict[str, str] | None = None,
    timezone_name: str | None = None,
    stats_visibility: Audience | None = None,
    friends_visibility: Audience | None = None,
    friend_requests_from: FriendRequestPolicy | None = None,
    is_searchable: bool | None = None,
    practice_visibility: Audience | None = None,
) -> User:
    """Change the given fields (None leaves a field as it is). `learning_levels` maps a learning language
    to its CEFR level (A1–C2); levels of languages no longer learned are dropped."""
    changes = {
        "display_name": display_name.strip() if display_name is not None else None,
        "bio": bio.strip() if bio is not None else None,
        "stats_visibility": stats_visibility,
        "friends_visibility": friends_visibility,
        "friend_requests_from": friend_requests_from,
        "is_searchable": is_searchable,
        "practice_visibility": practice_visibility,
    }
    if native_languages is not None:
        changes["native_languages"] = _clean_languages("native_languages", native_languages)
    if learning_languages is not None:
        changes["learning_languages"] = _clean_languages("learning_languages", learning_languages)
    if timezone_name is not None:
        if timezone_name not in TIMEZONES:
            raise ApplicationError(AccountError.TIMEZONE_INVALID, f"Unknown time zone '{timezone_name[:64]}'.")
        changes["timezone"] = timezone_name
    fields = [name for name, value in changes.items() if value is not None]
    for name in ("display_name", "bio"):
        if changes[name]:
            public_text_check(text=changes[name], field=name)
    learning = changes.get("learning_languages", user.learning_languages)
    levels = _clean_levels(learning_levels or {}, learning)
    for name in fields:
        setattr(user, name, changes[name])
    user.full_clean(exclude=["avatar", "password", "handle", "email"])
    with transaction.atomic():
        user.save(update_fields=fields)
        if learning_levels is not None or "learning_languages" in fields:
            _levels_save(user, learning, levels)
    return user


def user_handle_change(*, user: User, handle: str) -> User:
    """A handle may change once per 90 days."""
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        handle = handle_check_available(handle=handle, for_user=user)
        public_text_check(text=handle, field="handle")
        if handle == user.handle:
            return user
        if user.handle_changed_at and now - user.handle_changed_at < HANDLE_CHANGE_INTERVAL:
            next_change = user.handle_changed_at + HANDLE_CHANGE_INTERVAL
            raise ApplicationError(
                AccountError.HANDLE_CHANGE_TOO_SOON,
                f"You can change your handle again on {next_change:%Y-%m-%d}.",
                {"next_change_at": next_change.isoformat()},
            )
        user.handle, user.handle_changed_at = handle, now
        user.save(update_fields=["handle", "handle_changed_at"])
    return user


def user_avatar_set(*, user: User, upload) -> User:
    content = avatar_from_upload(upload)
    old = user.avatar.name if user.avatar else None
    user.avatar.save(content.name, content, save=False)
    user.save(update_fields=["avatar"])
    if old:
        transaction.on_commit(lambda: user.avatar.storage.delete(old))
    return user


def user_avatar_clear(*, user: User) -> User:
    if user.avatar:
        old, storage = user.avatar.name, user.avatar.storage
        user.avatar = ""
        user.save(update_fields=["avatar"])
        transaction.on_commit(lambda: storage.delete(old))
    return user


def user_deactivate(*, user: User) -> User:
    """Hide the account; signing in again within 30 days brings it back, after that it is purged."""
    with transaction.atomic():
        user.deactivated_at = timezone.now()
        user.save(update_fields=["deactivated_at"])
        sessions_end_all(user=user, reason="account_deactivated")
    return user


def user_mark_active(*, user: User) -> None:
    """The user opened the site or signed in (daily login rewards, streaks listen)."""
    with transaction.atomic():
        user_active.send(sender=User, user=user)


def user_reactivate(*, user: User) -> User:
    user.deactivated_at = None
    user.save(update_fields=["deactivated_at"])
    return user


def user_delete(*, user: User) -> None:
    """Close the account at once and queue the full purge."""
    from ..tasks import purge_user

    with transaction.atomic():
        user.is_active, user.deactivated_at = False, timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
        sessions_end_all(user=user, reason="account_deactivated")
        transaction.on_commit(lambda: purge_user.delay(user.pk))


def user_purge(*, user_id: int) -> bool:
    """Delete the account and everything that hangs off it. Safe to run twice."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    if user.avatar:
        user.avatar.storage.delete(user.avatar.name)
    user.delete()
    return True


def users_purge_deactivated(*, now=None) -> int:
    """Purge accounts deactivated more than 30 days ago."""
    cutoff = (now or timezone.now()) - DEACTIVATION_GRACE
    ids = list(User.objects.filter(deactivated_at__lt=cutoff).values_list("pk", flat=True))
    return sum(user_purge(user_id=user_id) for user_id in ids)
