"""Forms of the pages every signed-in person has: their own profile settings."""

from django import forms

from nps_loop.models import User


class LanguageForm(forms.ModelForm):
    """The interface language of one's profile; empty follows the browser."""

    class Meta:
        model = User
        fields = ["language"]
