"""Back office for payments (read-only: money moves only through Stripe and the services; the audit trail
records each movement). Kept apart from the ad marketplace's admin; imported in MonetizationConfig.ready."""

from django.contrib import admin

from monetization.models import (
    ChannelSubscription,
    Donation,
    LedgerEntry,
    Payout,
    Purchase,
    SubscriptionTier,
    WebhookEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = ["stripe_id", "kind", "user", "amount_minor", "currency", "status", "reversed_minor", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["stripe_id", "payment_intent_id", "user__handle"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["stripe_id", "type", "received_at", "processed_at"]
    list_filter = ["type"]
    search_fields = ["stripe_id"]


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ["channel", "donor", "amount_minor", "currency", "is_reversed", "created_at"]


@admin.register(ChannelSubscription)
class ChannelSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["channel", "user", "tier", "active_until", "is_founder", "gifted_by"]


@admin.register(SubscriptionTier)
class SubscriptionTierAdmin(ReadOnlyAdmin):
    list_display = ["channel", "name", "price_minor", "currency", "order", "is_active"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["creator", "source", "reference", "amount_minor", "fee_minor", "currency", "created_at"]
    list_filter = ["source"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["creator", "amount_minor", "currency", "status", "stripe_transfer_id", "created_at"]
    list_filter = ["status"]
