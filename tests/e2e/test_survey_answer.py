"""A customer answers a survey from the email's links, on a desktop and on a phone."""

import re

import pytest
from playwright.sync_api import expect

from surveys.models import Invitation, Response
from surveys.services.answering import answer_invitation
from tests.factories import ContactFactory, EmailCampaignFactory, InvitationFactory

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def invitation(db):
    campaign = EmailCampaignFactory(
        question_en="How likely are you to recommend Initech to a friend or colleague?",
        question_fr="Quelle est la probabilité que vous recommandiez Initech à un ami ?",
    )
    contact = ContactFactory(name="Anna Lindqvist", email="anna@globex.example")
    return InvitationFactory(campaign=campaign, contact=contact)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_one_click_link_records_the_score_then_the_comment_leads_to_thanks(
    page, invitation, screenshots, serious_accessibility_violations, broken_requests
):
    page.goto(f"/s/{invitation.token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "How likely are you to recommend Initech to a friend or colleague?"
    )
    expect(page.get_by_role("button", name=re.compile(r"^\d+"))).to_have_count(11)
    # One neutral look for every score: no red 0 and green 10 to nudge the answer.
    looks = page.locator(".survey-score").evaluate_all(
        "buttons => buttons.map(b => getComputedStyle(b))"
        ".map(s => [s.color, s.backgroundColor, s.borderColor])"
    )
    assert (len(looks), len({tuple(look) for look in looks})) == (11, 1)
    screenshots("survey-question")
    assert serious_accessibility_violations() == []

    page.goto(f"/s/{invitation.token}/?score=9")

    expect(page).to_have_url(re.compile(rf"/s/{invitation.token}/$"))
    expect(page.get_by_role("status")).to_contain_text("We recorded your score: 9")
    assert Response.objects.get().score == 9
    screenshots("survey-comment")
    assert serious_accessibility_violations() == []

    page.get_by_label("What is the main reason for your score?").fill(
        "The new reports save me an hour every week."
    )
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, Anna!")
    assert Response.objects.get().comment == "The new reports save me an hour every week."
    screenshots("survey-thanks")
    assert serious_accessibility_violations() == []
    assert broken_requests == []


def test_on_a_phone_a_french_customer_answers_with_a_button_in_french(
    page, invitation, screenshots, serious_accessibility_violations, broken_requests
):
    Invitation.objects.filter(pk=invitation.pk).update(language="fr")
    page.set_viewport_size(PHONE)

    page.goto(f"/s/{invitation.token}/")

    assert page.get_attribute("html", "lang") == "fr"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Quelle est la probabilité que vous recommandiez Initech à un ami ?"
    )
    assert no_horizontal_scroll(page)
    box = page.get_by_role("button", name="3", exact=True).bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, "touch targets of at least 44 px"
    screenshots("survey-question-french")
    assert serious_accessibility_violations() == []
    page.set_viewport_size(PHONE)  # the screenshots end at desktop size

    page.get_by_role("button", name="3", exact=True).click()

    expect(page.get_by_role("status")).to_be_visible()
    assert Response.objects.get().score == 3
    assert no_horizontal_scroll(page)
    screenshots("survey-comment-french")
    assert serious_accessibility_violations() == []
    page.set_viewport_size(PHONE)

    page.get_by_text("Modifier ma note (3)").click()
    expect(page.get_by_role("button", name="3 (votre note)")).to_be_visible()
    screenshots("survey-change-score")
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="4", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("4")
    assert Response.objects.get().score == 4

    page.get_by_role("link", name="English").click()
    assert page.get_attribute("html", "lang") == "en"
    expect(page.get_by_role("status")).to_contain_text("We recorded your score: 4")
    assert broken_requests == []


def test_a_one_click_link_for_another_score_asks_before_changing_it(
    page, invitation, screenshots, serious_accessibility_violations
):
    answer_invitation(invitation=invitation, score=7)

    page.goto(f"/s/{invitation.token}/?score=8")

    expect(page.get_by_role("heading", level=1)).to_have_text("You answered 7 — change to 8?")
    assert Response.objects.get().score == 7
    screenshots("survey-confirm-change")
    assert serious_accessibility_violations() == []

    page.get_by_role("button", name="Change to 8").click()

    expect(page.get_by_role("status")).to_contain_text("We recorded your score: 8")
    assert Response.objects.get().score == 8


def test_unsubscribing_from_the_link_in_the_email(
    page, invitation, screenshots, serious_accessibility_violations, broken_requests
):
    page.goto(f"/s/{invitation.token}/unsubscribe/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop receiving surveys?")
    screenshots("survey-unsubscribe")
    assert serious_accessibility_violations() == []

    page.get_by_role("button", name="Unsubscribe").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    invitation.contact.refresh_from_db()
    assert invitation.contact.opted_out
    assert broken_requests == []


def test_a_mangled_link_gets_a_friendly_page(page, screenshots, serious_accessibility_violations):
    reply = page.goto("/s/not-a-real-token/")

    assert reply.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    screenshots("survey-unknown-link")
    assert serious_accessibility_violations() == []
