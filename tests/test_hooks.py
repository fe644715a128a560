"""config.hooks.Hook: the one way a higher app extends a lower one."""

from config.hooks import Hook
from moderation.filters import public_text_check
from monetization.ads_slots import room_page_slot
from rooms.views import page_slots


def test_a_hook_collects_answers_in_order_and_registers_a_function_once():
    hook = Hook("(n) -> n squared, or None for odd n")

    def square_even(n):
        return n * n if n % 2 == 0 else None

    def negate(n):
        return -n

    hook.register(square_even)
    hook.register(negate)
    hook.register(square_even)  # a ready() that runs again adds nothing
    assert hook.results(n=2) == [4, -2]
    assert hook.results(n=3) == [-3]
    assert hook.first(n=3) == -3 and hook.first(n=2) == 4
    assert hook.any(n=0) is False and hook.any(n=1) is True
    assert list(hook) == [square_even, negate]
    assert Hook("nothing registered").first() is None


def test_the_apps_above_register_their_functions_at_start():
    from accounts.public_text import public_text_checks

    assert room_page_slot in list(page_slots)
    assert public_text_check in list(public_text_checks)
