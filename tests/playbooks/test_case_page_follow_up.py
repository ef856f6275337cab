"""What the case page says of a follow-up survey requested and not answered yet: sent,
scheduled for a later date, or none went out. It never says "sent" before it is."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from playbooks.models import ActionAudience, ActionStatus, StepKind
from playbooks.services.cases import add_action_item, log_call, set_action_item_status
from playbooks.services.schedule import request_follow_up
from surveys.models import Invitation
from surveys.services.sending import send_due_invitations

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(case, csm):
    """The plan done and the follow-up survey requested, under the loop's survey rules."""
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=True)
    item = add_action_item(case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Fix")
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)
    return case


def case_page(client, csm, case) -> str:
    client.force_login(csm)
    return client.get(reverse("case-detail", args=[case.pk])).content.decode()


def test_a_follow_up_not_sent_yet_says_it_is_on_its_way(client, csm, requested):
    # The case's own answer is recent, and the survey goes out all the same, at once.
    request_follow_up(case_id=requested.pk)
    invitation = Invitation.objects.get(contact=requested.contact)
    assert invitation.scheduled_for <= timezone.now()

    page = case_page(client, csm, requested)

    assert "Follow-up survey sent, no answer yet." not in page
    assert "Follow-up survey on its way to the customer." in page


def test_a_follow_up_scheduled_for_later_says_when_it_goes_out(client, csm, requested):
    request_follow_up(case_id=requested.pk)
    later = timezone.now() + dt.timedelta(days=3)
    Invitation.objects.filter(contact=requested.contact).update(scheduled_for=later)

    page = case_page(client, csm, requested)

    when = date_format(timezone.localtime(later), "DATE_FORMAT")
    assert f"Follow-up survey scheduled for {when}." in page


def test_a_follow_up_that_went_out_says_sent(client, csm, requested):
    request_follow_up(case_id=requested.pk)
    send_due_invitations(limit=10, now=timezone.now() + dt.timedelta(minutes=1))

    page = case_page(client, csm, requested)

    assert "Follow-up survey sent, no answer yet." in page


def test_a_follow_up_refused_by_the_survey_rules_says_none_went_out(client, csm, requested):
    type(requested.contact).objects.filter(pk=requested.contact_id).update(opted_out=True)
    request_follow_up(case_id=requested.pk)

    page = case_page(client, csm, requested)

    assert "Follow-up survey sent, no answer yet." not in page
    assert "No follow-up survey went out: the timeline says why." in page
