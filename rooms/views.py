"""Website pages for rooms: the hallway, creating a room, a room (or its preview), invite links, partner matching."""


from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.languages import LANGUAGE_CHOICES
from config.errors import ApplicationError, NotFoundError
from config.hooks import Hook

from . import selectors
from .calendar import scheduled_room_ics
from .forms import RoomCreateForm
from .models import RoomKind
from .services import membership
from .services.scheduling import LEVELS

# What higher apps add to room pages: functions (viewer, page, room) -> None or a context with a "template" the
# page includes; page is "preview" (before joining `room`) or "hallway" (where leaving a room lands, room None).
# Filled in their AppConfig.ready (monetization: the ads free users see before joining and after leaving a room).
page_slots = Hook("(viewer, page, room) -> None, or a context with the \"template\" the page includes")


def slots_for(request, page: str, room=None) -> list[dict]:
    return page_slots.results(viewer=request.user, page=page, room=room)


@login_required
def hallway(request):
    # ?language=&level= (a shared link) preselect the filters; unknown values are dropped, not an error page.
    language, level = request.GET.get("language") or None, request.GET.get("level") or None
    try:
        selectors.language_filters_check(language=language, level=level)
    except ApplicationError:
        language = level = None
    rooms = selectors.hallway_list(language=language, level=level)[:100]
    upcoming = selectors.upcoming_list(viewer=request.user, language=language, level=level)[:UPCOMING]
    return render(request, "rooms/hallway.html", {"rooms": rooms, "kinds": RoomKind.choices, "upcoming": upcoming,
                                                 "levels": LEVELS[1:], "slots": slots_for(request, "hallway"),
                                                 "filters": {"language": language or "", "level": level or ""}})


UPCOMING = 12


@login_required
def scheduled_calendar(request, pk: int):
    """A scheduled room as an iCalendar file (add it to a calendar)."""
    try:
        scheduled = selectors.scheduled_room_get(pk=pk)
    except NotFoundError as err:
        raise Http404(err.message) from err
    url = f"{settings.SITE_URL}{reverse('hallway')}"
    response = HttpResponse(scheduled_room_ics(scheduled, url=url, host_name=request.get_host().split(":")[0]),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="room-{scheduled.pk}.ics"'
    return response


@login_required
def room_new(request):
    kind = request.GET.get("kind", RoomKind.WATCH)
    # Pre-filled from the user's room defaults (settings); the page keeps the microphone in step with the kind.
    initial = {"kind": kind, **selectors.room_create_defaults(user=request.user, kind=kind)}
    form = RoomCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            room = membership.room_create(creator=request.user, **form.cleaned_data)
        except ApplicationError as err:
            form.add_error(None, err.message)
        else:
            return redirect("room", code=room.code)
    return render(request, "rooms/new.html", {"form": form, "watch_mic": request.user.room_mic_enabled})


LIVE_ELSEWHERE = 6


def refused(request, err: ApplicationError, code: str):
    return render(request, "rooms/refused.html", {"error": err, "code": code}, status=err.status)


def closed(request, room):
    """A closed room's link, for anyone (signed in or not): 410 Gone, and what is live now instead."""
    live = selectors.hallway_list()[:LIVE_ELSEWHERE]
    return render(request, "rooms/closed.html", {"room": room, "live_rooms": live}, status=410)


def preview_or_join(request, room, *, action: str, invite_code: str = ""):
    """GET: the room as a visitor sees it, with a Join button (or why they can't join); POST: join."""
    try:
        if request.method == "POST":
            membership.room_join(user=request.user, room=room, invite_code=invite_code)
            return redirect("room", code=room.code)
        invite = selectors.room_join_check(room=room, user=request.user, invite_code=invite_code)
    except ApplicationError as err:
        return refused(request, err, room.code)
    # Someone who may join sees who is inside (they would a click later); a refusal shows only the reason.
    members = selectors.members_list(room=room)
    return render(request, "rooms/preview.html", {"room": room, "members": members, "invite": invite, "action": action,
                                                  "slots": slots_for(request, "preview", room)})


@require_http_methods(["GET", "POST"])
def room(request, code: str):
    """Members see the room; anyone else a preview whose Join button POSTs back here.
    A closed room's link shows where to go instead, to visitors who aren't signed in too."""
    try:
        room = selectors.room_get(code=code)
    except ApplicationError as err:
        return refused(request, err, code)
    if room.closed_at is not None:
        return closed(request, room)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = selectors.member_get(room=room, user=request.user)
    if member is None:
        return preview_or_join(request, room, action=request.path)
    if request.method == "POST":
        return redirect("room", code=room.code)
    room_link = request.build_absolute_uri(reverse("room", kwargs={"code": room.code}))
    return render(request, "rooms/room.html", {
        "room": room, "member": member, "room_link": room_link,
        "me": selectors.me_snapshot(room=room, member=member),
        "waiting_count": selectors.match_waiting_count(user=request.user) if room.is_matchmade else None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def invite(request, code: str):
    """An invite link: a confirmation page whose Join button redeems the invite."""
    try:
        invite = selectors.invite_get(code=code)
    except ApplicationError as err:
        return refused(request, err, code)
    if invite.room.closed_at is not None:
        return closed(request, invite.room)
    if selectors.member_get(room=invite.room, user=request.user) is not None:
        return redirect("room", code=invite.room.code)
    return preview_or_join(request, invite.room, action=request.path, invite_code=invite.code)


@login_required
def partner(request):
    return render(request, "rooms/partner.html", {
        "status": selectors.match_status(user=request.user), "languages": LANGUAGE_CHOICES,
    })
