"""The purchase kinds the payments side sells, and what it plugs into lower apps' hooks (streams' subscription
reader, rooms' large-room check)."""

from monetization.purchases import register_purchase_kind


def register_payment_kinds() -> None:
    from monetization.selectors import channel_subscription_status, user_is_premium
    from monetization.services import ads, donations, premium, subscriptions
    from rooms.capacity import large_room_checks
    from streams.chat_policy import channel_subscription_reader_set

    register_purchase_kind(premium.PREMIUM_KIND, fulfil=premium.premium_fulfil, reverse=premium.premium_reverse)
    register_purchase_kind(subscriptions.SUBSCRIPTION_KIND, fulfil=subscriptions.subscription_fulfil,
                           reverse=subscriptions.subscription_reverse)
    register_purchase_kind(donations.DONATION_KIND, fulfil=donations.donation_fulfil,
                           reverse=donations.donation_reverse)
    register_purchase_kind(ads.AD_ORDER_KIND, fulfil=ads.ad_order_paid, reverse=ads.ad_order_reversed)
    channel_subscription_reader_set(channel_subscription_status)
    large_room_checks.register(user_is_premium)  # premium: watch rooms up to 50
