// Player adapters: one interface over every kind of source a room can play.
//
//   await player.load(source)        source = {kind, url, media_id, title} (rooms PlaybackSerializer.source)
//   await player.play()              resolves {muted} (muted: autoplay forced us to mute)
//   player.pause() / seek(s) / setRate(r)
//   player.currentTime() → s | null  null: this player can't tell (Drive, web pages)
//   player.duration() → s | null
//   player.isPaused()
//   player.setVolume(0–1) / volume() / setMuted(bool) / isMuted()   where hasVolume (this listener only)
//   await player.whenSeeked()        where startsOnTime: the seek landed and it can play at once
//   player.on("ready" | "buffering" (bool) | "ended" | "duration" (s) | "error" (message) | "muted", fn)
//   player.destroy()
//
// Capabilities the room app reads: isSyncable (follows the room state at all), canControl
// (we can play/pause/seek it), hasVolume (we can set its volume and mute it), startsOnTime (it can
// be sought while paused and started at a chosen instant: room.js lines seeks up that way), rates (null: any rate; an array: the only rates it accepts),
// syncProfile (overrides of sync.js SYNC_DEFAULTS for this kind), note (what to tell users).

import { YOUTUBE_RATES, quantizeRate } from "./sync.js";

class Emitter {
  constructor() {
    this.listeners = new Map();
  }

  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
    return this;
  }

  emit(type, value) {
    for (const fn of this.listeners.get(type) || []) fn(value);
  }
}

const loadedScripts = new Map();

/** Load a classic script once; resolves when it ran. */
export function loadScript(src, { timeoutMs = 15000 } = {}) {
  if (!loadedScripts.has(src)) {
    loadedScripts.set(
      src,
      new Promise((resolve, reject) => {
        const script = document.createElement("script");
        const timer = setTimeout(() => reject(new Error(`Timed out loading ${src}`)), timeoutMs);
        script.src = src;
        script.async = true;
        script.onload = () => {
          clearTimeout(timer);
          resolve();
        };
        script.onerror = () => {
          clearTimeout(timer);
          loadedScripts.delete(src);
          reject(new Error(`Could not load ${src}`));
        };
        document.head.append(script);
      }),
    );
  }
  return loadedScripts.get(src);
}

export function isHttpUrl(url) {
  try {
    return ["http:", "https:"].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

function element(tag, attributes = {}, text = "") {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  if (text) el.textContent = text;
  return el;
}

class BasePlayer extends Emitter {
  kind = "none";
  isSyncable = false;
  canControl = false;
  hasVolume = false;
  startsOnTime = false;
  rates = null;
  syncProfile = {};
  note = "";

  constructor(container, options = {}) {
    super();
    this.container = container;
    this.options = options;
    this.isBuffering = false;
  }

  setBuffering(isBuffering) {
    if (this.isBuffering === isBuffering) return;
    this.isBuffering = isBuffering;
    this.emit("buffering", isBuffering);
  }

  async load() {}
  async play() {
    return { muted: false };
  }
  pause() {}
  seek() {}
  setRate() {}
  currentTime() {
    return null;
  }
  duration() {
    return null;
  }
  isPaused() {
    return true;
  }
  setVolume() {}
  volume() {
    return null;
  }
  setMuted() {}
  isMuted() {
    return false;
  }
  destroy() {
    this.listeners.clear();
  }
}

const clamp01 = (value) => Math.min(1, Math.max(0, Number(value) || 0));

// -- HTML5 video: direct files ------------------------------------------------------------------------

export class VideoPlayer extends BasePlayer {
  kind = "video";
  isSyncable = true;
  canControl = true;
  hasVolume = true;
  startsOnTime = true;
  // seekLeadMs: the start latency of startOnTime (room.js), learnt and kept per visitor. First
  // guess: play() to steady playback took 66–84 ms in Chromium (bench/chromium_media_clock.py).
  syncProfile = { seekLeadMs: 75 };

  constructor(container, options = {}) {
    super(container, options);
    this.video = options.video || element("video", { playsinline: "", preload: "auto" });
    this.video.classList.add("player-video");
    if (!this.video.isConnected && container) container.append(this.video);
    const on = (type, fn) => this.video.addEventListener(type, fn);
    on("waiting", () => this.setBuffering(true));
    on("seeking", () => this.setBuffering(true));
    for (const type of ["playing", "seeked", "canplay", "pause"]) {
      on(type, () => {
        if (!this.video.seeking && this.video.readyState >= 3) this.setBuffering(false);
      });
    }
    on("ended", () => this.emit("ended"));
    on("durationchange", () => {
      const d = this.duration();
      if (d !== null) this.emit("duration", d);
    });
    on("error", () => {
      if (this.video.error) this.emit("error", this.describeError(this.video.error));
    });
  }

  describeError(error) {
    const reasons = { 1: "playback was aborted", 2: "a network error stopped the download", 3: "the file couldn't be decoded", 4: "this format or address isn't playable here" };
    return `The video can't play: ${reasons[error.code] || "unknown error"}.`;
  }

  waitForMetadata() {
    const video = this.video;
    if (video.readyState >= 1) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        video.removeEventListener("loadedmetadata", ok);
        video.removeEventListener("error", fail);
      };
      const ok = () => {
        done();
        resolve();
      };
      const fail = () => {
        done();
        reject(new Error(video.error ? this.describeError(video.error) : "The video can't play."));
      };
      video.addEventListener("loadedmetadata", ok);
      video.addEventListener("error", fail);
    });
  }

  async load(source) {
    this.source = source;
    this.video.src = source.url;
    this.video.load();
    await this.waitForMetadata();
    this.emit("ready");
  }

  async play() {
    try {
      await this.video.play();
      return { muted: this.video.muted };
    } catch (error) {
      if (error.name !== "NotAllowedError") throw error;
      // Autoplay with sound needs a click on this page: play muted, let the user unmute.
      this.video.muted = true;
      await this.video.play();
      this.emit("muted", true);
      return { muted: true };
    }
  }

  unmute() {
    this.video.muted = false;
    this.emit("muted", false);
  }

  setVolume(volume) {
    this.video.volume = clamp01(volume);
  }

  volume() {
    return this.video.volume;
  }

  setMuted(muted) {
    this.video.muted = Boolean(muted);
  }

  isMuted() {
    return this.video.muted;
  }

  pause() {
    this.video.pause();
  }

  seek(seconds) {
    this.video.currentTime = Math.max(0, seconds);
  }

  setRate(rate) {
    if (Math.abs(this.video.playbackRate - rate) > 1e-6) this.video.playbackRate = rate;
  }

  currentTime() {
    return this.video.currentTime;
  }

  duration() {
    const d = this.video.duration;
    return Number.isFinite(d) && d > 0 ? d : null;
  }

  isPaused() {
    return this.video.paused;
  }

  isSeeking() {
    return this.video.seeking;
  }

  /** Resolves once a seek has landed with enough data to play on (rejects after timeoutMs). */
  whenSeeked({ timeoutMs = 3000 } = {}) {
    const video = this.video;
    const isReady = () => !video.seeking && video.readyState >= 3;
    if (isReady()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const types = ["seeked", "canplay", "canplaythrough"];
      const done = (error) => {
        clearTimeout(timer);
        for (const type of types) video.removeEventListener(type, check);
        error ? reject(error) : resolve();
      };
      const check = () => isReady() && done();
      const timer = setTimeout(() => done(new Error("The seek didn't land.")), timeoutMs);
      for (const type of types) video.addEventListener(type, check);
    });
  }

  destroy() {
    super.destroy();
    this.video.pause();
    this.video.removeAttribute("src");
    this.video.load();
    if (!this.options.video) this.video.remove();
  }
}

// -- HLS: native where the browser plays it, hls.js (vendored) elsewhere ---------------------------------

export const HLS_MIME = "application/vnd.apple.mpegurl";

export class HlsPlayer extends VideoPlayer {
  kind = "hls";

  /** "native" or "hls.js": which engine load() will use here. */
  engine() {
    if (this.options.engine) return this.options.engine;
    return this.video.canPlayType(HLS_MIME) ? "native" : "hls.js";
  }

  async hlsClass() {
    if (this.options.Hls) return this.options.Hls;
    if (!window.Hls) await loadScript(this.options.hlsScriptUrl || "/static/vendor/hls.js/hls.min.js");
    return window.Hls;
  }

  async load(source) {
    this.source = source;
    this.usedEngine = this.engine();
    if (this.usedEngine === "native") return super.load(source);
    const Hls = await this.hlsClass();
    if (!Hls || !Hls.isSupported()) throw new Error("This browser can't play HLS streams.");
    this.hls = new Hls(this.hlsConfig());
    this.hls.on(Hls.Events.ERROR, (_, data) => {
      if (data.fatal) this.emit("error", `The stream can't play (${data.details}).`);
    });
    const metadata = this.waitForMetadata();
    this.hls.loadSource(source.url);
    this.hls.attachMedia(this.video);
    await metadata;
    this.emit("ready");
  }

  hlsConfig() {
    return { maxBufferLength: 30, backBufferLength: 30 };
  }

  destroy() {
    this.hls?.destroy();
    this.hls = null;
    super.destroy();
  }
}

// -- Live: a stream of this site, everyone at its live edge (Watch together, docs/streams.md) -------------
// The room's state for a live item has no position: hls.js opens at the live edge, and a player further
// behind it than LIVE_BEHIND_MAX_S (a stall, a backgrounded tab) jumps back. No pause, seek or rate.

export const LIVE_BEHIND_MAX_S = 6;
const LIVE_EDGE_SEGMENTS = 3; // hls.js's default distance from the newest segment
const PLAYLIST_RETRY = { maxNumRetry: 15, retryDelayMs: 2000, maxRetryDelayMs: 2000 }; // the relay's first session can take a few seconds

export class LivePlayer extends HlsPlayer {
  kind = "live";
  note = "Live: everyone watches at the live edge.";

  engine() {
    return this.options.engine || "hls.js"; // liveSyncPosition, the same edge in every browser
  }

  hlsConfig() {
    const policy = { default: { maxTimeToFirstByteMs: 10000, maxLoadTimeMs: 20000, timeoutRetry: PLAYLIST_RETRY, errorRetry: PLAYLIST_RETRY } };
    return { ...super.hlsConfig(), liveSyncDurationCount: LIVE_EDGE_SEGMENTS, manifestLoadPolicy: policy, playlistLoadPolicy: policy };
  }

  /** Where the live edge is now (seconds on the media timeline); null before a live playlist loaded. */
  liveEdge() {
    if (!this.hls?.latestLevelDetails?.live) return null;
    return this.hls.liveSyncPosition ?? null;
  }

  /** Seconds behind the live edge (0 before it is known). */
  behindLive() {
    const edge = this.liveEdge();
    return edge === null ? 0 : edge - this.currentTime();
  }

  /** The wall-clock time (ms) of the frame on screen, from EXT-X-PROGRAM-DATE-TIME: the one timeline
   * two viewers share (each hls.js starts its media timeline where it joined). null without it. */
  programTimeMs() {
    const date = this.hls?.playingDate;
    return date ? date.getTime() : null;
  }

  goLive() {
    const edge = this.liveEdge();
    if (edge !== null) this.seek(edge);
  }
}

// -- YouTube: the IFrame API --------------------------------------------------------------------------

const YT_STATE = { UNSTARTED: -1, ENDED: 0, PLAYING: 1, PAUSED: 2, BUFFERING: 3, CUED: 5 };

function loadYouTubeApi() {
  if (window.YT && window.YT.Player) return Promise.resolve(window.YT);
  return new Promise((resolve, reject) => {
    const previous = window.onYouTubeIframeAPIReady;
    window.onYouTubeIframeAPIReady = () => {
      previous?.();
      resolve(window.YT);
    };
    loadScript("https://www.youtube.com/iframe_api").catch(reject);
  });
}

export class YouTubePlayer extends BasePlayer {
  kind = "youtube";
  isSyncable = true;
  canControl = true;
  hasVolume = true;
  rates = [...YOUTUBE_RATES];
  // YouTube seeks re-buffer (hundreds of ms) and it only takes fixed rates: seek later, nudge coarser.
  syncProfile = { seekThresholdMs: 1000, seekLeadMs: 250, seekCooldownMs: 3000, fixedRateDeadBandMs: 80 };

  constructor(container, options = {}) {
    super(container, options);
    this.state = YT_STATE.UNSTARTED;
  }

  async load(source) {
    this.source = source;
    const YT = await (this.options.api || loadYouTubeApi)();
    if (this.player) {
      this.player.loadVideoById({ videoId: source.media_id, startSeconds: 0 });
      return;
    }
    const mount = element("div");
    this.frame = element("div", { class: "player-frame" });
    this.frame.append(mount);
    this.container?.append(this.frame);
    await new Promise((resolve, reject) => {
      this.player = new YT.Player(mount, {
        videoId: source.media_id,
        playerVars: { controls: 0, disablekb: 1, playsinline: 1, rel: 0, modestbranding: 1, enablejsapi: 1 },
        events: {
          onReady: () => {
            const rates = this.player.getAvailablePlaybackRates?.();
            if (Array.isArray(rates) && rates.length) this.rates = rates.slice().sort((a, b) => a - b);
            this.emit("ready");
            resolve();
          },
          onStateChange: (event) => this.onState(event.data),
          onError: (event) => {
            const message = { 2: "the video id is invalid", 5: "it can't play in an HTML5 player", 100: "it was removed or is private", 101: "its owner doesn't allow embedding", 150: "its owner doesn't allow embedding" }[event.data];
            const error = `YouTube can't play this video: ${message || `error ${event.data}`}.`;
            this.emit("error", error);
            reject(new Error(error));
          },
        },
      });
    });
  }

  onState(state) {
    this.state = state;
    if (state === YT_STATE.BUFFERING) this.setBuffering(true);
    else if (state === YT_STATE.PLAYING || state === YT_STATE.PAUSED || state === YT_STATE.CUED) this.setBuffering(false);
    if (state === YT_STATE.ENDED) {
      this.setBuffering(false);
      this.emit("ended");
    }
    const d = this.duration();
    if (d !== null && d !== this.reportedDuration) {
      this.reportedDuration = d;
      this.emit("duration", d);
    }
  }

  async play() {
    this.player?.playVideo();
    return { muted: Boolean(this.player?.isMuted?.()) };
  }

  pause() {
    this.player?.pauseVideo();
  }

  seek(seconds) {
    this.player?.seekTo(Math.max(0, seconds), true);
  }

  setRate(rate) {
    const quantized = quantizeRate(rate, this.rates);
    if (this.player && this.player.getPlaybackRate?.() !== quantized) this.player.setPlaybackRate(quantized);
  }

  currentTime() {
    return this.player ? this.player.getCurrentTime() : null;
  }

  duration() {
    const d = this.player?.getDuration?.();
    return Number.isFinite(d) && d > 0 ? d : null;
  }

  isPaused() {
    return !(this.state === YT_STATE.PLAYING || this.state === YT_STATE.BUFFERING);
  }

  unmute() {
    this.player?.unMute?.();
    this.emit("muted", false);
  }

  setVolume(volume) {
    this.player?.setVolume?.(Math.round(clamp01(volume) * 100));
  }

  volume() {
    const volume = this.player?.getVolume?.();
    return Number.isFinite(volume) ? volume / 100 : null;
  }

  setMuted(muted) {
    if (muted) this.player?.mute?.();
    else this.player?.unMute?.();
  }

  isMuted() {
    return Boolean(this.player?.isMuted?.());
  }

  destroy() {
    super.destroy();
    this.player?.destroy?.();
    this.frame?.remove();
  }
}

/**
 * Title, length and thumbnail of YouTube videos, for the queue: the server can't reach YouTube,
 * so the page asks the embed itself. One hidden, muted player cues one video at a time;
 * results are cached per video id. get() never rejects: what couldn't be read is empty/null.
 */
export class YouTubeInfo {
  constructor({ api = loadYouTubeApi, timeoutMs = 10000, pollMs = 100 } = {}) {
    this.api = api;
    this.timeoutMs = timeoutMs;
    this.pollMs = pollMs;
    this.cache = new Map();
    this.chain = Promise.resolve();
  }

  static thumbnail(mediaId) {
    return `https://i.ytimg.com/vi/${encodeURIComponent(mediaId)}/mqdefault.jpg`;
  }

  get(mediaId) {
    if (!this.cache.has(mediaId)) {
      const read = this.chain.then(() => this.read(mediaId)).catch(() => ({ title: "", duration: null }));
      this.chain = read;
      this.cache.set(mediaId, read.then((info) => ({ ...info, thumbnail: YouTubeInfo.thumbnail(mediaId) })));
    }
    return this.cache.get(mediaId);
  }

  async read(mediaId) {
    const YT = await this.api();
    if (!this.player) {
      this.mount = element("div", { class: "youtube-info", "aria-hidden": "true" });
      const inner = element("div");
      this.mount.append(inner);
      document.body.append(this.mount);
      await new Promise((resolve, reject) => {
        this.player = new YT.Player(inner, {
          videoId: mediaId, width: 1, height: 1,
          playerVars: { autoplay: 0, controls: 0, mute: 1, enablejsapi: 1 },
          events: { onReady: resolve, onError: (event) => reject(new Error(`YouTube error ${event.data}`)) },
        });
      });
    } else {
      this.player.cueVideoById(mediaId);
    }
    // The title comes with the cued video's data; the length often only once it would play.
    const deadline = performance.now() + this.timeoutMs;
    while (performance.now() < deadline) {
      const data = this.player.getVideoData?.() || {};
      if (data.video_id === mediaId && data.title) {
        const duration = this.player.getDuration?.();
        return { title: data.title, duration: Number.isFinite(duration) && duration > 0 ? duration : null };
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
    return { title: "", duration: null };
  }

  destroy() {
    this.player?.destroy?.();
    this.mount?.remove();
  }
}

// -- Spotify: audio-only listen-along on each listener's own account ---------------------------------------

function loadSpotifyApi() {
  if (window.SpotifyIframeApi) return Promise.resolve(window.SpotifyIframeApi);
  return new Promise((resolve, reject) => {
    window.onSpotifyIframeApiReady = (api) => {
      window.SpotifyIframeApi = api;
      resolve(api);
    };
    loadScript("https://open.spotify.com/embed/iframe-api/v1").catch(reject);
  });
}

export class SpotifyPlayer extends BasePlayer {
  kind = "spotify";
  isSyncable = true;
  canControl = true;
  rates = [1]; // the embed plays at 1× only: no nudging, seeks only
  syncProfile = { seekThresholdMs: 2000, seekCooldownMs: 5000, hardSeekMs: 5000, seekLeadMs: 400 };
  note =
    "Audio-only listen-along: Spotify plays on each listener's own account (full tracks need Premium, " +
    "otherwise a 30-second preview). We line up play, pause and seeks; nothing is streamed between listeners, " +
    "and no video plays with it.";

  constructor(container, options = {}) {
    super(container, options);
    this.now = options.now || (() => performance.now());
    this.position = 0; // ms, from the embed's playback_update events
    this.positionAt = this.now();
    this.paused = true;
    this.durationMs = 0;
    this.started = false;
  }

  async load(source) {
    this.source = source;
    const uri = `spotify:${source.media_id.replace("/", ":")}`;
    const api = await (this.options.api || loadSpotifyApi)();
    if (this.controller) {
      this.controller.loadUri(uri);
      this.started = false;
      return;
    }
    this.frame = element("div", { class: "player-frame player-audio" });
    const mount = element("div");
    this.frame.append(mount);
    this.container?.append(this.frame);
    await new Promise((resolve) => {
      api.createController(mount, { uri, width: "100%", height: 152 }, (controller) => {
        this.controller = controller;
        controller.addListener("ready", () => {
          this.emit("ready");
          resolve();
        });
        controller.addListener("playback_update", (event) => this.onUpdate(event.data));
      });
    });
  }

  onUpdate({ position, duration, isPaused, isBuffering }) {
    this.position = position;
    this.positionAt = this.now();
    const wasPlaying = !this.paused;
    this.paused = isPaused;
    this.setBuffering(Boolean(isBuffering));
    if (duration && duration !== this.durationMs) {
      this.durationMs = duration;
      this.emit("duration", duration / 1000);
    }
    if (wasPlaying && isPaused && duration && position >= duration - 500) this.emit("ended");
  }

  async play() {
    if (this.started) this.controller?.resume();
    else this.controller?.play();
    this.started = true;
    return { muted: false };
  }

  pause() {
    this.controller?.pause();
  }

  seek(seconds) {
    this.controller?.seek(Math.max(0, seconds));
    this.position = seconds * 1000;
    this.positionAt = this.now();
  }

  currentTime() {
    if (!this.controller) return null;
    const elapsed = this.paused || this.isBuffering ? 0 : this.now() - this.positionAt;
    return (this.position + elapsed) / 1000;
  }

  duration() {
    return this.durationMs ? this.durationMs / 1000 : null;
  }

  isPaused() {
    return this.paused;
  }

  destroy() {
    super.destroy();
    this.controller?.destroy?.();
    this.frame?.remove();
  }
}

// -- Google Drive: an embed we can't control ------------------------------------------------------------

export class DrivePlayer extends BasePlayer {
  kind = "drive";
  note =
    "Google Drive's player can't be controlled from this page, so it isn't synced automatically: " +
    "press play in the Drive player and scrub to the room position shown here.";

  async load(source) {
    this.source = source;
    const src = `https://drive.google.com/file/d/${encodeURIComponent(source.media_id)}/preview`;
    this.frame = element("iframe", { class: "player-frame", src, allow: "autoplay; fullscreen", allowfullscreen: "", referrerpolicy: "no-referrer", title: source.title || "Google Drive video" });
    this.container?.append(this.frame);
    this.emit("ready");
  }

  destroy() {
    super.destroy();
    this.frame?.remove();
  }
}

// -- Any web page: sandboxed, side by side, chat-only sync ----------------------------------------------

export class WebPlayer extends BasePlayer {
  kind = "web";
  note = "Chat-only sync: this page is shown side by side for everyone, but nothing in it is synced.";

  async load(source) {
    this.source = source;
    if (!isHttpUrl(source.url)) {
      this.frame = element("p", { class: "player-refused" }, "Only http and https pages can be shown.");
      this.container?.append(this.frame);
      throw new Error("Only http and https pages can be shown.");
    }
    this.frame = element("iframe", {
      class: "player-frame",
      src: source.url,
      sandbox: "allow-scripts allow-same-origin allow-popups",
      referrerpolicy: "no-referrer",
      title: source.title || "Shared page",
    });
    this.container?.append(this.frame);
    this.emit("ready");
  }

  destroy() {
    super.destroy();
    this.frame?.remove();
  }
}

// -- the factory ------------------------------------------------------------------------------------------

const KINDS = { video: VideoPlayer, hls: HlsPlayer, live: LivePlayer, youtube: YouTubePlayer, spotify: SpotifyPlayer, drive: DrivePlayer, web: WebPlayer };

export function createPlayer(kind, container, options = {}) {
  const Player = KINDS[kind] || BasePlayer;
  return new Player(container, options);
}

// -- keyboard shortcuts ------------------------------------------------------------------------------------

const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);
const PRESSING = new Set(["BUTTON", "A", "SUMMARY"]); // space/enter already mean "press this"
export const VOLUME_STEP = 0.05;
export const SEEK_STEP_S = 5;

/**
 * What a key press on the room page does (room.js carries it out): {action: "toggle-play" |
 * "fullscreen" | "mute" | "volume" (delta) | "seek" (delta, s) | "help"}, or null to leave the key
 * alone. Keys typed into fields or held with Ctrl/Alt/Meta are never taken; play/pause and seeking
 * only for those who may control playback.
 */
export function shortcutFor(event, { canControl = false } = {}) {
  if (event.ctrlKey || event.altKey || event.metaKey) return null;
  const target = event.target || {};
  if (target.isContentEditable || TYPING.has(target.tagName)) return null;
  switch (event.key) {
    case " ":
      return canControl && !PRESSING.has(target.tagName) ? { action: "toggle-play" } : null;
    case "k":
    case "K":
      return canControl ? { action: "toggle-play" } : null;
    case "f":
    case "F":
      return { action: "fullscreen" };
    case "m":
    case "M":
      return { action: "mute" };
    case "ArrowUp":
      return { action: "volume", delta: VOLUME_STEP };
    case "ArrowDown":
      return { action: "volume", delta: -VOLUME_STEP };
    case "ArrowLeft":
      return canControl ? { action: "seek", delta: -SEEK_STEP_S } : null;
    case "ArrowRight":
      return canControl ? { action: "seek", delta: SEEK_STEP_S } : null;
    case "?":
      return { action: "help" };
    default:
      return null;
  }
}
