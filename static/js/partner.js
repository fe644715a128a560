// Partner matching: pick languages, wait in line, get paired live (rooms.match on the per-user socket).
import { api } from "./api.js";

// The searchable picker enhances every <select data-language-picker>; without it the selects work as they are.
import("./language_picker.js").catch(() => {});

const box = document.getElementById("partner");
const form = document.getElementById("partner-form");
const start = document.getElementById("partner-start");
const cancel = document.getElementById("partner-cancel");
const state = document.getElementById("partner-state");
const waitingCount = document.getElementById("waiting-count");
const WAITING_POLL_MS = 15_000;

function show(status) {
  box.dataset.status = status.status;
  const waiting = status.status === "waiting";
  start.hidden = waiting;
  cancel.hidden = !waiting;
  const messages = {
    waiting: "Waiting for a partner… we'll take you to the room as soon as someone matches.",
    expired: "Nobody matched within 5 minutes — try again, or add languages.",
  };
  state.textContent = messages[status.status] || "";
  if (typeof status.waiting_count === "number") {
    waitingCount.dataset.count = String(status.waiting_count);
    waitingCount.querySelector("span").textContent = `${status.waiting_count} waiting for a partner`;
  }
}

// The one who completes a match hears it twice (the API reply and the live event): go once.
let leaving = false;
function goToRoom(code) {
  if (leaving) return;
  leaving = true;
  location.href = `/r/${code}/`;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  try {
    const status = await api("POST", "/api/v1/matchmaking/", { speaks: data.getAll("speaks"), learns: data.getAll("learns") });
    if (status.status === "matched") goToRoom(status.room);
    else show(status);
  } catch (error) {
    state.textContent = error.message;
  }
});

cancel.addEventListener("click", async () => {
  await api("DELETE", "/api/v1/matchmaking/");
  show({ status: "cancelled" });
});

window.WT.realtime.on("rooms.match", (event) => {
  if (event.op === "found") goToRoom(event.room);
  else show({ status: "expired" });
});
show({ status: box.dataset.status });
setInterval(async () => {
  if (document.visibilityState !== "visible") return;
  try {
    show(await api("GET", "/api/v1/matchmaking/"));
  } catch {
    /* the next poll tries again */
  }
}, WAITING_POLL_MS);
