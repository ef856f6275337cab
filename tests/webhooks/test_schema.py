"""The OpenAPI document describes the body of every outbound webhook event."""

import json

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

from webhooks.events import EVENT_TYPES, SAMPLES
from webhooks.schema import component_name
from webhooks.services.outbox import body_of

pytestmark = pytest.mark.django_db


def as_json_schema(schema):
    """OpenAPI 3.0's `nullable: true` as JSON Schema says it (`type: [..., "null"]`)."""
    if isinstance(schema, list):
        return [as_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: as_json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        converted["type"] = [schema["type"], "null"]
    return converted


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def test_every_event_type_has_its_component(components):
    assert component_name("case.won_back") == "WebhookCaseWonBack"
    for event_type in EVENT_TYPES:
        assert components[component_name(event_type)]["required"] == ["type", "timestamp", "data"]


@pytest.mark.parametrize("event_type", list(EVENT_TYPES))
def test_the_sample_body_validates_against_its_component(event_type, components):
    from django.utils import timezone

    body = json.loads(body_of(event_type, {**SAMPLES[event_type], "sequence": 3}, timezone.now()))

    jsonschema.validate(body, as_json_schema(components[component_name(event_type)]))
