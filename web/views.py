"""Pages that compose several apps: the landing page, the signed-in home."""

from django.shortcuts import render

from accounts import selectors as account_selectors
from accounts.views import notifications_with_actions
from config.errors import NotFoundError
from gamification import selectors as gamification_selectors
from rooms import selectors as room_selectors

from .profiles import profile_get

LIVE_ROOMS = 6
EVENTS = 3


def home(request):
    if not request.user.is_authenticated:
        return render(request, "home.html", {"live_rooms": room_selectors.hallway_list()[:LIVE_ROOMS]})
    user = request.user
    context = {
        "rooms_to_join": room_selectors.rooms_to_join(user=user, limit=LIVE_ROOMS),
        "friends_online": account_selectors.friends_online(user=user),
        "events": gamification_selectors.events_list(user=user)[:EVENTS],
        "incoming": account_selectors.friend_requests_incoming(user=user)[:5],
        "notifications": notifications_with_actions(account_selectors.notifications_list(user=user)[:5]),
    }
    return render(request, "home.html", context)


def profile(request, handle: str):
    try:
        context = profile_get(handle=handle, viewer=request.user)
    except NotFoundError:
        return render(request, "accounts/profile_missing.html", {"handle": handle}, status=404)
    if context["can_see_friends"]:
        context["friends"] = account_selectors.friends_list(owner=context["user"], viewer=request.user)[:12]
    return render(request, "accounts/profile.html", {"profile": context, "owner": context["user"]})
