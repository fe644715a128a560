"""Contracts that span the apps: event shapes and their documentation, and typed error codes."""

import ast
import re
from pathlib import Path

import pytest
from django.utils.module_loading import autodiscover_modules

from config.errors import ApplicationError, error_enums
from config.event_schema import EventShapeError, check, registered
from config.ws import BaseConsumer
from media_relay.errors import RelayError

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "chat", "config", "dms", "gamification", "guilds", "media_relay", "moderation", "monetization", "rooms",
        "streams", "web"]


# -- events -------------------------------------------------------------------------------------
def test_the_checker_refuses_unknown_events_and_wrong_shapes():
    good = {"type": "rooms.chat", "op": "deleted", "id": 3}
    check(good)
    for bad in [
        {"type": "rooms.chat", "op": "vanished", "id": 3},  # an op nobody declared
        {"type": "rooms.nothing", "op": "deleted", "id": 3},  # a type nobody declared
        {"type": "rooms.chat", "op": "deleted"},  # a field missing
        {**good, "extra": 1},  # a field nobody declared
        {**good, "id": "3"},  # a field of the wrong type
        {**good, "id": True},  # booleans are not numbers
    ]:
        with pytest.raises(EventShapeError):
            check(bad)


def test_nested_shapes_and_nullable_fields_are_checked():
    event = {"type": "social.follow", "op": "created",
             "follower": {"id": 1, "handle": "ann", "display_name": "", "avatar_url": None}}
    check(event)
    with pytest.raises(EventShapeError, match="avatar_url"):
        check({**event, "follower": {**event["follower"], "avatar_url": 5}})
    with pytest.raises(EventShapeError, match="missing"):
        check({**event, "follower": {"id": 1}})


def client_message_types() -> set[str]:
    """What clients send (`chat.send`, `sync.play`, ...): named on the same page, and not events (the chat
    core's events share the `chat.` prefix with room and guild chat's client messages)."""
    autodiscover_modules("consumers")
    found, todo = set(), [BaseConsumer]
    while todo:
        consumer = todo.pop()
        found |= set(consumer.handlers)
        todo.extend(consumer.__subclasses__())
    return found


def documented_event_types() -> set[str]:
    """Every `prefix.noun` in docs/realtime.md whose prefix is an event family (rooms.*, guilds.*, ...),
    but the client's messages."""
    families = {type_.split(".")[0] for type_, _ in registered()}
    text = (ROOT / "docs" / "realtime.md").read_text()
    named = {name for name in re.findall(r"`([a-z_]+\.[a-z_]+)`", text) if name.split(".")[0] in families}
    return named - client_message_types()


def test_docs_name_every_event_the_code_sends_and_no_other():
    sent = {type_ for type_, _ in registered()}
    documented = documented_event_types()
    assert sent - documented == set(), "sent but not documented in docs/realtime.md"
    assert documented - sent == set(), "documented in docs/realtime.md but never sent"
    assert sent & client_message_types() == set(), "an event type is also a client message type"


# -- error codes --------------------------------------------------------------------------------
def error_classes() -> set[str]:
    """ApplicationError and its subclasses, and the relay's RelayError: the calls that carry a code."""
    found, todo = set(), [ApplicationError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found | {RelayError.__name__}


def raised_codes():
    """(where, code expression) for every call of an error class in the apps' code."""
    names = error_classes()
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if func not in names:
                    continue
                code = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "code"), None)
                if code is not None:
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", code


def test_every_raised_error_code_is_a_member_of_an_error_enum():
    enums = {enum.__name__: enum for enum in error_enums()}
    wrong = []
    checked = 0
    for where, code in raised_codes():
        if isinstance(code, ast.Constant):
            wrong.append(f"{where}: the raw string {code.value!r}; use a member of <app>/errors.py")
        elif isinstance(code, ast.Attribute) and isinstance(code.value, ast.Name):
            enum = enums.get(code.value.id)
            if enum is None or code.attr not in enum.__members__:
                wrong.append(f"{where}: {code.value.id}.{code.attr} is in no error enum")
            checked += 1
        elif not isinstance(code, ast.Name):  # a name passes on a member chosen above it (media_relay/whip.py)
            wrong.append(f"{where}: {ast.unparse(code)} is not a member of an error enum")
    assert wrong == []
    assert checked > 100  # the scan found the raises


def test_the_scan_catches_a_raw_string(tmp_path, monkeypatch):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "bad.py").write_text('raise NotFoundError("nope", "Gone.")\n')
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.APPS", ["web"])
    assert [ast.literal_eval(code) for _, code in raised_codes()] == ["nope"]

