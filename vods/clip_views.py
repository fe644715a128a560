"""Pages: /clip/<slug>/ (a clip: player, likes, views, share link, the channel, MP4 download), /clips/ (trending), /history/ (your watch history), and
/s/<id>/clip/ (the stream page's Clip button: the last 30 s, then the clip's page), /v/<id>/clip/ (the VOD
page's clip form, templates/vods/_vod_clip_form.html: a range). Capabilities as data."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from config.errors import ApplicationError, NotFoundError

from .clips import selectors, services
from .clips.services import DEFAULT_SECONDS
from .clips.sources import clip_playlist_read, clip_playlist_url
from .history import watch_history_list, watch_progress_get
from .models import ClipStatus, WatchKind
from .views import playlist_response


def clip_page(request, slug):
    try:
        clip = selectors.clip_get_for_user(user=request.user, slug=slug)
    except NotFoundError as err:
        raise Http404(err.message) from err
    ready = clip.status == ClipStatus.READY
    if ready:
        services.clip_view_count(clip=clip)
        clip.views += 1
    resume = watch_progress_get(user=request.user, kind=WatchKind.CLIP, clip=clip) if ready else None
    return render(request, "vods/clip.html", {
        "clip": clip, "channel": clip.channel, "ready": ready,
        "playlist_url": clip_playlist_url(clip.slug) if ready else "",
        "share_url": request.build_absolute_uri(f"/clip/{clip.slug}/"),
        "download_name": _download_name(clip),
        "liked": selectors.clip_liked(user=request.user, clip=clip),
        "can_like": request.user.is_authenticated, "can_record_progress": request.user.is_authenticated,
        "resume_seconds": resume.position_seconds if resume else 0,
    })


def clip_playlist(request, slug):
    """The clip's playlist with signed segment URLs (clips.sources.clip_playlist_url: storage that signs)."""
    try:
        clip = selectors.clip_get_for_user(user=request.user, slug=slug)
        if clip.status != ClipStatus.READY:
            raise Http404("This clip is not ready yet.")
        text = clip_playlist_read(clip.slug)
    except (NotFoundError, FileNotFoundError) as err:
        raise Http404(str(err)) from err
    return playlist_response(text)


def _download_name(clip) -> str:
    return f"{slugify(clip.title) or 'clip'}-{clip.slug}.mp4"


def clip_download(request, slug):
    """The clip page's Download: the clip as an MP4 file (vods.clips.services.clip_mp4_name), for anyone who
    can see the clip; a redirect to storage, which serves the bytes."""
    try:
        clip = selectors.clip_get_for_user(user=request.user, slug=slug)
        name = services.clip_mp4_name(clip=clip)
    except NotFoundError as err:
        raise Http404(err.message) from err
    except ApplicationError as err:
        messages.error(request, err.message)
        return redirect("clip", slug=slug)
    filename = _download_name(clip)
    try:  # S3: the signed URL makes the bucket answer as a download, under the clip's name
        url = default_storage.url(name, parameters={"ResponseContentDisposition": f'attachment; filename="{filename}"'})
    except TypeError:  # local media: the link's download attribute names the file
        url = default_storage.url(name)
    response = redirect(url)
    response["Cache-Control"] = "private, no-store"  # it may name a signed URL
    return response


@login_required
def watch_history_page(request):
    """What you watched, newest first, each with where you left it."""
    return render(request, "vods/history.html", {"rows": watch_history_list(user=request.user)})


def clips_trending_page(request):
    return render(request, "vods/clips.html", {"clips": selectors.clips_trending(user=request.user, limit=48)})


@login_required
@require_POST
def stream_clip(request, stream_id):
    """The Clip button under a live stream: clip the last 30 s, then wait for it on its page."""
    try:
        stream = selectors.stream_get_for_clipping(stream_id=stream_id)
        clip = services.clip_create_live(actor=request.user, stream=stream, seconds=DEFAULT_SECONDS)
    except ApplicationError as err:
        messages.error(request, err.message)
        return redirect("stream", stream_id=stream_id)
    return redirect("clip", slug=clip.slug)


@login_required
@require_POST
def vod_clip(request, vod_id):
    """The VOD page's clip form: clip [start, end) seconds, then wait for it on its page."""
    try:
        start, end = float(request.POST.get("start", "")), float(request.POST.get("end", ""))
        if not (math.isfinite(start) and math.isfinite(end)):
            raise ValueError
    except ValueError:
        messages.error(request, "Say where the clip starts and ends, in seconds.")
        return redirect(f"/v/{vod_id}/")  # the VOD page (its URL is the vods page work's)
    try:
        vod = selectors.vod_get_for_clipping(user=request.user, vod_id=vod_id)
        clip = services.clip_create_from_vod(actor=request.user, vod=vod, start=start, end=end,
                                             title=request.POST.get("title", ""))
    except ApplicationError as err:
        messages.error(request, err.message)
        return redirect(f"/v/{vod_id}/")  # the VOD page (its URL is the vods page work's)
    return redirect("clip", slug=clip.slug)
