"""The answers page: every answer with filters, and the unmatched ones an admin assigns."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Contact, Segment
from core.models import LoopSettings
from playbooks.models import Case, CaseEvent
from playbooks.services.cases import reassign_case
from playbooks.services.engine import process_response
from surveys.models import Response
from surveys.services.themes import tag_themes
from tests.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("answer-list")


def assign_url(answer) -> str:
    return reverse("answer-assign", args=[answer.pk])


def shown(client, query: str = "") -> list[str]:
    """The external ids of the answers listed (they are in no row; the comments are)."""
    page = client.get(LIST + query)
    assert page.status_code == 200
    return [answer.comment for answer in page.context["page"].object_list]


@pytest.fixture
def account(csm):
    return AccountFactory(csm=csm, name="Globex", segment=Segment.ENTERPRISE)


def unmatched_answer(**fields) -> Response:
    contact = ContactFactory(account=None, email="ann@newcustomer.example", name="Ann New")
    return ResponseFactory(contact=contact, **{"score": 2, "comment": "Who are you?", **fields})


# --- who may see what -------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, "/responses/1/assign/"])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, url):
    page = client.get(url)

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def test_a_user_without_a_role_is_refused(client):
    client.force_login(UserFactory())

    assert client.get(LIST).status_code == 403


def test_a_csm_sees_the_answers_of_their_accounts_promoters_included(
    client, csm, other_csm, account
):
    ResponseFactory(contact=ContactFactory(account=account), score=10, comment="Love it")
    theirs = AccountFactory(csm=other_csm)
    ResponseFactory(contact=ContactFactory(account=theirs), score=3, comment="Not yours")
    unmatched_answer()
    client.force_login(csm)

    assert shown(client) == ["Love it"]
    page = client.get(LIST)
    assert "Not yours" not in page.content.decode()
    assert page.context["unmatched_count"] is None  # no unmatched tab for a CSM


def test_a_csm_sees_the_answer_of_a_case_they_were_given(
    client, default_playbooks, manager, other_csm
):
    answer = ResponseFactory(
        contact=ContactFactory(account=AccountFactory(csm=None)), score=1, comment="Given to you"
    )
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    reassign_case(case=case, actor=manager, owner=other_csm)
    client.force_login(other_csm)

    assert shown(client) == ["Given to you"]


def test_managers_and_admins_see_every_answer_and_the_unmatched_tab(
    client, manager, admin_user, account
):
    ResponseFactory(contact=ContactFactory(account=account), comment="Matched")
    unmatched_answer()
    for user in (manager, admin_user):
        client.force_login(user)
        assert sorted(shown(client)) == ["Matched", "Who are you?"]
        assert shown(client, "?show=unmatched") == ["Who are you?"]
        assert client.get(LIST).context["unmatched_count"] == 1


def test_only_admins_get_the_assign_button(client, manager, admin_user):
    answer = unmatched_answer()
    client.force_login(manager)
    assert assign_url(answer) not in client.get(LIST).content.decode()

    client.force_login(admin_user)
    assert assign_url(answer) in client.get(LIST).content.decode()


# --- filters and figures ----------------------------------------------------------------------


def test_filters_by_category_campaign_date_segment_comment_and_case(
    client, manager, default_playbooks
):
    now = timezone.now()
    q1 = CampaignFactory(name="Q1 survey")
    smb = AccountFactory(segment=Segment.SMB)
    big = AccountFactory(segment=Segment.ENTERPRISE)
    ResponseFactory(contact=ContactFactory(account=smb), score=10, comment="promoter smb q1")
    ResponseFactory(contact=ContactFactory(account=smb), score=10, comment="", campaign=q1)
    detractor = ResponseFactory(
        contact=ContactFactory(account=big),
        score=2,
        comment="detractor big q1",
        campaign=q1,
        answered_at=now - dt.timedelta(days=40),
    )
    # It arrived when it was given, not as history.
    process_response(response_id=detractor.pk, arrived_at=detractor.answered_at)
    ResponseFactory(contact=ContactFactory(account=big), score=7, comment="passive big")
    client.force_login(manager)

    assert shown(client, "?category=detractor") == ["detractor big q1"]
    assert sorted(shown(client, f"?campaign={q1.pk}")) == ["", "detractor big q1"]
    old = (now - dt.timedelta(days=30)).date().isoformat()
    assert shown(client, f"?answered_to={old}") == ["detractor big q1"]
    assert "detractor big q1" not in shown(client, f"?answered_from={old}")
    assert sorted(shown(client, "?segment=smb")) == ["", "promoter smb q1"]
    assert "" not in shown(client, "?comment=with")
    assert shown(client, "?comment=without") == [""]
    assert shown(client, "?case=with") == ["detractor big q1"]
    assert "detractor big q1" not in shown(client, "?case=without")
    assert shown(client, "?q=passive") == ["passive big"]


def test_a_wrong_filter_value_is_ignored_not_fatal(client, manager, account):
    ResponseFactory(contact=ContactFactory(account=account), comment="Still listed")
    client.force_login(manager)

    assert shown(client, "?category=angry&campaign=x&answered_from=yesterday") == ["Still listed"]


def test_the_figures_are_those_of_the_filtered_answers(client, manager, account):
    contact = ContactFactory(account=account)
    for score, comment in ((10, "great"), (9, ""), (8, "ok"), (3, "bad")):
        ResponseFactory(contact=contact, score=score, comment=comment)
    ResponseFactory(contact=ContactFactory(account=AccountFactory(segment=Segment.SMB)), score=0)
    client.force_login(manager)

    summary = client.get(LIST + "?segment=enterprise").context["summary"]

    assert (summary.nps.promoters, summary.nps.passives, summary.nps.detractors) == (2, 1, 1)
    assert summary.nps.nps == 25.0
    assert summary.with_comment == 3
    assert summary.with_case == 0


def test_comments_are_escaped_clipped_and_themes_shown(client, manager, account, default_themes):
    long_comment = "Billing is wrong again. " + "Really. " * 60
    answer = ResponseFactory(contact=ContactFactory(account=account), score=4, comment=long_comment)
    tag_themes(response=answer)
    ResponseFactory(contact=ContactFactory(account=account), comment="<script>alert(1)</script>")
    client.force_login(manager)

    html = client.get(LIST).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<details class="answer-comment">' in html  # the long comment opens on demand
    assert "Billing" in html.split("theme-badge")[1][:40]


def test_an_htmx_request_gets_only_the_results(client, manager, account):
    ResponseFactory(contact=ContactFactory(account=account), comment="Partial")
    client.force_login(manager)

    html = client.get(LIST + "?category=passive", headers={"HX-Request": "true"}).content.decode()

    assert html.lstrip().startswith('<div id="answer-results"')
    assert "Partial" in html
    assert "<nav" not in html.split('id="answer-results"')[0]


def test_answers_are_paginated_newest_first(client, manager, account):
    contact = ContactFactory(account=account)
    start = timezone.now() - dt.timedelta(days=60)
    for day in range(55):
        answered_at = start + dt.timedelta(days=day)
        ResponseFactory(contact=contact, comment=f"day {day}", answered_at=answered_at)
    client.force_login(manager)

    first = shown(client)
    second = shown(client, "?page=2")

    assert len(first) == 50 and first[0] == "day 54"
    assert second == [f"day {day}" for day in range(4, -1, -1)]


def test_an_empty_list_says_what_to_do(client, manager):
    client.force_login(manager)

    assert "No answer yet" in client.get(LIST).content.decode()
    assert "Every answer is matched" in client.get(LIST + "?show=unmatched").content.decode()


def test_the_query_count_does_not_grow_with_the_answers(
    client, manager, account, default_themes, default_playbooks, django_assert_max_num_queries
):
    def add_answers(count: int) -> None:
        for n in range(count):
            contact = ContactFactory(account=account)
            answer = ResponseFactory(
                contact=contact, score=n % 11, comment="Support is slow", campaign=CampaignFactory()
            )
            tag_themes(response=answer)
            if n % 3 == 0:
                process_response(response_id=answer.pk)

    client.force_login(manager)
    add_answers(3)
    # 13: the navbar's bell counts the unread notifications.
    with django_assert_max_num_queries(13) as few:
        client.get(LIST)
    add_answers(45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(shown(client)) == 48


# --- assigning an unmatched answer ------------------------------------------------------------


def test_only_admins_may_assign(client, csm, manager):
    answer = unmatched_answer()
    for user in (csm, manager):
        client.force_login(user)
        assert client.get(assign_url(answer)).status_code == 403
        assert client.post(assign_url(answer), {"account": 1}).status_code == 403


def test_the_assign_page_searches_accounts_by_the_mail_domain_first(client, admin_user):
    answer = unmatched_answer()
    AccountFactory(name="NewCustomer Group", external_id="CRM-77")
    AccountFactory(name="Someone Else")
    client.force_login(admin_user)

    page = client.get(assign_url(answer))

    assert page.context["search"] == "newcustomer"
    assert [a.name for a in page.context["accounts"]] == ["NewCustomer Group"]
    searched = client.get(assign_url(answer) + "?q=crm-77").context["accounts"]
    assert [a.name for a in searched] == ["NewCustomer Group"]


def test_assigning_matches_the_contact_its_answers_and_its_open_case(
    client, admin_user, csm, default_playbooks
):
    answer = unmatched_answer()
    earlier = ResponseFactory(contact=answer.contact, account=None, score=9)
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    assert case.account is None and case.owner is None  # the managers hold it meanwhile
    account = AccountFactory(csm=csm, arr=Decimal("50000"), name="NewCustomer")
    client.force_login(admin_user)

    done = client.post(assign_url(answer), {"account": account.pk}, follow=True)

    assert done.redirect_chain[-1][0] == LIST + "?show=unmatched"
    assert "Ann New is now a contact of NewCustomer, with 2 answers." in done.content.decode()
    assert Contact.objects.get(pk=answer.contact_id).account == account
    assert set(Response.objects.filter(account=account)) == {answer, earlier}
    case.refresh_from_db()
    assert (case.account, case.owner, case.arr_at_risk) == (account, csm, Decimal("50000"))
    assert case.steps.filter(assignee=csm).exists()
    event = CaseEvent.objects.get(case=case, kind="account_matched")
    assert event.actor == admin_user
    assert "takes it over from the managers" in event.message


def test_a_case_someone_was_given_stays_with_them(
    client, admin_user, csm, other_csm, manager, default_playbooks
):
    answer = unmatched_answer()
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    reassign_case(case=case, actor=manager, owner=other_csm)
    client.force_login(admin_user)

    client.post(assign_url(answer), {"account": AccountFactory(csm=csm).pk})

    case.refresh_from_db()
    assert case.owner == other_csm
    assert case.account is not None


def test_the_fallback_owner_hands_the_case_to_the_accounts_csm(
    client, admin_user, csm, other_csm, default_playbooks
):
    settings = LoopSettings.current()
    settings.fallback_owner = other_csm
    settings.save()
    answer = unmatched_answer()
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    assert case.owner == other_csm
    client.force_login(admin_user)

    client.post(assign_url(answer), {"account": AccountFactory(csm=csm).pk})

    case.refresh_from_db()
    assert case.owner == csm


def test_assigning_a_matched_answer_says_so(client, admin_user, account):
    answer = ResponseFactory(contact=ContactFactory(account=account))
    client.force_login(admin_user)

    done = client.get(assign_url(answer), follow=True)

    assert "already matched" in done.content.decode()


def test_an_unknown_answer_is_a_404_and_a_wrong_account_a_clear_error(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/responses/999999/assign/").status_code == 404

    answer = unmatched_answer()
    refused = client.post(assign_url(answer), {"account": 999999})

    assert refused.status_code == 422
    assert "That account does not exist any more" in refused.content.decode()
    assert Response.objects.get(pk=answer.pk).account is None


def test_a_domain_that_is_no_account_name_suggests_the_closest_names(client, admin_user):
    contact = ContactFactory(account=None, email="marc@kestrelrobotics.example")
    answer = ResponseFactory(contact=contact, account=None)
    AccountFactory(name="Kestrel Field Robotics")
    AccountFactory(name="Kestrel Bank")
    AccountFactory(name="Robotics Kestrel")
    client.force_login(admin_user)

    page = client.get(assign_url(answer))

    assert [a.name for a in page.context["accounts"]] == ["Kestrel Field Robotics", "Kestrel Bank"]
    assert "Suggested from the mail domain" in page.content.decode()


def test_the_answers_of_one_account_are_listed_with_its_name(client, csm, account):
    ResponseFactory(contact=ContactFactory(account=account), score=9, comment="Ours")
    other = AccountFactory(csm=csm, name="Initech")
    ResponseFactory(contact=ContactFactory(account=other), score=3, comment="Theirs")
    client.force_login(csm)

    assert shown(client, f"?account={account.pk}") == ["Ours"]
    html = client.get(LIST, {"account": account.pk, "category": "promoter"}).content.decode()
    assert "The answers of Globex" in html
    assert f'<input type="hidden" name="account" value="{account.pk}">' in html
    assert shown(client, f"?account={other.pk}") == ["Theirs"]


def test_the_answers_of_an_account_the_reader_may_not_open_stay_hidden(
    client, csm, other_csm, account
):
    ResponseFactory(contact=ContactFactory(account=account), score=9, comment="Ours")
    client.force_login(other_csm)

    reply = client.get(LIST, {"account": account.pk})

    assert shown(client, f"?account={account.pk}") == []
    html = reply.content.decode()
    assert "Globex" not in html
    assert "The answers of an account you cannot open." in html
