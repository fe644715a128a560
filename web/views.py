"""Pages that compose several apps."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from accounts.views import notifications_with_actions
from config.errors import NotFoundError

from .profiles import profile_get


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    if not request.user.is_authenticated:
        return render(request, "home.html")
    user = request.user
    context = {
        "friends": account_selectors.friends_list(owner=user, viewer=user)[:12],
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
