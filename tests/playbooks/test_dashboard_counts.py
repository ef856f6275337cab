"""The dashboard reads daily answer counts and a copy of each current case that the
database keeps: after every kind of change to answers, cases, people and accounts its
figures are those of the answers and cases themselves, and the counts and copies are what
a recount from scratch gives."""

import dataclasses
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, Persona, Segment
from accounts.services.customers import save_account, save_contact
from playbooks.defaults import install_default_playbooks
from playbooks.models import (
    AUTOMATIC_STEP_KINDS,
    ActionAudience,
    ActionItem,
    ActionStatus,
    AnswerDay,
    AnswerMonth,
    Case,
    CaseDay,
    CaseMonth,
    CaseOutcome,
    CaseSlice,
    CaseStatus,
    CaseStep,
    FollowUpMonth,
    LatestAnswer,
    StepStatus,
    TeamAnswerMonth,
    TeamCaseMonth,
    TeamThemeMonth,
    ThemeMonth,
)
from playbooks.selectors import dashboard
from playbooks.selectors.dashboard import Slice
from playbooks.services.answer_days import differences_from_answers
from playbooks.services.case_slices import differences_from_cases
from playbooks.services.engine import process_response
from playbooks.services.erasure import erase_contact
from playbooks.services.latest_answers import differences_from_answers as latest_differences
from surveys.models import Response, Theme
from surveys.services.answering import answer_invitation, correct_answer
from surveys.services.erasure import expire_old_comments
from surveys.services.responses import assign_account_to_contact, delete_response
from tests.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    InvitationFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate(NOW)
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
        "loop": dashboard.loop_figures(part, now=NOW),
        "won_back": dashboard.won_back_rates(part),
        "arr": dashboard.arr_at_risk(part, today=TODAY),
    }


def answer_figures(part: Slice) -> dict:
    """The figures made of answers alone (no case, no ARR)."""
    every = figures(part)
    del every["loop"], every["won_back"], every["arr"]
    return every


def counts() -> set[tuple]:
    columns = ("segment", "tier", "csm", "persona", "campaign", "score", "answers", "commented")
    team = ("segment", "tier", "persona", "campaign", "score", "answers", "commented")
    return (
        set(AnswerDay.objects.values_list("day", *columns))
        | set(AnswerMonth.objects.values_list("month", *columns))
        | set(TeamAnswerMonth.objects.values_list("month", *team))
        | set(TeamThemeMonth.objects.values_list("month", "theme", *team))
        | set(CaseSlice.objects.values_list())
        | set(LatestAnswer.objects.values_list())
        | {row[1:] for row in CaseDay.objects.values_list()}  # without their ids
        | {row[1:] for row in CaseMonth.objects.values_list()}
        | {row[1:] for row in TeamCaseMonth.objects.values_list()}
        | {row[1:] for row in FollowUpMonth.objects.values_list()}
    )


def csm_slices() -> list[Slice]:
    """Each CSM's accounts over the last 90 days and over whole months: the slices that
    read the per-CSM months rather than the team's."""
    csms = Account.objects.filter(csm__isnull=False).values_list("csm", flat=True).distinct()
    return [
        dataclasses.replace(part, csm=csm)
        for csm in csms
        for part in (SLICES[0], SLICES[5], SLICES[6])
    ]


def assert_counts_are_exact():
    """The counts equal a recount from scratch, and each slice's figures from the counts
    equal the same figures from the answers."""
    assert differences_from_answers() == 0
    assert differences_from_cases() == 0
    assert latest_differences() == 0
    kept = counts()
    call_command("rebuild_dashboard_aggregates", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == kept
    for part in [*SLICES, *csm_slices()]:
        assert part.counted_by_day
        assert figures(part) == figures(dataclasses.replace(part, from_answers=True)), part


@pytest.fixture
def answers():
    """A few accounts and people, and their answers over the last two months."""
    enterprise = AccountFactory(segment=Segment.ENTERPRISE, tier="Gold", csm=UserFactory())
    small = AccountFactory(segment=Segment.SMB, tier="", csm=UserFactory())
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
        if score <= 8:  # the engine opens the detractors' and passives' cases
            process_response(response_id=answer.pk, arrived_at=answer.answered_at)
    return {"enterprise": enterprise, "champion": champion, "user": user, "billing": billing}


@pytest.fixture(autouse=True)
def playbooks(db):
    install_default_playbooks()


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


def test_erasing_a_person_changes_no_answer_figure_and_closes_their_open_cases(answers):
    before = {part: answer_figures(part) for part in SLICES}
    open_before = dashboard.loop_figures(last_90_days(), now=NOW).open_cases

    erase_contact(email=answers["champion"].email)

    assert {part: answer_figures(part) for part in SLICES} == before
    loop = dashboard.loop_figures(last_90_days(), now=NOW)
    assert loop.open_cases == open_before - 2
    assert loop.outcomes[CaseOutcome.CONTACT_ERASED] == 2
    assert_counts_are_exact()


def test_the_engine_s_cases_are_the_loop_figures(answers):
    loop = dashboard.loop_figures(last_90_days(), now=NOW)

    assert loop.opened == 4  # the two detractors and the two passives
    assert loop.open_cases == 4
    assert_counts_are_exact()


def test_a_first_contact_a_closing_and_a_win_back_move_the_loop_figures(answers):
    case = Case.objects.get(response__score=2)
    answered = case.response.answered_at
    Case.objects.filter(pk=case.pk).update(first_contact_at=answered + dt.timedelta(hours=5))
    assert dashboard.loop_figures(last_90_days(), now=NOW).median_first_contact == dt.timedelta(
        hours=5
    )

    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED,
        closed_at=NOW,
        outcome=CaseOutcome.RESOLVED,
        won_back_at=NOW,
    )

    loop = dashboard.loop_figures(last_90_days(), now=NOW)
    assert (loop.open_cases, loop.closed, loop.won_back) == (3, 1, 1)
    assert loop.outcomes[CaseOutcome.RESOLVED] == 1
    assert_counts_are_exact()


def test_late_steps_and_action_items_move_the_overdue_cases(answers):
    """Whether an open case is overdue depends on the moment: the copies keep when its work
    is first late, as its steps and action items come, move, are done or go."""
    Case.objects.update(first_contact_at=NOW - dt.timedelta(days=1))
    CaseStep.objects.update(due_at=NOW + dt.timedelta(days=10))

    def overdue() -> int:
        loop = dashboard.loop_figures(last_90_days(), now=NOW)
        raw = dashboard.loop_figures(
            dataclasses.replace(last_90_days(), from_answers=True), now=NOW
        )
        assert loop.overdue_cases == raw.overdue_cases
        return loop.overdue_cases

    assert overdue() == 0
    case = Case.objects.get(response__score=2)
    step = case.steps.exclude(kind__in=AUTOMATIC_STEP_KINDS).filter(status=StepStatus.TODO)[0]
    CaseStep.objects.filter(pk=step.pk).update(due_at=NOW - dt.timedelta(minutes=1))
    assert overdue() == 1
    assert_counts_are_exact()

    CaseStep.objects.filter(pk=step.pk).update(status=StepStatus.DONE)
    assert overdue() == 0

    # An item is late from the day after its due date, in the site's time zone.
    item = ActionItem.objects.create(
        case=case, audience=ActionAudience.CUSTOMER, text="Call back", due_date=TODAY
    )
    assert overdue() == 0
    ActionItem.objects.filter(pk=item.pk).update(due_date=TODAY - dt.timedelta(days=1))
    assert overdue() == 1
    assert_counts_are_exact()

    ActionItem.objects.filter(pk=item.pk).update(status=ActionStatus.DONE)
    assert overdue() == 0
    ActionItem.objects.filter(pk=item.pk).update(status=ActionStatus.IN_PROGRESS)
    assert overdue() == 1
    item.delete()
    assert overdue() == 0

    # The first contact not made, and its SLA passed.
    Case.objects.filter(pk=case.pk).update(
        first_contact_at=None, sla_due_at=NOW - dt.timedelta(hours=1)
    )
    assert overdue() == 1
    assert_counts_are_exact()


def test_a_follow_up_answer_its_moves_and_the_case_s_new_owner_move_the_won_back_rates(answers):
    case = Case.objects.get(response__score=2)
    follow_up = ResponseFactory(
        contact=case.contact, score=9, answered_at=NOW - dt.timedelta(days=5)
    )
    Case.objects.filter(pk=case.pk).update(follow_up_response=follow_up, won_back_at=NOW)
    rates = dashboard.won_back_rates(last_90_days())
    assert (rates.period.answered, rates.period.won_back) == (1, 1)
    assert_counts_are_exact()

    someone_else = UserFactory(display_name="Noor Haddad")
    Case.objects.filter(pk=case.pk).update(owner=someone_else)
    assert [r.label for r in dashboard.won_back_rates(last_90_days()).by_csm] == ["Noor Haddad"]
    assert_counts_are_exact()

    # Moved before the period: the case no longer counts in it.
    Response.objects.filter(pk=follow_up.pk).update(answered_at=NOW - dt.timedelta(days=200))
    assert dashboard.won_back_rates(last_90_days()).period.answered == 0
    assert_counts_are_exact()


def test_won_back_rates_of_whole_months_and_of_the_days_around_them_add_up(answers):
    last_month = THIS_MONTH - dt.timedelta(days=10)  # in a whole month of the slices below
    for score, answered_at, won_back in [
        (2, dt.datetime.combine(last_month, dt.time(12), tzinfo=dt.UTC), NOW),
        (0, NOW, None),  # in this month, not a whole one yet
    ]:
        case = Case.objects.get(response__score=score)
        follow_up = ResponseFactory(contact=case.contact, score=9, answered_at=answered_at)
        Case.objects.filter(pk=case.pk).update(follow_up_response=follow_up, won_back_at=won_back)
    around_months = last_90_days(start=MONTHS_AGO_2 - dt.timedelta(days=3), end=TODAY)
    whole_months = last_90_days(start=MONTHS_AGO_2, end=THIS_MONTH - dt.timedelta(days=1))

    rates = dashboard.won_back_rates(around_months).period
    assert (rates.answered, rates.won_back) == (2, 1)
    rates = dashboard.won_back_rates(whole_months).period
    assert (rates.answered, rates.won_back) == (1, 1)
    assert FollowUpMonth.objects.get(month=last_month.replace(day=1)).won_back == 1
    champions = dataclasses.replace(around_months, persona=Persona.CHAMPION)
    assert dashboard.won_back_rates(champions).period.answered == 1  # the first one only
    assert_counts_are_exact()

    # Taken back: the month's count goes with it.
    Case.objects.filter(response__score=2).update(follow_up_response=None, won_back_at=None)
    assert dashboard.won_back_rates(whole_months).period.answered == 0
    assert not FollowUpMonth.objects.filter(month=last_month.replace(day=1)).exists()
    assert_counts_are_exact()


def test_a_corrected_score_counts_the_answer_s_new_case_not_the_superseded_one():
    invitation = InvitationFactory()
    answer_invitation(invitation=invitation, score=3)
    invitation.refresh_from_db()
    process_response(response_id=invitation.response_id)
    assert dashboard.loop_figures(last_90_days(), now=NOW).opened == 1

    correct_answer(invitation=invitation, score=7)
    process_response(response_id=invitation.response_id)

    cases = Case.objects.filter(response_id=invitation.response_id)
    assert cases.count() == 2
    assert cases.filter(superseded_at__isnull=True).get().category == "passive"
    loop = dashboard.loop_figures(last_90_days(), now=NOW)
    assert (loop.opened, loop.open_cases) == (1, 1)
    assert CaseOutcome.SUPERSEDED not in loop.outcomes
    assert_counts_are_exact()


def test_a_deleted_case_and_its_answer_no_longer_count(answers):
    case = Case.objects.get(response__score=0)
    answer = case.response

    case.delete()
    delete_response(response=answer)

    loop = dashboard.loop_figures(last_90_days(), now=NOW)
    assert (loop.opened, loop.open_cases) == (3, 3)
    assert_counts_are_exact()


def test_expired_comments_change_no_figure(answers):
    before = {part: figures(part) for part in SLICES}

    assert expire_old_comments(days=2, now=NOW) > 0

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
    answer = answers["user"].responses.get(score=10)  # a promoter: no case holds it

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


def test_an_account_handed_to_another_csm_moves_its_figures_between_csms_not_the_team_s(
    answers,
):
    enterprise = answers["enterprise"]
    before, after = enterprise.csm, UserFactory()
    whole_months = SLICES[5]
    team_months = set(TeamAnswerMonth.objects.values_list())
    team = figures(whole_months)
    leaving = nps_for(whole_months, csm=before.pk)
    assert leaving.responses > 0

    enterprise.csm = after
    save_account(account=enterprise)

    assert nps_for(whole_months, csm=after.pk) == leaving
    assert nps_for(whole_months, csm=before.pk).responses == 0
    assert figures(whole_months) == team
    assert set(TeamAnswerMonth.objects.values_list()) == team_months
    assert_counts_are_exact()


def nps_for(part: Slice, *, csm: int):
    return dashboard.nps_of(dataclasses.replace(part, csm=csm))


def test_whole_months_are_read_from_the_team_s_counts_unless_a_csm_is_picked(answers):
    whole_months = SLICES[5]
    tables = {
        "everyone": whole_months,
        "a segment": dataclasses.replace(whole_months, segment=Segment.ENTERPRISE),
        "a CSM": dataclasses.replace(whole_months, csm=answers["enterprise"].csm_id),
    }
    read = {}
    for name, part in tables.items():
        with CaptureQueriesContext(connection) as queries:
            figures(part)
        sql = " ".join(query["sql"] for query in queries)
        read[name] = {
            model._meta.db_table
            for model in (
                AnswerMonth,
                ThemeMonth,
                CaseMonth,
                TeamAnswerMonth,
                TeamThemeMonth,
                TeamCaseMonth,
            )
            if f'"{model._meta.db_table}"' in sql
        }
    team = {"playbooks_teamanswermonth", "playbooks_teamthememonth", "playbooks_teamcasemonth"}
    assert read["everyone"] == read["a segment"] == team
    assert read["a CSM"] == {"playbooks_answermonth", "playbooks_thememonth", "playbooks_casemonth"}


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


def test_an_account_s_latest_answer_is_its_newest_whatever_order_answers_arrive_in(answers):
    enterprise, champion = answers["enterprise"], answers["champion"]
    newest = LatestAnswer.objects.get(account=enterprise).response_id
    # An answer given long ago, stored now (an import of history): the latest stays.
    ResponseFactory(contact=champion, score=0, answered_at=timezone.now() - dt.timedelta(days=300))
    assert LatestAnswer.objects.get(account=enterprise).response_id == newest
    # Several answers of the account in one statement: the newest of them takes over.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO surveys_response (contact_id, account_id, score, comment, answered_at,"
            " source, external_id, language, created_at, updated_at)"
            " SELECT %s, %s, score, '', now() - make_interval(mins => score), 'csv',"
            " 'late-' || score, '', now(), now() FROM generate_series(3, 5) AS score",
            [champion.pk, enterprise.pk],
        )
    latest = LatestAnswer.objects.get(account=enterprise)
    assert (latest.response.external_id, latest.category) == ("late-3", "detractor")
    assert_counts_are_exact()
