// The ad player (templates/monetization/ads/_player.html): before joining a room (the preview's Join form
// waits for it), after leaving one (the hallway opened with ?left=1) and in sponsored events (a task's
// "Watch the video" button). It counts the seconds actually played (no seeking: there are no controls)
// and reports to /api/v1/ads/views/<token>/progress/; at 80 % the server checks the time since the
// view was issued and counts the view once (XP, reward title, event task).
import { api } from "./api.js";
import { toast } from "./toast.js";

const API = "/api/v1/ads";
const SKIP_AFTER_S = 5;
const box = document.getElementById("ad-player");
const video = document.getElementById("ad-video");
const bar = document.getElementById("ad-bar");
const note = document.getElementById("ad-note");
const skip = document.getElementById("ad-skip");
const next = document.getElementById("ad-continue");
const sound = document.getElementById("ad-sound");

sound.addEventListener("click", () => {
  video.muted = !video.muted;
  sound.textContent = video.muted ? "Sound on" : "Sound off";
});

async function report(served, pct) {
  try {
    return await api("POST", `${API}/views/${served.token}/progress/`, { watched_pct: pct });
  } catch (error) {
    if (error.code === "ad_view_too_fast") {
      await new Promise((resolve) => setTimeout(resolve, (error.extra.wait_seconds || 1) * 1000));
      return report(served, pct);
    }
    note.textContent = error.message;
    return null;
  }
}

/** Play one served ad; resolves when the viewer may go on (the ad ended, was skipped, or failed). */
function play(served) {
  return new Promise((resolve) => {
    let watched = 0;
    let last = 0;
    let reportedHalf = false;
    let completing = null;
    const duration = served.ad.duration_ms / 1000;
    const finish = () => {
      video.pause();
      box.hidden = true;
      resolve();
    };
    document.getElementById("ad-title").textContent = served.ad.title;
    const reportButton = document.getElementById("ad-report"); // the report dialog (report.js) reads its id
    if (reportButton) reportButton.dataset.reportId = String(served.ad.id);
    note.textContent = served.ad.offers_xp ? `Watch ${served.completion_pct} % to earn XP${served.ad.reward_title ? ` and the title “${served.ad.reward_title}”` : ""}.` : "";
    skip.disabled = true;
    next.hidden = true;
    bar.style.width = "0%";
    skip.onclick = finish;
    next.onclick = finish;
    video.ontimeupdate = () => {
      const step = video.currentTime - last;
      last = video.currentTime;
      if (step > 0 && step < 1.5) watched += step;
      const pct = Math.min(100, Math.floor((watched / duration) * 100));
      bar.style.width = `${pct}%`;
      box.dataset.watchedPct = String(pct);
      if (watched >= SKIP_AFTER_S) skip.disabled = false;
      if (!reportedHalf && pct >= 50 && pct < served.completion_pct) {
        reportedHalf = true;
        report(served, pct);
      }
      if (!completing && pct >= served.completion_pct) {
        completing = report(served, pct).then((result) => {
          if (!result) return;
          box.dataset.state = "counted";
          if (result.xp) toast(`+${result.xp} XP for watching “${served.ad.title}”`, "success");
          note.textContent = "Thanks for watching!";
          next.hidden = false;
        });
      }
    };
    video.onended = () => {
      next.hidden = false;
      skip.disabled = false;
      (completing || Promise.resolve()).then(() => setTimeout(finish, 600));
    };
    video.onerror = finish;
    video.src = served.ad.video_url;
    video.poster = served.ad.poster_url;
    box.hidden = false;
    box.dataset.state = "playing";
    video.play().catch(() => {
      note.textContent = "Press play to start the ad.";
      video.controls = true;
    });
  });
}

async function nextAd(placement) {
  try {
    return await api("POST", `${API}/next/`, { placement });
  } catch {
    return null; // no ad is never a reason to keep someone out of a room
  }
}

const placement = box.dataset.placement;
if (placement === "pre_room") {
  const form = document.getElementById("join-form");
  let shown = false;
  form?.addEventListener("submit", async (event) => {
    if (shown) return;
    event.preventDefault();
    shown = true;
    const served = await nextAd("pre_room");
    if (served) await play(served);
    form.submit();
  });
} else if (placement === "post_room") {
  const params = new URLSearchParams(location.search);
  if (params.has("left")) {
    params.delete("left");
    history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
    nextAd("post_room").then((served) => served && play(served));
  }
} else if (placement === "event") {
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-sponsored-ad]");
    if (!button) return;
    button.disabled = true;
    try {
      const served = await api("POST", `${API}/${button.dataset.sponsoredAd}/views/`);
      if (served.is_completed) toast("You already watched this video.", "info");
      else await play(served);
    } catch (error) {
      toast(error.message, "error");
    }
    button.disabled = false;
  });
}
