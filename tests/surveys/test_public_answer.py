"""The public answer page of an invitation: one click, the comment, changes within 24 hours."""

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import LoopSettings
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.tasks import process_response
from surveys.models import (
    STANDARD_QUESTION_EN,
    STANDARD_QUESTION_FR,
    Invitation,
    InvitationPurpose,
    InvitationStatus,
    Response,
    Source,
)
from surveys.services.answering import answer_invitation
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EmailCampaignFactory,
    InvitationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation():
    account = AccountFactory(name="Globex Corporation")
    campaign = EmailCampaignFactory(
        question_en="How likely are you to recommend Initech?",
        question_fr="Recommanderiez-vous Initech ?",
    )
    contact = ContactFactory(account=account, name="Anna Lindqvist", email="anna@globex.example")
    return InvitationFactory(campaign=campaign, contact=contact)


def page_url(invitation, **query):
    url = reverse("survey-answer", args=[invitation.token])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def answered(invitation, score=7):
    answer_invitation(invitation=invitation, score=score)
    invitation.refresh_from_db()
    return invitation


def text_of(reply) -> str:
    return re.sub(r"\s+", " ", reply.content.decode())


# --- the question ------------------------------------------------------------------------


def test_the_page_asks_the_campaign_question_with_eleven_score_buttons(client, invitation):
    reply = client.get(page_url(invitation))

    assert reply.status_code == 200
    page = text_of(reply)
    assert "How likely are you to recommend Initech?" in page
    assert "Hello Anna," in page
    assert re.findall(r'name="score" value="(\d+)"', page) == [str(n) for n in range(11)]
    assert "Not at all likely" in page and "Extremely likely" in page
    assert 'method="post"' in page and "csrfmiddlewaretoken" in page


def test_the_page_shows_nothing_about_the_customer_but_their_first_name(client, invitation):
    page = text_of(client.get(page_url(invitation)))

    assert "Lindqvist" not in page
    assert "anna@globex.example" not in page
    assert "Globex" not in page


def test_the_page_is_not_cached_not_indexed_and_sends_no_referrer_elsewhere(client, invitation):
    reply = client.get(page_url(invitation))

    assert reply["Referrer-Policy"] == "same-origin"
    assert "no-store" in reply["Cache-Control"]
    assert '<meta name="robots" content="noindex' in reply.content.decode()


def test_the_first_visit_stamps_the_invitation_opened(client, invitation):
    client.get(page_url(invitation))
    invitation.refresh_from_db()
    first = invitation.opened_at

    client.get(page_url(invitation))
    invitation.refresh_from_db()

    assert first is not None
    assert invitation.opened_at == first
    assert invitation.status == InvitationStatus.SENT


def test_the_page_needs_one_query_to_show_and_one_to_stamp_the_visit(
    client, invitation, django_assert_num_queries
):
    LoopSettings.current()  # the brand of the page: read once a minute, from the cache
    with django_assert_num_queries(2):
        client.get(page_url(invitation))


def test_a_follow_up_invitation_without_campaign_asks_the_standard_question(client):
    follow_up = InvitationFactory(campaign=None, purpose=InvitationPurpose.FOLLOW_UP)

    reply = client.get(page_url(follow_up))

    assert reply.status_code == 200
    assert STANDARD_QUESTION_EN in reply.content.decode()


# --- answering ---------------------------------------------------------------------------


def test_a_one_click_link_records_the_score_at_once_then_asks_for_a_comment(client, invitation):
    reply = client.get(page_url(invitation, score=8))

    assert reply.status_code == 302
    assert reply["Location"] == page_url(invitation)
    response = Response.objects.get()
    assert response.score == 8
    assert response.source == Source.SURVEY_PAGE
    assert response.external_id == f"invitation-{invitation.pk}"
    assert response.contact == invitation.contact
    assert response.campaign == invitation.campaign
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert invitation.response == response
    assert invitation.answered_at is not None
    assert invitation.opened_at is not None

    page = text_of(client.get(reply["Location"]))
    assert "We recorded your score: <strong>8</strong>" in page
    assert "What is the main reason for your score?" in page


def test_the_comment_is_added_to_the_answer_and_the_thank_you_page_follows(client, invitation):
    client.get(page_url(invitation, score=4))

    reply = client.post(page_url(invitation), {"comment": "  Invoices are always late.  "})

    assert reply.status_code == 302
    assert reply["Location"] == reverse("survey-thanks", args=[invitation.token])
    response = Response.objects.get()
    assert (response.score, response.comment) == (4, "Invoices are always late.")
    thanks = text_of(client.get(reply["Location"]))
    assert "Thank you, Anna!" in thanks
    assert "Change my answer" in thanks


def test_a_score_button_records_the_answer_like_a_one_click_link(client, invitation):
    reply = client.post(page_url(invitation), {"score": "10"})

    assert reply.status_code == 302
    assert Response.objects.get().score == 10
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED


def test_the_score_form_is_refused_without_its_csrf_token(invitation):
    strict = Client(enforce_csrf_checks=True)

    reply = strict.post(page_url(invitation), {"score": "3"})

    assert reply.status_code == 403
    assert not Response.objects.exists()


def test_a_score_out_of_range_records_nothing(client, invitation):
    client.get(page_url(invitation, score=11))
    client.post(page_url(invitation), {"score": "-1"})

    assert not Response.objects.exists()


def test_the_same_one_click_link_twice_keeps_one_answer(client, invitation):
    client.get(page_url(invitation, score=9))
    reply = client.get(page_url(invitation, score=9))

    assert reply.status_code == 200
    assert "We recorded your score" in reply.content.decode()
    assert Response.objects.count() == 1


def test_two_clicks_at_the_same_moment_record_one_answer(invitation):
    first = answer_invitation(invitation=invitation, score=6)
    second = answer_invitation(invitation=invitation, score=8)

    assert first.created and not second.created
    assert second.response == first.response
    assert Response.objects.get().score == 6


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_clicks_record_one_answer_and_link_it_once():
    invitation = InvitationFactory()
    clicks = 10
    barrier = threading.Barrier(clicks)

    def click(score):
        try:
            barrier.wait(timeout=10)
            return answer_invitation(
                invitation=Invitation.objects.get(pk=invitation.pk), score=score
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=clicks) as pool:
        results = list(pool.map(click, range(clicks)))

    assert sum(result.created for result in results) == 1
    response = Response.objects.get()
    invitation.refresh_from_db()
    assert invitation.response == response
    assert invitation.status == InvitationStatus.ANSWERED


def test_an_answer_on_an_opted_out_invitation_keeps_its_status_and_links_the_answer(client):
    invitation = InvitationFactory(status=InvitationStatus.OPTED_OUT, opted_out_at=timezone.now())

    client.get(page_url(invitation, score=5))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPTED_OUT
    assert invitation.response == Response.objects.get()


def test_head_requests_record_nothing(client, invitation):
    reply = client.head(page_url(invitation, score=2))

    assert reply.status_code == 200
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.opened_at is None
    assert invitation.status == InvitationStatus.SENT


def test_the_answer_is_processed_by_the_playbooks(
    client, invitation, django_capture_on_commit_callbacks
):
    install_default_playbooks()

    with django_capture_on_commit_callbacks() as callbacks:
        client.get(page_url(invitation, score=2))

    assert callbacks, "recording the answer enqueues its processing"
    response = Response.objects.get()
    process_response(response_id=response.pk)
    case = Case.objects.get(response=response)
    assert case.playbook.name == "Detractor follow-up"
    response.refresh_from_db()
    assert response.processed_at is not None


# --- changing the answer -----------------------------------------------------------------


def test_a_one_click_link_for_another_score_asks_before_changing(client, invitation):
    answered(invitation, score=7)

    reply = client.get(page_url(invitation, score=8))

    assert reply.status_code == 200
    page = text_of(reply)
    assert "You answered 7 — change to 8?" in page
    assert 'name="score" value="8"' in page
    assert Response.objects.get().score == 7


def test_confirming_the_other_score_changes_it(client, invitation):
    answered(invitation, score=7)

    client.post(page_url(invitation), {"score": "8"})

    assert Response.objects.get().score == 8
    assert Response.objects.count() == 1


def test_within_24_hours_the_score_and_the_comment_can_be_changed(client, invitation):
    answered(invitation, score=9)
    client.post(page_url(invitation), {"comment": "Great support."})
    Invitation.objects.filter(pk=invitation.pk).update(
        answered_at=timezone.now() - dt.timedelta(hours=23)
    )

    client.post(page_url(invitation), {"score": "3"})
    client.post(page_url(invitation), {"comment": "Actually, billing is a mess."})

    response = Response.objects.get()
    assert (response.score, response.comment) == (3, "Actually, billing is a mess.")
    assert response.category == "detractor"


def test_after_24_hours_the_answer_is_final_and_the_page_says_it_is_recorded(client, invitation):
    answered(invitation, score=9)
    client.post(page_url(invitation), {"comment": "Great support."})
    Invitation.objects.filter(pk=invitation.pk).update(
        answered_at=timezone.now() - dt.timedelta(hours=24, minutes=1)
    )

    page = client.get(page_url(invitation))
    one_click = client.get(page_url(invitation, score=2))
    button = client.post(page_url(invitation), {"score": "2"}, follow=True)
    comment = client.post(page_url(invitation), {"comment": "Changed my mind."}, follow=True)

    for reply in (page, one_click, button, comment):
        assert reply.status_code == 200
        assert "Your answer is already recorded" in reply.content.decode()
        assert 'name="score"' not in reply.content.decode()
    response = Response.objects.get()
    assert (response.score, response.comment) == (9, "Great support.")


# --- links that do not work --------------------------------------------------------------


def test_an_unknown_token_gets_a_friendly_404(client, invitation):
    reply = client.get("/s/" + "x" * 32 + "/?score=3")

    assert reply.status_code == 404
    assert "This link does not work" in reply.content.decode()
    assert not Response.objects.exists()


def test_a_token_never_mailed_is_unknown(client):
    scheduled = InvitationFactory(status=InvitationStatus.SCHEDULED, sent_at=None, expires_at=None)

    reply = client.get(page_url(scheduled))

    assert reply.status_code == 404


def test_an_expired_link_gets_a_friendly_410_and_records_nothing(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    page = client.get(page_url(invitation))
    one_click = client.get(page_url(invitation, score=6))
    button = client.post(page_url(invitation), {"score": "6"}, follow=True)

    for reply in (page, one_click, button):
        assert reply.status_code == 410
        assert "This survey has closed" in reply.content.decode()
    assert not Response.objects.exists()


def test_the_thank_you_page_of_an_unanswered_invitation_leads_to_the_question(client, invitation):
    reply = client.get(reverse("survey-thanks", args=[invitation.token]))

    assert reply.status_code == 302
    assert reply["Location"] == page_url(invitation)


# --- language ----------------------------------------------------------------------------


def test_a_french_invitation_gets_the_page_in_french(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(language="fr")

    reply = client.get(page_url(invitation))

    page = reply.content.decode()
    assert '<html lang="fr">' in page
    assert "Recommanderiez-vous Initech ?" in page
    assert "How likely" not in page
    assert reply["Content-Language"] == "fr"


def test_an_english_invitation_gets_the_page_in_english_even_for_a_french_browser(
    client, invitation
):
    reply = client.get(page_url(invitation), headers={"accept-language": "fr"})

    page = reply.content.decode()
    assert '<html lang="en">' in page
    assert "How likely are you to recommend Initech?" in page


def test_the_language_switch_is_remembered_for_the_next_pages(client, invitation):
    switched = client.get(page_url(invitation, lang="fr"))
    client.get(page_url(invitation, score=8))
    after = client.get(page_url(invitation))

    assert "Recommanderiez-vous Initech ?" in switched.content.decode()
    assert '<html lang="fr">' in after.content.decode()


def test_a_follow_up_in_french_asks_the_standard_french_question(client):
    follow_up = InvitationFactory(campaign=None, purpose=InvitationPurpose.FOLLOW_UP, language="fr")

    assert STANDARD_QUESTION_FR in client.get(page_url(follow_up)).content.decode()


def test_a_signed_in_persons_interface_language_does_not_change_the_page(client, invitation):
    client.force_login(UserFactory(language="fr"))

    page = client.get(page_url(invitation)).content.decode()

    assert '<html lang="en">' in page
    assert "How likely are you to recommend Initech?" in page
