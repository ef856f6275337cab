from rest_framework import serializers

from accounts.models import Persona, Segment
from surveys.models import Response


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


class ResponseOutSerializer(serializers.ModelSerializer):
    """An answer as stored, with whether it could be matched to an account."""

    matched = serializers.BooleanField(source="is_matched")
    email = serializers.EmailField(source="contact.email")
    account_external_id = serializers.CharField(
        source="account.external_id", default=None, allow_null=True
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
            "language",
            "matched",
            "account_external_id",
        ]
        read_only_fields = fields


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
