"""Sign-in and sign-out hooks (the one-active-session rule and reactivation); keeping the token cache true."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import ApiToken, User
from .services.sessions import session_end, session_start
from .services.token_cache import token_cache_forget, token_cache_forget_user
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


# What decides whether a user's tokens open anything (services.tokens.user_may_use_tokens)
TOKEN_GATE_FIELDS = frozenset({"is_active", "deactivated_at", "suspended_until"})


@receiver(post_save, sender=User)
def on_user_saved(sender, instance, created, update_fields=None, **kwargs):
    """A suspension or deactivation reaches token requests at once (services.token_cache); other changes to the
    kept user (a profile edit saved with update_fields) within its CACHE_SECONDS."""
    if not created and (update_fields is None or TOKEN_GATE_FIELDS & set(update_fields)):
        token_cache_forget_user(user=instance)


@receiver(post_delete, sender=ApiToken)
def on_token_deleted(sender, instance, **kwargs):
    token_cache_forget(key_hashes=[instance.key_hash])
