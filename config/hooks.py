"""Hooks: how a higher app extends a lower one without the lower one importing it (README, "How the apps talk
to each other"). The lower app declares a Hook where it needs the answer; the higher app registers a function
in its AppConfig.ready. Registering twice is a no-op, so a ready() that runs again adds nothing.
"""

from collections.abc import Callable, Iterator
from typing import Any


class Hook:
    def __init__(self, doc: str) -> None:
        self.__doc__ = doc  # what a registered function receives and returns
        self._functions: list[Callable[..., Any]] = []

    def register(self, function: Callable[..., Any]) -> Callable[..., Any]:
        if function not in self._functions:
            self._functions.append(function)
        return function

    def __iter__(self) -> Iterator[Callable[..., Any]]:
        return iter(self._functions)

    def results(self, **kwargs) -> list[Any]:
        """Every function's answer, in registration order, leaving out the ones that answered None."""
        return [result for function in self._functions if (result := function(**kwargs)) is not None]

    def any(self, **kwargs) -> bool:
        return any(function(**kwargs) for function in self._functions)

    def first(self, **kwargs) -> Any:
        """The first answer that is not None (or None)."""
        for function in self._functions:
            if (result := function(**kwargs)) is not None:
                return result
        return None
