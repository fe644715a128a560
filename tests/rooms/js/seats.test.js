// Unit tests for static/js/seats.js, run in headless chromium by tests/rooms/test_js_seats.py.
import { Seats, actionRequest, actionsFor, seatOrder } from "/static/js/seats.js";
import { assert, test } from "./minitest.js";

export { tests } from "./minitest.js";

const LEADER_ME = { member_actions: { leader: [], moderator: ["mute", "kick", "lower_hand", "role", "transfer"], member: ["mute", "kick", "lower_hand", "role", "transfer"] } };
const MOD_ME = { member_actions: { leader: [], moderator: [], member: ["mute", "kick", "lower_hand"] } };
const NOBODY = { member_actions: { leader: [], moderator: [], member: [] } };

function person(id, role = "member", fields = {}) {
  return { user: { id, handle: `user${id}`, display_name: `User ${id}`, avatar_url: null }, role, is_muted: false,
    is_connected: true, joined_at: `2026-01-01T00:00:0${id}Z`, hand_raised_at: null, ...fields };
}

function voice({ inVoice = [], speaking = [], micOff = [] } = {}) {
  return { inVoice: new Set(inVoice), speaking: new Set(speaking), micOff: new Set(micOff) };
}

function stage() {
  const box = document.getElementById("stage");
  box.innerHTML = '<template id="js-icons"><span data-icon="mic-off"><svg class="icon i-mic-off"></svg></span><span data-icon="hand"><svg class="icon i-hand"></svg></span>'
    + '<span data-icon="crown"><svg class="icon i-crown"></svg></span><span data-icon="shield"><svg></svg></span><span data-icon="ellipsis-vertical"><svg class="icon i-more"></svg></span></template><ul id="seats"></ul>';
  return box.querySelector("#seats");
}

test("actionsFor: the server's list for the target's role", () => {
  assert.deepEqual(actionsFor(LEADER_ME, person(2), 1), ["mute", "role", "transfer", "kick"]);
  assert.deepEqual(actionsFor(MOD_ME, person(2), 1), ["mute", "kick"]);
  assert.deepEqual(actionsFor(MOD_ME, person(2, "moderator"), 1), []);
  assert.deepEqual(actionsFor(NOBODY, person(2), 1), []);
});

test("actionsFor: never on oneself, nothing before the hello", () => {
  assert.deepEqual(actionsFor(LEADER_ME, person(1), 1), []);
  assert.deepEqual(actionsFor(null, person(2), 1), []);
});

test("actionsFor: a hand is lowered only while it is up", () => {
  assert.deepEqual(actionsFor(MOD_ME, person(2, "member", { hand_raised_at: "2026-01-01T00:01:00Z" }), 1), ["mute", "lower_hand", "kick"]);
});

test("actionRequest: the endpoint, body and confirmation of each action", () => {
  const muted = person(2, "moderator", { is_muted: true });
  assert.deepEqual(actionRequest("mute", muted), { label: "Unmute", method: "POST", path: "members/user2/mute/", body: { is_muted: false } });
  assert.deepEqual(actionRequest("role", muted).body, { role: "member" });
  assert.equal(actionRequest("role", person(3)).label, "Make moderator");
  assert.equal(actionRequest("lower_hand", muted).path, "members/user2/lower-hand/");
  assert.ok(actionRequest("kick", muted).confirm.includes("@user2"));
  assert.equal(actionRequest("transfer", muted).label, "Make leader");
});

test("seatOrder: leader, moderators, raised hands first come, then arrivals", () => {
  const members = [person(4), person(3, "member", { hand_raised_at: "2026-01-01T00:05:00Z" }), person(2, "moderator"),
    person(5, "member", { hand_raised_at: "2026-01-01T00:04:00Z" }), person(1, "leader")];
  assert.deepEqual(seatOrder(members).map((m) => m.user.id), [1, 2, 5, 3, 4]);
});

test("Seats: rings the speaker, badges mute and hand, icons from the page's template", () => {
  const list = stage();
  const seats = new Seats(list, { onAction: () => {} });
  seats.render({ members: [person(1, "leader"), person(2, "member", { hand_raised_at: "2026-01-01T00:05:00Z" }), person(3, "member", { is_muted: true })],
    me: NOBODY, myId: 1, voice: voice({ inVoice: ["1", "2"], speaking: ["2"], micOff: ["1"] }) });
  const seat = (id) => list.querySelector(`[data-member="${id}"]`);
  assert.ok(seat(2).classList.contains("is-speaking") && !seat(1).classList.contains("is-speaking"));
  assert.ok(seat(1).querySelector(".seat-mic-off .i-mic-off"), "in voice with the mic off");
  assert.ok(seat(3).querySelector(".seat-mic-off"), "muted by a moderator, even out of voice");
  assert.ok(!seat(2).querySelector(".seat-mic-off"));
  assert.ok(seat(2).querySelector(".seat-hand .i-hand") && seat(2).classList.contains("hand-raised"));
  assert.ok(seat(1).querySelector(".seat-role .i-crown"));
  assert.ok(!seat(3).classList.contains("in-voice") && seat(3).getAttribute("aria-label").includes("not in voice"));
  assert.equal(list.querySelectorAll(".seat-menu-btn").length, 0, "no powers, no menus");
  assert.ok(!/[\u{1F300}-\u{1FAFF}\u2600-\u27BF]/u.test(list.textContent), "no emoji in the seats");
});

test("Seats: the host's menu opens, acts once, and stays open across a re-render", () => {
  const list = stage();
  const chosen = [];
  const seats = new Seats(list, { onAction: (action, member) => chosen.push([action, member.user.id]) });
  const state = { members: [person(1, "leader"), person(2)], me: LEADER_ME, myId: 1, voice: voice() };
  seats.render(state);
  assert.equal(list.querySelector('[data-member="1"] .seat-menu-btn'), null, "no menu on my own seat");
  list.querySelector('[data-member="2"] .seat-menu-btn').click();
  seats.render(state); // an event arrives while the menu is open
  const menu = list.querySelector('[data-member="2"] .seat-menu');
  assert.ok(!menu.hidden);
  assert.deepEqual([...menu.querySelectorAll("[data-action]")].map((b) => b.dataset.action), ["Mute", "Make moderator", "Make leader", "Kick"]);
  menu.querySelector('[data-action="Kick"]').click();
  assert.deepEqual(chosen, [["kick", 2]]);
  assert.ok(list.querySelector('[data-member="2"] .seat-menu').hidden);
});
