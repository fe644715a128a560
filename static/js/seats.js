// A voice room's seats (Free4Talk / Clubhouse style): one seat per member with their avatar, a
// ring while they speak, mic-off and raised-hand badges, and — where the server's capabilities
// allow — a menu of what you may do to them. room.js hands over the roster and `me` (the hello
// snapshot, rooms.member / rooms.hand / rooms.me events); voice.js hands over who is in voice,
// speaking or muted there. What you may do comes from the server (rooms.selectors.member_capabilities):
// `actionsFor` below only looks it up, and is the one place the page reads those rules.

import { icon } from "./icons.js";

const LABELS = {
  mute: (member) => (member.is_muted ? "Unmute" : "Mute"),
  lower_hand: () => "Lower hand",
  role: (member) => (member.role === "moderator" ? "Make member" : "Make moderator"),
  transfer: () => "Make leader",
  kick: () => "Kick",
};
const MENU_ORDER = ["mute", "lower_hand", "role", "transfer", "kick"];

/** What `me` may do to `member`: the server's list for the member's role, never on oneself; a hand
 *  is lowered only while it is up. */
export function actionsFor(me, member, myId) {
  if (!me || !member || member.user.id === myId) return [];
  const allowed = (me.member_actions && me.member_actions[member.role]) || [];
  return MENU_ORDER.filter((action) => allowed.includes(action) && (action !== "lower_hand" || member.hand_raised_at));
}

/** The request one of actionsFor's actions makes: [label, method, path under the room's API, body, confirm]. */
export function actionRequest(action, member) {
  const user = member.user;
  const path = `members/${encodeURIComponent(user.handle)}`;
  const label = LABELS[action](member);
  switch (action) {
    case "mute": return { label, method: "POST", path: `${path}/mute/`, body: { is_muted: !member.is_muted } };
    case "lower_hand": return { label, method: "POST", path: `${path}/lower-hand/` };
    case "role": return { label, method: "POST", path: `${path}/role/`, body: { role: member.role === "moderator" ? "member" : "moderator" } };
    case "transfer": return { label, method: "POST", path: `${path}/transfer/`, confirm: `Hand leadership to @${user.handle}? You'll become a moderator.` };
    case "kick": return { label, method: "POST", path: `${path}/kick/`, confirm: `Remove @${user.handle} from the room for 10 minutes?` };
    default: throw new Error(`unknown member action ${action}`);
  }
}

/** Seat order: the leader, then moderators, then raised hands (first raised first), then everyone else by arrival. */
export function seatOrder(members) {
  const rank = { leader: 0, moderator: 1, member: 2 };
  const hand = (m) => (m.hand_raised_at ? 0 : 1);
  return [...members].sort((a, b) => rank[a.role] - rank[b.role] || hand(a) - hand(b)
    || String(a.hand_raised_at || a.joined_at).localeCompare(String(b.hand_raised_at || b.joined_at)));
}

function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/**
 * The seats: `render(state)` with {members (iterable), me, myId, voice: {inVoice, speaking, micOff} (Sets of user id strings)},
 * `onAction(action, member)` when a menu item is chosen.
 */
export class Seats {
  constructor(list, { onAction }) {
    this.list = list;
    this.onAction = onAction;
    this.openFor = null; // the user id whose menu is open, kept across re-renders
    document.addEventListener("click", (event) => {
      if (this.openFor !== null && !event.target.closest(".seat-menu, .seat-menu-btn")) this.closeMenu();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.openFor !== null) this.closeMenu();
    });
  }

  closeMenu() {
    this.openFor = null;
    for (const menu of this.list.querySelectorAll(".seat-menu")) menu.hidden = true;
    for (const button of this.list.querySelectorAll(".seat-menu-btn")) button.setAttribute("aria-expanded", "false");
  }

  render({ members, me, myId, voice }) {
    this.list.replaceChildren(...seatOrder(members).map((member) => this.seat(member, me, myId, voice)));
  }

  seat(member, me, myId, voice) {
    const user = member.user;
    const id = String(user.id);
    const name = user.display_name || user.handle;
    const inVoice = voice.inVoice.has(id);
    const speaking = inVoice && voice.speaking.has(id);
    const micOff = member.is_muted || (inVoice && voice.micOff.has(id));
    const seat = el("li", "seat");
    seat.dataset.member = id;
    seat.dataset.handle = user.handle;
    seat.classList.toggle("is-speaking", speaking);
    seat.classList.toggle("in-voice", inVoice);
    seat.classList.toggle("is-away", !member.is_connected);
    seat.classList.toggle("hand-raised", Boolean(member.hand_raised_at));

    const avatar = user.avatar_url ? el("img", "seat-avatar") : el("span", "seat-avatar avatar-initial", (name || "?").trim().charAt(0).toUpperCase());
    if (user.avatar_url) {
      avatar.src = user.avatar_url;
      avatar.alt = "";
    }
    const badges = el("span", "seat-avatar-wrap", avatar);
    if (micOff) badges.append(el("span", "seat-badge seat-mic-off", icon("mic-off", { size: 14 })));
    if (member.hand_raised_at) badges.append(el("span", "seat-badge seat-hand", icon("hand", { size: 14 })));
    const role = member.role === "leader" ? el("span", "seat-role is-leader", icon("crown", { size: 14 }))
      : member.role === "moderator" ? el("span", "seat-role is-moderator", icon("shield", { size: 14 })) : null;
    if (role) {
      role.title = member.role === "leader" ? "Leader" : "Moderator";
      badges.append(role);
    }

    const status = [];
    if (member.hand_raised_at) status.push("hand raised");
    if (micOff) status.push("muted");
    if (speaking) status.push("speaking");
    if (!inVoice) status.push(member.is_connected ? "not in voice" : "away");
    const label = el("span", "seat-name", name + (user.id === myId ? " (you)" : ""));
    const sub = el("span", "seat-sub", member.role === "member" ? (inVoice ? "in voice" : "") : member.role);
    seat.setAttribute("aria-label", `${name}${status.length ? `: ${status.join(", ")}` : ""}`);
    seat.append(badges, label, sub);

    const actions = actionsFor(me, member, myId);
    if (actions.length) seat.append(...this.menu(member, actions, name));
    return seat;
  }

  menu(member, actions, name) {
    const id = member.user.id;
    const button = el("button", "seat-menu-btn", icon("ellipsis-vertical", { size: 18 }));
    button.type = "button";
    button.setAttribute("aria-label", `Actions for ${name}`);
    button.setAttribute("aria-haspopup", "menu");
    const open = this.openFor === id;
    button.setAttribute("aria-expanded", String(open));
    const menu = el("div", "seat-menu");
    menu.setAttribute("role", "menu");
    menu.hidden = !open;
    for (const action of actions) {
      const { label } = actionRequest(action, member);
      const item = el("button", `seat-menu-item${action === "kick" ? " is-danger" : ""}`, label);
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.dataset.action = label;
      item.addEventListener("click", () => {
        this.closeMenu();
        this.onAction(action, member);
      });
      menu.append(item);
    }
    button.addEventListener("click", () => {
      const wasOpen = this.openFor === id;
      this.closeMenu();
      if (wasOpen) return;
      this.openFor = id;
      menu.hidden = false;
      button.setAttribute("aria-expanded", "true");
      menu.querySelector("button")?.focus();
    });
    return [button, menu];
  }
}
