from rest_framework import serializers

from ..models import Webhook, WebhookDelivery
from ..webhook_events import WebhookEvent


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=[(e.value, e.value) for e in WebhookEvent]))
    secret = serializers.CharField(read_only=True, help_text="Verify each delivery's webhook-signature with it "
                                                             "(Standard Webhooks; docs/api.md).")

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "secret", "is_active", "created_at"]
        read_only_fields = ["is_active", "created_at"]


class WebhookInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=[(e.value, e.value) for e in WebhookEvent]),
                                   allow_empty=False)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "message_id", "event", "payload", "status", "attempts", "response_code", "last_error",
                  "created_at", "last_attempt_at", "next_attempt_at"]
