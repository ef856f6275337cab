"""The case page: the answer, the 360° view, the steps and the timeline, for who may see it."""

import pytest
from django.urls import reverse

from accounts.models import Persona
from playbooks.models import Case
from playbooks.services.cases import add_action_item, log_call
from playbooks.services.engine import process_response
from tests.factories import (
    AccountFactory,
    ContactFactory,
    InteractionFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def url(case: Case) -> str:
    return reverse("case-detail", args=[case.pk])


def test_an_anonymous_visitor_is_sent_to_sign_in(client, case):
    reply = client.get(url(case))

    assert reply.status_code == 302
    assert reply.url.startswith(reverse("login"))


def test_a_user_without_a_role_is_refused(client, case):
    client.force_login(UserFactory())

    assert client.get(url(case)).status_code == 403


def test_the_owner_csm_opens_the_case(client, case, csm):
    client.force_login(csm)

    assert client.get(url(case)).status_code == 200


def test_another_csm_gets_a_404(client, case, other_csm):
    client.force_login(other_csm)

    assert client.get(url(case)).status_code == 404


@pytest.mark.parametrize("role_fixture", ["manager", "admin_user"])
def test_managers_and_admins_open_any_case(client, request, case, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))

    assert client.get(url(case)).status_code == 200


def test_an_unknown_case_is_a_404(client, csm):
    client.force_login(csm)

    assert client.get(reverse("case-detail", args=[999999])).status_code == 404


def test_the_page_shows_the_answer_the_steps_and_the_timeline(client, case, csm):
    log_call(
        step=case.steps.get(kind="qualification_call"),
        actor=csm,
        reached=True,
        notes="Invoices wrong for 3 months",
    )
    add_action_item(case=case, actor=csm, audience="customer", text="Credit the March invoice")
    client.force_login(csm)

    page = client.get(url(case)).content.decode()

    assert f"Scored {case.response.score}" in page
    assert "Call the customer to understand" in page
    assert "Invoices wrong for 3 months" in page
    assert "Credit the March invoice" in page
    assert "Case opened by playbook" in page
    assert "Call logged: reached." in page


def test_the_360_view_shows_the_account_its_other_answers_and_interactions(
    default_playbooks, client, csm
):
    account = AccountFactory(csm=csm, name="Globex")
    colleague = ContactFactory(account=account, name="Hank Scorpio", persona=Persona.EXEC_SPONSOR)
    ResponseFactory(contact=colleague, score=2)
    InteractionFactory(account=account, summary="Escalated ticket about exports")
    response = ResponseFactory(contact=ContactFactory(account=account), score=4)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    client.force_login(csm)

    page = client.get(url(case)).content.decode()

    assert "Globex" in page
    assert "Hank Scorpio" in page
    assert "goes beyond one person" in page
    assert "Escalated ticket about exports" in page


def test_comments_and_names_are_escaped(default_playbooks, client, csm):
    contact = ContactFactory(account=AccountFactory(csm=csm), name="<b>Bold</b>")
    response = ResponseFactory(contact=contact, score=2, comment="<img src=x onerror=alert(1)>")
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    client.force_login(csm)

    page = client.get(url(case)).content.decode()

    assert "<img src=x" not in page
    assert "<b>Bold</b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize("answers", [3, 300])
def test_the_query_count_does_not_grow_with_the_account_answers(
    default_playbooks, client, csm, answers, django_assert_max_num_queries
):
    account = AccountFactory(csm=csm)
    for _ in range(answers):
        ResponseFactory(contact=ContactFactory(account=account), score=9)
        InteractionFactory(account=account)
    response = ResponseFactory(contact=ContactFactory(account=account), score=3, comment="Slow")
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    client.force_login(csm)

    with django_assert_max_num_queries(20):
        assert client.get(url(case)).status_code == 200
