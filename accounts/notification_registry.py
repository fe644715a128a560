"""The notification kinds every app declares for itself.

An app lists the kinds it sends as TextChoices in its own `notification_kinds.py` and registers
them there (imported by its AppConfig.ready), each with how it reads (`texts`: may use {actor}
and any key of the notification's data), and optionally where it leads (`url(kind, data)`)
and the buttons that answer it (`actions(kind, data)`). Notification.kind stores the plain
string, so a new kind needs no migration; notification_create refuses one nobody registered.

Beyond the in-app list, a kind may be delivered by e-mail and Web Push (docs/notifications.md):
`email=` and `push=` are True (every kind of the enum) or the kinds that want it. They are the
channels the kind offers and each user's default; a user narrows them per kind
(accounts.models.NotificationPreference). notification_create then queues the delivery itself.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from django.db.models import TextChoices


class Channel(TextChoices):
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "E-mail"
    PUSH = "push", "Push notification"


@dataclass(frozen=True)
class KindInfo:
    label: str
    text: str
    url: Callable[[str, dict], str | None] | None = None
    actions: Callable[[str, dict], list[dict]] | None = None
    email: bool = False
    push: bool = False

    @property
    def channels(self) -> frozenset[str]:
        """The channels this kind can reach a user on: always the in-app list, plus what it asked for."""
        return frozenset({Channel.IN_APP} | ({Channel.EMAIL} if self.email else set()) | ({Channel.PUSH} if self.push else set()))


_kinds: dict[str, KindInfo] = {}


def register_kinds(enum: type[TextChoices], *, texts: Mapping[str, str], url=None, actions=None,
                   email: bool | Collection[str] = False, push: bool | Collection[str] = False) -> None:
    for kind in enum:
        if kind.value in _kinds:
            raise ValueError(f"notification kind {kind.value!r} is registered twice")
        _kinds[kind.value] = KindInfo(label=kind.label, text=texts[kind], url=url, actions=actions,
                                      email=_wants(email, kind), push=_wants(push, kind))


def _wants(flag: bool | Collection[str], kind: str) -> bool:
    return flag if isinstance(flag, bool) else kind in flag


def kind_info(kind: str) -> KindInfo | None:
    return _kinds.get(kind)


def registered_kinds() -> dict[str, KindInfo]:
    return dict(_kinds)
