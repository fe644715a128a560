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
// "HLS · 3.1 s behind live". When seats free up the server says so with the viewer count (webrtc.open):
// an HLS viewer asks to move back (POST /api/v1/streams/<id>/webrtc/) and switches once WebRTC shows a frame.

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
  const GRANT_MARGIN_MS = 30000;
  // The page came with a relay grant (streams.services.stream_page_grant): the first connection uses it
  // instead of asking for one (the time to first frame); later ones (a reconnect, the stage) ask.
  let pageGrant = watch.relay_grant;
  function fetchGrant() {
    const grant = pageGrant;
    pageGrant = null;
    if (grant && Date.parse(grant.expires_at) - Date.now() > GRANT_MARGIN_MS) return Promise.resolve(grant);
    return api("POST", `/api/v1/streams/${watch.stream_id}/media-token/`);
  }
  const RETURN_BACKOFF_MS = 30000; // our own WebRTC failed: try it again no sooner than this (doubling each time)
  let seats = null; // the server's last offer (streams.viewers webrtc): { open, spread_ms }
  let returnTimer = null;
  let returnNotBefore = 0;
  let returnFailures = 0;
  let upgrading = null; // a WebRTC client connecting while HLS plays on

  function backOff() {
    returnFailures += 1;
    returnNotBefore = Date.now() + RETURN_BACKOFF_MS * 2 ** (returnFailures - 1);
  }

  async function playHls(reason) {
    if (hls) return;
    if (client) client.close();
    client = null;
    clearTimeout(fallbackTimer);
    root.dataset.fallback = reason;
    if (reason !== "cap") backOff();
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
    const player = hls = new LiveHlsPlayer(video, { url, hlsScriptUrl: root.dataset.hlsScript });
    hls.addEventListener("state", ({ detail }) => {
      if (hls !== player) return;
      if (detail.state === "playing") show("");
      if (detail.state === "stalled") setMode("hls", "HLS · buffering…");
    });
    hls.addEventListener("latency", ({ detail }) => {
      if (hls !== player) return;
      root.dataset.latencyMs = Math.round(detail.seconds * 1000);
      if (hls.state === "playing") setMode("hls", `HLS · ${detail.seconds.toFixed(1)} s behind live`);
    });
    hls.start().catch((error) => show(String(error.message || error)));
    considerReturn();
  }

  // Back to WebRTC when the server offers seats again (streams.playback.webrtc_seats): each HLS viewer asks at
  // a random moment of the offer's spread, the server admits a few a second and tells the others when to ask.
  function considerReturn() {
    clearTimeout(returnTimer);
    returnTimer = null;
    if (!(hls instanceof LiveHlsPlayer) || upgrading || !seats?.open) return;
    const wait = Math.max(0, returnNotBefore - Date.now()) + Math.random() * seats.spread_ms;
    returnTimer = setTimeout(askReturn, wait);
  }

  async function askReturn() {
    returnTimer = null;
    if (!(hls instanceof LiveHlsPlayer) || upgrading || !seats?.open) return;
    let answer;
    try {
      answer = await api("POST", `/api/v1/streams/${watch.stream_id}/webrtc/`);
    } catch { return; } // ended, or the network: the next offer asks again
    if (answer.mode === "webrtc") connect({ upgrade: true });
    else if (answer.retry_after_ms !== null) returnTimer = setTimeout(askReturn, answer.retry_after_ms);
  }

  // WebRTC through the relay. `upgrade`: HLS plays on until this connection shows its first frame, then
  // gives way; if it does not connect, HLS simply stays (and we back off). A stage guest (microphone)
  // always goes over WebRTC: HLS can't carry their voice.
  function connect({ microphone = null, upgrade = false } = {}) {
    const webrtc = new VoiceClient({ fetchGrant, p2p: false });
    const into = upgrade ? new MediaStream() : media;
    const waitingVoices = [];
    let probe = null;
    if (upgrade) {
      upgrading = webrtc;
      probe = Object.assign(document.createElement("video"), { muted: true, playsInline: true, srcObject: into });
      probe.className = "visually-hidden";
      root.append(probe);
    } else {
      client = webrtc;
      setMode("connecting", "Connecting");
      // the time to first frame, page load aside: from here to the first WebRTC frame (tests/e2e/test_stream_journey.py)
      const started = performance.now();
      root.dataset.playerStartedMs = Math.round(started);
      video.addEventListener("resize", () => {
        if (client === webrtc && video.videoWidth && !root.dataset.firstFrameMs) {
          root.dataset.firstFrameMs = Math.round(performance.now() - started);
        }
      });
    }
    const giveUp = () => { // an upgrade that did not make it: HLS never stopped
      if (upgrading !== webrtc) return;
      upgrading = null;
      webrtc.close();
      probe.remove();
      backOff();
      considerReturn();
    };
    const commit = () => { // the upgrade's first frame: WebRTC takes over the player
      if (upgrading !== webrtc) return;
      upgrading = null;
      client = webrtc;
      clearTimeout(returnTimer);
      clearTimeout(fallbackTimer);
      hls.destroy();
      hls = null;
      for (const track of media.getTracks()) media.removeTrack(track);
      for (const track of into.getTracks()) media.addTrack(track);
      probe.remove();
      video.srcObject = media;
      video.play().catch(() => {});
      for (const detail of waitingVoices) playStageAudio(voices, detail);
      root.dataset.returned = root.dataset.fallback;
      delete root.dataset.fallback;
      returnFailures = 0;
      setMode("webrtc", "WebRTC · live");
    };
    if (probe) probe.addEventListener("playing", commit, { once: true });
    webrtc.addEventListener("track", ({ detail }) => {
      const live = client === webrtc;
      if (detail.kind === "audio") {
        if (live) playStageAudio(voices, detail);
        else waitingVoices.push(detail);
        return;
      }
      const target = live ? media : into;
      for (const old of target.getTracks().filter((t) => t.kind === detail.track.kind)) target.removeTrack(old);
      target.addTrack(detail.track);
      (live ? video : probe).play().catch(() => {});
    });
    fallbackTimer = setTimeout(() => {
      if (webrtc.subscribePc?.connectionState === "connected") return;
      if (upgrading === webrtc) giveUp();
      else if (client === webrtc) playHls("webrtc_timeout");
    }, playback.webrtc_timeout_ms);
    webrtc.addEventListener("state", ({ detail }) => {
      if (upgrading === webrtc) {
        if (detail.state === "closed" || detail.reason === "ice_failed") giveUp();
        return;
      }
      if (client !== webrtc) return;
      if (detail.state === "reconnecting" && detail.reason === "ice_failed") { playHls("ice_failed"); return; }
      if (detail.state === "reconnecting") setMode("reconnecting", "Reconnecting");
      if (detail.state === "closed") setMode("closed", "Offline");
    });
    webrtc.start({ publish: Boolean(microphone), video: true, microphone }).catch((error) => {
      if (upgrading === webrtc) { giveUp(); return; }
      if (client !== webrtc) return; // already on HLS
      client = null;
      show(error.message || "Could not connect.");
    });
  }

  function play({ microphone = null } = {}) {
    if (client || hls) return;
    if (playback.mode === "hls" && !microphone) { playHls("cap"); return; }
    connect({ microphone });
  }

  function stop(text) {
    clearTimeout(fallbackTimer);
    if (upgrading) upgrading.close(); // (its give-up may schedule another ask: cleared next)
    upgrading = null;
    clearTimeout(returnTimer);
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
    onViewers: (current, peak, webrtc) => {
      $("#viewer-count").textContent = current;
      seats = webrtc;
      considerReturn();
    },
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
