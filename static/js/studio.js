// The studio (/studio/): camera, microphone and screen share with a preview and device pickers; Go live /
// End stream (confirmed); the channel's WHIP key for OBS; stream health from WebRTC stats. What the host
// may do arrives as data (data-studio: can_go_live, can_end); the server decides, we only ask. While live,
// the channel's chat (stream_chat.js, the host moderates) and the channel's moderators (appoint by @handle).

import { api } from "./api.js";
import { VoiceClient } from "./media_relay.js";
import { mountStreamChat } from "./stream_chat.js";
import { hostStage, playStageAudio } from "./stage.js";
import { openStreamSocket } from "./stream_socket.js";

const $ = (selector) => document.querySelector(selector);
const root = $("#studio");
const data = JSON.parse(root.dataset.studio);
const preview = $("#preview");
const errorBox = $("#studio-error");
let local = null; // our MediaStream: one audio and one video track
let camera = null; // the camera's video track, kept while the screen is shared
let client = null;
let streamId = data.live_stream_id;
let socket = null;
let healthTimer = null;

const fail = (error) => { errorBox.textContent = error.message || String(error); errorBox.hidden = false; };
const clearError = () => { errorBox.hidden = true; };

async function fillDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [select, kind] of [[$("#camera-select"), "videoinput"], [$("#mic-select"), "audioinput"]]) {
    select.replaceChildren(...devices.filter((d) => d.kind === kind).map((d, i) => new Option(d.label || `${kind} ${i + 1}`, d.deviceId)));
  }
}

async function startPreview() {
  local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 1280, height: 720 } });
  camera = local.getVideoTracks()[0];
  preview.srcObject = local;
  await fillDevices();
}

function senderOf(kind) {
  const pc = client && client.publishPc;
  return pc ? pc.getSenders().find((s) => s.track && s.track.kind === kind) : null;
}

async function swapTrack(kind, track) {
  const old = local.getTracks().find((t) => t.kind === kind);
  if (old) local.removeTrack(old);
  local.addTrack(track);
  const sender = senderOf(kind);
  if (sender) await sender.replaceTrack(track);
  return old;
}

$("#camera-select").addEventListener("change", async (event) => {
  const fresh = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: event.target.value }, width: 1280, height: 720 } });
  const old = await swapTrack("video", fresh.getVideoTracks()[0]);
  if (old) old.stop();
  camera = fresh.getVideoTracks()[0];
});

$("#mic-select").addEventListener("change", async (event) => {
  const fresh = await navigator.mediaDevices.getUserMedia({ audio: { deviceId: { exact: event.target.value } } });
  const old = await swapTrack("audio", fresh.getAudioTracks()[0]);
  if (old) old.stop();
});

$("#screen-share").addEventListener("click", async () => {
  try {
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const track = screen.getVideoTracks()[0];
    await swapTrack("video", track);
    track.addEventListener("ended", () => swapTrack("video", camera));
  } catch (error) { fail(error); }
});

function render(live) {
  $("#go-live").hidden = live;
  $("#end-stream").hidden = !live;
  const state = $("#studio-state");
  state.dataset.state = live ? "live" : "offline";
  state.textContent = live ? "Live" : "Offline";
}

async function publish() {
  client = new VoiceClient({ fetchGrant: () => api("POST", `/api/v1/streams/${streamId}/media-token/`), p2p: false });
  client.addEventListener("state", ({ detail }) => { if (detail.state === "closed" && detail.reason) fail(new Error(`Relay: ${detail.reason}`)); });
  client.addEventListener("track", ({ detail }) => playStageAudio($("#stage-audio-host"), detail)); // the guests' voices
  await client.start({ publish: true, video: true, microphone: local });
  openSocket();
  watchHealth();
}

function openSocket() {
  if (socket && !socket.stopped) return;
  socket = openStreamSocket(streamId, {
    onHello: (hello) => { $("#health-viewers").textContent = hello.viewers.current; },
    onViewers: (current) => { $("#health-viewers").textContent = current; },
    onEnded: () => finish(),
  });
  mountStreamChat($("#stream-chat"), socket, { userId: data.user_id });
  hostStage({ streamId, socket });
  watchHealth();
}

async function loadModerators() {
  const rows = await api("GET", `/api/v1/channels/${data.slug}/moderators/`);
  $("#moderator-list").replaceChildren(...rows.map((row) => {
    const item = document.createElement("li");
    const remove = Object.assign(document.createElement("button"), { type: "button", className: "btn btn-sm", textContent: "Remove" });
    remove.addEventListener("click", async () => {
      try { await api("DELETE", `/api/v1/channels/${data.slug}/moderators/${row.user.id}/`); await loadModerators(); } catch (error) { fail(error); }
    });
    item.append(`@${row.user.handle} (${row.role === "vip" ? "VIP" : "moderator"}) `, remove);
    return item;
  }));
}

$("#moderator-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", `/api/v1/channels/${data.slug}/moderators/`, { handle: $("#moderator-handle").value.trim(), role: $("#moderator-role").value });
    $("#moderator-handle").value = "";
    await loadModerators();
  } catch (error) { fail(error); }
});

function watchHealth() {
  let last = null;
  healthTimer = setInterval(async () => {
    const pc = client && client.publishPc;
    if (!pc) return;
    const stats = await pc.getStats();
    let video = null;
    let remote = null;
    stats.forEach((report) => {
      if (report.type === "outbound-rtp" && report.kind === "video") video = report;
      if (report.type === "remote-inbound-rtp" && report.kind === "video") remote = report;
    });
    if (!video) return;
    if (last) {
      const kbps = ((video.bytesSent - last.bytesSent) * 8) / (video.timestamp - last.timestamp);
      $("#health-bitrate").textContent = `${Math.round(kbps)} kbps`;
    }
    $("#health-fps").textContent = video.framesPerSecond ? `${Math.round(video.framesPerSecond)} fps` : "–";
    if (remote && video.packetsSent) $("#health-loss").textContent = `${((100 * (remote.packetsLost || 0)) / video.packetsSent).toFixed(1)} %`;
    last = video;
  }, 1000);
}

function finish() {
  clearInterval(healthTimer);
  if (client) client.leave();
  client = null;
  if (socket) socket.stopped = true;
  streamId = null;
  render(false);
}

$("#go-live").addEventListener("click", async (event) => {
  clearError();
  event.currentTarget.disabled = true;
  try {
    if (!local) await startPreview();
    if (!streamId) {
      const stream = await api("POST", `/api/v1/channels/${data.slug}/go-live/`, { title: $("#stream-title-input").value.trim() });
      streamId = stream.id;
    }
    await publish();
    render(true);
  } catch (error) {
    fail(error);
  } finally {
    event.currentTarget.disabled = false;
  }
});

$("#end-stream").addEventListener("click", async () => {
  if (!window.confirm("End the stream for everyone?")) return;
  try {
    await api("POST", `/api/v1/streams/${streamId}/end/`);
    finish();
  } catch (error) { fail(error); }
});

function renderKey(prefix) {
  $("#key-state").textContent = prefix ? `Live key: ${prefix}…` : "No stream key yet.";
  $("#key-revoke").hidden = !prefix;
}

$("#key-create").addEventListener("click", async () => {
  try {
    const made = await api("POST", `/api/v1/channels/${data.slug}/stream-key/`);
    const shown = $("#key-value");
    shown.textContent = made.key;
    shown.hidden = false;
    renderKey(made.prefix);
  } catch (error) { fail(error); }
});

$("#key-revoke").addEventListener("click", async () => {
  if (!window.confirm("Revoke the key? An encoder streaming with it is cut off.")) return;
  try {
    await api("DELETE", `/api/v1/channels/${data.slug}/stream-key/`);
    $("#key-value").hidden = true;
    renderKey(null);
  } catch (error) { fail(error); }
});

$("#whip-url").value = data.whip_url;
renderKey(data.key_prefix);
render(Boolean(data.live_stream_id));
if (data.live_stream_id) $("#go-live").hidden = false; // live from elsewhere: the button resumes the camera here
if (data.live_stream_id) openSocket(); // the chat, live from OBS too
loadModerators().catch(fail);
startPreview().catch(fail);
