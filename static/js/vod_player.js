// The VOD page's player (templates/vods/vod.html): hls.js (vendored, static/vendor/hls.js/) on our own
// master playlist (vods.playlists: the source from the stream's end, renditions as they are built), a
// quality picker from the playlist's levels, chapters that seek, the processing status while renditions
// build, and the resume point: the viewer's watch history (vods.history, on every device, reported by
// watch_progress.js) when signed in, else this browser's.

import { api } from "./api.js";
import { HLS_MIME, loadScript } from "./players.js";
import { reportProgress } from "./watch_progress.js";

const STATUS_EVERY_MS = 5000;

function mount(root) {
  const config = JSON.parse(root.dataset.player);
  const video = root.querySelector("video");
  const picker = root.querySelector("[data-quality]");
  const localKey = `vod-position-${config.vod_id}`;
  let hls = null;

  const resumeAt = config.resume_at ?? Number(localStorage.getItem(localKey) || 0);
  const seekTo = (seconds) => { video.currentTime = seconds; video.play().catch(() => {}); };
  video.addEventListener("loadedmetadata", () => {
    if (resumeAt > 0 && resumeAt < (video.duration || Infinity) - 5) video.currentTime = resumeAt;
    root.dataset.state = "ready";
  }, { once: true });

  function levels(list) {
    picker.replaceChildren(new Option("Auto", "-1"));
    list.forEach((level, index) => picker.add(new Option(level.name || (level.height ? `${level.height}p` : "audio"), String(index))));
    picker.hidden = list.length < 2;
  }
  // A pick switches at once (currentLevel: abort and flush) once there is a buffer to flush. Before that it
  // only chooses what loads next (loadLevel): an immediate switch while hls.js parses the first fragment
  // loses its init segment, and hls.js 1.7.4 then reloads that fragment forever.
  let buffering = false;
  picker.addEventListener("change", () => {
    if (!hls) return;
    if (buffering) hls.currentLevel = Number(picker.value);
    else hls.loadLevel = Number(picker.value);
  });

  async function start() {
    const mse = "MediaSource" in window || "ManagedMediaSource" in window;
    if (!mse && video.canPlayType(HLS_MIME)) { video.src = config.master; return; }
    if (!window.Hls) await loadScript(root.dataset.hlsScript);
    hls = new window.Hls({ startPosition: -1 });
    hls.on(window.Hls.Events.MANIFEST_PARSED, (_, data) => levels(data.levels));
    hls.on(window.Hls.Events.BUFFER_CREATED, () => { buffering = true; });
    hls.on(window.Hls.Events.BUFFER_RESET, () => { buffering = false; });
    hls.on(window.Hls.Events.ERROR, (_, data) => { if (data.fatal) root.dataset.state = "error"; });
    hls.loadSource(config.master);
    hls.attachMedia(video);
  }

  for (const button of root.querySelectorAll("[data-chapter]")) {
    button.addEventListener("click", () => seekTo(Number(button.dataset.chapter)));
  }

  video.addEventListener("timeupdate", () => localStorage.setItem(localKey, String(Math.floor(video.currentTime))));
  if (config.reports_progress) reportProgress(video, { kind: "vod", targetId: config.vod_id });

  const status = root.querySelector("[data-vod-status]");
  async function poll() {
    const vod = await api("GET", config.status_url).catch(() => null);
    if (!vod) return;
    status.textContent = vod.status === "processing" ? `Processing ${vod.progress} %`
      : vod.status === "failed" ? `Failed: ${vod.failure_reason}` : vod.status === "queued" ? "Queued" : "";
    status.dataset.status = vod.status;
    if (vod.status === "ready" && hls && hls.levels.length < vod.renditions.length + 1) {
      const at = video.currentTime;  // renditions were added: reload the master playlist where we are
      hls.loadSource(config.master);
      hls.startLoad(at);
    }
    if (vod.status === "queued" || vod.status === "processing") setTimeout(poll, STATUS_EVERY_MS);
  }

  start().then(poll);
}

for (const root of document.querySelectorAll("[data-vod-player]")) mount(root);
