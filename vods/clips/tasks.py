"""Celery: cut a clip (vods.clips.services.clip_cut_run). Imported by VodsConfig.ready so workers know it."""

from celery import shared_task

from .services import clip_cut_run


@shared_task(name="vods.clips.cut_clip")
def cut_clip(clip_id: int) -> str | None:
    clip = clip_cut_run(clip_id=clip_id)
    return clip.status if clip is not None else None
