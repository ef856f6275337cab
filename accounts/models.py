from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from core.periods import period_day_validators, period_moment_validators


class Segment(models.TextChoices):
    SMB = "smb", _("SMB")
    MID_MARKET = "mid_market", _("Mid-market")
    ENTERPRISE = "enterprise", _("Enterprise")


class Persona(models.TextChoices):
    CHAMPION = "champion", _("Champion")
    EXEC_SPONSOR = "exec_sponsor", _("Exec sponsor")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    USER = "user", _("User")
    ADMIN = "admin", _("Admin")
    OTHER = "other", _("Other")


class Influence(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class InteractionKind(models.TextChoices):
    SALES = "sales", _("Sales")
    SUPPORT_TICKET = "support_ticket", _("Support ticket")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("Email")
    QBR = "qbr", _("QBR")
    OTHER = "other", _("Other")


class Account(models.Model):
    """A customer company, as known in the CRM."""

    name = models.CharField(_("name"), max_length=200)
    external_id = models.CharField(_("CRM id"), max_length=100, unique=True)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    tier = models.CharField(_("tier"), max_length=50, blank=True)
    arr = models.DecimalField(_("ARR"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # A day the reports can count: 0001-01-01 or 9999-12-31 is a CRM's empty date.
    renewal_date = models.DateField(
        _("renewal date"), null=True, blank=True, validators=period_day_validators()
    )
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("CSM"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["segment"]),
            models.Index(fields=["tier"]),
            models.Index(fields=["renewal_date"]),
            # Searches for a part of a name (`name__icontains`, the queue's and lists'
            # search boxes) read trigrams rather than every account.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="account_name_trigrams"),
            # The same boxes find an account by its CRM id in any case (`__iexact`).
            models.Index(Upper("external_id"), name="account_external_id_any_case"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(arr__gte=0), name="account_arr_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def domain_list(self) -> list[str]:
        return [d.domain for d in self.domains.all()]


class AccountDomain(models.Model):
    """An email domain used by an account's people; answers are matched on it.

    A domain may belong to several accounts (subsidiaries sharing a mail
    domain); such a domain matches no account on its own.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domain"), max_length=253, db_index=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["account", "domain"], name="account_domain_unique"),
        ]

    def __str__(self) -> str:
        return self.domain


class ContactQuerySet(models.QuerySet):
    def not_erased(self) -> ContactQuerySet:
        """People NPS Loop still knows: erased contacts are tombstones."""
        return self.filter(erased_at__isnull=True)


class Contact(models.Model):
    """A person at a customer. `account` is empty while the person is unmatched."""

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), max_length=254)
    title = models.CharField(_("title"), max_length=200, blank=True)
    persona = models.CharField(
        _("persona"), max_length=20, choices=Persona.choices, default=Persona.OTHER
    )
    influence = models.CharField(
        _("influence"), max_length=10, choices=Influence.choices, default=Influence.MEDIUM
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    external_id = models.CharField(_("CRM id"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    opted_out = models.BooleanField(_("opted out"), default=False)
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)
    # Set when the person was erased at their request (GDPR Art. 17): the row is then a
    # tombstone that keeps their answers' scores and dates counted, and nothing of them.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "email"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="contact_email_unique_ci"),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="contact_external_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["persona"]),
            # Searches for a part of a name or address, as for accounts.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="contact_name_trigrams"),
            GinIndex(OpClass(Upper("email"), name="gin_trgm_ops"), name="contact_email_trigrams"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """An address whose person was erased at their request is never stored again."""
        if self.erased_at is None and self.email and ErasedAddress.objects.holds(self.email):
            raise ValidationError(
                {
                    "email": _(
                        "The person with this address was erased at their request (GDPR): "
                        "NPS Loop may not store them again."
                    )
                }
            )

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


ERASED_EMAIL_DOMAIN = "erased.invalid"


def tombstone_email(contact_id: int) -> str:
    """The address an erased contact keeps: unique, and never anyone's (`.invalid`)."""
    return f"erased-{contact_id}@{ERASED_EMAIL_DOMAIN}"


def address_hash(email: str) -> str:
    """The keyed hash (HMAC-SHA256) an erased address is remembered by, never the address.

    Keyed with NPS_ERASURE_SALT (SECRET_KEY when unset), so that a copy of the table
    alone cannot be checked against a list of addresses.
    """
    normalised = email.strip().lower()
    key = settings.NPS_ERASURE_SALT or settings.SECRET_KEY
    return hmac.new(key.encode(), normalised.encode(), hashlib.sha256).hexdigest()


class ErasedAddressQuerySet(models.QuerySet):
    def holds(self, email: str) -> bool:
        """Whether this address belongs to someone erased at their request."""
        return self.filter(address_hash=address_hash(email)).exists()

    def among(self, emails: Iterable[str]) -> set[str]:
        """Those of `emails` (lower case) that belong to people erased at their request."""
        by_hash = {address_hash(email): email.strip().lower() for email in emails if email}
        found = self.filter(address_hash__any_of=list(by_hash)).values_list(
            "address_hash", flat=True
        )
        return {by_hash[digest] for digest in found}


class ErasedAddress(models.Model):
    """An address whose person was erased at their request: they are never surveyed, nor
    stored, again. Only a keyed hash of the address is kept (`address_hash`)."""

    address_hash = models.CharField(max_length=64, unique=True, editable=False)
    erased_at = models.DateTimeField(_("erased at"))

    objects = ErasedAddressQuerySet.as_manager()

    class Meta:
        verbose_name = _("erased address")
        verbose_name_plural = _("erased addresses")

    def __str__(self) -> str:
        return f"{self.address_hash[:12]}… ({self.erased_at:%Y-%m-%d})"


class Interaction(models.Model):
    """Something that happened with the account: the history the 360° view shows."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("account")
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        verbose_name=_("contact"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InteractionKind.choices)
    summary = models.TextField(_("summary"))
    # A moment the reports can count: 0001-01-01 is a CRM's empty date, not a meeting.
    occurred_at = models.DateTimeField(_("when"), validators=period_moment_validators())
    source = models.CharField(_("source"), max_length=50, default="manual")
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="interaction_source_external_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["account", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d}"
