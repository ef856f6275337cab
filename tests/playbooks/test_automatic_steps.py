"""Each automatic step kind, configured as an admin would, on a playbook of its own."""

import pytest
from django.core import mail

from core.roles import Role, set_role
from playbooks.models import Case, CaseStep, StepKind, StepStatus
from playbooks.services.engine import process_response
from playbooks.services.notifications import deliver_step
from surveys.models import Suppression
from surveys.selectors import survey_clearance
from tests.factories import (
    AccountFactory,
    ContactFactory,
    PlaybookFactory,
    PlaybookStepFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def playbook_with(kind: str, **options):
    playbook = PlaybookFactory(
        for_detractors=True, for_passives=True, for_promoters=True, priority=10
    )
    PlaybookStepFactory(playbook=playbook, kind=kind, due_in_days=None, options=options)
    return playbook


def run(contact, score=4) -> CaseStep:
    response = ResponseFactory(contact=contact, score=score)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    return case.steps.get()


def test_suppression_of_the_whole_account_stops_surveys_to_its_other_people(csm):
    playbook_with(StepKind.SUPPRESS_SURVEYS, scope="account")
    account = AccountFactory(csm=csm)
    colleague = ContactFactory(account=account)

    step = run(ContactFactory(account=account))

    assert step.result["scope"] == "account"
    assert Suppression.objects.get().account == account
    assert not survey_clearance(email=colleague.email).allowed


def test_the_acknowledgement_thanks_the_customer_by_email(csm):
    playbook_with(StepKind.ACKNOWLEDGE)
    contact = ContactFactory(account=AccountFactory(csm=csm), name="Dana Scully")

    step = run(contact, score=9)
    assert deliver_step(step_id=step.pk) is True

    assert [m.to for m in mail.outbox] == [[contact.email]]
    assert "Hello Dana," in mail.outbox[0].body
    assert f"{csm.name} will get in touch" in mail.outbox[0].body


def test_no_acknowledgement_goes_to_a_contact_who_opted_out(csm):
    playbook_with(StepKind.ACKNOWLEDGE)
    contact = ContactFactory(account=AccountFactory(csm=csm), opted_out=True)

    step = run(contact)

    assert step.status == StepStatus.DONE
    assert deliver_step(step_id=step.pk) is False
    assert mail.outbox == []


def test_a_notification_to_managers_reaches_every_manager(csm, manager):
    set_role(UserFactory(email="m2@nps-loop.test"), Role.MANAGER)
    playbook_with(StepKind.NOTIFY, to="managers")

    step = run(ContactFactory(account=AccountFactory(csm=csm)))
    deliver_step(step_id=step.pk)

    assert sorted(mail.outbox[0].to) == sorted([manager.email, "m2@nps-loop.test"])


def test_a_case_without_owner_notifies_the_managers(manager):
    playbook_with(StepKind.NOTIFY, to="owner")

    step = run(ContactFactory(account=AccountFactory(csm=None)))
    deliver_step(step_id=step.pk)

    assert mail.outbox[0].to == [manager.email]


def test_each_manager_reads_the_notification_in_the_language_of_their_profile(csm, manager):
    french = UserFactory(email="m2@nps-loop.test", language="fr")
    set_role(french, Role.MANAGER)
    playbook_with(StepKind.NOTIFY, to="managers")

    step = run(ContactFactory(account=AccountFactory(csm=csm, name="Globex")))
    deliver_step(step_id=step.pk)

    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert set(by_recipient) == {(manager.email,), (french.email,)}
    assert by_recipient[(manager.email,)].subject.startswith("[NPS Loop] New")
    assert by_recipient[(french.email,)].subject.startswith("[NPS Loop] Nouveau dossier")
    assert "Globex" in by_recipient[(french.email,)].body


def test_the_acknowledgement_speaks_the_contacts_language(csm):
    playbook_with(StepKind.ACKNOWLEDGE)
    contact = ContactFactory(account=AccountFactory(csm=csm), name="Léa Roux", language="fr")

    deliver_step(step_id=run(contact).pk)

    assert "Merci" in mail.outbox[0].body
    assert "Thank you" not in mail.outbox[0].body


def test_a_delivery_recorded_without_sending_emails_nobody(csm, manager):
    playbook_with(StepKind.NOTIFY, to="managers")
    step = run(ContactFactory(account=AccountFactory(csm=csm)))

    assert deliver_step(step_id=step.pk, send=False) is True

    assert mail.outbox == []
    step.refresh_from_db()
    assert step.result["sent"] is True
    assert step.case.events.filter(kind="notification_sent").exists()
    assert deliver_step(step_id=step.pk) is False  # and the worker does not send it later
    assert mail.outbox == []


def test_the_timeline_names_who_was_told_not_their_address(csm, manager):
    playbook_with(StepKind.NOTIFY, to="owner")
    step = run(ContactFactory(account=AccountFactory(csm=csm)))

    deliver_step(step_id=step.pk)

    event = step.case.events.get(kind="notification_sent")
    assert event.message == f"Notified {csm.name}"
    assert step.case.steps.get().result["sent_to"] == csm.email  # the address stays in the data


def test_the_timeline_says_the_managers_were_told(csm, manager):
    playbook_with(StepKind.NOTIFY, to="managers")
    step = run(ContactFactory(account=AccountFactory(csm=csm)))

    deliver_step(step_id=step.pk)

    assert step.case.events.get(kind="notification_sent").message == "Notified the managers"
