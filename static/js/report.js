// The report dialog (templates/moderation/_report_dialog.html, on every signed-in page): any button with
// data-report-kind and data-report-id opens it (the page's subject, the ad player), and where a page has
// a chat (data-report-chat, templates/moderation/_report_menu.html) a flag on each message. Sends
// POST /api/v1/reports/ {kind, id, category, note}.
import { api } from "./api.js";
import { icon } from "./icons.js";
import { toast } from "./toast.js";

const dialog = document.getElementById("report-dialog");
const form = document.getElementById("report-form");
const error = document.getElementById("report-error");
let target = null;

function open(kind, id, what) {
  target = { kind, id: String(id) };
  document.getElementById("report-what").textContent = what;
  error.hidden = true;
  form.reset();
  dialog.showModal();
}

form.addEventListener("submit", async (event) => {
  if (event.submitter?.value !== "send") return;
  event.preventDefault();
  try {
    await api("POST", "/api/v1/reports/", {
      ...target, category: form.category.value, note: form.note.value,
    });
    dialog.close();
    toast("Thanks: staff will review it.", "success");
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  }
});

// One listener for every report button, those drawn later too (the ad player's, once an ad is served).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-report-kind]");
  if (!button || !button.dataset.reportId) return;
  open(button.dataset.reportKind, button.dataset.reportId, button.title || "");
});

for (const marker of document.querySelectorAll("[data-report-chat]")) {
  const list = document.querySelector(marker.dataset.reportChatList);
  if (!list) continue;
  // A flag on every message, however the chat renders them (data-id or data-message on each row).
  const flag = (row) => {
    if (row.querySelector(":scope > .report-flag")) return;
    const id = row.dataset.id || row.dataset.message;
    if (!id) return;
    const flagButton = document.createElement("button");
    flagButton.type = "button";
    flagButton.className = "btn-icon report-flag";
    flagButton.title = "Report this message";
    flagButton.append(icon("flag", { label: "Report", size: 16 }));
    flagButton.addEventListener("click", () => open(marker.dataset.reportChat, id, row.textContent.slice(0, 120)));
    row.append(flagButton);
  };
  new MutationObserver(() => list.querySelectorAll(":scope > [data-id], :scope > [data-message]").forEach(flag))
    .observe(list, { childList: true });
  list.querySelectorAll(":scope > [data-id], :scope > [data-message]").forEach(flag);
}
