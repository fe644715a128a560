// The watch page's player (/c/<slug>/ when live, /s/<id>/): WebRTC through the relay (media_relay.js,
// subscribe only; the relay asks the publisher for a keyframe as soon as we consume, so the first frame
// comes fast), the viewer count from the stream socket, and "ended" when the host stops. What this
// viewer may do arrives as data (data-watch: me.*); nothing is decided here. Also the channel's
// follow and notification buttons.
//
// WebRTC or HLS (streams.playback): data-watch.playback.mode says which this viewer starts with (HLS past
// the server's WebRTC viewer cap). What only the browser can see is its own WebRTC transport: not
// connected after playback.webrtc_timeout_ms (UDP blocked, ICE or DTLS timing out) or failed, the player
// asks for HLS (POST /api/v1/streams/<id>/hls/) and plays the playlist with hls_player.js, showing
// "HLS · 3.1 s behind live".

import { api } from "./api.js";
import { LiveHlsPlayer } from "./hls_player.js";
import { VoiceClient } from "./media_relay.js";
import { mountStreamChat } from "./stream_chat.js";
import { playStageAudio, setStageAudioMuted, viewerStage } from "./stage.js";
import { openStreamSocket } from "./stream_socket.js";
import { toast } from "./toast.js";

const $ = (selector) => document.querySelector(selector);

function setupPlayer(root) {
  const watch = JSON.parse(root.dataset.watch);
  const video = $("#stream-video");
  const overlay = $("#stream-overlay");
  const mode = $("#stream-mode");
  const status = $("#stream-status");
  const media = new MediaStream();
  video.srcObject = media;
  let client = null;
  let hls = null;
  let fallbackTimer = null;
  const playback = watch.playback || { mode: "webrtc", hls_url: null, webrtc_timeout_ms: 8000 };
  const voices = $("#stream-audio"); // every publisher's voice (the host's and the stage guests'), one <audio> each

  const show = (text) => { overlay.textContent = text; overlay.hidden = !text; };
  const setMode = (name, text) => { mode.dataset.mode = name; mode.textContent = text; };
  const setStatus = (value, text) => { status.dataset.status = value; status.textContent = text; };

  const HLS_RETRY_MS = 1000;

  async function playHls(reason) {
    if (hls) return;
    if (client) client.close();
    client = null;
    clearTimeout(fallbackTimer);
    root.dataset.fallback = reason;
    setMode("connecting", "HLS · connecting…");
    hls = "starting";
    let url = null;
    while (!url && hls === "starting") {
      try {
        url = (await api("POST", `/api/v1/streams/${watch.stream_id}/hls/`)).hls_url;
      } catch (error) { hls = null; show(error.message || "Could not connect."); return; }
      if (!url) await new Promise((resolve) => setTimeout(resolve, HLS_RETRY_MS)); // the first segment is coming
    }
    if (hls !== "starting") return; // ended meanwhile
    video.srcObject = null;
    hls = new LiveHlsPlayer(video, { url, hlsScriptUrl: root.dataset.hlsScript });
    hls.addEventListener("state", ({ detail }) => {
      if (detail.state === "playing") show("");
      if (detail.state === "stalled") setMode("hls", "HLS · buffering…");
    });
    hls.addEventListener("latency", ({ detail }) => {
      root.dataset.latencyMs = Math.round(detail.seconds * 1000);
      if (hls.state === "playing") setMode("hls", `HLS · ${detail.seconds.toFixed(1)} s behind live`);
    });
    hls.start().catch((error) => show(String(error.message || error)));
  }

  // A stage guest (microphone) always goes over WebRTC: HLS can't carry their voice.
  function play({ microphone = null } = {}) {
    if (client || hls) return;
    if (playback.mode === "hls" && !microphone) { playHls("cap"); return; }
    setMode("connecting", "Connecting");
    client = new VoiceClient({ fetchGrant: () => api("POST", `/api/v1/streams/${watch.stream_id}/media-token/`), p2p: false });
    client.addEventListener("track", ({ detail }) => {
      if (detail.kind === "audio") { playStageAudio(voices, detail); return; }
      for (const old of media.getTracks().filter((t) => t.kind === detail.track.kind)) media.removeTrack(old);
      media.addTrack(detail.track);
      video.play().catch(() => {});
    });
    const webrtc = client;
    fallbackTimer = setTimeout(() => {
      if (client === webrtc && webrtc.subscribePc?.connectionState !== "connected") playHls("webrtc_timeout");
    }, playback.webrtc_timeout_ms);
    client.addEventListener("state", ({ detail }) => {
      if (detail.state === "reconnecting" && detail.reason === "ice_failed") { playHls("ice_failed"); return; }
      if (detail.state === "reconnecting") setMode("reconnecting", "Reconnecting");
      if (detail.state === "closed") setMode("closed", "Offline");
    });
    client.start({ publish: Boolean(microphone), video: true, microphone }).catch((error) => {
      if (client !== webrtc) return; // already on HLS
      client = null;
      show(error.message || "Could not connect.");
    });
  }

  function stop(text) {
    clearTimeout(fallbackTimer);
    if (client) client.close();
    client = null;
    if (hls && hls !== "starting") hls.destroy();
    hls = null;
    for (const track of media.getTracks()) media.removeTrack(track);
    video.srcObject = media;
    show(text);
  }

  video.addEventListener("playing", () => { if (client) { show(""); setMode("webrtc", "WebRTC · live"); } });
  $("#unmute").addEventListener("click", (event) => {
    const muted = voices.dataset.muted !== "true";
    setStageAudioMuted(voices, muted);
    event.currentTarget.textContent = muted ? "Unmute" : "Mute";
  });

  const socket = openStreamSocket(watch.stream_id, {
    onHello: (hello) => {
      $("#viewer-count").textContent = hello.viewers.current;
      if (hello.stream.status === "live") play();
    },
    onViewers: (current) => { $("#viewer-count").textContent = current; },
    onLive: () => { setStatus("live", "Live"); play(); },
    onUpdated: (stream) => { const title = $("#stream-title"); if (title) title.textContent = stream.title; },
    onEnded: () => { setStatus("ended", "Ended"); setMode("ended", "Ended"); stop("This stream has ended."); },
  });
  const chat = $("#stream-chat");
  if (chat) mountStreamChat(chat, socket, { userId: watch.user_id });
  if (watch.status === "ended") stop("This stream has ended.");
  if (watch.status === "live") play(); // no need to wait for the socket's hello: the first frame comes sooner
  const stage = $("#stage");
  if (stage) {
    // Taking a seat reconnects to the relay as a publisher (the grant now allows our microphone); leaving it, as a viewer.
    const restart = (microphone) => { stop(""); play({ microphone }); };
    viewerStage({
      streamId: watch.stream_id, userId: stage.dataset.user ? Number(stage.dataset.user) : null, socket,
      onAccepted: (microphone) => restart(microphone),
      onLeft: () => restart(null),
    });
  }
}

function setupFollow(box) {
  const follow = $("#follow-toggle");
  const notify = $("#notify-toggle");
  if (!follow) return;
  const url = `/api/v1/channels/${box.dataset.slug}/follow/`;
  const render = (state) => {
    box.dataset.following = String(state.is_following);
    box.dataset.notify = String(state.notify);
    follow.textContent = state.is_following ? "Following" : "Follow";
    notify.hidden = !state.is_following;
    notify.setAttribute("aria-pressed", String(state.notify));
    notify.textContent = state.notify ? "Notifications on" : "Notifications off";
    $("#follower-count").textContent = state.followers;
  };
  follow.addEventListener("click", async () => {
    try {
      render(box.dataset.following === "true" ? await api("DELETE", url) : await api("POST", url, { notify: true }));
    } catch (error) { toast(error.message, "error"); }
  });
  notify.addEventListener("click", async () => {
    try { render(await api("POST", url, { notify: box.dataset.notify !== "true" })); } catch (error) { toast(error.message, "error"); }
  });
}

const player = $("#stream-player");
if (player) setupPlayer(player);
const followBox = $("#follow-box");
if (followBox) setupFollow(followBox);
