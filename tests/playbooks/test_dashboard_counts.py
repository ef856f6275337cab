"""The dashboard reads daily answer counts that the database keeps: after every kind of
change to answers, people and accounts its figures are those of the answers themselves,
and the counts are what a recount from scratch gives."""

import dataclasses
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Persona, Segment
from accounts.services.customers import save_account, save_contact
from playbooks.models import AnswerDay, AnswerMonth
from playbooks.selectors import dashboard
from playbooks.selectors.dashboard import Slice
from playbooks.services.answer_days import differences_from_answers
from playbooks.services.erasure import erase_contact
from surveys.models import Theme
from surveys.services.answering import answer_invitation, correct_answer
from surveys.services.responses import assign_account_to_contact, delete_response
from tests.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    InvitationFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
MONTHS_AGO_2 = (THIS_MONTH - dt.timedelta(days=40)).replace(day=1)


def last_90_days(**narrowing) -> Slice:
    """A new slice (each reads its tallies once) of the last 90 days."""
    return Slice(**{"start": TODAY - dt.timedelta(days=90), "end": TODAY, **narrowing})


SLICES = [
    last_90_days(),
    last_90_days(segment=Segment.ENTERPRISE),
    last_90_days(persona=Persona.CHAMPION),
    last_90_days(tier="Gold"),
    last_90_days(start=TODAY - dt.timedelta(days=10)),
    # Whole calendar months (read from the month rows), then with days around them.
    last_90_days(start=MONTHS_AGO_2, end=THIS_MONTH - dt.timedelta(days=1)),
    last_90_days(start=MONTHS_AGO_2 - dt.timedelta(days=3), end=TODAY),
    last_90_days(start=MONTHS_AGO_2, end=MONTHS_AGO_2 + dt.timedelta(days=40)),
]


def figures(part: Slice) -> dict:
    """Every answer figure of the dashboard for `part`, read afresh."""
    part = dataclasses.replace(part)  # a new Slice: its tallies are read again
    return {
        "nps": dashboard.nps_of(part),
        "by_month": dashboard.nps_by_month(part),
        "by_segment": dashboard.nps_by(part, "segment"),
        "by_tier": dashboard.nps_by(part, "tier"),
        "by_persona": dashboard.nps_by(part, "persona"),
        "scores": dashboard.score_distribution(part),
        "campaigns": [
            (c.campaign.pk, c.answers, c.with_comment) for c in dashboard.campaign_rates(part)
        ],
        "comments": dashboard.comment_rate_by_month(part),
        "themes": [
            (t.theme.pk, t.detractors, t.passives, t.by_month)
            for t in dashboard.recurring_themes(part)
        ],
    }


def counts() -> set[tuple]:
    columns = ("segment", "tier", "csm", "persona", "campaign", "score", "answers", "commented")
    return set(AnswerDay.objects.values_list("day", *columns)) | set(
        AnswerMonth.objects.values_list("month", *columns)
    )


def assert_counts_are_exact():
    """The counts equal a recount from scratch, and each slice's figures from the counts
    equal the same figures from the answers."""
    assert differences_from_answers() == 0
    kept = counts()
    call_command("rebuild_dashboard_aggregates", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == kept
    for part in SLICES:
        assert part.counted_by_day
        assert figures(part) == figures(dataclasses.replace(part, from_answers=True)), part


@pytest.fixture
def answers():
    """A few accounts and people, and their answers over the last two months."""
    enterprise = AccountFactory(segment=Segment.ENTERPRISE, tier="Gold")
    small = AccountFactory(segment=Segment.SMB, tier="")
    champion = ContactFactory(account=enterprise, persona=Persona.CHAMPION)
    user = ContactFactory(account=small, persona=Persona.USER)
    campaign = CampaignFactory()
    now = timezone.now()
    support, billing = (
        Theme.objects.create(name="Slow support"),
        Theme.objects.create(name="Wrong invoices"),
    )
    for days, contact, score, comment in [
        (1, champion, 9, "Great"),
        (3, champion, 2, "Slow support"),
        (5, user, 7, ""),
        (20, user, 10, "Love it"),
        (40, champion, 6, ""),
        (45, user, 0, "Broken"),
    ]:
        answer = ResponseFactory(
            contact=contact,
            score=score,
            comment=comment,
            campaign=campaign if score > 5 else None,
            answered_at=now - dt.timedelta(days=days),
        )
        answer.themes.add(*([support, billing] if score < 5 else [support]))
    return {"enterprise": enterprise, "champion": champion, "user": user, "billing": billing}


def test_the_counts_follow_new_answers(answers):
    assert AnswerDay.objects.exists()
    assert dashboard.nps_of(last_90_days()).responses == 6
    assert_counts_are_exact()


def test_themes_added_to_and_taken_from_an_answer_are_counted(answers):
    answer = answers["user"].responses.get(score=7)
    billing = answers["billing"]

    answer.themes.add(billing)
    assert _billing(last_90_days(), billing) == (2, 1)
    assert_counts_are_exact()

    answer.themes.remove(billing)
    assert _billing(last_90_days(), billing) == (2, 0)
    assert_counts_are_exact()


def _billing(part: Slice, billing) -> tuple[int, int]:
    trend = next(t for t in dashboard.recurring_themes(part) if t.theme == billing)
    return trend.detractors, trend.passives


def test_a_corrected_score_moves_its_count():
    invitation = InvitationFactory()
    answer_invitation(invitation=invitation, score=9)
    assert dashboard.score_distribution(last_90_days())[9] == (9, 1)

    correct_answer(invitation=invitation, score=3)

    scores = dashboard.score_distribution(last_90_days())
    assert scores[9] == (9, 0)
    assert scores[3] == (3, 1)
    assert_counts_are_exact()


def test_erasing_a_person_changes_no_figure(answers):
    before = {part: figures(part) for part in SLICES}

    erase_contact(email=answers["champion"].email)

    assert {part: figures(part) for part in SLICES} == before
    assert_counts_are_exact()


def test_an_answer_matched_to_an_account_later_counts_in_its_segment(answers):
    stranger = ContactFactory(account=None, persona=Persona.USER, email="someone@gmail.example")
    ResponseFactory(contact=stranger, account=None, score=3)
    enterprise = last_90_days(segment=Segment.ENTERPRISE)
    before = dashboard.nps_of(enterprise).responses

    assign_account_to_contact(contact=stranger, account=answers["enterprise"], actor=None)

    assert dashboard.nps_of(last_90_days(segment=Segment.ENTERPRISE)).responses == before + 1
    assert_counts_are_exact()


def test_a_deleted_answer_no_longer_counts(answers):
    answer = answers["user"].responses.order_by("answered_at").last()

    delete_response(response=answer)

    assert dashboard.nps_of(last_90_days()).responses == 5
    assert not AnswerDay.objects.filter(answers__lte=0).exists()
    assert not AnswerMonth.objects.filter(answers__lte=0).exists()
    assert_counts_are_exact()


def test_a_persona_change_moves_the_persons_answers(answers):
    champion = answers["champion"]
    champion.persona = Persona.ADMIN
    save_contact(contact=champion)

    champions = last_90_days(persona=Persona.CHAMPION)
    assert dashboard.nps_of(champions).responses == 0
    assert_counts_are_exact()


def test_a_segment_change_moves_the_accounts_answers(answers):
    enterprise = answers["enterprise"]
    enterprise.segment = Segment.MID_MARKET
    save_account(account=enterprise)

    enterprise_answers = dashboard.nps_of(last_90_days(segment=Segment.ENTERPRISE))
    assert enterprise_answers.responses == 0
    assert_counts_are_exact()


def test_answers_written_in_bulk_by_sql_are_counted(answers):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO surveys_response (contact_id, account_id, campaign_id, score, comment,"
            " answered_at, source, external_id, language, created_at, updated_at)"
            " SELECT contact_id, account_id, campaign_id, 10 - score, '', answered_at, 'csv',"
            " 'bulk-' || id, language, now(), now() FROM surveys_response"
        )

    assert dashboard.nps_of(last_90_days()).responses == 12
    assert_counts_are_exact()


def test_a_page_in_another_time_zone_reads_the_answers(answers, settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"

    assert not last_90_days().counted_by_day
    assert dashboard.nps_of(last_90_days()).responses == 6
