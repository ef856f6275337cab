"""The shapes of cases in the REST API, and the filters of the case list."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Account, Contact, Segment
from playbooks.models import (
    ActionItem,
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    CaseStep,
    Escalation,
    EscalationRule,
    RootCause,
)
from playbooks.risk import PART_LABELS
from surveys.models import Category
from surveys.serializers import (
    TEXT,
    TEXT_MESSAGE,
    PatternField,
    PeriodDayField,
    QuerySerializer,
)

OPEN_STATUSES = "open"
NO_OWNER = "none"


class CaseQuerySerializer(QuerySerializer):
    """Filters of `GET /api/v1/cases`; an empty parameter is the same as none."""

    status = serializers.ChoiceField(
        choices=[(OPEN_STATUSES, "Every open status"), *CaseStatus.choices],
        required=False,
        allow_blank=True,
        help_text="A case status, or `open` for every status but `closed`.",
        error_messages={
            "invalid_choice": (
                "'{input}' is not a case status: use open, " + ", ".join(CaseStatus.values) + "."
            )
        },
    )
    owner = PatternField(
        pattern=r"none|[0-9]{1,20}",
        message="Give a user id (a whole number), or 'none' for the cases the managers own.",
        required=False,
        allow_blank=True,
        help_text="A user id, or `none` for the cases the manager group owns.",
    )
    escalated = serializers.ChoiceField(
        choices=[("true", "Escalated"), ("false", "Not escalated")],
        required=False,
        allow_blank=True,
        help_text="`true`: cases with an unresolved escalation; `false`: the others.",
        error_messages={"invalid_choice": "Use true or false."},
    )
    category = serializers.ChoiceField(
        choices=Category.choices,
        required=False,
        allow_blank=True,
        error_messages={
            "invalid_choice": "'{input}' is not a category: use " + ", ".join(Category.values) + "."
        },
    )
    account = PatternField(
        pattern=TEXT,
        message=TEXT_MESSAGE,
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The account's external (CRM) id.",
    )

    response = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text=(
            "An answer's id (the `id` `POST /api/v1/responses` answered): the case it opened "
            "or joined."
        ),
        error_messages={
            "invalid": "Give an answer's id, a whole number.",
            "min_value": "Give an answer's id, a whole number from 1.",
            "max_value": "No answer has so large an id.",
        },
    )

    root_cause = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text=(
            "A root cause's id (as `GET /api/v1/recurring-issues` gives it): the cases closed "
            "with it, or with one of its sub-causes."
        ),
        error_messages={
            "invalid": "Give a root cause's id, a whole number.",
            "min_value": "Give a root cause's id, a whole number from 1.",
            "max_value": "No root cause has so large an id.",
        },
    )

    def validate_escalated(self, value: str) -> bool | None:
        return {"true": True, "false": False}.get(value)


# Steps and action items have a `status` too: a named schema keeps the case's apart.
@extend_schema_field({"type": "string", "enum": CaseStatus.values}, component_name="CaseStatusEnum")
class CaseStatusField(serializers.ChoiceField):
    """A case's status."""


class StaffMemberSerializer(serializers.Serializer):
    """A person of the Customer Success team."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


# Choice fields that may be empty are declared: a generated read-only field would leave
# "" out of the schema's enum, and strict clients would reject the empty value.


class CaseAccountSerializer(serializers.ModelSerializer):
    segment = serializers.ChoiceField(choices=Segment.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Account
        fields = ["id", "external_id", "name", "arr", "currency", "segment"]
        read_only_fields = fields


class RootCauseParentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The cause's name in English.")
    name_fr = serializers.CharField(
        read_only=True, help_text="Its name in French; empty when it has none."
    )

    class Meta:
        model = RootCause
        fields = ["id", "name", "name_fr"]
        read_only_fields = fields


class RootCauseSerializer(RootCauseParentSerializer):
    """A root cause: a cause, or a sub-cause with its cause as `parent`."""

    parent = RootCauseParentSerializer(
        read_only=True, allow_null=True, help_text="The cause of a sub-cause; null for a cause."
    )

    class Meta(RootCauseParentSerializer.Meta):
        fields = ["id", "name", "name_fr", "parent"]
        read_only_fields = fields


class CaseContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "email", "persona"]
        read_only_fields = fields


class RiskPartSerializer(serializers.Serializer):
    """One part of a case's risk score: its points out of its weight."""

    name = serializers.ChoiceField(
        choices=[(name, str(label)) for name, label in PART_LABELS.items()],
        read_only=True,
        help_text=(
            "`arr` (ARR at stake), `renewal` (renewal proximity), `score` (the answer), "
            "`influence` (the contact's persona and influence), `escalation` (an unresolved "
            "escalation), `overdue` (late first contact, step or action)."
        ),
    )
    points = serializers.IntegerField(read_only=True, help_text="The points this part adds.")
    weight = serializers.IntegerField(
        read_only=True, help_text="The most this part can add (a business setting)."
    )


class CaseSerializer(serializers.ModelSerializer):
    """A case as the case list shows it: the answer, who answered, who owns the follow-up."""

    status = CaseStatusField(choices=CaseStatus.choices, read_only=True)
    response_id = serializers.IntegerField(
        read_only=True,
        help_text="The answer the case came from: the `id` that `POST /api/v1/responses` answers.",
    )
    score = serializers.IntegerField(
        read_only=True, source="response.score", help_text="The answer, 0–10."
    )
    comment = serializers.CharField(read_only=True, source="response.comment")
    answered_at = serializers.DateTimeField(read_only=True, source="response.answered_at")
    account = CaseAccountSerializer(
        read_only=True, allow_null=True, help_text="Null while the answer is matched to no account."
    )
    contact = CaseContactSerializer(read_only=True)
    owner = StaffMemberSerializer(
        read_only=True, allow_null=True, help_text="Null: the manager group owns the case."
    )
    playbook = serializers.CharField(
        read_only=True, source="playbook.name", help_text="The playbook's name."
    )
    outcome = serializers.ChoiceField(
        choices=CaseOutcome.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty until the case is closed.",
    )
    root_cause = RootCauseSerializer(
        read_only=True,
        allow_null=True,
        help_text=(
            "Why it happened, chosen when the case was closed. Null while it is open, and for "
            "cases closed before root causes existed or closed by NPS Loop itself."
        ),
    )
    escalated = serializers.BooleanField(
        read_only=True, help_text="The case has an unresolved escalation."
    )
    won_back = serializers.BooleanField(
        read_only=True, help_text="The follow-up survey's answer moved up a category."
    )
    response_ids = serializers.SerializerMethodField(
        help_text=(
            "Every answer the case follows up: `response_id` first, then the answers of the "
            "same account that joined it (a playbook that groups an account's answers), "
            "oldest first."
        )
    )
    plan_completed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the last item of the action plan was done."
    )
    follow_up_due_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=(
            "When the follow-up survey goes out: the plan done plus the follow-up step's delay. "
            "It goes out even if the case is closed meanwhile."
        ),
    )
    follow_up_requested_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the follow-up survey was sent."
    )
    follow_up_response_id = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=(
            "The contact's next answer within 120 days of the plan, from any channel: it "
            "decides `won_back`."
        ),
    )
    won_back_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the follow-up answer won the case back."
    )
    risk_score = serializers.IntegerField(
        read_only=True,
        source="risk.total",
        min_value=0,
        max_value=100,
        help_text=(
            "0–100, the sum of `risk_parts`: how much the case puts the account at risk now. "
            "The queue sorts by it."
        ),
    )
    risk_parts = RiskPartSerializer(
        read_only=True, many=True, source="risk.parts", help_text="The parts of `risk_score`."
    )
    replaces_id = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=(
            "The case this one replaces: the customer corrected their score and that case's "
            "playbook no longer fitted. Null for most cases."
        ),
    )
    superseded_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=(
            "When a corrected score superseded this case (outcome `superseded`, or the outcome "
            "it had if it was closed already); the answer's case is then the one whose "
            "`replaces_id` is this case's id."
        ),
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "response_id",
            "response_ids",
            "status",
            "priority",
            "category",
            "score",
            "comment",
            "answered_at",
            "account",
            "contact",
            "owner",
            "playbook",
            "opened_at",
            "sla_due_at",
            "first_contact_at",
            "closed_at",
            "outcome",
            "root_cause",
            "escalated",
            "plan_completed_at",
            "follow_up_due_at",
            "follow_up_requested_at",
            "follow_up_response_id",
            "won_back",
            "won_back_at",
            "risk_score",
            "risk_parts",
            "replaces_id",
            "superseded_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "sla_due_at": {"help_text": "By when someone must have reached out to the customer."},
        }

    def get_response_ids(self, case: Case) -> list[int]:
        return [case.response_id, *(joined.response_id for joined in case.joined_answers.all())]


class CaseStepSerializer(serializers.ModelSerializer):
    assignee = StaffMemberSerializer(
        read_only=True,
        allow_null=True,
        help_text="Null with `assignee_kind` `managers`: any manager.",
    )
    done_by = serializers.CharField(
        read_only=True,
        source="done_by.name",
        default=None,
        allow_null=True,
        help_text="Who did it; null when the system did, or while it is to do.",
    )

    class Meta:
        model = CaseStep
        fields = [
            "id",
            "position",
            "kind",
            "title",
            "status",
            "required",
            "assignee_kind",
            "assignee",
            "due_at",
            "done_at",
            "done_by",
            "result",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "result": {"help_text": "What the step found or recorded; its shape depends on kind."}
        }


class ActionItemSerializer(serializers.ModelSerializer):
    owner = StaffMemberSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ActionItem
        fields = ["id", "audience", "text", "owner", "due_date", "status", "created_at", "done_at"]
        read_only_fields = fields


class EscalationSerializer(serializers.ModelSerializer):
    rule = serializers.ChoiceField(
        choices=EscalationRule.choices,
        allow_blank=True,
        read_only=True,
        help_text="The rule that raised it; empty when a person did.",
    )
    raised_by = serializers.CharField(
        read_only=True,
        source="raised_by.name",
        default="system",
        help_text="The person who raised it, or `system` when a rule did.",
    )
    acknowledged_by = serializers.CharField(
        read_only=True, source="acknowledged_by.name", default=None, allow_null=True
    )
    resolved_by = serializers.CharField(
        read_only=True, source="resolved_by.name", default=None, allow_null=True
    )

    class Meta:
        model = Escalation
        fields = [
            "id",
            "level",
            "rule",
            "reason",
            "raised_by",
            "raised_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "resolution",
        ]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer):
    when = serializers.DateTimeField(read_only=True, source="created_at")
    actor = serializers.CharField(
        read_only=True,
        source="actor.name",
        default=None,
        allow_null=True,
        help_text="Who did it; null when the system did.",
    )

    class Meta:
        model = CaseEvent
        fields = ["when", "actor", "kind", "message"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    """A case with its steps, action plan, escalations and timeline (oldest event first)."""

    steps = CaseStepSerializer(read_only=True, many=True)
    action_items = ActionItemSerializer(read_only=True, many=True)
    escalations = EscalationSerializer(read_only=True, many=True, help_text="Newest first.")
    timeline = CaseEventSerializer(
        read_only=True, source="events", many=True, help_text="Oldest first."
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "steps", "action_items", "escalations", "timeline"]
        read_only_fields = fields


class ContactEraseSerializer(serializers.Serializer):
    """The body of `POST /api/v1/contacts/erase`."""

    email = serializers.EmailField(
        max_length=254,
        help_text="The address of the person to erase.",
        error_messages={
            "required": "Give the address of the person to erase in the field 'email'.",
            "blank": "Give the address of the person to erase in the field 'email'.",
            "invalid": "This is not an email address; give one like person@example.com.",
        },
    )


class ErasureSummarySerializer(serializers.Serializer):
    """What an erasure did, in counts; nothing in it identifies the person."""

    contact_id = serializers.IntegerField(
        allow_null=True, help_text="The tombstone contact's id; null when erased earlier."
    )
    already_erased = serializers.BooleanField(
        help_text="True when the person had been erased already: nothing changed."
    )
    answers = serializers.IntegerField(help_text="Answers kept, without their words.")
    comments = serializers.IntegerField(help_text="Comments replaced by “[erased]”.")
    cases = serializers.IntegerField(help_text="Their cases, blanked.")
    cases_closed = serializers.IntegerField(help_text="Open cases closed as `contact_erased`.")
    timeline_entries = serializers.IntegerField()
    case_steps = serializers.IntegerField(help_text="Step results (360° views, calls) blanked.")
    escalations = serializers.IntegerField()
    action_items = serializers.IntegerField()
    interactions = serializers.IntegerField()
    invitations = serializers.IntegerField()
    suppressions_lifted = serializers.IntegerField()


class RecurringIssuesQuerySerializer(QuerySerializer):
    """The query of `GET /api/v1/recurring-issues`."""

    to = PeriodDayField(
        required=False,
        help_text="Last day included (YYYY-MM-DD); today by default.",
        error_messages={"invalid": "Give a date as YYYY-MM-DD, such as 2026-06-30."},
    )
    sort = serializers.ChoiceField(
        choices=[("cases", "cases"), ("arr", "arr")],
        required=False,
        help_text="`cases` (the default): most cases first; `arr`: most ARR affected first.",
    )

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword, so it cannot be declared as an attribute.
        fields["from"] = PeriodDayField(
            required=False,
            help_text=(
                "First day included (YYYY-MM-DD); by default the first day of the month 11 "
                "months before `to`: twelve calendar months."
            ),
            error_messages={"invalid": "Give a date as YYYY-MM-DD, such as 2026-01-01."},
        )
        return fields

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"to": [f"The period ends before it starts: give a day from {start} on."]}
            )
        return attrs


class IssueFiguresSerializer(serializers.Serializer):
    """A row's figures over one period."""

    cases = serializers.IntegerField(
        help_text=(
            "Root causes: the cases closed with it (a cause counts its sub-causes). Themes: the "
            "cases of the answers that carry it."
        )
    )
    accounts = serializers.IntegerField(help_text="Distinct accounts of those cases or answers.")
    detractor_answers = serializers.IntegerField(
        help_text="Answers scored 0–6 among them (a case counts the answers that joined it)."
    )
    arr = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text=(
            "The ARR of those accounts as it is now, each account once, converted to the "
            "reporting currency (`currency`); accounts whose currency has no exchange rate "
            "are counted, their ARR left out (see `unconverted_currencies`)."
        ),
    )


class ThemeFiguresSerializer(IssueFiguresSerializer):
    answers = serializers.IntegerField(help_text="Answers that carry the theme.")


class IssueRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="In English.")
    name_fr = serializers.CharField(help_text="In French; empty when it has none.")
    active = serializers.BooleanField(
        help_text="False: archived (root causes) or switched off (themes)."
    )
    change = serializers.IntegerField(
        help_text="`current` minus `previous`: cases for root causes, answers for themes."
    )


class SubCauseRowSerializer(IssueRowSerializer):
    current = IssueFiguresSerializer(source="now", help_text="The period asked for.")
    previous = IssueFiguresSerializer(
        source="before", help_text="The period of the same length just before."
    )


class RootCauseRowSerializer(SubCauseRowSerializer):
    sub_causes = SubCauseRowSerializer(
        source="sub_rows", many=True, help_text="Its sub-causes with cases, in the same order."
    )


class ThemeRowSerializer(IssueRowSerializer):
    current = ThemeFiguresSerializer(source="now", help_text="The period asked for.")
    previous = ThemeFiguresSerializer(
        source="before", help_text="The period of the same length just before."
    )


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day included.")
    end = serializers.DateField(help_text="Last day included.")


class RecurringIssuesSerializer(serializers.Serializer):
    """The figures of the Recurring issues page and its CSV."""

    period = PeriodSerializer()
    previous_period = PeriodSerializer(help_text="The same number of days, just before.")
    sort = serializers.ChoiceField(choices=[("cases", "cases"), ("arr", "arr")])
    closed = IssueFiguresSerializer(
        help_text="Every case closed in the period with a root cause that counts as an issue."
    )
    closed_before = IssueFiguresSerializer(help_text="The same, over the previous period.")
    closed_without_root_cause = serializers.IntegerField(
        help_text="Cases closed in the period by a person before root causes were asked for."
    )
    closed_with_no_issue = serializers.IntegerField(
        help_text="Cases closed in the period with a root cause that counts as no issue."
    )
    currencies = serializers.ListField(
        child=serializers.CharField(),
        help_text="The currencies of the ARR summed: the reporting currency alone (`currency`).",
    )
    currency = serializers.CharField(help_text="The reporting currency, of every `arr`.")
    unconverted_currencies = serializers.ListField(
        child=serializers.CharField(),
        help_text=(
            "Currencies of accounts counted in the period whose ARR is left out of `arr`: "
            "they have no exchange rate."
        ),
    )
    root_causes = RootCauseRowSerializer(many=True)
    themes = ThemeRowSerializer(many=True)
