"""Forms of the case pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import Segment
from nps_loop.roles import Role, has_role
from playbooks.models import CaseStatus
from playbooks.selectors.queue import ALL, MINE, NOBODY, OPEN, QueueFilters
from surveys.models import Category

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
