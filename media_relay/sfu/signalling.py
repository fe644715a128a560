"""Transport-agnostic signalling: JSON messages in, JSON messages out, per peer.

A ``SignallingSession`` is created per authenticated connection (WebSocket today,
Channels / WHIP later) with three callables: ``send(message)`` enqueues a message to
that peer, ``close(code, reason)`` closes that peer's connection, and
``authorize(peer, action)`` (sync or async) answers permission questions; the default
reads the token's ``perms``, the Django side will supply room mic/mute/stage rules.

Every incoming text is checked against a size limit, parsed, validated against the
declared shape of its type, and dispatched to one handler. Problems become an error
message to that peer only: ``{"type": "error", "code", "message", "extra", "ref"}``;
nothing a peer sends can disturb other peers' media. See docs/media_relay.md.
"""

from __future__ import annotations

import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import RelayError, RelayErrorCode
from .actions import Action
from .cascade import PipeOut, is_pipe_peer, pipe_out_open, pipe_out_reply
from .participants import PUBLISH, SUBSCRIBE, describe_offer

if TYPE_CHECKING:
    from .participants import Participant
    from .relay import Relay

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeerInfo:
    peer_id: str
    room: str
    name: str = ""
    permissions: frozenset[str] = field(default_factory=frozenset)
    session: str = ""  # the Django session's fingerprint (tokens.session_fingerprint), "" if none


Authorize = Callable[[PeerInfo, str], bool | Awaitable[bool]]


def token_authorizer(peer: PeerInfo, action: str) -> bool:
    """Default rule: an action is allowed if the token listed it."""
    return action in peer.permissions


# ------------------------------------------------------------------ declared shapes


@dataclass(frozen=True)
class Field:
    kind: type | tuple[type, ...]
    required: bool = True
    max_length: int | None = None  # str: characters; list: items
    choices: tuple[Any, ...] | None = None
    nullable: bool = False
    item_max_length: int | None = None  # list of str


ID = Field(str, max_length=64)
SDP = Field(str, max_length=100_000)

SHAPES: dict[str, dict[str, Field]] = {
    "join": {"room": Field(str, max_length=128)},
    "produce": {"sdp": SDP},
    "consume": {"producer_ids": Field(list, max_length=32, item_max_length=64)},
    "answer": {"sdp": SDP, "pc": Field(str, required=False, choices=(SUBSCRIBE,))},
    "ice": {
        "pc": Field(str, choices=(PUBLISH, SUBSCRIBE)),
        "candidate": Field(str, required=False, max_length=1024, nullable=True),
        "sdpMid": Field(str, required=False, max_length=32, nullable=True),
        "sdpMLineIndex": Field(int, required=False, nullable=True),
    },
    "mute": {
        "muted": Field(bool),
        "peer_id": Field(str, required=False, max_length=64),
        "kind": Field(str, required=False, choices=("audio", "video")),
        "producer_id": Field(str, required=False, max_length=64),
    },
    "kick": {"peer_id": ID, "reason": Field(str, required=False, max_length=200)},
    "close_producer": {"producer_id": ID},
    "leave": {},
    "ping": {"t": Field((int, float), required=False)},
    # P2P-first 1:1 calls: an opaque payload (offer / answer / bye) to one peer of the same room
    "p2p.signal": {"to": ID, "data": Field(dict)},
    # cascading: another relay worker opens a pipe of the room's producers (media_relay.sfu.cascade)
    "pipe": {"room": Field(str, max_length=128), "address": Field(list, max_length=2),
             "nonce": Field(str, max_length=64)},
}


def validate(message_type: str, message: dict[str, Any]) -> dict[str, str]:
    """Field problems of a message against its declared shape ({} when it is fine)."""
    shape = SHAPES[message_type]
    problems: dict[str, str] = {}
    for name in message:
        if name not in shape and name not in ("type", "ref"):
            problems[name] = "unexpected"
    for name, spec in shape.items():
        if name not in message:
            if spec.required:
                problems[name] = "required"
            continue
        value = message[name]
        if value is None:
            if not spec.nullable:
                problems[name] = "must not be null"
            continue
        kinds = spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)
        if isinstance(value, bool) and bool not in kinds:
            problems[name] = "wrong type"  # JSON true is not a number here
            continue
        if not isinstance(value, spec.kind):
            problems[name] = "wrong type"
            continue
        if spec.max_length is not None and isinstance(value, (str, list)) and len(value) > spec.max_length:
            problems[name] = f"longer than {spec.max_length}"
            continue
        if spec.choices is not None and value not in spec.choices:
            problems[name] = f"one of {list(spec.choices)}"
            continue
        if isinstance(value, list) and spec.item_max_length is not None:
            if not value or not all(isinstance(v, str) and 0 < len(v) <= spec.item_max_length for v in value):
                problems[name] = "a non-empty list of ids"
    return problems


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self.tokens = float(burst)
        self.updated = clock()

    def take(self) -> bool:
        now = self._clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class SignallingSession:
    """One peer's signalling conversation with the relay."""

    CLOSE_RATE_LIMIT = 4429
    MAX_RATE_VIOLATIONS = 50

    def __init__(
        self,
        *,
        relay: Relay,
        peer: PeerInfo,
        send: Callable[[dict[str, Any]], None],
        close: Callable[[int, str], None],
        authorize: Authorize | None = None,
        secret: bytes | None = None,
    ) -> None:
        self.relay = relay
        self.config = relay.config
        self.peer = peer
        self._send = send
        self._close = close
        self._authorize = authorize or relay.authorize
        self._secret = secret  # the relay secret: keys a pipe's SRTP (None: this session serves no pipe)
        self.participant: Participant | None = None
        self.pipe: PipeOut | None = None
        self.closed = False
        self._bucket = TokenBucket(self.config.messages_per_second, self.config.message_burst)
        self._rate_violations = 0
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]] = {
            "join": self._join,
            "produce": self._produce,
            "consume": self._consume,
            "answer": self._answer,
            "ice": self._ice,
            "mute": self._mute,
            "kick": self._kick,
            "close_producer": self._close_producer,
            "leave": self._leave,
            "ping": self._ping,
            "p2p.signal": self._p2p_signal,
            "pipe": self._pipe,
        }

    # ---------------------------------------------------------------- plumbing

    def send(self, message: dict[str, Any]) -> None:
        if not self.closed:
            self._send(message)

    def close(self, code: int, reason: str) -> None:
        if not self.closed:
            self.closed = True
            self._close(code, reason)

    def _error(self, error: RelayError, ref: Any = None) -> None:
        message = error.as_message()
        if ref is not None:
            message["ref"] = ref
        self.send(message)

    async def _allowed(self, action: str) -> bool:
        result = self._authorize(self.peer, action)
        if inspect.isawaitable(result):
            result = await result
        return bool(result)

    async def _require(self, action: str) -> None:
        if not await self._allowed(action):
            raise RelayError(
                RelayErrorCode.FORBIDDEN, f"Not allowed to {action.replace('_', ' ')}.", {"action": action}
            )

    def _joined(self) -> Participant:
        if self.participant is None or self.participant.closed:
            raise RelayError(RelayErrorCode.NOT_JOINED, "Join the room first.")
        return self.participant

    # ---------------------------------------------------------------- entry points

    async def handle_text(self, text: str) -> None:
        """Handle one incoming message; never raises for anything the peer sent."""
        if self.closed:
            return
        if not self._bucket.take():
            self._rate_violations += 1
            if self._rate_violations >= self.MAX_RATE_VIOLATIONS:
                self.close(self.CLOSE_RATE_LIMIT, "rate_limited")
            else:
                self._error(
                    RelayError(
                        RelayErrorCode.RATE_LIMITED,
                        "Too many messages.",
                        {"per_second": self.config.messages_per_second},
                    )
                )
            return
        if (
            len(text) > self.config.max_message_bytes
            or len(text.encode("utf-8", "surrogatepass")) > self.config.max_message_bytes
        ):
            self._error(
                RelayError(
                    RelayErrorCode.MESSAGE_TOO_LARGE, "Message too large.", {"limit": self.config.max_message_bytes}
                )
            )
            return
        try:
            message = json.loads(text)
        except (ValueError, RecursionError):
            self._error(RelayError(RelayErrorCode.INVALID_JSON, "The message is not JSON."))
            return
        ref = message.get("ref") if isinstance(message, dict) else None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            self._error(RelayError(RelayErrorCode.INVALID_MESSAGE, "A message is an object with a string type."))
            return
        message_type = message["type"]
        handler = self._handlers.get(message_type)
        if handler is None:
            self._error(
                RelayError(
                    RelayErrorCode.UNKNOWN_TYPE,
                    f"Unknown message type {message_type[:40]!r}.",
                    {"known": sorted(self._handlers)},
                ),
                ref,
            )
            return
        problems = validate(message_type, message)
        if problems:
            self._error(RelayError(RelayErrorCode.INVALID, "Invalid fields.", {"fields": problems}), ref)
            return
        try:
            reply = await handler(message)
        except RelayError as error:
            self._error(error, ref)
            return
        if reply is not None:
            if ref is not None:
                reply["ref"] = ref
            self.send(reply)

    async def handle_disconnect(self) -> None:
        """The transport closed (goodbye or not): the peer leaves the room now."""
        self.closed = True
        if self.participant is not None:
            self.relay.leave(self.participant, reason="disconnected")
            self.participant = None
        if self.pipe is not None:
            self.pipe.router.remove_participant(self.pipe, reason="disconnected")
            self.pipe = None

    # ---------------------------------------------------------------- handlers

    async def _join(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.participant is not None:
            raise RelayError(RelayErrorCode.ALREADY_JOINED, "Already in the room.")
        if message["room"] != self.peer.room:
            raise RelayError(RelayErrorCode.ROOM_MISMATCH, "The token was issued for another room.")
        await self._require(Action.JOIN)
        self.participant = self.relay.join(self.peer, send=self.send, disconnect=self.close)
        snapshot = self.participant.router.snapshot()
        return {
            "type": "joined",
            "room": self.peer.room,
            "peer_id": self.peer.peer_id,
            "peers": [p for p in snapshot["peers"] if p["peer_id"] != self.peer.peer_id],
            "producers": [p for p in snapshot["producers"] if p["peer_id"] != self.peer.peer_id],
            "dominant_speaker": self.participant.router.dominant_speaker(),
        }

    async def _produce(self, message: dict[str, Any]) -> dict[str, Any]:
        participant = self._joined()
        sections = describe_offer(message["sdp"], max_chars=self.config.max_sdp_chars)
        for kind in sorted({kind for _, kind, direction in sections if direction in ("sendonly", "sendrecv")}):
            action = Action.PUBLISH_AUDIO if kind == "audio" else Action.PUBLISH_VIDEO
            await self._require(action)
            if self.relay.cascade is not None and participant.router.room_id in self.relay.cascade.pipes:
                # an edge only serves viewers: a publisher needs a new token, which places it on the origin
                raise RelayError(RelayErrorCode.FORBIDDEN, "Publish on the room's origin worker (ask for a new token).",
                                 {"action": action.value, "edge": True})
        return await participant.publish(message["sdp"], sections)

    async def _consume(self, message: dict[str, Any]) -> dict[str, Any] | None:
        participant = self._joined()
        await self._require(Action.SUBSCRIBE)
        router = participant.router
        producers = []
        for producer_id in dict.fromkeys(message["producer_ids"]):
            producer = router.producers.get(producer_id)
            if producer is None or producer.closed:
                raise RelayError(
                    RelayErrorCode.PRODUCER_NOT_FOUND, "No such producer in this room.", {"producer_id": producer_id}
                )
            producers.append(producer)
        consumers = await participant.subscribe(producers)
        # the offer (with the consumers) was sent by subscribe(); if it was queued behind
        # an outstanding offer, it follows that offer's answer
        return {"type": "ok", "for": "consume", "queued": not consumers and bool(producers)}

    async def _answer(self, message: dict[str, Any]) -> dict[str, Any]:
        participant = self._joined()
        await participant.apply_answer(message["sdp"])
        return {"type": "ok", "for": "answer"}

    async def _ice(self, message: dict[str, Any]) -> None:
        participant = self._joined()
        await participant.add_ice_candidate(
            message["pc"], message.get("candidate"), message.get("sdpMid"), message.get("sdpMLineIndex")
        )
        return None

    async def _mute(self, message: dict[str, Any]) -> dict[str, Any]:
        participant = self._joined()
        router = participant.router
        muted: bool = message["muted"]
        target_id = message.get("peer_id") or participant.id
        if target_id != participant.id:
            await self._require(Action.MUTE_OTHERS)
            target = router.participants.get(target_id)
            if target is None:
                raise RelayError(RelayErrorCode.PEER_NOT_FOUND, "No such peer in this room.", {"peer_id": target_id})
            kinds = {message["kind"]} if message.get("kind") else {"audio", "video"}
            if muted:
                target.moderator_muted |= kinds
            else:
                target.moderator_muted -= kinds
            changed = [
                p.id
                for p in list(target.producers.values())
                if p.kind in kinds and router.set_producer_paused(p, paused=muted, by="moderator")
            ]
            return {"type": "ok", "for": "mute", "peer_id": target_id, "muted": muted, "producers": changed}
        producers = list(participant.producers.values())
        if message.get("producer_id"):
            producers = [p for p in producers if p.id == message["producer_id"]]
            if not producers:
                raise RelayError(
                    RelayErrorCode.PRODUCER_NOT_FOUND,
                    "No such producer of yours.",
                    {"producer_id": message["producer_id"]},
                )
        if message.get("kind"):
            producers = [p for p in producers if p.kind == message["kind"]]
        if not muted and any(p.paused_by_moderator for p in producers):
            raise RelayError(RelayErrorCode.MUTED_BY_MODERATOR, "A moderator muted you.")
        changed = [p.id for p in producers if router.set_producer_paused(p, paused=muted, by="owner")]
        return {"type": "ok", "for": "mute", "peer_id": participant.id, "muted": muted, "producers": changed}

    async def _kick(self, message: dict[str, Any]) -> dict[str, Any]:
        participant = self._joined()
        await self._require(Action.KICK)
        if not self.relay.kick(
            participant.router.room_id, message["peer_id"], reason=message.get("reason") or "kicked"
        ):
            raise RelayError(
                RelayErrorCode.PEER_NOT_FOUND, "No such peer in this room.", {"peer_id": message["peer_id"]}
            )
        return {"type": "ok", "for": "kick", "peer_id": message["peer_id"]}

    async def _close_producer(self, message: dict[str, Any]) -> dict[str, Any]:
        participant = self._joined()
        producer = participant.producers.get(message["producer_id"])
        if producer is None:
            raise RelayError(
                RelayErrorCode.PRODUCER_NOT_FOUND, "No such producer of yours.", {"producer_id": message["producer_id"]}
            )
        participant.router.close_producer(producer, reason="closed")
        return {"type": "ok", "for": "close_producer", "producer_id": producer.id}

    async def _leave(self, message: dict[str, Any]) -> None:
        if self.participant is not None:
            self.relay.leave(self.participant, reason="left")
            self.participant = None
        self.send({"type": "ok", "for": "leave"})
        self.close(1000, "left")
        return None

    async def _ping(self, message: dict[str, Any]) -> dict[str, Any]:
        return {"type": "pong", "t": message.get("t"), "server_time": int(time.time() * 1000)}

    # ---------------------------------------------------------------- P2P-first 1:1 calls

    MAX_P2P_SIGNAL_BYTES = 32 * 1024  # an SDP with its candidates fits; anything bigger is not signalling

    async def _p2p_signal(self, message: dict[str, Any]) -> None:
        """Forward ``data`` to one other peer of our room, as ``p2p.signal`` {from, data}.

        The relay only carries it (rate-limited like every message): the two browsers then
        talk directly, and fall back to the relay if that does not come up.
        """
        participant = self._joined()
        size = len(json.dumps(message["data"], separators=(",", ":")).encode())
        if size > self.MAX_P2P_SIGNAL_BYTES:
            raise RelayError(
                RelayErrorCode.MESSAGE_TOO_LARGE, "P2P signal too large.", {"limit": self.MAX_P2P_SIGNAL_BYTES}
            )
        target = participant.router.participants.get(message["to"])
        if target is None or target is participant or target.closed:
            raise RelayError(RelayErrorCode.PEER_NOT_FOUND, "No such peer in this room.", {"peer_id": message["to"]})
        target.send({"type": "p2p.signal", "from": participant.id, "data": message["data"]})
        return None

    # ---------------------------------------------------------------- cascading

    async def _pipe(self, message: dict[str, Any]) -> dict[str, Any]:
        """Another worker (an edge) pulls this room's producers: a token of its own, signed with the
        relay secret, names a pipe peer with the ``pipe`` permission (never in a platform grant)."""
        if self.participant is not None or self.pipe is not None:
            raise RelayError(RelayErrorCode.ALREADY_JOINED, "Already in the room.")
        if message["room"] != self.peer.room:
            raise RelayError(RelayErrorCode.ROOM_MISMATCH, "The token was issued for another room.")
        if not is_pipe_peer(self.peer.peer_id) or Action.PIPE not in self.peer.permissions or self._secret is None:
            raise RelayError(RelayErrorCode.FORBIDDEN, "Not allowed to pipe.", {"action": Action.PIPE.value})
        self.pipe = await pipe_out_open(
            self.relay, peer_id=self.peer.peer_id, room=self.peer.room, address=message["address"],
            edge_nonce=message["nonce"], secret=self._secret, host=self.config.pipe_host, send=self.send,
            disconnect=self.close,
        )
        return pipe_out_reply(self.pipe)
