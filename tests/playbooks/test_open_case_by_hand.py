"""Opening a case by hand for an answer that has none: a promoter to thank, a passive to win
over. The case is the one the engine would open, and one answer never gets two."""

import pytest
from django.urls import reverse

from playbooks.models import Case, CaseEvent
from playbooks.services.engine import process_response
from surveys.models import Response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db


def url(answer) -> str:
    return reverse("answer-open-case", args=[answer.pk])


@pytest.fixture
def promoter(csm, default_playbooks):
    answer = ResponseFactory(
        contact=ContactFactory(account=AccountFactory(csm=csm, name="Hooli")),
        score=10,
        comment="Your support team is great.",
    )
    process_response(response_id=answer.pk)
    Case.objects.filter(response=answer).delete()  # its case, deleted by a superuser
    return answer


def test_a_csm_opens_a_case_for_a_passive_with_the_playbook_they_choose(
    client, csm, default_playbooks
):
    passive = ResponseFactory(
        contact=ContactFactory(account=AccountFactory(csm=csm, name="Hooli")), score=7
    )
    Response.objects.filter(pk=passive.pk).update(processed_at="2026-01-01T00:00:00Z")
    client.force_login(csm)
    detractors = default_playbooks["detractor"]

    page = client.get(url(passive))
    assert page.status_code == 200
    assert "Hooli" in page.content.decode()

    reply = client.post(url(passive), {"playbook": detractors.pk}, follow=True)

    case = Case.objects.get(response=passive)
    assert reply.redirect_chain[-1][0] == reverse("case-detail", args=[case.pk])
    assert f"Case #{case.pk} opened" in reply.content.decode()
    assert (case.playbook, case.owner, case.category) == (detractors, csm, "passive")
    assert case.steps.count() == detractors.steps.count()
    assert case.sla_due_at is not None
    assert case.steps.get(kind="lookup_360").result["account"]["name"] == "Hooli"
    opened = CaseEvent.objects.get(case=case, kind="opened_by_hand")
    assert opened.actor == csm
    assert "by hand" in opened.message


def test_the_form_suggests_the_playbook_of_the_answers_category(
    client, csm, promoter, default_playbooks
):
    client.force_login(csm)

    page = client.get(url(promoter))

    assert page.context["form"].initial["playbook"] == default_playbooks["promoter"].pk


def test_an_answer_with_a_case_gets_no_second_one(client, csm, default_playbooks):
    detractor = ResponseFactory(contact=ContactFactory(account=AccountFactory(csm=csm)), score=2)
    case = Case.objects.get(pk=process_response(response_id=detractor.pk).case_id)
    client.force_login(csm)

    reply = client.post(url(detractor), {"playbook": default_playbooks["promoter"].pk})

    assert reply.status_code == 302
    assert reply.url == reverse("case-detail", args=[case.pk])
    assert Case.objects.filter(response=detractor).count() == 1


def test_a_csm_cannot_open_a_case_for_another_csms_answer(client, other_csm, promoter):
    client.force_login(other_csm)

    assert client.get(url(promoter)).status_code == 404
    assert client.post(url(promoter), {"playbook": 1}).status_code == 404
    assert not Case.objects.filter(response=promoter).exists()


def test_an_inactive_playbook_is_refused_with_a_message(client, csm, promoter, default_playbooks):
    playbook = default_playbooks["promoter"]
    playbook.active = False
    playbook.save()
    client.force_login(csm)

    reply = client.post(url(promoter), {"playbook": playbook.pk})

    assert reply.status_code == 422
    assert "not active any more" in reply.content.decode()
    assert not Case.objects.filter(response=promoter).exists()


def test_the_answers_page_offers_a_case_for_an_answer_without_one(client, csm, promoter):
    client.force_login(csm)

    page = client.get(reverse("answer-list"))

    assert url(promoter) in page.content.decode()


def test_the_account_page_offers_a_case_for_its_answers_without_one(
    client, csm, promoter, default_playbooks
):
    detractor = ResponseFactory(contact=ContactFactory(account=promoter.account), score=1)
    process_response(response_id=detractor.pk)
    client.force_login(csm)

    page = client.get(reverse("account-detail", args=[promoter.account.pk])).content.decode()

    assert url(promoter) in page
    assert url(detractor) not in page  # it has its case
