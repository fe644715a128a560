// The hallway: public rooms, live. Filters query the API; created/updated/closed arrive over /ws/hallway/.
// The level filter keeps rooms opened from a scheduled room of that level (rooms.selectors.hallway_list):
// a card's event carries no level, so with a level set an unknown room's event reloads the list instead.
// The Upcoming list (rendered with the page) hides the items the language and level filters leave out.
import { api } from "./api.js";
import { Realtime } from "./realtime.js";

const list = document.getElementById("hallway-list");
const form = document.getElementById("hallway-filters");
const template = document.getElementById("room-card-template");
const KIND_LABELS = { watch: "Watch party", voice: "Voice room" };
const LANGUAGE_NAMES = JSON.parse(document.getElementById("language-names").textContent); // accounts/languages.py

function card(room) {
  const el = template.content.firstElementChild.cloneNode(true);
  el.href = `/r/${room.code}/`;
  el.dataset.code = room.code;
  el.querySelector('[data-field="kind"]').textContent = KIND_LABELS[room.kind] || room.kind;
  el.querySelector('[data-field="name"]').textContent = room.name;
  el.querySelector('[data-field="topic"]').textContent = room.topic;
  el.querySelector('[data-field="members"]').textContent = `${room.member_count}/${room.max_members}`;
  el.querySelector('[data-field="languages"]').textContent = room.languages.map((code) => LANGUAGE_NAMES[code] || code).join(", ");
  return el;
}

function filters() {
  const data = new FormData(form);
  const params = new URLSearchParams();
  for (const key of ["q", "kind", "language", "level"]) if (data.get(key)) params.set(key, data.get(key));
  if (data.get("has_seats")) params.set("has_seats", "true");
  return params;
}

function matches(room) {
  const params = filters();
  const q = (params.get("q") || "").toLowerCase();
  if (q && !`${room.name} ${room.topic}`.toLowerCase().includes(q)) return false;
  if (params.get("kind") && room.kind !== params.get("kind")) return false;
  if (params.get("language") && !room.languages.includes(params.get("language"))) return false;
  if (params.get("has_seats") && room.member_count >= room.max_members) return false;
  return room.member_count > 0;
}

function render(rooms) {
  list.replaceChildren(...rooms.map(card));
  if (!rooms.length) list.innerHTML = '<p class="muted" id="hallway-empty">No rooms match.</p>';
}

function filterUpcoming(params) {
  for (const item of document.querySelectorAll(".upcoming-item")) {
    const language = params.get("language");
    const level = params.get("level");
    item.hidden = Boolean((language && !item.dataset.languages.split(" ").includes(language))
      || (level && item.dataset.level !== level));
  }
}

async function reload() {
  const params = filters();
  filterUpcoming(params);
  const page = await api("GET", `/api/v1/rooms/?${params}`);
  render(page.results);
}

let reloadTimer;
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(reload, 200);
}

form.addEventListener("input", reloadSoon);
form.addEventListener("submit", (event) => event.preventDefault());

const hallway = new Realtime("/ws/hallway/");
window.WT_HALLWAY = hallway;
hallway
  .on("hello", reload) // every (re)connect: the database is the truth
  .on("rooms.hallway", (event) => {
    const existing = list.querySelector(`[data-code="${CSS.escape(event.code || event.room.code)}"]`);
    if (filters().get("level") && !existing && event.op !== "closed") return reloadSoon();
    if (event.op === "closed" || !matches(event.room)) {
      existing?.remove();
      return;
    }
    document.getElementById("hallway-empty")?.remove();
    if (existing) existing.replaceWith(card(event.room));
    else list.prepend(card(event.room));
  });
hallway.connect();
