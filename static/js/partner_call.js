// A 1:1 partner call's extras (templates/rooms/_voice_room.html on a matchmade room): how many
// people are waiting for a partner now, and "Next partner" (POST /api/v1/matchmaking/next/: leave
// this call and wait again with the same languages; /partner/ shows the wait, or the next room opens).
import { api } from "./api.js";
import { toast } from "./toast.js";

const WAITING_POLL_MS = 15_000;
const count = document.getElementById("waiting-count");
const next = document.getElementById("next-partner");

function showWaiting(n) {
  count.dataset.count = String(n);
  count.querySelector("span").textContent = `${n} waiting for a partner`;
}

async function refreshWaiting() {
  if (document.visibilityState !== "visible") return;
  try {
    showWaiting((await api("GET", "/api/v1/matchmaking/")).waiting_count);
  } catch {
    /* the next poll tries again */
  }
}

next.addEventListener("click", async () => {
  next.disabled = true;
  window.dispatchEvent(new CustomEvent("room:gone")); // voice.js hangs up first
  try {
    const status = await api("POST", "/api/v1/matchmaking/next/");
    location.href = status.status === "matched" ? `/r/${status.room}/` : "/partner/";
  } catch (error) {
    next.disabled = false;
    toast(error.message || "Couldn't find the next partner.", "error");
  }
});

setInterval(refreshWaiting, WAITING_POLL_MS);
