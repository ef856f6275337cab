"""What the CRM-sync API reads and answers: accounts and contacts, one or in bulk."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Account, Contact, Influence, Persona, Segment
from surveys.serializers import (
    TEXT,
    TEXT_MESSAGE,
    TEXT_WITH_A_CHARACTER,
    BatchResultSerializer,
    ItemResultSerializer,
    PatternField,
    PeriodDayField,
    QuerySerializer,
    batch_of,
)

DOMAIN = (
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}"
)
LANGUAGE = r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*"
MAX_ARR = Decimal("999999999999.99")


@extend_schema_field({"type": "number", "minimum": 0, "maximum": float(MAX_ARR)})
class AmountField(serializers.Field):
    """A JSON number of 0 or more, rounded to the cent; not text, not true or false."""

    default_error_messages = {
        "invalid": _lazy("Give a number, such as 125000 or 99.5 (not text)."),
        "range": _lazy("Give a number from 0 to 999 999 999 999.99."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        amount = Decimal(str(data)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        if not Decimal(0) <= amount <= MAX_ARR:
            self.fail("range")
        return amount

    def to_representation(self, value):
        return float(value)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: not "yes", not 1."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def _text(max_length: int, **kwargs) -> PatternField:
    return PatternField(
        pattern=TEXT, message=TEXT_MESSAGE, max_length=max_length, required=False, **kwargs
    )


class AccountInSerializer(serializers.Serializer):
    """An account as the CRM sends it; a field left out is left alone, one sent empty or
    null is cleared."""

    external_id = PatternField(
        pattern=TEXT_WITH_A_CHARACTER,
        message=TEXT_MESSAGE,
        max_length=100,
        help_text="The account's id in the CRM: the key of the upsert.",
    )
    name = PatternField(pattern=TEXT_WITH_A_CHARACTER, message=TEXT_MESSAGE, max_length=200)
    domains = serializers.ListField(
        child=PatternField(
            pattern=DOMAIN,
            message=_lazy("'{input}' is not an email domain such as acme.com."),
            max_length=253,
        ),
        required=False,
        max_length=100,
        help_text="Its people's email domains; the list replaces the stored one.",
    )
    segment = serializers.ChoiceField(choices=Segment.choices, required=False, allow_blank=True)
    tier = _text(50, allow_blank=True)
    arr = AmountField(required=False, help_text="Annual recurring revenue, rounded to the cent.")
    currency = PatternField(
        pattern=r"[A-Za-z]{3}",
        message=_lazy("'{input}' is not a currency code such as EUR or USD."),
        required=False,
        max_length=3,
    )
    renewal_date = PeriodDayField(
        required=False,
        allow_null=True,
        help_text="From 1990-01-01 to 2099-12-31, as a report's days; null for none.",
    )
    csm_email = serializers.EmailField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=254,
        help_text="The email of the user who is its CSM; empty or null: no CSM.",
    )


class AccountPatchSerializer(AccountInSerializer):
    """Some fields of an account; its CRM id is the one in the address."""

    external_id = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class AccountOutSerializer(serializers.ModelSerializer):
    """An account as stored."""

    # Declared: a generated read-only field would leave "" (no segment) out of the enum.
    segment = serializers.ChoiceField(choices=Segment.choices, allow_blank=True, read_only=True)
    domains = serializers.SerializerMethodField()
    arr = AmountField()
    csm_email = serializers.EmailField(source="csm.email", default=None, allow_null=True)

    class Meta:
        model = Account
        fields = [
            "external_id",
            "name",
            "domains",
            "segment",
            "tier",
            "arr",
            "currency",
            "renewal_date",
            "csm_email",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_domains(self, account: Account) -> list[str]:
        return account.domain_list


class ContactInSerializer(serializers.Serializer):
    """A contact as the CRM sends it; a field left out is left alone, one sent empty or
    null is cleared (opt-outs are never taken back)."""

    external_id = PatternField(
        pattern=TEXT_WITH_A_CHARACTER,
        message=TEXT_MESSAGE,
        max_length=100,
        help_text=(
            "The contact's id in the CRM: the key of the upsert. A contact NPS Loop knows "
            "by email only (from an answer) takes it."
        ),
    )
    email = serializers.EmailField(max_length=254)
    name = _text(200, allow_blank=True)
    account_external_id = _text(
        100,
        allow_blank=True,
        allow_null=True,
        help_text="The CRM id of their account, which must exist; empty or null: none.",
    )
    title = _text(200, allow_blank=True)
    persona = serializers.ChoiceField(choices=Persona.choices, required=False)
    influence = serializers.ChoiceField(choices=Influence.choices, required=False)
    phone = _text(50, allow_blank=True)
    language = PatternField(
        pattern=LANGUAGE,
        message=_lazy("'{input}' is not a language code such as 'en', 'fr' or 'fr-CA'."),
        required=False,
        allow_blank=True,
        max_length=16,
        help_text="`en`, `fr`… (`fr-CA` is stored as `fr`).",
    )
    opted_out = StrictBooleanField(
        required=False,
        help_text="true opts them out of surveys; false never opts anyone back in.",
    )


class ContactPatchSerializer(ContactInSerializer):
    """Some fields of a contact; its CRM id is the one in the address."""

    external_id = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ContactOutSerializer(serializers.ModelSerializer):
    """A contact as stored."""

    account_external_id = serializers.CharField(
        source="account.external_id", default=None, allow_null=True
    )

    class Meta:
        model = Contact
        fields = [
            "external_id",
            "email",
            "name",
            "account_external_id",
            "title",
            "persona",
            "influence",
            "phone",
            "language",
            "opted_out",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "external_id": {"help_text": "Empty for a contact known only from an answer."}
        }


class AccountBatchSerializer(serializers.Serializer):
    accounts = batch_of("accounts", "`AccountIn`")


class ContactBatchSerializer(serializers.Serializer):
    contacts = batch_of("contacts", "`ContactIn`")


class AccountResultSerializer(ItemResultSerializer):
    account = AccountOutSerializer(required=False, help_text="The account as now stored.")


class ContactResultSerializer(ItemResultSerializer):
    contact = ContactOutSerializer(required=False, help_text="The contact as now stored.")


class AccountBatchResultSerializer(BatchResultSerializer):
    results = AccountResultSerializer(many=True)


class ContactBatchResultSerializer(BatchResultSerializer):
    results = ContactResultSerializer(many=True)


class _ListQuerySerializer(QuerySerializer):
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only those changed at or after this moment (ISO 8601)."
    )
    q = _text(200, help_text="Search: part of the name (or CRM id, or email), any case.")


class AccountQuerySerializer(_ListQuerySerializer):
    external_id = _text(100, help_text="Only the account with this CRM id.")
    segment = serializers.ChoiceField(choices=Segment.choices, required=False)


class ContactQuerySerializer(_ListQuerySerializer):
    external_id = _text(100, help_text="Only the contact with this CRM id.")
    email = serializers.EmailField(required=False, max_length=254)
    account_external_id = _text(100, help_text="Only the contacts of this account.")
