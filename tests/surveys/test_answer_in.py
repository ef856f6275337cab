"""`AnswerIn`, the one shape of an answer on its way in, and `clean_answer`, its checks."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from surveys.answers import AnswerIn, clean_answer
from surveys.hooks import delighted
from surveys.models import Source


def test_cleaning_normalises_what_every_channel_sends_alike():
    clean = clean_answer(
        AnswerIn(
            source=Source.CSV,
            external_id="  row-7 ",
            email=" Ana@ACME.example ",
            score="9",
            comment="  Great support. ",
            answered_at=dt.datetime(2026, 3, 1, 9, 30),
            language="fr_FR",
            contact_name=None,
        )
    )

    assert clean.external_id == "row-7"
    assert clean.email == "ana@acme.example"
    assert clean.score == 9
    assert clean.comment == "Great support."
    assert clean.answered_at == dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    assert clean.language == "fr"
    assert clean.contact_name == ""
    assert clean.source == Source.CSV


def test_every_wrong_field_is_named_at_once():
    with pytest.raises(ValidationError) as refused:
        clean_answer(AnswerIn(source="fax", external_id="", email="not-an-email", score="11"))

    assert set(refused.value.message_dict) == {"source", "external_id", "email", "score"}
    assert "0 to 10" in refused.value.message_dict["score"][0]


def test_a_survey_tools_delivery_reads_as_the_same_shape():
    event = delighted.read_event(
        {
            "event_type": "survey_response.updated",
            "event_data": {
                "id": "123",
                "person": {"email": "bo@acme.example", "name": "Bo"},
                "score": 4,
                "comment": "Slow",
                "created_at": 1767225600,
            },
        }
    )

    assert isinstance(event, AnswerIn)
    assert (event.source, event.external_id, event.score) == (Source.DELIGHTED, "123", 4)
    # No `updated_at` in the delivery: Delighted's response time orders it.
    assert event.updated_at == event.answered_at
