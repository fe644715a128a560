"""Filters of a webhook's delivery log (config/filters.py: the convention every list follows)."""

from django_filters import rest_framework as filters

from ..models import DeliveryStatus, WebhookDelivery
from ..webhook_events import WebhookEvent


class WebhookDeliveryFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event = filters.ChoiceFilter(choices=[(event.value, event.value) for event in WebhookEvent])

    class Meta:
        model = WebhookDelivery
        fields = ["status", "event"]
