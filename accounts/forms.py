from zoneinfo import available_timezones

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from .languages import LANGUAGE_CHOICES
from .models import Audience, FriendRequestPolicy
from .services.users import MAX_LANGUAGES


class SignupForm(AllauthSignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Handle"
        self.fields["username"].help_text = "Your @handle: 3–30 lowercase letters, digits or underscores."
        self.fields["username"].widget.attrs["placeholder"] = "your_handle"


def language_field(*, max_choices: int, **kwargs) -> forms.MultipleChoiceField:
    """A multiple choice of languages, enhanced into a searchable picker by static/js/language_picker.js."""
    widget = forms.SelectMultiple(attrs={"data-language-picker": "", "data-max": max_choices})
    return forms.MultipleChoiceField(choices=LANGUAGE_CHOICES, required=False, widget=widget, **kwargs)


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=30, required=False)
    bio = forms.CharField(max_length=160, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    native_languages = language_field(max_choices=MAX_LANGUAGES, label="Languages I speak")
    learning_languages = language_field(max_choices=MAX_LANGUAGES, label="Languages I'm learning")
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
