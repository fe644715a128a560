"""The relay's link to the rooms app: rights answered from the live room, room events applied at once.

``RoomLink(relay, ...)`` plugs into a ``Relay``:

* ``authorize(peer, action)`` (what every SignallingSession asks) answers from the room's
  current state in the database (media_relay.selectors.room_media_rights), cached per room
  for ``CACHE_SECONDS`` and reloaded by every room event. The token only admits a peer to
  its room; what it may do there is decided here, now.
* While a room is hosted (first peer joined, until it empties) the link follows the room's
  channel-layer group (``room.<id>``, the one rooms services publish to) on a channel of its
  own, and after every event reloads the room's rights and reconciles the peers in the
  relay: a peer who is no longer a member is kicked (close 4403, reason ``kicked``/``left``
  from the event, else ``removed``); one who may no longer talk (muted, room microphone off
  for everyone but the leader) is muted server-side, and unmuted when they may talk again
  (only mutes the link made itself are undone); a WHIP publisher whose stream key was revoked or
  rotated is dropped, and so is one whose token was asked with a Django session that has ended
  (signed out, or signed in elsewhere: ``media_relay.rights changed``); a closed room closes every
  peer with 4410. The room's recording follows the
  platform's: the relay starts writing when a recording is going (``media_relay.recording started``,
  or when the room comes back to voice) and stops when it was stopped. So does its HLS output, for any
  relay room (a room's or a stream's): the link also follows ``media_relay.hls.<relay room>`` and
  starts or stops the room's HLS egress as media_relay.hls_output's switch says.
* The embedded default (in-memory channel layer) cannot carry events from the web process
  to the relay's: there the link re-reads every hosted room every ``RECHECK_SECONDS`` and
  reconciles the same way (``RoomLink.for_this_process`` picks the mode).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DatabaseError

from config.errors import ApplicationError

from .errors import RelayError, RelayErrorCode
from .events import hls_group
from .hls_output import hls_file_store, hls_output_on, hls_session_record
from .recordings import recording_part_store
from .relay_kinds import MediaRights, relay_room_parse
from .services import relay_whip_url
from .sfu.actions import Action
from .sfu.cascade import is_pipe_peer
from .sfu.egress import PartFile
from .sfu.peers import whip_peer_id
from .sfu.relay import Relay
from .sfu.signalling import PeerInfo
from .stream_keys import stream_key_authenticate

logger = logging.getLogger(__name__)

CACHE_SECONDS = 2.0
RECHECK_SECONDS = 2.0


def _rights_now(room: str) -> MediaRights | None:
    """The rights of a relay room from its kind's source (media_relay.relay_kinds), None for a name the
    platform never issues."""
    parsed = relay_room_parse(room)
    return None if parsed is None else parsed[0].rights(parsed[1])


load_rights = database_sync_to_async(_rights_now)
load_hls_output = database_sync_to_async(lambda room: hls_output_on(relay_room=room))


class RoomLink:
    def __init__(
        self,
        relay: Relay,
        *,
        channel_layer=None,
        recording_dir: str | None = None,
        recheck_interval: float | None = None,
        cache_seconds: float = CACHE_SECONDS,
        clock=time.monotonic,
    ) -> None:
        self.relay = relay
        self.recording_dir = recording_dir or settings.MEDIA_RELAY_RECORDING_DIR
        self.layer = channel_layer
        self.recheck_interval = recheck_interval
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._rights: dict[str, tuple[float, MediaRights]] = {}  # relay room -> (loaded at, rights)
        self._muted: dict[str, set[str]] = {}  # relay room -> peers this link muted
        self._sessions: dict[str, dict[str, str]] = {}  # relay room -> peer -> its token's session fingerprint
        self._followers: dict[str, asyncio.Task] = {}  # relay room -> task following its group
        self.subscribed: set[str] = set()  # relay rooms whose group this link is in
        self._apply_lock = asyncio.Lock()  # one reload-and-reconcile at a time: never apply an older read
        self._recheck_task: asyncio.Task | None = None
        relay.authorize = self.authorize
        relay.on_room_opened = self._room_opened
        relay.on_room_closed = self._room_closed

    @classmethod
    def for_this_process(cls, relay: Relay) -> RoomLink:
        """Follow room events through the channel layer (Redis), or re-check from the database
        when the layer is in-memory (it holds only this process's events)."""
        layer = get_channel_layer()
        if layer is None or isinstance(layer, InMemoryChannelLayer):
            return cls(relay, recheck_interval=RECHECK_SECONDS)
        return cls(relay, channel_layer=layer)

    def start(self) -> None:
        if self.recheck_interval:
            self._recheck_task = asyncio.get_running_loop().create_task(self._recheck_forever())

    async def close(self) -> None:
        tasks = list(self._followers.values()) + ([self._recheck_task] if self._recheck_task else [])
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._followers.clear()

    # ---------------------------------------------------------------- rights

    async def authorize(self, peer: PeerInfo, action: str) -> bool:
        if relay_room_parse(peer.room) is None:
            return False
        if action == Action.JOIN:
            self._sessions.setdefault(peer.room, {})[peer.peer_id] = peer.session
        cached = self._rights.get(peer.room)
        # Someone the cached copy doesn't know has probably just joined the room (or signed in anew): read again.
        if cached and self.clock() - cached[0] < self.cache_seconds and cached[1].knows(peer.peer_id, peer.session):
            return action in cached[1].perms_for(peer.peer_id, session=peer.session)
        try:
            rights = await self._load(peer.room)
        except DatabaseError:  # refuse (an error to that peer) rather than drop its connection
            logger.exception("media relay: could not read the rights of %s", peer.room)
            return False
        return action in rights.perms_for(peer.peer_id, session=peer.session)

    async def _load(self, room: str) -> MediaRights:
        started = self.clock()
        rights = await load_rights(room)
        cached = self._rights.get(room)
        if cached is None or cached[0] <= started:  # a read that started later has already been stored
            self._rights[room] = (started, rights)
        return rights

    # ---------------------------------------------------------------- applying

    async def reconcile(self, room: str, *, reasons: dict[str, str] | None = None) -> None:
        """Reload `room`'s rights and bring its peers in the relay in line with them; then its HLS output."""
        await self._reconcile_rights(room, reasons=reasons)
        await self.reconcile_hls(room)

    async def _reconcile_rights(self, room: str, *, reasons: dict[str, str] | None) -> None:
        if relay_room_parse(room) is None:
            return
        async with self._apply_lock:
            rights = await self._load(room)
            if not rights.is_open:
                self.relay.close_room(room)
                return
            router = self.relay.rooms.get(room)
            if router is None:
                return
            cascade = self.relay.cascade
            if cascade is None or room not in cascade.pipes:  # an edge room records nothing: its origin does
                self._reconcile_recording(room, rights.recording_id)
            muted = self._muted.setdefault(room, set())
            sessions = self._sessions.get(room, {})
            for peer_id in list(router.participants):
                if is_pipe_peer(peer_id):
                    continue  # another relay worker's pipe (media_relay.sfu.cascade): no user, no rights
                perms = rights.perms_for(peer_id, session=sessions.get(peer_id, ""))
                if Action.JOIN not in perms:
                    reason = "signed_out" if Action.JOIN in rights.perms_for(peer_id) else "removed"
                    self.relay.kick(room, peer_id, reason=(reasons or {}).get(peer_id, reason))
                    muted.discard(peer_id)
                elif Action.PUBLISH_AUDIO not in perms and peer_id not in muted:
                    self.relay.mute(room, peer_id, kind="audio", muted=True)
                    muted.add(peer_id)
                elif Action.PUBLISH_AUDIO in perms and peer_id in muted:
                    self.relay.mute(room, peer_id, kind="audio", muted=False)
                    muted.discard(peer_id)

    def _reconcile_recording(self, room: str, recording_id: int | None) -> None:
        wanted = None if recording_id is None else str(recording_id)
        recorder = self.relay.recordings.get(room)
        if recorder is not None and recorder.tag != wanted:
            self.relay.stop_recording(room)  # its last part is handed off in the background
            recorder = None
        if wanted is not None and recorder is None:
            self.relay.start_recording(room, directory=self.recording_dir, tag=wanted)

    async def reconcile_hls(self, room: str) -> None:
        """Write `room` as HLS while the platform's switch is on (media_relay.hls_output)."""
        output = await load_hls_output(room)
        wanted = None if output is None else str(output.pk)
        egress = self.relay.hls.get(room)
        if egress is not None and egress.tag != wanted:
            self.relay.stop_hls(room)  # its playlists are finalized in the background
            egress = None
        if wanted is not None and egress is None and room in self.relay.rooms:
            self.relay.start_hls(room, tag=wanted)

    async def apply_event(self, room: str, event: dict) -> None:
        """One event (docs/realtime.md) published to a group the relay room `room` follows (its kind's groups)."""
        if event.get("type") == "rooms.room" and event.get("op") == "closed":
            self.relay.close_room(room)
            return
        if event.get("type") == "media_relay.hls":
            await self.reconcile_hls(room)
            return
        if event.get("type") == "media_relay.stream" and event.get("op") == "ended":
            self.relay.kick(room, whip_peer_id(event["user_id"]), reason=event["reason"])
            return
        reasons = {}
        if event.get("type") == "rooms.member" and event.get("op") in ("kicked", "left"):
            reasons[str(event["member"]["user"]["id"])] = event["op"]
        await self.reconcile(room, reasons=reasons)

    # ---------------------------------------------------------------- following rooms

    def _room_opened(self, room: str) -> None:
        if self.layer is None or room in self._followers:
            return
        parsed = relay_room_parse(room)
        groups = (hls_group(room),) if parsed is None else (*parsed[0].groups(parsed[1]), hls_group(room))
        self._followers[room] = asyncio.get_running_loop().create_task(self._follow(room, groups))

    def _room_closed(self, room: str) -> None:
        follower = self._followers.pop(room, None)
        if follower is not None:
            follower.cancel()
        self._muted.pop(room, None)
        self._sessions.pop(room, None)
        now = self.clock()
        self._rights = {k: v for k, v in self._rights.items() if now - v[0] < self.cache_seconds}

    async def _follow(self, room: str, groups: tuple[str, ...]) -> None:
        channel = await self.layer.new_channel()
        for group in groups:
            await self.layer.group_add(group, channel)
        self.subscribed.add(room)
        try:
            message = None
            while True:
                try:
                    if message is None:  # first: whatever changed between the peer's join and the subscription
                        await self.reconcile(room)
                    else:
                        await self.apply_event(room, json.loads(message["text"]))
                except Exception:  # one odd event or a database hiccup must not stop following the room
                    logger.exception("media relay: could not apply an event of %s", room)
                message = await self.layer.receive(channel)
        finally:
            self.subscribed.discard(room)
            await asyncio.shield(asyncio.gather(*(self.layer.group_discard(group, channel) for group in groups)))

    async def _recheck_forever(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_interval)
            for room in list(self.relay.rooms):
                try:
                    await self.reconcile(room)
                except Exception:  # the database went away for a moment: try again next round
                    logger.exception("media relay: re-check of %s failed", room)


async def platform_stream_key_peer(key: str) -> PeerInfo:
    """The peer a stream key publishes as over WHIP (run_relay gives this to WhipServer), for every kind
    of key (a room's, a channel's: media_relay.relay_kinds): checked against the database now, so a
    revoked key is refused at once. The peer id is the user's with a ``~whip`` suffix, so the holder can
    be in the relay room from a browser at the same time."""
    try:
        holder = await database_sync_to_async(stream_key_authenticate)(key=key)
    except ApplicationError as exc:
        raise RelayError(RelayErrorCode.UNAUTHORIZED, exc.message, {"reason": exc.code}) from None
    return PeerInfo(peer_id=whip_peer_id(holder.user_id), room=holder.relay_room, name=holder.user.name)


async def platform_rtmp_whip_url(key: str) -> str:
    """Where the RTMP ingest (manage.py rtmp_ingest, media_relay.sfu.rtmp) publishes a stream key's
    RTMP stream: the key checked as WHIP checks it (``platform_stream_key_peer``: RelayError refuses),
    then the WHIP URL of the worker hosting its room. The worker checks the key again on the offer."""
    peer = await platform_stream_key_peer(key)
    return await database_sync_to_async(relay_whip_url)(room=peer.room, room_id=relay_room_parse(peer.room)[1])


def recording_hand_off(*, room: str, tag: str | None, part: PartFile) -> str:
    """A finished part leaves the relay host: into Django's default storage under
    ``recordings/<room>/``, recorded as a RecordingPart of the recording ``tag`` names (the
    platform's Recording id; media_relay.recordings.recording_part_store). Returns the stored name."""
    with open(part.path, "rb") as source:
        name = default_storage.save(f"recordings/{room}/{os.path.basename(part.path)}", File(source))
    os.remove(part.path)
    if tag is not None:
        recording_part_store(recording_id=int(tag), name=name, part=part)
    logger.info("recording of %s: part stored as %s", room, name)
    return name


def hls_write(*, room: str, tag: str | None, session: str, name: str, data: bytes) -> None:
    """The relay's HLS egress wrote a file (its writer thread): into default storage, under
    ``live/<room>/<session>/`` (media_relay.hls_output.hls_file_store)."""
    hls_file_store(relay_room=room, session=session, name=name, data=data)


def hls_session_event(*, room: str, tag: str | None, session: str, op: str) -> None:
    """The relay's HLS egress started or finalized a session: an HlsSession row of the output ``tag``."""
    if tag is not None:
        hls_session_record(output_id=int(tag), relay_room=room, session=session, op=op)
    logger.info("HLS of %s: session %s %s", room, session, op)
