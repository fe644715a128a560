// The room page: /ws/rooms/<code>/ with reconnect and resync, clock sync, the correction
// loop that keeps the player on the room's position, and the room's UI (controls, roster
// with everyone's sync offset, chat, queue, leader panel). Server truth arrives as the
// hello snapshot (rooms.selectors.room_snapshot) and events (rooms/events.py).
import { api } from "./api.js";
import { icon } from "./icons.js";
import { LIVE_BEHIND_MAX_S, YouTubeInfo, createPlayer, shortcutFor } from "./players.js";
import { Seats, actionRequest, actionsFor } from "./seats.js";
import { Realtime } from "./realtime.js";
import { allowRecording, refreshRecording, showRecording } from "./recording.js";
import { ClockSync, DriftCorrector, driftMs, expectedPosition, formatDrift, formatTime, syncStatus } from "./sync.js";
import { toast } from "./toast.js";

// Sync tuning for measurement (bench/sync_accuracy.py): localStorage["wt:sync"] = JSON of
// sync.js SYNC_DEFAULTS overrides plus clockMethod ("bounds" | "min-rtt"), clockSize and
// clockTargetMs (below).
function syncOverrides() {
  try {
    const value = JSON.parse(localStorage.getItem("wt:sync") || "{}");
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}
const OVERRIDES = syncOverrides();

const TICK_MS = OVERRIDES.tickMs ?? 250; // correction loop period (as OpenTogetherTube recomputes)
const BURST_PINGS = 8; // clock samples right after (re)connecting...
// ...100 ms apart: a room's first play comes right after the page opens, and with 250 ms (2 s for the
// burst) the first play and seek at 0–100 ms jitter converged in 0.53–0.62 s, with 100 ms in ≤ 0.46 s.
// One busy moment that spoils them is mended by the refine pings below.
const BURST_SPACING_MS = OVERRIDES.burstSpacingMs ?? 100;
// Each sample narrows the offset's bounds only by its faster trip each way, and on a jittery
// link (or behind a busy server's queue) few trips are fast: while the bounds are wider than
// ±CLOCK_TARGET_MS, keep sampling gently (one ping every REFINE_EVERY_MS, at most REFINE_MAX per
// connection). With 0–100 ms jitter, ±8 ms and 30 pings 2 s apart left a clock error p95 of
// 27–36 ms on a busy machine; ±3 ms with pings 1 s apart, over 64 samples, brought it to 3–13 ms
// right after a page opens; 300 ms apart, to 2–4 ms (bench/README.md). On a calm link the burst alone
// reaches the target, and nothing more is sent.
const CLOCK_TARGET_MS = OVERRIDES.clockTargetMs ?? 3;
const REFINE_EVERY_MS = OVERRIDES.refineEveryMs ?? 300;
const REFINE_MAX = 120;
const DRIFT_REPORT_MS = 3000; // tell the room our offset this often when it changed
const DRIFT_REPORT_STEP_MS = 20; // (the server ignores smaller changes too)
const BUFFERING_REPORT_DELAY_MS = 400; // a short stall (a seek) isn't worth telling everyone
// After a seek has completed (the element's `seeked`), wait this long before judging how well it
// landed: the position reported before playback really resumed is the target, not the truth.
const SEEK_SETTLE_MS = OVERRIDES.seekSettleMs ?? 400;
// Players that start on time (HTML5 video) don't seek while playing: they pause, seek a little
// ahead, and start when the room reaches that point (startOnTime). How far ahead: 1.5 × their
// seeks' duration (learnt) + their start latency (corrector.leadMs, learnt) + a margin. Then
// (catchUpAfterStart) they judge how well the start landed and close the miss with one rate burst.
// When to judge: Chromium's position creeps ahead ~20 ms as soon as play() is called, then holds
// until the audio clock runs, ~60–100 ms later; START_SETTLE_MS after it first moves it's on its line.
const START_SEEK_MS = { initial: 100, max: 1000 };
const START_MARGIN_MS = 20;
const START_ATTEMPTS = 3;
const START_SETTLE_MS = OVERRIDES.startSettleMs ?? 120;
const RATE_SETTLE_MS = OVERRIDES.rateSettleMs ?? 250; // a rate change shows in the position ~100–250 ms later
const START_MOVE_TIMEOUT_MS = 1000; // a start that hasn't moved by then is left to tick()
const DRIFT_SAMPLES = 3; // a judged drift is the median of this many readings...
const DRIFT_SAMPLE_SPACING_MS = 10; // ...this far apart (currentTime moves in steps)
const MAX_CHAT = 500;
const MENTION = /(?<![\w@])@([A-Za-z0-9_]{3,30})/g;

const $ = (selector, root = document) => root.querySelector(selector);
const clientNow = () => performance.timeOrigin + performance.now();
const root = $("#room");
const code = root.dataset.code;
const myId = Number(document.body.dataset.userId);
const myHandle = document.body.dataset.userHandle || "";
const API = `/api/v1/rooms/${encodeURIComponent(code)}`;
// A voice room shows seats and a voice bar instead of the player, queue and roster (templates/rooms/_voice_room.html).
const isWatch = Boolean($("#player-box"));

// -- small DOM helpers ---------------------------------------------------------------------------------
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "className") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

function showError(target, message) {
  const node = typeof target === "string" ? $(target) : target;
  node.textContent = message || "";
  node.hidden = !message;
}


// -- the socket: Realtime's reconnect/backoff, plus decorated pings and request refs -----------------------
class RoomSocket extends Realtime {
  constructor(path) {
    super(path);
    this.nextRef = 1;
    this.pending = new Map(); // ref → {kind, ...context}, to route error frames
  }

  send(message) {
    // Realtime's own keep-alive pings (every 25 s) become clock samples and presence reports too.
    if (message.type === "ping") message = { ...message, t: clientNow(), active: document.visibilityState === "visible" };
    super.send(message);
  }

  request(message, context = {}) {
    const ref = this.nextRef++;
    this.pending.set(ref, { ...context, at: Date.now() });
    if (this.pending.size > 50) this.pending.delete(this.pending.keys().next().value);
    this.send({ ...message, ref });
    return ref;
  }

  isOpen() {
    return this.socket && this.socket.readyState === WebSocket.OPEN;
  }
}

// -- state ----------------------------------------------------------------------------------------------
const app = {
  room: null, // RoomSettingsSerializer
  me: null, // rooms.selectors.me_snapshot: {role, is_muted, hand_raised_at, can_control, can_moderate, can_lead, can_chat, member_actions}
  state: null, // PlaybackSerializer: the authoritative playback state
  members: new Map(), // user id → MemberSerializer
  voice: { inVoice: new Set(), speaking: new Set(), micOff: new Set() }, // from voice.js ("voice:state"), by user id string
  queue: [],
  skipVotes: 0,
  skipNeeded: 1,
  hasVoted: false,
  messages: new Map(), // id → ChatMessageSerializer
  lastMessageId: null,
  // 64 samples rather than Jellyfin's 8: under jitter the bounds narrow with every fast trip, and
  // a minute of samples is still far inside clock drift (tens of ppm: ~ms per minute). bench/README.md.
  clock: new ClockSync({ size: OVERRIDES.clockSize || 64, method: OVERRIDES.clockMethod || "bounds" }),
  corrector: new DriftCorrector(),
  player: null,
  playerReady: false,
  playerSourceUrl: null,
  loadToken: 0,
  playPending: false,
  seekSettleUntil: 0,
  startPending: false, // startOnTime is seeking or waiting to start, or a rate burst runs: tick() waits
  startSeekMs: START_SEEK_MS.initial, // how long a paused seek takes (smoothed)
  seekToLearn: false,
  lastDrift: null,
  lastReportedDrift: null,
  lastDriftReportAt: 0,
  bufferingTimer: null,
  reportedBuffering: false,
  reportedDurationFor: null,
  reportedEndedFor: null,
  isSeekDragging: false,
  connected: false,
  hellos: 0,
};
window.WTRoom = app; // for the browser tests and the bench

const socket = new RoomSocket(`/ws/rooms/${encodeURIComponent(code)}/`);
app.socket = socket;

// What I may do: flags computed by the server (hello's `me`, then rooms.me events), never recomputed here.
function canControl() {
  return Boolean(app.me && app.me.can_control);
}

function canModerate() {
  return Boolean(app.me && app.me.can_moderate);
}

function canLead() {
  return Boolean(app.me && app.me.can_lead);
}

// -- clock sync ------------------------------------------------------------------------------------------
let burstTimer = null;
let refineTimer = null;
function pingBurst() {
  clearInterval(burstTimer);
  clearInterval(refineTimer);
  let sent = 0;
  let refined = 0;
  const ping = () => {
    if (!socket.isOpen() || sent >= BURST_PINGS) {
      clearInterval(burstTimer);
      return;
    }
    sent += 1;
    socket.send({ type: "ping" });
  };
  ping();
  burstTimer = setInterval(ping, BURST_SPACING_MS);
  refineTimer = setInterval(() => {
    if (!socket.isOpen() || refined >= REFINE_MAX) clearInterval(refineTimer);
    else if (sent >= BURST_PINGS && app.clock.uncertainty > CLOCK_TARGET_MS) {
      refined += 1;
      socket.send({ type: "ping" });
    }
  }, REFINE_EVERY_MS);
}

socket.on("pong", (pong) => {
  const t1 = clientNow();
  app.clock.add({ t0: pong.t, server: pong.server_time, t1, serverReceive: pong.server_received });
  renderSyncBadge();
});

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") {
    socket.send({ type: "ping" }); // presence: active again
    tick();
  }
});

// -- playback: the authoritative state and the player -----------------------------------------------------
function applyState(state) {
  if (!state) return;
  if (app.state && state.version < app.state.version) return; // a stale copy (hello raced an event)
  const previous = app.state;
  app.state = state;
  if (!isWatch) return;
  if (!previous || previous.version !== state.version) app.corrector.reset(); // a discrete change: no cooldown
  const url = state.source ? state.source.url : null;
  if (url !== app.playerSourceUrl) loadSource(state.source);
  if (!previous || !previous.source || previous.source.url !== url) {
    app.hasVoted = false;
    app.reportedEndedFor = null;
  }
  renderControls();
  tick();
}

async function loadSource(source) {
  const token = ++app.loadToken;
  if (app.player) {
    saveLead(app.player.kind, app.corrector.leadMs);
    app.player.destroy();
  }
  app.player = null;
  app.playerReady = false;
  app.playPending = false;
  app.playerSourceUrl = source ? source.url : null;
  showError("#player-error", "");
  $("#player-empty").hidden = Boolean(source);
  $("#unmute").hidden = true;
  if (!source) {
    renderPlayerNote();
    return;
  }
  const player = createPlayer(source.kind, $("#player-box"), { hlsScriptUrl: root.dataset.hlsScript });
  app.player = player;
  const lead = savedLead(player.kind); // what this kind of player taught us about its seeks
  const profile = { ...player.syncProfile, ...OVERRIDES };
  app.corrector = new DriftCorrector(lead === undefined ? profile : { ...profile, seekLeadMs: lead });
  player
    .on("buffering", onBuffering)
    .on("ended", onEnded)
    .on("duration", onDuration)
    .on("muted", (muted) => {
      $("#unmute").hidden = !muted;
    })
    .on("error", (message) => showError("#player-error", message));
  renderPlayerNote();
  if (app.state && app.state.is_playing) onBuffering(true); // loading is buffering, for the ready check
  try {
    await player.load(source);
  } catch (error) {
    if (token === app.loadToken) showError("#player-error", error.message || "This source can't play here.");
    return;
  }
  if (token !== app.loadToken) return;
  app.playerReady = true;
  onBuffering(false);
  applyVolume();
  const duration = player.duration();
  if (duration) onDuration(duration);
  renderControls();
  tick();
}

function renderPlayerNote() {
  const player = app.player;
  const ended = player && player.kind === "live" && app.state && !app.state.is_playing;
  const note = ended ? "Stream ended" : player ? player.note : "";
  $("#player-note").textContent = note;
  $("#player-note").hidden = !note;
  $("#manual-sync").hidden = !(player && player.kind === "drive");
  $("#controls").hidden = !(app.state && app.state.source && player && player.kind !== "web");
}

function requestPlay() {
  if (app.playPending) return;
  app.playPending = true;
  const player = app.player;
  player
    .play()
    .then(({ muted }) => {
      $("#unmute").hidden = !muted;
    })
    .catch((error) => {
      if (player === app.player && error && error.name !== "AbortError") showError("#player-error", `Can't start playback: ${error.message}`);
    })
    .finally(() => {
      if (player === app.player) app.playPending = false;
    });
}

function seekPlayer(seconds, { learn }) {
  const now = clientNow();
  app.player.seek(seconds);
  app.seekSettleUntil = now + SEEK_SETTLE_MS;
  app.seekToLearn = learn;
}

/** The correction loop: one step towards the room's position. */
function tick() {
  if (!isWatch) return;
  const { player, state } = app;
  renderTime();
  if (!player || !app.playerReady || !state || !state.source) return;
  if (player.kind === "live") {
    tickLive(player, state);
    return;
  }
  const now = clientNow();
  const expected = expectedPosition(state, app.clock.serverNow(now));
  if (!player.isSyncable || !player.canControl) return;
  if (app.startPending) return;
  if (player.isSeeking?.()) {
    if (app.seekToLearn) app.seekSettleUntil = now + SEEK_SETTLE_MS; // counts from the seek's end
    return;
  }
  const actual = player.currentTime();
  if (actual === null || actual === undefined) return;
  const drift = driftMs(actual, expected);
  app.lastDrift = drift;
  maybeReportDrift(drift, now);

  if (!state.is_playing) {
    if (!player.isPaused()) player.pause();
    player.setRate(state.rate);
    const decision = app.corrector.decide({ driftMs: drift, baseRate: state.rate, rates: player.rates, isPlaying: false, nowMs: now });
    if (decision.action === "seek") seekPlayer(expected, { learn: false });
    return;
  }
  if (now < app.seekSettleUntil) return; // let the seek land before judging it
  if (app.seekToLearn && !player.isPaused() && !player.isBuffering) {
    saveLead(player.kind, app.corrector.learnSeek(drift));
    app.seekToLearn = false;
  }
  if (state.duration && expected >= state.duration - 0.05) return; // the end: let it finish by itself
  const decision = app.corrector.decide({ driftMs: drift, baseRate: state.rate, rates: player.rates, isPlaying: true, nowMs: now });
  if (player.startsOnTime && (decision.action === "seek" || player.isPaused())) {
    startOnTime(player, state);
    return;
  }
  if (player.startsOnTime && decision.action === "rate" && Math.abs(drift) < app.corrector.options.seekThresholdMs) {
    // Nudge in one burst too: every rate change steps Chromium's position back, so a rate
    // recomputed each tick costs a step each time. (Further off, inside a seek's cooldown: the
    // gentle nudge below.)
    player.setRate(state.rate);
    const burst = app.corrector.catchUp({ driftMs: drift, baseRate: state.rate });
    if (burst.action === "rate") {
      app.startPending = true;
      rateBurst(player, state, burst).finally(() => {
        app.startPending = false;
        if (player === app.player && state !== app.state) tick(); // a change came meanwhile
      });
    }
    return;
  }
  if (decision.action === "seek") {
    seekPlayer(expected + decision.leadMs / 1000, { learn: true });
    player.setRate(state.rate);
  } else {
    player.setRate(decision.rate);
  }
  if (player.isPaused()) requestPlay();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A live item: no room position to follow, only the live edge (docs/realtime.md "Live items"). */
function tickLive(player, state) {
  if (!state.is_playing) {
    if (!player.isPaused()) player.pause(); // the stream ended
    return;
  }
  if (player.isPaused()) requestPlay();
  if (player.behindLive() > LIVE_BEHIND_MAX_S) player.goLive();
}

/**
 * Line a player up with the playing room without chasing it: pause, seek to where the room will
 * be in startHoldMs, and start when it gets there (less the learnt start latency, corrector.leadMs).
 * A seek while playing lands wherever the seek's own duration leaves it (±50 ms on a busy
 * machine) and then needs nudging; this lands within the clock's error.
 */
async function startOnTime(player, state) {
  app.startPending = true;
  try {
    for (let attempt = 1; ; attempt++) {
      const began = clientNow();
      const holdMs = 1.5 * app.startSeekMs + app.corrector.leadMs + START_MARGIN_MS;
      const startAt = app.clock.serverNow(began) + holdMs; // server ms
      player.setRate(state.rate);
      if (!player.isPaused()) player.pause();
      player.seek(expectedPosition(state, startAt));
      await player.whenSeeked();
      app.startSeekMs = Math.min(START_SEEK_MS.max, 0.5 * app.startSeekMs + 0.5 * (clientNow() - began));
      if (player !== app.player || state !== app.state) return; // changed meanwhile: the next tick decides
      const waitMs = startAt - app.clock.serverNow(clientNow()) - app.corrector.leadMs;
      if (waitMs < -START_MARGIN_MS && attempt < START_ATTEMPTS) continue; // the seek was slow: aim further ahead
      if (waitMs > 0) await sleep(waitMs);
      if (player !== app.player || state !== app.state) return;
      requestPlay();
      app.seekToLearn = false;
      // (started late because the seek was slow: that says nothing of the start latency)
      await catchUpAfterStart(player, state, { learn: waitMs > 0 });
      return;
    }
  } catch {
    if (player === app.player && state === app.state) requestPlay(); // the seek never got data ahead: play anyway
  } finally {
    app.startPending = false;
    if (player === app.player && state !== app.state) tick(); // a change came meanwhile
  }
}

/** The player's drift from the room now (ms): the median of a few readings. */
async function judgeDrift(player, state) {
  const readings = [];
  for (let i = 0; i < DRIFT_SAMPLES; i++) {
    if (i) await sleep(DRIFT_SAMPLE_SPACING_MS);
    readings.push(driftMs(player.currentTime(), expectedPosition(state, app.clock.serverNow(clientNow()))));
  }
  return readings.sort((a, b) => a - b)[Math.floor(readings.length / 2)];
}

/**
 * After a timed start: once the position runs on its line, learn the start latency from how far
 * it missed, and close the miss with one rate burst (sync.js DriftCorrector.catchUp) instead of
 * the gentle nudge; then learn the rate step from what the burst left over.
 */
async function catchUpAfterStart(player, state, { learn }) {
  const changed = () => player !== app.player || state !== app.state;
  const from = player.currentTime();
  const began = clientNow();
  while (player.currentTime() === from && clientNow() - began < START_MOVE_TIMEOUT_MS) await sleep(DRIFT_SAMPLE_SPACING_MS);
  if (!(await waitUnlessChanged(START_SETTLE_MS, changed)) || player.isPaused() || player.isBuffering) return;
  const drift = await judgeDrift(player, state);
  if (learn) saveLead(player.kind, app.corrector.learnSeek(drift));
  const burst = app.corrector.catchUp({ driftMs: drift, baseRate: state.rate });
  if (burst.action === "rate") await rateBurst(player, state, burst);
}

/** Play at burst.rate for burst.holdMs, then at the room's rate; learn the rate step from what it left over. */
async function rateBurst(player, state, burst) {
  const changed = () => player !== app.player || state !== app.state;
  player.setRate(burst.rate);
  const held = await waitUnlessChanged(burst.holdMs, changed);
  player.setRate(state.rate);
  if (!held || !(await waitUnlessChanged(RATE_SETTLE_MS, changed)) || player.isPaused() || player.isBuffering) return;
  app.corrector.learnRateStep(await judgeDrift(player, state));
}

/** Sleep ms, cut short when changed() says so; true when it wasn't. */
async function waitUnlessChanged(ms, changed) {
  const end = clientNow() + ms;
  while (!changed() && clientNow() < end) await sleep(Math.min(20, end - clientNow()));
  return !changed();
}

setInterval(tick, TICK_MS);

// -- reports: buffering, duration, ended, drift ------------------------------------------------------------
function onBuffering(isBuffering) {
  clearTimeout(app.bufferingTimer);
  if (isBuffering) {
    app.bufferingTimer = setTimeout(() => {
      if (app.reportedBuffering) return;
      app.reportedBuffering = true;
      socket.send({ type: "sync.buffering", is_buffering: true });
      renderMember(myId);
    }, BUFFERING_REPORT_DELAY_MS);
  } else if (app.reportedBuffering) {
    app.reportedBuffering = false;
    socket.send({ type: "sync.buffering", is_buffering: false });
  }
}

function onDuration(duration) {
  const { state } = app;
  if (!state || !state.source || !(duration > 0)) return;
  if (state.duration === null && app.reportedDurationFor !== state.source.url) {
    app.reportedDurationFor = state.source.url;
    socket.send({ type: "sync.duration", duration });
  }
  renderControls();
}

function onEnded() {
  const { state } = app;
  if (!state || !state.source || app.reportedEndedFor === state.source.url) return;
  app.reportedEndedFor = state.source.url;
  socket.send({ type: "sync.ended", url: state.source.url });
}

function maybeReportDrift(drift, now) {
  if (now - app.lastDriftReportAt < DRIFT_REPORT_MS || !socket.isOpen()) return;
  const rounded = Math.round(drift);
  if (app.lastReportedDrift !== null && Math.abs(rounded - app.lastReportedDrift) < DRIFT_REPORT_STEP_MS) return;
  app.lastDriftReportAt = now;
  app.lastReportedDrift = rounded;
  socket.send({ type: "sync.drift", drift_ms: Math.max(-86_400_000, Math.min(86_400_000, rounded)) });
}

// -- controls -------------------------------------------------------------------------------------------------
function command(type, fields = {}) {
  showError("#controls-error", "");
  socket.request({ type, ...fields }, { kind: "control" });
}

$("#play-toggle")?.addEventListener("click", () => togglePlay());

$("#seek-bar")?.addEventListener("input", () => {
  app.isSeekDragging = true;
  $("#time-current").textContent = formatTime(Number($("#seek-bar").value));
});
$("#seek-bar")?.addEventListener("change", () => {
  app.isSeekDragging = false;
  command("sync.seek", { position: Number($("#seek-bar").value) });
});
$("#rate-select")?.addEventListener("change", () => command("sync.rate", { rate: Number($("#rate-select").value) }));
$("#unmute")?.addEventListener("click", () => {
  app.player?.unmute?.();
  $("#unmute").hidden = true;
  saveVolume({ muted: false });
});

// -- what each kind of player taught us about its seeks and starts (corrector.leadMs) -----------------------
// Kept across sources and visits: a start lands on time from a returning viewer's first play, where
// the profile's first guess missed by the difference (the first play of a page converged in 0.62 s
// against 0.2 s for the next ones, bench/README.md "Watch-room sync accuracy").
const LEAD_KEY = "wt:sync-lead";

function savedLead(kind) {
  try {
    const value = JSON.parse(localStorage.getItem(LEAD_KEY) || "{}")[kind];
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function saveLead(kind, ms) {
  try {
    const leads = JSON.parse(localStorage.getItem(LEAD_KEY) || "{}");
    localStorage.setItem(LEAD_KEY, JSON.stringify({ ...leads, [kind]: Math.round(ms) }));
  } catch {
    // storage full or disabled: the lead is learnt again on the next visit
  }
}

// -- volume, full screen, keyboard shortcuts: this listener's own, never sent to the room --------------------
const VOLUME_KEY = "wt:volume";

function volumePreference() {
  try {
    const saved = JSON.parse(localStorage.getItem(VOLUME_KEY) || "{}");
    return { volume: Number.isFinite(saved.volume) ? saved.volume : 1, muted: saved.muted === true };
  } catch {
    return { volume: 1, muted: false };
  }
}

function saveVolume(changes) {
  localStorage.setItem(VOLUME_KEY, JSON.stringify({ ...volumePreference(), ...changes }));
  applyVolume();
}

function applyVolume() {
  const player = app.player;
  if (!player || !player.hasVolume || !app.playerReady) return renderVolume();
  const { volume, muted } = volumePreference();
  player.setVolume(volume);
  if (muted || !$("#unmute").hidden) player.setMuted(true); // (autoplay may have muted it: the Unmute button says so)
  else player.setMuted(false);
  renderVolume();
}

function renderVolume() {
  const player = app.player;
  const shown = Boolean(player && player.hasVolume && app.playerReady);
  $("#volume").hidden = !shown;
  if (!shown) return;
  const { volume } = volumePreference();
  const muted = player.isMuted();
  $("#volume-bar").value = String(volume);
  const toggle = $("#mute-toggle");
  toggle.dataset.muted = String(muted || volume === 0);
  toggle.setAttribute("aria-pressed", String(muted));
  toggle.setAttribute("aria-label", muted ? "Unmute" : "Mute");
  toggle.title = `${muted ? "Unmute" : "Mute"} (m)`;
}

function toggleMute() {
  if (!app.player?.hasVolume) return;
  const muted = !app.player.isMuted();
  if (!muted) $("#unmute").hidden = true; // unmuting here is the click autoplay wanted
  saveVolume({ muted });
}

function changeVolume(volume) {
  saveVolume({ volume: Math.min(1, Math.max(0, Math.round(volume * 100) / 100)), muted: volume <= 0 });
}

$("#mute-toggle")?.addEventListener("click", toggleMute);
$("#volume-bar")?.addEventListener("input", () => changeVolume(Number($("#volume-bar").value)));

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else $("#player-shell").requestFullscreen?.().catch(() => {});
}

$("#fullscreen-toggle")?.addEventListener("click", toggleFullscreen);
$("#player-box")?.addEventListener("dblclick", toggleFullscreen);
document.addEventListener("fullscreenchange", () => {
  const isFull = document.fullscreenElement === $("#player-shell");
  $("#player-shell").classList.toggle("is-fullscreen", isFull);
  $("#fullscreen-toggle").dataset.fullscreen = String(isFull);
  $("#fullscreen-toggle").setAttribute("aria-label", isFull ? "Leave full screen" : "Full screen");
});

function toggleShortcutsHelp(show = $("#shortcuts-help").hidden) {
  $("#shortcuts-help").hidden = !show;
  $("#shortcuts-toggle").setAttribute("aria-expanded", String(show));
}

$("#shortcuts-toggle")?.addEventListener("click", () => toggleShortcutsHelp());

function togglePlay() {
  if (!app.state) return;
  if (app.state.is_playing) {
    const position = app.player && app.player.isSyncable ? app.player.currentTime() : null;
    command("sync.pause", position !== null && position !== undefined ? { position } : {});
  } else {
    command("sync.play");
  }
  if (!$("#unmute").hidden && app.player?.unmute) {
    app.player.unmute(); // a click on this page allows sound
    $("#unmute").hidden = true;
    applyVolume();
  }
}

document.addEventListener("keydown", (event) => {
  if (!app.state || !app.state.source || $("#controls").hidden) return;
  const shortcut = shortcutFor(event, { canControl: canControl() });
  if (!shortcut) return;
  event.preventDefault();
  if (shortcut.action === "toggle-play") togglePlay();
  else if (shortcut.action === "fullscreen") toggleFullscreen();
  else if (shortcut.action === "mute") toggleMute();
  else if (shortcut.action === "volume") changeVolume(volumePreference().volume + shortcut.delta);
  else if (shortcut.action === "help") toggleShortcutsHelp();
  else if (shortcut.action === "seek") {
    const position = expectedPosition(app.state, app.clock.serverNow(clientNow())) + shortcut.delta;
    const duration = app.state.duration || app.player?.duration?.() || Infinity;
    command("sync.seek", { position: Math.max(0, Math.min(duration, position)) });
  }
});

function renderControls() {
  if (!isWatch) return;
  const { state } = app;
  const control = canControl();
  const playing = Boolean(state && state.is_playing);
  const toggle = $("#play-toggle");
  toggle.dataset.playing = String(playing);
  toggle.setAttribute("aria-label", playing ? "Pause" : "Play");
  toggle.title = `${playing ? "Pause" : "Play"} (space or k)`;
  for (const id of ["#play-toggle", "#seek-bar", "#rate-select"]) $(id).disabled = !control;
  const live = Boolean(state && state.source && state.source.kind === "live"); // no pause, seek or rate
  for (const id of ["#play-toggle", "#seek-bar", "#rate-select", "#time-current", "#time-duration"]) $(id).hidden = live;
  $("#controls-readonly").hidden = control;
  if (!control) showError("#controls-error", ""); // the note above says it once
  $("#shortcuts-help").classList.toggle("can-control", control);
  renderVolume();
  if (state) $("#rate-select").value = String(state.rate);
  $("#waiting-banner").hidden = !(state && state.is_waiting_for_ready);
  $("#queue-play-now").hidden = !control;
  $("#skip-now").hidden = !control;
  renderPlayerNote();
  renderTime();
}

function renderTime() {
  const { state } = app;
  if (!state) return;
  const position = expectedPosition(state, app.clock.serverNow(clientNow()));
  const duration = state.duration || app.player?.duration?.() || 0;
  if (!app.isSeekDragging) {
    $("#seek-bar").max = String(duration || Math.max(position, 1));
    $("#seek-bar").value = String(position);
    $("#time-current").textContent = formatTime(position);
  }
  $("#time-duration").textContent = duration ? formatTime(duration) : "–:––";
  $("#manual-position").textContent = formatTime(position);
  $("#manual-state").textContent = state.is_playing ? "(playing)" : "(paused)";
}

// -- the sync indicator ------------------------------------------------------------------------------------------
function driftClass(ms) {
  if (ms === null || ms === undefined) return "sync-unknown";
  const size = Math.abs(ms);
  return size < 60 ? "sync-good" : size < 400 ? "sync-fair" : "sync-bad";
}

const SYNC_LABEL = { "in-sync": "In sync", "catching-up": "Catching up", "out-of-sync": "Out of sync", unknown: "Sync" };
const SYNC_CLASS = { "in-sync": "sync-good", "catching-up": "sync-fair", "out-of-sync": "sync-bad", unknown: "sync-unknown" };

/** The header's indicator: words for everyone, the figures on hover (title). */
function renderSyncBadge() {
  const badge = $("#sync-badge");
  const player = app.player;
  const followed = Boolean(player && app.playerReady && player.isSyncable && player.canControl && app.state?.source);
  const drift = followed ? app.lastDrift : null;
  const isSettling = followed && (player.isBuffering || Boolean(player.isSeeking?.()) || clientNow() < app.seekSettleUntil);
  const status = syncStatus(drift, { isSettling });
  const unsyncable = Boolean(player && app.state?.source && !player.isSyncable);
  badge.textContent = unsyncable ? "Not synced" : SYNC_LABEL[status];
  badge.dataset.status = status;
  badge.className = `pill sync-badge ${SYNC_CLASS[status]}`;
  const error = app.clock.uncertainty;
  const clock = error === null ? "" : ` Clock to the server: ±${Math.round(error)} ms.`;
  badge.title = followed
    ? `Your player is ${formatDrift(drift)} from the room's position.${clock}`
    : unsyncable
      ? "This player can't be synced automatically."
      : `Nothing to sync yet.${clock}`;
  badge.setAttribute("aria-label", `${badge.textContent}. ${badge.title}`);
}

setInterval(() => {
  renderSyncBadge();
  const mine = document.querySelector(`[data-member="${myId}"] .sync-pill`);
  if (mine && app.player && app.player.isSyncable && app.lastDrift !== null) {
    mine.textContent = formatDrift(app.lastDrift);
    mine.className = `pill sync-pill ${driftClass(app.lastDrift)}`;
  }
}, 1000);

// -- roster ------------------------------------------------------------------------------------------------------
const ROLE_LABEL = { leader: ["crown", "Leader"], moderator: ["shield", "Moderator"], member: null };

function memberActions(member) {
  const actions = actionsFor(app.me, member, myId);
  if (!actions.length) return null;
  return el("div", { className: "row-actions member-actions" }, actions.map((action) => {
    const { label } = actionRequest(action, member);
    return el("button", { type: "button", className: "btn btn-sm", "data-action": label, onclick: () => memberAction(action, member) }, label);
  }));
}

async function memberAction(action, member) {
  const request = actionRequest(action, member);
  if (request.confirm && !window.confirm(request.confirm)) return;
  try {
    await api(request.method, `${API}/${request.path}`, request.body);
  } catch (error) {
    toast(error.message || "That didn't work.", "error");
  }
}

const seats = isWatch ? null : new Seats($("#seats"), { onAction: memberAction });

function memberNode(member) {
  const user = member.user;
  const isMe = user.id === myId;
  const drift = isMe && app.lastDrift !== null && app.player?.isSyncable ? app.lastDrift : member.drift_ms;
  const initial = (user.display_name || user.handle || "?").trim().charAt(0).toUpperCase();
  const avatar = user.avatar_url
    ? el("img", { className: "avatar avatar-sm", src: user.avatar_url, alt: "" })
    : el("span", { className: "avatar avatar-sm avatar-initial" }, initial);
  return el(
    "li",
    { className: `roster-row${member.is_connected ? "" : " is-away"}`, "data-member": user.id, "data-handle": user.handle },
    el("span", { className: "presence-wrap" }, avatar, el("span", { className: `presence${member.is_connected ? " online" : ""}`, title: member.is_connected ? "Connected" : "Away" })),
    el(
      "span",
      { className: "roster-name" },
      el("strong", {}, user.display_name || user.handle),
      " ",
      el("span", { className: "muted" }, `@${user.handle}${isMe ? " (you)" : ""}`),
      el(
        "span",
        { className: "roster-badges" },
        ROLE_LABEL[member.role] ? el("span", { className: "pill pill-gold role-pill" }, icon(ROLE_LABEL[member.role][0], { size: 14 }), ` ${ROLE_LABEL[member.role][1]}`) : null,
        member.is_muted ? el("span", { className: "pill muted-pill", title: "Muted in chat" }, icon("mic-off", { size: 14 }), " muted") : null,
        member.is_buffering ? el("span", { className: "pill buffering-pill" }, icon("loader-circle", { size: 14 }), " buffering") : null,
        member.is_connected ? null : el("span", { className: "pill pill-outline" }, "away"),
        el("span", { className: `pill sync-pill ${driftClass(drift)}`, title: "Offset from the room's position" }, formatDrift(drift)),
      ),
    ),
    memberActions(member),
  );
}

function renderSeats() {
  seats.render({ members: app.members.values(), me: app.me, myId, voice: app.voice });
  const inVoice = [...app.members.keys()].filter((id) => app.voice.inVoice.has(String(id))).length;
  $("#seat-count").textContent = `${app.members.size} in the room · ${inVoice} in voice`;
}

window.addEventListener("voice:state", (event) => {
  app.voice = event.detail;
  if (seats) renderSeats();
});

function renderRoster() {
  if (seats) {
    renderSeats();
    return;
  }
  const members = [...app.members.values()].sort((a, b) => {
    const rank = { leader: 0, moderator: 1, member: 2 };
    return rank[a.role] - rank[b.role] || String(a.joined_at).localeCompare(String(b.joined_at));
  });
  $("#roster").replaceChildren(...members.map(memberNode));
  $("#member-count").textContent = `(${members.length})`;
}

function renderMember(userId) {
  if (seats) {
    renderSeats();
    return;
  }
  const member = app.members.get(userId);
  const current = document.querySelector(`#roster [data-member="${userId}"]`);
  if (!member) current?.remove();
  else if (current) current.replaceWith(memberNode(member));
  else renderRoster();
}

// -- chat ------------------------------------------------------------------------------------------------------------
function messageBody(message) {
  const body = el("span", { className: "chat-body" });
  if (message.is_deleted) {
    body.append(el("em", { className: "muted" }, "message deleted"));
    return body;
  }
  let last = 0;
  for (const match of message.body.matchAll(MENTION)) {
    body.append(message.body.slice(last, match.index));
    const isMe = match[1].toLowerCase() === myHandle.toLowerCase();
    body.append(el("span", { className: `mention${isMe ? " mention-me" : ""}` }, match[0]));
    last = match.index + match[0].length;
  }
  body.append(message.body.slice(last));
  return body;
}

function messageNode(message) {
  const author = message.author || { handle: "?", display_name: "?" };
  const mine = author.id === myId;
  const canDelete = !message.is_deleted && (mine || canModerate());
  const time = new Date(message.created_at);
  return el(
    "li",
    { className: `chat-message${(message.mentions || []).includes(myId) ? " mentions-me" : ""}${mine ? " is-mine" : ""}`, "data-message": message.id },
    el("span", { className: "chat-author" }, author.display_name || author.handle),
    " ",
    el("time", { className: "muted", datetime: message.created_at }, Number.isNaN(time.getTime()) ? "" : time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })),
    " ",
    messageBody(message),
    canDelete
      ? el("button", { type: "button", className: "link chat-delete", title: mine ? "Delete your message" : "Delete this message (moderator)", onclick: () => socket.request({ type: "chat.delete", id: message.id }, { kind: "chat" }) }, icon("x", { size: 14 }), el("span", { className: "chat-delete-label" }, "Delete"))
      : null,
  );
}

function addMessages(messages, { replace = false } = {}) {
  if (replace) app.messages.clear();
  for (const message of messages) {
    app.messages.set(message.id, message);
    app.lastMessageId = Math.max(app.lastMessageId ?? 0, message.id);
  }
  const list = $("#chat-list");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const sorted = [...app.messages.values()].sort((a, b) => a.id - b.id).slice(-200);
  list.replaceChildren(...sorted.map(messageNode));
  if (nearBottom || replace) list.scrollTop = list.scrollHeight;
}

async function catchUpChat(helloMessages) {
  // The layer is at-most-once: after a reconnect, fetch everything after the last message we saw.
  const since = app.lastMessageId;
  addMessages(helloMessages, { replace: since === null });
  if (since === null) return;
  try {
    let after = since;
    for (let page = 0; page < 10; page++) {
      const missed = await api("GET", `${API}/messages/?after=${after}`);
      if (!missed || !missed.length) break;
      addMessages(missed);
      after = missed[missed.length - 1].id;
      if (missed.length < 50) break;
    }
  } catch (error) {
    toast(`Couldn't fetch missed messages: ${error.message}`, "error");
  }
}

function renderChatCount() {
  const length = $("#chat-input").value.trim().length;
  const count = $("#chat-count");
  count.textContent = length > MAX_CHAT - 60 ? `${length}/${MAX_CHAT}` : "";
  count.classList.toggle("error", length > MAX_CHAT);
}

$("#chat-input").addEventListener("input", renderChatCount);
$("#chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("#chat-input");
  const body = input.value;
  if (!body.trim()) return;
  showError("#chat-error", "");
  if (!socket.isOpen()) {
    showError("#chat-error", "Not connected — reconnecting…");
    return;
  }
  socket.request({ type: "chat.send", body }, { kind: "chat", body });
  input.value = "";
  renderChatCount();
});

// -- queue ------------------------------------------------------------------------------------------------------------
const KIND_LABEL = { youtube: "YouTube", video: "Video", hls: "HLS", drive: "Drive", spotify: "Spotify", web: "Page" };
const youtubeInfo = new YouTubeInfo();

/** The name a link shows before (or without) any metadata: its file name, or its host. */
function nameFromUrl(url) {
  try {
    const parsed = new URL(url);
    const file = decodeURIComponent(parsed.pathname.split("/").filter(Boolean).pop() || "");
    return file || parsed.host;
  } catch {
    return url;
  }
}

/** Title, length and thumbnail to show: the server's probe for files, the embed's own for YouTube. */
function queueMeta(item) {
  const meta = { title: item.title || item.media_title, duration: item.duration, thumbnail: item.thumbnail };
  if (item.kind === "youtube" && item.media_id) {
    youtubeInfo.get(item.media_id).then((info) => {
      if (!item.youtube) {
        item.youtube = info;
        renderQueue();
      }
    });
    const info = item.youtube || {};
    meta.title ||= info.title;
    meta.duration ??= info.duration;
    meta.thumbnail ||= info.thumbnail;
  }
  meta.title ||= nameFromUrl(item.url);
  return meta;
}

function queueNode(item, index) {
  const mine = item.added_by && item.added_by.id === myId;
  const control = canControl();
  const move = (delta) => {
    const ids = app.queue.map((i) => i.id);
    const [moved] = ids.splice(index, 1);
    ids.splice(index + delta, 0, moved);
    queueRequest("POST", `${API}/queue/reorder/`, { ids });
  };
  const meta = queueMeta(item);
  return el(
    "li",
    { className: "queue-item", "data-item": item.id },
    el("span", { className: "queue-thumb" }, meta.thumbnail ? el("img", { src: meta.thumbnail, alt: "", loading: "lazy" }) : icon("film", { size: 28 })),
    el(
      "span",
      { className: "queue-main" },
      el("span", { className: "queue-title", title: item.url }, meta.title),
      el(
        "span",
        { className: "queue-meta muted" },
        el("span", { className: "pill pill-outline" }, KIND_LABEL[item.kind] || item.kind),
        meta.duration ? el("span", { className: "queue-duration" }, formatTime(meta.duration)) : null,
        item.added_by ? el("span", {}, `by @${item.added_by.handle}`) : null,
      ),
    ),
    el(
      "span",
      { className: "row-actions" },
      control && index > 0 ? el("button", { type: "button", className: "btn btn-sm", "aria-label": "Move up", title: "Move up", onclick: () => move(-1) }, icon("arrow-up", { size: 16 })) : null,
      control && index < app.queue.length - 1 ? el("button", { type: "button", className: "btn btn-sm", "aria-label": "Move down", title: "Move down", onclick: () => move(1) }, icon("arrow-down", { size: 16 })) : null,
      mine || canModerate() ? el("button", { type: "button", className: "btn btn-sm queue-remove", onclick: () => queueRequest("DELETE", `${API}/queue/${item.id}/`) }, icon("x", { size: 14 }), " Remove") : null,
    ),
  );
}

function renderQueue() {
  if (!isWatch) return;
  $("#queue-list").replaceChildren(...app.queue.map(queueNode));
  $("#queue-empty").hidden = app.queue.length > 0;
  $("#skip-tally").textContent = `Skip votes ${app.skipVotes}/${app.skipNeeded}`;
  const hasSource = Boolean(app.state && app.state.source);
  $("#skip-vote").disabled = !hasSource || app.hasVoted;
  $("#skip-now").disabled = !hasSource;
}

async function queueRequest(method, url, body) {
  showError("#queue-error", "");
  try {
    return await api(method, url, body);
  } catch (error) {
    showError("#queue-error", error.message || "That didn't work.");
    throw error;
  }
}

$("#queue-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const url = $("#queue-url").value.trim();
  if (!url) return;
  try {
    await queueRequest("POST", `${API}/queue/`, { url, title: $("#queue-title").value.trim() });
    $("#queue-url").value = "";
    $("#queue-title").value = "";
  } catch {
    /* shown inline */
  }
});

$("#queue-play-now")?.addEventListener("click", () => {
  const url = $("#queue-url").value.trim();
  if (!url) {
    showError("#queue-error", "Paste a link first.");
    return;
  }
  showError("#queue-error", "");
  socket.request({ type: "sync.load", url, title: $("#queue-title").value.trim() }, { kind: "queue" });
  $("#queue-url").value = "";
  $("#queue-title").value = "";
});

$("#skip-vote")?.addEventListener("click", () => {
  app.hasVoted = true;
  renderQueue();
  socket.request({ type: "queue.skip_vote" }, { kind: "queue", vote: true });
});

$("#skip-now")?.addEventListener("click", () => queueRequest("POST", `${API}/queue/skip/`).catch(() => {}));

// -- leader panel ------------------------------------------------------------------------------------------------------------
function renderLeaderPanel() {
  const panel = $("#leader-panel");
  panel.hidden = !canModerate();
  if (!app.room) return;
  for (const input of panel.querySelectorAll("[data-setting]")) {
    if (document.activeElement === input) continue;
    const value = app.room[input.dataset.setting];
    if (input.type === "checkbox") input.checked = Boolean(value);
    else input.value = String(value ?? "");
  }
  $("#close-room").hidden = !canLead();
}

$("#room-settings").addEventListener("change", async (event) => {
  const input = event.target.closest("[data-setting]");
  if (!input) return;
  const field = input.dataset.setting;
  const value = input.type === "checkbox" ? input.checked : input.type === "number" ? Number(input.value) : input.value;
  showError("#settings-error", "");
  try {
    app.room = await api("PATCH", `${API}/`, { [field]: value });
    renderRoom();
  } catch (error) {
    showError("#settings-error", error.message || "That setting didn't save.");
    renderLeaderPanel();
  }
});

$("#invite-create").addEventListener("click", async () => {
  try {
    const invite = await api("POST", `${API}/invites/`, { expires_in: 24 * 3600 });
    $("#invite-link").value = new URL(invite.url, location.origin).href;
    $("#invite-note").textContent = `A new invite link, valid until ${new Date(invite.expires_at).toLocaleString()}.`;
    $("#invite-link").select();
  } catch (error) {
    $("#invite-note").textContent = error.message || "Couldn't create an invite.";
  }
});

$("#invite-friend-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const handle = $("#invite-handle").value.trim().replace(/^@/, "");
  if (!handle) return;
  const result = $("#invite-friend-result");
  try {
    await api("POST", `${API}/invites/friends/`, { handle });
    result.textContent = `Invited @${handle}: they got a notification with a join button.`;
    result.classList.remove("error");
    $("#invite-handle").value = "";
  } catch (error) {
    result.textContent = error.message || "Couldn't invite them.";
    result.classList.add("error");
  }
});

$("#close-room").addEventListener("click", async () => {
  if (!window.confirm("Close the room for everyone?")) return;
  try {
    await api("DELETE", `${API}/`);
  } catch (error) {
    toast(error.message || "Couldn't close the room.", "error");
  }
});

$("#leave-room").addEventListener("click", async () => {
  if (!window.confirm("Leave this room?")) return;
  try {
    await api("POST", `${API}/leave/`);
  } catch {
    /* left already */
  }
  socket.stopped = true;
  socket.socket?.close();
  location.href = "/rooms/?left=1"; // page slots (the after-room ad) know you just left a room
});

function renderRoom() {
  if (!app.room) return;
  $("#room-name").textContent = app.room.name;
  $("#room-topic").textContent = app.room.topic || "";
  $("#room-topic").hidden = !app.room.topic;
  $("#room-locked").hidden = !app.room.is_locked;
  const why = { off: "Chat is off.", mods: "Only moderators can chat right now." }[app.room.chat_mode] || "You are muted in this room.";
  $("#chat-input").placeholder = app.me && !app.me.can_chat ? why : "Say something… (@handle to mention)";
  renderLeaderPanel();
  renderControls();
  renderQueue();
}

// -- raised hand (voice rooms) --------------------------------------------------------------------------------------------------
function renderHand() {
  const button = $("#hand-raise");
  if (!button || !app.me) return;
  const raised = Boolean(app.me.hand_raised_at);
  button.setAttribute("aria-pressed", String(raised));
  button.querySelector("[data-label]").textContent = raised ? "Lower hand" : "Raise hand";
}

$("#hand-raise")?.addEventListener("click", () => {
  socket.request({ type: "hand.raise", is_raised: !app.me?.hand_raised_at }, { kind: "hand" });
});

function gone(title, text) {
  socket.stopped = true;
  window.dispatchEvent(new CustomEvent("room:gone")); // voice.js leaves voice too (signed out, removed, closed)
  clearInterval(burstTimer);
  clearInterval(refineTimer);
  app.player?.pause?.();
  $("#room-gone-title").textContent = title;
  $("#room-gone-text").textContent = text;
  $("#room-gone").hidden = false;
}

// -- socket events ------------------------------------------------------------------------------------------------------------
function setConnection(state, label) {
  const pill = $("#connection-status");
  pill.dataset.state = state;
  pill.textContent = label;
  app.connected = state === "live";
}

socket
  .on("open", () => {
    setConnection("live", "Live");
    // A new connection may reach another server process: take fresh samples, keeping the
    // old estimate until they arrive.
    const previous = app.clock.count ? app.clock.offset : null;
    app.clock.reset();
    if (previous !== null) app.clock.setFallback(previous);
    pingBurst();
  })
  .on("close", (close) => {
    setConnection("offline", "Reconnecting…");
    app.lastClose = { code: close.code, reason: close.reason };
    if (!$("#room-gone").hidden) return; // an event already said why (kicked, closed)
    if (close.code === 4410) gone("This room was closed", "The room is closed.");
    else if (close.code === 4403) gone("You can't be in this room", close.reason === "kicked" ? "You were removed from this room." : "You're not a member of this room (any more).");
    else if (close.code === 4401 || close.code === 4409) gone("You were signed out", "Sign in again to come back.");
  })
  .on("hello", (hello) => {
    app.hellos += 1;
    if (app.hellos === 1 && !app.clock.count) app.clock.setFallback(hello.server_time - clientNow()); // rough, until the pongs
    app.room = hello.room;
    app.me = hello.me;
    app.members = new Map(hello.members.map((m) => [m.user.id, m]));
    app.queue = hello.queue;
    app.skipVotes = hello.skip_votes;
    app.skipNeeded = hello.skip_needed;
    applyState(hello.state); // (dropped if an event already brought a newer version)
    catchUpChat(hello.messages);
    renderRoom();
    renderRoster();
    renderHand();
    allowRecording(canLead());
    if (app.hellos > 1) refreshRecording().catch(() => {}); // events missed while disconnected
    app.reportedBuffering = false;
    if (app.player && app.player.isBuffering) onBuffering(true);
  })
  .on("rooms.state", (event) => applyState(event.state))
  .on("rooms.member", (event) => {
    const member = event.member;
    if (event.op === "left" || event.op === "kicked") {
      app.members.delete(member.user.id);
      if (member.user.id === myId && event.op === "kicked") gone("You were removed", "A moderator removed you from this room.");
    } else {
      app.members.set(member.user.id, member); // my own new powers follow as rooms.me
    }
    renderMember(member.user.id);
    if (isWatch) $("#member-count").textContent = `(${app.members.size})`;
  })
  .on("rooms.room", (event) => {
    if (event.op === "closed") {
      gone("This room was closed", event.reason === "empty" ? "Everyone left." : "The leader closed the room.");
      return;
    }
    if (event.op === "removed") {
      gone("You were removed", "A moderator removed you from this room.");
      return;
    }
    if (event.room) {
      app.room = event.room;
      renderRoom();
      renderRoster();
    }
  })
  .on("rooms.me", (event) => {
    app.me = event.me;
    allowRecording(canLead());
    renderRoom();
    renderRoster();
    renderMessagesAgain();
    renderHand();
  })
  .on("rooms.hand", (event) => {
    const member = app.members.get(event.user_id);
    if (member) app.members.set(event.user_id, { ...member, hand_raised_at: event.hand_raised_at });
    if (event.user_id === myId && app.me) app.me = { ...app.me, hand_raised_at: event.hand_raised_at };
    renderRoster();
    renderHand();
  })
  .on("rooms.chat", (event) => {
    if (event.op === "created") addMessages([event.message]);
    else if (event.op === "deleted") {
      const message = app.messages.get(event.id);
      if (message) addMessages([{ ...message, body: "", is_deleted: true }]);
    }
  })
  .on("media_relay.recording", (event) => showRecording(event.op === "started"))
  .on("rooms.queue", (event) => {
    app.queue = event.items;
    app.skipVotes = event.skip_votes;
    app.skipNeeded = event.skip_needed;
    renderQueue();
  })
  .on("error", (frame) => {
    const context = frame.ref !== null && frame.ref !== undefined ? socket.pending.get(frame.ref) : null;
    if (context) socket.pending.delete(frame.ref);
    const message = frame.message || "Something went wrong.";
    if (context && context.kind === "chat") {
      showError("#chat-error", message);
      if (context.body && !$("#chat-input").value) {
        $("#chat-input").value = context.body; // give the text back to fix it
        renderChatCount();
      }
    } else if (context && context.kind === "control") {
      // Refused for lack of rights: the controls' own note says so once (and our rights were stale).
      if (frame.code === "playback_not_allowed") $("#controls-readonly").hidden = false;
      else showError("#controls-error", message);
    }
    else if (context && context.kind === "queue") {
      showError("#queue-error", message);
      if (context.vote && frame.code !== "already_voted") {
        app.hasVoted = false;
        renderQueue();
      }
    } else toast(message, "error");
  });

function renderMessagesAgain() {
  addMessages([]);
}

setConnection("connecting", "Connecting…");
socket.connect();
