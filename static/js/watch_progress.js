// Watch history (vods.history, docs/clips.md): report a player's position every few seconds while it
// plays and when it pauses, for the resume point and the watch time it credits (XP with the rooms' caps).
//
//   reportProgress(videoElement, { kind: "stream" | "vod" | "clip", targetId });
//
// Markup alternative: <script type="module" src="watch_progress.js" data-watch-kind data-watch-target
// data-watch-video="#selector"> mounts itself on that video.

import { api } from "./api.js";

export const REPORT_MS = 10000;

export function reportProgress(video, { kind, targetId }) {
  const report = () => api("PUT", "/api/v1/me/watch-progress/", {
    kind, target_id: String(targetId), position_seconds: video.currentTime || 0,
    duration_seconds: Number.isFinite(video.duration) ? video.duration : null, is_playing: !video.paused,
  }).catch(() => {});
  const timer = setInterval(report, REPORT_MS);
  video.addEventListener("pause", report);
  return () => clearInterval(timer);
}

const mount = document.querySelector("script[data-watch-kind]");
if (mount) {
  const video = document.querySelector(mount.dataset.watchVideo);
  if (video) reportProgress(video, { kind: mount.dataset.watchKind, targetId: mount.dataset.watchTarget });
}
