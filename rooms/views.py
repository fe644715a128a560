"""Website pages for rooms: the hallway, creating a room, a room, invite links, partner matching."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from config.errors import ApplicationError

from . import selectors
from .forms import RoomCreateForm
from .models import RoomKind
from .services import membership


@login_required
def hallway(request):
    rooms = selectors.hallway_list()[:100]
    return render(request, "rooms/hallway.html", {"rooms": rooms, "kinds": RoomKind.choices})


@login_required
def room_new(request):
    form = RoomCreateForm(request.POST or None, initial={"kind": request.GET.get("kind", RoomKind.WATCH)})
    if request.method == "POST" and form.is_valid():
        try:
            room = membership.room_create(creator=request.user, **form.cleaned_data)
        except ApplicationError as err:
            form.add_error(None, err.message)
        else:
            return redirect("room", code=room.code)
    return render(request, "rooms/new.html", {"form": form})


@login_required
def room(request, code: str):
    """Join on the way in (public and friends-only rooms), then show the room."""
    try:
        room = selectors.room_get(code=code)
        member = membership.room_join(user=request.user, room=room, invite_code=request.GET.get("invite", ""))
    except ApplicationError as err:
        return render(request, "rooms/refused.html", {"error": err, "code": code}, status=err.status)
    invite_link = request.build_absolute_uri(reverse("room", kwargs={"code": room.code}))
    return render(request, "rooms/room.html", {"room": room, "member": member, "room_link": invite_link})


@login_required
def invite(request, code: str):
    try:
        invite = selectors.invite_get(code=code)
    except ApplicationError as err:
        return render(request, "rooms/refused.html", {"error": err, "code": code}, status=err.status)
    return redirect(f"{reverse('room', kwargs={'code': invite.room.code})}?invite={invite.code}")


@login_required
def partner(request):
    return render(request, "rooms/partner.html", {"status": selectors.match_status(user=request.user)})
