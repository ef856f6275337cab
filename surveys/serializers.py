from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Persona, Segment
from surveys.models import Response, Suppression

SUPPRESSION_SCOPES = [("contact", "One contact"), ("account", "Everyone at the account")]


class ResponseInSerializer(serializers.Serializer):
    """An answer posted to `POST /api/v1/responses`."""

    external_id = serializers.CharField(max_length=200, help_text="The answer's id in your system.")
    email = serializers.EmailField(max_length=254)
    score = serializers.IntegerField(min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    answered_at = serializers.DateTimeField(
        required=False, help_text="ISO 8601; defaults to the time of receipt."
    )
    account_external_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    language = serializers.CharField(required=False, allow_blank=True, max_length=16)
    updated_at = serializers.DateTimeField(
        required=False,
        help_text=(
            "ISO 8601: when your system last changed this answer; defaults to the time of "
            "receipt. A delivery older than the stored answer's `updated_at` is stale and "
            "changes nothing."
        ),
    )


class ResponseOutSerializer(serializers.ModelSerializer):
    """An answer as stored, with whether it could be matched to an account."""

    matched = serializers.BooleanField(source="is_matched")
    email = serializers.EmailField(source="contact.email")
    account_external_id = serializers.CharField(
        source="account.external_id", default=None, allow_null=True
    )
    updated_at = serializers.DateTimeField(
        source="source_updated_at",
        allow_null=True,
        help_text="When the sending system last changed the answer (else when it arrived).",
    )

    class Meta:
        model = Response
        fields = [
            "id",
            "source",
            "external_id",
            "email",
            "score",
            "category",
            "comment",
            "answered_at",
            "updated_at",
            "language",
            "matched",
            "account_external_id",
        ]
        read_only_fields = fields


class RecordedResponseSerializer(ResponseOutSerializer):
    """The answer as stored after a delivery, and whether the delivery was stale."""

    stale = serializers.SerializerMethodField(
        help_text=("True when the delivery was older than the stored answer and changed nothing.")
    )

    class Meta(ResponseOutSerializer.Meta):
        fields = [*ResponseOutSerializer.Meta.fields, "stale"]
        read_only_fields = fields

    def get_stale(self, response: Response) -> bool:
        return bool(self.context.get("stale"))


class NpsQuerySerializer(serializers.Serializer):
    """Filters of `GET /api/v1/nps`."""

    to = serializers.DateField(required=False, help_text="Last day included (YYYY-MM-DD).")
    segment = serializers.ChoiceField(choices=Segment.choices, required=False)
    tier = serializers.CharField(required=False, max_length=50)
    persona = serializers.ChoiceField(choices=Persona.choices, required=False)

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword, so it cannot be declared as an attribute.
        fields["from"] = serializers.DateField(
            required=False, help_text="First day included (YYYY-MM-DD)."
        )
        return fields

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": "'to' must not be before 'from'."})
        return attrs


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


class SuppressionCheckQuerySerializer(serializers.Serializer):
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
