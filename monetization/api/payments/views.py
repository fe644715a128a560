"""/api/v1/ payments: premium, channel subscriptions, donations, a creator's earnings and payouts, an advertiser's
ads. Thin views over monetization.selectors / .ads_selectors (reads) and the checkout services (writes).

Money reads need the `payments:read` scope and checkouts `payments:write`; a channel's tiers are public. Without
Stripe keys every checkout answers 503 `payments_not_configured`. Checkout returns to the site's own pages.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import TokenScopes
from accounts.scopes import Scope
from accounts.selectors import user_get_by_handle
from config.api import parse
from config.errors import ErrorSerializer
from config.filters import ListConventions
from streams.selectors import channel_get

from ... import ads_selectors, selectors
from ...models import Ad, ChannelSubscription, Donation, Payout, SubscriptionTier
from ...services import checkout, donations, premium, subscriptions
from .serializers import (
    AdDetailSerializer,
    AdStatsSerializer,
    ChannelSubscriptionSerializer,
    CheckoutStartSerializer,
    DonationCheckoutSerializer,
    DonationSerializer,
    EarningsSerializer,
    PayoutSerializer,
    PortalSerializer,
    PremiumStatusSerializer,
    SubscriptionCheckoutSerializer,
    TierSerializer,
)

ERROR = OpenApiResponse(ErrorSerializer)
CHECKOUT_ERRORS = {400: ERROR, 403: ERROR, 404: ERROR, 503: OpenApiResponse(
    ErrorSerializer, description="payments_not_configured: this server has no Stripe keys")}


def _absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def _started(start: checkout.CheckoutStart) -> Response:
    return Response(CheckoutStartSerializer({"url": start.url, "session_id": start.session_id}).data,
                    status=status.HTTP_201_CREATED)


class PaymentsReadMixin:
    # the caller's own money: a token needs payments:read (read alone does not open it)
    token_scopes = {"get": Scope.PAYMENTS_READ}


# -- premium --------------------------------------------------------------------------------------------------
class PremiumStatusView(PaymentsReadMixin, APIView):
    @extend_schema(responses={200: PremiumStatusSerializer}, summary="Your premium: whether, until when, the price")
    def get(self, request):
        return Response(PremiumStatusSerializer(selectors.premium_status(user=request.user)).data)


class PremiumCheckoutView(APIView):
    token_scopes = {"post": Scope.PAYMENTS_WRITE}

    @extend_schema(request=None, responses={201: CheckoutStartSerializer, **CHECKOUT_ERRORS},
                   summary="Start a Stripe Checkout for monthly premium (send the user to `url`)")
    def post(self, request):
        return _started(premium.premium_checkout_start(user=request.user, success_url=_absolute(request, "payment-done"),
                                                       cancel_url=_absolute(request, "premium")))


class BillingPortalView(APIView):
    token_scopes = {"post": Scope.PAYMENTS_WRITE}

    @extend_schema(request=None, responses={201: PortalSerializer, **CHECKOUT_ERRORS},
                   summary="Open Stripe's customer portal: cancel at period end, invoices, payment method")
    def post(self, request):
        url = checkout.portal_session_start(user=request.user, return_url=_absolute(request, "premium"))
        return Response(PortalSerializer({"url": url}).data, status=status.HTTP_201_CREATED)


# -- channel subscriptions and donations ---------------------------------------------------------------------
class ChannelTierListView(ListConventions, generics.ListAPIView):
    """Public, like the channel's support page."""
    filterset_fields = ()
    ordering_fields = ()  # a fixed order

    serializer_class = TierSerializer
    queryset = SubscriptionTier.objects.none()
    permission_classes = [AllowAny, TokenScopes]
    pagination_class = None  # at most TIERS_MAX

    @extend_schema(responses={200: TierSerializer(many=True), 404: ERROR}, summary="A channel's subscription tiers")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.tiers_for(channel_get(slug=self.kwargs["slug"]))


class SubscriptionCheckoutView(APIView):
    token_scopes = {"post": Scope.PAYMENTS_WRITE}

    @extend_schema(request=SubscriptionCheckoutSerializer, responses={201: CheckoutStartSerializer, **CHECKOUT_ERRORS},
                   summary="Start a Stripe Checkout: subscribe to one of the channel's tiers, or gift a month")
    def post(self, request, slug):
        channel = channel_get(slug=slug)
        body = parse(SubscriptionCheckoutSerializer, request)
        gift_to = user_get_by_handle(handle=body["gift_to"], viewer=request.user) if body.get("gift_to") else None
        return _started(subscriptions.subscription_checkout_start(
            user=request.user, tier_id=body["tier_id"], gift_to=gift_to, channel=channel,
            success_url=_absolute(request, "payment-done"), cancel_url=_absolute(request, "channel-support", slug=slug)))


class DonationCheckoutView(APIView):
    token_scopes = {"post": Scope.PAYMENTS_WRITE}

    @extend_schema(request=DonationCheckoutSerializer, responses={201: CheckoutStartSerializer, **CHECKOUT_ERRORS},
                   summary="Start a Stripe Checkout for a donation to the channel (its live stream's alert)")
    def post(self, request, slug):
        channel = channel_get(slug=slug)
        return _started(donations.donation_checkout_start(
            user=request.user, channel=channel, **parse(DonationCheckoutSerializer, request),
            success_url=_absolute(request, "payment-done"), cancel_url=_absolute(request, "channel-support", slug=slug)))


@extend_schema_view(get=extend_schema(summary="Your channel subscriptions (active and lapsed), newest first"))
class MySubscriptionListView(ListConventions, PaymentsReadMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    serializer_class = ChannelSubscriptionSerializer
    queryset = ChannelSubscription.objects.none()

    def get_queryset(self):
        return selectors.subscriptions_of(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


@extend_schema_view(get=extend_schema(summary="The donations you made, newest first"))
class DonationsMadeView(ListConventions, PaymentsReadMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    serializer_class = DonationSerializer
    queryset = Donation.objects.none()

    def get_queryset(self):
        return selectors.donations_made(user=self.request.user)


@extend_schema_view(get=extend_schema(summary="The donations to your channel, newest first (refunded ones marked is_reversed)"))
class DonationsReceivedView(ListConventions, PaymentsReadMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    serializer_class = DonationSerializer
    queryset = Donation.objects.none()

    def get_queryset(self):
        return selectors.donations_received(creator=self.request.user)


# -- a creator's money ------------------------------------------------------------------------------------------
class EarningsView(PaymentsReadMixin, APIView):
    @extend_schema(responses={200: EarningsSerializer},
                   summary="Your creator earnings: balance, subscribers, top supporters, revenue per day (30 days)")
    def get(self, request):
        return Response(EarningsSerializer(selectors.creator_dashboard(creator=request.user)).data)


@extend_schema_view(get=extend_schema(summary="Your payouts and their status, newest first"))
class PayoutListView(ListConventions, PaymentsReadMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    serializer_class = PayoutSerializer
    queryset = Payout.objects.none()

    def get_queryset(self):
        return selectors.payouts_of(creator=self.request.user)


# -- an advertiser's ads ----------------------------------------------------------------------------------------
@extend_schema_view(get=extend_schema(summary="Your ads with their figures (served, completed, remaining, spend), newest first"))
class MyAdListView(ListConventions, PaymentsReadMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    serializer_class = AdStatsSerializer
    queryset = Ad.objects.none()

    def get_queryset(self):
        return ads_selectors.ads_of_user(user=self.request.user)


class MyAdDetailView(PaymentsReadMixin, APIView):
    @extend_schema(responses={200: AdDetailSerializer, 403: ERROR, 404: ERROR},
                   summary="One of your ads: its figures and views served / completed per day")
    def get(self, request, ad_id):
        return Response(AdDetailSerializer(ads_selectors.ad_get_for_owner(user=request.user, ad_id=ad_id)).data)
