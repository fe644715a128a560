// Small notices in the shell's #toasts box (templates/base.html).

export function toast(text, kind = "info") {
  const node = document.createElement("div");
  node.className = `toast ${kind}`;
  node.textContent = text;
  document.getElementById("toasts").append(node);
  setTimeout(() => node.remove(), 5000);
}
