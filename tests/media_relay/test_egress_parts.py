"""A recording part that got no frame (its producer never sent, or stopped at once) leaves no file behind."""

import pytest
from aiortc import RTCRtpCodecParameters

from media_relay.sfu.egress import RoomRecorder
from media_relay.sfu.router import Producer, Router

from .test_rtp import FakePeer

OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)


@pytest.mark.asyncio
async def test_a_part_with_no_frame_is_deleted_not_handed_off(tmp_path):
    router = Router("room-1")
    producer = Producer(router=router, peer=FakePeer("alice"), kind="audio", codec=OPUS, rtx_payload_type=None)
    router.add_producer(producer)
    handed_off = []

    async def on_part(part):
        handed_off.append(part)

    recorder = RoomRecorder(router, directory=str(tmp_path), tag="7", on_part=on_part)
    recorder.start()
    assert recorder.part is not None and recorder.part.producer_ids == {producer.id}

    await recorder.stop()  # the producer never sent a packet
    await router.close()

    assert handed_off == [] and list(tmp_path.iterdir()) == []
