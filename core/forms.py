"""Forms of the ground floor: the business settings (shared by the configuration page and the
Django admin, so that both check them by the same rules), the sender address rules, the
language of one's own profile, and the request for a password-reset email."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.branding import (
    MAX_LOGO_BYTES,
    MIN_CONTRAST_WITH_WHITE,
    contrast_with_white,
    normalise_colour,
    read_logo,
    readable_shade,
)
from core.models import LoopSettings, User
from core.money import is_currency_code
from core.roles import Role, roles_of
from core.services import UploadedLogo, claim_password_reset_email

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def _errors_saying(message) -> dict:
    """The same message for every way a number can be wrong (missing, not a whole number,
    out of range): the message says the range, which is the fix."""
    return {"required": message, "invalid": message, "min_value": message, "max_value": message}


# Long enough for a reminder a month ahead; longer would remind people of steps they cannot
# act on yet, or escalate what everyone has forgotten.
MAX_HOURS = 720
HOURS_ERRORS = _errors_saying(_("Give a whole number of hours from 0 to 720 (30 days)."))

# Two years: a longer wait would in effect never ask the same person again.
MAX_THROTTLE_DAYS = 730
MAX_PERIOD_DAYS = 365
MAX_CASE_WINDOW_DAYS = 3650
# Far above any account's number of contacts; keeps the value within the database column.
MAX_ACCOUNT_QUOTA = 100_000

# "nps@example.com", or "NPS Loop <nps@example.com>" with a display name.
SENDER = re.compile(r"(?:(?P<name>[^<>]*?)\s*<(?P<address>[^<>\s]+)>|(?P<plain>[^<>\s]+))")
# A display name holding one of these must be quoted in a mail header (RFC 5322 specials).
NAME_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')


class HolidaysField(forms.Field):
    """Holidays typed one ISO date per line, stored as a sorted list of ISO strings."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 20})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(day) for day in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            value = "\n".join(str(day) for day in value)
        days, errors = set(), []
        for number, line in enumerate((value or "").splitlines(), start=1):
            text = line.strip()
            if not text:
                continue
            try:
                days.add(dt.date.fromisoformat(text))
            except ValueError:
                errors.append(
                    forms.ValidationError(
                        _("Line %(line)d, “%(text)s”, is not a date: write it as YYYY-MM-DD."),
                        code="invalid_date",
                        params={"line": number, "text": text},
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        return [day.isoformat() for day in sorted(days)]


class FallbackOwnerField(forms.ModelChoiceField):
    """A CSM or a manager, named with their role; empty leaves the cases to the managers."""

    def label_from_instance(self, user: User) -> str:
        roles = roles_of(user)
        if not user.is_active:
            role = _("deactivated")
        elif Role.MANAGER in roles:
            role = _("manager")
        elif Role.CSM in roles:
            role = _("CSM")
        else:
            role = _("no role")
        return f"{user.name} ({role})"


def fallback_owner_choices(current: User | None) -> QuerySet[User]:
    """Active CSMs and managers, and whoever holds the setting now, so that saving the other
    settings never changes it behind the admin's back."""
    people = Q(is_active=True, groups__name__in=[Role.CSM.value, Role.MANAGER.value])
    if current is not None:
        people |= Q(pk=current.pk)
    return (
        User.objects.filter(people)
        .distinct()
        .prefetch_related("groups")
        .order_by("display_name", "username")
    )


# The risk score's weights: each the points one part may reach, together 100.
RISK_WEIGHTS_TOTAL = 100
RISK_WEIGHT_ERRORS = _errors_saying(_("Give a whole number of points from 0 to 100."))
RISK_WEIGHT_HELP = {
    "risk_weight_arr": _(
        "Reached when the account's ARR is at or above the ARR that counts in full; less in "
        "proportion below it."
    ),
    "risk_weight_renewal": _(
        "Reached when the renewal is today or passed less than 30 days ago; falls to 0 at "
        "the renewal horizon. 0 without a renewal date."
    ),
    "risk_weight_score": _("Reached by a score of 0; less as the score rises; 0 for promoters."),
    "risk_weight_influence": _(
        "Reached by a decision maker or an exec sponsor of high influence; a champion, a "
        "medium or low influence, an admin or a user count for less."
    ),
    "risk_weight_escalation": _("Added while the case has an unresolved escalation."),
    "risk_weight_overdue": _(
        "Added while its first contact, one of its people's steps or an action is late."
    ),
}
RISK_WEIGHT_LABELS = {
    "risk_weight_arr": _("ARR at stake"),
    "risk_weight_renewal": _("Renewal"),
    "risk_weight_score": _("Answer"),
    "risk_weight_influence": _("Contact's influence"),
    "risk_weight_escalation": _("Escalated"),
    "risk_weight_overdue": _("Overdue work"),
}
MAX_ARR_FULL_AT = 1_000_000_000
MAX_RENEWAL_HORIZON_DAYS = 730
MAX_ALERT_ANSWERS = 100_000
MAX_ALERT_DAYS = 365


def _risk_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        name: forms.IntegerField(
            label=label,
            min_value=0,
            max_value=RISK_WEIGHTS_TOTAL,
            error_messages=RISK_WEIGHT_ERRORS,
            help_text=RISK_WEIGHT_HELP[name],
        )
        for name, label in RISK_WEIGHT_LABELS.items()
    }
    fields["risk_arr_full_at"] = forms.IntegerField(
        label=_("ARR that counts in full"),
        min_value=1,
        max_value=MAX_ARR_FULL_AT,
        error_messages=_errors_saying(
            _("Give a whole amount from 1 to 1000000000, in the reporting currency.")
        ),
        help_text=_(
            "An account with this ARR or more gets every point of the ARR part; one with half "
            "of it, half. In the reporting currency: each account's ARR is converted with "
            "the exchange rates. 100000 by default."
        ),
    )
    fields["risk_renewal_horizon_days"] = forms.IntegerField(
        label=_("Renewal horizon"),
        min_value=1,
        max_value=MAX_RENEWAL_HORIZON_DAYS,
        error_messages=_errors_saying(_("Give a whole number of days from 1 to 730.")),
        help_text=_(
            "A renewal this many days away or more adds no risk; a closer one adds more the "
            "closer it is. 180 (the default): six months."
        ),
    )
    return fields


def _issue_alert_fields() -> dict[str, forms.Field]:
    """The recurring issues' alert threshold: 0 turns a part off."""
    return {
        "issue_alert_answers": forms.IntegerField(
            label=_("Alert at detractor answers"),
            min_value=0,
            max_value=MAX_ALERT_ANSWERS,
            error_messages=_errors_saying(
                _("Give a whole number of answers from 0 to 100000; 0 raises no alert on answers.")
            ),
            help_text=_(
                "A root cause or a theme with this many detractor answers within the alert window "
                "is told to the managers. 0: answers raise no alert. 10 by default."
            ),
        ),
        "issue_alert_arr": forms.IntegerField(
            label=_("Alert at ARR affected"),
            min_value=0,
            max_value=MAX_ARR_FULL_AT,
            error_messages=_errors_saying(
                _("Give a whole amount from 0 to 1000000000; 0 raises no alert on ARR.")
            ),
            help_text=_(
                "A root cause or a theme whose accounts add up to this ARR within the alert window "
                "is told to the managers (in the reporting currency; an account whose currency has "
                "no rate is left out). 0: ARR raises no alert. 250000 by default."
            ),
        ),
        "issue_alert_days": forms.IntegerField(
            label=_("Alert window"),
            min_value=0,
            max_value=MAX_ALERT_DAYS,
            error_messages=_errors_saying(
                _("Give a whole number of days from 0 to 365; 0 turns the alerts off.")
            ),
            help_text=_(
                "The days counted, up to today, with the figures of the Recurring issues page. An "
                "issue is told once, then again only when a whole new window has passed. 0: no "
                "alert at all. 30 by default."
            ),
        ),
    }


class CurrencyCodeField(forms.CharField):
    """An ISO 4217 code such as EUR or USD; typed in any case, kept in capitals."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs["error_messages"] = {
            "max_length": _("Write the three letters of ISO 4217, such as EUR, USD or GBP."),
            **kwargs.get("error_messages", {}),
        }
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})

    def to_python(self, value):
        return (super().to_python(value) or "").strip().upper()

    def validate(self, value) -> None:
        super().validate(value)
        if value and not is_currency_code(value):
            raise ValidationError(
                _(
                    "“%(value)s” is not a currency code: write the three letters of ISO 4217, "
                    "such as EUR, USD or GBP."
                ),
                code="invalid_currency",
                params={"value": value},
            )


RATE_DIGITS_ERROR = _("Write the rate with at most 10 digits before the decimal point.")


class ExchangeRateForm(forms.Form):
    """One currency's rate to the reporting currency, on the exchange rates page."""

    currency = CurrencyCodeField(
        label=_("Currency"),
        help_text=_("The three letters of ISO 4217, such as USD, GBP or CHF."),
        error_messages={"required": _("Give the currency's code, such as USD.")},
    )
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=18,
        decimal_places=8,
        localize=True,  # 0,92 in French, 0.92 in English
        error_messages={
            "required": _("Give the rate: what one unit of the currency is worth."),
            "invalid": _("Write the rate as a number, such as 0.92."),
            "max_digits": RATE_DIGITS_ERROR,
            "max_decimal_places": _("Write the rate with at most 8 decimals."),
            "max_whole_digits": RATE_DIGITS_ERROR,
        },
    )

    def __init__(self, *args, reporting_currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reporting_currency = reporting_currency
        self.fields["rate"].help_text = _(
            "What one unit of the currency is worth in %(reporting)s: 0.92 when 1 USD is "
            "worth 0.92 EUR."
        ) % {"reporting": reporting_currency}

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"]
        if currency == self.reporting_currency:
            raise ValidationError(
                _(
                    "%(currency)s is the reporting currency: its amounts need no rate. Pick "
                    "another currency, or change the reporting currency in the business "
                    "settings."
                ),
                code="reporting_currency",
                params={"currency": currency},
            )
        return currency

    def clean_rate(self) -> Decimal:
        rate = self.cleaned_data["rate"]
        if rate <= 0:
            raise ValidationError(
                _("Give a rate above 0: what one unit of the currency is worth."),
                code="rate_not_positive",
            )
        return rate


class LoopSettingsForm(forms.ModelForm):
    """The business settings, on the configuration page and in the Django admin."""

    working_days = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Due dates and SLAs count only these days: with Monday to Friday, a step due in "
            "2 business days that opens on a Friday is due on Tuesday."
        ),
        error_messages={
            "required": _("Tick at least one working day: due dates and SLAs count only those."),
            "invalid_choice": _(
                "“%(value)s” is not a day of the week: days go from 0 (Monday) to 6 (Sunday)."
            ),
        },
    )
    holidays = HolidaysField(
        label=_("Holidays"),
        required=False,
        help_text=_(
            "Days off that are not counted as working days, one date per line as YYYY-MM-DD "
            "(e.g. 2025-12-25). Saving drops duplicates and sorts the dates."
        ),
    )
    fallback_owner = FallbackOwnerField(
        label=_("Fallback owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("The managers"),
        help_text=_(
            "Owns the cases of accounts that have no CSM, and of answers that match no account. "
            "“The managers”: the manager group holds them until a manager hands them out."
        ),
    )
    sla_reminder_hours = forms.IntegerField(
        label=_("Reminder before a step is due"),
        min_value=0,
        max_value=MAX_HOURS,
        error_messages=HOURS_ERRORS,
        help_text=_(
            "Hours before a step is due that its assignee gets a reminder email; 0 sends none. "
            "Checked every hour."
        ),
    )
    overdue_grace_hours = forms.IntegerField(
        label=_("Grace before an overdue step is escalated"),
        min_value=0,
        max_value=MAX_HOURS,
        error_messages=HOURS_ERRORS,
        help_text=_(
            "Hours a required step may stay overdue before the managers get an escalation; "
            "0 escalates as soon as it is late. Checked every hour."
        ),
    )
    slack_webhook_url = forms.URLField(
        label=_("Slack incoming-webhook URL"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_(
            "An https address from Slack's “Incoming WebHooks” (https://hooks.slack.com/…). "
            "Notifications are also posted there. Empty: email only."
        ),
    )
    sender_email = forms.CharField(
        label=_("Sender address"),
        required=False,
        max_length=254,
        help_text=_(
            "The From of every email NPS Loop sends: nps@yourcompany.com, or with a name, "
            "NPS Loop <nps@yourcompany.com>. Empty: the server's default address."
        ),
    )
    survey_throttle_days = forms.IntegerField(
        label=_("Days between two surveys to one person"),
        min_value=0,
        max_value=MAX_THROTTLE_DAYS,
        error_messages=_errors_saying(
            _(
                "Give a whole number of days from 0 to 730 (two years); 0 lets every campaign "
                "reach a person however recently they were surveyed."
            )
        ),
        help_text=_(
            "A person sent a survey, or who answered one, within this many days is left out of "
            "a campaign; a case's follow-up survey waits until the days have passed. "
            "0: no waiting time. 90 (the default) surveys a person once a quarter at most."
        ),
    )
    account_survey_quota = forms.IntegerField(
        label=_("Surveys per account per period"),
        required=False,
        min_value=1,
        max_value=MAX_ACCOUNT_QUOTA,
        error_messages=_errors_saying(
            _("Give a whole number of surveys from 1 to 100000, or leave it empty for no limit.")
        ),
        help_text=_(
            "At most this many surveys go to the people of one account within the quota period; "
            "once it is reached, the account's other contacts are left out of the campaign. "
            "Empty: no limit."
        ),
    )
    account_quota_days = forms.IntegerField(
        label=_("Quota period"),
        min_value=1,
        max_value=MAX_PERIOD_DAYS,
        error_messages=_errors_saying(_("Give a whole number of days from 1 to 365.")),
        help_text=_(
            "The quota counts the surveys sent to an account over this many past days. "
            "Used only when a quota is set."
        ),
    )
    survey_link_days = forms.IntegerField(
        label=_("Days a survey link stays valid"),
        min_value=1,
        max_value=MAX_PERIOD_DAYS,
        error_messages=_errors_saying(_("Give a whole number of days from 1 to 365.")),
        help_text=_(
            "Counted from the day the email is sent: after that, the link tells the person the "
            "survey is closed. A change applies to the emails sent from then on."
        ),
    )

    action_overdue_escalation_days = forms.IntegerField(
        label=_("Escalate an overdue action after"),
        min_value=1,
        max_value=90,
        error_messages=_errors_saying(_("Give a whole number of days from 1 to 90.")),
        help_text=_(
            "An action of a plan still open this many days after its due date is escalated to "
            "the managers, as an overdue step is. Its owner is reminded the day before and on "
            "the due date."
        ),
    )

    case_window_days = forms.IntegerField(
        label=_("Case window"),
        min_value=1,
        max_value=MAX_CASE_WINDOW_DAYS,
        error_messages=_errors_saying(_("Give a whole number of days from 1 to 3650 (ten years).")),
        help_text=_(
            "An answer given more than this many days before it reaches NPS Loop (an import of "
            "old answers, a late webhook) is history: it is stored and counted in every figure, "
            "but it opens no case, sends nothing and stops no survey. Days are counted by "
            "calendar date. 30 (the default): a month."
        ),
    )

    class Meta:
        model = LoopSettings
        fields = [
            "working_days",
            "holidays",
            "fallback_owner",
            "sla_reminder_hours",
            "overdue_grace_hours",
            "action_overdue_escalation_days",
            "case_window_days",
            "slack_webhook_url",
            "sender_email",
            "survey_throttle_days",
            "account_survey_quota",
            "account_quota_days",
            "survey_link_days",
            *LoopSettings.RISK_FIELDS,
            *LoopSettings.ISSUE_ALERT_FIELDS,
            "reporting_currency",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Replaced only where the form has them: the Django admin leaves the risk score's
        # settings to the configuration page, which recomputes the cases' scores.
        for name, field in {**_risk_fields(), **_issue_alert_fields()}.items():
            if name in self.fields:
                self.fields[name] = field
        if "reporting_currency" in self.fields:
            self.fields["reporting_currency"] = CurrencyCodeField(
                label=_("Reporting currency"),
                error_messages={"required": _("Give the reporting currency, such as EUR.")},
                help_text=_(
                    "Every total of ARR (dashboard, risk score, recurring issues) is converted "
                    "to it with the exchange rates. Changing it: give the rates to the new "
                    "currency too."
                ),
            )
        self.fields["fallback_owner"].queryset = fallback_owner_choices(
            self.instance.fallback_owner
        )
        self.fields["sender_email"].widget.attrs["placeholder"] = settings.DEFAULT_FROM_EMAIL

    risk_total_error = ""

    def clean(self) -> dict:
        """The risk weights add up to 100: the score reads as points out of 100."""
        cleaned = super().clean()
        names = LoopSettings.RISK_WEIGHT_FIELDS
        if all(name in self.fields for name in names):
            weights = [cleaned.get(name) for name in names]
            if None not in weights and sum(weights) != RISK_WEIGHTS_TOTAL:
                message = _(
                    "The risk points add up to %(total)s: make them add up to 100, so that a "
                    "score reads as points out of 100."
                ) % {"total": sum(weights)}
                self.add_error(None, ValidationError(message, code="risk_total"))
                self.risk_total_error = message
        return cleaned

    def clean_working_days(self) -> list[int]:
        return sorted(set(self.cleaned_data["working_days"]))

    def clean_slack_webhook_url(self) -> str:
        url = self.cleaned_data["slack_webhook_url"]
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError(
                _(
                    "Use the https:// address Slack gives for the incoming webhook: "
                    "notifications are not sent over plain http."
                )
            )
        return url

    def clean_sender_email(self) -> str:
        return clean_sender(self.cleaned_data["sender_email"])


def clean_sender(text: str) -> str:
    """An address, with or without a display name, written back in the form mail headers
    need (a name holding a comma gets quotes); empty stays empty."""
    text = " ".join(text.split())
    if not text:
        return ""
    match = SENDER.fullmatch(text)
    address = match and (match["address"] or match["plain"])
    try:
        validate_email(address)
    except ValidationError:
        raise forms.ValidationError(
            _(
                "“%(value)s” is not an email address: write nps@yourcompany.com, "
                "or NPS Loop <nps@yourcompany.com> to show a name."
            ),
            code="invalid_sender",
            params={"value": text},
        ) from None
    name = (match["name"] or "").strip().strip('"').strip()
    if not name:
        return address
    if NAME_SPECIALS.search(name):
        name = '"{}"'.format(name.replace("\\", "\\\\").replace('"', '\\"'))
    return f"{name} <{address}>"


class LanguageForm(forms.ModelForm):
    """The interface language of one's profile; empty follows the browser."""

    class Meta:
        model = User
        fields = ["language"]


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset request, at most NPS_PASSWORD_RESET_EMAILS_PER_HOUR emails an hour per
    address, each in the language of the account it goes to.

    Past the limit nothing is sent, and the page that follows is the same as ever: it
    never tells whether an account uses the address.
    """

    def save(self, *args, **kwargs) -> None:
        if claim_password_reset_email(email=self.cleaned_data["email"]):
            super().save(*args, **kwargs)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        # A person without a profile language reads the language of the page they used.
        with translation.override(context["user"].language or translation.get_language()):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


class BrandingForm(forms.Form):
    """The brand of the survey emails and pages, and the sender they come from."""

    brand_name = forms.CharField(
        label=_("Company name"),
        required=False,
        max_length=100,
        help_text=_(
            "Shown at the top of the survey email and pages (beside or instead of the logo), "
            "and the sender's name when the field below is empty."
        ),
    )
    survey_sender_name = forms.CharField(
        label=_("Sender name"),
        required=False,
        max_length=100,
        help_text=_(
            "The name customers see in their inbox, e.g. “Acme Customer Success”. "
            "Empty: the company name."
        ),
    )
    survey_sender_address = forms.EmailField(
        label=_("Sender address"),
        required=False,
        error_messages={
            "invalid": _("Write one email address, such as cs@yourcompany.com."),
        },
        help_text=_(
            "The From address of survey emails. Use an address of your own domain that your "
            "mail provider is allowed to send for: the domain's SPF record must name the "
            "provider and its DKIM signature must be of the same domain as this address, "
            "otherwise DMARC makes the emails land in spam or bounce. Empty: the sender of "
            "the business settings."
        ),
    )
    survey_reply_to = forms.EmailField(
        label=_("Reply-to address"),
        required=False,
        error_messages={
            "invalid": _("Write one email address, such as cs@yourcompany.com."),
        },
        help_text=_(
            "Where customers' replies to a survey email go, e.g. your team's shared inbox. "
            "Empty: to the sender address."
        ),
    )
    brand_colour = forms.CharField(
        label=_("Brand colour"),
        required=False,
        max_length=7,
        help_text=_(
            "A hexadecimal colour such as #1d4ed8, for the band at the top of the email and "
            "the buttons of the survey pages, which carry white text. The 0–10 scale stays "
            "neutral grey. Empty: the default colours."
        ),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_(
            "A PNG or JPEG image of 200 KB at most, shown 40 pixels high: about 400 × 100 "
            "pixels is sharp on every screen. Email clients block SVG images, and some "
            "WebP ones."
        ),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def clean_brand_name(self) -> str:
        # One line: the name goes into the From header of every survey email.
        return " ".join(self.cleaned_data["brand_name"].split())

    def clean_survey_sender_name(self) -> str:
        return " ".join(self.cleaned_data["survey_sender_name"].split())

    def clean_brand_colour(self) -> str:
        text = self.cleaned_data["brand_colour"].strip()
        if not text:
            return ""
        colour = normalise_colour(text)
        if colour is None:
            raise forms.ValidationError(
                _("“%(value)s” is not a colour: write it in hexadecimal, such as #1d4ed8."),
                code="invalid_colour",
                params={"value": text},
            )
        contrast = contrast_with_white(colour)
        if contrast < MIN_CONTRAST_WITH_WHITE:
            raise forms.ValidationError(
                _(
                    "White text on %(colour)s has a contrast of %(contrast)s:1, too light for "
                    "buttons to stay readable (4.5:1 at least). Pick a darker shade, such as "
                    "%(shade)s."
                ),
                code="poor_contrast",
                params={
                    "colour": colour,
                    "contrast": f"{contrast:.1f}",
                    "shade": readable_shade(colour),
                },
            )
        return colour

    def clean_logo(self) -> UploadedLogo | None:
        upload = self.cleaned_data["logo"]
        if not upload:
            return None
        if upload.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(
                _(
                    "The logo weighs %(size)s KB: make it 200 KB or less (a PNG of about "
                    "400 × 100 pixels is plenty)."
                ),
                code="logo_too_large",
                params={"size": math.ceil(upload.size / 1024)},
            )
        data = upload.read()
        image = read_logo(data)
        if image is None:
            raise forms.ValidationError(
                _(
                    "“%(name)s” is not a PNG or JPEG image. Email clients show those two "
                    "everywhere and block SVG: export the logo as PNG."
                ),
                code="logo_type",
                params={"name": upload.name},
            )
        return UploadedLogo(content=data, image=image)
