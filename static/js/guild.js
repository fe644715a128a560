// A guild's page: guild chat over /ws/guilds/<slug>/, live roster and rooms, officer forms.
// Server-rendered sections marked data-live-refresh are re-fetched by the shell (shell.js) when
// their events arrive; this socket's events are handed to the shell for that.
import { api } from "./api.js";
import { Realtime } from "./realtime.js";
import { toast } from "./toast.js";

const page = document.getElementById("guild-page");
const slug = page.dataset.slug;
const base = `/api/v1/guilds/${slug}`;
const myId = Number(document.body.dataset.userId);
let myRole = page.dataset.role;

const log = document.getElementById("chat-log");
const template = document.getElementById("chat-message-template");
const status = document.getElementById("chat-status");

// -- chat -------------------------------------------------------------------------------
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

function avatar(user) {
  if (user.avatar_url) {
    const img = document.createElement("img");
    img.className = "avatar avatar-sm";
    img.src = user.avatar_url;
    img.alt = `@${user.handle}`;
    return img;
  }
  const initial = document.createElement("span");
  initial.className = "avatar avatar-sm avatar-initial";
  initial.textContent = (user.display_name || user.handle).charAt(0).toUpperCase();
  return initial;
}

function canDelete(authorId) {
  return authorId === myId || myRole === "leader" || myRole === "officer";
}

function renderMessage(message) {
  const el = template.content.firstElementChild.cloneNode(true);
  el.dataset.id = message.id;
  el.dataset.author = message.author.id;
  el.querySelector('[data-field="avatar"]').replaceChildren(avatar(message.author));
  el.querySelector('[data-field="name"]').textContent = message.author.display_name || `@${message.author.handle}`;
  const time = el.querySelector('[data-field="time"]');
  time.dateTime = message.created_at;
  time.textContent = timeFormat.format(new Date(message.created_at));
  markDeleted(el, message.is_deleted);
  if (!message.is_deleted) el.querySelector('[data-field="body"]').textContent = message.body;
  return el;
}

function markDeleted(el, isDeleted) {
  el.classList.toggle("is-deleted", isDeleted);
  if (isDeleted) el.querySelector('[data-field="body"]').textContent = "message deleted";
  el.querySelector('[data-field="delete"]').hidden = isDeleted || !canDelete(Number(el.dataset.author));
}

function scrollToEnd() {
  log.scrollTop = log.scrollHeight;
}

function renderAll(messages) {
  log.replaceChildren(...messages.map(renderMessage));
  if (!messages.length) {
    const empty = document.createElement("li");
    empty.className = "gchat-empty muted";
    empty.id = "chat-empty";
    empty.textContent = "No messages yet. Say hi!";
    log.append(empty);
  }
  scrollToEnd();
}

function append(message) {
  if (log.querySelector(`[data-id="${message.id}"]`)) return;
  document.getElementById("chat-empty")?.remove();
  const nearEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  log.append(renderMessage(message));
  if (nearEnd || message.author.id === myId) scrollToEnd();
}

function setStatus(text, live = false) {
  status.textContent = text;
  status.classList.toggle("is-live", live);
}

function connectChat() {
  const socket = new Realtime(`/ws/guilds/${slug}/`);
  window.WT_GUILD = socket;
  socket
    .on("hello", (hello) => {
      // Every (re)connect: the database is the truth.
      myRole = hello.me ? hello.me.role : "";
      renderAll(hello.messages);
      setStatus("live", true);
    })
    .on("guilds.chat", (event) => {
      if (event.op === "created") append(event.message);
      else if (event.op === "deleted") {
        const el = log.querySelector(`[data-id="${event.id}"]`);
        if (el) markDeleted(el, true);
      }
    })
    .on("guilds.member", (event) => {
      if (event.member.user.id === myId && event.op === "updated" && event.member.role !== myRole) location.reload();
    })
    .on("guilds.guild", (event) => {
      if (event.op === "disbanded") {
        socket.stopped = true;
        location.href = "/guilds/";
      }
    })
    .on("*", (event) => window.WT?.realtime.emit("*", event)) // live regions (shell.js)
    .on("close", (close) => {
      if (close.code === 4403) location.reload(); // no longer a member
      else if (close.code !== 4410) setStatus("reconnecting…");
    });
  socket.connect();

  document.getElementById("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = event.target.elements.body;
    const body = input.value.trim();
    if (!body) return;
    if (socket.socket?.readyState !== WebSocket.OPEN) {
      toast("Not connected yet: try again in a moment.", "error");
      return;
    }
    socket.send({ type: "chat.send", body, ref: Date.now() });
    input.value = "";
  });
  socket.on("error", (error) => toast(error.message, "error"));

  log.addEventListener("click", (event) => {
    const button = event.target.closest('[data-field="delete"]');
    if (!button) return;
    socket.send({ type: "chat.delete", id: Number(button.closest(".gchat-msg").dataset.id) });
  });

  for (const el of log.querySelectorAll(".gchat-msg")) markDeleted(el, el.classList.contains("is-deleted"));
  scrollToEnd();
}

// -- officer and leader forms -------------------------------------------------------------------
async function submitting(form, work) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await work(new FormData(form));
  } catch (error) {
    toast(error.message || "Something went wrong.", "error");
  } finally {
    button.disabled = false;
  }
}

document.getElementById("guild-invite-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  submitting(event.target, async (data) => {
    const handle = String(data.get("handle")).trim().replace(/^@/, "");
    await api("POST", `${base}/invites/`, { handle });
    toast(`Invited @${handle}`);
    event.target.reset();
  });
});

document.getElementById("guild-room-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  submitting(event.target, async (data) => {
    const room = await api("POST", `${base}/rooms/`, Object.fromEntries(data));
    location.href = `/r/${room.code}/`;
  });
});

// A guild event: 1–5 task rows; times are the browser's local time, sent with their offset.
const eventForm = document.getElementById("guild-event-form");
const taskRows = document.getElementById("event-task-rows");
const MAX_TASKS = 5;

function updateTaskButtons() {
  const rows = taskRows.querySelectorAll(".event-task-row");
  for (const button of taskRows.querySelectorAll("[data-remove-task]")) button.hidden = rows.length === 1;
  document.getElementById("event-add-task").disabled = rows.length >= MAX_TASKS;
}

if (eventForm) {
  document.getElementById("event-add-task").addEventListener("click", () => {
    const rows = taskRows.querySelectorAll(".event-task-row");
    if (rows.length >= MAX_TASKS) return;
    const row = rows[rows.length - 1].cloneNode(true);
    taskRows.append(row);
    row.querySelector("select").focus();
    updateTaskButtons();
  });
  taskRows.addEventListener("click", (event) => {
    if (!event.target.closest("[data-remove-task]")) return;
    event.target.closest(".event-task-row").remove();
    updateTaskButtons();
  });
  updateTaskButtons();

  eventForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(eventForm, async (data) => {
      const tasks = [...taskRows.querySelectorAll(".event-task-row")].map((row) => ({
        kind: row.querySelector("[name=kind]").value,
        target: Number(row.querySelector("[name=target]").value),
        xp_reward: Number(row.querySelector("[name=xp_reward]").value),
      }));
      const created = await api("POST", `${base}/events/`, {
        title: data.get("title"),
        description: data.get("description"),
        starts_at: new Date(String(data.get("starts_at"))).toISOString(),
        ends_at: new Date(String(data.get("ends_at"))).toISOString(),
        tasks,
      });
      toast(`Scheduled “${created.title}”`);
      location.reload();
    });
  });
}

document.getElementById("guild-disband")?.addEventListener("click", async (event) => {
  if (!window.confirm("Disband this guild for everyone? Members, chat and history are deleted. This can't be undone.")) return;
  event.target.disabled = true;
  try {
    await api("DELETE", `${base}/`);
    location.href = "/guilds/";
  } catch (error) {
    toast(error.message || "Something went wrong.", "error");
    event.target.disabled = false;
  }
});

// Asked to join and an officer said yes (it arrives on the shell's /ws/me socket): show the guild as a member.
window.WT?.realtime.on("guilds.join_request", (event) => {
  if (event.op === "approved" && event.join_request.user.id === myId && event.join_request.guild.slug === slug) {
    location.reload();
  }
});

if (log) connectChat();
