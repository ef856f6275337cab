"""Fixed recurring issues, for managers: marking a root cause or a theme as fixed with its
release note, then the email to the contacts who raised it (who gets it, who does not and
why, the text in English and French, a preview of each, and sending)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.periods import twelve_months_to
from core.roles import Role, role_required
from playbooks.fix_defaults import FIX_PLACEHOLDERS
from playbooks.forms import FixEmailForm, IssueFixForm
from playbooks.models import IssueFix, IssueKind, MessageLanguage, RootCause
from playbooks.selectors.issue_fixes import (
    email_templates,
    fill_fix_email,
    fix_audience,
    fix_results,
    sample_recipient,
)
from playbooks.services.issue_fixes import mark_issue_fixed, queue_fix_emails
from surveys.models import Theme


@role_required(Role.MANAGER, Role.ADMIN)
def issue_fix_new(request: HttpRequest, kind: str, issue_id: int) -> HttpResponse:
    """The "Mark as fixed" form of a root cause or a theme; the period is the page's."""
    if kind not in IssueKind.values:
        raise Http404
    issue = get_object_or_404(RootCause if kind == IssueKind.ROOT_CAUSE else Theme, pk=issue_id)
    today = timezone.localdate()
    initial = {
        "raised_from": request.GET.get("start") or twelve_months_to(today),
        "raised_to": request.GET.get("end") or today,
    }
    form = IssueFixForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            fix = mark_issue_fixed(
                kind=kind, issue_id=issue.pk, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Marked as fixed; the cases behind it say so on their timeline. Now tell the "
                    "customers who raised it, if you wish."
                ),
            )
            return redirect("issue-fix", fix_id=fix.pk)
    context = {"form": form, "issue": issue, "kind": kind}
    return render(
        request, "playbooks/issue_fix_new.html", context, status=422 if form.errors else 200
    )


@role_required(Role.MANAGER, Role.ADMIN)
def issue_fix_detail(request: HttpRequest, fix_id: int) -> HttpResponse:
    """A fix, its NPS before and after, and the email to the contacts who raised it:
    "Preview" shows it in each language, "Send" queues it (once)."""
    fix = get_object_or_404(
        IssueFix.objects.select_related("root_cause__parent", "theme", "fixed_by", "emailed_by"),
        pk=fix_id,
    )
    form = FixEmailForm(request.POST or None, initial=_initial(fix))
    previews = []
    if request.method == "POST" and fix.emailed_at is None and form.is_valid():
        if request.POST.get("action") == "send":
            return _send(request, fix, form)
        fix.raised_from, fix.raised_to = (
            form.cleaned_data["raised_from"],
            form.cleaned_data["raised_to"],
        )
        previews = _previews(request, fix, form.templates())
    context = {
        "fix": fix,
        "form": form,
        "result": fix_results([fix])[0],
        "audience": fix_audience(fix) if fix.emailed_at is None else None,
        "previews": previews,
        "placeholders": FIX_PLACEHOLDERS,
    }
    return render(request, "playbooks/issue_fix.html", context, status=422 if form.errors else 200)


def _initial(fix: IssueFix) -> dict:
    templates = email_templates(fix)
    initial = {"raised_from": fix.raised_from, "raised_to": fix.raised_to}
    for language, (subject, body) in templates.items():
        initial[f"subject_{language}"], initial[f"body_{language}"] = subject, body
    return initial


def _previews(request: HttpRequest, fix: IssueFix, templates) -> list[dict]:
    audience = fix_audience(fix)
    previews = []
    for language, label in MessageLanguage.choices:
        recipient = sample_recipient(audience, language)
        subject, body = fill_fix_email(
            fix=fix,
            recipient=recipient,
            subject=templates[language][0],
            body=templates[language][1],
            sender_name=request.user.name,
        )
        previews.append({"language": label, "to": recipient, "subject": subject, "body": body})
    return previews


def _send(request: HttpRequest, fix: IssueFix, form: FixEmailForm) -> HttpResponse:
    queued = queue_fix_emails(
        fix=fix,
        actor=request.user,
        templates=form.templates(),
        raised_from=form.cleaned_data["raised_from"],
        raised_to=form.cleaned_data["raised_to"],
    )
    messages.success(
        request,
        ngettext(
            "%(count)d email is on its way: the worker sends them in batches.",
            "%(count)d emails are on their way: the worker sends them in batches.",
            queued,
        )
        % {"count": queued},
    )
    return redirect("issue-fix", fix_id=fix.pk)
