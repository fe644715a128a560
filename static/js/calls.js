// On every signed-in page (templates/base.html): the header's unread messages count, and the incoming-call
// prompt (docs/dms.md "Calls"): the stage invite's call-style prompt, Accept / Decline, a 30 s countdown,
// shown on every open tab and taken down on all of them once the call is answered, cancelled or missed.
import { api } from "./api.js";
import { toast } from "./toast.js";

const $ = (selector) => document.querySelector(selector);
const me = Number(document.body.dataset.userId);
const realtime = window.WT.realtime;

// -- unread count ----------------------------------------------------------------------------
let unreadTimer = null;
export function refreshUnread() {
  clearTimeout(unreadTimer);
  unreadTimer = setTimeout(async () => {
    const unread = await api("GET", "/api/v1/dms/unread/");
    const badge = $("#dm-count");
    badge.textContent = unread.total > 99 ? "99+" : String(unread.total);
    badge.hidden = unread.total === 0;
    badge.dataset.total = String(unread.total);
    for (const count of document.querySelectorAll("[data-dm-count]")) {
      const n = unread.conversations[count.dataset.dmCount] || 0;
      count.textContent = String(n);
      count.hidden = n === 0;
    }
  }, 100);
}

// -- the prompt ---------------------------------------------------------------------------------
const prompt = $("#call-prompt");
let ringing = null;
let countdown = null;

function hidePrompt() {
  clearInterval(countdown);
  ringing = null;
  prompt.hidden = true;
}

function showPrompt(call) {
  const left = () => Math.max(0, Math.round((Date.parse(call.expires_at) - Date.now()) / 1000));
  if (left() <= 0) return;
  ringing = call;
  const caller = call.caller;
  const name = caller.display_name || caller.handle;
  $("#call-prompt-caller").textContent = name;
  const avatar = $("#call-prompt-avatar");
  avatar.hidden = !caller.avatar_url;
  if (caller.avatar_url) avatar.src = caller.avatar_url;
  $("#call-prompt-initial").hidden = Boolean(caller.avatar_url);
  $("#call-prompt-initial").textContent = name.slice(0, 1).toUpperCase();
  $("#call-prompt-seconds").textContent = left();
  prompt.hidden = false;
  prompt.dataset.call = String(call.id);
  $("#call-accept").focus();
  clearInterval(countdown);
  countdown = setInterval(() => {
    $("#call-prompt-seconds").textContent = left();
    if (left() <= 0) hidePrompt(); // the server marks it missed; its event reaches every tab
  }, 250);
}

async function answer(verb) {
  if (!ringing) return;
  const call = ringing;
  if (verb === "accept") {
    try {
      const microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
      microphone.getTracks().forEach((t) => t.stop()); // asked now; the room's voice opens its own
    } catch {
      toast("The microphone is needed for a call.", "error");
      return;
    }
  }
  hidePrompt();
  try {
    const answered = await api("POST", `/api/v1/dms/calls/${call.id}/${verb}/`);
    if (answered.status === "accepted") location.href = `/r/${answered.room}/#call`;
  } catch (error) {
    toast(error.message || "The call is over.", "error"); // answered on another tab first, or missed
  }
}

$("#call-accept").addEventListener("click", () => answer("accept"));
$("#call-decline").addEventListener("click", () => answer("decline"));

// dms.call events seen: a ringing list asked for before the latest one came is older than what it said.
let callEvents = 0;

realtime
  .on("hello", async () => {
    refreshUnread();
    const seen = callEvents;
    const calls = await api("GET", "/api/v1/dms/calls/ringing/");
    if (seen !== callEvents) return;
    if (calls.length) showPrompt(calls[0]);
    else if (ringing) hidePrompt();
  })
  .on("dms.message", (event) => {
    if (event.op === "created" && event.message.author.id !== me) refreshUnread();
  })
  .on("dms.read", (event) => {
    if (event.user_id === me) refreshUnread();
  })
  .on("dms.call", (event) => {
    callEvents += 1;
    if (event.op === "ringing" && event.call.callee.id === me) showPrompt(event.call);
    else if (ringing && ringing.id === event.call.id) hidePrompt();
  });
