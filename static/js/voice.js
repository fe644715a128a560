// The room page's voice card: asks the platform for a relay grant, then runs a VoiceClient
// (static/js/media_relay.js) and shows who is in voice, who is speaking, and our mic state.

import { api } from "./api.js";
import { VoiceClient } from "./media_relay.js";

const card = document.getElementById("voice");
const $ = (id) => document.getElementById(id);
let client = null;
let canPublish = false;
let speaking = new Set();
const audioFor = new Map(); // peer id → <audio>

function setStatus(state, text) {
  $("voice-status").dataset.state = state;
  $("voice-status").textContent = text;
}

function showError(message) {
  $("voice-error").textContent = message || "";
  $("voice-error").hidden = !message;
}

function renderPeers() {
  const rows = [];
  if (client && client.peerId) rows.push([client.peerId, "You", client.muted || !canPublish]);
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
    label.textContent = name + (muted ? " 🔇" : "");
    row.append(dot, label);
    return row;
  }));
}

function setJoined(joined) {
  $("voice-join").hidden = joined;
  $("voice-leave").hidden = !joined;
  $("voice-mute").hidden = !joined || !canPublish;
}

function renderMute(muted, byModerator) {
  $("voice-mute").textContent = muted ? "Unmute" : "Mute";
  $("voice-mute").setAttribute("aria-pressed", String(muted));
  $("voice-mute").disabled = byModerator && muted;
  $("voice-note").textContent = byModerator && muted ? "You were muted (by a moderator or because the room microphone is off)." : "";
  renderPeers();
}

function playTrack({ peerId, track }) {
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
}

async function join() {
  showError("");
  $("voice-join").disabled = true;
  setStatus("connecting", "Connecting…");
  try {
    const grant = await api("POST", card.dataset.grantUrl);
    canPublish = (grant.perms || []).includes("publish_audio");
    client = new VoiceClient({ url: grant.url, token: grant.token, room: grant.room, iceServers: grant.ice_servers });
    client.addEventListener("peers", renderPeers);
    client.addEventListener("track", (e) => playTrack(e.detail));
    client.addEventListener("trackended", (e) => stopTrack(e.detail));
    client.addEventListener("speakers", (e) => { speaking = e.detail.speaking; renderPeers(); });
    client.addEventListener("muted", (e) => renderMute(e.detail.muted, e.detail.byModerator));
    client.addEventListener("error", (e) => showError(e.detail.message));
    client.addEventListener("state", (e) => {
      if (e.detail.state !== "closed") return;
      setStatus("off", "Off");
      setJoined(false);
      for (const peerId of [...audioFor.keys()]) stopTrack({ peerId });
      if (e.detail.reason && e.detail.reason !== "left") showError(`Voice ended: ${e.detail.reason}.`);
      client = null;
      renderPeers();
    });
    try {
      await client.start({ publish: canPublish });
    } catch (error) {
      if (error.code !== "forbidden" && error.code !== "muted_by_moderator") throw error;
      canPublish = false; // the room microphone is off, or we are muted: listen only
    }
    setStatus("on", canPublish ? "Live" : "Listening");
    if (!canPublish) $("voice-note").textContent = "The room microphone is off for you: you can listen.";
    setJoined(true);
    renderPeers();
  } catch (error) {
    if (client) client.close();
    client = null;
    setStatus("off", "Off");
    showError(error.name === "NotAllowedError" ? "Allow microphone access to talk, then try again." : error.message);
  } finally {
    $("voice-join").disabled = false;
  }
}

$("voice-join").addEventListener("click", join);
$("voice-leave").addEventListener("click", () => client && client.leave());
$("voice-mute").addEventListener("click", () => client && client.setMuted(!client.muted).catch((e) => showError(e.message)));
window.addEventListener("pagehide", () => client && client.leave());
