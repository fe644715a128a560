"""The ad marketplace (monetization, docs/ads.md): upload limits, delivery pacing, view tokens."""

from config.env import env

ADS_VIDEO_MAX_BYTES = env.int("ADS_VIDEO_MAX_BYTES", default=50 * 1024 * 1024)
ADS_VIDEO_MAX_SECONDS = env.int("ADS_VIDEO_MAX_SECONDS", default=60)
ADS_VIDEO_MIN_SECONDS = env.float("ADS_VIDEO_MIN_SECONDS", default=1.0)
# A free user sees at most one ad per placement (before joining, after leaving a room) per this many minutes.
ADS_PLACEMENT_GAP_MINUTES = env.int("ADS_PLACEMENT_GAP_MINUTES", default=15)
# How long the signed video URL works, and how long after it was issued a view token still counts.
ADS_URL_SECONDS = env.int("ADS_URL_SECONDS", default=600)
ADS_VIEW_TOKEN_SECONDS = env.int("ADS_VIEW_TOKEN_SECONDS", default=1800)
# How often each process reloads the weighted pool of running ads it draws "next ad" candidates from.
ADS_POOL_SECONDS = env.float("ADS_POOL_SECONDS", default=5.0)
