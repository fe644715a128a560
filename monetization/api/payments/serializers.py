from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...ads_selectors import ad_daily_figures, ad_summary
from ...models import Ad, ChannelSubscription, Donation, Payout, SubscriptionTier


class PremiumStatusSerializer(serializers.Serializer):
    is_premium = serializers.BooleanField(help_text="No ads, the premium badge, rooms up to 50 (paid or won).")
    premium_until = serializers.DateTimeField(allow_null=True)
    price_minor = serializers.IntegerField(help_text="The monthly price, in the currency's minor unit (cents).")
    currency = serializers.CharField()
    payments_configured = serializers.BooleanField(help_text="False: checkouts answer 503 payments_not_configured.")


class CheckoutStartSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Stripe Checkout: send the user there to pay.")
    session_id = serializers.CharField()


class PortalSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Stripe's customer portal: cancel at period end, invoices, payment method.")


class SubscriptionCheckoutSerializer(serializers.Serializer):
    tier_id = serializers.IntegerField()
    gift_to = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                    help_text="A handle: gift one month to them instead of subscribing yourself.")


class DonationCheckoutSerializer(serializers.Serializer):
    amount_minor = serializers.IntegerField(help_text="In cents; at least 100.")
    message = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="At most 300 characters, through the chat filters.")


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubscriptionTier
        fields = ["id", "name", "price_minor", "currency", "perks", "order"]


class ChannelRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class ChannelSubscriptionSerializer(serializers.ModelSerializer):
    channel = ChannelRefSerializer()
    tier = TierSerializer()
    is_active = serializers.SerializerMethodField()
    gifted_by = serializers.SlugRelatedField(slug_field="handle", read_only=True, allow_null=True)

    class Meta:
        model = ChannelSubscription
        fields = ["id", "channel", "tier", "is_active", "active_until", "is_founder", "gifted_by", "created_at"]

    def get_is_active(self, subscription) -> bool:
        return subscription.active_until > self.context["now"]


class DonationSerializer(serializers.ModelSerializer):
    channel = ChannelRefSerializer()
    donor = serializers.SlugRelatedField(slug_field="handle", read_only=True, allow_null=True)

    class Meta:
        model = Donation
        fields = ["id", "channel", "donor", "stream", "amount_minor", "currency", "message", "is_reversed",
                  "created_at"]


class PayoutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payout
        fields = ["id", "amount_minor", "currency", "status", "created_at"]


class SupporterSerializer(serializers.Serializer):
    handle = serializers.CharField(source="donor__handle")
    total_minor = serializers.IntegerField(source="total")
    count = serializers.IntegerField()


class EarningsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    balance_minor = serializers.IntegerField(help_text="Earned (net of the platform fee) minus paid out.")
    subscriber_count = serializers.IntegerField()
    payouts_enabled = serializers.SerializerMethodField()
    labels = serializers.ListField(child=serializers.DateField(), help_text="The last 30 days, oldest first.")
    subscriptions = serializers.ListField(child=serializers.IntegerField(), help_text="Gross, per day of `labels`.")
    donations = serializers.ListField(child=serializers.IntegerField(), help_text="Per day of `labels`.")
    top_supporters = SupporterSerializer(many=True)

    def get_payouts_enabled(self, dashboard) -> bool:
        return bool(dashboard["connect_account"] and dashboard["connect_account"].payouts_enabled)


class AdFiguresSerializer(serializers.Serializer):
    served = serializers.IntegerField(help_text="View tokens issued.")
    completed = serializers.IntegerField(help_text="Verified views (80 % watched): the impressions.")
    bought = serializers.IntegerField()
    remaining = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True, help_text="Percent of served views completed.")
    paid_minor = serializers.IntegerField()
    spend_minor = serializers.IntegerField(help_text="The share of the paid amount already delivered.")
    currency = serializers.CharField()


class AdStatsSerializer(serializers.ModelSerializer):
    figures = serializers.SerializerMethodField()

    class Meta:
        model = Ad
        fields = ["id", "title", "status", "duration_ms", "offers_xp", "reward_title", "rejection_reason",
                  "created_at", "figures"]

    @extend_schema_field(AdFiguresSerializer)
    def get_figures(self, ad) -> dict:
        return AdFiguresSerializer(ad_summary(ad=ad)).data


class AdDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    served = serializers.IntegerField()
    completed = serializers.IntegerField()


class AdDetailSerializer(AdStatsSerializer):
    daily = serializers.SerializerMethodField()

    class Meta(AdStatsSerializer.Meta):
        fields = [*AdStatsSerializer.Meta.fields, "daily"]

    @extend_schema_field(AdDaySerializer(many=True))
    def get_daily(self, ad) -> list:
        return AdDaySerializer(ad_daily_figures(ad=ad), many=True).data
