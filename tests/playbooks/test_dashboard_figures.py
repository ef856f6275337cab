"""Each dashboard figure against the same figure computed here, in Python, from the raw rows
of a factory-built data set (seeded, so a failure can be replayed)."""

import dataclasses
import datetime as dt
import random
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Persona, Segment
from core.roles import Role, set_role
from playbooks.defaults import install_default_playbooks
from playbooks.models import (
    CLOSING_OUTCOMES,
    OPEN_CASE_STATUSES,
    Case,
    CaseOutcome,
    CaseStatus,
)
from playbooks.selectors import dashboard
from playbooks.selectors.dashboard import Slice
from playbooks.services.engine import process_response
from surveys.defaults import install_default_themes
from surveys.models import Category, Response, Theme
from surveys.nps import summarize_counts
from tests.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate(NOW)
START = TODAY - dt.timedelta(days=120)
END = TODAY


def _category(score: int) -> str:
    return Category.DETRACTOR if score <= 6 else Category.PASSIVE if score <= 8 else "promoter"


def _nps(rows) -> object:
    counts = Counter(_category(r.score) for r in rows)
    return summarize_counts(
        counts["promoter"], counts[Category.PASSIVE], counts[Category.DETRACTOR]
    )


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    """Sixty accounts, their people, 400 answers over 200 days, and the cases the engine
    opened for them, worked to various stages; built once for the module, in a transaction
    rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build()
        transaction.set_rollback(True)


def _build() -> dict:
    install_default_playbooks()
    install_default_themes()
    csm, other_csm = UserFactory(), UserFactory()
    for user in (csm, other_csm):
        set_role(user, Role.CSM)
    rng = random.Random(2026)
    campaigns = [CampaignFactory(invitations_sent=n) for n in (300, None, 150)]
    accounts = [
        AccountFactory(
            segment=rng.choice(Segment.values),
            tier=rng.choice(["Gold", "Silver", ""]),
            arr=Decimal(rng.randrange(5_000, 500_000, 1000)),
            csm=rng.choice([csm, other_csm, None]),
            renewal_date=TODAY + dt.timedelta(days=rng.randint(-30, 300)),
        )
        for _ in range(60)
    ]
    contacts = [
        ContactFactory(account=rng.choice(accounts), persona=rng.choice(Persona.values))
        for _ in range(150)
    ]
    themes = list(Theme.objects.all())
    for _ in range(400):
        contact = rng.choice(contacts)
        answer = ResponseFactory(
            contact=contact,
            score=rng.choice([0, 2, 4, 5, 6, 6, 7, 8, 8, 9, 9, 10, 10, 10]),
            comment=rng.choice(["", "", "Slow support", "Great"]),
            campaign=rng.choice([*campaigns, None]),
            answered_at=NOW - dt.timedelta(days=rng.uniform(0, 200)),
        )
        if rng.random() < 0.5:
            answer.themes.add(*rng.sample(themes, rng.randint(1, 2)))
        if answer.category != "promoter" and rng.random() < 0.7:
            process_response(response_id=answer.pk)
    for case in Case.objects.select_related("response"):
        answered = case.response.answered_at
        fields = {"opened_at": answered, "sla_due_at": answered + dt.timedelta(days=2)}
        if rng.random() < 0.7:
            fields["first_contact_at"] = answered + dt.timedelta(hours=rng.uniform(1, 120))
        if rng.random() < 0.5:
            fields["status"] = CaseStatus.CLOSED
            fields["closed_at"] = answered + dt.timedelta(days=rng.uniform(1, 60))
            # Every outcome a current case can have (a superseded case is never current).
            fields["outcome"] = rng.choice([*CLOSING_OUTCOMES, CaseOutcome.CONTACT_ERASED])
            if rng.random() < 0.3:
                fields["won_back_at"] = fields["closed_at"]
        Case.objects.filter(pk=case.pk).update(**fields)
    _follow_up(random.Random(7), csm)
    return {"csm": csm, "campaign": campaigns[0]}


def _follow_up(rng: random.Random, csm) -> None:
    """Give each closed case a follow-up answer of its person, some days after the closing
    (a won-back customer when it is no detractor's), and some of them another owner."""
    for case in Case.objects.filter(closed_at__isnull=False):
        answered = min(case.closed_at + dt.timedelta(days=rng.uniform(1, 20)), NOW)
        follow_up = ResponseFactory(
            contact=case.contact, score=rng.choice([3, 8, 10]), answered_at=answered
        )
        Case.objects.filter(pk=case.pk).update(
            follow_up_response=follow_up,
            won_back_at=answered if follow_up.score >= 7 else None,
            owner=csm if rng.random() < 0.5 else case.owner,
        )


def _answers(part: Slice) -> list[Response]:
    """The slice, read by hand from every answer."""
    rows = []
    for r in Response.objects.select_related("account", "contact"):
        day = timezone.localtime(r.answered_at).date()
        if not part.start <= day <= part.end:
            continue
        if part.segment and (r.account is None or r.account.segment != part.segment):
            continue
        if part.persona and r.contact.persona != part.persona:
            continue
        if part.csm is not None and (r.account is None or r.account.csm_id != part.csm):
            continue
        if part.campaign is not None and r.campaign_id != part.campaign:
            continue
        rows.append(r)
    return rows


SLICES = {
    "everything": {},
    "enterprise": {"segment": Segment.ENTERPRISE},
    "champions": {"persona": Persona.CHAMPION},
}


@pytest.fixture(params=SLICES)
def part(request, data, db):
    extra = dict(SLICES[request.param])
    return Slice(start=START, end=END, **extra)


def test_nps_pools_the_slices_answers(part):
    assert dashboard.nps_of(part) == _nps(_answers(part))


def test_a_csm_and_a_campaign_narrow_the_slice(data):
    for part in (
        Slice(start=START, end=END, csm=data["csm"].pk),
        Slice(start=START, end=END, campaign=data["campaign"].pk),
    ):
        assert dashboard.nps_of(part) == _nps(_answers(part))
        assert 0 < dashboard.nps_of(part).responses < len(_answers(Slice(START, END)))


def test_nps_by_month_has_every_month_with_its_own_answers(part):
    by_month = defaultdict(list)
    for r in _answers(part):
        by_month[timezone.localtime(r.answered_at).date().replace(day=1)].append(r)

    groups = dashboard.nps_by_month(part)

    assert [g.key for g in groups] == sorted({START.replace(day=1), *by_month, END.replace(day=1)})
    for group in groups:
        assert group.nps == _nps(by_month.get(group.key, []))


@pytest.mark.parametrize("dimension", ["segment", "tier", "persona"])
def test_nps_by_segment_tier_and_persona_is_pooled_per_group(part, dimension):
    value = {
        "segment": lambda r: r.account.segment if r.account else "",
        "tier": lambda r: r.account.tier if r.account else "",
        "persona": lambda r: r.contact.persona,
    }[dimension]
    groups = defaultdict(list)
    for r in _answers(part):
        groups[value(r)].append(r)

    found = {g.key: g.nps for g in dashboard.nps_by(part, dimension)}

    assert found == {key: _nps(rows) for key, rows in groups.items()}


def test_the_score_distribution_counts_each_score(part):
    counts = Counter(r.score for r in _answers(part))

    assert dashboard.score_distribution(part) == [(s, counts.get(s, 0)) for s in range(11)]


def test_loop_figures(part):
    answers = {r.pk for r in _answers(part)}
    everyone = _answers(Slice(start=dt.date(2000, 1, 1), end=TODAY, **_dims(part)))
    people = {r.pk for r in everyone}
    cases = list(Case.objects.select_related("response"))
    of_period = [c for c in cases if c.response_id in answers]
    of_people = [c for c in cases if c.response_id in people]

    def in_period(moment):
        return moment is not None and START <= timezone.localtime(moment).date() <= END

    closed = [c for c in of_people if in_period(c.closed_at)]
    due = [
        c
        for c in of_period
        if c.category == Category.DETRACTOR
        and c.sla_due_at
        and (c.first_contact_at or c.sla_due_at < NOW)
    ]
    waits = [c.first_contact_at - c.response.answered_at for c in of_period if c.first_contact_at]

    figures = dashboard.loop_figures(part, now=NOW)

    assert figures.open_cases == sum(c.status in OPEN_CASE_STATUSES for c in of_people)
    assert figures.opened == len(of_period)
    assert figures.closed == len(closed)
    assert figures.detractor_cases_due == len(due)
    assert figures.contacted_within_sla == sum(
        bool(c.first_contact_at and c.first_contact_at <= c.sla_due_at) for c in due
    )
    if waits:
        # The median of an even count is a mean; PostgreSQL and Python may round its
        # microseconds differently.
        expected = statistics.median(waits)
        assert abs(figures.median_first_contact - expected) <= dt.timedelta(microseconds=1)
    else:
        assert figures.median_first_contact is None
    assert figures.won_back == sum(in_period(c.won_back_at) for c in of_people)
    assert figures.outcomes == {
        o: sum(c.outcome == o for c in closed)
        for o in CaseOutcome.values
        if o != CaseOutcome.SUPERSEDED
    }
    overdue = [
        c
        for c in of_people
        if c.status in OPEN_CASE_STATUSES
        and (
            (c.first_contact_at is None and c.sla_due_at and c.sla_due_at < NOW)
            or any(
                s.status == "todo" and s.due_at and s.due_at < NOW and not s.is_automatic
                for s in c.steps.all()
            )
        )
    ]
    assert figures.overdue_cases == len(overdue)


@pytest.mark.parametrize("from_answers", [False, True])
def test_won_back_rates_by_playbook_and_owner(part, from_answers):
    """Of the slice's current cases whose follow-up answer came in the period."""
    people = {r.pk for r in _answers(Slice(start=dt.date(2000, 1, 1), end=TODAY, **_dims(part)))}
    followed_up = [
        c
        for c in Case.objects.select_related("follow_up_response", "playbook", "owner")
        if c.response_id in people
        and c.superseded_at is None
        and c.follow_up_response is not None
        and START <= timezone.localtime(c.follow_up_response.answered_at).date() <= END
    ]
    if not _dims(part):
        assert len(followed_up) >= 3, "the data set has too few follow-up answers to test"
    expected = defaultdict(lambda: [0, 0])
    for case in followed_up:
        for key in (
            ("playbook", case.playbook.name),
            ("owner", case.owner.name if case.owner else ""),
        ):
            expected[key][0] += 1
            expected[key][1] += case.won_back_at is not None

    rates = dashboard.won_back_rates(dataclasses.replace(part, from_answers=from_answers))

    assert (rates.period.answered, rates.period.won_back) == (
        len(followed_up),
        sum(c.won_back_at is not None for c in followed_up),
    )
    shown = {("playbook", r.label): [r.answered, r.won_back] for r in rates.by_playbook}
    shown |= {("owner", r.label): [r.answered, r.won_back] for r in rates.by_csm}
    assert shown == dict(expected)


@pytest.mark.parametrize("from_answers", [False, True])
def test_the_sla_share_of_a_period_alone_is_the_one_of_every_figure(part, from_answers):
    """What the headline compares with: the previous period's SLA share, read by itself."""
    for period in (part, part.previous()):
        period = dataclasses.replace(period, from_answers=from_answers)
        figures = dashboard.loop_figures(period, now=NOW)

        sla = dashboard.sla_of(period, now=NOW)

        assert (sla.due, sla.within) == (figures.detractor_cases_due, figures.contacted_within_sla)
        assert sla.share == figures.sla_share


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    part = Slice(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), segment="smb")

    assert part.previous() == Slice(
        start=dt.date(2026, 1, 29), end=dt.date(2026, 2, 28), segment="smb"
    )


def _dims(part: Slice) -> dict:
    return {
        name: getattr(part, name)
        for name in ("segment", "tier", "persona", "csm", "campaign")
        if getattr(part, name) not in ("", None)
    }


def test_arr_at_risk(part):
    from accounts.models import Account

    accounts = [
        a
        for a in Account.objects.all()
        if (not part.segment or a.segment == part.segment)
        and (not part.tier or a.tier == part.tier)
        and (part.csm is None or a.csm_id == part.csm)
    ]
    open_detractor = {
        c.account_id
        for c in Case.objects.filter(status__in=OPEN_CASE_STATUSES, category=Category.DETRACTOR)
    }
    at_risk = [a for a in accounts if a.pk in open_detractor]
    latest = {}
    for r in sorted(_answers(part), key=lambda r: (r.answered_at, r.pk)):
        if r.account_id:
            latest[r.account_id] = r.category
    by_category = defaultdict(lambda: [0, Decimal(0)])
    for a in accounts:
        entry = by_category[latest.get(a.pk, "")]
        entry[0] += 1
        entry[1] += a.arr
    detractors = defaultdict(list)
    for r in _answers(part):
        if r.category == Category.DETRACTOR and r.account_id:
            detractors[r.account_id].append(r)
    renewing = [
        a
        for a in accounts
        if a.renewal_date
        and TODAY <= a.renewal_date <= TODAY + dt.timedelta(days=90)
        and detractors[a.pk]
    ]

    figures = dashboard.arr_at_risk(part, today=TODAY)

    assert figures.open_detractor_accounts == len(at_risk)
    assert figures.open_detractor_arr == sum((a.arr for a in at_risk), Decimal(0))
    assert figures.by_latest_category == {k: (n, arr) for k, (n, arr) in by_category.items()}
    assert sorted(r.account.pk for r in figures.renewals) == sorted(a.pk for a in renewing)
    for row in figures.renewals:
        assert row.detractors == len(detractors[row.account.pk])
        assert row.last_detractor_at == max(r.answered_at for r in detractors[row.account.pk])


def test_campaign_response_and_comment_rates(part):
    by_campaign = defaultdict(list)
    for r in _answers(part):
        if r.campaign_id:
            by_campaign[r.campaign_id].append(r)

    rates = {row.campaign.pk: row for row in dashboard.campaign_rates(part)}

    assert set(rates) == set(by_campaign)
    for pk, rows in by_campaign.items():
        row = rates[pk]
        assert row.answers == len(rows)
        assert row.with_comment == sum(bool(r.comment) for r in rows)
        sent = row.campaign.invitations_sent
        assert row.response_rate == (100 * len(rows) / sent if sent else None)


def test_comment_rate_by_month(part):
    months = defaultdict(lambda: [0, 0])
    for r in _answers(part):
        entry = months[timezone.localtime(r.answered_at).date().replace(day=1)]
        entry[0] += 1
        entry[1] += bool(r.comment)

    for month, answers, commented in dashboard.comment_rate_by_month(part):
        assert [answers, commented] == months.get(month, [0, 0])


def test_recurring_themes_of_detractors_and_passives(part):
    counts = defaultdict(Counter)
    for r in _answers(part):
        if r.category in (Category.DETRACTOR, Category.PASSIVE):
            for theme in r.themes.all():
                counts[theme.pk][r.category] += 1
    expected = sorted(
        counts.items(),
        key=lambda item: (-sum(item[1].values()), Theme.objects.get(pk=item[0]).name),
    )[: dashboard.TOP_THEMES]

    trends = dashboard.recurring_themes(part)

    assert [t.theme.pk for t in trends] == [pk for pk, _ in expected]
    for trend, (_, c) in zip(trends, expected, strict=True):
        assert (trend.detractors, trend.passives) == (c[Category.DETRACTOR], c[Category.PASSIVE])
        assert sum(trend.by_month) == trend.total
