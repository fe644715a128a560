"""The queue's forms: what staff send when they act on a case, or suspend accounts from the User admin."""

from datetime import timedelta

from django import forms
from django.contrib.admin.helpers import ActionForm

from .models import ActionKind, BanScope

DURATIONS = [("", "For good"), ("3600", "1 hour"), ("86400", "1 day"), ("604800", "7 days"), ("2592000", "30 days"),
             ("31536000", "1 year")]


def duration_of(value: str) -> timedelta | None:
    return timedelta(seconds=int(value)) if value else None


class CaseActionForm(forms.Form):
    action = forms.ChoiceField(choices=ActionKind.choices)
    scope = forms.ChoiceField(choices=[("", "—"), *BanScope.choices], required=False, help_text="For a ban.")
    duration = forms.ChoiceField(choices=DURATIONS, required=False,
                                 help_text="A timeout's (required), a ban's or a suspension's.")
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class SuspendActionForm(ActionForm):
    """The User admin's action bar: a suspension takes a reason and a duration."""

    reason = forms.CharField(max_length=200, required=False)
    duration = forms.ChoiceField(choices=DURATIONS, required=False)
