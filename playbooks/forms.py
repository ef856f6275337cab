"""Forms of the case pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Account, Persona, Segment
from core.periods import FIRST_DAY, LAST_DAY, period_day_validators, twelve_months_to
from core.roles import Role, has_role
from playbooks.access import accounts_visible_to
from playbooks.defaults import in_reader_language
from playbooks.escalation_rules import DEFAULT_THRESHOLDS
from playbooks.models import (
    CLOSING_OUTCOMES,
    FIX_NOTE_MAX_LENGTH,
    MESSAGE_BODY_MAX_LENGTH,
    MESSAGE_SUBJECT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    OPEN_CASE_STATUSES,
    ActionAudience,
    ActionStatus,
    AssigneeKind,
    Case,
    CaseStatus,
    CustomerMessageTemplate,
    MessagePurpose,
    Playbook,
    PlaybookStep,
    RootCause,
    StepKind,
)
from playbooks.placeholders import PLACEHOLDERS, unknown_placeholders
from playbooks.selectors.answers import UNMATCHED, WITH, WITHOUT, AnswerFilters
from playbooks.selectors.dashboard import Slice
from playbooks.selectors.queue import (
    ALL,
    BY_PRIORITY,
    BY_RISK,
    MINE,
    NOBODY,
    OLDEST_FIRST,
    OPEN,
    QueueFilters,
)
from playbooks.selectors.recurring import BY_ARR, BY_CASES
from playbooks.services.issue_fixes import check_fix_email
from playbooks.services.root_causes import clean_root_cause
from surveys.models import Campaign, Category, Theme

if TYPE_CHECKING:
    from core.models import User


class PeriodDayField(forms.DateField):
    """A day among those a period may cover (`core.periods`): a period's first or last day,
    or a day that periods count, such as an action's due day. Its date picker offers only
    those, so the browser says so before the form is sent."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "widget",
            forms.DateInput(
                attrs={"type": "date", "min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}
            ),
        )
        super().__init__(validators=period_day_validators(), **kwargs)


class ThemeChoiceField(forms.ModelChoiceField):
    """A theme, named in the reader's language."""

    def label_from_instance(self, obj: Theme) -> str:
        return obj.display_name


class ThemesChoiceField(forms.ModelMultipleChoiceField):
    """Themes, named in the reader's language."""

    def label_from_instance(self, obj: Theme) -> str:
        return obj.display_name


class PlaybookChoiceField(forms.ModelChoiceField):
    """A playbook, a shipped one named in the reader's language."""

    def label_from_instance(self, obj: Playbook) -> str:
        return in_reader_language(obj.name)


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string; a wrong value is dropped, not fatal."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(OPEN, pgettext_lazy("cases", "Open")), *CaseStatus.choices, (ALL, _("All"))],
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any category")), *Category.choices]
    )
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("Any segment")), *Segment.choices]
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    escalated = forms.BooleanField(label=_("Escalated only"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Account, contact or email")}),
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            (BY_RISK, _("Riskiest first")),
            (BY_PRIORITY, _("Mine, overdue, escalated first")),
            (OLDEST_FIRST, _("Oldest first")),
        ],
    )

    # The Recurring issues page's drill-down, carried in the query string, not shown as
    # fields: the page says which root cause and days it narrows to.
    root_cause = forms.ModelChoiceField(
        queryset=RootCause.objects.select_related("parent"),
        required=False,
        widget=forms.HiddenInput,
    )
    closed_from = PeriodDayField(required=False, widget=forms.HiddenInput)
    closed_to = PeriodDayField(required=False, widget=forms.HiddenInput)
    # The account page's link to all of its cases; only an account the reader may see.
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.data.get("account"):  # the reader's accounts, asked only when one is given
            self.fields["account"].queryset = accounts_visible_to(user).only("pk", "name")
        owners = [("", _("Anyone")), (MINE, _("Me"))]
        if has_role(user, Role.MANAGER, Role.ADMIN):
            owners.append((NOBODY, _("The managers (no owner)")))
            # Deactivated people who still own open cases stay, so their cases can be found
            # and reassigned.
            # Two semi-joins, not joins with DISTINCT: a join would fetch every case each
            # person ever owned, tens of thousands of rows for twelve people.
            people_model = get_user_model()
            in_team = people_model.groups.through.objects.filter(
                user_id=OuterRef("pk"), group__name__in=[Role.CSM, Role.MANAGER]
            )
            owns_open_case = Case.objects.filter(
                owner_id=OuterRef("pk"), status__in=OPEN_CASE_STATUSES
            )
            people = (
                people_model.objects.filter(
                    Q(Exists(in_team), is_active=True) | Q(Exists(owns_open_case))
                )
                .exclude(pk=user.pk)
                .order_by("display_name", "username")
            )
            owners += [(str(person.pk), person.name) for person in people]
        self.fields["owner"].choices = owners

    def filters(self) -> QueueFilters:
        """The valid filters; fields with a wrong value count as not given."""
        if not self.is_bound:
            return QueueFilters()
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return QueueFilters(
            status=data.get("status") or OPEN,
            category=data.get("category", ""),
            segment=data.get("segment", ""),
            owner=data.get("owner", ""),
            overdue=bool(data.get("overdue")),
            escalated=bool(data.get("escalated")),
            search=(data.get("q") or "").strip(),
            sort=data.get("sort") or BY_RISK,
            root_cause=data["root_cause"].pk if data.get("root_cause") else None,
            closed_from=data.get("closed_from"),
            closed_to=data.get("closed_to"),
            account=data["account"].pk if data.get("account") else None,
        )

    def drill_down(self) -> RootCause | None:
        """The root cause the queue is narrowed to, read by `filters()`; None without one."""
        return self._narrowed_to("root_cause")

    def narrowed_account(self) -> Account | None:
        """The account the queue is narrowed to, read by `filters()`; None without one."""
        return self._narrowed_to("account")

    def _narrowed_to(self, field: str):
        if not self.is_bound or field in self.errors:
            return None
        return getattr(self, "cleaned_data", {}).get(field)


class AnswerFilterForm(forms.Form):
    """The answers page's filters, read from the query string; a wrong value is dropped."""

    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All answers")), (UNMATCHED, pgettext_lazy("answers", "Unmatched"))],
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any category")), *Category.choices]
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        required=False,
        queryset=Campaign.objects.order_by("-started_at", "name"),
        empty_label=_("Any campaign"),
    )
    answered_from = PeriodDayField(label=_("Answered from"), required=False)
    answered_to = PeriodDayField(label=_("Answered until"), required=False)
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("Any segment")), *Segment.choices]
    )
    comment = forms.ChoiceField(
        label=_("Comment"),
        required=False,
        choices=[("", _("With or without")), (WITH, _("With a comment")), (WITHOUT, _("Without"))],
    )
    case = forms.ChoiceField(
        label=_("Case"),
        required=False,
        choices=[("", _("With or without")), (WITH, _("With a case")), (WITHOUT, _("Without"))],
    )
    theme = ThemeChoiceField(
        label=_("Theme"),
        required=False,
        queryset=Theme.objects.order_by("name"),
        empty_label=_("Any theme"),
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Account, contact, email or comment")}),
    )
    account = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def filters(self) -> AnswerFilters:
        """The valid filters; fields with a wrong value count as not given."""
        if not self.is_bound:
            return AnswerFilters()
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        campaign, theme = data.get("campaign"), data.get("theme")
        return AnswerFilters(
            theme=theme.pk if theme else None,
            category=data.get("category", ""),
            campaign=campaign.pk if campaign else None,
            answered_from=data.get("answered_from"),
            answered_to=data.get("answered_to"),
            segment=data.get("segment", ""),
            comment=data.get("comment", ""),
            case=data.get("case", ""),
            unmatched=data.get("show") == UNMATCHED,
            search=(data.get("q") or "").strip(),
            account=data.get("account"),
        )


class DashboardFilterForm(forms.Form):
    """The dashboard's period and slice, read from the query string. A wrong value is
    dropped, and a period that ends before it starts falls back to the last 12 months."""

    start = PeriodDayField(label=_("From"), required=False)
    end = PeriodDayField(label=_("Until"), required=False)
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("Any segment")), *Segment.choices]
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    persona = forms.ChoiceField(
        label=_("Persona"), required=False, choices=[("", _("Any persona")), *Persona.choices]
    )
    csm = forms.TypedChoiceField(label=_("CSM"), required=False, coerce=int, empty_value=None)
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        required=False,
        queryset=Campaign.objects.order_by("-started_at", "name"),
        empty_label=_("Any campaign"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        tiers = (
            Account.objects.exclude(tier="").values_list("tier", flat=True).distinct()
        ).order_by("tier")
        self.fields["tier"].choices = [("", _("Any tier")), *((t, t) for t in tiers)]
        csms = (
            get_user_model()
            .objects.filter(groups__name=Role.CSM)
            .distinct()
            .order_by("display_name", "username")
        )
        self.fields["csm"].choices = [("", _("Any CSM")), *((u.pk, u.name) for u in csms)]

    def slice(self, *, today: dt.date) -> Slice:
        """The valid choices; the period defaults to the 12 months up to today."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        end = data.get("end") or today
        start = data.get("start") or twelve_months_to(end)
        if start > end:
            end, start = today, twelve_months_to(today)
        campaign = data.get("campaign")
        return Slice(
            start=start,
            end=end,
            segment=data.get("segment", ""),
            tier=data.get("tier", ""),
            persona=data.get("persona", ""),
            csm=data.get("csm"),
            campaign=campaign.pk if campaign else None,
        )


class RecurringIssuesForm(forms.Form):
    """The Recurring issues page's period and order, read from the query string. A wrong
    value is dropped, and a period that ends before it starts falls back to the last 12
    months, as on the dashboard."""

    start = PeriodDayField(label=_("From"), required=False)
    end = PeriodDayField(label=_("Until"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[(BY_CASES, _("Most cases first")), (BY_ARR, _("Most ARR first"))],
    )

    def period(self, *, today: dt.date) -> tuple[dt.date, dt.date]:
        """The valid period; the 12 months up to today by default."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        end = data.get("end") or today
        start = data.get("start") or twelve_months_to(end)
        if start > end:
            end, start = today, twelve_months_to(today)
        return start, end

    def sort_order(self) -> str:
        """The order asked for, whatever the dates' validity; most cases first by default."""
        if not self.is_bound:
            return BY_CASES
        self.is_valid()
        if "sort" in self.errors:
            return BY_CASES
        return self.cleaned_data.get("sort") or BY_CASES


class AssignAccountForm(forms.Form):
    """The account an unmatched answer's contact belongs to."""

    account = forms.ModelChoiceField(
        queryset=Account.objects.all(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the account to assign."),
            "invalid_choice": _("That account does not exist any more: search again."),
        },
    )


class OpenCaseForm(forms.Form):
    """The playbook a case opened by hand follows."""

    playbook = PlaybookChoiceField(
        label=_("Playbook"),
        queryset=Playbook.objects.filter(active=True).order_by("name"),
        empty_label=None,
        error_messages={
            "required": _("Choose the playbook the case follows."),
            "invalid_choice": _(
                "That playbook is not active any more: choose another, or ask an admin to "
                "switch it on."
            ),
        },
        help_text=_("The case gets its steps, its automatic steps and its SLA."),
    )


def _people() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        queryset=get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.CSM, Role.MANAGER, Role.ADMIN])
        .distinct()
        .order_by("display_name", "username"),
        empty_label=_("Nobody yet"),
    )


class LogCallForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=_("Did you reach them?"),
        choices=[("yes", _("Reached")), ("no", _("Not reached"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    called_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now."),
    )
    themes = ThemesChoiceField(
        label=_("Reasons heard"),
        required=False,
        queryset=Theme.objects.filter(active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionItemForm(forms.Form):
    audience = forms.ChoiceField(label=_("For"), choices=ActionAudience.choices)
    text = forms.CharField(label=_("Action"), max_length=500)
    owner = _people()
    due_date = PeriodDayField(label=_("Due"), required=False)


class ActionChangeForm(forms.Form):
    owner = _people()
    due_date = PeriodDayField(label=_("Due"), required=False)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)


class SkipStepForm(forms.Form):
    reason = forms.CharField(label=_("Why skip it?"), max_length=500)


class CompleteStepForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class EscalationForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does this case need a manager?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    level = forms.TypedChoiceField(
        label=_("Level"), coerce=int, choices=[(1, "1"), (2, "2"), (3, "3")], initial=1
    )


class _RootCauseChoices(forms.models.ModelChoiceIterator):
    """The root causes as a select with a group per cause, its sub-causes inside, and the
    causes without sub-causes after them; in the reader's language, sorted in it."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        entries = []  # (alone, name, choice or group)
        for cause in self.queryset.select_related("parent"):
            if cause.parent is None:
                entries.append((True, cause.display_name, self.choice(cause)))
            else:
                groups.setdefault(cause.parent.display_name, []).append(self.choice(cause))
        for name, members in groups.items():
            members.sort(key=lambda member: member[1].casefold())
            entries.append((False, name, (name, members)))
        for _alone, _name, entry in sorted(entries, key=lambda e: (e[0], e[1].casefold())):
            yield entry


class RootCauseField(forms.ModelChoiceField):
    """A root cause a case may close with (`RootCause.objects.closable()`)."""

    iterator = _RootCauseChoices

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Root cause"))
        kwargs.setdefault("empty_label", _("Choose the root cause…"))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Choose the root cause: what made the customer unhappy."),
                "invalid_choice": _(
                    "That root cause is archived now, or has sub-causes: choose another."
                ),
            },
        )
        super().__init__(queryset=RootCause.objects.closable(), **kwargs)

    def label_from_instance(self, obj: RootCause) -> str:
        return obj.display_name


class RootCauseForm(forms.ModelForm):
    """A root cause's names and cause; the rules are the service's (`clean_root_cause`)."""

    class Meta:
        model = RootCause
        fields = ["name", "name_fr", "parent", "counts_as_issue"]
        labels = {
            "name": _("Name"),
            "name_fr": _("Name in French"),
            "parent": _("Sub-cause of"),
            "counts_as_issue": _("Counts as an issue"),
        }
        help_texts = {
            "name": _("As CSMs pick it when they close a case, and managers count it."),
            "name_fr": _("Optional: what French readers see. Without it, they read the name."),
            "parent": _("Leave empty for a cause of its own; pick a cause to make a sub-cause."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        parent.queryset = RootCause.objects.filter(parent__isnull=True).exclude(
            pk=self.instance.pk or 0
        )
        parent.empty_label = _("None: a cause of its own")
        parent.label_from_instance = lambda cause: cause.display_name

    def clean(self) -> dict:
        cleaned = super().clean()
        candidate = RootCause(
            pk=self.instance.pk,
            name=cleaned.get("name") or "",
            name_fr=cleaned.get("name_fr") or "",
            parent=cleaned.get("parent"),
            counts_as_issue=cleaned.get("counts_as_issue", True),
        )
        try:
            clean_root_cause(candidate)
        except ValidationError as refused:
            for field, errors in refused.error_dict.items():
                if field not in self.errors:
                    self.add_error(field, errors)
        return cleaned


class CloseCaseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(o.value, o.label) for o in CLOSING_OUTCOMES]
    )
    root_cause = RootCauseField(
        help_text=_("Why it happened, from the list your admins keep: the managers count them.")
    )
    post_mortem = forms.CharField(
        label=_("Post-mortem"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the problem was, what was done, what should change so it does not recur."
        ),
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note for the team"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only your colleagues read it, never the customer. Mention someone with @ and "
            "their username (@alice): they are told and may open it."
        ),
    )


class ReopenCaseForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen it?"), max_length=2000)


class ReassignCaseForm(forms.Form):
    owner = _people()


class EscalationFilterForm(forms.Form):
    """The escalations page's tab and filters, read from the query string; a wrong value is
    dropped. The tabs are those of `playbooks.selectors.escalations`."""

    tab = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("waiting", pgettext_lazy("escalations", "Waiting")),
            ("acknowledged", pgettext_lazy("escalations", "Acknowledged")),
            ("resolved", pgettext_lazy("escalations", "Resolved")),
            ("all", pgettext_lazy("escalations", "All")),
        ],
    )
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("Any segment")), *Segment.choices]
    )
    q = forms.CharField(
        label=_("Account"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Name of the account")}),
    )

    def filters(self) -> dict[str, str]:
        """The valid filters, as the fields of `EscalationFilters`."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return {
            "tab": data.get("tab") or "waiting",
            "segment": data.get("segment", ""),
            "search": (data.get("q") or "").strip(),
        }


class ResolveEscalationForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        error_messages={"required": _("Say what was done to resolve the escalation.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- the playbook editor ------------------------------------------------------------------


def _number_errors(message) -> dict:
    """The same message for every way a number can be wrong (not a number, not whole, out
    of range, too long): the message gives the range, which is the fix."""
    kinds = ("invalid", "min_value", "max_value", "max_digits", "max_decimal_places")
    return {kind: message for kind in kinds} | {"max_whole_digits": message}


SLA_RANGE = _("Give a whole number of business days from 0 to 260 (about a year).")
SCORE_RANGE = _("Scores go from 0 to 10: enter a whole number from 0 to 10, or leave empty.")
# About a year of business days: a case or step due later is never followed up on time.
MAX_BUSINESS_DAYS = 260


def _at_most(field: forms.Field, limit: int) -> None:
    """Refuse (and tell the browser's number box) a value above `limit`."""
    field.validators.append(MaxValueValidator(limit))
    field.widget.attrs["max"] = limit


class PlaybookForm(forms.ModelForm):
    class Meta:
        model = Playbook
        fields = [
            "name",
            "description",
            "active",
            "for_detractors",
            "for_passives",
            "for_promoters",
            "min_score",
            "max_score",
            "segment",
            "tier",
            "min_arr",
            "priority",
            "sla_business_days",
            "group_by_account",
        ]
        error_messages = {
            "min_score": _number_errors(SCORE_RANGE),
            "max_score": _number_errors(SCORE_RANGE),
            "min_arr": _number_errors(
                _("Give an amount of 0 or more in your accounts' currency, or leave empty.")
            ),
            "sla_business_days": _number_errors(SLA_RANGE) | {"required": SLA_RANGE},
            "priority": _number_errors(
                _(
                    "Give a whole number from -32768 to 32767: when several playbooks match "
                    "an answer, the highest wins."
                )
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", _("Any segment")), *Segment.choices]
        self.fields["description"].widget.attrs["rows"] = 3
        # The model takes any amount; a negative one would only confuse who reads the rule.
        self.fields["min_arr"].validators.append(MinValueValidator(0))
        self.fields["min_arr"].widget.attrs["min"] = 0
        _at_most(self.fields["sla_business_days"], MAX_BUSINESS_DAYS)

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in ("min_score", "max_score"):
            value = cleaned.get(name)
            if value is not None and value > 10:
                self.add_error(name, SCORE_RANGE)
        low, high = cleaned.get("min_score"), cleaned.get("max_score")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_score",
                _("The highest score is below the lowest score: no answer could match."),
            )
        categories = ("for_detractors", "for_passives", "for_promoters")
        if cleaned.get("active") and not any(cleaned.get(name) for name in categories):
            self.add_error(
                "for_detractors",
                _(
                    "Tick at least one category (detractors, passives or promoters): "
                    "an active playbook without one never matches an answer."
                ),
            )
        return cleaned


class StepForm(forms.ModelForm):
    """A playbook step, with the settings of its kind as fields of their own (the model
    keeps them in `options`): those of other kinds are ignored."""

    scope = forms.ChoiceField(
        label=_("Pause surveys to"),
        required=False,
        choices=[
            ("contact", _("the contact who answered")),
            ("account", _("everyone at the account")),
        ],
        initial="contact",
    )
    notify_to = forms.ChoiceField(
        label=_("Tell"),
        required=False,
        choices=[("owner", _("the case's owner")), ("managers", _("the managers"))],
        initial="owner",
    )
    delay_days = forms.IntegerField(
        label=_("Survey again after (days)"),
        required=False,
        min_value=1,
        max_value=365,
        initial=14,
        help_text=_("Counted from the day the action plan is complete."),
        error_messages=_number_errors(_("Give a whole number of days from 1 to 365.")),
    )
    arr_threshold = forms.DecimalField(
        label=_("Escalate from this ARR"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=0,
        initial=DEFAULT_THRESHOLDS["arr_threshold"],
        error_messages=_number_errors(
            _("Give a whole amount of 0 or more in your accounts' currency, without decimals.")
        ),
    )
    key_personas = forms.MultipleChoiceField(
        label=_("Escalate when the detractor is"),
        required=False,
        choices=Persona.choices,
        initial=DEFAULT_THRESHOLDS["key_personas"],
        widget=forms.CheckboxSelectMultiple,
    )
    detractor_count = forms.IntegerField(
        label=_("Escalate from this many detractors at the account"),
        required=False,
        min_value=2,
        max_value=100,
        initial=DEFAULT_THRESHOLDS["detractor_count"],
        error_messages=_number_errors(_("Give a whole number of detractors from 2 to 100.")),
    )
    detractor_window_days = forms.IntegerField(
        label=_("…within (days)"),
        required=False,
        min_value=1,
        max_value=730,
        initial=DEFAULT_THRESHOLDS["detractor_window_days"],
        error_messages=_number_errors(_("Give a whole number of days from 1 to 730 (two years).")),
    )
    renewal_within_days = forms.IntegerField(
        label=_("Escalate when the renewal is within (days)"),
        required=False,
        min_value=0,
        max_value=730,
        initial=DEFAULT_THRESHOLDS["renewal_within_days"],
        help_text=_("0 switches this rule off."),
        error_messages=_number_errors(
            _("Give a whole number of days from 0 to 730 (two years); 0 switches this rule off.")
        ),
    )
    all_categories = forms.BooleanField(
        label=_("Apply the rules to passives and promoters too"),
        required=False,
        help_text=_("By default only detractors are escalated."),
    )

    # Which settings each kind of step takes, and the key each is stored under.
    SETTINGS: dict[str, tuple[tuple[str, str], ...]] = {
        StepKind.SUPPRESS_SURVEYS: (("scope", "scope"),),
        StepKind.NOTIFY: (("notify_to", "to"),),
        StepKind.FOLLOW_UP_SURVEY: (("delay_days", "delay_days"),),
        StepKind.ESCALATION: (
            ("arr_threshold", "arr_threshold"),
            ("key_personas", "key_personas"),
            ("detractor_count", "detractor_count"),
            ("detractor_window_days", "detractor_window_days"),
            ("renewal_within_days", "renewal_within_days"),
            ("all_categories", "all_categories"),
        ),
    }

    class Meta:
        model = PlaybookStep
        fields = [
            "kind",
            "title",
            "instructions",
            "required",
            "due_in_days",
            "assignee_kind",
            "assignee_user",
        ]
        widgets = {"instructions": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "due_in_days": _number_errors(
                _(
                    "Give a whole number of business days from 0 to 260 (about a year), "
                    "or leave empty for no due date."
                )
            )
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee_user"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=[Role.CSM, Role.MANAGER, Role.ADMIN])
            .distinct()
            .order_by("display_name", "username")
        )
        _at_most(self.fields["due_in_days"], MAX_BUSINESS_DAYS)
        if self.instance.pk:
            for field, key in self.SETTINGS.get(self.instance.kind, ()):
                if key in self.instance.options:
                    self.initial[field] = self.instance.options[key]

    def setting_fields(self, kind: str) -> list:
        """The bound fields of one kind's settings, for the template."""
        return [self[field] for field, _key in self.SETTINGS.get(kind, ())]

    def clean(self) -> dict:
        cleaned = super().clean()
        kind, user = cleaned.get("assignee_kind"), cleaned.get("assignee_user")
        if kind == AssigneeKind.USER and user is None:
            self.add_error(
                "assignee_user",
                _("Choose the person, or give the step to the account's CSM or the managers."),
            )
        if kind and kind != AssigneeKind.USER:
            cleaned["assignee_user"] = None
        return cleaned

    def options(self) -> dict[str, Any]:
        """The settings of the step's kind, as the engine reads them."""
        options: dict[str, Any] = {}
        for field, key in self.SETTINGS.get(self.cleaned_data.get("kind"), ()):
            value = self.cleaned_data.get(field)
            if value is None or value == "":
                continue  # not given: the engine's default applies (an empty list is kept)
            options[key] = int(value) if isinstance(value, Decimal) else value
        return options

    def step_fields(self) -> dict[str, Any]:
        """The step's fields as `update_step` takes them, settings included."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields} | {
            "options": self.options()
        }

    def save(self, commit: bool = True) -> PlaybookStep:
        self.instance.options = self.options()
        return super().save(commit=commit)


class PreviewForm(forms.Form):
    """A sample answer, to see which playbook and steps it would get."""

    score = forms.IntegerField(
        label=_("Score"),
        min_value=0,
        max_value=10,
        initial=3,
        error_messages=_number_errors(_("Give a whole score from 0 to 10."))
        | {"required": _("Give a whole score from 0 to 10.")},
    )
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("No account")), *Segment.choices]
    )
    tier = forms.CharField(label=_("Tier"), required=False, max_length=50)
    arr = forms.DecimalField(
        label=_("ARR"),
        required=False,
        min_value=0,
        max_digits=14,
        error_messages=_number_errors(_("Give an amount of 0 or more, or leave empty.")),
    )


class CustomerMessageForm(forms.Form):
    """An email to the case's contact, as the CSM edits it before sending."""

    purpose = forms.ChoiceField(choices=MessagePurpose.choices, widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject"), max_length=MESSAGE_SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_BODY_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16}),
    )


class MessageTemplateForm(forms.ModelForm):
    """A customer email template: subject and body, placeholders checked by name."""

    class Meta:
        model = CustomerMessageTemplate
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16})}

    def _check_placeholders(self, field: str) -> str:
        text = self.cleaned_data[field]
        unknown = unknown_placeholders(text)
        if unknown:
            raise forms.ValidationError(
                _("%(names)s is not a placeholder: check the spelling, or use one of %(known)s.")
                % {
                    "names": ", ".join(f"{{{name}}}" for name in unknown),
                    "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                }
            )
        return text

    def clean_subject(self) -> str:
        return self._check_placeholders("subject")

    def clean_body(self) -> str:
        return self._check_placeholders("body")


class IssueFixForm(forms.Form):
    """Marking a recurring issue as fixed: the release note, and the days whose cases and
    answers raised it."""

    note = forms.CharField(
        label=_("Release note"),
        max_length=FIX_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What was fixed, in words a customer understands: it goes on the timeline of each "
            "case behind the issue, and into the email to the contacts who raised it."
        ),
        error_messages={
            "required": _("Write the release note: what was fixed, in a sentence or two."),
            "max_length": _("Keep the release note under %(limit_value)d characters."),
        },
    )
    raised_from = PeriodDayField(
        label=_("Raised from"),
        error_messages={"required": _("Give the first day, as YYYY-MM-DD.")},
    )
    raised_to = PeriodDayField(
        label=_("Raised until"),
        error_messages={"required": _("Give the last day, as YYYY-MM-DD.")},
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        _period_in_order(self, cleaned)
        return cleaned


def _period_in_order(form: forms.Form, cleaned: dict) -> None:
    start, end = cleaned.get("raised_from"), cleaned.get("raised_to")
    if start and end and start > end:
        form.add_error("raised_to", _("The period ends before it starts: swap the two dates."))


class FixEmailForm(forms.Form):
    """The email to the contacts who raised a fixed issue: the period, and the subject and
    body in each language."""

    raised_from = IssueFixForm.base_fields["raised_from"]
    raised_to = IssueFixForm.base_fields["raised_to"]
    subject_en = forms.CharField(
        label=_("Subject in English"), max_length=MESSAGE_SUBJECT_MAX_LENGTH
    )
    body_en = forms.CharField(
        label=_("Email in English"),
        max_length=MESSAGE_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    subject_fr = forms.CharField(
        label=_("Subject in French"), max_length=MESSAGE_SUBJECT_MAX_LENGTH
    )
    body_fr = forms.CharField(
        label=_("Email in French"),
        max_length=MESSAGE_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 12}),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        _period_in_order(self, cleaned)
        templates = self.templates()
        if templates is not None:
            try:
                check_fix_email(templates=templates)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        self.add_error(field, message)
        return cleaned

    def templates(self) -> dict[str, tuple[str, str]] | None:
        """Language → (subject, body), once every field is valid."""
        names = ("subject_en", "body_en", "subject_fr", "body_fr")
        if any(name not in self.cleaned_data for name in names):
            return None
        data = self.cleaned_data
        return {
            "en": (data["subject_en"], data["body_en"]),
            "fr": (data["subject_fr"], data["body_fr"]),
        }
