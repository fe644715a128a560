// "Notifications on this device" (settings): registers /sw.js, subscribes this browser to Web Push with
// the server's VAPID public key and hands the subscription to /api/v1/me/push-subscriptions/.
import { api } from "./api.js";

const section = document.getElementById("push-device");
const status = document.getElementById("push-status");
const API = "/api/v1/me/push-subscriptions/";

function keyBytes(base64url) {
  const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function show(state, message = "") {
  section.dataset.state = state; // unsupported | blocked | off | on
  document.getElementById("push-enable").hidden = !["off", "blocked"].includes(state);
  document.getElementById("push-enable").disabled = state === "blocked";
  document.getElementById("push-disable").hidden = state !== "on";
  document.getElementById("push-test").hidden = state !== "on";
  status.textContent = message || {
    unsupported: "This browser can't receive push notifications.",
    blocked: "Notifications are blocked for this site in the browser's settings.",
    off: "Off on this device.",
    on: "On: this device gets notifications even when WatchTogether is closed.",
  }[state];
}

export function save(subscription) {
  return api("POST", API, subscription);
}

export function remove(endpoint) {
  return api("POST", `${API}remove/`, { endpoint });
}

async function registration() {
  await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  return navigator.serviceWorker.ready;
}

async function refresh() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return show("unsupported");
  const subscription = await (await registration()).pushManager.getSubscription();
  if (subscription) {
    await save(subscription.toJSON()); // keeps the server's copy current (keys can change)
    return show("on");
  }
  show(Notification.permission === "denied" ? "blocked" : "off");
}

async function enable() {
  const permission = await Notification.requestPermission();
  if (permission === "denied") return show("blocked");
  if (permission !== "granted") return show("off", "Notifications weren't allowed: try again and choose Allow.");
  try {
    const subscription = await (await registration()).pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(section.dataset.vapidKey),
    });
    await save(subscription.toJSON());
    show("on");
  } catch (err) {
    show("off", `Couldn't turn notifications on: ${err.message}`);
  }
}

async function disable() {
  const subscription = await (await registration()).pushManager.getSubscription();
  if (subscription) {
    await remove(subscription.endpoint).catch(() => null); // already gone on the server: fine
    await subscription.unsubscribe();
  }
  show("off");
}

async function test() {
  try {
    const { sent } = await api("POST", `${API}test/`);
    status.textContent = sent ? `Test sent to ${sent} device${sent === 1 ? "" : "s"}.` : "The push service refused the test.";
  } catch (err) {
    status.textContent = err.message;
  }
}

document.getElementById("push-enable").addEventListener("click", enable);
document.getElementById("push-disable").addEventListener("click", disable);
document.getElementById("push-test").addEventListener("click", test);
window.WTPush = { save, remove, ready: refresh().catch((err) => show("off", err.message)) };
