// The site shell on every signed-in page: live bell, toasts, action buttons, live regions, force logout.
import { api } from "./api.js";
import { Realtime } from "./realtime.js";
import { toast } from "./toast.js";

const $ = (selector, root = document) => root.querySelector(selector);
const realtime = new Realtime();
window.WT = { realtime, events: [] };

// -- dropdowns ---------------------------------------------------------------------
function dropdown(buttonId, menuId, onOpen) {
  const button = document.getElementById(buttonId);
  const menu = document.getElementById(menuId);
  if (!button) return;
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    menu.hidden = !menu.hidden;
    button.setAttribute("aria-expanded", String(!menu.hidden));
    if (!menu.hidden && onOpen) onOpen();
  });
  document.addEventListener("click", (event) => {
    if (!menu.contains(event.target)) menu.hidden = true;
  });
}

// -- notifications bell ----------------------------------------------------------------
function setUnread(count) {
  const badge = $("#bell-count");
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.hidden = count === 0;
}

function renderNotification(n) {
  const li = document.createElement("li");
  if (!n.read_at) li.className = "unread";
  const link = document.createElement("a");
  link.href = n.url;
  link.textContent = n.text;
  li.append(link);
  if (n.actions?.length) li.append(notificationActions(n.actions));
  return li;
}

// Answer a guild invite or request right in the bell (the same data-api buttons as the pages).
function notificationActions(actions) {
  const row = document.createElement("span");
  row.className = "notif-actions";
  for (const action of actions) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = action.is_primary ? "btn btn-primary btn-sm" : "btn btn-sm";
    button.textContent = action.label;
    button.dataset.api = `${action.method} ${action.url}`;
    if (action.then) button.dataset.then = action.then;
    row.append(button);
  }
  return row;
}

async function loadBell() {
  const page = await api("GET", "/api/v1/notifications/?page_size=10");
  const list = $("#bell-list");
  list.replaceChildren(...page.results.map(renderNotification));
  if (!page.results.length) list.innerHTML = '<li class="muted">No notifications yet.</li>';
}

// -- the page links: a panel opened by the menu button on narrow screens -------------------
const navToggle = $("#nav-toggle");
const navLinks = $("#nav-links");
function setNavOpen(open) {
  navLinks.classList.toggle("open", open);
  navToggle.setAttribute("aria-expanded", String(open));
  navToggle.setAttribute("aria-label", open ? "Close menu" : "Menu");
}
navToggle?.addEventListener("click", (event) => {
  event.stopPropagation();
  setNavOpen(!navLinks.classList.contains("open"));
});
document.addEventListener("click", (event) => {
  if (navLinks?.classList.contains("open") && !navLinks.contains(event.target)) setNavOpen(false);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && navLinks?.classList.contains("open")) {
    setNavOpen(false);
    navToggle.focus();
  }
});

dropdown("bell-button", "bell-menu", loadBell);
dropdown("menu-button", "menu");
$("#bell-read-all")?.addEventListener("click", () => api("POST", "/api/v1/notifications/read-all/").then(loadBell));

// -- live regions: server-rendered sections re-fetched when their events arrive ----------
const pending = new Set();
let refreshTimer = null;

async function refreshRegions(ids) {
  const html = await (await fetch(location.href, { credentials: "same-origin" })).text();
  const fresh = new DOMParser().parseFromString(html, "text/html");
  for (const id of ids) {
    const next = fresh.getElementById(id);
    const current = document.getElementById(id);
    if (next && current) current.innerHTML = next.innerHTML;
  }
}

function scheduleRefresh(id) {
  pending.add(id);
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    const ids = [...pending];
    pending.clear();
    refreshRegions(ids);
  }, 150);
}

realtime.on("*", (event) => {
  window.WT.events.push(event);
  for (const region of document.querySelectorAll("[data-live-refresh]")) {
    if (region.dataset.liveRefresh.split(" ").includes(event.type)) scheduleRefresh(region.id);
  }
});

// -- action buttons: data-api="METHOD /api/v1/..." [data-body] [data-confirm] [data-done] [data-then] --
// After success: go to data-then, else refresh the bell (its buttons) or the live region around the button, else reload.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-api]");
  if (!button) return;
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
  const [method, url] = button.dataset.api.split(" ");
  button.disabled = true;
  try {
    await api(method, url, button.dataset.body ? JSON.parse(button.dataset.body) : undefined);
    if (button.dataset.done) toast(button.dataset.done, "success");
    const region = button.closest("[data-live-refresh]");
    if (button.dataset.then) location.href = button.dataset.then;
    else if (button.closest("#bell-list")) await loadBell();
    else if (region) await refreshRegions([region.id]);
    else location.reload();
  } catch (error) {
    toast(error.message || "Something went wrong.", "error");
    button.disabled = false;
  }
});

// -- real-time events ---------------------------------------------------------------------
const REASONS = {
  signed_in_elsewhere: "Your account signed in on another device, so this one was signed out.",
  signed_out: "You signed out.",
  account_deactivated: "This account was deactivated.",
  session_expired: "Your session expired.",
  account_suspended: "This account was suspended. Signing in says until when.",
};

function showSignedOut(reason) {
  $("#session-ended-reason").textContent = REASONS[reason] || "You were signed out.";
  $("#session-ended").hidden = false;
}

// The channel layer is at-most-once: after every (re)connect, fetch what arrived meanwhile.
let lastNotificationId = null;
async function resyncNotifications() {
  const query = lastNotificationId === null ? "page_size=1" : `after=${lastNotificationId}&page_size=20`;
  const page = await api("GET", `/api/v1/notifications/?${query}`);
  if (lastNotificationId !== null) page.results.reverse().forEach((n) => toast(n.text));
  if (page.results.length) lastNotificationId = Math.max(lastNotificationId || 0, ...page.results.map((n) => n.id));
  else if (lastNotificationId === null) lastNotificationId = 0;
}

realtime
  .on("hello", (hello) => {
    setUnread(hello.unread_count);
    resyncNotifications();
  })
  .on("notifications.notification", (event) => {
    setUnread(event.unread_count);
    if (event.op === "created") {
      lastNotificationId = Math.max(lastNotificationId, event.notification.id);
      toast(event.notification.text);
      if (!$("#bell-menu").hidden) loadBell();
    }
  })
  .on("presence.user", (event) => {
    for (const dot of document.querySelectorAll(`[data-presence="${event.user_id}"]`)) {
      dot.classList.toggle("online", event.op === "online");
    }
  })
  .on("session.force_logout", (event) => showSignedOut(event.reason))
  // The close (4409) follows the event; on its own it means the event was lost on the way.
  .on("session_ended", (reason) => {
    if ($("#session-ended").hidden) showSignedOut(reason);
  });

realtime.connect();
