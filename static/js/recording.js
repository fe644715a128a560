// The voice card's recording badge (everyone) and Record / Stop button (the leader). The state comes
// with the page, then from media_relay.recording events on the room's socket (room.js hands them
// over) and from a re-read after every reconnect, since an event may have been missed meanwhile.
import { api } from "./api.js";
import { toast } from "./toast.js";

const badge = document.getElementById("voice-recording");
const button = document.getElementById("voice-record");
const url = `/api/v1/rooms/${document.getElementById("room").dataset.code}/recording/`;
let recording = !badge.hidden;

export function showRecording(isRecording) {
  recording = isRecording;
  badge.hidden = !recording;
  button.textContent = recording ? "Stop recording" : "Record";
  button.setAttribute("aria-pressed", String(recording));
}

export function allowRecording(isLeader) {
  button.hidden = !isLeader;
}

export async function refreshRecording() {
  showRecording((await api("GET", url)).is_recording);
}

button.addEventListener("click", async () => {
  button.disabled = true;
  const start = !recording; // decided now: the room's event may arrive before the reply
  try {
    await api(start ? "POST" : "DELETE", url);
    showRecording(start);
  } catch (error) {
    // someone else's click got there first: show what is true now
    if (error.code === "recording_in_progress") showRecording(true);
    else if (error.code === "recording_not_found") showRecording(false);
    else toast(error.message, "error");
  } finally {
    button.disabled = false;
  }
});
