"""What vods does when streams announces a fact (streams.signals), inside the stream's transaction."""

from django.dispatch import receiver

from streams.signals import stream_ended, stream_updated, stream_went_live

from .services import stream_mark_record, vod_create_for_stream


@receiver(stream_went_live)
def mark_go_live(sender, stream, **kwargs) -> None:
    stream_mark_record(stream=stream)


@receiver(stream_updated)
def mark_change(sender, stream, changed, **kwargs) -> None:
    if {"title", "category"} & set(changed):
        stream_mark_record(stream=stream)


@receiver(stream_ended)
def create_vod(sender, stream, **kwargs) -> None:
    vod_create_for_stream(stream=stream)
