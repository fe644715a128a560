// One conversation (templates/dms/conversation.html; docs/dms.md): history with paging, live messages over
// the personal socket with a resync after every reconnect, edits and deletes of one's own, read receipts,
// the typing indicator, and calling the other person (the call opens in a private voice room).
import { api } from "./api.js";
import { toast } from "./toast.js";

const $ = (selector) => document.querySelector(selector);
const root = $("#dm-conversation");
const conversationId = Number(root.dataset.conversation);
const me = Number(document.body.dataset.userId);
const base = `/api/v1/dms/${conversationId}`;
const list = $("#dm-messages");
const readPositions = JSON.parse($("#dm-read-positions").textContent);
const messages = new Map();
let lastId = 0;
let placedCall = null;
const URL_PATTERN = /(https?:\/\/[^\s<]+)|(@[A-Za-z0-9_]{3,30})/g;

function text(body) {
  // Links and mentions as nodes (never innerHTML: bodies are user text).
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const match of body.matchAll(URL_PATTERN)) {
    fragment.append(body.slice(at, match.index));
    if (match[1]) fragment.append(Object.assign(document.createElement("a"), { href: match[1], textContent: match[1], rel: "noopener nofollow ugc", target: "_blank" }));
    else fragment.append(Object.assign(document.createElement("a"), { href: `/u/${match[2].slice(1).toLowerCase()}/`, textContent: match[2], className: "mention" }));
    at = match.index + match[0].length;
  }
  fragment.append(body.slice(at));
  return fragment;
}

function render(message) {
  let item = list.querySelector(`[data-id="${message.id}"]`);
  const fresh = !item;
  if (fresh) item = document.createElement("li");
  item.className = `dm-message${message.author.id === me ? " mine" : ""}${message.call ? " dm-call-record" : ""}`;
  item.dataset.id = String(message.id);
  const head = Object.assign(document.createElement("span"), { className: "dm-author muted small", textContent: message.author.display_name || message.author.handle });
  const body = Object.assign(document.createElement("span"), { className: "dm-body" });
  body.append(message.is_deleted ? "Message deleted" : text(message.body));
  item.replaceChildren(head, body);
  if (message.edited_at && !message.is_deleted) item.append(Object.assign(document.createElement("span"), { className: "muted small", textContent: " (edited)" }));
  if (message.author.id === me && !message.is_deleted && !message.call) {
    const edit = Object.assign(document.createElement("button"), { type: "button", className: "link small dm-edit", textContent: "Edit" });
    edit.addEventListener("click", () => editMessage(message));
    const remove = Object.assign(document.createElement("button"), { type: "button", className: "link small dm-delete", textContent: "Delete" });
    remove.addEventListener("click", () => api("DELETE", `${base}/messages/${message.id}/`).catch((e) => toast(e.message, "error")));
    item.append(edit, remove);
  }
  messages.set(message.id, message);
  if (fresh) {
    const after = [...list.children].find((li) => Number(li.dataset.id) > message.id);
    list.insertBefore(item, after || null);
  }
  lastId = Math.max(lastId, message.id);
}

async function editMessage(message) {
  const body = window.prompt("Edit your message", message.body);
  if (body === null || body === message.body) return;
  try {
    render(await api("PATCH", `${base}/messages/${message.id}/`, { body }));
  } catch (error) {
    toast(error.message, "error");
  }
}

function renderSeen() {
  const mine = [...messages.values()].filter((m) => m.author.id === me).map((m) => m.id);
  const latest = Math.max(0, ...mine);
  const seenBy = Object.entries(readPositions).filter(([user, id]) => Number(user) !== me && id >= latest && latest);
  $("#dm-seen").hidden = !seenBy.length;
  $("#dm-seen").textContent = seenBy.length ? "Seen" : "";
}

async function markRead() {
  if (!lastId || document.visibilityState !== "visible") return;
  if ((readPositions[me] || 0) >= lastId) return;
  readPositions[me] = lastId;
  await api("POST", `${base}/read/`, { message_id: lastId }).catch(() => {});
}

async function resync() {
  // After a reconnect: everything after the last message we have, then mark it read; and our call, if one
  // is ringing (a reload while calling keeps following it).
  const page = await api("GET", `${base}/messages/${lastId ? `?after=${lastId}` : ""}`);
  const call = (await api("GET", `${base}/`)).open_call;
  if (call && call.status === "ringing" && call.caller.id === me && $("#dm-call")) {
    placedCall = call.id;
    showCallState("Ringing…");
    $("#dm-call").lastChild.textContent = " Hang up";
  }
  page.forEach(render);
  renderSeen();
  list.lastElementChild?.scrollIntoView({ block: "end" });
  markRead();
}

$("#dm-older").addEventListener("click", async () => {
  const first = Math.min(...messages.keys());
  const page = await api("GET", `${base}/messages/?before=${first}`);
  page.forEach(render);
  if (!page.length) $("#dm-older").hidden = true;
});

let typingTimer = null;
$("#dm-body").addEventListener("input", () => {
  if (typingTimer) return;
  api("POST", `${base}/typing/`).catch(() => {});
  typingTimer = setTimeout(() => { typingTimer = null; }, 3000);
});
$("#dm-body").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("#dm-compose").requestSubmit();
  }
});

$("#dm-compose").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = $("#dm-body").value;
  if (!body.trim()) return;
  try {
    render(await api("POST", `${base}/messages/`, { body }));
    $("#dm-body").value = "";
    list.lastElementChild?.scrollIntoView({ block: "end" });
  } catch (error) {
    toast(error.message, "error");
  }
});

for (const [formId, method, path, key] of [["#dm-add", "POST", "/members/", "handle"], ["#dm-rename", "PATCH", "/", "name"]]) {
  $(formId)?.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(method, `${base}${path}`, { [key]: new FormData(event.target).get(key) });
      location.reload();
    } catch (error) {
      toast(error.message, "error");
    }
  });
}

// -- calls ------------------------------------------------------------------------------------
function showCallState(textContent) {
  $("#dm-call-state").hidden = !textContent;
  $("#dm-call-state").textContent = textContent || "";
}

function callEnded(state) {
  placedCall = null;
  showCallState(state);
  $("#dm-call").lastChild.textContent = " Call";
}

$("#dm-call")?.addEventListener("click", async () => {
  if (placedCall) {
    api("POST", `/api/v1/dms/calls/${placedCall}/hang-up/`).catch(() => {});
    return;
  }
  try {
    const call = await api("POST", `${base}/calls/`);
    if (call.status === "accepted") { location.href = `/r/${call.room}/#call`; return; } // they were calling us
    placedCall = call.id;
    showCallState("Ringing…");
    $("#dm-call").lastChild.textContent = " Hang up";
  } catch (error) {
    toast(error.message, "error");
  }
});

const realtime = window.WT.realtime;
realtime
  .on("hello", resync)
  .on("dms.message", (event) => {
    const conversation = event.message ? event.message.conversation_id : event.conversation_id;
    if (conversation !== conversationId) return;
    if (event.op === "deleted") {
      const old = messages.get(event.id);
      if (old) render({ ...old, is_deleted: true, body: "" });
      return;
    }
    render(event.message);
    $("#dm-typing").hidden = true;
    list.lastElementChild?.scrollIntoView({ block: "end" });
    renderSeen();
    markRead();
  })
  .on("dms.read", (event) => {
    if (event.conversation_id !== conversationId) return;
    readPositions[event.user_id] = event.last_read_id;
    renderSeen();
  })
  .on("dms.typing", (event) => {
    if (event.conversation_id !== conversationId) return;
    $("#dm-typing").textContent = `${event.user.display_name || event.user.handle} is typing…`;
    $("#dm-typing").hidden = false;
    clearTimeout(window.dmTypingHide);
    window.dmTypingHide = setTimeout(() => { $("#dm-typing").hidden = true; }, 4000);
  })
  .on("dms.call", (event) => {
    if (event.call.conversation_id !== conversationId || event.call.id !== placedCall) return;
    if (event.op === "accepted") location.href = `/r/${event.call.room}/#call`;
    else if (event.op !== "ringing") callEnded({ declined: "Declined", missed: "No answer" }[event.op] || "");
  })
  .on("dms.conversation", (event) => {
    if (event.op === "removed" && event.conversation_id === conversationId) location.href = "/messages/";
  });
document.addEventListener("visibilitychange", markRead);
