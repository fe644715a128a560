// Small notices in the shell's #toasts box (templates/base.html).

export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const node = document.createElement("div");
  node.className = `toast ${kind}`;
  node.textContent = text;
  box.append(node);
  setTimeout(() => node.remove(), 5000);
}
