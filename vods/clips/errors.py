from enum import StrEnum


class ClipError(StrEnum):
    DURATION_INVALID = "clip_duration_invalid"  # 5–90 s; extra.min, extra.max
    RANGE_OUTSIDE = "clip_range_outside"  # start before 0 or end past the recording; extra.duration
    TITLE_INVALID = "clip_title_invalid"
    NOT_LIVE = "clip_stream_not_live"  # "the last n seconds" needs a live stream
    NO_RECORDING = "clip_no_recording"  # the stream or VOD has no HLS session (yet) to cut from
    TOO_SHORT_SO_FAR = "clip_recording_too_short"  # fewer than 5 s recorded yet; extra.recorded
    STREAM_NOT_FOUND = "clip_stream_not_found"
    VOD_NOT_FOUND = "clip_vod_not_found"  # none, or not one the viewer may watch
    RATE_LIMITED = "clip_rate_limited"  # CLIPS_PER_MINUTE per viewer: each cut costs a worker; extra.retry_after
    CLIP_NOT_FOUND = "clip_not_found"  # none, or hidden (its VOD deleted or private)
    NOT_READY = "clip_not_ready"  # still being cut, or failed: nothing to download
    MEDIA_UNREADABLE = "clip_media_unreadable"  # its stored rendition could not be made into an MP4
    NOT_CLIP_OWNER = "not_clip_owner"  # its creator or the channel's owner deletes a clip
    WATCH_TARGET_INVALID = "watch_target_invalid"  # watch progress for nothing, or something not watchable
    NOT_WATCHED = "watch_progress_not_found"  # no resume point: never watched
