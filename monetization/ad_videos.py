"""An uploaded ad video, proved to be one by PyAV: container and codec we play, its length, a poster frame.

The file's name and the browser's content type are ignored: an image renamed .mp4 is opened by
content (FFmpeg calls it png_pipe or image2) and refused as not a video.
"""

import io
from dataclasses import dataclass

import av
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from config.errors import ApplicationError

from .errors import AdError

# FFmpeg's demuxer names -> the extension we store under; codecs browsers play in <video>.
CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "webm"}
VIDEO_CODECS = {"h264", "vp8", "vp9", "av1"}
POSTER_WIDTH = 640


@dataclass(frozen=True)
class AdVideo:
    extension: str
    duration_ms: int
    width: int
    height: int
    size_bytes: int
    poster_jpeg: bytes


def _refused(reason: str, message: str, **extra) -> ApplicationError:
    return ApplicationError(AdError.VIDEO_INVALID, message, {"reason": reason, **extra})


def _poster(container, stream, duration: float) -> bytes:
    """A frame a tenth of the way in (past a black first frame), as a JPEG at most POSTER_WIDTH wide."""
    container.seek(int(duration * 0.1 / stream.time_base), stream=stream, backward=True)
    for frame in container.decode(stream):
        image = frame.to_image()
        image.thumbnail((POSTER_WIDTH, POSTER_WIDTH))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=80)
        return out.getvalue()
    raise _refused("not_video", "The video has no picture we can decode.")


def ad_video_probe(upload: UploadedFile) -> AdVideo:
    """Probe an upload; raises ApplicationError(VIDEO_INVALID) with extra.reason not_video, too_large,
    too_long or too_short."""
    if upload.size > settings.ADS_VIDEO_MAX_BYTES:
        raise _refused("too_large", f"The video is larger than {settings.ADS_VIDEO_MAX_BYTES // (1024 * 1024)} MB.",
                       max_bytes=settings.ADS_VIDEO_MAX_BYTES)
    upload.seek(0)
    try:
        with av.open(upload, mode="r") as container:
            if container.format.name not in CONTAINERS or not container.streams.video:
                raise _refused("not_video", "That file is not a video. Upload an MP4 (H.264) or WebM (VP8/VP9/AV1).")
            stream = container.streams.video[0]
            if stream.codec_context.name not in VIDEO_CODECS:
                raise _refused("not_video", "Use H.264, VP8, VP9 or AV1 video.", codec=stream.codec_context.name)
            duration = (container.duration or 0) / av.time_base
            if duration > settings.ADS_VIDEO_MAX_SECONDS:
                raise _refused("too_long", f"The video is longer than {settings.ADS_VIDEO_MAX_SECONDS} seconds.",
                               max_seconds=settings.ADS_VIDEO_MAX_SECONDS, seconds=round(duration, 1))
            if duration < settings.ADS_VIDEO_MIN_SECONDS:
                raise _refused("too_short", f"The video is shorter than {settings.ADS_VIDEO_MIN_SECONDS:g} seconds.",
                               min_seconds=settings.ADS_VIDEO_MIN_SECONDS)
            poster = _poster(container, stream, duration)
            extension = CONTAINERS[container.format.name]
            width, height = stream.codec_context.width, stream.codec_context.height
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:  # not a media file at all, or broken
        raise _refused("not_video", "That file is not a video we can read.") from exc
    finally:
        upload.seek(0)
    return AdVideo(extension=extension, duration_ms=round(duration * 1000), width=width, height=height,
                   size_bytes=upload.size, poster_jpeg=poster)
