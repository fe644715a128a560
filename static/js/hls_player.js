// Live HLS player: hls.js (vendored, static/vendor/hls.js/) or the browser's own HLS, tuned for a few
// seconds of latency, with the live latency measured glass to player from the playlist's
// EXT-X-PROGRAM-DATE-TIME (the relay's wall clock at each segment's first frame; docs/media_relay.md,
// "HLS output").
//
//   const player = new LiveHlsPlayer(videoElement, { url, hlsScriptUrl });
//   player.addEventListener("latency", (e) => e.detail.seconds);   // about twice a second while playing
//   player.addEventListener("state", (e) => e.detail.state);       // loading, playing, stalled, ended, error
//   await player.start(); player.latency(); player.engine; player.destroy();
//
// Markup: templates/media_relay/_hls_player.html; every [data-hls-player] on the page is mounted
// when this module loads and shows "HLS · 3.1 s behind live" in its [data-hls-readout].

import { HLS_MIME, loadScript } from "./players.js";

// The relay writes 1 s segments; FFmpeg's hls muxer has no LL-HLS parts, so this is "low latency"
// with whole segments: stay ~2 s behind the newest segment, play up to 20 % faster to catch up,
// jump back to the sync point beyond 6 s.
export const LIVE_CONFIG = {
  liveSyncDuration: 2,
  liveMaxLatencyDuration: 6,
  maxLiveSyncPlaybackRate: 1.2,
  maxBufferLength: 4,
  backBufferLength: 10,
  lowLatencyMode: true,
  enableWorker: true,
};
const READOUT_MS = 500;

export class LiveHlsPlayer extends EventTarget {
  constructor(video, { url, hlsScriptUrl = "/static/vendor/hls.js/hls.min.js", Hls = null, engine = null } = {}) {
    super();
    this.video = video;
    this.url = url;
    this.hlsScriptUrl = hlsScriptUrl;
    this.Hls = Hls;
    // hls.js wherever Media Source Extensions exist (its latency tuning and program-date-time); the
    // browser's own HLS only without them (iPhone Safari before ManagedMediaSource).
    const mse = "MediaSource" in window || "ManagedMediaSource" in window;
    this.engine = engine || (mse || !video.canPlayType(HLS_MIME) ? "hls.js" : "native");
    this.hls = null;
    this.timer = null;
    this.state = "idle";
  }

  async start() {
    this.setState("loading");
    for (const type of ["playing", "waiting", "ended"]) {
      this.video.addEventListener(type, () => this.setState({ playing: "playing", waiting: "stalled", ended: "ended" }[type]));
    }
    if (this.engine === "native") {
      this.video.src = this.url;
    } else {
      if (!this.Hls && !window.Hls) await loadScript(this.hlsScriptUrl);
      const Hls = this.Hls || window.Hls;
      if (!Hls.isSupported()) throw new Error("This browser can't play HLS streams.");
      this.hls = new Hls(LIVE_CONFIG);
      this.hls.on(Hls.Events.ERROR, (_, data) => {
        if (data.fatal) this.setState("error", data.details);
      });
      this.hls.loadSource(this.url);
      this.hls.attachMedia(this.video);
    }
    this.video.muted = this.video.muted || this.video.autoplay; // autoplay is allowed muted only
    this.video.play().catch(() => {}); // a click on the controls starts it where autoplay is refused
    this.timer = setInterval(() => {
      const seconds = this.latency();
      if (seconds !== null) this.dispatchEvent(new CustomEvent("latency", { detail: { seconds } }));
    }, READOUT_MS);
  }

  /** Seconds between now and the wall-clock time of the frame on screen (null before the first frame). */
  latency() {
    let shown = null;
    if (this.hls) {
      shown = this.hls.playingDate; // from EXT-X-PROGRAM-DATE-TIME + the position in the segment
    } else if (typeof this.video.getStartDate === "function") {
      const start = this.video.getStartDate().getTime();
      if (!Number.isNaN(start)) shown = new Date(start + this.video.currentTime * 1000);
    }
    if (!shown || this.video.readyState < 2) return null;
    return Math.max(0, (Date.now() - shown.getTime()) / 1000);
  }

  setState(state, reason = "") {
    if (state === this.state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, reason } }));
  }

  destroy() {
    clearInterval(this.timer);
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute("src");
    this.video.load();
  }
}

const LABELS = { loading: "connecting…", stalled: "buffering…", ended: "stream ended", error: "can't play" };

/** Mount every [data-hls-player] under `root`: data-src is the playlist, data-hls-script hls.js's URL. */
export function mountHlsPlayers(root = document) {
  const players = [];
  for (const element of root.querySelectorAll("[data-hls-player]:not([data-mounted])")) {
    element.dataset.mounted = "";
    const video = element.querySelector("video");
    const readout = element.querySelector("[data-hls-readout]");
    const player = new LiveHlsPlayer(video, { url: element.dataset.src, hlsScriptUrl: element.dataset.hlsScript });
    element.dataset.engine = player.engine;
    const show = (text) => { if (readout) readout.textContent = `HLS · ${text}`; };
    player.addEventListener("state", (e) => {
      element.dataset.state = e.detail.state;
      if (LABELS[e.detail.state]) show(LABELS[e.detail.state]);
    });
    player.addEventListener("latency", (e) => {
      element.dataset.latencyMs = Math.round(e.detail.seconds * 1000);
      if (player.state === "playing") show(`${e.detail.seconds.toFixed(1)} s behind live`);
    });
    player.start().catch((error) => { player.setState("error", String(error)); });
    players.push(player);
  }
  return players;
}

mountHlsPlayers();
