import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Persona, Segment
from core.periods import FROM_FIRST_YEAR_PATTERN, PERIOD_DAY_PATTERN, period_day_validators
from surveys.models import Response, Source, Suppression

SUPPRESSION_SCOPES = [("contact", "One contact"), ("account", "Everyone at the account")]


class PatternField(serializers.CharField):
    """A string that must match `pattern` whole, untrimmed; the schema states the pattern."""

    def __init__(self, *, pattern: str, message: str, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.pattern = re.compile(pattern)
        self.pattern_message = message
        # Not empty: the schema of a field that allows blank adds the empty string itself.
        schema = {"type": "string", "minLength": 1, "pattern": f"^(?:{pattern})$"}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        extend_schema_field(schema)(self)

    def to_internal_value(self, data):
        if not isinstance(data, str):  # the schema says string: 12 is not "12"
            self.fail("invalid")
        value = super().to_internal_value(data)
        if value and not self.pattern.fullmatch(value):
            raise serializers.ValidationError(str(self.pattern_message).format(input=value))
        return value


class PeriodDayField(serializers.DateField):
    """A day, YYYY-MM-DD, among those a period may cover (`core.periods`): a period's
    first or last day, or a day that periods count, such as an account's renewal. The
    schema states those years."""

    def __init__(self, **kwargs):
        super().__init__(validators=period_day_validators(), **kwargs)
        schema = {"type": "string", "format": "date", "pattern": PERIOD_DAY_PATTERN}
        extend_schema_field(schema)(self)


class AnswerMomentField(serializers.DateTimeField):
    """When an answer was given, ISO 8601, from `core.periods.FIRST_DAY` on: an earlier
    date counts in no report's period (`clean_answer` refuses it). The schema states the
    years, as OpenAPI cannot bound a date-time."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        schema = {"type": "string", "format": "date-time", "pattern": FROM_FIRST_YEAR_PATTERN}
        extend_schema_field(schema)(self)


class WholeNumberField(serializers.IntegerField):
    """A JSON whole number, as the schema's integer says: not text, not true or false."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        if isinstance(data, float) and not data.is_integer():
            self.fail("invalid")
        return super().to_internal_value(data)


# Text without NUL characters, which PostgreSQL cannot store; and such text that is not
# only spaces, for ids.
TEXT = r"[^\x00]*"
TEXT_WITH_A_CHARACTER = r"[^\x00]*[^\x00\s][^\x00]*"
TEXT_MESSAGE = _lazy("Text without NUL characters (and, for ids, not only spaces).")


class QuerySerializer(serializers.Serializer):
    """An endpoint's query parameters, each given at most once: a repeated one is refused
    rather than silently reduced to its last value."""

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            repeated = {
                name: [_("Give '%(name)s' once.") % {"name": name}]
                for name in self.fields
                if len(data.getlist(name)) > 1
            }
            if repeated:
                raise serializers.ValidationError(repeated)
            # DRF takes an empty optional parameter for an absent one; only those that
            # say an empty value is allowed accept it (a required one says it is blank).
            empty = {
                name: [_("Give a value, or leave '%(name)s' out.") % {"name": name}]
                for name, field in self.fields.items()
                if data.get(name) == ""
                and not field.required
                and not getattr(field, "allow_blank", False)
                and not field.allow_null
            }
            if empty:
                raise serializers.ValidationError(empty)
        return super().to_internal_value(data)


class ResponseInSerializer(serializers.Serializer):
    """An answer posted to `POST /api/v1/responses`."""

    external_id = PatternField(
        pattern=TEXT_WITH_A_CHARACTER,
        message=TEXT_MESSAGE,
        max_length=200,
        help_text="The answer's id in your system; not only spaces.",
    )
    email = serializers.EmailField(max_length=254)
    score = WholeNumberField(min_value=0, max_value=10)
    comment = PatternField(
        pattern=TEXT, message=TEXT_MESSAGE, required=False, allow_blank=True, max_length=10_000
    )
    answered_at = AnswerMomentField(
        required=False,
        help_text=(
            "ISO 8601, from 1990-01-01 on; defaults to the time of receipt. A time in the "
            "future (a sender's clock ahead) is taken as the time of receipt."
        ),
    )
    account_external_id = PatternField(
        pattern=TEXT, message=TEXT_MESSAGE, required=False, allow_blank=True, max_length=100
    )
    contact_name = PatternField(
        pattern=TEXT, message=TEXT_MESSAGE, required=False, allow_blank=True, max_length=200
    )
    language = PatternField(
        pattern=r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*",
        message=_lazy("'{input}' is not a language code such as 'en', 'fr' or 'fr-CA'."),
        required=False,
        allow_blank=True,
        max_length=16,
        help_text="The language the person answered in: `en`, `fr`, `fr-CA`…",
    )

    updated_at = serializers.DateTimeField(
        required=False,
        help_text=(
            "ISO 8601: when your system last changed this answer; defaults to the time of "
            "receipt (as does a time in the future). A delivery older than the stored "
            "answer's `updated_at` is stale and changes nothing."
        ),
    )

    def validate_updated_at(self, value: dt.datetime) -> dt.datetime:
        # As `answered_at`: a sender's clock ahead is read as the time of receipt.
        return min(value, timezone.now())

    def validate_answered_at(self, value: dt.datetime) -> dt.datetime:
        # No schema can say "not in the future": rather than refuse an answer the schema
        # allows, the API dates it when it arrived, as it does one sent without a date.
        return min(value, timezone.now())


class ResponseOutSerializer(serializers.Serializer):
    """An answer as stored, with whether it could be matched to an account.

    Its fields are declared one by one, not read from the model: the API builds one for
    every answer it returns, and a ModelSerializer would inspect the model each time."""

    id = serializers.IntegerField(read_only=True)
    source = serializers.ChoiceField(choices=Source.choices, read_only=True)
    external_id = serializers.CharField(read_only=True)
    email = serializers.EmailField(source="contact.email")
    score = serializers.IntegerField(read_only=True)
    category = serializers.CharField(read_only=True)
    comment = serializers.CharField(read_only=True)
    answered_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(
        source="source_updated_at",
        allow_null=True,
        help_text="When the sending system last changed the answer (else when it arrived).",
    )
    language = serializers.CharField(read_only=True)
    matched = serializers.BooleanField(source="is_matched")
    account_external_id = serializers.CharField(
        source="account.external_id", default=None, allow_null=True
    )


class RecordedResponseSerializer(ResponseOutSerializer):
    """The answer as stored after a delivery, and whether the delivery was stale."""

    stale = serializers.SerializerMethodField(
        help_text=("True when the delivery was older than the stored answer and changed nothing.")
    )

    def get_stale(self, response: Response) -> bool:
        return bool(self.context.get("stale"))


class NpsQuerySerializer(QuerySerializer):
    """Filters of `GET /api/v1/nps`; an empty segment, tier or persona is the same as none."""

    to = PeriodDayField(
        required=False,
        help_text="Last day included (YYYY-MM-DD). Before `from`, the period holds no day.",
    )
    segment = serializers.ChoiceField(choices=Segment.choices, required=False, allow_blank=True)
    tier = PatternField(
        pattern=TEXT, message=TEXT_MESSAGE, required=False, allow_blank=True, max_length=50
    )
    persona = serializers.ChoiceField(choices=Persona.choices, required=False, allow_blank=True)

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword, so it cannot be declared as an attribute.
        fields["from"] = PeriodDayField(
            required=False, help_text="First day included (YYYY-MM-DD)."
        )
        return fields


class NpsOutSerializer(serializers.Serializer):
    nps = serializers.FloatField(allow_null=True, help_text="Null when there are no answers.")
    responses = serializers.IntegerField()
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    margin_of_error = serializers.FloatField(allow_null=True)
    ci95 = serializers.ListField(child=serializers.FloatField(), allow_null=True)


class ApiErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and machine-readable: `invalid`, `not_found`…")
    message = serializers.CharField(help_text="What is wrong and how to fix it, for a person.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For `invalid`: the messages per field or query parameter.",
    )


class ApiErrorSerializer(serializers.Serializer):
    """The one shape of every error the API answers."""

    error = ApiErrorBodySerializer()


class SuppressionCheckQuerySerializer(QuerySerializer):
    """The query of `GET /api/v1/suppressions/check`."""

    email = serializers.EmailField(
        max_length=254,
        help_text="The address you are about to survey.",
        error_messages={
            "required": "Give the address to check: ?email=person@example.com.",
            "blank": "Give the address to check: ?email=person@example.com.",
            "invalid": "This is not an email address; give one like person@example.com.",
        },
    )


class SuppressionSerializer(serializers.ModelSerializer):
    """A suppression in force: no survey goes to its contact, or to anyone at its account."""

    scope = serializers.SerializerMethodField(
        help_text="`contact`: one person; `account`: everyone at the account."
    )
    contact_email = serializers.EmailField(
        read_only=True,
        source="contact.email",
        default=None,
        allow_null=True,
        help_text="Set for `contact` scope.",
    )
    account_external_id = serializers.CharField(
        read_only=True,
        source="account.external_id",
        default=None,
        allow_null=True,
        help_text="The account's CRM id; set for `account` scope.",
    )
    account_name = serializers.CharField(
        read_only=True, source="account.name", default=None, allow_null=True
    )

    class Meta:
        model = Suppression
        fields = [
            "id",
            "scope",
            "contact_email",
            "account_external_id",
            "account_name",
            "reason",
            "note",
            "starts_at",
            "ends_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"ends_at": {"help_text": "Null: until it is lifted."}}

    @extend_schema_field(serializers.ChoiceField(choices=SUPPRESSION_SCOPES))
    def get_scope(self, suppression: Suppression) -> str:
        return "contact" if suppression.contact_id else "account"


class SurveyClearanceSerializer(serializers.Serializer):
    """Whether an address may be surveyed now, and every reason it may not."""

    email = serializers.EmailField(help_text="The address checked, trimmed and lower-cased.")
    allowed = serializers.BooleanField(help_text="False when the person must not be surveyed.")
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why not, in plain words (opt-out, suppressions); empty when allowed.",
    )
    reason = serializers.CharField(
        allow_null=True,
        help_text=(
            "The first reason as a code: `erased` (erased at their request: never survey "
            "them), `opted_out` or `suppressed`; null when allowed."
        ),
    )
    reason_codes = serializers.ListField(
        child=serializers.ChoiceField(choices=["erased", "opted_out", "suppressed"]),
        help_text="Every reason as a code, in the order of `reasons`' kinds.",
    )
    suppressions = SuppressionSerializer(many=True)


MAX_BATCH = 1000


def batch_of(noun: str, item: str) -> serializers.ListField:
    """The list of a bulk request: 1 to MAX_BATCH JSON objects, each checked on its own
    later (one bad item must not refuse the others)."""
    return serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=MAX_BATCH,
        help_text=(
            f"1 to {MAX_BATCH} {noun}, each a JSON object like the body of `POST` for one "
            f"({item}). Each is checked and written on its own."
        ),
        error_messages={
            "max_length": _lazy("Send at most {max_length} items in one request; split the batch."),
            "min_length": _lazy("Send at least one item."),
        },
    )


@extend_schema_field({"type": "integer", "minimum": 200, "maximum": 409})
class ItemStatusField(serializers.IntegerField):
    """The HTTP status one item of a bulk request would have had alone."""


class ItemResultSerializer(serializers.Serializer):
    """What became of one item of a bulk request."""

    index = serializers.IntegerField(help_text="The item's place in the request, from 0.")
    status = ItemStatusField(
        help_text=(
            "As for the item sent alone: 201 created, 200 updated or unchanged, 400 refused "
            "(`error` says why), 409 erased at their request or changed meanwhile."
        ),
    )
    error = ApiErrorBodySerializer(required=False, help_text="Why the item was refused.")


class BatchResultSerializer(serializers.Serializer):
    """The counts of a bulk request; `failed` counts the items answered 400 or 409."""

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()


class ResponseBatchSerializer(serializers.Serializer):
    """The body of `POST /api/v1/responses/bulk`."""

    responses = batch_of("answers", "`ResponseIn`")


class ResponseResultSerializer(ItemResultSerializer):
    response = RecordedResponseSerializer(required=False, help_text="The answer as now stored.")


class ResponseBatchResultSerializer(BatchResultSerializer):
    results = ResponseResultSerializer(many=True)
