"""AutoMod: one text filter on everything people write that others read (docs/moderation.md).

Terms (AutoModTerm) are normalised (moderation.normalize) and loaded into one Aho-Corasick automaton
per community: a message is normalised once and scanned once, whatever the number of terms. A
community's own terms (a channel owner's) may add terms or change the level of a platform term,
"allow" included. Each process keeps its automatons and re-reads the terms when the version in the
cache moves (at most once a second).
"""

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

import ahocorasick
from django.core.cache import cache

from config.outages import REDIS_DOWN

from .models import AutoModTerm, Community, TermLevel
from .normalize import normalize

VERSION_KEY = "automod:terms-version"
PREFIX_MARK = "*"  # a term ending with it is a pattern: any word that starts with it
VERSION_CHECK_SECONDS = 1.0
# A message, a name: the strictest level its terms reach.
STRICTNESS = {TermLevel.ALLOW: 0, TermLevel.HOLD: 1, TermLevel.BLOCK: 2}


class TermMatcher:
    """Whole-word matches of many normalised terms in a normalised text, in one pass."""

    def __init__(self, levels: dict[str, str]):
        self.levels = levels
        self.automaton = ahocorasick.Automaton()
        for term in levels:  # whole words; "bad*" (a pattern) also every word starting so
            self.automaton.add_word(f" {term[:-1]}" if term.endswith(PREFIX_MARK) else f" {term} ", term)
        if levels:
            self.automaton.make_automaton()

    def found(self, normalized_text: str) -> dict[str, str]:
        """{term: level} of every term in the text (already normalised: words between single spaces)."""
        if not self.levels:
            return {}
        return {term: self.levels[term] for _end, term in self.automaton.iter(normalized_text)}


@dataclass
class _Loaded:
    version: str | None
    matchers: dict[tuple[str, int | None], TermMatcher]


_loaded = _Loaded(version=None, matchers={})
_version_seen = {"value": "", "checked_at": 0.0}
_EMPTY = TermMatcher({})


def terms_changed() -> None:
    """A term was added, changed or removed: every process reloads (within a second; this one at once)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _version_seen["checked_at"] = 0.0


def forget_loaded_terms() -> None:
    """Drop this process's automatons (tests: the next message reloads the terms)."""
    global _loaded
    _loaded = _Loaded(version=None, matchers={})
    _version_seen["checked_at"] = 0.0


def _current_version() -> str:
    now = time.monotonic()
    if now - _version_seen["checked_at"] >= VERSION_CHECK_SECONDS:
        try:
            _version_seen["value"] = cache.get(VERSION_KEY, "")
        except REDIS_DOWN:
            pass  # the cache is away: keep filtering with the lists loaded last (chat goes on)
        _version_seen["checked_at"] = now
    return _version_seen["value"]


def _matchers() -> dict[tuple[str, int | None], TermMatcher]:
    """Every list's automaton, rebuilt from one query when the terms' version moves."""
    global _loaded
    version = _current_version()
    if _loaded.version != version:
        lists: dict[tuple[str, int | None], dict[str, str]] = defaultdict(dict)
        for kind, community_id, term, level in AutoModTerm.objects.values_list(
                "community_kind", "community_id", "normalized", "level"):
            lists[(kind, community_id)][term] = level
        _loaded = _Loaded(version, {key: TermMatcher(levels) for key, levels in lists.items()})
    return _loaded.matchers


def warm() -> None:
    """Load the term lists now (a process's first message would): query-count tests count a message's own."""
    _matchers()


def matcher_for(community_kind: str, community_id: int | None) -> TermMatcher:
    return _matchers().get((community_kind, community_id), _EMPTY)


def text_level(text: str, *, community_kind: str = Community.PLATFORM, community_id: int | None = None) -> str | None:
    """The strictest level of the terms in `text` (block, hold), None when nothing matches (or all allowed)."""
    normalized = normalize(text)
    found = matcher_for(Community.PLATFORM, None).found(normalized)
    if community_kind:
        found |= matcher_for(community_kind, community_id).found(normalized)  # the community's word wins
    if not found:
        return None
    level = max(found.values(), key=STRICTNESS.__getitem__)
    return None if level == TermLevel.ALLOW else level
