"""A Stripe stand-in at the client's boundary (monetization.stripe_gateway): objects by id, calls recorded."""

import stripe

from monetization import dev_events, stripe_gateway

TEST_SECRET_KEY = "sk_test_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3"
TEST_WEBHOOK_SECRET = "whsec_test_" + "z" * 24


class FakeStripe:
    def __init__(self):
        self.objects: dict[str, dict] = {}
        self.calls: list[tuple[str, dict]] = []
        self.fail_transfers = False

    def put(self, obj: dict) -> dict:
        self.objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str):
        if object_id not in self.objects:
            raise stripe.InvalidRequestError(f"No such object: {object_id}", param="id")
        self.calls.append(("retrieve", {"id": object_id}))
        return stripe.StripeObject.construct_from(self.objects[object_id], "")

    def checkout_session_create(self, params: dict):
        session_id = dev_events.new_id("cs")
        self.calls.append(("checkout_session_create", params))
        return stripe.StripeObject.construct_from({"id": session_id, "url": f"https://checkout.stripe.test/{session_id}"}, "")

    def record(self, name: str, result: dict):
        def call(*args, **kwargs):
            self.calls.append((name, kwargs))
            if name == "transfer_create" and self.fail_transfers:
                raise stripe.InvalidRequestError("Insufficient funds in Stripe account", param="amount")
            return stripe.StripeObject.construct_from(result, "")
        return call

    def install(self, monkeypatch) -> None:
        for name in ("checkout_session_retrieve", "invoice_retrieve", "subscription_retrieve", "refund_retrieve",
                     "dispute_retrieve"):
            monkeypatch.setattr(stripe_gateway, name, self.get)
        monkeypatch.setattr(stripe_gateway, "checkout_session_create", self.checkout_session_create)
        monkeypatch.setattr(stripe_gateway, "billing_portal_session_create",
                            self.record("billing_portal_session_create", {"url": "https://billing.stripe.test/p"}))
        monkeypatch.setattr(stripe_gateway, "express_account_create",
                            self.record("express_account_create", {"id": "acct_test_1"}))
        monkeypatch.setattr(stripe_gateway, "account_link_create",
                            self.record("account_link_create", {"url": "https://connect.stripe.test/onboard"}))
        monkeypatch.setattr(stripe_gateway, "account_retrieve",
                            self.record("account_retrieve", {"id": "acct_test_1", "payouts_enabled": True}))
        monkeypatch.setattr(stripe_gateway, "transfer_create", self.record("transfer_create", {"id": "tr_test_1"}))
