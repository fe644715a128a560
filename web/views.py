"""Pages that compose several apps: the landing page, the signed-in home, the health check."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from accounts.views import notifications_with_actions
from gamification import selectors as gamification_selectors
from rooms import selectors as room_selectors

LIVE_ROOMS = 6
EVENTS = 3


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


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
