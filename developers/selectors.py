from django.db.models import QuerySet

from accounts.models import User
from config.errors import NotFoundError

from .errors import WebhookError
from .models import Webhook, WebhookDelivery


def webhooks_list(*, owner: User) -> QuerySet[Webhook]:
    return Webhook.objects.filter(owner=owner)


def webhook_get(*, owner: User, webhook_id: int) -> Webhook:
    webhook = Webhook.objects.filter(pk=webhook_id, owner=owner).first()
    if webhook is None:
        raise NotFoundError(WebhookError.WEBHOOK_NOT_FOUND, "No such webhook.")
    return webhook


def webhook_deliveries_list(*, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    return webhook.deliveries.all()
