from django.urls import path

from . import views

urlpatterns = [
    path("webhooks/", views.WebhookListView.as_view(), name="api-webhooks"),
    path("webhooks/<int:pk>/", views.WebhookDetailView.as_view(), name="api-webhook"),
    path("webhooks/<int:pk>/deliveries/", views.WebhookDeliveryListView.as_view(), name="api-webhook-deliveries"),
    path("webhooks/<int:pk>/deliveries/<int:delivery_id>/resend/", views.WebhookDeliveryResendView.as_view(),
         name="api-webhook-delivery-resend"),
]
