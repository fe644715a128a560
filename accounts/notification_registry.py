"""The notification kinds every app declares for itself.

An app lists the kinds it sends as TextChoices in its own `notification_kinds.py` and registers
them there (imported by its AppConfig.ready), each with how it reads (`texts`: may use {actor}
and any key of the notification's data), and optionally where it leads (`url(kind, data)`)
and the buttons that answer it (`actions(kind, data)`). Notification.kind stores the plain
string, so a new kind needs no migration; notification_create refuses one nobody registered.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import TextChoices


@dataclass(frozen=True)
class KindInfo:
    label: str
    text: str
    url: Callable[[str, dict], str | None] | None = None
    actions: Callable[[str, dict], list[dict]] | None = None


_kinds: dict[str, KindInfo] = {}


def register_kinds(enum: type[TextChoices], *, texts: Mapping[str, str], url=None, actions=None) -> None:
    for kind in enum:
        if kind.value in _kinds:
            raise ValueError(f"notification kind {kind.value!r} is registered twice")
        _kinds[kind.value] = KindInfo(label=kind.label, text=texts[kind], url=url, actions=actions)


def kind_info(kind: str) -> KindInfo | None:
    return _kinds.get(kind)
