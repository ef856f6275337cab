"""One access rule for cases, accounts and answers (`playbooks.access`), proven as a matrix:
who reads, what, through which page or endpoint."""

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from core.roles import Role, set_role
from playbooks.defaults import install_default_playbooks
from playbooks.models import ActionAudience, Case, CaseStep, StepStatus
from playbooks.services.cases import add_action_item
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db

READERS = [
    "csm",
    "step_holder",
    "item_owner",
    "case_owner",
    "stranger",
    "manager",
    "admin",
    "no_role",
]


def _person(role: Role | None):
    user = UserFactory()
    if role is not None:
        set_role(user, role)
    return user


def _case_of(account, comment: str) -> Case:
    answer = ResponseFactory(contact=ContactFactory(account=account), score=2, comment=comment)
    return Case.objects.get(pk=process_response(response_id=answer.pk).case_id)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Two accounts of two CSMs, a case on each, and a third case on the second account that
    a CSM of no account was given; a fourth CSM holds a step of the second case.

    Built once for the module's matrix, in a transaction rolled back after it; each test's
    own changes roll back to a savepoint after it, as in any database test."""
    with django_db_blocker.unblock(), transaction.atomic():
        install_default_playbooks()
        yield _world()
        transaction.set_rollback(True)


def _world() -> dict:
    people = {
        "csm": _person(Role.CSM),
        "other_csm": _person(Role.CSM),
        "step_holder": _person(Role.CSM),
        "item_owner": _person(Role.CSM),
        "case_owner": _person(Role.CSM),
        "stranger": _person(Role.CSM),
        "manager": _person(Role.MANAGER),
        "admin": _person(Role.ADMIN),
        "no_role": _person(None),
    }
    mine = AccountFactory(csm=people["csm"], name="Initech")
    theirs = AccountFactory(csm=people["other_csm"], name="Globex")
    cases = {
        "mine": _case_of(mine, "Mine"),
        "held": _case_of(theirs, "Held"),
        "given": _case_of(theirs, "Given"),
        "promised": _case_of(theirs, "Promised"),
    }
    step = CaseStep.objects.filter(case=cases["held"], status=StepStatus.TODO).first()
    step.assignee = people["step_holder"]
    step.save(update_fields=["assignee"])
    Case.objects.filter(pk=cases["given"].pk).update(owner=people["case_owner"])
    add_action_item(
        case=cases["promised"],
        actor=people["other_csm"],
        audience=ActionAudience.INTERNAL,
        text="Ask the product team for a date",
        owner=people["item_owner"],
    )
    return {"people": people, "accounts": {"mine": mine, "theirs": theirs}, "cases": cases}


# Which cases each reader may open; accounts and answers follow from them.
SEES_CASES = {
    "csm": {"mine"},
    "step_holder": {"held"},
    "item_owner": {"promised"},
    "case_owner": {"given"},
    "stranger": set(),
    "manager": {"mine", "held", "given", "promised"},
    "admin": {"mine", "held", "given", "promised"},
    "no_role": set(),
}
SEES_ACCOUNTS = {
    "csm": {"mine"},
    "step_holder": {"theirs"},
    "item_owner": {"theirs"},
    "case_owner": {"theirs"},
    "stranger": set(),
    "manager": {"mine", "theirs"},
    "admin": {"mine", "theirs"},
    "no_role": set(),
}
CASES = ["mine", "held", "given", "promised"]
COMMENTS = {"mine": "Mine", "held": "Held", "given": "Given", "promised": "Promised"}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("case_name", CASES)
def test_the_case_page_opens_for_exactly_those_the_rule_lets_see_it(
    client, world, reader, case_name
):
    client.force_login(world["people"][reader])
    page = client.get(reverse("case-detail", args=[world["cases"][case_name].pk]))

    if reader == "no_role":
        assert page.status_code == 403
    else:
        assert page.status_code == (200 if case_name in SEES_CASES[reader] else 404)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("account_name", ["mine", "theirs"])
def test_the_account_page_opens_for_its_csm_and_whoever_may_see_one_of_its_cases(
    client, world, reader, account_name
):
    client.force_login(world["people"][reader])
    page = client.get(reverse("account-detail", args=[world["accounts"][account_name].pk]))

    if reader == "no_role":
        assert page.status_code == 403
    else:
        assert page.status_code == (200 if account_name in SEES_ACCOUNTS[reader] else 404)


@pytest.mark.parametrize("reader", ["step_holder", "item_owner", "case_owner", "manager"])
def test_the_account_page_lists_only_the_cases_its_reader_may_open(client, world, reader):
    client.force_login(world["people"][reader])
    page = client.get(reverse("account-detail", args=[world["accounts"]["theirs"].pk]))

    listed = {case.pk for case in page.context["page"].cases}
    allowed = {world["cases"][name].pk for name in SEES_CASES[reader] if name != "mine"}
    assert listed == allowed


@pytest.mark.parametrize("reader", [r for r in READERS if r != "no_role"])
def test_the_answers_page_lists_the_answers_of_the_readers_accounts_and_cases(
    client, world, reader
):
    client.force_login(world["people"][reader])
    page = client.get(reverse("answer-list"))

    shown = {answer.comment for answer in page.context["page"]}
    assert shown == {COMMENTS[name] for name in SEES_CASES[reader]}


@pytest.mark.parametrize(
    "reader", ["csm", "step_holder", "item_owner", "case_owner", "stranger", "manager"]
)
def test_the_cases_api_answers_with_the_same_rule(world, reader):
    client = APIClient()
    client.force_authenticate(world["people"][reader])
    listed = client.get("/api/v1/cases").json()

    ids = {row["id"] for row in listed["results"]}
    assert ids == {world["cases"][name].pk for name in SEES_CASES[reader]}


def test_an_api_key_reads_every_case(world, api_client):
    listed = api_client.get("/api/v1/cases").json()

    assert {row["id"] for row in listed["results"]} == {c.pk for c in world["cases"].values()}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("case_name", CASES)
def test_the_case_api_opens_a_case_for_exactly_those_who_may_see_it(world, reader, case_name):
    client = APIClient()
    client.force_authenticate(world["people"][reader])
    answer = client.get(f"/api/v1/cases/{world['cases'][case_name].pk}")

    if reader == "no_role":
        assert answer.status_code == 403
    else:
        assert answer.status_code == (200 if case_name in SEES_CASES[reader] else 404)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("case_name", CASES)
def test_the_contact_page_opens_for_whoever_may_see_the_contacts_account_and_shows_their_cases(
    client, world, reader, case_name
):
    client.force_login(world["people"][reader])
    page = client.get(reverse("contact-detail", args=[world["cases"][case_name].contact_id]))

    account = "mine" if case_name == "mine" else "theirs"
    if reader == "no_role":
        assert page.status_code == 403
    elif account not in SEES_ACCOUNTS[reader]:
        assert page.status_code == 404
    else:
        assert page.status_code == 200
        assert (COMMENTS[case_name] in page.content.decode()) == (case_name in SEES_CASES[reader])


def test_an_item_owner_reads_the_case_from_the_plan_they_were_given(client, world):
    """The colleague a CSM plans an action for opens the case, and can work their item."""
    owner = world["people"]["item_owner"]
    case = world["cases"]["promised"]
    item = case.action_items.get()
    client.force_login(owner)

    done = client.post(
        reverse("case-action", args=[case.pk, "action-status"]),
        {"item": item.pk, "action-status-status": "done"},
        follow=True,
    )

    assert done.status_code == 200
    item.refresh_from_db()
    assert item.status == "done"
