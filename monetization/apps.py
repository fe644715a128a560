from django.apps import AppConfig


class MonetizationConfig(AppConfig):
    name = "monetization"

    def ready(self) -> None:
        from gamification import views as gamification_views
        from monetization import admin_payments, ads_audit_verbs, ads_notification_kinds, audit_verbs  # noqa: F401
        from monetization.ads_slots import events_page_slot, room_page_slot
        from monetization.payment_kinds import register_payment_kinds
        from rooms import views as room_views

        register_payment_kinds()
        # monetization sits above rooms and gamification: its ad player joins their pages through their slots
        room_views.page_slots.register(room_page_slot)
        gamification_views.events_page_slots.register(events_page_slot)
