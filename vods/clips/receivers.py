"""A VOD being deleted hides its clips (connected in VodsConfig.ready)."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from ..models import Vod
from .services import clips_hide_for_deleted_vod


@receiver(pre_delete, sender=Vod)
def on_vod_deleted(sender, instance, **kwargs):
    clips_hide_for_deleted_vod(vod=instance)
