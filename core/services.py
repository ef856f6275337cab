"""Writes of the core app: the business settings and the brand of the survey emails that
admins edit in the browser, and the allowance of password-reset emails."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from core.branding import LOGO_EXTENSIONS, LogoImage
from core.models import ExchangeRate, LoopSettings, User
from core.resilient_cache import cache_add, cache_delete

PASSWORD_RESET_WINDOW_SECONDS = 3600


def stored_loop_settings() -> LoopSettings:
    """The settings row as the database holds it now, created with its defaults if missing.

    The settings page edits this, not `LoopSettings.current()`: another process may still
    hold an older copy in its cache for up to a minute.
    """
    row, _created = LoopSettings.objects.select_related("fallback_owner").get_or_create(pk=1)
    return row


def update_loop_settings(
    *,
    working_days: list[int],
    holidays: list[str],
    fallback_owner: User | None,
    sla_reminder_hours: int,
    overdue_grace_hours: int,
    slack_webhook_url: str,
    sender_email: str,
    survey_throttle_days: int,
    account_survey_quota: int | None,
    account_quota_days: int,
    survey_link_days: int,
    case_window_days: int | None = None,
    action_overdue_escalation_days: int | None = None,
    issue_alert_answers: int | None = None,
    issue_alert_arr: int | None = None,
    issue_alert_days: int | None = None,
    reporting_currency: str | None = None,
    **risk: int | None,
) -> LoopSettings:
    """Save the business settings; the next read of every process that shares the cache sees
    them (without a shared cache, within `LoopSettings.CACHE_SECONDS`).

    The survey settings are what the exclusion rules (`surveys.audience.Rules.current()`)
    judge the next batch of invitations by, and how long the links of the next emails last.
    The case window (None: unchanged) decides which answers arriving from now on are
    history; the overdue actions' escalation (None: unchanged), after how many days late.
    The recurring issues' alert threshold (`issue_alert_*`, None: unchanged) is what the
    next hourly check judges by. The reporting currency (None: unchanged) is the one every
    total of ARR is converted to.
    `risk` holds the risk score's weights and scales (`LoopSettings.RISK_FIELDS`; missing or
    None: unchanged); `playbooks.services.risk.save_loop_settings` recomputes the cases'
    stored risk when they change.
    """
    unknown = set(risk) - set(LoopSettings.RISK_FIELDS)
    if unknown:
        raise TypeError(f"update_loop_settings() got unexpected arguments: {sorted(unknown)}")
    with transaction.atomic():
        row, _created = LoopSettings.objects.select_for_update().get_or_create(pk=1)
        row.working_days = working_days
        row.holidays = holidays
        row.fallback_owner = fallback_owner
        row.sla_reminder_hours = sla_reminder_hours
        row.overdue_grace_hours = overdue_grace_hours
        row.slack_webhook_url = slack_webhook_url
        row.sender_email = sender_email
        row.survey_throttle_days = survey_throttle_days
        row.account_survey_quota = account_survey_quota
        row.account_quota_days = account_quota_days
        row.survey_link_days = survey_link_days
        if case_window_days is not None:
            row.case_window_days = case_window_days
        if action_overdue_escalation_days is not None:
            row.action_overdue_escalation_days = action_overdue_escalation_days
        if reporting_currency is not None:
            row.reporting_currency = reporting_currency
        alert = {
            "issue_alert_answers": issue_alert_answers,
            "issue_alert_arr": issue_alert_arr,
            "issue_alert_days": issue_alert_days,
        }
        for name, value in {**alert, **risk}.items():
            if value is not None:
                setattr(row, name, value)
        row.full_clean()
        row.save()
        # save() cleared the cache already; a request of this process that read the row
        # between then and the commit would have cached the old values again.
        transaction.on_commit(lambda: cache_delete(LoopSettings.CACHE_KEY))
    return row


def set_exchange_rate(*, currency: str, rate: Decimal, by: User | None) -> ExchangeRate:
    """Create or change the rate of `currency` to the reporting currency."""
    with transaction.atomic():
        row = ExchangeRate.objects.select_for_update().filter(currency=currency).first()
        row = row or ExchangeRate(currency=currency)
        row.rate = rate
        row.updated_by = by
        row.full_clean()
        row.save()
        transaction.on_commit(lambda: cache_delete(ExchangeRate.CACHE_KEY))
    return row


def remove_exchange_rate(*, currency: str) -> bool:
    """Forget the rate of `currency`; its amounts are left out of totals until it has one
    again. Returns whether there was one."""
    with transaction.atomic():
        row = ExchangeRate.objects.select_for_update().filter(currency=currency).first()
        if row is None:
            return False
        row.delete()
        # as for the settings: a read between delete() and the commit cached the old table
        transaction.on_commit(lambda: cache_delete(ExchangeRate.CACHE_KEY))
    return True


BRAND_LOGO_FIELDS = ("brand_logo", "brand_logo_width", "brand_logo_height")


@dataclass(frozen=True)
class UploadedLogo:
    """A logo the settings page checked: its bytes, and what they are."""

    content: bytes
    image: LogoImage


def update_survey_branding(
    *,
    brand_name: str,
    survey_sender_name: str,
    survey_sender_address: str,
    survey_reply_to: str,
    brand_colour: str,
    logo: UploadedLogo | None = None,
    remove_logo: bool = False,
) -> LoopSettings:
    """Save the brand of the survey emails and pages; a new `logo` replaces the old one,
    `remove_logo` drops it (a new logo wins over removing).

    The logo's file name carries a digest of its content, so that its address changes with
    it and email clients and proxies that cached the old one fetch the new one.
    """
    stored = None
    if logo is not None:
        digest = hashlib.sha256(logo.content).hexdigest()[:16]
        extension = LOGO_EXTENSIONS[logo.image.kind]
        stored = default_storage.save(
            f"branding/logo-{digest}.{extension}", ContentFile(logo.content)
        )
    try:
        row = _save_branding(
            stored=stored,
            logo=logo,
            remove_logo=remove_logo,
            brand_name=brand_name,
            survey_sender_name=survey_sender_name,
            survey_sender_address=survey_sender_address,
            survey_reply_to=survey_reply_to,
            brand_colour=brand_colour,
        )
    except Exception:
        if stored is not None:  # the row does not name it: nothing would ever delete it
            default_storage.delete(stored)
        raise
    return row


def _save_branding(
    *, stored: str | None, logo: UploadedLogo | None, remove_logo: bool, **fields: str
) -> LoopSettings:
    with transaction.atomic():
        row, _created = LoopSettings.objects.select_for_update().get_or_create(pk=1)
        old_logo = row.brand_logo.name
        for name, value in fields.items():
            setattr(row, name, value)
        if stored is not None:
            row.brand_logo.name = stored
            row.brand_logo_width = logo.image.width
            row.brand_logo_height = logo.image.height
        elif remove_logo:
            row.brand_logo.name = ""
            row.brand_logo_width = row.brand_logo_height = None
        row.full_clean()
        row.save(update_fields=[*fields, *BRAND_LOGO_FIELDS, "updated_at"])
        transaction.on_commit(lambda: cache_delete(LoopSettings.CACHE_KEY))
        if old_logo and old_logo != row.brand_logo.name:
            transaction.on_commit(lambda: default_storage.delete(old_logo))
    return row


def claim_password_reset_email(*, email: str) -> bool:
    """Count one request for a password-reset email to `email`; False when
    NPS_PASSWORD_RESET_EMAILS_PER_HOUR were already counted in the last hour.

    Every request counts, whether or not an account uses the address, so that the answer
    tells nothing. Each allowed email takes one of the address's slots in the cache for an
    hour (`cache.add`, atomic in Redis): at most that many in any hour, not per clock hour.
    Without a cache the email goes: a reset must not fail because Redis is down.
    """
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    for slot in range(settings.NPS_PASSWORD_RESET_EMAILS_PER_HOUR):
        claimed = cache_add(
            f"password-reset:{digest}:{slot}", 1, timeout=PASSWORD_RESET_WINDOW_SECONDS
        )
        if claimed is None or claimed:
            return True
    return False
