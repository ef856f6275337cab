import datetime as dt
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Count, DateField, Q, Value, When
from django.db.models.functions import Cast, TruncDate
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Account, Contact, Persona, Segment
from core.periods import period_filter
from core.said import in_reader_language
from surveys.nps import NpsSummary, summary_of


class Category(models.TextChoices):
    DETRACTOR = "detractor", _("Detractor")
    PASSIVE = "passive", _("Passive")
    PROMOTER = "promoter", _("Promoter")


class Source(models.TextChoices):
    SURVEY_PAGE = "survey_page", _("Survey page")
    API = "api", _("API")
    DELIGHTED = "delighted", _("Delighted")
    TYPEFORM = "typeform", _("Typeform")
    FORMBRICKS = "formbricks", _("Formbricks")
    CSV = "csv", _("CSV import")
    MANUAL = "manual", _("Manual entry")


STANDARD_QUESTION_EN = "How likely are you to recommend us to a friend or colleague?"
STANDARD_QUESTION_FR = (
    "Quelle est la probabilité que vous nous recommandiez à un ami ou un collègue ?"
)


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("Sent by NPS Loop")
    EXTERNAL = "external", _("Another tool")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(models.Model):
    """A round of NPS surveys: sent by NPS Loop by email, or run by another tool.

    Answers may point to the campaign they came from. An email campaign has an
    audience (contacts of accounts, narrowed by its filters), a question in
    English and French, and a schedule: all at once, or spread over working days.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=CampaignChannel.choices,
        default=CampaignChannel.EXTERNAL,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    question_en = models.CharField(
        _("question in English"), max_length=300, default=STANDARD_QUESTION_EN
    )
    question_fr = models.CharField(
        _("question in French"), max_length=300, default=STANDARD_QUESTION_FR
    )
    # The audience: contacts of accounts, narrowed by every filter that is set.
    audience_segment = models.CharField(
        _("segment"), max_length=20, choices=Segment.choices, blank=True
    )
    audience_tier = models.CharField(_("tier"), max_length=50, blank=True)
    audience_persona = models.CharField(
        _("persona"), max_length=20, choices=Persona.choices, blank=True
    )
    audience_account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("account"),
    )
    audience_csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("CSM"),
    )
    sender = models.CharField(
        _("sender"),
        max_length=254,
        blank=True,
        help_text=_("From address of the survey emails. Empty: the sender of the settings."),
    )
    send_at = models.DateTimeField(
        _("first sending"), null=True, blank=True, help_text=_("Empty: as soon as launched.")
    )
    drip_days = models.PositiveSmallIntegerField(
        _("spread over (working days)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    invitations_sent = models.PositiveIntegerField(
        _("invitations sent"),
        null=True,
        blank=True,
        help_text=_("How many people were asked; needed for the response rate."),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("launched by"),
    )
    planned_at = models.DateTimeField(_("invitations planned at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-created_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(drip_days__gte=1) & Q(drip_days__lte=60),
                name="campaign_drip_days_1_60",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_email(self) -> bool:
        return self.channel == CampaignChannel.EMAIL

    @property
    def is_editable(self) -> bool:
        return self.is_email and self.status == CampaignStatus.DRAFT

    def question_in(self, language: str) -> str:
        return self.question_fr if language == "fr" else self.question_en


class Theme(models.Model):
    """A recurring reason customers give (billing, support, a missing feature...).

    Answers are tagged with a theme when their comment holds one of its keywords,
    in English or in French; CSMs add themes by hand when they qualify a case.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_fr = models.CharField(_("name in French"), max_length=100, blank=True)
    keywords_en = models.TextField(
        _("English keywords"),
        blank=True,
        help_text=_("One keyword or phrase per line, matched as whole words, in any case."),
    )
    keywords_fr = models.TextField(
        _("French keywords"),
        blank=True,
        help_text=_("One keyword or phrase per line, matched as whole words, in any case."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language: the French one when they read French and it
        has one."""
        return in_reader_language({"en": self.name, "fr": self.name_fr})

    @property
    def keywords(self) -> list[str]:
        """Every keyword, both languages, stripped and without blank lines."""
        lines = f"{self.keywords_en}\n{self.keywords_fr}".splitlines()
        return [line.strip() for line in lines if line.strip()]


# The NPS aggregate, written once: the three band counts of a set of answers, as an
# `aggregate()` of a whole set or an `annotate()` per group of `values()`.
NPS_COUNTS = {
    "promoters": Count("pk", filter=Q(category=Category.PROMOTER)),
    "passives": Count("pk", filter=Q(category=Category.PASSIVE)),
    "detractors": Count("pk", filter=Q(category=Category.DETRACTOR)),
}


class ResponseQuerySet(models.QuerySet):
    def in_period(self, first, last) -> "ResponseQuerySet":
        """Answers given on the days from `first` to `last` (both included; None is open), on
        the indexed `answered_at` itself (`core.periods`)."""
        return self.filter(period_filter("answered_at", first, last))

    def with_nps_counts(self) -> "ResponseQuerySet":
        """Each group of a `values()` with its band counts (`NPS_COUNTS`)."""
        return self.annotate(**NPS_COUNTS)

    def nps(self) -> NpsSummary:
        """The NPS of these answers, pooled, with its uncertainty, in one query."""
        return summary_of(self.aggregate(**NPS_COUNTS))

    def with_history(self, *, window_days: int) -> "ResponseQuerySet":
        """Each answer with `is_history`: given more than `window_days` calendar days of the
        business time zone before it arrived (the rule of `surveys.history`, in SQL)."""
        zone = timezone.get_default_timezone()
        first_day = Cast(
            TruncDate("created_at", tzinfo=zone) - Value(dt.timedelta(days=window_days)),
            DateField(),
        )
        return self.annotate(is_history=LessThan(TruncDate("answered_at", tzinfo=zone), first_day))


class Response(models.Model):
    """One NPS answer: a score 0–10 and maybe a comment. Enters only via `record_response`."""

    # The three keys have no index of their own: the indexes of Meta lead with each of them
    # (contact, answered_at), (campaign, answered_at), (account, answered_at, id), and serve
    # the same lookups. Each index is written on every answer stored, and an import stores
    # a hundred thousand at a time.
    contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("contact"),
        db_index=False,
    )
    # Empty while the answer is unmatched: no account could be found for its contact.
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("account"),
        db_index=False,
    )
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
        verbose_name=_("campaign"),
        db_index=False,
    )
    score = models.PositiveSmallIntegerField(_("score"))
    category = models.GeneratedField(
        expression=Case(
            When(score__lte=6, then=Value(Category.DETRACTOR.value)),
            When(score__lte=8, then=Value(Category.PASSIVE.value)),
            default=Value(Category.PROMOTER.value),
        ),
        output_field=models.CharField(max_length=10, choices=Category.choices),
        db_persist=True,
        verbose_name=_("category"),
    )
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    external_id = models.CharField(_("external id"), max_length=200)
    language = models.CharField(_("language"), max_length=8, blank=True)
    payload = models.JSONField(
        _("original payload"), null=True, blank=True, help_text=_("As received, for audit.")
    )
    # The sending system's own last-modified time of the answer (Delighted `updated_at`,
    # Formbricks `updatedAt`, Typeform `submitted_at`, the API's `updated_at`), else its
    # arrival: a delivery older than it is stale and changes nothing. Empty for answers
    # stored before it was kept: any delivery then counts as newer.
    source_updated_at = models.DateTimeField(_("last modified at source"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="responses", verbose_name=_("themes")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-answered_at", "-id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=10), name="response_score_0_10"
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"], name="response_source_external_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["answered_at"]),
            models.Index(fields=["contact", "-answered_at"]),
            models.Index(fields=["campaign", "answered_at"]),
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="response_unprocessed",
            ),
            models.Index(
                fields=["-answered_at"],
                condition=Q(account__isnull=True),
                name="response_unmatched",
            ),
            # The dashboard: each account's latest answer of a period, read from the index
            # alone; the detractors of the accounts about to renew.
            models.Index(
                fields=["account", "-answered_at", "-id"],
                include=["category"],
                name="response_account_latest",
            ),
            models.Index(
                fields=["account", "answered_at"],
                include=["id"],
                condition=Q(category="detractor"),
                name="response_account_detractor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} from {self.contact_id} ({self.source}:{self.external_id})"

    @property
    def is_matched(self) -> bool:
        return self.account_id is not None

    def get_category_display(self) -> str:
        # A generated field gets no get_FOO_display() from Django.
        return str(Category(self.category).label)


class WebhookMessage(models.Model):
    """A webhook delivery's message id (Standard Webhooks' `webhook-id`, the event id of
    Delighted and Typeform) once its delivery was processed: a replay of the same message
    is acknowledged and ignored. Kept `MESSAGE_IDS_KEPT_DAYS` days."""

    kind = models.CharField(_("sent by"), max_length=20)
    message_id = models.CharField(_("message id"), max_length=200)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")
        constraints = [
            models.UniqueConstraint(fields=["kind", "message_id"], name="webhook_message_unique")
        ]
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.message_id}"


class IntegrationKind(models.TextChoices):
    API = "api", _("REST API")
    DELIGHTED = "delighted", _("Delighted webhook")
    TYPEFORM = "typeform", _("Typeform webhook")
    FORMBRICKS = "formbricks", _("Formbricks webhook")


class Integration(models.Model):
    """Another system allowed to send answers: an API client or a survey tool's webhook.

    Only a hash of its key is stored; the key itself is shown once, on creation.
    Webhooks that sign their deliveries also keep the signing secret they share
    with the tool (it is needed in clear to check each signature).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=IntegrationKind.choices)
    key_prefix = models.CharField(_("key prefix"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    signing_secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("The secret the survey tool signs its deliveries with."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    # DRF's IsAuthenticated asks the authenticated principal this.
    is_authenticated = True

    @property
    def reads_everything(self) -> bool:
        """REST API keys read every case (the access policy, `core.access`); survey-tool
        webhook keys live in third-party tools and read nothing."""
        return self.kind == IntegrationKind.API


class SuppressionReason(models.TextChoices):
    OPEN_CASE = "open_case", _("A case is open")
    MANUAL = "manual", _("Set by hand")
    # Reported by the email provider's delivery webhook: the address cannot or must not be
    # mailed again (README, "Bounces and complaints").
    BOUNCED = "bounced", _("The address bounced")
    COMPLAINED = "complained", _("Marked a survey as spam")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed at the email provider")


class Suppression(models.Model):
    """No survey may go to a contact, or to anyone at an account, while this is active.

    A playbook's suppress step creates one for the time its case is open and lifts
    it when the case closes; people may set one by hand, with or without an end.
    """

    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suppressions",
        verbose_name=_("contact"),
    )
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suppressions",
        verbose_name=_("account"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(
        _("ends at"), null=True, blank=True, help_text=_("Empty: until it is lifted.")
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("survey suppression")
        verbose_name_plural = _("survey suppressions")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(contact__isnull=False, account__isnull=True)
                    | Q(contact__isnull=True, account__isnull=False)
                ),
                name="suppression_contact_xor_account",
            ),
        ]
        indexes = [
            models.Index(
                fields=["contact"], condition=Q(lifted_at__isnull=True), name="supp_live_contact"
            ),
            models.Index(
                fields=["account"], condition=Q(lifted_at__isnull=True), name="supp_live_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.contact or self.account}"

    def is_active_at(self, moment) -> bool:
        return (
            self.lifted_at is None
            and self.starts_at <= moment
            and (self.ends_at is None or moment < self.ends_at)
        )


class InvitationPurpose(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign")
    FOLLOW_UP = "follow_up", _("Follow-up of a case")


class InvitationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    # The email provider reported a soft bounce (a full mailbox, a server down): the email
    # goes again later, `RESEND_DELAYS` in `surveys.services.deliveries`.
    DEFERRED = "deferred", _("Soft bounce: sent again later")
    ANSWERED = "answered", pgettext_lazy("invitation status", "Answered")
    EXCLUDED = "excluded", _("Excluded")
    BOUNCED = "bounced", _("Bounced")
    FAILED = "failed", _("Could not be sent")
    OPTED_OUT = "opted_out", _("Opted out")


class Exclusion(models.TextChoices):
    """Why an invitation was not sent."""

    OPTED_OUT = "opted_out", _("Opted out of surveys")
    SUPPRESSED = "suppressed", _("Surveys suppressed")
    THROTTLED = "throttled", _("Surveyed recently")
    QUOTA = "quota", _("Account quota reached")
    NO_ACCOUNT = "no_account", _("No longer at an account")
    CANCELLED = "cancelled", _("Campaign cancelled")


def new_invitation_token() -> str:
    """32 URL-safe characters from 192 random bits: an invitation's link."""
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """One survey email to one contact, and what became of it.

    The token in its links is the only key to the public answer page: long,
    random and unique, it cannot be guessed or enumerated.
    """

    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("campaign"),
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=10,
        choices=InvitationPurpose.choices,
        default=InvitationPurpose.CAMPAIGN,
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("contact")
    )
    # The contact's account when the invitation was sent (quotas count per account).
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
        verbose_name=_("account"),
    )
    token = models.CharField(
        _("token"), max_length=64, unique=True, editable=False, default=new_invitation_token
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.SCHEDULED,
    )
    exclusion = models.CharField(
        _("excluded because"), max_length=12, choices=Exclusion.choices, blank=True
    )
    exclusion_note = models.CharField(_("detail"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    scheduled_for = models.DateTimeField(_("scheduled for"))
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("sending attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    excluded_at = models.DateTimeField(_("excluded at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    response = models.OneToOneField(
        Response,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
        verbose_name=_("answer"),
    )
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True)
    # The Message-ID of the email last sent, or the email provider's id of it when its API
    # sent it: how its delivery events find it again.
    message_id = models.CharField(_("message id"), max_length=200, blank=True, editable=False)
    soft_bounces = models.PositiveSmallIntegerField(_("soft bounces"), default=0)
    resend_at = models.DateTimeField(_("to be sent again at"), null=True, blank=True)
    complained_at = models.DateTimeField(_("marked as spam at"), null=True, blank=True)
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_for", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "contact"],
                condition=Q(campaign__isnull=False),
                name="invitation_once_per_campaign",
            ),
            models.CheckConstraint(
                condition=Q(purpose="follow_up") | Q(campaign__isnull=False),
                name="invitation_campaign_unless_follow_up",
            ),
        ]
        indexes = [
            models.Index(
                fields=["scheduled_for"],
                condition=Q(status="scheduled"),
                name="invitation_due",
            ),
            models.Index(fields=["contact", "-sent_at"], name="invitation_contact_sent"),
            models.Index(fields=["account", "-sent_at"], name="invitation_account_sent"),
            models.Index(fields=["campaign", "status"], name="invitation_campaign_status"),
            models.Index(fields=["sent_at"], name="invitation_sent_at"),
            models.Index(
                fields=["message_id"], condition=~Q(message_id=""), name="invitation_message_id"
            ),
            models.Index(
                fields=["resend_at"], condition=Q(status="deferred"), name="invitation_resend_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} · {self.get_status_display()}"

    @property
    def is_answered(self) -> bool:
        return self.response_id is not None

    @property
    def is_retrying(self) -> bool:
        """Soft-bounced, to be sent again."""
        return self.status == InvitationStatus.DEFERRED

    @property
    def is_waiting(self) -> bool:
        """Still to go out (scheduled, or being sent)."""
        return self.status in (InvitationStatus.SCHEDULED, InvitationStatus.SENDING)

    def question_in(self, language: str) -> str:
        """The campaign's question; a follow-up without a campaign asks the standard one."""
        if self.campaign is not None:
            return self.campaign.question_in(language)
        return STANDARD_QUESTION_FR if language == "fr" else STANDARD_QUESTION_EN

    def is_expired(self, at=None) -> bool:
        at = at or timezone.now()
        return self.expires_at is not None and at >= self.expires_at


class DeliveryKind(models.TextChoices):
    """What an email provider said became of an email (anymail's event types, kept in ours)."""

    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Hard bounce")
    SOFT_BOUNCED = "soft_bounced", _("Soft bounce")
    REJECTED = "rejected", _("Refused by the email provider")
    FAILED = "failed", _("Not sent by the email provider")
    COMPLAINED = "complained", _("Marked as spam")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed at the email provider")


class DeliveryEvent(models.Model):
    """One delivery event an email provider reported through its webhook, kept once: a
    replayed delivery of the same event (same provider, event id and recipient) is ignored."""

    provider = models.CharField(_("email provider"), max_length=30)
    # The provider's event id; for events without one, a digest of the event as sent.
    event_id = models.CharField(_("event id"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=DeliveryKind.choices)
    invitation = models.ForeignKey(
        Invitation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delivery_events",
        verbose_name=_("invitation"),
    )
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    message_id = models.CharField(_("message id"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        constraints = [
            # Amazon SES reports the recipients of one email under one event id.
            models.UniqueConstraint(
                fields=["provider", "event_id", "recipient"], name="delivery_event_once"
            ),
        ]
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.kind}"
