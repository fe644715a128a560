from django import forms


class AdvertiserForm(forms.Form):
    company_name = forms.CharField(max_length=80)
    website = forms.URLField(required=False, assume_scheme="https")


class AdUploadForm(forms.Form):
    title = forms.CharField(max_length=80)
    video = forms.FileField(help_text="MP4 (H.264) or WebM, a few seconds to a minute.")
    offers_xp = forms.BooleanField(required=False, initial=True, label="Viewers earn XP for watching")
    reward_title = forms.CharField(max_length=40, required=False, label="Reward title (optional)",
                                   help_text="A profile title viewers unlock by watching.")


class AdOrderForm(forms.Form):
    package = forms.IntegerField(widget=forms.HiddenInput)
