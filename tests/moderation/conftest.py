import pytest

from moderation.automod import forget_loaded_terms


@pytest.fixture(autouse=True)
def _no_terms_left_behind():
    """Terms live in the test's transaction; this process's automatons must not outlive it."""
    forget_loaded_terms()
    yield
    forget_loaded_terms()
