from django.urls import path

from monetization import views

urlpatterns = [
    path("premium/", views.premium_page, name="premium"),
    path("premium/checkout/", views.premium_checkout, name="premium-checkout"),
    path("billing/portal/", views.billing_portal, name="billing-portal"),
    path("payments/done/", views.payment_done, name="payment-done"),
    path("c/<slug:slug>/support/", views.support_page, name="channel-support"),
    path("c/<slug:slug>/support/subscribe/", views.support_subscribe, name="channel-support-subscribe"),
    path("c/<slug:slug>/support/donate/", views.support_donate, name="channel-support-donate"),
    path("creator/", views.creator_dashboard, name="creator-dashboard"),
    path("creator/tiers/", views.creator_tier_create, name="creator-tier-create"),
    path("creator/payouts/onboard/", views.creator_payout_onboard, name="creator-payout-onboard"),
    path("creator/payouts/return/", views.creator_payout_return, name="creator-payout-return"),
    path("creator/payouts/", views.creator_payout_request, name="creator-payout-request"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
]
