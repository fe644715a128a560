from enum import StrEnum


class VodError(StrEnum):
    VOD_NOT_FOUND = "vod_not_found"  # no such VOD, or one the viewer may not watch
    NOT_VOD_OWNER = "not_vod_owner"  # only the channel's owner edits, deletes or retries its VODs
    VOD_INVALID = "vod_invalid"  # a field out of range; extra.fields says which
    NOT_RETRYABLE = "vod_not_retryable"  # only a failed job (or one stuck past VODS_CLAIM_STALE_SECONDS) is retried
    RENDITION_NOT_FOUND = "vod_rendition_not_found"
