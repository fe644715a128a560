// The service worker, served at /sw.js so its scope is the whole site (accounts.views.service_worker).
// It shows the Web Push messages the server sends (accounts.services.delivery.push_payload:
// title, body, url, icon, tag) and focuses or opens the message's page when it is clicked.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { body: event.data.text() };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "WatchTogether", {
      body: message.body || "",
      icon: message.icon,
      tag: message.tag,
      data: { url: message.url || "/" },
    }),
  );
});

function sameOriginUrl(url) {
  const target = new URL(url || "/", self.location.origin);
  return target.origin === self.location.origin ? target.href : self.location.origin + "/";
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = sameOriginUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const same = windows.find((client) => client.url === url);
      if (same) return same.focus();
      const ours = windows.find((client) => new URL(client.url).origin === self.location.origin);
      const navigated = ours ? await ours.navigate(url).catch(() => null) : null; // only a controlled tab can be navigated
      return navigated ? navigated.focus() : self.clients.openWindow(url);
    })(),
  );
});
