from django import forms

from accounts.forms import language_field

from .models import ChatMode, PlaybackControl, RoomKind, Visibility


class RoomCreateForm(forms.Form):
    kind = forms.ChoiceField(choices=RoomKind.choices, widget=forms.RadioSelect)
    name = forms.CharField(max_length=60)
    topic = forms.CharField(max_length=120, required=False)
    languages = language_field(max_choices=5)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.FRIENDS)
    max_members = forms.IntegerField(min_value=2, max_value=50, initial=10, help_text="Watch parties 2–20 (Premium: up to 50), voice rooms 2–12.")
    is_mic_enabled = forms.BooleanField(required=False, label="Microphones on")
    playback_control = forms.ChoiceField(choices=PlaybackControl.choices, initial=PlaybackControl.LEADER)
    chat_mode = forms.ChoiceField(choices=ChatMode.choices, initial=ChatMode.ALL)
    slow_mode_seconds = forms.IntegerField(min_value=0, max_value=300, initial=0, label="Slow mode (seconds between messages)")
    wait_for_ready = forms.BooleanField(required=False, label="Wait for everyone to buffer before playing")
    is_permanent = forms.BooleanField(required=False, label="Permanent: keep the room open while nobody is in it")
    source_url = forms.CharField(max_length=2000, required=False, label="Start with (YouTube, video file, HLS, Drive, Spotify or any page)")
