"""Website pages. Forms post here and call the same services as the API."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from config.errors import ApplicationError

from . import selectors
from .api.serializers import NotificationSerializer
from .forms import AvatarForm, HandleForm, PasswordConfirmForm, PrivacyForm, ProfileForm, RoomDefaultsForm
from .notification_registry import Channel
from .scopes import DESCRIPTIONS
from .services import delivery, room_defaults, tokens, users


@login_required
def friends(request):
    user = request.user
    context = {
        "friends": selectors.friends_list(owner=user, viewer=user),
        "incoming": selectors.friend_requests_incoming(user=user),
        "outgoing": selectors.friend_requests_outgoing(user=user),
        "blocked": selectors.blocked_users(user=user),
        "query": request.GET.get("q", "").strip(),
    }
    if len(context["query"]) >= 2:
        context["results"] = selectors.user_search(query=context["query"], viewer=user).exclude(pk=user.pk)[:20]
    return render(request, "accounts/friends.html", context)


@login_required
def notifications(request):
    return render(request, "accounts/notifications.html",
                  {"notifications": notifications_with_actions(selectors.notifications_list(user=request.user)[:100])})


def notifications_with_actions(notifications) -> list[tuple]:
    """(notification, its serialized form): the same texts, links and buttons as the bell."""
    notifications = list(notifications)
    return list(zip(notifications, NotificationSerializer(notifications, many=True).data, strict=True))


def _settings_forms(user, bound: dict | None = None) -> dict:
    forms = {
        "profile_form": ProfileForm(initial={
            "display_name": user.display_name, "bio": user.bio, "native_languages": user.native_languages,
            "learning_languages": user.learning_languages, "timezone_name": user.timezone,
        }, levels=selectors.language_levels(user=user)),
        "privacy_form": PrivacyForm(initial={
            "stats_visibility": user.stats_visibility, "friends_visibility": user.friends_visibility,
            "friend_requests_from": user.friend_requests_from, "is_searchable": user.is_searchable,
            "practice_visibility": user.practice_visibility,
        }),
        "room_defaults_form": RoomDefaultsForm(initial={
            name: getattr(user, name) for name in RoomDefaultsForm.base_fields
        }),
        "handle_form": HandleForm(initial={"handle": user.handle}),
        "avatar_form": AvatarForm(),
        "password_form": PasswordConfirmForm(),
    }
    forms.update(bound or {})
    return forms


# Each settings form: its form class and the service call it makes with the cleaned data.
SETTINGS_ACTIONS = {
    "profile": ("profile_form", ProfileForm, lambda req, d: users.user_profile_update(user=req.user, **d), "Profile saved."),
    "privacy": ("privacy_form", PrivacyForm, lambda req, d: users.user_profile_update(user=req.user, **d), "Privacy saved."),
    "room_defaults": ("room_defaults_form", RoomDefaultsForm,
                      lambda req, d: room_defaults.user_room_defaults_set(user=req.user, **d), "Room defaults saved."),
    "handle": ("handle_form", HandleForm, lambda req, d: users.user_handle_change(user=req.user, handle=d["handle"]),
               "Handle changed."),
    "avatar": ("avatar_form", AvatarForm, lambda req, d: users.user_avatar_set(user=req.user, upload=d["avatar"]),
               "Avatar updated."),
}


@login_required
def account_settings(request):
    user = request.user
    new_token_key = None
    bound = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in SETTINGS_ACTIONS:
                form_name, form_class, call, done = SETTINGS_ACTIONS[action]
                form = form_class(request.POST, request.FILES)
                bound[form_name] = form
                if form.is_valid():
                    call(request, form.cleaned_data)
                    messages.success(request, done)
                    return redirect("settings")
            elif action == "notification_channels":
                for row in selectors.notification_preferences(user=user):
                    chosen = set(request.POST.getlist(f"channels-{row['kind']}"))
                    if chosen != set(row["channels"]):
                        delivery.notification_preference_set(user=user, kind=row["kind"], channels=list(chosen))
                messages.success(request, "Notification settings saved.")
                return redirect("settings")
            elif action == "avatar_clear":
                users.user_avatar_clear(user=user)
                messages.success(request, "Avatar removed.")
                return redirect("settings")
            elif action == "token_create":
                _, new_token_key = tokens.api_token_create(user=user, name=request.POST.get("name", ""),
                                                           scopes=set(request.POST.getlist("scopes")))
            elif action == "token_revoke":
                tokens.api_token_revoke(user=user, token_id=int(request.POST.get("token_id", "0") or 0))
                messages.success(request, "Token revoked.")
                return redirect("settings")
            elif action in ("deactivate", "delete"):
                form = PasswordConfirmForm(request.POST)
                bound["password_form"] = form
                if form.is_valid() and user.check_password(form.cleaned_data["password"]):
                    (users.user_deactivate if action == "deactivate" else users.user_delete)(user=user)
                    logout(request)
                    messages.info(request, "Your account was deactivated." if action == "deactivate" else "Your account is being deleted.")
                    return redirect("home")
                form.add_error("password", "That password is not correct.")
        except ApplicationError as err:
            target = bound.get(SETTINGS_ACTIONS.get(action, ("",))[0])
            if target is not None:
                target.add_error(None, err.message)
            else:
                messages.error(request, err.message)
    context = {
        **_settings_forms(user, bound),
        "sessions": selectors.device_sessions_list(user=user),
        "tokens": selectors.api_tokens_list(user=user),
        "token_scopes": [(scope.value, text) for scope, text in DESCRIPTIONS.items()],
        "new_token_key": new_token_key,
        "current_session_key": request.session.session_key,
        "notification_preferences": selectors.notification_preferences(user=user),
        "quiet_hours": selectors.quiet_hours(user=user),
        "email_digest": selectors.has_email_digest(user=user),
        "channels": Channel,
        "vapid_public_key": settings.VAPID_PUBLIC_KEY,
    }
    return render(request, "accounts/settings.html", context)


@never_cache
def service_worker(request):
    """static/sw.js served from the site root, so its scope is the whole site (Web Push, docs/notifications.md)."""
    path = finders.find("sw.js")
    if path is None:
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


@csrf_exempt  # the signed token is the credential; mail clients' one-click POST (RFC 8058) has no CSRF token
@require_http_methods(["GET", "POST"])
def notification_unsubscribe(request, token: str):
    """An e-mail's unsubscribe link, signed in or not. GET asks (link scanners fetch links); POST acts."""
    context = {"token": token}
    if request.method == "POST":
        try:
            _, context["kind_label"] = delivery.notification_unsubscribe(token=token)
        except ApplicationError as err:
            context["error"] = err.message
    return render(request, "accounts/unsubscribe.html", context, status=400 if "error" in context else 200)
