"""Forms of the campaign pages and of the themes (shared by the configuration page and the
Django admin)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Persona, Segment
from core.branding import survey_sender
from core.forms import clean_sender
from core.models import User
from surveys.models import Campaign, Exclusion, InvitationStatus, Theme
from surveys.selectors import SHOW_EXCLUDED_PREFIX
from surveys.services.themes import COMMENT_MAX_LENGTH, clean_theme

NOW = "now"
AT = "at"
DRIP = "drip"
AUDIENCE_FIELDS = (
    "audience_segment",
    "audience_tier",
    "audience_persona",
    "audience_account",
    "audience_csm",
)
SCHEDULE_FIELDS = ("schedule", "send_at", "drip_days")
# "Acme Europe (ACC-00042)": a suggestion of the account field, the CRM id in brackets.
MAX_ACCOUNT_TEXT = 320
LABELLED_ACCOUNT = re.compile(r".*\((?P<external_id>[^()]+)\)\s*")


def account_label(account: Account) -> str:
    """How the account field shows an account: its name and, in brackets, its CRM id."""
    return f"{account.name} ({account.external_id})"


class AccountField(forms.Field):
    """One account, typed by name or CRM id, or picked from the suggestions; empty for any."""

    default_error_messages = {
        "unknown": _(
            "No account is called “%(value)s”: type part of its name and pick it from the "
            "suggestions, or give its CRM id."
        ),
        "ambiguous": _(
            "%(count)s accounts are called “%(value)s”: pick the one you mean from the "
            "suggestions (they show the CRM id), or give its CRM id."
        ),
    }

    def prepare_value(self, value):
        return account_label(value) if isinstance(value, Account) else value

    def to_python(self, value) -> Account | None:
        text = " ".join(str(value or "").split())[:MAX_ACCOUNT_TEXT]
        if not text:
            return None
        labelled = LABELLED_ACCOUNT.fullmatch(text)
        if labelled:
            account = Account.objects.filter(external_id=labelled["external_id"].strip()).first()
            if account is not None:
                return account
        by_id = Account.objects.filter(external_id__iexact=text).first()
        if by_id is not None:
            return by_id
        named = list(Account.objects.filter(name__iexact=text)[:2])
        if len(named) == 1:
            return named[0]
        if named:
            count = Account.objects.filter(name__iexact=text).count()
            raise forms.ValidationError(
                self.error_messages["ambiguous"],
                code="ambiguous",
                params={"value": text, "count": count},
            )
        raise forms.ValidationError(
            self.error_messages["unknown"], code="unknown", params={"value": text}
        )


class CsmField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.name


def campaign_csms(current: User | None) -> list[User]:
    """The people who own accounts (the only CSMs a filter would find contacts for), and
    the campaign's CSM whoever they are."""
    people = Q(accounts__isnull=False)
    if current is not None:
        people |= Q(pk=current.pk)
    return User.objects.filter(people).distinct().order_by("display_name", "username")


class CampaignForm(forms.ModelForm):
    """A draft email campaign: its question, its audience, its sender and its schedule."""

    audience_segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("Any segment")), *Segment.choices]
    )
    audience_tier = forms.CharField(
        label=_("Tier"),
        required=False,
        max_length=50,
        help_text=_("Matched whatever the case: gold finds Gold."),
    )
    audience_persona = forms.ChoiceField(
        label=_("Persona"), required=False, choices=[("", _("Any persona")), *Persona.choices]
    )
    audience_account = AccountField(
        label=_("Account"),
        required=False,
        help_text=_("Type part of the name and pick the account; empty: every account."),
    )
    audience_csm = CsmField(
        label=_("CSM"), required=False, queryset=User.objects.none(), empty_label=_("Any CSM")
    )
    sender = forms.CharField(
        label=_("From address"),
        required=False,
        max_length=254,
        help_text=_(
            "The From of the survey emails: nps@yourcompany.com, or with a name, "
            "Customer Success <nps@yourcompany.com>. Empty: the address shown."
        ),
    )
    schedule = forms.ChoiceField(
        label=_("When"),
        choices=[
            (NOW, _("Send as soon as it is launched")),
            (AT, _("Send at a date and time")),
            (DRIP, _("Spread over several working days")),
        ],
        widget=forms.RadioSelect,
        initial=NOW,
    )
    send_at = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Give a date and a time, such as 2030-03-14 09:30.")},
    )
    drip_days = forms.IntegerField(
        label=_("Working days"),
        required=False,
        min_value=1,
        max_value=60,
        error_messages={
            key: _("Give a whole number of working days from 1 to 60.")
            for key in ("invalid", "min_value", "max_value")
        },
        help_text=_("Each day sends its share at the same time of day."),
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "description",
            "question_en",
            "question_fr",
            *AUDIENCE_FIELDS,
            "sender",
            "send_at",
            "drip_days",
        ]
        labels = {
            "name": _("Name"),
            "description": _("Description"),
            "question_en": _("Question in English"),
            "question_fr": _("Question in French"),
        }
        help_texts = {
            "name": _("As managers will read it on the dashboard and the answers page."),
            "description": _("Optional: why this campaign, for the team."),
            "question_en": _("Asked to contacts whose language is English or unknown."),
            "question_fr": _("Asked to contacts whose language is French."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "question_en": forms.Textarea(attrs={"rows": 2}),
            "question_fr": forms.Textarea(attrs={"rows": 2, "lang": "fr"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        campaign = self.instance
        self.fields["audience_csm"].queryset = campaign_csms(campaign.audience_csm)
        self.fields["sender"].widget.attrs["placeholder"] = survey_sender()
        # Crispy forms shows help texts as HTML: the example's <address> must stay text.
        self.fields["sender"].help_text = escape(self.fields["sender"].help_text)
        self.fields["audience_tier"].widget.attrs.update(
            {"list": "tier-suggestions", "autocomplete": "off"}
        )
        self.fields["send_at"].help_text = _(
            "In the time zone %(zone)s. Spread over days: the first day, and the time of day "
            "of every day."
        ) % {"zone": timezone.get_current_timezone_name()}
        if campaign.pk:
            self.initial["audience_account"] = campaign.audience_account
            self.initial["schedule"] = (
                NOW if campaign.send_at is None else DRIP if campaign.drip_days > 1 else AT
            )
        if self.initial.get("drip_days", 1) == 1:
            self.initial["drip_days"] = 5  # the suggestion once "spread over" is chosen

    def clean_question_en(self) -> str:
        return " ".join(self.cleaned_data["question_en"].split())  # one line in the email

    def clean_question_fr(self) -> str:
        return " ".join(self.cleaned_data["question_fr"].split())

    def clean_sender(self) -> str:
        # The same rule as the sender of the business settings, and written back the same way.
        return clean_sender(self.cleaned_data["sender"])

    def clean(self) -> dict:
        data = super().clean()
        schedule = data.get("schedule")
        if schedule == NOW:
            data["send_at"], data["drip_days"] = None, 1
            self.errors.pop("send_at", None)
            self.errors.pop("drip_days", None)
            return data
        if schedule == AT:
            data["drip_days"] = 1
            self.errors.pop("drip_days", None)
        elif schedule == DRIP and data.get("drip_days") is None and "drip_days" not in self.errors:
            self.add_error("drip_days", _("Say over how many working days, from 1 to 60."))
        send_at = data.get("send_at")
        if send_at is None and "send_at" not in self.errors:
            self.add_error("send_at", _("Give the date and time of the first emails."))
        elif send_at is not None and send_at <= timezone.now():
            self.add_error(
                "send_at",
                _("This moment has passed: give a later one, or choose to send when launched."),
            )
        return data

    def campaign_fields(self) -> dict:
        """The cleaned values, as the campaign services take them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def audience(self) -> Campaign | None:
        """An unsaved campaign with the audience and schedule typed, for the preview; None
        while one of the audience filters is wrong."""
        self.is_valid()
        if any(name in self.errors for name in AUDIENCE_FIELDS):
            return None
        data = self.cleaned_data
        schedule_ok = not any(name in self.errors for name in SCHEDULE_FIELDS)
        return Campaign(
            **{name: data.get(name) or None for name in ("audience_account", "audience_csm")},
            **{name: data.get(name) or "" for name in AUDIENCE_FIELDS[:3]},
            send_at=data.get("send_at") if schedule_ok else None,
            drip_days=(data.get("drip_days") or 1) if schedule_ok else 1,
        )

    def keep_errors_of(self, names) -> None:
        """Forget the errors of the other fields: a preview asks about these only."""
        for name in list(self.errors):
            if name not in names:
                del self.errors[name]


class InvitationFilterForm(forms.Form):
    """The invitation list's filter, read from the query string; a wrong value is dropped."""

    show = forms.ChoiceField(label=_("Show"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["show"].choices = [
            ("", _("Every invitation")),
            *[
                (status.value, status.label)
                for status in InvitationStatus
                if status != InvitationStatus.EXCLUDED
            ],
            (InvitationStatus.EXCLUDED.value, _("Excluded, for any reason")),
            *[
                (
                    f"{SHOW_EXCLUDED_PREFIX}{reason.value}",
                    _("Excluded: %(reason)s") % {"reason": reason.label},
                )
                for reason in Exclusion
            ],
        ]

    def chosen(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return self.cleaned_data["show"]


class ThemeForm(forms.ModelForm):
    """A theme's names and keywords; the rules are the themes service's (`clean_theme`)."""

    THEME_FIELDS = ("name", "name_fr", "keywords_en", "keywords_fr")

    class Meta:
        model = Theme
        fields = ["name", "name_fr", "keywords_en", "keywords_fr"]
        labels = {
            "name": _("Name"),
            "name_fr": _("Name in French"),
            "keywords_en": _("English keywords"),
            "keywords_fr": _("French keywords"),
        }
        help_texts = {
            "name": _("As managers read it on the dashboard and the answers page."),
            "name_fr": _("Optional."),
            "keywords_en": _(
                "One per line or separated by commas, matched as whole words whatever the case "
                "and accents. End a word with * to match longer ones: invoic* finds invoice "
                "and invoicing."
            ),
            "keywords_fr": _(
                "Same rules: factur* finds facture and facturation. A keyword may be a phrase, "
                "such as trop cher."
            ),
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        candidate = Theme(
            pk=self.instance.pk, **{name: cleaned.get(name, "") for name in self.THEME_FIELDS}
        )
        try:
            clean_theme(candidate)
        except ValidationError as refused:
            for field, errors in refused.error_dict.items():
                if field not in self.errors:  # a field that failed its own checks says so already
                    self.add_error(field, errors)
        # Saved as the service stores them: one keyword per line.
        for name in ("keywords_en", "keywords_fr"):
            if name in cleaned:
                cleaned[name] = getattr(candidate, name)
        return cleaned


class TryCommentForm(forms.Form):
    """A comment to run through a theme's keywords before saving them."""

    comment = forms.CharField(
        label=_("A customer's comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Paste a comment to try the keywords on.")},
    )
