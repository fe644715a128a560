from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.shortcuts import render

from config.errors import ApplicationError

from .handles import normalize_handle, validate_handle_shape
from .selectors import handle_check_available


class AccountAdapter(DefaultAccountAdapter):
    """Signup goes through the same handle rules as every later change."""

    def clean_username(self, username, shallow=False):
        try:
            if shallow:  # allauth's "could this be a handle" probe, without the uniqueness check
                handle = normalize_handle(username)
                validate_handle_shape(handle)
                return handle
            return handle_check_available(handle=username)
        except ApplicationError as err:
            raise forms.ValidationError(err.message, code=err.code) from err

    def pre_login(self, request, user, **kwargs):
        """A suspended account can't sign in (signing in never lifts a platform ban): say until when."""
        if user.is_suspended:
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return render(request, "accounts/suspended.html", {"suspended_user": user}, status=403)
        return super().pre_login(request, user, **kwargs)

    def clean_email(self, email):
        return super().clean_email(email).lower()
