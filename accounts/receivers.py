"""Sign-in and sign-out hooks: the one-active-session rule and reactivation."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from .services.sessions import session_end, session_start
from .services.users import user_mark_active, user_reactivate


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if user.deactivated_at is not None and user.is_active:
        user_reactivate(user=user)
    if request.session.session_key is None:
        request.session.save()
    session_start(
        user=user,
        session_key=request.session.session_key,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    user_mark_active(user=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if request is not None and getattr(request, "session", None) and request.session.session_key:
        session_end(session_key=request.session.session_key)
