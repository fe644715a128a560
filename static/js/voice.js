// The room page's voice card: runs a VoiceClient (static/js/media_relay.js) with grants from
// POST /api/v1/rooms/<code>/media-token/, and shows its state (connecting / live / listening /
// reconnecting / off), the route of a 1:1 call (direct or through the server), who is in voice,
// who is speaking, our mic state and a microphone picker. In a voice room the card is the seats'
// stage (templates/rooms/_voice_room.html): who is in voice, speaking or muted goes to the seats
// as a "voice:state" window event (room.js draws them), instead of the card's own list.
// Where the room allows cameras (data-camera="allowed": a call from a direct message) everyone receives
// video, and the Camera button turns one's own on or off (off to begin with: nobody is seen unasked).

import { api } from "./api.js";
import { icon } from "./icons.js";
import { VoiceClient } from "./media_relay.js";

const card = document.getElementById("voice");
const $ = (id) => document.getElementById(id);
let client = null;
let speaking = new Set();
const audioFor = new Map(); // peer id → <audio>
const videoFor = new Map(); // peer id → <video>
const cameraAllowed = card.dataset.camera === "allowed";

const STATUS = {
  connecting: "Connecting…",
  live: "Live",
  listening: "Listening",
  reconnecting: "Reconnecting…",
  off: "Off",
};

function setStatus(state) {
  $("voice-status").dataset.state = state;
  $("voice-status").textContent = STATUS[state];
  card.dataset.state = state;
}

function showRoute(mode) {
  card.dataset.mode = mode || "";
  $("voice-route").textContent = mode === "p2p" ? "Direct call" : "";
}

function showError(message) {
  $("voice-error").textContent = message || "";
  $("voice-error").hidden = !message;
}

/** The relay peer ids (user ids as strings) whose audio is off: no audio producer, or it is paused. */
function micOffPeers() {
  const live = new Set([...client.producers.values()].filter((p) => p.kind === "audio" && !p.paused).map((p) => String(p.peer_id)));
  const off = new Set([...client.peers.keys()].map(String).filter((peerId) => !live.has(peerId)));
  if (client.peerId && (client.muted || !client.publishing)) off.add(String(client.peerId));
  return off;
}

/** The peers whose camera is on: the relay holds a video producer of theirs (also in a direct call). */
function cameraOnPeers() {
  return new Set([...client.producers.values()].filter((p) => p.kind === "video" && !p.paused).map((p) => String(p.peer_id)));
}

function announce() {
  const inVoice = new Set(client ? [...client.peers.keys()].map(String) : []);
  if (client && client.peerId) inVoice.add(String(client.peerId));
  const detail = { inVoice, speaking: new Set([...speaking].map(String)), micOff: client ? micOffPeers() : new Set() };
  window.dispatchEvent(new CustomEvent("voice:state", { detail }));
}

function renderPeers() {
  announce();
  if (cameraAllowed) renderCamera();
  if (!$("voice-peers")) return;
  const rows = [];
  if (client && client.peerId) rows.push([client.peerId, "You", client.muted || !client.publishing]);
  for (const [peerId, peer] of client ? client.peers : []) rows.push([peerId, peer.name || "Someone", false]);
  $("voice-peers").replaceChildren(...rows.map(([peerId, name, muted]) => {
    const row = document.createElement("li");
    row.className = "roster-row voice-peer";
    row.dataset.peer = peerId;
    row.classList.toggle("is-speaking", speaking.has(peerId));
    const dot = document.createElement("span");
    dot.className = "speaking-dot";
    dot.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "roster-name";
    label.textContent = name;
    if (muted) label.append(" ", icon("mic-off", { size: 14, label: "muted" }));
    row.append(dot, label);
    return row;
  }));
}

function setJoined(joined) {
  const publishing = joined && client && client.publishing;
  $("voice-join").hidden = joined;
  $("voice-leave").hidden = !joined;
  $("voice-mute").hidden = !publishing;
  $("voice-device").hidden = !publishing;
  if ($("voice-camera")) $("voice-camera").hidden = !(publishing && cameraAllowed);
}

function renderCamera() {
  const on = Boolean(client && client.wantVideo);
  $("voice-camera").setAttribute("aria-pressed", String(on));
  $("voice-camera").querySelector("[data-label]").textContent = on ? "Camera off" : "Camera";
  const self = $("voice-self");
  const showSelf = Boolean(on && client.local);
  if (self.hidden === showSelf) self.srcObject = showSelf ? new MediaStream(client.local.getVideoTracks()) : null;
  self.hidden = !showSelf;
  // A direct connection carries a video track from the start; it shows only while that camera is on.
  const cameras = client ? cameraOnPeers() : new Set();
  for (const [peerId, video] of videoFor) video.hidden = !cameras.has(String(peerId));
  $("voice-videos").hidden = self.hidden && ![...videoFor.values()].some((video) => !video.hidden);
}

function playVideo(peerId, track) {
  let video = videoFor.get(peerId);
  if (!video) {
    video = document.createElement("video");
    video.autoplay = video.playsInline = video.muted = true; // the sound plays through the peer's <audio>
    video.hidden = true;
    video.className = "voice-video";
    video.dataset.peer = peerId;
    videoFor.set(peerId, video);
    $("voice-videos").append(video);
  }
  video.srcObject = new MediaStream([track]);
  video.play().catch(() => {});
  track.addEventListener("ended", () => videoFor.get(peerId) === video && stopVideo(peerId));
  renderCamera();
}

function stopVideo(peerId) {
  videoFor.get(peerId)?.remove();
  videoFor.delete(peerId);
  if (cameraAllowed) renderCamera();
}

async function fillDevices() {
  if (!client || !client.publishing) return;
  const current = client.microphoneId;
  const microphones = await VoiceClient.microphones();
  $("voice-device").replaceChildren(...microphones.map((device, i) => {
    const option = new Option(device.label || `Microphone ${i + 1}`, device.deviceId);
    option.selected = device.deviceId === current;
    return option;
  }));
}

function renderMute(muted, byModerator) {
  ($("voice-mute").querySelector("[data-label]") || $("voice-mute")).textContent = muted ? "Unmute" : "Mute";
  $("voice-mute").setAttribute("aria-pressed", String(muted));
  $("voice-mute").disabled = byModerator && muted;
  $("voice-note").textContent = byModerator && muted ? "You were muted (by a moderator or because the room microphone is off)." : "";
  renderPeers();
}

function playTrack({ peerId, track, kind }) {
  if (kind === "video" && cameraAllowed) return playVideo(peerId, track);
  if (kind !== "audio") return; // voice only where the room allows no cameras
  let audio = audioFor.get(peerId);
  if (!audio) {
    audio = new Audio();
    audio.autoplay = true;
    audioFor.set(peerId, audio);
    $("voice-audio").append(audio);
  }
  audio.srcObject = new MediaStream([track]);
  audio.play().catch(() => showError("Your browser blocked audio playback: click anywhere on the page to hear the room."));
}

function stopTrack({ peerId }) {
  const audio = audioFor.get(peerId);
  if (audio) audio.remove();
  audioFor.delete(peerId);
  if (videoFor.has(peerId)) stopVideo(peerId);
}

function onState({ state, reason }) {
  if (state === "connected") {
    setStatus(client.publishing ? "live" : "listening");
    showRoute(client.mode);
    $("voice-note").textContent = client.publishing || !client.wantPublish ? "" : "The room microphone is off for you: you can listen.";
    setJoined(true);
    fillDevices();
    if (cameraAllowed) renderCamera();
  } else if (state === "reconnecting") {
    setStatus("reconnecting");
  } else if (state === "closed") {
    setStatus("off");
    showRoute("");
    setJoined(false);
    for (const peerId of new Set([...audioFor.keys(), ...videoFor.keys()])) stopTrack({ peerId });
    if (reason && reason !== "left") showError(`Voice ended: ${reason.replace("_", " ")}.`);
    client = null;
  }
  renderPeers();
}

async function join() {
  showError("");
  $("voice-join").disabled = true;
  setStatus("connecting");
  const timeout = Number(card.dataset.p2pTimeoutMs);
  client = new VoiceClient({
    fetchGrant: () => api("POST", card.dataset.grantUrl),
    p2pTimeoutMs: Number.isFinite(timeout) ? timeout : undefined,
  });
  client.addEventListener("state", (e) => onState(e.detail));
  client.addEventListener("mode", (e) => showRoute(e.detail.mode));
  client.addEventListener("peers", renderPeers);
  client.addEventListener("producers", renderPeers);
  client.addEventListener("track", (e) => playTrack(e.detail));
  client.addEventListener("trackended", (e) => stopTrack(e.detail));
  client.addEventListener("speakers", (e) => { speaking = e.detail.speaking; renderPeers(); });
  client.addEventListener("muted", (e) => renderMute(e.detail.muted, e.detail.byModerator));
  client.addEventListener("error", (e) => showError(e.detail.message));
  if (cameraAllowed) client.addEventListener("camera", renderCamera);
  try {
    await client.start({ publish: true, receiveVideo: cameraAllowed });
  } catch (error) {
    client = null;
    setStatus("off");
    showError(error.name === "NotAllowedError" ? "Allow microphone access to talk, then try again." : error.message);
  } finally {
    $("voice-join").disabled = false;
  }
}

$("voice-join").addEventListener("click", join);
$("voice-leave").addEventListener("click", () => client && client.leave());
$("voice-mute").addEventListener("click", () => client && client.setMuted(!client.muted).catch((e) => showError(e.message)));
$("voice-device").addEventListener("change", (e) => client && client.setMicrophone(e.target.value).catch((error) => showError(error.message)));
$("voice-camera")?.addEventListener("click", () => client && client.setCamera(!client.wantVideo));
navigator.mediaDevices?.addEventListener("devicechange", fillDevices);
window.addEventListener("pagehide", () => client && client.leave());
window.addEventListener("room:gone", () => client && client.leave());
// A call from a conversation lands here answered (static/js/calls.js, dms.js): into voice at once.
if (location.hash === "#call") join();
