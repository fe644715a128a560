"""Pages: premium, a channel's support page (tiers, gifts, donations), the creator dashboard (charts, payouts),
and the Stripe webhook. Each POST makes one service call; refusals come back as messages."""

import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import User
from config.errors import ApplicationError
from monetization import selectors
from monetization.services import checkout, donations, payouts, premium, subscriptions
from monetization.services.webhooks import webhook_receive
from streams.models import Channel


def _absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def refusals_to_messages(back: str):
    """Run a POST view; an ApplicationError becomes a message on the page named `back` (same kwargs)."""
    def decorate(view):
        @wraps(view)
        def wrapped(request, **kwargs):
            try:
                return view(request, **kwargs)
            except ApplicationError as error:
                messages.error(request, error.message)
                return redirect(back, **kwargs)
        return wrapped
    return decorate


def premium_page(request):
    return render(request, "monetization/premium.html", {
        "is_configured": checkout.payments_are_configured(), "is_premium": selectors.user_is_premium(request.user),
        "price_minor": settings.PREMIUM_PRICE_MINOR,
    })


@require_POST
@login_required
@refusals_to_messages("premium")
def premium_checkout(request):
    start = premium.premium_checkout_start(user=request.user, success_url=_absolute(request, "payment-done"),
                                           cancel_url=_absolute(request, "premium"))
    return redirect(start.url)


@require_POST
@login_required
@refusals_to_messages("premium")
def billing_portal(request):
    return redirect(checkout.portal_session_start(user=request.user, return_url=_absolute(request, "premium")))


def payment_done(request):
    return render(request, "monetization/payment_done.html", {"dev_session": request.GET.get("dev_session", "")[:64]})


def support_page(request, slug):
    channel = get_object_or_404(Channel, slug=slug)
    return render(request, "monetization/support.html", {
        "channel": channel, "tiers": selectors.tiers_for(channel), "is_configured": checkout.payments_are_configured(),
        "subscription": selectors.channel_subscription_status(channel=channel, user=request.user),
        "min_minor": settings.DONATION_MIN_MINOR,
    })


@require_POST
@login_required
@refusals_to_messages("channel-support")
def support_subscribe(request, slug):
    channel = get_object_or_404(Channel, slug=slug)
    gift_handle = request.POST.get("gift_handle", "").strip().lstrip("@")
    gift_to = get_object_or_404(User, handle__iexact=gift_handle) if gift_handle else None
    start = subscriptions.subscription_checkout_start(
        user=request.user, tier_id=_int(request.POST.get("tier_id")), gift_to=gift_to,
        success_url=_absolute(request, "payment-done"), cancel_url=_absolute(request, "channel-support", slug=channel.slug))
    return redirect(start.url)


@require_POST
@login_required
@refusals_to_messages("channel-support")
def support_donate(request, slug):
    channel = get_object_or_404(Channel, slug=slug)
    start = donations.donation_checkout_start(
        user=request.user, channel=channel, amount_minor=_minor(request.POST.get("amount")),
        message=request.POST.get("message", ""), success_url=_absolute(request, "payment-done"),
        cancel_url=_absolute(request, "channel-support", slug=channel.slug))
    return redirect(start.url)


@login_required
def creator_dashboard(request):
    dashboard = selectors.creator_dashboard(creator=request.user)
    chart = {key: dashboard[key] for key in ("labels", "subscriptions", "donations", "currency")}
    return render(request, "monetization/dashboard.html", {
        **dashboard, "chart": json.dumps(chart), "is_configured": checkout.payments_are_configured(),
        "tiers": selectors.tiers_for(dashboard["channel"]) if dashboard["channel"] else [],
    })


@require_POST
@login_required
@refusals_to_messages("creator-dashboard")
def creator_tier_create(request):
    channel = get_object_or_404(Channel, owner=request.user)
    subscriptions.tier_create(actor=request.user, channel=channel, name=request.POST.get("name", ""),
                              price_minor=_minor(request.POST.get("price")), perks=request.POST.get("perks", ""),
                              order=_int(request.POST.get("order")) or 0)
    return redirect("creator-dashboard")


@require_POST
@login_required
@refusals_to_messages("creator-dashboard")
def creator_payout_onboard(request):
    return redirect(payouts.connect_onboarding_link(
        user=request.user, refresh_url=_absolute(request, "creator-dashboard"),
        return_url=_absolute(request, "creator-payout-return")))


@login_required
def creator_payout_return(request):
    payouts.connect_account_refresh(user=request.user)
    return redirect("creator-dashboard")


@require_POST
@login_required
@refusals_to_messages("creator-dashboard")
def creator_payout_request(request):
    payout = payouts.payout_request(creator=request.user, amount_minor=_minor(request.POST.get("amount")))
    messages.success(request, f"Payout of {payout.amount_minor / 100:.2f} {payout.currency.upper()} requested.")
    return redirect("creator-dashboard")


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's deliveries: 400 (and no write) unless the signature is right and fresh; 200 otherwise."""
    try:
        webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except ApplicationError as error:
        return HttpResponseBadRequest(error.message)
    return HttpResponse("ok")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _minor(value) -> int:
    """'4.99' → 499 (0 when not a price: the service refuses it)."""
    try:
        return round(float(value) * 100)
    except (TypeError, ValueError, OverflowError):
        return 0
