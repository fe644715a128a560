// The conversations page (templates/dms/list.html): open a one-to-one conversation, start a group,
// choose who may message me; live: a conversation with news reloads the list.
import { api } from "./api.js";
import { toast } from "./toast.js";

const $ = (selector) => document.querySelector(selector);

$("#dm-new").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const conversation = await api("POST", "/api/v1/dms/", { handle: $("#dm-new-handle").value });
    location.href = `/messages/${conversation.id}/`;
  } catch (error) {
    toast(error.message, "error");
  }
});

$("#dm-group-new").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const conversation = await api("POST", "/api/v1/dms/groups/", { name: form.get("name") || "", members: form.getAll("members") });
    location.href = `/messages/${conversation.id}/`;
  } catch (error) {
    toast(error.message, "error");
  }
});

$("#dm-messages-from").addEventListener("change", async (event) => {
  try {
    await api("PUT", "/api/v1/dms/settings/", { messages_from: event.target.value });
    toast("Saved.", "success");
  } catch (error) {
    toast(error.message, "error");
  }
});

window.WT.realtime.on("dms.conversation", () => location.reload());
