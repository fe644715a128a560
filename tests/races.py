"""Race tests: run callables in real threads, each with its own database connection, released at once."""

import threading

from django.db import connection

RACE_TIMEOUT = 60


def run_together(calls) -> list:
    """Run each zero-argument callable in its own thread, released by a barrier.

    Returns ("ok", value) or ("error", exception) per call, in order.
    """
    barrier = threading.Barrier(len(calls), timeout=RACE_TIMEOUT)
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RACE_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def outcome(result) -> str:
    """"ok", or the error's code (ApplicationError) or repr."""
    kind, value = result
    return "ok" if kind == "ok" else getattr(value, "code", repr(value))
