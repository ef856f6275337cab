"""The playbooks NPS Loop ships are stored in English and read in the reader's language:
their names, step titles and instructions, and the timeline sentences that name a step.
What an admin wrote shows as written."""

import pytest
from django.urls import reverse

from playbooks.models import Case, CaseStep, Playbook, StepKind
from playbooks.services.cases import complete_step, raise_escalation
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory


@pytest.fixture
def french_csm(csm):
    csm.language = "fr"
    csm.save(update_fields=["language"])
    return csm


@pytest.fixture
def case(default_playbooks, french_csm) -> Case:
    account = AccountFactory(csm=french_csm)
    answer = ResponseFactory(contact=ContactFactory(account=account), score=2)
    return Case.objects.get(pk=process_response(response_id=answer.pk).case_id)


def page(client, user, url: str) -> str:
    client.force_login(user)
    return client.get(url).content.decode()


def test_a_french_reader_reads_the_default_steps_in_french(client, case, french_csm):
    html = page(client, french_csm, reverse("case-detail", args=[case.pk]))

    assert "Appeler le client pour comprendre" in html
    assert "Écoutez plus que vous ne parlez" in html
    assert "Suivi des détracteurs" in html
    assert "Call the customer to understand" not in html


def test_an_english_reader_reads_them_as_shipped(client, case, french_csm):
    french_csm.language = "en"
    french_csm.save(update_fields=["language"])

    html = page(client, french_csm, reverse("case-detail", args=[case.pk]))

    assert "Call the customer to understand" in html
    assert "Appeler le client" not in html


def test_the_timeline_names_a_step_done_in_the_reader_s_language(client, case, french_csm):
    share = case.steps.get(kind=StepKind.SHARE_WITH_CHAMPION)
    complete_step(step=share, actor=french_csm, note="Champion informed.")

    html = page(client, french_csm, reverse("case-detail", args=[case.pk]))

    assert "Partager la situation avec le champion du client" in html
    event = case.events.get(kind="step_done")
    assert event.message.startswith("Done: Share the situation with the customer's champion.")


def test_a_step_an_admin_renamed_shows_as_written(client, case, french_csm):
    CaseStep.objects.filter(case=case, kind=StepKind.QUALIFICATION_CALL).update(
        title="Appel de qualification (équipe Nord)"
    )

    html = page(client, french_csm, reverse("case-detail", args=[case.pk]))

    assert "Appel de qualification (équipe Nord)" in html


def test_the_playbook_list_is_in_french(client, default_playbooks, admin_user):
    admin_user.language = "fr"
    admin_user.save(update_fields=["language"])

    html = page(client, admin_user, reverse("playbook-list"))

    assert "Remerciements aux promoteurs" in html
    assert "Engagement des passifs" in html
    assert Playbook.objects.filter(name="Promoter thanks").exists()  # stored as shipped


def test_a_rule_s_escalation_reads_in_the_reader_s_language(client, default_playbooks, french_csm):
    account = AccountFactory(csm=french_csm, arr=460_000, renewal_date=None)
    answer = ResponseFactory(contact=ContactFactory(account=account), score=1)
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    escalation = case.escalations.get()

    html = page(client, french_csm, reverse("case-detail", args=[case.pk]))

    assert escalation.reason == "460,000 EUR of ARR at stake (threshold 50,000)."
    assert "460\xa0000 EUR d&#x27;ARR en jeu" in html  # French grouping, French sentence
    assert "of ARR at stake" not in html


def test_a_reason_a_person_typed_shows_as_typed(client, case, french_csm, manager):
    raise_escalation(case=case, actor=manager, reason="The CFO called.")

    html = page(client, french_csm, reverse("case-detail", args=[case.pk]))

    assert "The CFO called." in html
