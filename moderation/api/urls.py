from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.ReportCreateView.as_view(), name="api-reports"),
    path("channels/<slug:slug>/automod-terms/", views.ChannelTermListView.as_view(), name="api-channel-automod-terms"),
    path("channels/<slug:slug>/automod-terms/<int:pk>/", views.ChannelTermDetailView.as_view(),
         name="api-channel-automod-term"),
]
