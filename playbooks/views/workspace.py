"""Pages of the CSM workspace: the queue of cases, the case page, accounts and answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import replace_url

from core.roles import Role, has_role, role_required
from playbooks import access, selectors
from playbooks import forms as forms_
from playbooks.defaults import in_reader_language
from playbooks.forms import AnswerFilterForm, QueueFilterForm
from playbooks.models import ActionItem, Case, CaseStep
from playbooks.selectors.home import PERIODS as HOME_PERIODS
from playbooks.selectors.home import csm_day
from playbooks.services import cases, engine, notes
from playbooks.services.cases import CaseActionRefused
from playbooks.transitions import TransitionNotAllowed
from surveys.models import Response
from surveys.nps import NpsSummary
from surveys.services import assign_account_to_contact

QUEUE_PAGE_SIZE = 25


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a signed-in person lands. A CSM lands on their day: the cases and tasks that
    need them, their book of business, their accounts' NPS and won-back rate; the others
    on what the product offers their role, with live counts."""
    sees_everything = has_role(request.user, Role.MANAGER, Role.ADMIN)
    context = {"sees_everything": sees_everything, "today": timezone.localdate()}
    if not sees_everything and has_role(request.user, Role.CSM):
        days = _period_days(request.GET.get("days"))
        context |= {"day": csm_day(user=request.user, days=days), "periods": HOME_PERIODS}
    else:
        context["overview"] = selectors.answer_overview(user=request.user)
    return render(request, "home.html", context)


def _period_days(value: str | None) -> int:
    """The period a CSM asked for, in days: one of those offered, else the first."""
    return int(value) if value in {str(days) for days in HOME_PERIODS} else HOME_PERIODS[0]


class _CountedPaginator(Paginator):
    """A paginator told how many objects there are, for lists whose count is known."""

    def __init__(self, object_list, per_page, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


@role_required(Role.CSM, Role.MANAGER, Role.ADMIN)
def case_queue(request: HttpRequest) -> HttpResponse:
    """The cases that need action, the riskiest first (or as the reader sorts them); filters,
    search and counts."""
    form = QueueFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    now = timezone.now()
    case_ids = selectors.queue_for(user=request.user, filters=filters, now=now)
    counts = selectors.queue_counts(user=request.user, filters=filters, now=now)
    listed = counts.listed(filters)
    paginator = (
        Paginator(case_ids, QUEUE_PAGE_SIZE)
        if listed is None
        else _CountedPaginator(case_ids, QUEUE_PAGE_SIZE, count=listed)
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.queue_rows(
        user=request.user, case_ids=list(page.object_list), now=now
    )
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "counts": counts,
        "drill_down": form.drill_down(),
        "narrowed_account": form.narrowed_account(),
        "now": now,
        "today": timezone.localdate(now),
    }
    template = "playbooks/queue.html#results" if request.htmx else "playbooks/queue.html"
    return render(request, template, context)


@role_required(Role.CSM, Role.MANAGER, Role.ADMIN)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """One case: the answer, the 360° view, the steps, the action plan and the timeline.

    A case the reader may not see is a 404, as if it did not exist.
    """
    return _case_page(request, case_id)


def _case_page(
    request: HttpRequest, case_id: int, *, status: int = 200, invalid: dict | None = None
) -> HttpResponse:
    now = timezone.now()
    page = selectors.case_page(user=request.user, case_id=case_id, now=now)
    if page is None:
        raise Http404("No such case.")
    # Reassigning offers the account's CSM first: the case usually goes back to them.
    account = page.case.account
    initial = {"reassign": {"owner": account.csm_id if account else None}}
    action_forms = {
        name: spec.form(prefix=name, initial=initial.get(name))
        for name, spec in CASE_ACTIONS.items()
    }
    action_forms.update(invalid or {})
    context = {
        "page": page,
        "case": page.case,
        "now": now,
        "today": timezone.localdate(now),
        "forms": action_forms,
        "can_reassign": has_role(request.user, Role.MANAGER, Role.ADMIN),
        "can_work": access.may_work(request.user, page.case),
    }
    response = render(request, "playbooks/case.html", context, status=status)
    if request.htmx and request.method == "POST":
        # A refused action answers in place: the address stays the case's, not the action's.
        replace_url(response, reverse("case-detail", args=[case_id]))
    return response


@role_required(Role.CSM, Role.MANAGER, Role.ADMIN)
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    """An account: its NPS over time and by persona, people, answers, cases, interactions."""
    now = timezone.now()
    page = selectors.account_page(
        user=request.user,
        account_id=account_id,
        now=now,
        contacts_page=request.GET.get("contacts"),
    )
    if page is None:
        raise Http404("No such account.")
    return _account_page(request, page)


def _account_page(
    request: HttpRequest,
    page: selectors.AccountPage,
    *,
    note_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    context = {
        "page": page,
        "account": page.account,
        "now": now,
        "today": timezone.localdate(now),
        "month_series": _month_series(page, timezone.localdate(now)),
        "note_form": note_form or forms_.NoteForm(prefix="note"),
    }
    return render(request, "playbooks/account.html", context, status=status)


@role_required(Role.CSM, Role.MANAGER, Role.ADMIN)
@require_POST
def account_note(request: HttpRequest, account_id: int) -> HttpResponse:
    """Write a team note on an account; its page comes back with it, or with what to fix."""
    page = selectors.account_page(user=request.user, account_id=account_id)
    if page is None:
        raise Http404("No such account.")
    form = forms_.NoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            note = notes.add_note(
                author=request.user, body=form.cleaned_data["body"], account=page.account
            )
        except ValidationError as refused:
            _attach(refused, form)
        else:
            told = note.mentions.count()
            messages.success(
                request,
                ngettext(
                    "Note added; %(n)s person mentioned was told.",
                    "Note added; %(n)s people mentioned were told.",
                    told,
                )
                % {"n": told}
                if told
                else _("Note added."),
            )
            return redirect(f"{reverse('account-detail', args=[account_id])}#notes-title")
    messages.error(request, _("Check the form: %(errors)s") % {"errors": _errors(form)})
    return _account_page(request, page, note_form=form, status=422)


def chart_point(label: str, nps: NpsSummary | None) -> dict:
    """One point of an NPS chart (static/js/charts.js): the NPS, its 95% band, the count."""
    return {
        "label": label,
        "nps": nps.nps if nps else None,
        "low": nps.ci95[0] if nps and nps.ci95 else None,
        "high": nps.ci95[1] if nps and nps.ci95 else None,
        "answers": nps.responses if nps else 0,
    }


def _month_series(page: selectors.AccountPage, today: dt.date) -> list[dict]:
    """The account's NPS by month for the chart, months without an answer included (as
    gaps), from its first month with answers to this month."""
    if not page.by_month:
        return []
    figures = {entry.month: entry.nps for entry in page.by_month}
    month, series = page.by_month[0].month, []
    while month <= today:
        series.append(chart_point(date_format(month, "YEAR_MONTH_FORMAT"), figures.get(month)))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return series


ANSWERS_PAGE_SIZE = 50


@role_required(Role.CSM, Role.MANAGER, Role.ADMIN)
def answer_list(request: HttpRequest) -> HttpResponse:
    """Every answer the reader may see, not only those with a case; filters and figures."""
    form = AnswerFilterForm(request.GET or None)
    filters = form.filters()
    answers = selectors.answer_list(user=request.user, filters=filters)
    summary = selectors.answer_summary(user=request.user, filters=filters)
    # The summary has counted the answers already: the paginator need not count again.
    paginator = _CountedPaginator(answers, ANSWERS_PAGE_SIZE, count=summary.nps.responses)
    sorts_out_unmatched = has_role(request.user, Role.MANAGER, Role.ADMIN)
    context = {
        "form": form,
        "filters": filters,
        "page": paginator.get_page(request.GET.get("page")),
        "summary": summary,
        "unmatched_count": (
            selectors.unmatched_count(user=request.user) if sorts_out_unmatched else None
        ),
        "can_assign": has_role(request.user, Role.ADMIN),
        "is_manager": sorts_out_unmatched,
        # The account the answers are narrowed to, when the reader may open it.
        "account": (
            access.accounts_visible_to(request.user).filter(pk=filters.account).first()
            if filters.account is not None
            else None
        ),
    }
    template = "playbooks/answers.html#results" if request.htmx else "playbooks/answers.html"
    return render(request, template, context)


@role_required(Role.CSM, Role.MANAGER, Role.ADMIN)
def open_case_for_answer(request: HttpRequest, response_id: int) -> HttpResponse:
    """Open a case by hand for an answer that has none (a promoter to thank, a passive to
    win over), choosing its playbook. An answer the reader may not see is a 404."""
    answer = selectors.visible_answer(user=request.user, response_id=response_id)
    if answer is None:
        raise Http404("No such answer.")
    if answer.current_cases:
        messages.info(request, _("This answer has a case already."))
        return redirect("case-detail", answer.current_cases[0].pk)
    suggested = selectors.playbook_for(response=answer)
    form = forms_.OpenCaseForm(
        request.POST or None, initial={"playbook": suggested.pk if suggested else None}
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = engine.open_case_by_hand(
                response_id=answer.pk, playbook=form.cleaned_data["playbook"], actor=request.user
            )
        except engine.CaseAlreadyOpen as refused:
            messages.info(request, _("This answer has a case already."))
            return redirect("case-detail", refused.case_id)
        messages.success(
            request,
            _("Case #%(id)s opened with playbook '%(playbook)s'.")
            % {"id": case.pk, "playbook": in_reader_language(case.playbook.name)},
        )
        return redirect("case-detail", case.pk)
    status = 422 if form.errors else 200
    return render(
        request, "playbooks/open_case.html", {"answer": answer, "form": form}, status=status
    )


@role_required(Role.ADMIN)
def assign_answer(request: HttpRequest, response_id: int) -> HttpResponse:
    """An admin tells which account an unmatched answer's contact belongs to; the contact's
    other unmatched answers, and their cases, follow."""
    answer = selectors.unmatched_answer(response_id=response_id)
    if answer is None:
        if not Response.objects.filter(pk=response_id).exists():
            raise Http404("No such answer.")
        messages.info(request, _("This answer is already matched to an account."))
        return redirect(f"{reverse('answer-list')}?show=unmatched")
    form = forms_.AssignAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = form.cleaned_data["account"]
        contact = answer.contact
        matched = assign_account_to_contact(contact=contact, account=account, actor=request.user)
        messages.success(
            request,
            ngettext(
                "%(who)s is now a contact of %(account)s, with %(count)d answer.",
                "%(who)s is now a contact of %(account)s, with %(count)d answers.",
                matched,
            )
            % {"who": contact.name or contact.email, "account": account.name, "count": matched},
        )
        return redirect(f"{reverse('answer-list')}?show=unmatched")
    search = request.GET.get("q", "").strip()[:100]
    hint = _search_hint(answer.contact.email)
    accounts = selectors.accounts_matching(search or hint)
    if not accounts and not search:
        accounts = selectors.accounts_like(hint)
    context = {
        "answer": answer,
        "form": form,
        "search": search or hint,
        "suggested": bool(accounts) and not search,
        "accounts": accounts,
    }
    status = 422 if form.errors else 200
    return render(request, "playbooks/assign_answer.html", context, status=status)


def _search_hint(email: str) -> str:
    """What to search for first: the mail domain's name ("north wind" for a@north-wind.com)."""
    return email.rsplit("@", 1)[-1].split(".")[0].replace("-", " ")


# --- actions on a case ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Action:
    form: type[forms.Form]
    run: Callable[[HttpRequest, Case, dict], str]  # does it; returns the success message
    # Only for who works the case as a whole; a step's or an item's own people do the
    # actions on it (checked where the step or item is found), every reader writes notes.
    whole_case: bool = False


def _step_of(case: Case, request: HttpRequest) -> CaseStep:
    step = case.steps.filter(pk=_id(request.POST.get("step"))).first()
    if step is None:
        raise CaseActionRefused(_("That step is not part of this case: reload the page."))
    if not access.may_work_step(request.user, case, step):
        raise CaseActionRefused(
            _("This step is for %(who)s: only they, the case's owner or a manager can do it.")
            % {"who": step.assignee.name if step.assignee else _("the managers")}
        )
    return step


def _item_of(case: Case, request: HttpRequest) -> ActionItem:
    item = case.action_items.filter(pk=_id(request.POST.get("item"))).first()
    if item is None:
        raise CaseActionRefused(_("That action is not part of this case: reload the page."))
    if not access.may_work_item(request.user, case, item):
        raise CaseActionRefused(
            _(
                "This action belongs to %(who)s: only they, the case's owner or a manager can "
                "change it."
            )
            % {"who": item.owner.name if item.owner else _("the managers")}
        )
    return item


def _id(value: str | None) -> int:
    return int(value) if value and value.isdecimal() and len(value) < 12 else 0


def _log_call(request, case, data) -> str:
    cases.log_call(
        step=_step_of(case, request),
        actor=request.user,
        reached=data["reached"],
        called_at=data["called_at"],
        themes=data["themes"],
        notes=data["notes"],
    )
    return _("Call logged.") if data["reached"] else _("Attempt logged: try again soon.")


def _complete(request, case, data) -> str:
    step = cases.complete_step(step=_step_of(case, request), actor=request.user, note=data["note"])
    return _("Done: %(step)s.") % {"step": in_reader_language(step.title)}


def _skip(request, case, data) -> str:
    step = cases.skip_step(step=_step_of(case, request), actor=request.user, reason=data["reason"])
    return _("Skipped: %(step)s.") % {"step": in_reader_language(step.title)}


def _add_item(request, case, data) -> str:
    cases.add_action_item(case=case, actor=request.user, **data)
    return _("Action added to the plan.")


def _change_item(request, case, data) -> str:
    item = cases.update_action_item(item=_item_of(case, request), actor=request.user, **data)
    who = item.owner.name if item.owner else _("the managers")
    return _("'%(item)s' is now for %(who)s.") % {"item": item.text, "who": who}


def _item_status(request, case, data) -> str:
    item = cases.set_action_item_status(
        item=_item_of(case, request), actor=request.user, status=data["status"]
    )
    return _("'%(item)s' is now %(status)s.") % {
        "item": item.text,
        "status": item.get_status_display().lower(),
    }


def _add_note(request, case, data) -> str:
    note = notes.add_note(author=request.user, body=data["body"], case=case)
    told = note.mentions.count()
    if told:
        return ngettext(
            "Note added; %(n)s person mentioned was told.",
            "Note added; %(n)s people mentioned were told.",
            told,
        ) % {"n": told}
    return _("Note added.")


def _escalate(request, case, data) -> str:
    cases.raise_escalation(case=case, actor=request.user, **data)
    return _("Escalated: the managers will see it on their dashboard.")


def _close(request, case, data) -> str:
    cases.close_case(case=case, actor=request.user, **data)
    return _("Case closed. Loop closed.")


def _reopen(request, case, data) -> str:
    cases.reopen_case(case=case, actor=request.user, reason=data["reason"])
    return _("Case reopened.")


def _reassign(request, case, data) -> str:
    cases.reassign_case(case=case, actor=request.user, owner=data["owner"])
    who = data["owner"].name if data["owner"] else _("the managers")
    return _("Case given to %(who)s.") % {"who": who}


CASE_ACTIONS: dict[str, _Action] = {
    "log-call": _Action(forms_.LogCallForm, _log_call),
    "complete-step": _Action(forms_.CompleteStepForm, _complete),
    "skip-step": _Action(forms_.SkipStepForm, _skip),
    "add-action": _Action(forms_.ActionItemForm, _add_item, whole_case=True),
    "action-status": _Action(forms_.ActionStatusForm, _item_status),
    "action-change": _Action(forms_.ActionChangeForm, _change_item),
    "add-note": _Action(forms_.NoteForm, _add_note),
    "escalate": _Action(forms_.EscalationForm, _escalate, whole_case=True),
    "close": _Action(forms_.CloseCaseForm, _close, whole_case=True),
    "reopen": _Action(forms_.ReopenCaseForm, _reopen, whole_case=True),
    "reassign": _Action(forms_.ReassignCaseForm, _reassign),
}


@login_required
@require_POST
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """Do one thing on a case, then show the case again with what happened."""
    spec = CASE_ACTIONS.get(action)
    if spec is None or not has_role(request.user, Role.CSM, Role.MANAGER, Role.ADMIN):
        raise Http404("No such action.")
    case = selectors.case_detail(user=request.user, case_id=case_id)
    if case is None:
        raise Http404("No such case.")
    if spec.whole_case and not access.may_work(request.user, case):
        messages.error(
            request,
            _(
                "You can read this case and do your own part of it; its owner, the account's "
                "CSM or a manager works the rest."
            ),
        )
        return _case_page(request, case_id, status=403)
    form = spec.form(request.POST, prefix=action)
    if not form.is_valid():
        messages.error(request, _("Check the form: %(errors)s") % {"errors": _errors(form)})
        return _case_page(request, case_id, status=422, invalid={action: form})
    try:
        done = spec.run(request, case, form.cleaned_data)
    except (CaseActionRefused, TransitionNotAllowed, ValidationError) as refused:
        # Refused: the page comes back with the form as it was filled in, so that nothing
        # typed (a post-mortem...) is lost, and the reason beside the field it concerns.
        messages.error(request, _refusal_text(refused))
        _attach(refused, form)
        return _case_page(request, case_id, status=422, invalid={action: form})
    messages.success(request, done)
    return redirect("case-detail", case_id=case_id)


def _refusal_text(refused: Exception) -> str:
    if isinstance(refused, ValidationError):
        return " ".join(refused.messages)
    return str(refused)


def _attach(refused: Exception, form: forms.Form) -> None:
    """Show a service's field errors beside the form's fields of the same name."""
    if isinstance(refused, ValidationError) and hasattr(refused, "error_dict"):
        for field, errors in refused.error_dict.items():
            if field in form.fields:
                form.add_error(field, errors)


def _errors(form: forms.Form) -> str:
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}".strip(": ")
        for name, errors in form.errors.items()
    )
