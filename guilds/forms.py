from django import forms

from .models import MAX_MEMBERS


class GuildCreateForm(forms.Form):
    name = forms.CharField(min_length=3, max_length=40, help_text="3–40 characters; unique.")
    description = forms.CharField(max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="What your guild watches, when it meets.")
    is_public = forms.BooleanField(required=False, initial=True, label="Public: anyone can join (otherwise by request or invite)")
    avatar = forms.FileField(required=False, help_text="JPEG, PNG, GIF or WebP, at most 2 MB.")


class GuildSettingsForm(forms.Form):
    name = forms.CharField(min_length=3, max_length=40)
    description = forms.CharField(max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_public = forms.BooleanField(required=False, label="Public: anyone can join")
    max_members = forms.IntegerField(min_value=2, max_value=MAX_MEMBERS, label="Members at most")


class GuildAvatarForm(forms.Form):
    avatar = forms.FileField(help_text="JPEG, PNG, GIF or WebP, at most 2 MB.")
