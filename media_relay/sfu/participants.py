"""A participant's WebRTC side: a publish connection and a subscribe connection.

Each participant has up to two RTCPeerConnections with the relay (the model LiveKit
uses): the **publish** connection, where the participant offers and the relay answers
(one producer per sending m-line), and the **subscribe** connection, where the relay
offers (one sendonly m-line per consumer) and the participant answers. Each side only
ever has one offerer, so there is no glare, and adding a consumer never disturbs what
the participant publishes. Both are max-bundle: one ICE/DTLS transport each.

Only Opus audio and VP8 / H.264 (packetization-mode 1) video are accepted: the relay
pre-creates the receiving transceivers with those codec preferences (public API), so
the answer never offers anything else.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, RTCSessionDescription
from aiortc.rtcconfiguration import RTCBundlePolicy
from aiortc.sdp import SessionDescription, candidate_from_sdp

from ..errors import RelayError, RelayErrorCode
from . import hooks
from .candidates import candidate_address, is_private_address, without_private_candidates
from .router import AUDIO_CODECS, VIDEO_CODECS, Consumer, Producer

if TYPE_CHECKING:
    from .router import Router

logger = logging.getLogger(__name__)

PUBLISH, SUBSCRIBE = "publish", "subscribe"


def _capabilities(kind: str, names: set[str]) -> list:
    return [c for c in RTCRtpReceiver.getCapabilities(kind).codecs if c.name.lower() in names]


def describe_offer(sdp: str, *, max_chars: int) -> list[tuple[str, str, str]]:
    """Parse a publisher's offer without touching any connection: [(mid, kind, direction)].

    Raises RelayError(invalid_sdp / unsupported_codec) for anything the relay would
    not accept, so a bad offer never reaches the peer connection.
    """
    if len(sdp) > max_chars:
        raise RelayError(RelayErrorCode.INVALID_SDP, "SDP too long.", {"limit": max_chars})
    if not sdp.startswith("v=0"):
        raise RelayError(RelayErrorCode.INVALID_SDP, "SDP must start with v=0.")
    try:
        parsed = SessionDescription.parse(sdp)
    except Exception as exc:  # noqa: BLE001 - untrusted text into a third-party parser that raises
        # anything (ValueError, IndexError, KeyError, AssertionError...): this peer gets an error
        raise RelayError(RelayErrorCode.INVALID_SDP, f"Malformed SDP: {type(exc).__name__}.") from None
    if not parsed.media:
        raise RelayError(RelayErrorCode.INVALID_SDP, "SDP has no media section.")
    described = []
    for media in parsed.media:
        if media.kind not in ("audio", "video"):
            raise RelayError(RelayErrorCode.INVALID_SDP, f"Unsupported media kind {media.kind!r}.")
        if media.dtls is None or media.ice is None or not media.rtp.muxId:
            raise RelayError(RelayErrorCode.INVALID_SDP, "Each media section needs ICE, DTLS and a mid.")
        names = AUDIO_CODECS if media.kind == "audio" else VIDEO_CODECS
        if not any(c.name.lower() in names for c in media.rtp.codecs):
            raise RelayError(
                RelayErrorCode.UNSUPPORTED_CODEC,
                f"No supported {media.kind} codec (the relay forwards {', '.join(sorted(names))}).",
                {"kind": media.kind},
            )
        described.append((media.rtp.muxId, media.kind, media.direction or "sendrecv"))
    return described


class PlayerSlot:
    """A receiving m-line of a client-offered subscribe (WHEP), answered ``sendonly`` whether or not a
    producer was there to play: it plays one producer of its kind at a time, and another can take its
    place later with no renegotiation (``Participant.play_on``). The player sees one track throughout."""

    def __init__(self, transceiver, kind: str) -> None:
        self.transceiver = transceiver
        self.kind = kind
        self.consumer: Consumer | None = None  # the current one, or the last (closed)

    @property
    def producer(self) -> Producer | None:
        """What the slot plays now (None: idle)."""
        consumer = self.consumer
        return consumer.producer if consumer is not None and not consumer.closed else None

    async def on_feedback(self, kind: str, lost: list[int]) -> None:
        """The player's RTCP for this m-line (installed once: consumers come and go)."""
        consumer = self.consumer
        if consumer is not None:
            await consumer.on_feedback(kind, lost)


class Participant:
    MAX_SUBSCRIBE_MLINES = 256
    hidden = False  # announced to the room (a cascading pipe's stand-in is not: media_relay.sfu.cascade)

    def __init__(
        self,
        *,
        router: Router,
        peer_id: str,
        name: str,
        send: Callable[[dict[str, Any]], None],
        disconnect: Callable[[int, str], None],
        clock=time.monotonic,
    ) -> None:
        self.router = router
        self.config = router.config
        self.id = peer_id
        self.name = name
        self.send = send  # enqueue a message to this peer (never blocks)
        self.disconnect = disconnect  # close this peer's signalling connection
        self.clock = clock
        self.pub_pc: RTCPeerConnection | None = None
        self.sub_pc: RTCPeerConnection | None = None
        self.producers: dict[str, Producer] = {}
        self.consumers: dict[str, Consumer] = {}
        self.moderator_muted: set[str] = set()  # kinds a moderator muted
        self.last_activity = clock()
        self.media_seen = False
        self.closed = False
        self._sub_lock = asyncio.Lock()
        self._offered: list[Consumer] = []  # consumers in the subscribe offer awaiting an answer
        self.slots: list[PlayerSlot] = []  # the client-offers subscribe side's m-lines (WHEP)
        self._queued: list[Producer] = []  # consume requests made while an offer was outstanding
        self._watched_transports: set[int] = set()

    # ---------------------------------------------------------------- state

    def touch(self, now: float) -> None:
        self.last_activity = now
        self.media_seen = True

    def is_moderator_muted(self, kind: str) -> bool:
        return kind in self.moderator_muted

    def consumer_closed(self, consumer: Consumer) -> None:
        """Router callback: stop offering a closed consumer's m-line (next negotiation). A player
        slot's m-line stays as it is, for the next producer (``play_on``)."""
        if consumer in self._offered:
            self._offered.remove(consumer)
        transceiver = consumer.transceiver
        if any(slot.transceiver is transceiver for slot in self.slots):
            return
        if transceiver is not None and self.sub_pc is not None and not self.closed:
            transceiver.direction = "inactive"  # takes effect with the next subscribe offer
            track = transceiver.sender.track
            if track is not None:
                track.stop()

    def consuming(self, producer: Producer) -> Consumer | None:
        return next((c for c in self.consumers.values() if c.producer is producer and not c.closed), None)

    def _new_pc(self, role: str) -> RTCPeerConnection:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState in ("failed", "closed") and not self.closed:
                logger.info("peer %s: %s connection %s", self.id, role, pc.connectionState)
                self.disconnect(4408, f"{role}_connection_{pc.connectionState}")
                self.router.remove_participant(self, reason="vanished")

        return pc

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for pc in (self.pub_pc, self.sub_pc):
            if pc is not None:
                await pc.close()

    # ---------------------------------------------------------------- publish

    async def publish(self, sdp: str, sections: list[tuple[str, str, str]]) -> dict[str, Any]:
        """Apply the participant's publish offer; returns the answer message."""
        if self.pub_pc is None:
            self.pub_pc = self._new_pc(PUBLISH)
        pc = self.pub_pc
        if pc.signalingState != "stable":
            raise RelayError(RelayErrorCode.NEGOTIATION_PENDING, "The publish connection is negotiating.")
        known_mids = {t.mid for t in pc.getTransceivers() if t.mid is not None}
        sending = [
            (mid, kind)
            for mid, kind, direction in sections
            if mid not in known_mids and direction in ("sendonly", "sendrecv")
        ]
        active = sum(1 for p in self.producers.values() if not p.closed)
        if (
            len(sections) > 2 * self.config.max_producers_per_peer
            or active + len(sending) > self.config.max_producers_per_peer
        ):
            raise RelayError(
                RelayErrorCode.TOO_MANY, "Too many producers.", {"limit": self.config.max_producers_per_peer}
            )

        # Pre-create the receiving transceivers with the only codecs we forward; the
        # offer's new m-lines bind to them in order (aiortc matches by kind, mid None).
        created = []
        for mid, kind, direction in sections:
            if mid in known_mids:
                continue
            transceiver = pc.addTransceiver(
                kind, direction="recvonly" if direction in ("sendonly", "sendrecv") else "inactive"
            )
            names = AUDIO_CODECS if kind == "audio" else VIDEO_CODECS
            preferred = _capabilities(kind, names)
            if kind == "video":
                preferred += _capabilities(kind, {"rtx"})
            transceiver.setCodecPreferences(preferred)
            created.append(transceiver)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=self._reachable(sdp), type="offer"))
            answer = await pc.createAnswer()
            await pc.setLocalDescription(answer)
        except Exception as exc:  # noqa: BLE001 - aiortc raises many types on SDP it cannot apply;
            # the connection is in an unknown state, so drop it (and its producers) for this peer only
            logger.info("peer %s: publish offer rejected: %r", self.id, exc)
            await self._reset_publish()
            raise RelayError(
                RelayErrorCode.INVALID_SDP,
                f"Could not apply the offer: {type(exc).__name__}.",
                {"pc": PUBLISH, "reset": True},
            ) from None

        # existing producers whose m-line stopped sending: unpublished
        directions = {mid: direction for mid, _, direction in sections}
        for producer in list(self.producers.values()):
            if producer.mid in directions and directions[producer.mid] in ("recvonly", "inactive"):
                self.router.close_producer(producer, reason="unpublished")

        producers = []
        for transceiver in created:
            if transceiver.mid is None or directions.get(transceiver.mid) not in ("sendonly", "sendrecv"):
                continue
            codecs = hooks.negotiated_codecs(transceiver)
            media = [c for c in codecs if c.name.lower() != "rtx"]
            if not media:
                continue
            codec = media[0]
            rtx = next(
                (
                    c.payloadType
                    for c in codecs
                    if c.name.lower() == "rtx" and c.parameters.get("apt") == codec.payloadType
                ),
                None,
            )
            producer = Producer(
                router=self.router,
                peer=self,
                kind=transceiver.kind,
                codec=codec,
                rtx_payload_type=rtx,
                mid=transceiver.mid,
            )
            producer.attach(transceiver.receiver)
            self.router.add_producer(producer)
            producers.append(producer)
        return {
            "type": "answer",
            "pc": PUBLISH,
            "sdp": pc.localDescription.sdp,
            "producers": [p.describe() | {"mid": p.mid} for p in producers],
        }

    async def _reset_publish(self) -> None:
        pc, self.pub_pc = self.pub_pc, None
        for producer in list(self.producers.values()):
            self.router.close_producer(producer, reason="publish_reset")
        if pc is not None:
            pc.remove_all_listeners()
            await pc.close()

    # ---------------------------------------------------------------- subscribe

    async def subscribe(self, producers: list[Producer]) -> list[Consumer]:
        """Create consumers for ``producers`` and send the subscribe offer (or queue the
        request behind the offer already outstanding)."""
        async with self._sub_lock:
            wanted = [p for p in producers if not p.closed and self.consuming(p) is None]
            active = sum(1 for c in self.consumers.values() if not c.closed)
            if active + len(wanted) > self.config.max_consumers_per_peer:
                raise RelayError(
                    RelayErrorCode.TOO_MANY, "Too many consumers.", {"limit": self.config.max_consumers_per_peer}
                )
            if self.sub_pc is not None and len(self.sub_pc.getTransceivers()) + len(wanted) > self.MAX_SUBSCRIBE_MLINES:
                # m-lines of closed consumers are not recycled yet (aiortc cannot): bound the SDP
                raise RelayError(
                    RelayErrorCode.TOO_MANY, "Too many media sections; rejoin.", {"limit": self.MAX_SUBSCRIBE_MLINES}
                )
            if self.sub_pc is not None and self.sub_pc.signalingState != "stable":
                self._queued.extend(p for p in wanted if p not in self._queued)
                return []
            return await self._offer(wanted)

    async def _offer(self, producers: list[Producer]) -> list[Consumer]:
        if not producers:
            return []
        if self.sub_pc is None:
            self.sub_pc = self._new_pc(SUBSCRIBE)
        pc = self.sub_pc
        consumers = [self._add_consumer(pc, producer) for producer in producers]
        offer = await pc.createOffer()
        await pc.setLocalDescription(offer)
        self._offered = consumers
        self.send(
            {
                "type": "offer",
                "pc": SUBSCRIBE,
                "sdp": pc.localDescription.sdp,
                "consumers": [c.describe() for c in consumers],
            }
        )
        return consumers

    def _add_consumer(self, pc: RTCPeerConnection, producer: Producer) -> Consumer:
        transceiver = pc.addTransceiver(hooks.ParkedTrack(producer.kind), direction="sendonly")
        transceiver.setCodecPreferences(self._consumer_codecs(producer))
        return self.router.add_consumer(Consumer(router=self.router, peer=self, producer=producer, transceiver=transceiver))

    async def subscribe_answering(
        self, sdp: str, sections: list[tuple[str, str, str]], producers: list[Producer]
    ) -> tuple[str, list[Consumer]]:
        """The client-offers variant of the subscribe side (WHEP): each receiving m-line of the
        client's offer becomes a ``PlayerSlot``, answered ``sendonly`` with every codec the relay
        forwards for its kind, and plays the next of ``producers`` of its kind (in the order given),
        if any; the other m-lines are answered inactive. Returns the answer SDP and the consumers.
        No renegotiation follows: later producers are played on the slots with ``play_on``."""
        async with self._sub_lock:
            if self.sub_pc is not None:
                raise RelayError(RelayErrorCode.NEGOTIATION_PENDING, "Already subscribed.")
            pc = self.sub_pc = self._new_pc(SUBSCRIBE)
            available = [p for p in producers if not p.closed and self.consuming(p) is None]
            for _mid, kind, direction in sections:  # pre-created in m-line order: the offer binds to them by kind
                if direction not in ("recvonly", "sendrecv"):
                    pc.addTransceiver(kind, direction="inactive")
                    continue
                producer = next((p for p in available if p.kind == kind), None)
                transceiver = pc.addTransceiver(hooks.ParkedTrack(kind), direction="sendonly")
                transceiver.setCodecPreferences(self._player_codecs(kind, producer))
                slot = PlayerSlot(transceiver, kind)
                self.slots.append(slot)
                if producer is not None:
                    available.remove(producer)
                    slot.consumer = self.router.add_consumer(
                        Consumer(router=self.router, peer=self, producer=producer, transceiver=transceiver)
                    )
            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=self._reachable(sdp), type="offer"))
                answer = await pc.createAnswer()
                await pc.setLocalDescription(answer)
            except Exception as exc:  # noqa: BLE001 - see publish()
                logger.info("peer %s: subscribe offer rejected: %r", self.id, exc)
                await self._reset_subscribe()
                raise RelayError(
                    RelayErrorCode.INVALID_SDP,
                    f"Could not apply the offer: {type(exc).__name__}.",
                    {"pc": SUBSCRIBE, "reset": True},
                ) from None
            answered, self.slots = self.slots, []
            for slot in answered:
                if slot.transceiver.currentDirection in ("sendonly", "sendrecv"):
                    self.slots.append(slot)
                    hooks.intercept_sender_rtcp(slot.transceiver.sender, slot.on_feedback)
                if slot.consumer is not None and not slot.consumer.closed:
                    self._configure(slot.consumer, slot=slot)  # closes it if its m-line does not send
            return pc.localDescription.sdp, [s.consumer for s in self.slots if s.producer is not None]

    def can_play(self, slot: PlayerSlot, producer: Producer) -> bool:
        return producer.kind == slot.kind and self._negotiated_codec(slot.transceiver, producer) is not None

    def play_on(self, slot: PlayerSlot, producer: Producer) -> Consumer | None:
        """Play ``producer`` on ``slot`` instead of what it played (an answered m-line of
        ``subscribe_answering``). The new consumer continues the previous one's numbering: same
        SSRC, sequence numbers and timestamps going on with no gap (the rewriter's resync, as after
        a pause), so the player's track simply goes on; a video one waits for a keyframe, asked of
        the producer when it starts. None if the slot cannot play it (no common codec)."""
        if slot not in self.slots or producer.closed or not self.can_play(slot, producer):
            return None
        previous = slot.consumer
        if previous is not None and not previous.closed:
            if previous.producer is producer:
                return previous
            self.router.close_consumer(previous, reason="replaced")
        consumer = Consumer(router=self.router, peer=self, producer=producer, transceiver=slot.transceiver)
        if previous is not None:
            consumer.rewriter = previous.rewriter
            consumer.rewriter.clock_rate = producer.clock_rate
            consumer.rewriter.resync()
            consumer.rtx_seq = previous.rtx_seq
            consumer.packets_out, consumer.octets_out = previous.packets_out, previous.octets_out  # for the SR
        slot.consumer = self.router.add_consumer(consumer)
        self._configure(consumer, slot=slot)
        return None if consumer.closed else consumer

    @staticmethod
    def _player_codecs(kind: str, producer: Producer | None) -> list:
        """A player slot's codec preferences: every codec the relay forwards for ``kind``, so a later
        producer with another codec can play on it too; ``producer``'s first (the answer's first)."""
        names = AUDIO_CODECS if kind == "audio" else VIDEO_CODECS
        first = Participant._consumer_codecs(producer) if producer is not None else []
        chosen = [c for c in first if c.name.lower() != "rtx"]
        chosen += [c for c in RTCRtpSender.getCapabilities(kind).codecs if c.name.lower() in names and c not in chosen]
        if kind == "video":
            chosen += [c for c in RTCRtpSender.getCapabilities("video").codecs if c.name.lower() == "rtx"]
        return chosen

    @staticmethod
    def _consumer_codecs(producer: Producer) -> list:
        codec = producer.codec
        candidates = [
            c
            for c in RTCRtpSender.getCapabilities(producer.kind).codecs
            if c.mimeType.lower() == codec.mimeType.lower()
        ]
        if codec.name.lower() == "h264":
            profile = str(codec.parameters.get("profile-level-id", "")).lower()
            same = [c for c in candidates if str(c.parameters.get("profile-level-id", "")).lower() == profile]
            candidates = same or candidates
        chosen = candidates[:1]
        if producer.kind == "video":
            chosen += [c for c in RTCRtpSender.getCapabilities("video").codecs if c.name.lower() == "rtx"]
        return chosen

    async def apply_answer(self, sdp: str) -> None:
        async with self._sub_lock:
            pc = self.sub_pc
            if pc is None or pc.signalingState != "have-local-offer":
                raise RelayError(RelayErrorCode.NEGOTIATION_PENDING, "No subscribe offer is waiting for an answer.")
            if len(sdp) > self.config.max_sdp_chars or not sdp.startswith("v=0"):
                raise RelayError(RelayErrorCode.INVALID_SDP, "Malformed SDP.", {"pc": SUBSCRIBE})
            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=self._reachable(sdp), type="answer"))
            except Exception as exc:  # noqa: BLE001 - see publish(): drop this peer's subscribe side only
                logger.info("peer %s: subscribe answer rejected: %r", self.id, exc)
                await self._reset_subscribe()
                raise RelayError(
                    RelayErrorCode.INVALID_SDP,
                    f"Could not apply the answer: {type(exc).__name__}.",
                    {"pc": SUBSCRIBE, "reset": True},
                ) from None
            offered, self._offered = self._offered, []
            for consumer in offered:
                if consumer.closed:
                    continue
                self._configure(consumer)
            queued, self._queued = self._queued, []
            await self._offer([p for p in queued if not p.closed and self.consuming(p) is None])

    @staticmethod
    def _negotiated_codec(transceiver, producer: Producer) -> tuple[Any, int | None] | None:
        """The negotiated codec of ``transceiver`` that carries ``producer``'s payloads, with its RTX
        payload type: the same codec (H.264: the same profile if negotiated), or None."""
        codecs = hooks.negotiated_codecs(transceiver)
        mime = producer.codec.mimeType.lower()
        media = [c for c in codecs if c.name.lower() != "rtx" and c.mimeType.lower() == mime]
        if mime == "video/h264":
            profile = str(producer.codec.parameters.get("profile-level-id", "")).lower()
            media.sort(key=lambda c: str(c.parameters.get("profile-level-id", "")).lower() != profile)
        if not media:
            return None
        codec = media[0]
        rtx = next(
            (c.payloadType for c in codecs if c.name.lower() == "rtx" and c.parameters.get("apt") == codec.payloadType),
            None,
        )
        return codec, rtx

    def _configure(self, consumer: Consumer, *, slot: PlayerSlot | None = None) -> None:
        transceiver = consumer.transceiver
        if transceiver.currentDirection not in ("sendonly", "sendrecv"):
            self.router.close_consumer(consumer, reason="rejected")
            return
        negotiated = self._negotiated_codec(transceiver, consumer.producer)
        if negotiated is None:
            self.router.close_consumer(consumer, reason="rejected")
            return
        codec, rtx = negotiated
        sink = hooks.RtpSink(transceiver.sender)
        consumer.sink = sink
        consumer.configure(
            payload_type=codec.payloadType,
            rtx_payload_type=rtx,
            ssrc=sink.ssrc,
            rtx_ssrc=sink.rtx_ssrc,
            header_extension_ids=hooks.negotiated_header_extensions(transceiver),
            mid=transceiver.mid,
        )
        if slot is None:  # a slot routes its m-line's feedback itself, to whichever consumer plays
            hooks.intercept_sender_rtcp(transceiver.sender, consumer.on_feedback)
        transport = sink.transport
        if id(transport) not in self._watched_transports:
            self._watched_transports.add(id(transport))

            @transport.on("statechange")
            def on_transport_state() -> None:
                if transport.state == "connected":
                    for c in list(self.consumers.values()):
                        if c.sink is not None and c.sink.transport is transport:
                            self.router.activate_consumer(c)

        if sink.is_connected:
            self.router.activate_consumer(consumer)

    async def _reset_subscribe(self) -> None:
        pc, self.sub_pc = self.sub_pc, None
        self._offered, self._queued, self.slots = [], [], []
        for consumer in list(self.consumers.values()):
            self.router.close_consumer(consumer, reason="subscribe_reset")
        self._watched_transports.clear()
        if pc is not None:
            pc.remove_all_listeners()
            await pc.close()

    # ---------------------------------------------------------------- ICE

    def _reachable(self, sdp: str) -> str:
        """A peer's description without the candidates the relay must not send to."""
        return sdp if self.config.allow_private_peers else without_private_candidates(sdp)

    async def add_ice_candidate(
        self, role: str, candidate: str | None, sdp_mid: str | None, sdp_mline_index: int | None
    ) -> None:
        pc = self.pub_pc if role == PUBLISH else self.sub_pc
        if pc is None or pc.remoteDescription is None:
            raise RelayError(RelayErrorCode.NEGOTIATION_PENDING, f"No {role} connection to add a candidate to.")
        if not candidate:
            await pc.addIceCandidate(None)
            return
        if not self.config.allow_private_peers and is_private_address(candidate_address(candidate)):
            return  # never sent to (media_relay.sfu.candidates)
        text = candidate[len("candidate:") :] if candidate.startswith("candidate:") else candidate
        try:
            parsed = candidate_from_sdp(text)
        except (AssertionError, ValueError, IndexError) as exc:
            raise RelayError(
                RelayErrorCode.INVALID, "Malformed ICE candidate.", {"fields": {"candidate": "malformed"}}
            ) from exc
        parsed.sdpMid = sdp_mid
        parsed.sdpMLineIndex = sdp_mline_index if sdp_mline_index is not None else (0 if sdp_mid is None else None)
        await pc.addIceCandidate(parsed)
