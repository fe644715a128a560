"""@handle rules: shape, reserved names, prohibited words, availability, the DB guard and the 90-day change limit."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.handles import normalize_handle, validate_handle_shape
from accounts.models import User
from accounts.selectors import handle_check_available
from accounts.services.users import HANDLE_CHANGE_INTERVAL, user_handle_change
from config.errors import ApplicationError

from .factories import UserFactory


# -- normalize ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice", "alice"),
        ("@alice", "alice"),
        ("  @Alice_99 ", "alice_99"),
        ("ALICE", "alice"),
        ("@@alice", "@alice"),  # only one '@' is a prefix; the second fails the shape check
    ],
)
def test_normalize_handle_strips_one_at_sign_and_whitespace_and_lowercases(raw, expected):
    assert normalize_handle(raw) == expected


# -- shape -------------------------------------------------------------------------------
@pytest.mark.parametrize("handle", ["abc", "a" * 30, "alice_99", "___", "0_0", "x_y_z"])
def test_valid_shapes_pass(handle):
    validate_handle_shape(handle)  # does not raise


@pytest.mark.parametrize(
    "handle",
    [
        "",
        "ab",  # too short
        "a" * 31,  # too long
        "has-dash",
        "has space",
        "has.dot",
        "émile",  # a-z only
        "Alice",  # validate expects a normalized handle
        "@alice",
        "alice\n",
    ],
)
def test_invalid_shapes_are_refused(handle):
    with pytest.raises(ApplicationError) as exc:
        validate_handle_shape(handle)
    assert exc.value.code == "handle_invalid"
    assert exc.value.status == 400


@pytest.mark.parametrize("raw", ["@Alice", "ALICE", " alice "])
@pytest.mark.django_db
def test_check_available_normalizes_before_validating(raw):
    assert handle_check_available(handle=raw) == "alice"


@pytest.mark.django_db
def test_check_available_refuses_a_bad_shape_after_normalizing():
    with pytest.raises(ApplicationError) as exc:
        handle_check_available(handle="@al")
    assert exc.value.code == "handle_invalid"


# -- reserved ----------------------------------------------------------------------------
@pytest.mark.parametrize("handle", ["admin", "settings", "api", "_admin", "settings__", "__staff__"])
def test_reserved_handles_are_refused(handle):
    with pytest.raises(ApplicationError) as exc:
        validate_handle_shape(handle)
    assert exc.value.code == "handle_reserved"


@pytest.mark.parametrize("raw", ["@Admin", "SETTINGS", " @settings"])
@pytest.mark.django_db
def test_reserved_handles_are_refused_in_any_case_or_with_at_sign(raw):
    with pytest.raises(ApplicationError) as exc:
        handle_check_available(handle=raw)
    assert exc.value.code == "handle_reserved"


@pytest.mark.parametrize("handle", ["admins_fan", "my_settings", "adm_in"])
def test_handles_that_merely_contain_a_reserved_word_are_allowed(handle):
    validate_handle_shape(handle)


# -- prohibited fragments ----------------------------------------------------------------
@pytest.mark.parametrize(
    "handle",
    ["fuck", "xfuckx", "f_u_c_k", "sh_i_t_head", "i_love_porn", "p_o_r_n_star", "nazi_99", "_n_a_z_i_"],
)
def test_prohibited_fragments_are_refused_even_with_underscores_inserted(handle):
    with pytest.raises(ApplicationError) as exc:
        validate_handle_shape(handle)
    assert exc.value.code == "handle_prohibited"


@pytest.mark.django_db
def test_prohibited_fragments_are_refused_in_uppercase_input():
    with pytest.raises(ApplicationError) as exc:
        handle_check_available(handle="@F_U_C_K_er")
    assert exc.value.code == "handle_prohibited"


@pytest.mark.parametrize("handle", ["assassin", "shiitake", "class_act", "cocktail_hour"])
def test_innocent_handles_are_not_flagged(handle):
    validate_handle_shape(handle)


# -- availability ------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["Alice", "@ALICE", "alice"])
def test_a_handle_taken_in_another_case_is_refused(raw):
    UserFactory(handle="alice")

    with pytest.raises(ApplicationError) as exc:
        handle_check_available(handle=raw)

    assert exc.value.code == "handle_taken"
    assert exc.value.extra == {"handle": "alice"}


@pytest.mark.django_db
def test_own_handle_is_available_to_its_owner():
    alice = UserFactory(handle="alice")

    assert handle_check_available(handle="Alice", for_user=alice) == "alice"
    with pytest.raises(ApplicationError):
        handle_check_available(handle="Alice", for_user=UserFactory())


@pytest.mark.django_db
def test_a_free_handle_is_available():
    UserFactory(handle="alice")
    assert handle_check_available(handle="@Alice2") == "alice2"


# -- the database guard ------------------------------------------------------------------
@pytest.mark.django_db
def test_db_check_constraint_refuses_an_uppercase_handle_written_directly():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(handle="Alice", email="alice@example.com")
    assert not User.objects.filter(email="alice@example.com").exists()


@pytest.mark.django_db
def test_db_check_constraint_refuses_an_update_to_uppercase():
    alice = UserFactory(handle="alice")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=alice.pk).update(handle="Alice")

    alice.refresh_from_db()
    assert alice.handle == "alice"


@pytest.mark.django_db
def test_create_user_lowercases_the_handle_and_email():
    user = User.objects.create_user("Bob_1", "Bob@Example.COM", "pw-123456789")
    assert (user.handle, user.email) == ("bob_1", "bob@example.com")


# -- changing a handle: once per 90 days --------------------------------------------------
@pytest.mark.django_db
def test_first_handle_change_works_and_records_the_time():
    alice = UserFactory(handle="alice")
    before = timezone.now()

    changed = user_handle_change(user=alice, handle="@New_Alice")

    alice.refresh_from_db()
    assert changed.handle == alice.handle == "new_alice"
    assert alice.handle_changed_at is not None and alice.handle_changed_at >= before


@pytest.mark.django_db
def test_second_change_within_90_days_is_refused_with_the_next_allowed_date():
    # given: a handle changed 10 days ago
    alice = UserFactory(handle="alice")
    user_handle_change(user=alice, handle="alice_two")
    changed_at = timezone.now() - timedelta(days=10)
    User.objects.filter(pk=alice.pk).update(handle_changed_at=changed_at)

    # when: changing again
    with pytest.raises(ApplicationError) as exc:
        user_handle_change(user=alice, handle="alice_three")

    # then: refused, with when it will be allowed; nothing changed
    assert exc.value.code == "handle_change_too_soon"
    assert exc.value.extra["next_change_at"] == (changed_at + timedelta(days=90)).isoformat()
    alice.refresh_from_db()
    assert alice.handle == "alice_two"
    assert alice.handle_changed_at == changed_at


@pytest.mark.django_db
def test_change_immediately_after_the_first_is_refused():
    alice = UserFactory(handle="alice")
    user_handle_change(user=alice, handle="alice_two")

    with pytest.raises(ApplicationError) as exc:
        user_handle_change(user=alice, handle="alice_three")

    assert exc.value.code == "handle_change_too_soon"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ago", "allowed"),
    [
        (timedelta(days=89, hours=23), False),
        (HANDLE_CHANGE_INTERVAL + timedelta(seconds=1), True),
        (timedelta(days=91), True),
        (timedelta(days=365), True),
    ],
)
def test_change_is_allowed_again_after_90_days(ago, allowed):
    # given: the last change was `ago` ago (move the clock by editing handle_changed_at)
    alice = UserFactory(handle="alice")
    User.objects.filter(pk=alice.pk).update(handle="alice_two", handle_changed_at=timezone.now() - ago)

    if allowed:
        assert user_handle_change(user=alice, handle="alice_three").handle == "alice_three"
    else:
        with pytest.raises(ApplicationError) as exc:
            user_handle_change(user=alice, handle="alice_three")
        assert exc.value.code == "handle_change_too_soon"
    alice.refresh_from_db()
    assert alice.handle == ("alice_three" if allowed else "alice_two")


@pytest.mark.django_db
def test_setting_the_same_handle_in_another_case_is_a_no_op_and_does_not_start_the_clock():
    alice = UserFactory(handle="alice")

    user_handle_change(user=alice, handle="@ALICE")

    alice.refresh_from_db()
    assert alice.handle == "alice"
    assert alice.handle_changed_at is None
    assert user_handle_change(user=alice, handle="alice_two").handle == "alice_two"


@pytest.mark.django_db
def test_changing_to_a_taken_handle_is_refused_and_does_not_start_the_clock():
    UserFactory(handle="bob")
    alice = UserFactory(handle="alice")

    with pytest.raises(ApplicationError) as exc:
        user_handle_change(user=alice, handle="Bob")

    assert exc.value.code == "handle_taken"
    alice.refresh_from_db()
    assert (alice.handle, alice.handle_changed_at) == ("alice", None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("new", "code"), [("admin", "handle_reserved"), ("x", "handle_invalid"), ("k_k_k", "handle_prohibited")]
)
def test_handle_change_applies_the_same_rules_as_signup(new, code):
    alice = UserFactory(handle="alice")

    with pytest.raises(ApplicationError) as exc:
        user_handle_change(user=alice, handle=new)

    assert exc.value.code == code
    alice.refresh_from_db()
    assert alice.handle == "alice"
