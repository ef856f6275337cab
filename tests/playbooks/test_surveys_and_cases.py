"""Surveys and cases: nobody is surveyed while their case is worked on, and the follow-up
survey goes out through the same rules as any survey."""

import pytest
from django.core import mail

from core.models import LoopSettings
from playbooks.models import (
    ActionAudience,
    ActionStatus,
    CaseOutcome,
    StepKind,
)
from playbooks.services.cases import (
    add_action_item,
    close_case,
    log_call,
    set_action_item_status,
)
from playbooks.services.schedule import request_follow_up
from surveys.models import Exclusion, Invitation, InvitationPurpose, InvitationStatus
from surveys.services.campaigns import create_campaign, launch_campaign, plan_campaign
from surveys.services.sending import send_due_invitations
from surveys.services.suppressions import suppress_surveys
from surveys.tasks import send_invitations
from tests.factories import ContactFactory, InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sender(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NPS_SURVEY_EMAILS_PER_MINUTE = 100_000


@pytest.fixture
def no_throttling():
    """The case's own answer would otherwise keep its contact from being surveyed."""
    loop = LoopSettings.current()
    loop.survey_throttle_days = 0
    loop.save()


def survey_everyone(manager, name: str) -> dict[int, Invitation]:
    campaign = create_campaign(actor=manager, name=name)
    launch_campaign(campaign=campaign, actor=manager)
    plan_campaign(campaign_id=campaign.pk)
    send_due_invitations(limit=100)
    return {i.contact_id: i for i in campaign.invitations.all()}


def work_the_plan(case, csm) -> None:
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=True)
    item = add_action_item(
        case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Fix the invoices"
    )
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)
    case.refresh_from_db()


def test_a_contact_is_not_surveyed_while_their_case_is_open_and_is_once_it_closes(
    case, csm, manager, no_throttling, root_cause
):
    colleague = ContactFactory(account=case.account)

    during = survey_everyone(manager, "During the case")

    assert during[case.contact_id].status == InvitationStatus.EXCLUDED
    assert during[case.contact_id].exclusion == Exclusion.SUPPRESSED
    assert "A case is open" in during[case.contact_id].exclusion_note
    assert during[colleague.pk].status == InvitationStatus.SENT  # only the contact is paused

    work_the_plan(case, csm)
    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem="Invoices fixed.",
        root_cause=root_cause,
    )
    after = survey_everyone(manager, "After the case")

    assert after[case.contact_id].status == InvitationStatus.SENT


def test_the_follow_up_survey_is_sent_despite_the_case_suppression(
    case, csm, no_throttling, django_capture_on_commit_callbacks
):
    work_the_plan(case, csm)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request_follow_up(case_id=case.pk)
    assert callbacks, "the sender is started once the follow-up is committed"

    assert send_invitations() == 1

    invitation = Invitation.objects.get(contact=case.contact)
    assert invitation.purpose == InvitationPurpose.FOLLOW_UP
    assert invitation.campaign is None
    assert invitation.status == InvitationStatus.SENT
    assert mail.outbox[0].to == [case.contact.email]
    assert mail.outbox[0].subject == "Has anything changed? One question, one click"
    step = case.steps.get(kind=StepKind.FOLLOW_UP_SURVEY)
    assert step.result["invitation"] == invitation.pk
    assert "Follow-up survey sent to" in case.events.get(kind="follow_up_requested").message


def test_the_follow_up_goes_out_on_its_date_inside_the_throttling_window_and_over_quota(case, csm):
    """The case's own answer came today and the window is 90 days: the follow-up the plan
    promised goes out all the same, as it does past the account's quota."""
    loop = LoopSettings.current()
    loop.account_survey_quota = 1
    loop.save()
    # The account's quota of one is taken by a colleague's survey.
    InvitationFactory(contact=ContactFactory(account=case.account))
    work_the_plan(case, csm)

    request_follow_up(case_id=case.pk)

    assert send_invitations() == 1
    invitation = Invitation.objects.get(contact=case.contact)
    assert invitation.status == InvitationStatus.SENT
    assert "Follow-up survey sent to" in case.events.get(kind="follow_up_requested").message


def test_no_follow_up_goes_to_a_contact_who_opted_out_or_is_suppressed_otherwise(
    case, csm, no_throttling
):
    work_the_plan(case, csm)
    suppress_surveys(account=case.account, note="Renewal negotiation")

    request_follow_up(case_id=case.pk)

    assert not Invitation.objects.filter(contact=case.contact).exists()
    event = case.events.get(kind="follow_up_requested").message
    assert "No follow-up survey sent" in event and "Renewal negotiation" in event
    assert case.steps.get(kind=StepKind.FOLLOW_UP_SURVEY).result["invitation"] is None
