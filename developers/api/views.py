from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import Scope
from config.api import parse
from config.filters import ListConventions

from .. import selectors, services
from ..models import Webhook, WebhookDelivery
from .filters import WebhookDeliveryFilter
from .serializers import WebhookDeliverySerializer, WebhookInputSerializer, WebhookSerializer

WEBHOOK_SCOPES = {"get": Scope.WEBHOOKS, "post": Scope.WEBHOOKS, "delete": Scope.WEBHOOKS}


class WebhookListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ("created_at",)
    token_scopes = WEBHOOK_SCOPES
    serializer_class = WebhookSerializer
    queryset = Webhook.objects.none()

    @extend_schema(summary="Your webhooks")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.webhooks_list(owner=self.request.user)

    @extend_schema(request=WebhookInputSerializer, responses={201: WebhookSerializer},
                   summary="Register an HTTPS URL for your channel's events")
    def post(self, request):
        data = parse(WebhookInputSerializer, request)
        webhook = services.webhook_create(owner=request.user, url=data["url"], events=data["events"])
        return Response(WebhookSerializer(webhook).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    token_scopes = WEBHOOK_SCOPES

    @extend_schema(responses=WebhookSerializer, summary="A webhook, with its signing secret")
    def get(self, request, pk: int):
        return Response(WebhookSerializer(selectors.webhook_get(owner=request.user, webhook_id=pk)).data)

    @extend_schema(responses={204: None}, summary="Delete a webhook")
    def delete(self, request, pk: int):
        services.webhook_delete(owner=request.user, webhook_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListView(ListConventions, generics.ListAPIView):
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ("created_at",)
    token_scopes = WEBHOOK_SCOPES
    serializer_class = WebhookDeliverySerializer
    queryset = WebhookDelivery.objects.none()

    @extend_schema(summary="A webhook's deliveries, newest first, with status and response code")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        webhook = selectors.webhook_get(owner=self.request.user, webhook_id=self.kwargs["pk"])
        return selectors.webhook_deliveries_list(webhook=webhook)


class WebhookDeliveryResendView(APIView):
    token_scopes = WEBHOOK_SCOPES

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer}, summary="Send a delivery again")
    def post(self, request, pk: int, delivery_id: int):
        delivery = services.webhook_delivery_resend(owner=request.user, webhook_id=pk, delivery_id=delivery_id)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
