// The showcase chooser: badges are shown in the order they were ticked (at most data-max). The
// form posts badge_ids in that order; without JavaScript it posts them in page order.
const form = document.getElementById("showcase-form");

if (form) {
  const max = Number(form.dataset.max);
  const boxes = [...form.querySelectorAll('input[name="badge_ids"]')];
  let order = boxes.filter((b) => b.checked).sort((a, b) => Number(a.dataset.position) - Number(b.dataset.position));

  const paint = () => {
    for (const box of boxes) {
      const index = order.indexOf(box);
      const tile = box.closest(".badge-tile");
      tile.classList.toggle("chosen", index >= 0);
      tile.classList.toggle("full", index < 0 && order.length >= max);
      tile.querySelector(".badge-order").textContent = index >= 0 ? String(index + 1) : "";
    }
    document.getElementById("showcase-count").textContent = `${order.length}/${max}`;
  };

  for (const box of boxes) {
    box.addEventListener("change", () => {
      if (box.checked && order.length >= max) {
        box.checked = false;
        return;
      }
      order = box.checked ? [...order, box] : order.filter((b) => b !== box);
      paint();
    });
  }

  form.addEventListener("submit", () => {
    for (const box of boxes) box.name = "";
    for (const box of order) {
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "badge_ids";
      hidden.value = box.value;
      form.append(hidden);
    }
  });
  paint();
}
