"""`GET /api/v1/nps`: NPS of a slice, computed on pooled answers."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.models import Persona, Segment
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/nps"


def answers(scores, *, segment=Segment.SMB, persona=Persona.USER, tier="Gold", day=None):
    account = AccountFactory(segment=segment, tier=tier)
    for score in scores:
        contact = ContactFactory(account=account, persona=persona)
        ResponseFactory(
            contact=contact,
            score=score,
            answered_at=dt.datetime.combine(day or dt.date(2026, 3, 10), dt.time(12), dt.UTC),
        )


def test_nps_of_all_answers_with_counts_and_interval(api_client):
    answers([10, 9, 8, 3, 0])  # 2 promoters, 1 passive, 2 detractors

    data = api_client.get(URL).json()

    assert data["nps"] == 0.0
    assert (data["responses"], data["promoters"], data["passives"], data["detractors"]) == (
        5,
        2,
        1,
        2,
    )
    assert data["margin_of_error"] == pytest.approx(1.96 * (0.8 / 5) ** 0.5 * 100)
    low, high = data["ci95"]
    assert low < 0 < high


def test_segments_are_pooled_never_averaged(api_client):
    answers([10], segment=Segment.SMB)  # NPS +100 alone
    answers([10, 2, 2, 2], segment=Segment.ENTERPRISE)  # NPS -50 alone

    data = api_client.get(URL).json()

    # Pooled: 2 promoters, 3 detractors of 5 → -20 (an average of segments would say +25).
    assert data["nps"] == -20.0


def test_filters_by_segment_tier_and_persona(api_client):
    answers([10, 10], segment=Segment.ENTERPRISE, persona=Persona.CHAMPION, tier="Platinum")
    answers([1, 1], segment=Segment.SMB, persona=Persona.USER, tier="Gold")

    assert api_client.get(URL, {"segment": "enterprise"}).json()["nps"] == 100.0
    assert api_client.get(URL, {"tier": "Gold"}).json()["nps"] == -100.0
    assert api_client.get(URL, {"persona": "champion"}).json()["responses"] == 2


def test_dates_are_inclusive(api_client):
    answers([10], day=dt.date(2026, 1, 31))
    answers([0], day=dt.date(2026, 2, 1))
    answers([5], day=dt.date(2026, 2, 28))
    answers([9], day=dt.date(2026, 3, 1))

    data = api_client.get(URL, {"from": "2026-02-01", "to": "2026-02-28"}).json()

    assert data["responses"] == 2
    assert data["nps"] == -100.0


def test_a_slice_without_answers_is_null_not_an_error(api_client):
    data = api_client.get(URL, {"segment": "enterprise"}).json()

    assert data == {
        "nps": None,
        "responses": 0,
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
        "margin_of_error": None,
        "ci95": None,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "03/01/2026"}, "from"),
        ({"segment": "galactic"}, "segment"),
        ({"persona": "boss"}, "persona"),
    ],
)
def test_bad_filters_answer_400_naming_the_parameter(api_client, params, field):
    reply = api_client.get(URL, params)

    assert reply.status_code == 400
    assert field in reply.json()["error"]["fields"]


def test_a_period_that_ends_before_it_starts_holds_no_answers(api_client):
    answers([10, 2], day=dt.date(2026, 2, 15))

    data = api_client.get(URL, {"from": "2026-03-01", "to": "2026-02-01"}).json()

    assert data["responses"] == 0
    assert data["nps"] is None


def test_managers_signed_in_can_read_nps(client, manager):
    client.force_login(manager)

    assert client.get(URL).status_code == 200


def test_csms_cannot_read_company_wide_nps_through_the_api(client, csm):
    client.force_login(csm)

    assert client.get(URL).status_code == 403


def test_anonymous_is_refused():
    assert APIClient().get(URL).status_code == 401


def test_an_empty_date_is_400_rather_than_no_date(api_client):
    reply = api_client.get("/api/v1/nps?from=")

    assert reply.status_code == 400
    assert reply.json()["error"]["fields"] == {"from": ["Give a value, or leave 'from' out."]}


def test_an_empty_segment_tier_or_persona_is_the_same_as_none(api_client):
    answers([10])

    data = api_client.get(URL, {"segment": "", "tier": "", "persona": ""}).json()

    assert data["responses"] == 1
