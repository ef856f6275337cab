from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import User
from notifications.models import NotificationKind


class ProfileForm(forms.ModelForm):
    """One's interface language, and which notifications also come by email."""

    emailed_kinds = forms.MultipleChoiceField(
        label=_("Also email me when"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Every notification shows under the bell; ticked kinds are emailed too."),
    )

    class Meta:
        model = User
        fields = ["language"]
