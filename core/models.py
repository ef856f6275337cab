import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from core.resilient_cache import cache_delete, cache_get, cache_set


class User(AbstractUser):
    """A person who signs in: a CSM, a manager or an admin (see `core.roles`)."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    language = models.CharField(
        _("interface language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty to follow the browser's language."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username


def _default_working_days() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday to Friday, as datetime.weekday() counts


def _default_case_window_days() -> int:
    return settings.NPS_CASE_WINDOW_DAYS


class LoopSettings(models.Model):
    """The business settings an admin edits in the browser: one row, read through `current()`.

    The row is created with its defaults the first time it is read, and kept for a
    minute in the cache the web processes and the worker share; saving it clears it.
    """

    CACHE_KEY = "nps_loop:loop_settings"
    CACHE_SECONDS = 60

    working_days = models.JSONField(
        _("working days"),
        default=_default_working_days,
        help_text=_("Days counted by due dates and SLAs: 0 is Monday, 6 is Sunday."),
    )
    holidays = models.JSONField(
        _("holidays"),
        default=list,
        blank=True,
        help_text=_("Dates (YYYY-MM-DD) that are not working days."),
    )
    fallback_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("fallback owner"),
        help_text=_(
            "Owns the cases of accounts that have no CSM. Empty: the manager group owns them."
        ),
    )
    sla_reminder_hours = models.PositiveSmallIntegerField(
        _("reminder before a step is due (hours)"), default=24
    )
    overdue_grace_hours = models.PositiveSmallIntegerField(
        _("grace before an overdue required step is escalated (hours)"), default=24
    )
    action_overdue_escalation_days = models.PositiveSmallIntegerField(
        _("days before an overdue action is escalated"),
        default=2,
        help_text=_(
            "An action of a plan still open this many days after its due date is escalated "
            "to the managers, as an overdue step is."
        ),
    )
    slack_webhook_url = models.URLField(
        _("Slack incoming-webhook URL"),
        blank=True,
        help_text=_("Notifications are also posted there when it is set."),
    )
    sender_email = models.CharField(
        _("sender address"),
        max_length=254,
        blank=True,
        help_text=_("From address of the emails NPS Loop sends. Empty: DEFAULT_FROM_EMAIL."),
    )
    # The brand of the survey emails and pages (`core.branding`); empty: the default look.
    brand_name = models.CharField(_("company name"), max_length=100, blank=True)
    survey_sender_name = models.CharField(_("survey sender name"), max_length=100, blank=True)
    survey_sender_address = models.EmailField(_("survey sender address"), blank=True)
    survey_reply_to = models.EmailField(_("reply-to address of surveys"), blank=True)
    brand_colour = models.CharField(_("brand colour"), max_length=7, blank=True)
    brand_logo = models.FileField(_("logo"), upload_to="branding/", blank=True)
    brand_logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    brand_logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    survey_throttle_days = models.PositiveSmallIntegerField(
        _("days between two surveys to one person"),
        default=90,
        help_text=_("A contact surveyed or answering within this many days is not surveyed."),
    )
    account_survey_quota = models.PositiveIntegerField(
        _("surveys per account per period"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit."),
    )
    account_quota_days = models.PositiveSmallIntegerField(_("quota period (days)"), default=30)
    survey_link_days = models.PositiveSmallIntegerField(
        _("days a survey link stays valid"), default=30
    )
    case_window_days = models.PositiveSmallIntegerField(
        _("case window (days)"),
        default=_default_case_window_days,
        help_text=_(
            "An answer given more than this many days before it reaches NPS Loop is history: "
            "stored and counted, but it opens no case and sends nothing."
        ),
    )
    # The risk score of cases (`playbooks.risk`): the points each part may reach, adding up
    # to 100, and the two scales.
    risk_weight_arr = models.PositiveSmallIntegerField(_("risk points: ARR at stake"), default=25)
    risk_weight_renewal = models.PositiveSmallIntegerField(_("risk points: renewal"), default=20)
    risk_weight_score = models.PositiveSmallIntegerField(_("risk points: answer"), default=20)
    risk_weight_influence = models.PositiveSmallIntegerField(
        _("risk points: contact's influence"), default=15
    )
    risk_weight_escalation = models.PositiveSmallIntegerField(
        _("risk points: escalated"), default=10
    )
    risk_weight_overdue = models.PositiveSmallIntegerField(
        _("risk points: overdue work"), default=10
    )
    risk_arr_full_at = models.PositiveIntegerField(
        _("ARR that counts in full"),
        default=100_000,
        help_text=_("An account with this ARR or more gets every point of the ARR part."),
    )
    risk_renewal_horizon_days = models.PositiveSmallIntegerField(
        _("renewal horizon (days)"),
        default=180,
        help_text=_("A renewal further away than this adds no risk."),
    )
    # Recurring issues that escalate (`playbooks.services.issue_alerts`): a root cause or a
    # theme with this many detractor answers, or this much ARR affected, within the days.
    issue_alert_answers = models.PositiveIntegerField(
        _("alert at detractor answers"),
        default=10,
        help_text=_("0: detractor answers raise no alert."),
    )
    issue_alert_arr = models.PositiveIntegerField(
        _("alert at ARR affected"),
        default=250_000,
        help_text=_("0: the ARR affected raises no alert."),
    )
    issue_alert_days = models.PositiveSmallIntegerField(
        _("alert window (days)"),
        default=30,
        help_text=_("0: no alert at all."),
    )
    # Every ARR the dashboard, the risk score and the recurring issues add up is converted to
    # this currency with the rates of `ExchangeRate`.
    reporting_currency = models.CharField(
        _("reporting currency"),
        max_length=3,
        default="EUR",
        help_text=_("ISO 4217 code (EUR, USD, GBP…) every total of ARR is shown in."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    ISSUE_ALERT_FIELDS = ("issue_alert_answers", "issue_alert_arr", "issue_alert_days")
    RISK_WEIGHT_FIELDS = (
        "risk_weight_arr",
        "risk_weight_renewal",
        "risk_weight_score",
        "risk_weight_influence",
        "risk_weight_escalation",
        "risk_weight_overdue",
    )
    RISK_FIELDS = (*RISK_WEIGHT_FIELDS, "risk_arr_full_at", "risk_renewal_horizon_days")

    class Meta:
        verbose_name = _("settings")
        verbose_name_plural = _("settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="loop_settings_single_row"),
            models.CheckConstraint(
                condition=models.Q(survey_throttle_days__lte=730)
                & models.Q(account_quota_days__gte=1, account_quota_days__lte=365)
                & models.Q(survey_link_days__gte=1, survey_link_days__lte=365)
                & (
                    models.Q(account_survey_quota__isnull=True)
                    | models.Q(account_survey_quota__gte=1)
                ),
                name="loop_settings_survey_ranges",
            ),
            models.CheckConstraint(
                condition=models.Q(brand_colour="")
                | models.Q(brand_colour__regex=r"^#[0-9a-f]{6}$"),
                name="loop_settings_brand_colour_hex",
            ),
            models.CheckConstraint(
                condition=models.Q(case_window_days__gte=1, case_window_days__lte=3650),
                name="loop_settings_case_window_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    action_overdue_escalation_days__gte=1, action_overdue_escalation_days__lte=90
                ),
                name="loop_settings_action_overdue_range",
            ),
            models.CheckConstraint(
                condition=models.Q(reporting_currency__regex=r"^[A-Z]{3}$"),
                name="loop_settings_reporting_currency_code",
            ),
            models.CheckConstraint(
                condition=models.Q(issue_alert_days__lte=365),
                name="loop_settings_issue_alert_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    risk_arr_full_at__gte=1,
                    risk_renewal_horizon_days__gte=1,
                    risk_renewal_horizon_days__lte=730,
                )
                & models.Q(
                    Exact(
                        F("risk_weight_arr")
                        + F("risk_weight_renewal")
                        + F("risk_weight_score")
                        + F("risk_weight_influence")
                        + F("risk_weight_escalation")
                        + F("risk_weight_overdue"),
                        100,
                    )
                ),
                name="loop_settings_risk_ranges",
                violation_error_message=_(
                    "The risk points must add up to 100, the ARR that counts in full be 1 or "
                    "more, and the renewal horizon from 1 to 730 days."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(_("NPS Loop settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache_delete(self.CACHE_KEY)

    def clean(self) -> None:
        """Working days are weekdays 0–6, at least one; holidays are ISO dates."""
        errors = {}
        days = self.working_days
        if (
            not isinstance(days, list)
            or not days
            or not all(isinstance(day, int) and 0 <= day <= 6 for day in days)
        ):
            errors["working_days"] = _(
                "Give at least one working day, as numbers from 0 (Monday) to 6 (Sunday)."
            )
        bad = []
        for value in self.holidays if isinstance(self.holidays, list) else [self.holidays]:
            try:
                dt.date.fromisoformat(str(value))
            except ValueError:
                bad.append(str(value))
        if bad:
            errors["holidays"] = _("Not dates (write YYYY-MM-DD): %(values)s") % {
                "values": ", ".join(bad)
            }
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> "LoopSettings":
        """The settings row, created with its defaults on first read."""
        row = cache_get(cls.CACHE_KEY)
        # A copy cached by an older release lacks the fields added since: read it afresh.
        if row is None or row.get_deferred_fields():
            row, _ = cls.objects.select_related("fallback_owner").get_or_create(pk=1)
            cache_set(cls.CACHE_KEY, row, cls.CACHE_SECONDS)
        return row


class ExchangeRate(models.Model):
    """What one unit of a currency is worth in the reporting currency
    (`LoopSettings.reporting_currency`), as an admin last set it."""

    currency = models.CharField(_("currency"), max_length=3, unique=True)
    rate = models.DecimalField(_("rate to the reporting currency"), max_digits=18, decimal_places=8)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"),
                name="exchange_rate_currency_code",
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}"

    CACHE_KEY = "nps_loop:exchange_rates"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache_delete(self.CACHE_KEY)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache_delete(self.CACHE_KEY)
        return result

    @classmethod
    def table(cls) -> dict[str, Decimal]:
        """Every rate, by currency code, kept a minute in the shared cache as the settings
        are (`LoopSettings.current()`); saving or deleting one clears it."""
        rates = cache_get(cls.CACHE_KEY)
        if rates is None:
            rates = dict(cls.objects.values_list("currency", "rate"))
            cache_set(cls.CACHE_KEY, rates, LoopSettings.CACHE_SECONDS)
        return rates
