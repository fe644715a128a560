"""A relay worker's rooms: one Router per room, created on first join, closed when empty.

One worker is one asyncio event loop on one core (see docs/media_relay.md for the
scale-out plan). This object is what every front door talks to: the WebSocket
endpoint of ``manage.py run_relay`` today, Channels / WHIP / WHEP and the platform's
control plane (kick, mute) later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from ..errors import RelayError, RelayErrorCode
from . import hooks
from .conf import RelayConfig
from .egress import PartFile, RoomRecorder
from .hls import HlsEgress
from .participants import Participant
from .router import Router
from .signalling import Authorize, PeerInfo, token_authorizer

logger = logging.getLogger(__name__)


class Relay:
    def __init__(
        self, config: RelayConfig | None = None, *, authorize: Authorize = token_authorizer, clock=time.monotonic
    ) -> None:
        hooks.check_compatibility()
        self.config = config or RelayConfig()
        self.authorize = authorize
        self.clock = clock
        self.rooms: dict[str, Router] = {}
        self._closing: set[asyncio.Task] = set()
        # The platform's hooks (media_relay.platform): a room starts / stops being hosted here.
        self.on_room_opened: Callable[[str], None] | None = None
        self.on_room_closed: Callable[[str], None] | None = None
        # Recording egress (media_relay.sfu.egress): rooms being recorded (their recorders' tags), and what
        # takes each finished part (called in a thread with room=, tag=, part=; run_relay plugs in
        # media_relay.platform.recording_hand_off).
        self.recordings: dict[str, RoomRecorder] = {}
        self.on_recording_part: Callable[..., Any] | None = None
        # HLS egress (media_relay.sfu.hls): rooms written as HLS, and where the files go (called on the
        # writer thread: on_hls_write(room=, tag=, session=, name=, data=), on_hls_event(room=, tag=,
        # session=, op=); run_relay plugs in media_relay.hls_output's storage writer and session records).
        self.hls: dict[str, HlsEgress] = {}
        self.on_hls_write: Callable[..., Any] | None = None
        self.on_hls_event: Callable[..., Any] | None = None
        # Cascading (media_relay.sfu.cascade.Cascade, set by run_relay with a registry): rooms whose
        # origin is another worker become edge rooms fed by a pipe.
        self.cascade = None

    def router_for(self, room_id: str) -> Router:
        router = self.rooms.get(room_id)
        if router is None:
            router = self.rooms[room_id] = Router(
                room_id, config=self.config, clock=self.clock, on_empty=self._room_empty
            )
            router.start()
            if self.cascade is not None:
                self.cascade.room_opened(router)
            if self.on_room_opened is not None:
                self.on_room_opened(room_id)
        return router

    def _room_empty(self, router: Router) -> None:
        if self.rooms.get(router.room_id) is router:
            del self.rooms[router.room_id]
            self._spawn(router.close())
            if self.cascade is not None:
                self.cascade.room_closed(router.room_id)
            if self.on_room_closed is not None:
                self.on_room_closed(router.room_id)
            self.stop_recording(router.room_id)
            self.stop_hls(router.room_id)

    def _spawn(self, coro) -> asyncio.Task:
        """Run in the background; ``close()`` waits for it."""
        task = asyncio.get_running_loop().create_task(coro)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
        return task

    def join(
        self, peer: PeerInfo, *, send: Callable[[dict[str, Any]], None], disconnect: Callable[[int, str], None]
    ) -> Participant:
        router = self.router_for(peer.room)
        existing = router.participants.get(peer.peer_id)
        if existing is not None:
            # the same user joined again (reload, second tab): the newest connection wins
            existing.disconnect(4409, "replaced")
            router.remove_participant(existing, reason="replaced")
            router = self.router_for(peer.room)
        if len(router.participants) >= self.config.max_room_peers:
            raise RelayError(RelayErrorCode.ROOM_FULL, "The room is full.", {"limit": self.config.max_room_peers})
        participant = Participant(
            router=router, peer_id=peer.peer_id, name=peer.name, send=send, disconnect=disconnect, clock=self.clock
        )
        router.add_participant(participant)
        return participant

    def leave(self, participant: Participant, *, reason: str) -> None:
        participant.router.remove_participant(participant, reason=reason)

    def kick(self, room_id: str, peer_id: str, *, reason: str = "kicked") -> bool:
        """Remove a peer now: its media stops being forwarded before this returns."""
        return self._remove(room_id, peer_id, reason=reason, code=4403, close_reason="kicked")

    def close_room(self, room_id: str, *, reason: str = "room_closed") -> int:
        """The platform closed the room: every peer gets ``kicked`` {reason} and close 4410."""
        router = self.rooms.get(room_id)
        peer_ids = list(router.participants) if router else []
        for peer_id in peer_ids:
            self._remove(room_id, peer_id, reason=reason, code=4410, close_reason="room_closed")
        return len(peer_ids)

    def _remove(self, room_id: str, peer_id: str, *, reason: str, code: int, close_reason: str) -> bool:
        router = self.rooms.get(room_id)
        participant = router.participants.get(peer_id) if router else None
        if participant is None:
            return False
        participant.send({"type": "kicked", "reason": reason})
        participant.disconnect(code, close_reason)
        router.remove_participant(participant, reason=close_reason)
        return True

    def mute(self, room_id: str, peer_id: str, *, kind: str = "audio", muted: bool = True) -> bool:
        """Moderator mute from the platform's control plane (same effect as the message)."""
        router = self.rooms.get(room_id)
        participant = router.participants.get(peer_id) if router else None
        if participant is None:
            return False
        if muted:
            participant.moderator_muted.add(kind)
        else:
            participant.moderator_muted.discard(kind)
        for producer in list(participant.producers.values()):
            if producer.kind == kind:
                router.set_producer_paused(producer, paused=muted, by="moderator")
        return True

    # ---------------------------------------------------------------- recording

    def start_recording(self, room_id: str, *, directory: str, tag: str | None = None) -> RoomRecorder:
        """Record the room into WebM parts under ``directory``, by stream copy; ``tag`` travels with
        every part to the hand-off (the platform's Recording id)."""
        router = self.rooms.get(room_id)
        if router is None:
            raise LookupError(f"room {room_id} is not hosted on this worker")
        if room_id in self.recordings:
            raise ValueError(f"room {room_id} is already being recorded")

        async def hand_off(part: PartFile) -> None:
            if self.on_recording_part is not None:
                await asyncio.to_thread(self.on_recording_part, room=room_id, tag=tag, part=part)

        recorder = self.recordings[room_id] = RoomRecorder(router, directory=directory, tag=tag, on_part=hand_off)
        recorder.start()
        return recorder

    def stop_recording(self, room_id: str) -> asyncio.Future:
        """Stop recording the room now (a new recording may start at once); the returned future
        is done when its last part was handed off."""
        recorder = self.recordings.pop(room_id, None)
        if recorder is None:
            done = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        return self._spawn(recorder.stop())

    # ---------------------------------------------------------------- HLS

    def start_hls(self, room_id: str, *, tag: str | None = None) -> HlsEgress:
        """Write the room as HLS (``on_hls_write``) until ``stop_hls`` or the room empties; ``tag`` travels
        with every file and event (the platform's HlsOutput id). Idempotent for the same tag."""
        router = self.rooms.get(room_id)
        if router is None:
            raise LookupError(f"room {room_id} is not hosted on this worker")
        egress = self.hls.get(room_id)
        if egress is not None:
            if egress.tag == tag:
                return egress
            raise ValueError(f"room {room_id} is already written as HLS")

        def write(session: str, name: str, data: bytes) -> None:
            if self.on_hls_write is not None:
                self.on_hls_write(room=room_id, tag=tag, session=session, name=name, data=data)

        def on_event(session: str, op: str) -> None:
            if self.on_hls_event is not None:
                self.on_hls_event(room=room_id, tag=tag, session=session, op=op)

        egress = self.hls[room_id] = HlsEgress(router, write=write, on_event=on_event, tag=tag)
        egress.start()
        return egress

    def stop_hls(self, room_id: str) -> asyncio.Future:
        """Stop writing the room as HLS; the returned future is done when its playlists are final."""
        egress = self.hls.pop(room_id, None)
        if egress is None:
            done = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        return self._spawn(egress.stop())

    async def close(self) -> None:
        if self.cascade is not None:
            await self.cascade.close()
        for room_id in list(self.recordings):
            await self.stop_recording(room_id)
        for room_id in list(self.hls):
            await self.stop_hls(room_id)
        for router in list(self.rooms.values()):
            await router.close()
        self.rooms.clear()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def stats(self) -> dict[str, Any]:
        return {"rooms": [router.stats() for router in self.rooms.values()]}
