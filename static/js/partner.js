// Partner matching: wait in line, get paired live (rooms.match on the per-user socket).
import { api } from "./api.js";

const box = document.getElementById("partner");
const form = document.getElementById("partner-form");
const start = document.getElementById("partner-start");
const cancel = document.getElementById("partner-cancel");
const state = document.getElementById("partner-state");
const codes = (value) => value.split(",").map((code) => code.trim().toLowerCase()).filter(Boolean);

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
    const status = await api("POST", "/api/v1/matchmaking/", { speaks: codes(data.get("speaks")), learns: codes(data.get("learns")) });
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
