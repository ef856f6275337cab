"""The figures of a campaign's page, each computed again here from the rows themselves."""

import datetime as dt
import math
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys import selectors
from surveys.models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Exclusion,
    Invitation,
    InvitationStatus,
    Response,
)
from tests.factories import CampaignFactory, InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
SCORES = [10, 9, 9, 8, 7, 6, 3, 0, 10, 5, 9]
COMMENTED = {0, 3, 6, 7}  # the positions of the answers with a comment


@pytest.fixture
def campaign() -> Campaign:
    """An email campaign part sent: answered, sent, bounced, failed, opted out, left out for
    each reason, and still scheduled; its answers spread over three days, one without any."""
    campaign = CampaignFactory(
        name="Spring",
        channel=CampaignChannel.EMAIL,
        status=CampaignStatus.SENDING,
        launched_at=NOW - dt.timedelta(days=5),
        planned_at=NOW - dt.timedelta(days=5),
        invitations_sent=999,  # a counter: the page counts the invitations themselves
    )
    for position, score in enumerate(SCORES):
        invitation = InvitationFactory(campaign=campaign, sent_at=NOW - dt.timedelta(days=4))
        answered_at = NOW - dt.timedelta(days=(0, 2, 3)[position % 3])
        answer = ResponseFactory(
            contact=invitation.contact,
            campaign=campaign,
            score=score,
            comment="Why I say so" if position in COMMENTED else "",
            answered_at=answered_at,
        )
        Invitation.objects.filter(pk=invitation.pk).update(
            status=InvitationStatus.ANSWERED, response=answer, answered_at=answered_at
        )
    InvitationFactory.create_batch(6, campaign=campaign)
    InvitationFactory(campaign=campaign, status=InvitationStatus.OPTED_OUT, opted_out_at=NOW)
    not_sent = {"sent_at": None, "expires_at": None}
    InvitationFactory.create_batch(
        2, campaign=campaign, status=InvitationStatus.BOUNCED, bounced_at=NOW, **not_sent
    )
    InvitationFactory(campaign=campaign, status=InvitationStatus.FAILED, **not_sent)
    for reason, count in ((Exclusion.THROTTLED, 3), (Exclusion.OPTED_OUT, 1), (Exclusion.QUOTA, 2)):
        InvitationFactory.create_batch(
            count, campaign=campaign, status=InvitationStatus.EXCLUDED, exclusion=reason, **not_sent
        )
    InvitationFactory.create_batch(
        4, campaign=campaign, status=InvitationStatus.SCHEDULED, **not_sent
    )
    # An answer of another campaign, and one given to no campaign: neither counts.
    ResponseFactory(campaign=CampaignFactory(), score=0)
    ResponseFactory(score=0)
    return campaign


def by_hand(campaign: Campaign) -> dict:
    """The figures, from the rows and the definitions alone."""
    invitations = list(Invitation.objects.filter(campaign=campaign))
    answers = list(Response.objects.filter(campaign=campaign))
    n = len(answers)
    promoters = sum(1 for a in answers if a.score >= 9)
    detractors = sum(1 for a in answers if a.score <= 6)
    p, d = promoters / n, detractors / n
    sent = sum(1 for i in invitations if i.sent_at is not None)
    return {
        "planned": len(invitations),
        "sent": sent,
        "answered": n,
        "response_rate": 100 * n / sent,
        "comment_rate": 100 * sum(1 for a in answers if a.comment) / n,
        "nps": 100 * (p - d),
        "margin": 1.96 * math.sqrt((p + d - (p - d) ** 2) / n) * 100,
        "bounced": sum(1 for i in invitations if i.bounced_at is not None),
        "opted_out": sum(1 for i in invitations if i.opted_out_at is not None),
        "excluded": Counter(i.exclusion for i in invitations if i.status == "excluded"),
        "waiting": sum(1 for i in invitations if i.status == "scheduled"),
        "per_day": Counter(timezone.localdate(a.answered_at) for a in answers),
    }


def test_the_figures_of_a_campaign_match_its_rows(campaign):
    expected = by_hand(campaign)

    figures = selectors.campaign_figures(campaign)

    assert figures.planned == expected["planned"] == 31
    assert figures.sent == expected["sent"] == 18
    assert figures.answered == expected["answered"] == 11
    assert figures.response_rate == pytest.approx(expected["response_rate"])
    assert figures.comment_rate == pytest.approx(expected["comment_rate"])
    assert figures.nps.nps == pytest.approx(expected["nps"])
    assert figures.nps.margin_of_error == pytest.approx(expected["margin"])
    assert figures.bounced == expected["bounced"] == 2
    assert figures.failed == 1
    assert figures.opted_out == expected["opted_out"] == 1
    assert figures.excluded_by_reason == expected["excluded"]
    assert list(figures.excluded_by_reason) == [
        Exclusion.THROTTLED,
        Exclusion.QUOTA,
        Exclusion.OPTED_OUT,
    ]  # the most frequent reason first
    assert figures.waiting == expected["waiting"] == 4
    assert figures.done == 27


def test_the_campaign_page_shows_those_figures_rounded(client, manager, campaign):
    expected = by_hand(campaign)
    client.force_login(manager)

    page = client.get(reverse("campaign-detail", args=[campaign.pk]))
    html = " ".join(page.content.decode().split())

    assert f'data-figure="sent">{expected["sent"]}<' in html
    assert f'data-figure="answered">{expected["answered"]}<' in html
    assert f'data-figure="response-rate">{expected["response_rate"]:.1f} %<' in html
    assert f'data-figure="comment-rate">{expected["comment_rate"]:.1f} %<' in html
    assert f'data-figure="nps">{expected["nps"]:.1f}<' in html
    assert f'data-figure="margin">±{expected["margin"]:.1f}<' in html
    assert f'data-figure="bounced">{expected["bounced"]}<' in html
    assert f'data-figure="opted-out">{expected["opted_out"]}<' in html
    assert 'Surveyed recently: <span class="text-body">3</span>' in html
    assert "27 of 31 invitations dealt with" in html


def test_the_answers_per_day_cover_every_day_from_the_first_to_the_last(campaign):
    expected = by_hand(campaign)["per_day"]

    days = selectors.answers_per_day(campaign)

    first, last = min(expected), max(expected)
    assert [day.day for day in days] == [
        first + dt.timedelta(days=n) for n in range((last - first).days + 1)
    ]
    assert {day.day: day.answers for day in days if day.answers} == expected
    assert sum(day.detractors for day in days) == sum(1 for s in SCORES if s <= 6)
    assert sum(day.promoters for day in days) == sum(1 for s in SCORES if s >= 9)
    assert sum(day.answers for day in days if day.day not in expected) == 0


def test_the_list_row_of_a_campaign_agrees_with_its_page(campaign):
    figures = selectors.campaign_figures(campaign)

    (row,) = [r for r in selectors.campaign_rows([campaign])]

    assert (row.sent, row.answered, row.nps) == (figures.sent, figures.answered, figures.nps)
    assert row.response_rate == figures.response_rate


def test_another_tools_campaign_takes_its_rate_from_the_people_it_says_it_asked(client, manager):
    external = CampaignFactory(name="Typeform", invitations_sent=8)
    for score in (10, 4, 9):
        ResponseFactory(campaign=external, score=score, comment="")
    silent = CampaignFactory(name="Delighted")
    ResponseFactory(campaign=silent, score=10)
    client.force_login(manager)

    figures = selectors.campaign_figures(external)
    html = client.get(reverse("campaign-detail", args=[external.pk])).content.decode()

    assert (figures.sent, figures.answered) == (8, 3)
    assert figures.response_rate == pytest.approx(100 * 3 / 8)
    assert figures.comment_rate == 0
    assert 'data-figure="response-rate">37.5 %<' in html
    assert "Invitations" not in html  # nothing NPS Loop sent
    assert selectors.campaign_figures(silent).response_rate is None
    assert (
        "did not say how many people it asked"
        in client.get(reverse("campaign-detail", args=[silent.pk])).content.decode()
    )


def test_a_campaign_without_answers_has_no_nps_and_no_rates(client, manager):
    campaign = CampaignFactory(
        channel=CampaignChannel.EMAIL, status=CampaignStatus.COMPLETED, launched_at=NOW
    )
    client.force_login(manager)

    figures = selectors.campaign_figures(campaign)

    assert (figures.sent, figures.answered, figures.nps.nps) == (0, 0, None)
    assert (figures.response_rate, figures.comment_rate) == (None, None)
    assert selectors.answers_per_day(campaign) == []
    html = client.get(reverse("campaign-detail", args=[campaign.pk])).content.decode()
    assert 'data-figure="nps">—<' in html
    assert "No answer yet." in html
