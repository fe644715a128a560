// Settings, "Quiet hours" (docs/notifications.md): PUT /api/v1/me/quiet-hours/.
import { api } from "./api.js";
import { toast } from "./toast.js";

document.getElementById("quiet-hours-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    await api("PUT", "/api/v1/me/quiet-hours/", { starts: form.get("starts"), ends: form.get("ends") });
    toast("Quiet hours saved.", "success");
  } catch (error) {
    toast(error.message, "error");
  }
});
