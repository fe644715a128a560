"""WHIP (publish, RFC 9725) and WHEP (play) on the relay worker: HTTP (aiohttp) on its own port.

The worker's signalling server (media_relay.sfu.server, ``websockets``) speaks only WebSocket
upgrades, so the worker serves these on a second port, ``MEDIA_RELAY_HTTP_PORT``
(``run_relay --http-port``). Both paths go through the same ``Relay`` as the signalling:
a WHIP publisher is a participant whose offer goes to ``Participant.publish`` (its
producers are announced with ``media_relay.producer added`` and consumed by WebSocket
subscribers as usual); a WHEP player is a participant whose recvonly offer goes to
``Participant.subscribe_answering``: each receiving m-line becomes a slot that plays the
producer of its kind the rule below prefers, now or when one appears, and the next one when
it closes (WHEP has no server-initiated renegotiation: the relay works within the m-lines the
player offered). No trickle ICE: aiortc puts its candidates in the answer, so ``PATCH`` is 405.

Which producer a WHEP player plays (``play_preferred``): the WHIP publisher's (peer id
``<user id>~whip``, selectors.whip_peer_id), else the oldest of that kind; a player offering
n m-lines of a kind plays the n first in that order. A slot keeps its producer while it stays
among those, so it changes only when that producer closes or a WHIP publisher goes live.

    POST   /whip/<room>              Authorization: Bearer <stream key>   offer → 201 answer, Location
    POST   /whep/<room>              Authorization: Bearer <relay token>  recvonly offer → 201 answer, Location
    DELETE /whip|whep/<room>/<id>    ends the session (the resource URL is an unguessable capability)
    OPTIONS *                        CORS preflight (any origin: bearer auth, no cookies)

Errors carry the one error shape ``{"code", "message", "extra"}`` (media_relay.errors).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiohttp import web

from ..errors import RelayError, RelayErrorCode
from .actions import Action
from .participants import Participant, describe_offer
from .peers import PEER_SUFFIX_SEPARATOR, is_whip_peer
from .relay import Relay
from .router import Producer
from .signalling import PeerInfo
from .tokens import TokenError, verify_token

logger = logging.getLogger(__name__)

WHIP, WHEP = "whip", "whep"
SDP_TYPE = "application/sdp"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match",
    "Access-Control-Expose-Headers": "Location, Link, ETag, Accept-Patch",
    "Access-Control-Max-Age": "86400",
}
STATUS = {
    RelayErrorCode.INVALID: 400,
    RelayErrorCode.INVALID_SDP: 400,
    RelayErrorCode.UNSUPPORTED_CODEC: 400,
    RelayErrorCode.UNAUTHORIZED: 401,
    RelayErrorCode.FORBIDDEN: 403,
    RelayErrorCode.ROOM_MISMATCH: 403,
    RelayErrorCode.NOT_FOUND: 404,
    RelayErrorCode.NEGOTIATION_PENDING: 409,
    RelayErrorCode.TOO_MANY: 409,
    RelayErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    RelayErrorCode.ROOM_FULL: 503,
}

StreamKeyCheck = Callable[[str], Awaitable[PeerInfo]]  # raises RelayError(UNAUTHORIZED)


async def no_stream_keys(key: str) -> PeerInfo:
    """``run_relay --standalone`` has no database: WHIP refuses every key."""
    raise RelayError(RelayErrorCode.UNAUTHORIZED, "This worker accepts no stream keys.")


def error_response(error: RelayError, *, status: int | None = None, headers: dict | None = None) -> web.Response:
    body = {"code": str(error.code), "message": error.message, "extra": error.extra}
    return web.json_response(body, status=status or STATUS.get(error.code, 400), headers=headers)


@web.middleware
async def cors_and_errors(request: web.Request, handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except RelayError as error:
        response = error_response(
            error, headers={"WWW-Authenticate": "Bearer"} if error.code == RelayErrorCode.UNAUTHORIZED else None
        )
    except web.HTTPException as exc:  # the router's own: unknown path (404), method (405)
        code = RelayErrorCode.NOT_FOUND if exc.status == 404 else RelayErrorCode.INVALID
        allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        response = error_response(RelayError(code, exc.reason), status=exc.status, headers=allow)
    response.headers.update(CORS_HEADERS)
    return response


def producers_by_preference(producers: Iterable[Producer]) -> list[Producer]:
    """The live ``producers`` in the order a WHEP player prefers them: the WHIP publisher's first,
    then the others oldest first (a router keeps its producers in the order they were added)."""
    return sorted((p for p in producers if not p.closed), key=lambda p: not is_whip_peer(p.peer.id))


def play_preferred(participant: Participant) -> None:
    """Make a WHEP player's slots play the producers it prefers (``producers_by_preference``): the
    slots of a kind play the first of that kind they can play, one each. A slot playing one of
    those keeps it; the others take the first not played yet, continuing their numbering."""
    ranked = producers_by_preference(participant.router.producers.values())
    for kind in ("audio", "video"):
        slots = [s for s in participant.slots if s.kind == kind]
        candidates = [p for p in ranked if p.kind == kind]
        wanted = candidates[: len(slots)]
        free = [s for s in slots if s.producer not in wanted]
        for producer in candidates:
            if not free:
                break
            if any(s.producer is producer for s in slots if s not in free):
                continue
            slot = next((s for s in free if s.producer is producer), None) or next(
                (s for s in free if participant.can_play(s, producer)), None
            )
            if slot is not None:
                free.remove(slot)
                participant.play_on(slot, producer)


@dataclass
class HttpSession:
    kind: str  # WHIP or WHEP
    room: str
    participant: Participant
    is_answered: bool = False
    is_play_due: bool = False  # WHEP: play_preferred is scheduled


class WhipServer:
    def __init__(
        self,
        relay: Relay,
        *,
        secret: bytes,
        stream_key_peer: StreamKeyCheck = no_stream_keys,
        host: str | None = None,
        port: int = 0,
        metrics: Callable[[web.Request], Awaitable[web.Response]] | None = None,
    ) -> None:
        self.relay = relay
        self.metrics = metrics  # GET /metrics (media_relay.relay_metrics, given by run_relay)
        self.config = relay.config
        self.secret = secret
        self.stream_key_peer = stream_key_peer
        self.host = host or self.config.host
        self.port = port
        self.sessions: dict[str, HttpSession] = {}  # resource id -> session
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application(middlewares=[cors_and_errors], client_max_size=self.config.max_sdp_chars * 4)
        app.router.add_post("/whip/{room}", self.publish)
        app.router.add_post("/whep/{room}", self.play)
        app.router.add_delete("/{kind:whip|whep}/{room}/{resource}", self.end)
        app.router.add_patch("/{kind:whip|whep}/{room}/{resource}", self.patch)
        app.router.add_route("OPTIONS", "/{tail:.*}", self.preflight)
        app.router.add_get("/healthz", self.healthz)
        if self.metrics is not None:
            app.router.add_get("/metrics", self.metrics)
        return app

    async def healthz(self, request: web.Request) -> web.Response:
        """The relay worker's liveness for compose and load balancers: its event loop answers."""
        return web.Response(text="ok")

    async def start(self) -> int:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        logger.info("media relay WHIP/WHEP on http://%s:%d/", self.host, self.port)
        return self.port

    async def close(self) -> None:
        for resource in list(self.sessions):
            self._end(resource, reason="shutting_down")
        if self._runner is not None:
            await self._runner.cleanup()

    # ---------------------------------------------------------------- endpoints

    async def publish(self, request: web.Request) -> web.Response:
        """WHIP: the stream key's holder publishes audio and video. Both need the holder's live
        ``publish_audio`` right (the room microphone rules): a stream key is the leader's licence
        to add video, which no browser member has yet."""
        offer, sections, key = await self._read_offer(request)
        peer = await self.stream_key_peer(key)
        self._check_room(request, peer)
        if not any(direction in ("sendonly", "sendrecv") for _, _, direction in sections):
            raise RelayError(RelayErrorCode.INVALID_SDP, "The offer sends no media.")
        await self._require(peer, Action.JOIN, Action.PUBLISH_AUDIO)
        resource, participant = self._join(WHIP, peer)
        answer = await self._negotiate(resource, participant.publish(offer, sections))
        return self._created(request, resource, answer["sdp"])

    async def play(self, request: web.Request) -> web.Response:
        """WHEP: a member with the platform's relay token plays the room's current producers."""
        offer, sections, token = await self._read_offer(request)
        try:
            claims = verify_token(token, secret=self.secret)
        except TokenError as exc:
            raise RelayError(RelayErrorCode.UNAUTHORIZED, f"Invalid token: {exc}.") from None
        resource = secrets.token_urlsafe(16)
        peer = PeerInfo(
            peer_id=f"{claims.peer}{PEER_SUFFIX_SEPARATOR}{WHEP}-{resource[:8]}",
            room=claims.room,
            name=claims.name,
            permissions=claims.perms,
            session=claims.session,
        )
        self._check_room(request, peer)
        await self._require(peer, Action.JOIN, Action.SUBSCRIBE)
        resource, participant = self._join(WHEP, peer, resource)
        producers = producers_by_preference(participant.router.producers.values())
        answer, _ = await self._negotiate(resource, participant.subscribe_answering(offer, sections, producers))
        session = self.sessions.get(resource)
        if session is not None:
            session.is_answered = True
            play_preferred(participant)  # producers added or closed while negotiating
        return self._created(request, resource, answer)

    async def end(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.match_info["resource"])
        if session is None or session.kind != request.match_info["kind"] or session.room != request.match_info["room"]:
            raise RelayError(RelayErrorCode.NOT_FOUND, "No such session.")
        self._end(request.match_info["resource"], reason="left")
        return web.Response(status=200)

    async def patch(self, request: web.Request) -> web.Response:
        # RFC 9725 4.3.1: a session without trickle ICE or ICE restarts answers PATCH with 405
        return error_response(
            RelayError(RelayErrorCode.INVALID, "No trickle ICE: the answer holds every candidate."),
            status=405,
            headers={"Allow": "DELETE, OPTIONS"},
        )

    async def preflight(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers={"Accept-Post": SDP_TYPE})

    # ---------------------------------------------------------------- steps

    async def _read_offer(self, request: web.Request) -> tuple[str, list[tuple[str, str, str]], str]:
        auth = request.headers.get("Authorization", "")
        credential = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not credential:
            raise RelayError(RelayErrorCode.UNAUTHORIZED, "Bearer token required.")
        if request.content_type != SDP_TYPE:
            raise RelayError(RelayErrorCode.UNSUPPORTED_MEDIA_TYPE, f"The body must be {SDP_TYPE}.")
        offer = await request.text()
        return offer, describe_offer(offer, max_chars=self.config.max_sdp_chars), credential

    @staticmethod
    def _check_room(request: web.Request, peer: PeerInfo) -> None:
        if request.match_info["room"] != peer.room:
            raise RelayError(RelayErrorCode.ROOM_MISMATCH, "The credential was issued for another room.")

    async def _require(self, peer: PeerInfo, *actions: str) -> None:
        for action in actions:
            allowed = self.relay.authorize(peer, action)
            if not (await allowed if inspect.isawaitable(allowed) else allowed):
                raise RelayError(
                    RelayErrorCode.FORBIDDEN, f"Not allowed to {action.replace('_', ' ')}.", {"action": action}
                )

    def _join(self, kind: str, peer: PeerInfo, resource: str | None = None) -> tuple[str, Participant]:
        resource = resource or secrets.token_urlsafe(16)

        def disconnect(code: int, reason: str) -> None:  # kicked, replaced, media lost: the resource is gone
            self.sessions.pop(resource, None)

        def send(message: dict) -> None:  # the room's events, as a WebSocket member gets them
            if (
                kind == WHEP
                and message.get("type") == "media_relay.producer"
                and message.get("op") in ("added", "closed")
            ):
                self._play_preferred_soon(resource)

        participant = self.relay.join(peer, send=send, disconnect=disconnect)
        self.sessions[resource] = HttpSession(kind=kind, room=peer.room, participant=participant)
        return resource, participant

    async def _negotiate(self, resource: str, negotiation: Awaitable):
        try:
            return await negotiation
        except RelayError:
            self._end(resource, reason="rejected")
            raise

    def _play_preferred_soon(self, resource: str) -> None:
        """Run ``play_preferred`` for a WHEP session once the router is done with the change at hand:
        the event comes from inside Router.add_producer / close_producer (a leaving publisher's other
        producers are still open), and a burst of events makes one pass."""
        session = self.sessions.get(resource)
        if session is None or session.is_play_due:
            return
        session.is_play_due = True
        asyncio.get_running_loop().call_soon(self._play_preferred, resource)

    def _play_preferred(self, resource: str) -> None:
        session = self.sessions.get(resource)
        if session is None:
            return
        session.is_play_due = False
        if session.is_answered and not session.participant.closed:
            play_preferred(session.participant)

    def _end(self, resource: str, *, reason: str) -> None:
        session = self.sessions.pop(resource, None)
        if session is not None:
            self.relay.leave(session.participant, reason=reason)

    @staticmethod
    def _created(request: web.Request, resource: str, sdp: str) -> web.Response:
        return web.Response(
            status=201,
            body=sdp.encode(),
            content_type=SDP_TYPE,
            headers={"Location": f"{request.path.rstrip('/')}/{resource}"},
        )
