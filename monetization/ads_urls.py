from django.urls import path

from . import ads_views

urlpatterns = [
    path("advertise/", ads_views.advertiser_home, name="ads-advertiser"),
    path("advertise/new/", ads_views.ad_new, name="ads-advertiser-new"),
    path("advertise/ads/<int:ad_id>/", ads_views.advertiser_ad, name="ads-advertiser-ad"),
    path("advertise/ads/<int:ad_id>/order/", ads_views.ad_order, name="ads-advertiser-order"),
    path("advertise/ads/<int:ad_id>/report.csv", ads_views.ad_report_csv, name="ads-advertiser-report"),
    path("ads/video/<str:signed>/", ads_views.ad_video, name="ads-video"),
]
