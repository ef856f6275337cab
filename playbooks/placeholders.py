"""The placeholders of customer email templates: `{contact_first_name}`, `{plan_items}`…

A template names them in braces; `fill` puts the case's values in, in the contact's
language. Filling never fails: a value the case lacks is left empty (with the space before
it, so that "Hello {contact_first_name}," reads "Hello,"), and braces that name no
placeholder are kept as they are. Admins are told of unknown names when they save
(`unknown_placeholders`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from playbooks.models import ActionAudience, ActionStatus

if TYPE_CHECKING:
    from core.models import User
    from playbooks.models import Case

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# Every placeholder a template may use, with what it becomes (shown to admins).
PLACEHOLDERS = {
    "contact_name": _("the contact's full name"),
    "contact_first_name": _("the contact's first name"),
    "account": _("the customer account's name"),
    "csm_name": _("the name of the person who writes (the CSM)"),
    "csm_email": _("their email address, where the customer's reply goes"),
    "case_reference": _("the case's reference, e.g. #42"),
    "survey_score": _("the score the contact gave (0–10)"),
    "survey_date": _("the day they answered"),
    "plan_items": _(
        "the action plan's items for the customer, one a line with their due dates "
        "(internal items are never listed)"
    ),
}


def placeholders_in(text: str) -> list[str]:
    """The placeholder names `text` uses, in order, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def unknown_placeholders(text: str, *, known: Mapping[str, object] | None = None) -> list[str]:
    """The names in braces in `text` that are no placeholder (of `known`, else the customer
    emails')."""
    known = PLACEHOLDERS if known is None else known
    return [name for name in placeholders_in(text) if name not in known]


def fill(text: str, values: Mapping[str, str], *, known: Mapping[str, object] | None = None) -> str:
    """`text` with each known placeholder (`known`, else the customer emails') replaced by
    its value; never raises."""
    known = PLACEHOLDERS if known is None else known

    def replace(match: re.Match) -> str:
        space, name = match.group(1), match.group(2)
        if name not in known:
            return match.group(0)
        value = str(values.get(name) or "")
        return f"{space}{value}" if value else ""

    return re.sub(r"( ?)\{([A-Za-z_][A-Za-z0-9_]*)\}", replace, text or "")


def values_for(*, case: Case, writer: User | None, language: str) -> dict[str, str]:
    """The placeholders' values for `case`, written by `writer`, in `language`."""
    contact = case.contact
    response = case.response
    with translation.override(language):
        answered = (
            date_format(timezone.localtime(response.answered_at).date(), "DATE_FORMAT")
            if response is not None and response.answered_at
            else ""
        )
        return {
            "contact_name": contact.name if contact else "",
            "contact_first_name": (contact.first_name or contact.name) if contact else "",
            "account": case.account.name if case.account else "",
            "csm_name": writer.name if writer is not None else "",
            "csm_email": writer.email if writer is not None else "",
            "case_reference": f"#{case.pk}",
            "survey_score": str(response.score) if response is not None else "",
            "survey_date": answered,
            "plan_items": _plan_items(case),
        }


def _plan_items(case: Case) -> str:
    """The plan's items for the customer, one a line; in the active language."""
    items = (
        case.action_items.filter(audience=ActionAudience.CUSTOMER)
        .exclude(status=ActionStatus.CANCELLED)
        .order_by("due_date", "id")
    )
    lines = []
    for item in items:
        if item.due_date:
            lines.append(
                "- "
                + gettext("%(item)s (by %(date)s)")
                % {"item": item.text, "date": date_format(item.due_date, "DATE_FORMAT")}
            )
        else:
            lines.append(f"- {item.text}")
    return "\n".join(lines) or gettext("(nothing planned yet)")
