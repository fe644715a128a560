"""media_relay.sfu.hooks against the installed aiortc: fails loudly when its internals move.

Each test drives real RTCPeerConnections over 127.0.0.1 and checks one private name
the relay depends on, so an aiortc upgrade that breaks the relay breaks here first,
with the name in the failure.
"""

from __future__ import annotations

import asyncio
import socket
import struct

import aioice.ice
import aioice.turn
import aiortc
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver
from aiortc.rtp import RtcpSrPacket

from media_relay.sfu import hooks, rtp

from . import codec_audit
from .peers import ToneTrack


@pytest.fixture
def audit():
    counts = codec_audit.install()
    yield counts
    codec_audit.uninstall()


async def connected_pair(add_to_a, on_b_offer=None):
    """A offers (tracks/transceivers from ``add_to_a``), B answers; both connected."""
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    add_to_a(a)
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    if on_b_offer is not None:
        on_b_offer(b)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    for _ in range(200):
        if a.connectionState == b.connectionState == "connected":
            break
        await asyncio.sleep(0.02)
    assert a.connectionState == b.connectionState == "connected"
    return a, b


async def wait_until(predicate, timeout=5.0):
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


def test_installed_aiortc_is_the_version_the_hooks_were_written_for():
    assert aiortc.__version__ == hooks.TESTED_AIORTC_VERSION, (
        "aiortc changed: re-read media_relay/sfu/hooks.py against the new sources, then bump TESTED_AIORTC_VERSION"
    )


def test_private_method_names_and_signatures_are_present():
    hooks.check_compatibility()


def test_compatibility_check_fails_loudly_when_a_name_moves(monkeypatch):
    monkeypatch.delattr(RTCRtpReceiver, "_handle_rtp_packet")
    with pytest.raises(hooks.HookError, match="_handle_rtp_packet"):
        hooks.check_compatibility()


def test_compatibility_check_fails_when_a_signature_changes(monkeypatch):
    async def changed(self, packet):  # arrival_time_ms dropped
        pass

    monkeypatch.setattr(RTCRtpReceiver, "_handle_rtp_packet", changed)
    with pytest.raises(hooks.HookError, match="changed"):
        hooks.check_compatibility()


@pytest.mark.asyncio
async def test_live_transceivers_carry_the_private_attributes():
    a, b = await connected_pair(lambda pc: pc.addTransceiver(ToneTrack(), direction="sendonly"))
    try:
        for pc in (a, b):
            hooks.check_live_objects(pc.getTransceivers()[0])
        assert hooks.negotiated_codecs(b.getTransceivers()[0])[0].mimeType == "audio/opus"
        assert hooks.negotiated_header_extensions(b.getTransceivers()[0]) == {
            rtp.URI_MID: 1,
            rtp.URI_AUDIO_LEVEL: 2,
        }
    finally:
        await a.close()
        await b.close()


@pytest.mark.asyncio
async def test_intercepted_receiver_hands_packets_over_and_never_decodes(audit):
    seen = []

    async def on_packet(packet, arrival_time_ms):
        seen.append((packet.sequence_number, packet.payload_type, packet.extensions.audio_level))

    def take_over(b):
        receiver = b.getTransceivers()[0].receiver
        hooks.intercept_rtp(receiver, on_packet)

    a, b = await connected_pair(lambda pc: pc.addTransceiver(ToneTrack(), direction="sendonly"), take_over)
    try:
        await wait_until(lambda: len(seen) >= 20)
        track = b.getTransceivers()[0].receiver.track
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(track.recv(), 0.3)  # nothing reached aiortc's decoder
        assert audit["OpusDecoder.__init__"] == 0 and audit["decode"] == 0
        assert audit["OpusEncoder.encode"] > 0  # A still encodes: the audit does count
        seqs = [s for s, _, _ in seen]
        assert all(rtp.seq_diff(y, x) == 1 for x, y in zip(seqs, seqs[1:], strict=False))
        assert seen[0][2] is not None  # ssrc-audio-level parsed for speaker detection
    finally:
        await a.close()
        await b.close()


@pytest.mark.asyncio
async def test_passthrough_interception_still_decodes():
    count = 0

    async def on_packet(packet, arrival_time_ms):
        nonlocal count
        count += 1

    a, b = await connected_pair(
        lambda pc: pc.addTransceiver(ToneTrack(), direction="sendonly"),
        lambda b: hooks.intercept_rtp(b.getTransceivers()[0].receiver, on_packet, passthrough=True),
    )
    try:
        frame = await asyncio.wait_for(b.getTransceivers()[0].receiver.track.recv(), 5)
        assert frame.sample_rate == 48000 and count > 0
    finally:
        await a.close()
        await b.close()


@pytest.mark.asyncio
async def test_receiver_stats_feeder_keeps_aiortc_receiver_reports_truthful():
    fed = []

    def take_over(b):
        receiver = b.getTransceivers()[0].receiver
        feed = hooks.receiver_stats_feeder(receiver, 48000)

        async def on_packet(packet, arrival_time_ms):
            feed(packet)
            fed.append(packet)

        hooks.intercept_rtp(receiver, on_packet)

    a, b = await connected_pair(lambda pc: pc.addTransceiver(ToneTrack(), direction="sendonly"), take_over)
    try:
        await wait_until(lambda: len(fed) >= 10)
        stats = await b.getTransceivers()[0].receiver.getStats()
        inbound = [s for s in stats.values() if s.type == "inbound-rtp"]
        assert inbound and inbound[0].packetsReceived >= 10
    finally:
        await a.close()
        await b.close()


@pytest.mark.asyncio
async def test_parked_sender_never_encodes_and_rtp_sink_sends_raw_packets(audit):
    received = []
    sr_packets = []

    async def on_packet(packet, arrival_time_ms):
        received.append(packet)

    def tap(b):
        receiver = b.getTransceivers()[0].receiver
        hooks.intercept_rtp(receiver, on_packet)
        hooks.observe_receiver_rtcp(receiver, lambda p: sr_packets.append(p) if isinstance(p, RtcpSrPacket) else None)

    a, b = await connected_pair(lambda pc: pc.addTransceiver(hooks.ParkedTrack("audio"), direction="sendonly"), tap)
    try:
        transceiver = a.getTransceivers()[0]
        sink = hooks.RtpSink(transceiver.sender)
        sink.bind()
        assert sink.is_connected
        pt = hooks.negotiated_codecs(transceiver)[0].payloadType
        for i in range(5):
            header = rtp.build_header(
                marker=0, payload_type=pt, seq=1000 + i, ts=960 * i, ssrc=sink.ssrc, extension=False
            )
            await sink.send(header + b"\xfc\xff\xfe")
        await wait_until(lambda: len(received) == 5)
        assert [p.sequence_number for p in received] == [1000, 1001, 1002, 1003, 1004]
        assert {p.ssrc for p in received} == {transceiver.sender._ssrc}
        hooks.update_sender_report(
            transceiver.sender, packets=12345, octets=999, rtp_timestamp=777, ntp_timestamp=hooks.ntp_now()
        )
        await wait_until(lambda: any(p.sender_info.packet_count == 12345 for p in sr_packets), timeout=4)
        assert audit["created"] == 0  # no encoder (or decoder) was ever built
    finally:
        await a.close()
        await b.close()


@pytest.mark.asyncio
async def test_fast_write_path_protects_and_sends_without_the_coroutine_chain():
    received = []

    async def on_packet(packet, arrival_time_ms):
        received.append(packet.sequence_number)

    a, b = await connected_pair(
        lambda pc: pc.addTransceiver(hooks.ParkedTrack("audio"), direction="sendonly"),
        lambda b: hooks.intercept_rtp(b.getTransceivers()[0].receiver, on_packet),
    )
    transceiver = a.getTransceivers()[0]
    sink = hooks.RtpSink(transceiver.sender)
    assert sink.write is None
    assert sink.prepare_fast() is True, "aiortc/aioice internals of the fast send path moved"
    pt = hooks.negotiated_codecs(transceiver)[0].payloadType
    for i in range(5):
        sink.write(
            rtp.build_header(marker=0, payload_type=pt, seq=7000 + i, ts=0, ssrc=sink.ssrc, extension=False) + b"\xfc"
        )
    await wait_until(lambda: received == [7000, 7001, 7002, 7003, 7004])
    await a.close()
    sink.write(
        rtp.build_header(marker=0, payload_type=pt, seq=1, ts=0, ssrc=sink.ssrc, extension=False)
    )  # dropped, no error
    await b.close()


@pytest.mark.asyncio
async def test_sender_feedback_interception_routes_pli_nack_and_reports():
    feedback = []

    async def on_feedback(kind, lost):
        feedback.append((kind, lost))

    a, b = await connected_pair(lambda pc: pc.addTransceiver(hooks.ParkedTrack("video"), direction="sendonly"))
    try:
        sender = a.getTransceivers()[0].sender
        hooks.intercept_sender_rtcp(sender, on_feedback)
        receiver = b.getTransceivers()[0].receiver
        await hooks.send_pli(receiver, sender._ssrc)
        await hooks.send_nack(receiver, sender._ssrc, [7, 8, 40])
        await wait_until(lambda: ("keyframe", []) in feedback and ("nack", [7, 8, 40]) in feedback)
    finally:
        await a.close()
        await b.close()


@pytest.mark.asyncio
async def test_restricted_host_addresses_are_the_only_candidates():
    undo = hooks.restrict_host_addresses(["127.0.0.1"])
    try:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver("audio")
        await pc.setLocalDescription(await pc.createOffer())
        candidates = [line for line in pc.localDescription.sdp.splitlines() if line.startswith("a=candidate:")]
        assert candidates and all(" 127.0.0.1 " in c for c in candidates)
        await pc.close()
    finally:
        undo()
    assert aioice.ice.get_host_addresses is hooks._original_get_host_addresses
    hooks.restrict_host_addresses(["127.0.0.1"])  # leave the autouse fixture's patch in place


AIOICE_SOCKET_BUFFER = 256 * 1024  # the SO_RCVBUF aioice asks for itself


@pytest.mark.asyncio
async def test_enlarged_socket_buffers_reach_the_ice_sockets():
    size = 1024 * 1024
    with open("/proc/sys/net/core/rmem_max") as rmem_max:
        expected = 2 * min(size, int(rmem_max.read()))  # Linux caps the request, and reports twice it
    if expected <= 2 * AIOICE_SOCKET_BUFFER:
        pytest.skip("this kernel's net.core.rmem_max is below aioice's own buffer")
    before = aioice.turn.UDP_SOCKET_BUFFER_SIZE  # a relay started in this process may have raised it
    undo = hooks.enlarge_socket_buffers(size)
    try:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver("audio")
        await pc.setLocalDescription(await pc.createOffer())
        connection = pc.getTransceivers()[0].receiver.transport.transport._connection
        sockets = [protocol.transport.get_extra_info("socket") for protocol in connection._protocols]
        assert sockets and all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) >= expected for sock in sockets)
        await pc.close()
    finally:
        undo()
    assert aioice.turn.UDP_SOCKET_BUFFER_SIZE == before


def test_one_byte_extension_ids_match_aiortc_defaults():
    # the relay's subscribe offers come from aiortc's defaults; our writer must accept them
    writer = rtp.ConsumerHeaderWriter(ids_by_uri={rtp.URI_MID: 1, rtp.URI_AUDIO_LEVEL: 2}, mid="12")
    block = writer.audio(0x85)
    assert struct.unpack("!HH", block[:4])[0] == rtp.ONE_BYTE_PROFILE
