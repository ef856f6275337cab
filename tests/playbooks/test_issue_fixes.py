"""“We fixed it”: a manager marks a recurring issue fixed with a release note; the linked
cases say it, the contacts who raised it may be emailed (in their language, never those who
opted out, were erased or bounced, once each), and their NPS before and after shows."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from core import background
from playbooks.fix_defaults import DEFAULT_FIX_EMAILS
from playbooks.models import CaseEvent, FixEmail, FixEmailStatus, IssueFix
from playbooks.selectors.issue_fixes import fix_audience, fix_results
from playbooks.services.issue_fixes import (
    mark_issue_fixed,
    queue_fix_emails,
    requeue_lost_fix_emails,
)
from playbooks.tasks import send_fix_emails
from playbooks.timeline import event_text
from surveys.models import InvitationStatus, Theme
from tests.factories import ContactFactory, InvitationFactory, ResponseFactory, closed_case

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR_AGO = TODAY - dt.timedelta(days=365)
NOTE = "Replies now come within four hours."
TEMPLATES = {language: DEFAULT_FIX_EMAILS[language] for language in ("en", "fr")}


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, dict]]:
    """The tasks sent to the broker, recorded instead of sent."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(background, "enqueue", lambda name, **kwargs: sent.append((name, kwargs)))
    return sent


@pytest.fixture
def raised(csm, root_cause):
    """Support › Response time closed for a detractor, a French passive and a promoter."""
    cases = {
        "detractor": closed_case(root_cause=root_cause, actor=csm, score=2),
        "passive": closed_case(root_cause=root_cause, actor=csm, score=7),
        "promoter": closed_case(root_cause=root_cause, actor=csm, score=10),
    }
    french = cases["passive"].contact
    french.name, french.language = "Camille Durand", "fr"
    french.save(update_fields=["name", "language"])
    return cases


def fixed(root_cause, manager, **kwargs) -> IssueFix:
    return mark_issue_fixed(
        kind="root_cause",
        issue_id=root_cause.pk,
        note=NOTE,
        actor=manager,
        raised_from=YEAR_AGO,
        raised_to=TODAY,
        **kwargs,
    )


def form_data(**changes) -> dict:
    data = {"raised_from": YEAR_AGO.isoformat(), "raised_to": TODAY.isoformat()}
    for language, (subject, body) in TEMPLATES.items():
        data[f"subject_{language}"], data[f"body_{language}"] = subject, body
    return {**data, **changes}


def send_all(fix, manager, queued, capture) -> list[int]:
    with capture(execute=True):
        queue_fix_emails(
            fix=fix, actor=manager, templates=TEMPLATES, raised_from=YEAR_AGO, raised_to=TODAY
        )
    return [kwargs["email_ids"] for name, kwargs in queued if name == "playbooks.send_fix_emails"]


# --- marking it fixed -----------------------------------------------------------------------


def test_a_manager_marks_a_cause_fixed_from_the_recurring_issues_page(
    client, manager, raised, root_cause
):
    client.force_login(manager)
    page = client.get(reverse("recurring-issues")).content.decode()
    link = reverse("issue-fix-new", args=["root_cause", root_cause.pk])
    assert link in page

    response = client.post(
        link, {"note": NOTE, "raised_from": YEAR_AGO.isoformat(), "raised_to": TODAY.isoformat()}
    )

    fix = IssueFix.objects.get()
    assert response["Location"] == reverse("issue-fix", args=[fix.pk])
    assert (fix.root_cause, fix.note, fix.fixed_by) == (root_cause, NOTE, manager)


def test_each_linked_case_says_the_issue_was_fixed(manager, raised, root_cause):
    fixed(root_cause, manager)

    events = CaseEvent.objects.filter(kind="issue_fixed")
    assert {event.case_id for event in events} == {case.pk for case in raised.values()}
    assert {event.message for event in events} == {f"The issue was fixed: {NOTE}"}
    with translation.override("fr"):
        assert event_text(events[0]) == f"Le problème a été corrigé : {NOTE}"


def test_a_release_note_is_required(client, manager, root_cause):
    client.force_login(manager)

    response = client.post(
        reverse("issue-fix-new", args=["root_cause", root_cause.pk]),
        {"note": " ", "raised_from": YEAR_AGO.isoformat(), "raised_to": TODAY.isoformat()},
    )

    assert response.status_code == 422
    assert "Write the release note" in response.content.decode()
    assert not IssueFix.objects.exists()


def test_csms_may_neither_mark_a_fix_nor_see_one(client, csm, manager, root_cause):
    fix = fixed(root_cause, manager)
    client.force_login(csm)

    new = reverse("issue-fix-new", args=["root_cause", root_cause.pk])
    assert client.get(new).status_code == 403
    assert client.post(new, {"note": NOTE}).status_code == 403
    assert client.get(reverse("issue-fix", args=[fix.pk])).status_code == 403


def test_a_theme_is_marked_fixed_too(client, manager):
    theme = Theme.objects.create(name="Invoicing", name_fr="Factures")
    ResponseFactory(score=3).themes.add(theme)
    client.force_login(manager)

    client.post(
        reverse("issue-fix-new", args=["theme", theme.pk]),
        {"note": NOTE, "raised_from": YEAR_AGO.isoformat(), "raised_to": TODAY.isoformat()},
    )

    assert IssueFix.objects.get().theme == theme
    assert fix_audience(IssueFix.objects.get()).raised == 1


# --- who is emailed -------------------------------------------------------------------------


def test_detractors_and_passives_raised_it_promoters_did_not(manager, raised, root_cause):
    audience = fix_audience(fixed(root_cause, manager))

    assert {r.contact_id for r in audience.recipients} == {
        raised["detractor"].contact_id,
        raised["passive"].contact_id,
    }
    assert audience.by_language() == {"en": 1, "fr": 1}


def test_opted_out_erased_and_bounced_contacts_are_left_out_and_counted(manager, csm, root_cause):
    cases = [closed_case(root_cause=root_cause, actor=csm, score=1) for _ in range(4)]
    opted_out, erased, bounced, kept = (case.contact for case in cases)
    type(opted_out).objects.filter(pk=opted_out.pk).update(opted_out=True)
    type(erased).objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    InvitationFactory(contact=bounced, status=InvitationStatus.BOUNCED)

    audience = fix_audience(fixed(root_cause, manager))

    assert [r.contact_id for r in audience.recipients] == [kept.pk]
    assert audience.excluded == {"opted_out": 1, "erased": 1, "bounced": 1}


def test_the_page_says_how_many_get_it_and_why_the_others_do_not(
    client, manager, raised, root_cause
):
    type(raised["detractor"].contact).objects.filter(pk=raised["detractor"].contact_id).update(
        opted_out=True
    )
    fix = fixed(root_cause, manager)
    client.force_login(manager)

    page = client.get(reverse("issue-fix", args=[fix.pk])).content.decode()

    assert "1 contact will receive it" in page
    assert "Opted out of emails: 1" in page


def test_the_preview_shows_the_email_in_french_with_the_release_note(
    client, manager, raised, root_cause
):
    fix = fixed(root_cause, manager)
    client.force_login(manager)

    page = client.post(
        reverse("issue-fix", args=[fix.pk]), form_data(action="preview")
    ).content.decode()

    assert "Bonjour Camille," in page
    assert "c&#x27;est corrigé : Support › Délai de réponse" in page
    assert NOTE in page
    assert not FixEmail.objects.exists()


def test_an_unknown_placeholder_is_refused_with_its_name(client, manager, raised, root_cause):
    fix = fixed(root_cause, manager)
    client.force_login(manager)

    response = client.post(
        reverse("issue-fix", args=[fix.pk]),
        form_data(action="send", body_fr="Bonjour {prenom}, {release_note}"),
    )

    assert response.status_code == 422
    assert "Unknown placeholders: {prenom}" in response.content.decode()
    assert not FixEmail.objects.exists()


# --- sending --------------------------------------------------------------------------------


def test_send_queues_the_emails_in_batches_and_each_contact_gets_one_in_their_language(
    manager, raised, root_cause, queued, django_capture_on_commit_callbacks
):
    fix = fixed(root_cause, manager)

    batches = send_all(fix, manager, queued, django_capture_on_commit_callbacks)
    for batch in batches:
        send_fix_emails(email_ids=batch)
    for batch in batches:  # the batch delivered twice
        send_fix_emails(email_ids=batch)

    assert len(batches) == 1
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [raised["detractor"].contact.email, raised["passive"].contact.email]
    )
    french = next(m for m in mail.outbox if m.to == [raised["passive"].contact.email])
    assert french.body.startswith("Bonjour Camille,")
    assert NOTE in french.body
    assert french.reply_to == [manager.email]
    assert set(FixEmail.objects.values_list("status", flat=True)) == {FixEmailStatus.SENT}


def test_sending_twice_queues_nothing_more(
    manager, raised, root_cause, queued, django_capture_on_commit_callbacks
):
    fix = fixed(root_cause, manager)
    send_all(fix, manager, queued, django_capture_on_commit_callbacks)

    again = queue_fix_emails(
        fix=fix, actor=manager, templates=TEMPLATES, raised_from=YEAR_AGO, raised_to=TODAY
    )

    assert again == 0
    assert FixEmail.objects.count() == 2


def test_a_contact_who_opts_out_before_their_batch_is_not_emailed(
    manager, raised, root_cause, queued, django_capture_on_commit_callbacks
):
    fix = fixed(root_cause, manager)
    batches = send_all(fix, manager, queued, django_capture_on_commit_callbacks)
    contact = raised["detractor"].contact
    type(contact).objects.filter(pk=contact.pk).update(opted_out=True)

    send_fix_emails(email_ids=batches[0])

    assert [message.to for message in mail.outbox] == [[raised["passive"].contact.email]]
    assert FixEmail.objects.get(contact=contact).status == FixEmailStatus.REFUSED


def test_emails_whose_batch_the_broker_lost_are_queued_again(
    manager, raised, root_cause, queued, django_capture_on_commit_callbacks
):
    fix = fixed(root_cause, manager)
    send_all(fix, manager, queued, django_capture_on_commit_callbacks)
    queued.clear()

    assert requeue_lost_fix_emails() == 0  # just queued: their batch is on its way
    later = timezone.now() + dt.timedelta(minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_lost_fix_emails(now=later) == 2

    [(name, kwargs)] = queued
    send_fix_emails(email_ids=kwargs["email_ids"])
    assert (name, kwargs["queue"]) == ("playbooks.send_fix_emails", "bulk")
    assert requeue_lost_fix_emails(now=later) == 0
    assert len(mail.outbox) == 2


def test_the_send_button_queues_and_says_how_many(client, manager, raised, root_cause, queued):
    fix = fixed(root_cause, manager)
    client.force_login(manager)

    response = client.post(
        reverse("issue-fix", args=[fix.pk]), form_data(action="send"), follow=True
    )

    assert "2 emails are on their way" in response.content.decode()
    assert FixEmail.objects.filter(fix=fix).count() == 2


# --- before and after -----------------------------------------------------------------------


def test_the_nps_of_those_contacts_before_and_after_the_fix(manager, raised, root_cause):
    fix = fixed(root_cause, manager, fixed_at=timezone.now() + dt.timedelta(minutes=1))
    later = timezone.now() + dt.timedelta(days=3)
    ResponseFactory(contact=raised["detractor"].contact, score=9, answered_at=later)
    ResponseFactory(contact=raised["passive"].contact, score=10, answered_at=later)
    ResponseFactory(contact=ContactFactory(), score=0, answered_at=later)  # not one of them

    result = fix_results([fix])[0]

    # Before: the latest answers, a 2 and a 7; after: a 9 and a 10.
    assert (result.before.nps, result.before.responses) == (-50.0, 2)
    assert (result.after.nps, result.after.responses) == (100.0, 2)
    assert result.contacts == 2


def test_the_recurring_issues_page_shows_each_fix_with_its_nps(client, manager, raised, root_cause):
    fix = fixed(root_cause, manager)
    client.force_login(manager)

    page = client.get(reverse("recurring-issues")).content.decode()

    assert reverse("issue-fix", args=[fix.pk]) in page
    assert "NPS before" in page and "Fixed on" in page


def test_the_dashboard_shows_the_latest_fixes_with_their_nps(client, manager, raised, root_cause):
    fix = fixed(root_cause, manager)
    client.force_login(manager)

    page = client.get(reverse("dashboard")).content.decode()

    assert "Fixed issues: NPS before and after" in page
    assert reverse("issue-fix", args=[fix.pk]) in page


def test_the_dashboard_says_what_to_do_when_nothing_was_fixed_yet(client, manager):
    client.force_login(manager)

    page = client.get(reverse("dashboard")).content.decode()

    assert "No issue marked as fixed yet" in page
