"""An answer dated before 1990-01-01, the first day any report covers, is refused with a
message naming the field, through every channel: it is a sending system's empty date
(0001-01-01, 1970-01-01) or a typo, and stored it would count in no period anyone can pick."""

import datetime as dt
import io
import re

import pytest

from core.periods import FIRST_DAY, FROM_FIRST_YEAR_PATTERN
from imports.services.answers import import_responses
from surveys.models import Response
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

REFUSED = "The answer date is before 1990-01-01, the first day reports cover"


@pytest.fixture
def ana():
    return ContactFactory(email="ana@acme.example")


def body(external_id: str, answered_at: str) -> dict:
    return {"external_id": external_id, "email": "ana@acme.example", "score": 3,
            "answered_at": answered_at}  # fmt: skip


@pytest.mark.parametrize(
    "answered_at", ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1989-12-31T23:59:59Z"]
)
def test_the_api_refuses_an_answer_dated_before_1990(api_client, ana, answered_at):
    reply = api_client.post("/api/v1/responses", body("r-1", answered_at), format="json")

    assert reply.status_code == 400
    [message] = reply.json()["error"]["fields"]["answered_at"]
    assert message.startswith(REFUSED)
    assert not Response.objects.exists()


def test_the_first_moment_of_1990_is_an_answer_s_day(api_client, ana):
    reply = api_client.post("/api/v1/responses", body("r-1", "1990-01-01T00:00:00Z"), format="json")

    assert reply.status_code == 201
    assert Response.objects.get().answered_at == dt.datetime(1990, 1, 1, tzinfo=dt.UTC)


def test_in_a_batch_only_the_answer_with_an_empty_date_is_refused(api_client, ana):
    reply = api_client.post(
        "/api/v1/responses/bulk",
        {"responses": [body("r-1", "1970-01-01T00:00:00Z"), body("r-2", "2026-05-04T10:15:00Z")]},
        format="json",
    )

    results = reply.json()["results"]
    assert [result["status"] for result in results] == [400, 201]
    assert results[0]["error"]["fields"]["answered_at"][0].startswith(REFUSED)
    assert list(Response.objects.values_list("external_id", flat=True)) == ["r-2"]


def test_a_csv_import_names_the_line_and_column_of_an_empty_date(ana):
    content = (
        "external_id,email,score,answered_at\n"
        "r-1,ana@acme.example,9,2026-05-04T10:15:00Z\n"
        "r-2,ana@acme.example,2,0001-01-01\n"
    )

    result = import_responses(file=io.BytesIO(content.encode()))

    [error] = result.errors
    assert (error.line, error.column) == (3, "answered_at")
    assert error.message.startswith(REFUSED)
    assert not Response.objects.exists()  # a file with errors is refused whole, by default


def test_the_schema_states_the_same_first_year():
    pattern = re.compile(FROM_FIRST_YEAR_PATTERN)
    assert pattern.match(f"{FIRST_DAY:%Y-%m-%d}T00:00:00Z")
    assert not pattern.match(f"{FIRST_DAY - dt.timedelta(days=1):%Y-%m-%d}T23:59:59Z")
    assert pattern.match("2099-12-31T23:59:59Z")
