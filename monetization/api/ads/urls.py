from django.urls import path

from . import views

urlpatterns = [
    path("ads/next/", views.NextAdView.as_view(), name="api-ads-next"),
    path("ads/<int:ad_id>/views/", views.SponsoredAdView.as_view(), name="api-ad-sponsored-view"),
    path("ads/views/<str:token>/progress/", views.ViewProgressView.as_view(), name="api-ad-view-progress"),
]
