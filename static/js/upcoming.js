// The hallway's Upcoming list (templates/rooms/hallway.html): schedule a room (its time in this browser's
// zone, sent as UTC). "Remind me", "Add to calendar" and Cancel are plain data-api buttons and links.
import { api } from "./api.js";
import { toast } from "./toast.js";

document.getElementById("schedule-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    await api("POST", "/api/v1/scheduled-rooms/", {
      name: form.get("name"), kind: form.get("kind"), topic: form.get("topic") || "", level: form.get("level") || "",
      starts_at: new Date(form.get("starts_at")).toISOString(),
    });
    location.reload();
  } catch (error) {
    toast(error.message, "error");
  }
});
