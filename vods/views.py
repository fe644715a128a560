"""Pages: /v/<id>/ (a VOD: player, chapters, the host's edits) and its HLS playlists (vods.playlists);
the channel page's VOD section (registered in streams.views.channel_page_sections)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.errors import ApplicationError, NotFoundError

from . import history, playlists, selectors, services
from .errors import VodError
from .models import VodVisibility, WatchKind
from .sources import source_sessions

HLS_TYPE = "application/vnd.apple.mpegurl"


def _vod_or_404(request, vod_id):
    try:
        return selectors.vod_get_for_user(vod_id=vod_id, user=request.user)
    except NotFoundError as err:
        raise Http404(err.message) from err


def _resume_at(user, vod) -> float | None:
    """Where this viewer left the VOD on any device (the watch history), None when they never watched it."""
    row = history.watch_progress_get(user=user, kind=WatchKind.VOD, vod=vod)
    return row.position_seconds if row else None


def vod_page(request, vod_id):
    vod = _vod_or_404(request, vod_id)
    me = selectors.vod_capabilities(vod=vod, user=request.user)
    if not me["can_edit"]:
        services.vod_view_record(vod=vod)
    return render(request, "vods/vod.html", {
        "vod": vod, "me": me, "visibilities": VodVisibility.choices,
        "thumbnail_url": default_storage.url(vod.thumbnail) if vod.thumbnail else "",
        "player": json.dumps({
            "vod_id": vod.pk, "master": reverse("vod-master", args=[vod.pk]), "chapters": vod.chapters,
            "status_url": reverse("api-vod", args=[vod.pk]),
            "resume_at": _resume_at(request.user, vod),
            "reports_progress": request.user.is_authenticated,
        }),
    })


def playlist_response(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type=HLS_TYPE)
    response["Cache-Control"] = "private, no-store"  # it names signed URLs, and the master grows
    return response


def vod_master(request, vod_id):
    vod = _vod_or_404(request, vod_id)
    return playlist_response(playlists.master_playlist(vod=vod, renditions=list(vod.renditions.all())))


def vod_playlist(request, vod_id, name):
    vod = _vod_or_404(request, vod_id)
    if name == playlists.SOURCE:
        sessions = source_sessions(vod=vod)
        if not sessions:
            raise Http404(VodError.RENDITION_NOT_FOUND)
        return playlist_response(playlists.source_playlist(sessions))
    rendition = vod.renditions.filter(name=name).first()
    if rendition is None:
        raise Http404(VodError.RENDITION_NOT_FOUND)
    return playlist_response(playlists.rendition_playlist(rendition))


@login_required
@require_POST
def vod_edit(request, vod_id):
    vod = _vod_or_404(request, vod_id)
    try:
        services.vod_update(actor=request.user, vod=vod, title=request.POST.get("title"),
                            description=request.POST.get("description"), visibility=request.POST.get("visibility"))
        messages.success(request, "Saved.")
    except ApplicationError as err:
        messages.error(request, err.message)
    return redirect("vod", vod_id=vod.pk)


@login_required
@require_POST
def vod_delete(request, vod_id):
    vod = _vod_or_404(request, vod_id)
    slug = vod.channel.slug
    try:
        services.vod_delete(actor=request.user, vod=vod)
    except ApplicationError as err:
        messages.error(request, err.message)
        return redirect("vod", vod_id=vod.pk)
    messages.success(request, "VOD deleted.")
    return redirect("channel", slug=slug)


@login_required
@require_POST
def vod_retry(request, vod_id):
    vod = _vod_or_404(request, vod_id)
    try:
        services.vod_retry(actor=request.user, vod=vod)
        messages.success(request, "Processing again.")
    except ApplicationError as err:
        messages.error(request, err.message)
    return redirect("vod", vod_id=vod.pk)


def channel_vods_section(*, channel, viewer, is_owner) -> dict:
    """The channel page's VODs (the owner's dashboard sees every status, with retry on the page)."""
    return {"template": "vods/_channel_vods.html", "is_owner": is_owner,
            "vods": selectors.with_thumbnails(selectors.vods_of_channel(channel=channel, user=viewer)[:12])}
