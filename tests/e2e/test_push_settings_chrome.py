"""Settings → "Notifications on this device" in Chromium: /sw.js registers with the whole site as its
scope, the Enable button shows, the page's API round trip stores and removes a subscription, and the
service worker shows a pushed message (delivered through DevTools, as a push service would).

A real pushManager.subscribe() needs Google's push service (FCM), which this machine can't reach: the
test stops at the failure message the page shows for it, and stands in for the subscription with one
made like a browser's (a real P-256 key pair). Encryption and VAPID are tested against a push service
stand-in in tests/accounts/test_web_push.py."""

import json
import time

import pytest
from playwright.sync_api import expect

from accounts.models import PushSubscription
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.push_service import Browser
from tests.e2e.test_account_journey import sign_in

pytestmark = pytest.mark.e2e


def test_settings_register_the_service_worker_and_round_trip_a_subscription(asgi_server, new_page):
    base = asgi_server.url
    alice = UserFactory(handle="alice")
    page = new_page("alice")
    sign_in(page, base, alice.email, PASSWORD)
    page.goto(f"{base}/settings/#notifications")

    section = page.locator("#push-device")
    expect(section).to_have_attribute("data-state", "off")
    expect(page.locator("#push-enable")).to_be_visible()
    expect(page.locator("#push-disable")).to_be_hidden()
    registration = page.evaluate("""async () => {
        const r = await navigator.serviceWorker.getRegistration("/");
        return {scope: r.scope, script: r.active.scriptURL};
    }""")
    assert registration == {"scope": f"{base}/", "script": f"{base}/sw.js"}

    # Enable: permission granted, then subscribe() fails here (no route to FCM) and the page says so.
    page.context.grant_permissions(["notifications"], origin=base)
    page.click("#push-enable")
    expect(page.locator("#push-status")).to_contain_text("Couldn't turn notifications on", timeout=30_000)
    expect(section).to_have_attribute("data-state", "off")

    # The page's API round trip with a subscription as PushSubscription.toJSON() gives it.
    browser = Browser(endpoint="https://fcm.googleapis.com/fcm/send/e2e-test-browser")
    saved = page.evaluate("json => window.WTPush.save(json)", browser.to_json())
    stored = PushSubscription.objects.get(pk=saved["id"])
    assert (stored.user, stored.endpoint, stored.p256dh, stored.auth) == (alice, browser.endpoint, browser.p256dh, browser.auth)
    assert "Chrome" in stored.user_agent
    page.evaluate("endpoint => window.WTPush.remove(endpoint)", browser.endpoint)
    assert not PushSubscription.objects.exists()

    # The service worker shows a pushed message: DevTools delivers it as the push service would.
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.wait_for_function("true")
    [registration_id] = {r["registrationId"] for r in registrations if r["scopeURL"] == f"{base}/" and not r["isDeleted"]}
    message = {"title": "Stream went live", "body": "@bob is live", "url": f"{base}/@bob", "tag": "notification-1",
               "icon": f"{base}/static/img/logo.svg"}
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": base, "registrationId": registration_id, "data": json.dumps(message)})
    # Polled from here: wait_for_function takes an async predicate's promise itself as truthy.
    shown, deadline = None, time.monotonic() + 10
    while shown is None and time.monotonic() < deadline:
        shown = page.evaluate("""async () => {
            const r = await navigator.serviceWorker.getRegistration("/");
            const [n] = await r.getNotifications();
            return n ? {title: n.title, body: n.body, tag: n.tag, url: n.data.url} : null;
        }""")
        page.wait_for_timeout(100)
    assert shown == {"title": "Stream went live", "body": "@bob is live", "tag": "notification-1", "url": f"{base}/@bob"}
