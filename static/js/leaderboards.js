// Leaderboards: the page re-reads its board from the API every 15 s while the tab is visible,
// and 2 s after the viewer's own XP changes (gamification.xp on /ws/me/). Why polling rather
// than a pushed "leaderboard changed" event: docs/realtime.md, "Gamification".
import { api } from "./api.js";
import { icon } from "./icons.js";

export const POLL_MS = 15000;
const AFTER_OWN_XP_MS = 2000;
const PLACES = { 1: "1st", 2: "2nd", 3: "3rd" }; // a medal in the podium colour (templates/gamification/_board_row.html)

const board = document.getElementById("board");
const number = new Intl.NumberFormat();

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function avatar(url, name, extraClass = "") {
  if (url) {
    const img = el("img", "avatar avatar-md");
    img.src = url;
    img.alt = "";
    img.loading = "lazy";
    return img;
  }
  const initial = el("span", `avatar avatar-md avatar-initial ${extraClass}`.trim(), (name || "?").charAt(0).toUpperCase());
  initial.setAttribute("aria-hidden", "true");
  return initial;
}

function who(row) {
  const p = row.user;
  const g = row.guild;
  const link = el(p || (g && g.url) ? "a" : "span", "player");
  const frame = el("span", `frame frame-sm${p && p.frame ? ` frame-${p.frame.style}` : ""}`);
  const name = el("span", "player-name");
  if (p) {
    link.href = `/@${p.handle}/`;
    frame.append(avatar(p.avatar_url, p.display_name || p.handle));
    const line = el("span", "player-line");
    line.append(el("strong", "", p.display_name || p.handle));
    if (p.is_premium) {
      line.append(icon("star", { label: "Premium", size: 14, className: "premium-star" }));
    }
    name.append(line);
    const sub = el("span", "muted", `@${p.handle}`);
    if (p.title) {
      sub.append(" · ", el("span", `player-title rarity-${p.title.rarity}`, p.title.name));
    }
    name.append(sub);
  } else if (g) {
    if (g.url) link.href = g.url;
    frame.append(avatar(g.avatar_url, g.name, "guild-initial"));
    name.append(el("strong", "", g.name), el("span", "muted", `${g.member_count} member${g.member_count === 1 ? "" : "s"}`));
  }
  link.append(frame, name);
  return link;
}

export function scoreText(row, metric) {
  return metric === "watch" ? `${row.hours.toFixed(1)} h` : `${number.format(row.score)} XP`;
}

export function rowElement(row, metric) {
  const tr = el("tr", "board-row");
  if (row.is_me) tr.classList.add("is-me");
  if (row.rank <= 3) tr.classList.add("podium", `podium-${row.rank}`);
  const rank = el("td", "rank");
  if (PLACES[row.rank]) {
    const medal = el("span", `medal-rank medal-rank-${row.rank}`);
    medal.title = PLACES[row.rank];
    medal.append(icon("medal", { label: PLACES[row.rank], size: 22 }));
    rank.append(medal);
  }
  else rank.textContent = number.format(row.rank);
  const person = el("td", "who");
  person.append(who(row));
  const level = el("td", "lvl");
  if (row.user) level.append(el("span", "level-chip", `Lv ${row.user.level}`));
  tr.append(rank, person, level, el("td", "score", scoreText(row, metric)));
  return tr;
}

function render(page) {
  const metric = page.metric;
  document.getElementById("board-rows").replaceChildren(...page.entries.map((row) => rowElement(row, metric)));
  document.getElementById("board-empty").hidden = page.entries.length > 0;
  document.getElementById("board-total").textContent = number.format(page.total);
  const pinned = document.getElementById("board-me");
  const showPinned = page.me && page.me.rank > page.entries.length;
  pinned.hidden = !showPinned;
  document.getElementById("board-me-row").replaceChildren(...(page.me ? [rowElement(page.me, metric)] : []));
  if (page.me) {
    const body = document.getElementById("you-body");
    body.replaceChildren(
      el("p", "big", `#${number.format(page.me.rank)}`),
      el("p", "muted", `of ${number.format(page.total)} · ${scoreText(page.me, metric)}`),
    );
    body.firstChild.id = "you-rank";
  }
  board.dataset.updatedAt = page.as_of;
}

let timer = null;
let inFlight = false;

async function refresh() {
  if (inFlight || document.hidden) return;
  inFlight = true;
  try {
    render(await api("GET", board.dataset.api));
    document.getElementById("board-live").classList.remove("stale");
  } catch {
    document.getElementById("board-live").classList.add("stale"); // keep the last rows; try again next tick
  } finally {
    inFlight = false;
  }
}

function schedule(delay = POLL_MS) {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    await refresh();
    schedule();
  }, delay);
}

if (board) {
  schedule();
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) schedule(0); // catch up at once when the tab comes back
  });
  window.WT?.realtime?.on("gamification.xp", () => schedule(AFTER_OWN_XP_MS));
}
