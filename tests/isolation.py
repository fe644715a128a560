"""What every test that touches the platform starts from: fast password hashing and no counters, throttles
or cached pages left by the test before (tests/conftest.py's autouse fixture; tests/media_relay opts in)."""

from django.core.cache import cache

from config.rate_counters import forget_memory_windows
from config.shared_reads import forget_shared_pages


def platform_state_reset(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # rate limits and throttles live in the cache (Redis in CI)
    forget_memory_windows()  # the API throttles' counters without Redis
    forget_shared_pages()  # the public lists' moment of memory (config/shared_reads.py)
