"""Profile edits, deactivation, reactivation, purge and deletion, and personal API tokens."""

import hashlib
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts import tasks
from accounts.models import ApiToken, DeviceSession, Follow, Friendship, Notification, User
from accounts.selectors import session_is_current, session_store, user_get_by_handle
from accounts.services.social import follow_create
from accounts.services.tokens import (
    MAX_ACTIVE_TOKENS,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from accounts.services.users import (
    user_avatar_set,
    user_deactivate,
    user_delete,
    user_profile_update,
    users_purge_deactivated,
)
from config.errors import ApplicationError, NotFoundError

from .factories import PASSWORD, UserFactory, make_friends

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def signed_in_session(user: User) -> str:
    store = session_store(None)
    store["_auth_user_id"] = str(user.pk)
    store.save()
    DeviceSession.objects.create(user=user, session_key=store.session_key)
    return store.session_key


# -- profile ---------------------------------------------------------------------------------
def test_profile_update_changes_only_the_given_fields():
    user = UserFactory(display_name="Old Name", bio="old bio", timezone="UTC")

    user_profile_update(
        user=user,
        display_name="  New Name  ",
        native_languages=["en", "fr", "en"],
        learning_languages=["ja"],
        timezone_name="Europe/Paris",
        is_searchable=False,
    )

    saved = fresh(user)
    assert saved.display_name == "New Name"
    assert saved.bio == "old bio"
    assert saved.native_languages == ["en", "fr"]  # duplicates dropped, order kept
    assert saved.learning_languages == ["ja"]
    assert saved.timezone == "Europe/Paris"
    assert saved.is_searchable is False


def test_profile_update_may_clear_a_field_with_an_empty_string():
    user = UserFactory(bio="something")
    user_profile_update(user=user, bio="   ")
    assert fresh(user).bio == ""


def test_five_languages_are_allowed():
    user = UserFactory()
    user_profile_update(user=user, learning_languages=["en", "fr", "de", "es", "it"])
    assert fresh(user).learning_languages == ["en", "fr", "de", "es", "it"]


@pytest.mark.parametrize(
    ("field", "codes", "unknown"),
    [
        ("native_languages", ["en", "xx"], ["xx"]),
        ("learning_languages", ["klingon"], ["klingon"]),
        ("learning_languages", ["en", "fr", "de", "es", "it", "ja"], []),  # six
        ("native_languages", ["EN"], ["EN"]),
    ],
)
def test_unknown_or_too_many_languages_are_refused(field, codes, unknown):
    user = UserFactory()

    with pytest.raises(ApplicationError) as exc:
        user_profile_update(user=user, display_name="Changed", **{field: codes})

    assert exc.value.code == "language_invalid"
    assert exc.value.extra == {"field": field, "unknown": unknown}
    saved = fresh(user)
    assert saved.display_name != "Changed"
    assert getattr(saved, field) == []


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "utc+2", "", "Europe/Paris\n"])
def test_an_unknown_timezone_is_refused(name):
    user = UserFactory(timezone="UTC")

    with pytest.raises(ApplicationError) as exc:
        user_profile_update(user=user, timezone_name=name)

    assert exc.value.code == "timezone_invalid"
    assert fresh(user).timezone == "UTC"


def test_a_bio_over_160_characters_is_refused_with_a_field_error():
    # The service validates with full_clean(): a Django ValidationError naming the field,
    # which the API's exception handler renders as {"code": "invalid", "extra": {"fields": ...}}.
    user = UserFactory(bio="before")

    with pytest.raises(ValidationError) as exc:
        user_profile_update(user=user, bio="x" * 161)

    assert list(exc.value.message_dict) == ["bio"]
    assert "160" in exc.value.message_dict["bio"][0]
    assert fresh(user).bio == "before"


def test_a_bio_of_exactly_160_characters_is_fine():
    user = UserFactory()
    user_profile_update(user=user, bio="x" * 160)
    assert fresh(user).bio == "x" * 160


def test_an_invalid_choice_is_refused():
    user = UserFactory()
    with pytest.raises(ValidationError) as exc:
        user_profile_update(user=user, stats_visibility="public")
    assert list(exc.value.message_dict) == ["stats_visibility"]
    assert fresh(user).stats_visibility == "everyone"


# -- deactivation and reactivation -------------------------------------------------------------
def test_deactivate_ends_sessions_and_hides_the_profile(published, commit):
    # given: a signed-in user whose profile is visible
    user = UserFactory(handle="leaving")
    key = signed_in_session(user)
    assert user_get_by_handle(handle="@leaving", viewer=None) == user

    # when
    commit(user_deactivate, user=user)

    # then
    saved = fresh(user)
    assert saved.deactivated_at is not None
    assert saved.is_active  # still able to sign in and come back
    assert not DeviceSession.objects.filter(user=user).exists()
    assert not session_is_current(session_key=key, user_id=user.pk)
    assert published.to(f"session.{key}") == [
        {"type": "session.force_logout", "op": "ended", "reason": "account_deactivated"}
    ]
    for viewer in (None, UserFactory()):
        with pytest.raises(NotFoundError) as exc:
            user_get_by_handle(handle="leaving", viewer=viewer)
        assert exc.value.code == "user_not_found"


def test_signing_in_within_the_grace_period_reactivates(published):
    # given: deactivated 10 days ago
    user = UserFactory(handle="back_again")
    User.objects.filter(pk=user.pk).update(deactivated_at=timezone.now() - timedelta(days=10))

    # when: she signs in
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)

    # then: the account is back
    assert fresh(user).deactivated_at is None
    assert user_get_by_handle(handle="back_again", viewer=None).pk == user.pk
    assert DeviceSession.objects.filter(user=user).count() == 1


def test_a_deleted_account_cannot_sign_in_and_stays_closed(published):
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(is_active=False, deactivated_at=timezone.now())

    assert not Client().login(email=user.email, password=PASSWORD)
    assert fresh(user).deactivated_at is not None
    assert not DeviceSession.objects.exists()


# -- purge -------------------------------------------------------------------------------------
def deactivated(days_ago: float, **kwargs) -> User:
    user = UserFactory(**kwargs)
    User.objects.filter(pk=user.pk).update(deactivated_at=timezone.now() - timedelta(days=days_ago))
    return user


def test_purge_takes_only_accounts_deactivated_over_30_days_ago_and_is_safe_twice():
    # given: one long gone, one still in grace, one active, one that came back
    gone = deactivated(31)
    in_grace = deactivated(29)
    active = UserFactory()
    make_friends(gone, active)
    Follow.objects.create(follower=active, followee=gone)

    # when / then
    assert users_purge_deactivated() == 1
    assert set(User.objects.values_list("pk", flat=True)) == {in_grace.pk, active.pk}
    assert not Friendship.objects.exists() and not Follow.objects.exists()
    assert users_purge_deactivated() == 0
    assert User.objects.count() == 2


def test_purge_at_a_later_time_takes_the_rest():
    in_grace = deactivated(29)
    assert users_purge_deactivated(now=timezone.now() + timedelta(days=2)) == 1
    assert not User.objects.filter(pk=in_grace.pk).exists()


def test_purge_deletes_the_avatar_file(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    user = UserFactory()
    png = io.BytesIO()
    Image.new("RGB", (50, 50), "blue").save(png, format="PNG")
    user_avatar_set(user=user, upload=SimpleUploadedFile("a.png", png.getvalue(), content_type="image/png"))
    path = tmp_path / fresh(user).avatar.name
    assert path.exists()
    User.objects.filter(pk=user.pk).update(deactivated_at=timezone.now() - timedelta(days=40))

    assert users_purge_deactivated() == 1

    assert not path.exists()


# -- delete ------------------------------------------------------------------------------------
def test_delete_closes_the_account_and_enqueues_the_purge_only_on_commit(
    monkeypatch, published, django_capture_on_commit_callbacks
):
    # given: a signed-in user; the task queue recorded instead of used
    user = UserFactory()
    key = signed_in_session(user)
    enqueued = []
    monkeypatch.setattr(tasks.purge_user, "delay", lambda *args, **kwargs: enqueued.append((args, kwargs)))

    # when: deleted, commit callbacks captured but not run
    with django_capture_on_commit_callbacks() as callbacks:
        user_delete(user=user)

    # then: closed at once, but nothing enqueued before commit
    saved = fresh(user)
    assert saved.is_active is False and saved.deactivated_at is not None
    assert not DeviceSession.objects.exists()
    assert enqueued == []
    for callback in callbacks:
        callback()
    assert enqueued == [((user.pk,), {})]
    assert published.to(f"session.{key}")[0]["reason"] == "account_deactivated"


def test_the_purge_task_purges_and_is_safe_to_run_twice():
    user, other = UserFactory(), UserFactory()
    make_friends(user, other)
    follow_create(follower=other, followee=user)

    assert tasks.purge_user(user.pk) is True
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Friendship.objects.exists() and not Notification.objects.exists()
    assert User.objects.filter(pk=other.pk).exists()
    assert tasks.purge_user(user.pk) is False


def test_the_purge_deactivated_task_runs_the_batch():
    deactivated(45)
    assert tasks.purge_deactivated_accounts() == 1
    assert tasks.purge_deactivated_accounts() == 0


# -- API tokens --------------------------------------------------------------------------------
def test_a_new_token_is_shown_once_and_stored_only_hashed():
    user = UserFactory()

    token, key = api_token_create(user=user, name="  CLI  ")

    assert key.startswith("wt_") and len(key) == 3 + 43
    row = ApiToken.objects.get()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.prefix == key[:10]
    assert row.name == "CLI"
    stored = [str(v) for v in ApiToken.objects.values_list().get()]
    assert not any(key in value for value in stored)
    assert key[10:] not in "".join(stored)


def test_two_tokens_have_different_keys():
    user = UserFactory()
    assert api_token_create(user=user, name="a")[1] != api_token_create(user=user, name="b")[1]


def test_authenticate_returns_the_live_token_and_records_use():
    user = UserFactory()
    token, key = api_token_create(user=user, name="cli")

    found = api_token_authenticate(key=key)

    assert found.pk == token.pk and found.user == user
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("key", ["wt_nope", "", "x" * 46])
def test_an_unknown_key_is_invalid(key):
    api_token_create(user=UserFactory(), name="cli")
    with pytest.raises(ApplicationError) as exc:
        api_token_authenticate(key=key)
    assert exc.value.code == "token_invalid"


def test_a_revoked_token_is_refused():
    user = UserFactory()
    token, key = api_token_create(user=user, name="cli")

    api_token_revoke(user=user, token_id=token.pk)

    with pytest.raises(ApplicationError) as exc:
        api_token_authenticate(key=key)
    assert exc.value.code == "token_revoked"


def test_only_the_owner_can_revoke():
    token, key = api_token_create(user=UserFactory(), name="cli")

    with pytest.raises(NotFoundError) as exc:
        api_token_revoke(user=UserFactory(), token_id=token.pk)

    assert exc.value.code == "token_not_found"
    assert api_token_authenticate(key=key).pk == token.pk


def test_an_expired_token_is_refused(monkeypatch):
    user = UserFactory()
    token, key = api_token_create(user=user, name="cli", expires_at=timezone.now() + timedelta(days=1))
    assert api_token_authenticate(key=key).pk == token.pk  # kept in Redis from here on
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr("accounts.services.tokens.timezone", SimpleNamespace(now=lambda: later))

    with pytest.raises(ApplicationError) as exc:
        api_token_authenticate(key=key)
    assert exc.value.code == "token_expired"


def test_a_token_cannot_be_created_already_expired():
    with pytest.raises(ApplicationError) as exc:
        api_token_create(user=UserFactory(), name="cli", expires_at=timezone.now() - timedelta(minutes=1))
    assert exc.value.code == "invalid"
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("state", [{"is_active": False}, {"deactivated_at": timezone.now()}])
def test_a_token_of_an_inactive_or_deactivated_user_is_invalid(state):
    user = UserFactory()
    _, key = api_token_create(user=user, name="cli")
    User.objects.filter(pk=user.pk).update(**state)

    with pytest.raises(ApplicationError) as exc:
        api_token_authenticate(key=key)
    assert exc.value.code == "token_invalid"


def test_at_most_20_active_tokens():
    # given: the maximum
    user = UserFactory()
    tokens = [api_token_create(user=user, name=f"t{i}")[0] for i in range(MAX_ACTIVE_TOKENS)]
    assert MAX_ACTIVE_TOKENS == 20

    # when / then: one more is refused, and another user is not affected
    with pytest.raises(ApplicationError) as exc:
        api_token_create(user=user, name="one too many")
    assert exc.value.code == "too_many_tokens"
    assert ApiToken.objects.filter(user=user).count() == 20
    api_token_create(user=UserFactory(), name="someone else")

    # when: one is revoked, there is room again
    api_token_revoke(user=user, token_id=tokens[0].pk)
    api_token_create(user=user, name="replacement")
    assert ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() == 20


def test_expired_tokens_do_not_count_towards_the_limit():
    # given: the maximum number of tokens, all of them expired
    user = UserFactory()
    for i in range(MAX_ACTIVE_TOKENS):
        api_token_create(user=user, name=f"t{i}", expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))

    # when / then: none is active, so a new one may be created
    _, key = api_token_create(user=user, name="fresh")
    assert api_token_authenticate(key=key).name == "fresh"
