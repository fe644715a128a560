// Small notices in the shell's #toasts box (templates/base.html), each led by its kind's icon.
import { icon } from "./icons.js";

const ICONS = { info: "bell", success: "circle-check", error: "circle-alert" };

export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const node = document.createElement("div");
  node.className = `toast ${kind}`;
  const message = document.createElement("span");
  message.textContent = text;
  node.append(icon(ICONS[kind] || ICONS.info, { size: 18, className: "toast-icon" }), message);
  box.append(node);
  setTimeout(() => node.remove(), 5000);
}
