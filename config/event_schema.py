"""The declared shape of every real-time event (after Zulip's zerver/lib/event_schema.py).

Each builder in an app's events.py returns a TypedDict that describes the event as it goes over
the wire (JSON: datetimes are ISO strings), and is marked with @emits, which registers that shape
under its ("type", "op") literals. Tests check every event a service publishes (the `published`
fixture) and every socket's hello against its shape with check().
"""

import functools
import types
from datetime import datetime
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

# ("rooms.state", "updated") -> the TypedDict that event must match.
SHAPES: dict[tuple[str, str | None], type] = {}


class EventShapeError(AssertionError):
    pass


def emits(builder):
    """Register the shape(s) named by an events.py builder's return annotation (a TypedDict or a union of them)."""
    returned = get_type_hints(builder)["return"]
    for shape in get_args(returned) if get_origin(returned) in (Union, types.UnionType) else (returned,):
        for key in event_keys(shape):
            if SHAPES.setdefault(key, shape) is not shape:
                raise EventShapeError(f"{key} has two shapes: {SHAPES[key].__qualname__} and {shape.__qualname__}")
    return builder


def event_keys(shape: type) -> list[tuple[str, str | None]]:
    hints = get_type_hints(shape)
    ops = get_args(hints["op"]) if "op" in hints else (None,)
    return [(type_, op) for type_ in get_args(hints["type"]) for op in ops]


@functools.cache
def registered() -> dict[tuple[str, str | None], type]:
    """Every declared event, once each app's events module is imported."""
    autodiscover_modules("events")
    return SHAPES


def check(event: Any, shape: type | None = None) -> None:
    """Raise EventShapeError unless `event` (decoded JSON) matches `shape`, by default the one declared for its type and op."""
    if shape is None:
        key = (event.get("type"), event.get("op")) if isinstance(event, dict) else (None, None)
        shape = registered().get(key)
        if shape is None:
            raise EventShapeError(f"unknown event {key}: declare its shape with @emits in its app's events.py")
    _check(event, shape, "event")


def _check(value: Any, hint: Any, path: str) -> None:
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return
    if is_typeddict(hint):
        if not isinstance(value, dict):
            raise EventShapeError(f"{path}: expected an object ({hint.__name__}), got {value!r}")
        fields = get_type_hints(hint)
        missing, unknown = hint.__required_keys__ - value.keys(), value.keys() - fields.keys()
        if missing or unknown:
            raise EventShapeError(f"{path} ({hint.__name__}): missing {sorted(missing)}, unknown {sorted(unknown)}")
        for name, item in value.items():
            _check(item, fields[name], f"{path}.{name}")
    elif origin is Literal:
        if not any(value == arg and type(value) is type(arg) for arg in args):
            raise EventShapeError(f"{path}: {value!r} is none of {args}")
    elif origin in (Union, types.UnionType):
        errors = []
        for arg in args:
            try:
                return _check(value, arg, path)
            except EventShapeError as exc:
                errors.append(str(exc))
        raise EventShapeError(" / ".join(errors))
    elif origin is list:
        if not isinstance(value, list):
            raise EventShapeError(f"{path}: expected a list, got {value!r}")
        for i, item in enumerate(value):
            _check(item, args[0], f"{path}[{i}]")
    elif origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise EventShapeError(f"{path}: expected an object, got {value!r}")
    elif hint is None or hint is type(None):
        if value is not None:
            raise EventShapeError(f"{path}: expected null, got {value!r}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EventShapeError(f"{path}: expected a number, got {value!r}")
    elif isinstance(hint, type):
        if isinstance(value, bool) is not (hint is bool) or not isinstance(value, hint):
            raise EventShapeError(f"{path}: expected {hint.__name__}, got {value!r}")
    else:
        raise EventShapeError(f"{path}: the checker does not know the type {hint!r}")


def iso(value: datetime | None) -> str | None:
    """A datetime as the API writes it (DRF's DateTimeField): ISO 8601 in the current zone, UTC as Z."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text

