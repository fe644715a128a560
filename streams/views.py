"""Pages: /live/ (browse), /c/<slug>/ (a channel, its live player), /s/<id>/ (one stream), /studio/ (go live);
and /whip/c/<slug>, the channel's stable WHIP URL for OBS. Capabilities reach the pages as data."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import ApplicationError, NotFoundError
from config.hooks import Hook
from media_relay.errors import MediaError
from media_relay.relay_kinds import relay_room_parse
from media_relay.services import relay_whip_url
from rooms.services.membership import room_create

from . import selectors, services
from .models import Category, StreamStatus
from .playback import stream_live_playlist_answer, stream_playback
from .stream_keys import channel_key_authenticate, channel_key_publish, channel_whip_url

# What higher apps add to a channel page and to its owner's studio: functions (channel, viewer, is_owner) ->
# a section {"template": ..., **its context}, registered in their AppConfig.ready (vods: the channel's VODs).
channel_page_sections = Hook("(channel, viewer, is_owner) -> a section {\"template\": ..., **its context}")


def browse(request):
    query, category = request.GET.get("q", "")[:100], request.GET.get("category", "")[:20]
    streams = selectors.streams_live(user=request.user, query=query, category=category)[:60]
    upcoming = selectors.streams_scheduled()[:12] if not query else []
    return render(request, "streams/browse.html", {
        "streams": streams, "upcoming": upcoming, "query": query, "category": category,
        "categories": Category.choices,
    })


def _watch_context(request, stream):
    playback = stream_playback(stream=stream)
    return {
        "stream": stream, "channel": stream.channel,
        "watch": json.dumps({
            "stream_id": stream.pk, "status": stream.status,
            "user_id": request.user.pk if request.user.is_authenticated else None,
            "me": selectors.stream_capabilities(stream=stream, user=request.user),
            "playback": playback,
            "relay_grant": services.stream_page_grant(user=request.user, stream=stream, mode=playback["mode"],
                                                      session_key=request.session.session_key),
        }, cls=DjangoJSONEncoder),
    }


@never_cache  # the page carries a relay grant of its own viewer's
def channel_page(request, slug):
    try:
        channel = selectors.channel_get(slug=slug)
    except NotFoundError as err:
        raise Http404(err.message) from err
    live = selectors.channel_live_stream(channel=channel)
    follow = selectors.channel_follow_get(user=request.user, channel=channel)
    context = {
        "channel": channel, "live": live, "next": selectors.channel_next_scheduled(channel=channel),
        "follow": follow, "followers": selectors.channel_follower_count(channel=channel),
        "is_owner": request.user.is_authenticated and channel.owner_id == request.user.pk,
        "can_follow": request.user.is_authenticated and channel.owner_id != request.user.pk,
        "past": selectors.streams_of_channel(channel=channel).filter(status=StreamStatus.ENDED)[:6],
    }
    context["sections"] = channel_page_sections.results(channel=channel, viewer=request.user,
                                                        is_owner=context["is_owner"])
    if live is not None:
        context.update(_watch_context(request, live))
    return render(request, "streams/channel.html", context)


def channel_overlay(request, slug):
    """/c/<slug>/overlay/: the channel's alerts for an OBS browser source (public, like the channel page)."""
    try:
        channel = selectors.channel_get(slug=slug)
    except NotFoundError as err:
        raise Http404(err.message) from err
    live = selectors.channel_live_stream(channel=channel)
    return render(request, "streams/overlay.html", {
        "channel": channel, "overlay": json.dumps({"stream_id": live.pk if live else None}),
    })


@never_cache  # the page carries a relay grant of its own viewer's
def stream_page(request, stream_id):
    try:
        stream = selectors.stream_get(stream_id=stream_id)
    except NotFoundError as err:
        raise Http404(err.message) from err
    return render(request, "streams/watch.html", _watch_context(request, stream))


def stream_live_playlist(request, stream_id):
    """The stable address a watch-party room plays (streams.room_source), and the watch page's on S3: the
    relay's current HLS session, redirected to or (storage signing its URLs) served with signed segment URLs;
    404 (retry soon) until the relay has written one, or once the stream ended."""
    url, text = stream_live_playlist_answer(stream_id=stream_id)
    if url is None and text is None:
        response = HttpResponse("No live playlist yet.", status=404, content_type="text/plain")
        response["Retry-After"] = "2"
        return response
    response = HttpResponseRedirect(url) if url else HttpResponse(text, content_type="application/vnd.apple.mpegurl")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def stream_watch_together(request, stream_id):
    """The watch page's "Watch together": a new watch-party room with the stream playing, then go there."""
    try:
        stream = selectors.stream_get(stream_id=stream_id)
        room = room_create(creator=request.user, name=f"Watching {stream.channel.name}"[:60],
                           source_url=reverse("stream", args=[stream.pk]))
    except NotFoundError as err:
        raise Http404(err.message) from err
    except ApplicationError as err:
        messages.error(request, err.message)
        return redirect("stream", stream_id=stream_id)
    return redirect("room", code=room.code)


@login_required
def studio(request):
    channel = selectors.channel_of(user=request.user)
    if channel is None:
        return render(request, "streams/studio_new.html", {"categories": Category.choices})
    live = selectors.channel_live_stream(channel=channel)
    key = selectors.channel_stream_key_live(channel=channel)
    data = {
        "slug": channel.slug, "channel_name": channel.name, "user_id": request.user.pk,
        "live_stream_id": live.pk if live else None,
        "live_title": live.title if live else "",
        "whip_url": channel_whip_url(channel=channel),
        "key_prefix": key.prefix if key else None,
        "can_go_live": live is None, "can_end": live is not None,
    }
    return render(request, "streams/studio.html", {
        "channel": channel, "live": live, "next": selectors.channel_next_scheduled(channel=channel),
        "studio": json.dumps(data), "categories": Category.choices,
        "sections": channel_page_sections.results(channel=channel, viewer=request.user, is_owner=True),
    })


@login_required
@require_POST
def studio_channel_create(request):
    try:
        services.channel_create(actor=request.user, name=request.POST.get("name", ""),
                                slug=request.POST.get("slug", ""), description=request.POST.get("description", ""),
                                category=request.POST.get("category", Category.JUST_CHATTING))
    except ApplicationError as err:
        problems = "; ".join(f"{k}: {v}" for k, v in err.extra.get("fields", {}).items())
        messages.error(request, f"{err.message} {problems}".strip())
    return redirect("studio")


@csrf_exempt  # bearer-authenticated (the channel's stream key), no cookies
@require_http_methods(["POST", "OPTIONS"])
def whip_channel(request, slug):
    """OBS's WHIP Server for a channel: the key takes the channel live, then 307 to the relay worker hosting the
    stream (which checks the key again, RFC 9725 §4.5 redirects)."""
    cors = {
        "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Authorization, Content-Type", "Access-Control-Expose-Headers": "Location",
    }
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
    else:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        try:
            channel = selectors.channel_get(slug=slug)
            row = channel_key_authenticate(key=key)
            if row.channel_id != channel.pk:
                raise ApplicationError(MediaError.STREAM_KEY_INVALID, "This key is another channel's.")
            holder = channel_key_publish(row=row)
        except NotFoundError as err:
            response = JsonResponse(err.as_dict(), status=404)
        except ApplicationError as err:
            response = JsonResponse(err.as_dict(), status=401)
            response["WWW-Authenticate"] = "Bearer"
        else:
            response = HttpResponse(status=307)  # 307 keeps the method and the SDP body
            response["Location"] = relay_whip_url(room=holder.relay_room, room_id=relay_room_parse(holder.relay_room)[1])
    for name, value in cors.items():
        response[name] = value
    return response
