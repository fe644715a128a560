from django.urls import path

from . import views

urlpatterns = [
    path("me/premium/", views.PremiumStatusView.as_view(), name="api-me-premium"),
    path("me/subscriptions/", views.MySubscriptionListView.as_view(), name="api-me-subscriptions"),
    path("me/donations/", views.DonationsMadeView.as_view(), name="api-me-donations"),
    path("me/donations/received/", views.DonationsReceivedView.as_view(), name="api-me-donations-received"),
    path("me/earnings/", views.EarningsView.as_view(), name="api-me-earnings"),
    path("me/payouts/", views.PayoutListView.as_view(), name="api-me-payouts"),
    path("me/ads/", views.MyAdListView.as_view(), name="api-me-ads"),
    path("me/ads/<int:ad_id>/", views.MyAdDetailView.as_view(), name="api-me-ad"),
    path("payments/premium/checkout/", views.PremiumCheckoutView.as_view(), name="api-premium-checkout"),
    path("payments/portal/", views.BillingPortalView.as_view(), name="api-billing-portal"),
    path("channels/<slug:slug>/tiers/", views.ChannelTierListView.as_view(), name="api-channel-tiers"),
    path("channels/<slug:slug>/subscriptions/checkout/", views.SubscriptionCheckoutView.as_view(),
         name="api-channel-subscription-checkout"),
    path("channels/<slug:slug>/donations/checkout/", views.DonationCheckoutView.as_view(),
         name="api-channel-donation-checkout"),
]
