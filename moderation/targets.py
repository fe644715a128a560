"""What can be reported: a registry of target kinds (docs/moderation.md, "Adding a reportable kind").

Each kind says how to load one by id, who may see it (one can only report what one can see), whose it
is (notified of the outcome, and banned), how it reads in the queue with what surrounds it, how staff
remove or hide it, and where a ban from its community applies. Kinds of the apps below moderation are
registered in moderation.target_kinds; a new app's kind (VODs, clips, ads, DMs) is one more
target_kind_register call there.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models

from .models import BanScope


@dataclass(frozen=True)
class TargetKind:
    name: str  # "room_message": what clients send as the report's `kind`
    label: str
    load: Callable[[str], models.Model | None]  # by id; None when it doesn't exist
    can_see: Callable[[models.Model, object], bool]  # (target, user)
    owner: Callable[[models.Model], object | None]  # the user who wrote or owns it
    context: Callable[[models.Model], dict]  # for the queue: {"text"?, "messages"?, "profile"?, "lines"?}
    # (target, actor, reason) -> None: staff remove it (delete a message, close a room, end a stream)
    remove: Callable[[models.Model, object, str], None] | None = None
    hide: Callable[[models.Model, object, str], None] | None = None  # (target, actor, reason): VODs, clips
    # where a ban "from here" applies: {BanScope.ROOM: room, ...}; the platform is always offered
    communities: Callable[[models.Model], dict[str, models.Model]] = field(default=lambda target: {})

    def ban_scopes(self, target: models.Model) -> list[str]:
        return [*self.communities(target), BanScope.PLATFORM]


_kinds: dict[str, TargetKind] = {}


def target_kind_register(kind: TargetKind) -> None:
    if _kinds.get(kind.name, kind) is not kind:
        raise ValueError(f"report target kind {kind.name!r} is registered twice")
    _kinds[kind.name] = kind


def target_kind(name: str) -> TargetKind | None:
    return _kinds.get(name)


def target_kinds() -> list[TargetKind]:
    return list(_kinds.values())
