// The clip page (templates/vods/clip.html): waits for the clip to be cut (polls the API, then reloads),
// plays it with hls.js (or the browser's own HLS), resumes where this account left it and reports the
// position every few seconds (vods.history: resume points and watch time), likes, copies the share link.

import { api } from "./api.js";
import { HLS_MIME, loadScript } from "./players.js";
import { reportProgress } from "./watch_progress.js";

const POLL_MS = 500;
const page = document.querySelector("[data-clip]");
const slug = page.dataset.clip;

async function waitUntilCut() {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const clip = await api("GET", `/api/v1/clips/${slug}/`).catch(() => null);
    if (clip && clip.status !== "queued") return window.location.reload();
  }
}

async function play(figure) {
  const video = figure.querySelector("video");
  const url = figure.dataset.src;
  figure.dataset.state = "loading";
  for (const [type, state] of [["playing", "playing"], ["waiting", "stalled"], ["ended", "ended"]]) {
    video.addEventListener(type, () => { figure.dataset.state = state; });
  }
  const resume = Number(page.dataset.resume || 0);
  if (resume > 0) video.addEventListener("loadedmetadata", () => { video.currentTime = resume; }, { once: true });
  if (("MediaSource" in window || "ManagedMediaSource" in window) || !video.canPlayType(HLS_MIME)) {
    await loadScript(figure.dataset.hlsScript);
    const hls = new window.Hls();
    hls.on(window.Hls.Events.ERROR, (_, data) => { if (data.fatal) figure.dataset.state = "error"; });
    hls.loadSource(url);
    hls.attachMedia(video);
    figure.dataset.engine = "hls.js";
  } else {
    video.src = url;
    figure.dataset.engine = "native";
  }
  video.play().catch(() => {});
  if (page.dataset.recordProgress === "true") reportProgress(video, { kind: "clip", targetId: slug });
}

const like = page.querySelector("[data-clip-like]");
like.addEventListener("click", async () => {
  const liked = like.getAttribute("aria-pressed") === "true";
  const answer = await api(liked ? "DELETE" : "POST", `/api/v1/clips/${slug}/like/`);
  like.setAttribute("aria-pressed", String(answer.liked));
  page.querySelector("[data-clip-likes]").textContent = answer.likes;
});
page.querySelector("[data-clip-copy]").addEventListener("click", () => {
  const share = page.querySelector("[data-clip-share]");
  share.select();
  navigator.clipboard?.writeText(share.value).catch(() => {});
});

const figure = page.querySelector("[data-clip-player]");
if (figure) play(figure);
else if (page.dataset.clipStatus === "queued") waitUntilCut();
