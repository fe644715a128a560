"""Keyframe requests (Producer.request_keyframe): a consumer that starts before the publisher's first
packet still gets its PLI, sent as soon as the stream's SSRC is known; requests are rate-limited."""

import pytest
from aiortc import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from media_relay.sfu import hooks
from media_relay.sfu.router import Producer, Router

from .test_rtp import FakePeer

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)


@pytest.mark.asyncio
async def test_a_keyframe_asked_for_before_the_first_packet_is_asked_for_when_it_arrives(monkeypatch):
    plis = []

    async def send_pli(receiver, ssrc):
        plis.append(ssrc)

    monkeypatch.setattr(hooks, "send_pli", send_pli)
    router = Router("room-1")
    producer = Producer(router=router, peer=FakePeer("alice"), kind="video", codec=VP8, rtx_payload_type=None, receiver=object())

    assert await producer.request_keyframe() is False  # no SSRC yet: nothing to address
    assert producer.keyframe_pending and plis == []

    await producer.on_rtp(RtpPacket(payload_type=96, sequence_number=1, timestamp=0, ssrc=1234, payload=b"\x10\x00"))
    await router.close()  # waits for what the router spawned
    assert plis == [1234] and not producer.keyframe_pending

    assert await producer.request_keyframe() is False  # within the interval: a PLI storm is not forwarded
    assert plis == [1234]
