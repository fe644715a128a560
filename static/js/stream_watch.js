// The watch page's player (/c/<slug>/ when live, /s/<id>/): WebRTC through the relay (media_relay.js,
// subscribe only; the relay asks the publisher for a keyframe as soon as we consume, so the first frame
// comes fast), the viewer count from the stream socket, and "ended" when the host stops. What this
// viewer may do arrives as data (data-watch: me.*); nothing is decided here. Also the channel's
// follow and notification buttons.

import { api } from "./api.js";
import { VoiceClient } from "./media_relay.js";
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
  const voices = $("#stream-audio"); // every publisher's voice (the host's and the stage guests'), one <audio> each

  const show = (text) => { overlay.textContent = text; overlay.hidden = !text; };
  const setMode = (name, text) => { mode.dataset.mode = name; mode.textContent = text; };
  const setStatus = (value, text) => { status.dataset.status = value; status.textContent = text; };

  function play({ microphone = null } = {}) {
    if (client) return;
    setMode("connecting", "Connecting");
    client = new VoiceClient({ fetchGrant: () => api("POST", `/api/v1/streams/${watch.stream_id}/media-token/`), p2p: false });
    client.addEventListener("track", ({ detail }) => {
      if (detail.kind === "audio") { playStageAudio(voices, detail); return; }
      for (const old of media.getTracks().filter((t) => t.kind === detail.track.kind)) media.removeTrack(old);
      media.addTrack(detail.track);
      video.play().catch(() => {});
    });
    client.addEventListener("state", ({ detail }) => {
      if (detail.state === "reconnecting") setMode("reconnecting", "Reconnecting");
      if (detail.state === "closed") setMode("closed", "Offline");
    });
    client.start({ publish: Boolean(microphone), video: true, microphone }).catch((error) => { client = null; show(error.message || "Could not connect."); });
  }

  function stop(text) {
    if (client) client.close();
    client = null;
    for (const track of media.getTracks()) media.removeTrack(track);
    video.srcObject = media;
    show(text);
  }

  video.addEventListener("playing", () => { show(""); setMode("webrtc", "WebRTC · live"); });
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
