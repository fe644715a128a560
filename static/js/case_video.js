// The moderation queue's inline player (templates/admin/moderation/case/change_form.html): a VOD or clip
// is HLS, which Chromium and Firefox play through hls.js (vendored); an ad's MP4 plays as it is.
const video = document.querySelector("video[data-hls-src]");
if (video) {
  const src = video.dataset.hlsSrc;
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = src;
  } else if (window.Hls?.isSupported()) {
    const hls = new window.Hls();
    hls.loadSource(src);
    hls.attachMedia(video);
  }
}
