"""Forms of the case pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import Segment
from nps_loop.roles import Role, has_role
from playbooks.models import ActionAudience, ActionStatus, CaseOutcome, CaseStatus
from playbooks.selectors.queue import ALL, MINE, NOBODY, OPEN, QueueFilters
from surveys.models import Category, Theme

if TYPE_CHECKING:
    from nps_loop.models import User


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string; a wrong value is dropped, not fatal."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(OPEN, _("Open")), *CaseStatus.choices, (ALL, _("All"))],
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

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        owners = [("", _("Anyone")), (MINE, _("Me"))]
        if has_role(user, Role.MANAGER, Role.ADMIN):
            owners.append((NOBODY, _("The managers (no owner)")))
            people = (
                get_user_model()
                .objects.filter(is_active=True, groups__name__in=[Role.CSM, Role.MANAGER])
                .exclude(pk=user.pk)
                .distinct()
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
    themes = forms.ModelMultipleChoiceField(
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
    due_date = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


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


class CloseCaseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CaseOutcome.choices)
    post_mortem = forms.CharField(
        label=_("Post-mortem"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the problem was, what was done, what should change so it does not recur."
        ),
    )


class ReopenCaseForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen it?"), max_length=2000)


class ReassignCaseForm(forms.Form):
    owner = _people()
