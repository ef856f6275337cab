"""Formatting helpers for case pages: score badges, SLA state, renewal countdown."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from playbooks import timeline
from playbooks.defaults import in_reader_language
from playbooks.models import Case
from playbooks.risk import RiskScore

register = template.Library()


@register.filter
def shipped(text: str) -> str:
    """A default playbook's name or step text in the reader's language (as written when an
    admin wrote it)."""
    return in_reader_language(text or "")


@register.filter
def first_line(text: str) -> str:
    """The first non-empty line of a text."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


@register.filter
def category_class(category: str) -> str:
    """The CSS modifier of a score badge."""
    return {"detractor": "detractor", "passive": "passive", "promoter": "promoter"}.get(
        category, "passive"
    )


@register.simple_tag
def renewal_in(renewal_date: dt.date | None, today: dt.date) -> str:
    """'in 12 days', 'today', '3 days ago', or '' without a date."""
    if renewal_date is None:
        return ""
    days = (renewal_date - today).days
    if days == 0:
        return _("today")
    if days > 0:
        return ngettext("in %(days)d day", "in %(days)d days", days) % {"days": days}
    return ngettext("%(days)d day ago", "%(days)d days ago", -days) % {"days": -days}


@register.simple_tag
def sla_state(case: Case, now: dt.datetime) -> dict[str, str]:
    """The first-contact SLA of a case as a label and a tone (ok, warning, late, done)."""
    if case.first_contact_at is not None:
        if case.sla_due_at and case.first_contact_at > case.sla_due_at:
            return {"label": _("Contacted late"), "tone": "warning"}
        return {"label": _("Contacted in time"), "tone": "done"}
    if not case.is_open:
        return {"label": _("Closed"), "tone": "done"}
    if case.sla_due_at is None:
        return {"label": _("No SLA"), "tone": "ok"}
    left = case.sla_due_at - now
    if left.total_seconds() < 0:
        return {"label": _("Overdue by %(time)s") % {"time": _span(-left)}, "tone": "late"}
    tone = "warning" if left < dt.timedelta(hours=24) else "ok"
    return {"label": _("Due in %(time)s") % {"time": _span(left)}, "tone": tone}


def _span(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return _("less than an hour")
    if hours < 48:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


@register.filter
def local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment) if moment else None


@register.filter
def get_item(mapping: dict, key: str):
    """mapping[key] in a template (forms by action name)."""
    return mapping.get(key)


@register.filter
def field_choices(form, name: str):
    """The choices of one of a form's fields."""
    return form.fields[name].choices


@register.filter
def event_text(event) -> str:
    """A timeline event's sentence in the reader's language."""
    return timeline.event_text(event)


@register.filter
def signed(value: float | None) -> str:
    """A change rounded to a whole number with its sign: "+4", "−3" (a true minus), "±0"."""
    if value is None:
        return ""
    rounded = round(value)
    if rounded == 0:
        return "±0"
    return f"+{rounded}" if rounded > 0 else f"\u2212{-rounded}"


@register.filter
def duration_text(wait: dt.timedelta | None) -> str:
    """A wait in words, to the hour: '2 days, 5 hours', '3 hours', 'under an hour'."""
    if wait is None:
        return ""
    hours = int(wait.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if not days and not hours:
        return _("under an hour")
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    return ", ".join(parts)


@register.filter
def step_settings(form, kind: str) -> list:
    """The settings fields of one kind of step, from the playbook editor's step form."""
    return form.setting_fields(kind)


@register.simple_tag
def risk_badge(risk: RiskScore, case_id: int, prefix: str = "risk-parts") -> SafeString:
    """A case's risk score as a badge; hovering or focusing it shows its parts
    (static/js/risk-tooltips.js), held in a <template> the badge names. Without scripts,
    the title says the same. `prefix` keeps the ids apart when a page shows a case twice.

    Built here rather than in an included template: a queue shows twenty-five badges a
    page, and each inclusion took half a millisecond."""
    total = risk.total
    parts_id = f"{prefix}-{case_id}"
    parts = format_html_join(
        "",
        '<li{}><span>{}</span> <span class="risk-tip-points">{}</span></li>',
        (
            ("" if part.points else ' class="risk-tip-zero"', part.label, part.share)
            for part in risk.parts
        ),
    )
    return format_html(
        '<button type="button" class="risk-badge risk-{level}" data-risk-parts="{id}" '
        'aria-label="{label}" title="{summary}">{total}</button>'
        '<template id="{id}"><div class="risk-tip-title">{title}</div>'
        '<ul class="risk-tip-parts">{parts}</ul></template>',
        level=risk.level,
        id=parts_id,
        label=_("Risk score %(total)s of 100") % {"total": total},
        summary=risk.summary,
        total=total,
        title=_("Risk %(total)s of 100") % {"total": total},
        parts=parts,
    )
