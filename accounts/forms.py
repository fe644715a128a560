import json
from zoneinfo import available_timezones

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from .languages import CEFR_LEVELS, LANGUAGE_CHOICES, Proficiency
from .models import Audience, FriendRequestPolicy
from .room_settings import ChatMode, PlaybackControl, Visibility
from .services.users import MAX_LANGUAGES


class SignupForm(AllauthSignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Handle"
        self.fields["username"].help_text = "Your @handle: 3–30 lowercase letters, digits or underscores."
        self.fields["username"].widget.attrs["placeholder"] = "your_handle"


# The picker's level select of a learning language `es` posts as learning_level_es.
LEVEL_FIELD_PREFIX = "learning_level_"


def language_field(*, max_choices: int, with_levels: bool = False, **kwargs) -> forms.MultipleChoiceField:
    """A multiple choice of languages, enhanced into a searchable picker by static/js/language_picker.js;
    `with_levels`: each chosen language gets a CEFR level select (named LEVEL_FIELD_PREFIX + code)."""
    attrs = {"data-language-picker": "", "data-max": max_choices}
    if with_levels:
        attrs["data-levels"] = json.dumps([(level, Proficiency(level).label) for level in CEFR_LEVELS], ensure_ascii=False)
        attrs["data-level-name"] = LEVEL_FIELD_PREFIX
    widget = forms.SelectMultiple(attrs=attrs)
    return forms.MultipleChoiceField(choices=LANGUAGE_CHOICES, required=False, widget=widget, **kwargs)


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=30, required=False)
    bio = forms.CharField(max_length=160, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    native_languages = language_field(max_choices=MAX_LANGUAGES, label="Languages I speak")
    learning_languages = language_field(max_choices=MAX_LANGUAGES, with_levels=True, label="Languages I'm learning")
    timezone_name = forms.ChoiceField(choices=[(tz, tz) for tz in sorted(available_timezones())], label="Time zone")

    def __init__(self, *args, levels: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            levels = self._posted_levels(self.data.getlist("learning_languages"))
        self.fields["learning_languages"].widget.attrs["data-level-values"] = json.dumps(levels or {})

    def _posted_levels(self, codes: list[str]) -> dict[str, str]:
        return {code: self.data[f"{LEVEL_FIELD_PREFIX}{code}"] for code in codes if self.data.get(f"{LEVEL_FIELD_PREFIX}{code}")}

    def clean(self):
        data = super().clean()
        # Only posted levels change (the service checks them): a form without the picker keeps the stored ones.
        data["learning_levels"] = self._posted_levels(data.get("learning_languages") or [])
        return data


class PrivacyForm(forms.Form):
    stats_visibility = forms.ChoiceField(choices=Audience.choices, label="Who can see my watch stats")
    friends_visibility = forms.ChoiceField(choices=Audience.choices, label="Who can see my friend list")
    friend_requests_from = forms.ChoiceField(choices=FriendRequestPolicy.choices, label="Who can send me friend requests")
    is_searchable = forms.BooleanField(required=False, label="Show me in search")
    practice_visibility = forms.ChoiceField(choices=Audience.choices, label="Who can see my language practice")


class RoomDefaultsForm(forms.Form):
    room_visibility = forms.ChoiceField(choices=Visibility.choices, label="Who can find and join")
    room_mic_enabled = forms.BooleanField(required=False, label="Microphones on in watch parties",
                                          help_text="Voice rooms always start with microphones on.")
    room_playback_control = forms.ChoiceField(choices=PlaybackControl.choices, label="Who controls playback")
    room_chat_mode = forms.ChoiceField(choices=ChatMode.choices, label="Who can chat")


class HandleForm(forms.Form):
    handle = forms.CharField(max_length=31)


class AvatarForm(forms.Form):
    avatar = forms.FileField()


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput)
