from zoneinfo import available_timezones

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import global_settings

from .models import Audience, FriendRequestPolicy

LANGUAGE_CHOICES = list(global_settings.LANGUAGES)


class SignupForm(AllauthSignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Handle"
        self.fields["username"].help_text = "Your @handle: 3–30 lowercase letters, digits or underscores."
        self.fields["username"].widget.attrs["placeholder"] = "your_handle"


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=30, required=False)
    bio = forms.CharField(max_length=160, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    native_languages = forms.MultipleChoiceField(choices=LANGUAGE_CHOICES, required=False)
    learning_languages = forms.MultipleChoiceField(choices=LANGUAGE_CHOICES, required=False)
    timezone_name = forms.ChoiceField(choices=[(tz, tz) for tz in sorted(available_timezones())], label="Time zone")


class PrivacyForm(forms.Form):
    stats_visibility = forms.ChoiceField(choices=Audience.choices, label="Who can see my watch stats")
    friends_visibility = forms.ChoiceField(choices=Audience.choices, label="Who can see my friend list")
    friend_requests_from = forms.ChoiceField(choices=FriendRequestPolicy.choices, label="Who can send me friend requests")
    is_searchable = forms.BooleanField(required=False, label="Show me in search")


class HandleForm(forms.Form):
    handle = forms.CharField(max_length=31)


class AvatarForm(forms.Form):
    avatar = forms.FileField()


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput)
