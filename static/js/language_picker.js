// A searchable chip picker for every <select data-language-picker> (multiple or single), loaded on
// every page by base.html. The <select> stays in the form, hidden, and holds the value; without
// JavaScript it is the plain select. Keyboard: type to filter (or Down to list all), Up/Down to move, Enter to pick,
// Escape to close, Backspace in an empty search to drop the last chip. data-max caps the picks.
// With data-levels (a JSON list of [value, label]) each chip also gets a level select named
// data-level-name + the language code (the learning languages' CEFR level), set from data-level-values.
import { icon } from "./icons.js";

let pickers = 0;

export function enhance(select) {
  if (select.dataset.languagePickerReady) return;
  select.dataset.languagePickerReady = "true";
  const id = `language-picker-${++pickers}`;
  const multiple = select.multiple;
  const max = multiple ? Number(select.dataset.max) || Infinity : 1;
  const options = [...select.options].filter((option) => option.value);
  const blank = [...select.options].find((option) => !option.value); // a single select's "any"
  const levels = select.dataset.levels ? JSON.parse(select.dataset.levels) : null;
  const levelOf = new Map(Object.entries(JSON.parse(select.dataset.levelValues || "{}")));

  const root = document.createElement("div");
  root.className = "language-picker";
  const chips = document.createElement("ul");
  chips.className = "language-chips";
  const search = document.createElement("input");
  search.type = "text";
  search.autocomplete = "off";
  search.className = "language-search";
  search.setAttribute("role", "combobox");
  search.setAttribute("aria-autocomplete", "list");
  search.setAttribute("aria-expanded", "false");
  search.setAttribute("aria-controls", `${id}-list`);
  const list = document.createElement("ul");
  list.className = "language-list";
  list.id = `${id}-list`;
  list.setAttribute("role", "listbox");
  list.hidden = true;
  root.append(chips, search, list);

  // The field's <label> (or the select's aria-label) now names the search box.
  const label = select.id && document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
  search.id = `${id}-search`;
  if (label) label.htmlFor = search.id;
  else search.setAttribute("aria-label", select.getAttribute("aria-label") || "Language");
  search.placeholder = blank ? blank.textContent : "Search languages";

  select.hidden = true;
  select.tabIndex = -1;
  select.after(root);

  let shown = [];
  let active = -1;
  const chosen = () => options.filter((option) => option.selected);
  const full = () => chosen().length >= max;

  function announce() {
    select.dispatchEvent(new Event("input", { bubbles: true }));
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function renderChips() {
    chips.replaceChildren(
      ...chosen().map((option) => {
        const chip = document.createElement("li");
        chip.className = "language-chip";
        chip.dataset.value = option.value;
        const name = document.createElement("span");
        name.textContent = option.textContent;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "language-chip-remove";
        remove.setAttribute("aria-label", `Remove ${option.textContent}`);
        remove.append(icon("x", { size: 14 }));
        remove.addEventListener("click", () => {
          unpick(option);
          search.focus();
        });
        chip.append(name);
        if (levels) chip.append(levelSelect(option));
        chip.append(remove);
        return chip;
      }),
    );
    chips.hidden = chips.childElementCount === 0;
    if (!multiple) search.placeholder = chosen().length ? "Change language" : blank?.textContent || "Search languages";
  }

  // A chosen language's level (kept across re-renders in levelOf; posted with the form).
  function levelSelect(option) {
    const level = document.createElement("select");
    level.className = "language-level";
    level.name = `${select.dataset.levelName}${option.value}`;
    level.setAttribute("aria-label", `Level in ${option.textContent}`);
    level.append(new Option("Level…", ""), ...levels.map(([value, label]) => new Option(label, value)));
    level.value = levelOf.get(option.value) || "";
    level.addEventListener("change", () => levelOf.set(option.value, level.value));
    return level;
  }

  function renderList() {
    const query = search.value.trim().toLowerCase();
    // Names that start with the query first ("span": Spanish before Argentinian Spanish), then the rest.
    const rank = (option) => {
      const name = option.textContent.toLowerCase();
      if (name.startsWith(query) || option.value.toLowerCase() === query) return 0;
      return name.includes(query) ? 1 : 2;
    };
    shown = options.filter((option) => !option.selected && rank(option) < 2).sort((a, b) => rank(a) - rank(b));
    active = shown.length ? Math.max(0, Math.min(active, shown.length - 1)) : -1;
    if (multiple && full()) {
      const note = document.createElement("li");
      note.className = "language-note";
      note.textContent = `Up to ${max}: remove one to pick another.`;
      list.replaceChildren(note);
      search.removeAttribute("aria-activedescendant");
      return;
    }
    list.replaceChildren(
      ...shown.map((option, index) => {
        const item = document.createElement("li");
        item.id = `${id}-option-${index}`;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", String(index === active));
        item.className = index === active ? "active" : "";
        item.textContent = option.textContent;
        item.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus in the search
        item.addEventListener("click", () => pick(option));
        return item;
      }),
    );
    if (!shown.length) {
      const none = document.createElement("li");
      none.className = "language-note";
      none.textContent = "No language matches.";
      list.append(none);
    }
    if (active >= 0) {
      search.setAttribute("aria-activedescendant", `${id}-option-${active}`);
      list.children[active].scrollIntoView({ block: "nearest" });
    } else search.removeAttribute("aria-activedescendant");
  }

  function open(isOpen) {
    list.hidden = !isOpen;
    search.setAttribute("aria-expanded", String(isOpen));
    if (isOpen) renderList();
  }

  function pick(option) {
    if (!multiple) for (const other of options) other.selected = false;
    option.selected = true;
    search.value = "";
    renderChips();
    announce();
    open(false); // an open list would cover the fields below; typing or Down opens it again
  }

  function unpick(option) {
    option.selected = false;
    if (!multiple && blank) blank.selected = true;
    renderChips();
    announce();
    if (!list.hidden) renderList();
  }

  search.addEventListener("input", (event) => {
    event.stopPropagation(); // the search text is not a form value (the hallway filters on input)
    active = 0;
    open(true);
  });
  search.addEventListener("click", () => open(true));
  search.addEventListener("blur", () => open(false));
  search.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) return open(true);
      if (!shown.length) return;
      active = (active + (event.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length;
      renderList();
    } else if (event.key === "Enter") {
      if (list.hidden || active < 0 || !shown.length) return;
      event.preventDefault(); // pick, don't submit the form
      pick(shown[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      open(false);
    } else if (event.key === "Backspace" && !search.value && chosen().length) {
      unpick(chosen().at(-1));
    }
  });
  select.form?.addEventListener("reset", () => setTimeout(renderChips));
  renderChips();
}

for (const select of document.querySelectorAll("select[data-language-picker]")) enhance(select);
