"""The bodies of the outbound webhooks in the OpenAPI document's components (one schema per
event type, `WebhookCaseOpened`...), derived from the samples "Send test" delivers: the
document and the real bodies cannot drift apart (tests compare real bodies to the samples).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from webhooks.events import EVENT_TYPES, SAMPLES, SCHEMA_VERSION

# Fields the samples leave empty, with the type they have when set.
NULLABLE = {
    "campaign_id": {"type": "integer"},
    "closed_at": {"type": "string", "format": "date-time"},
    "won_back_at": {"type": "string", "format": "date-time"},
}
NULLABLE_OBJECTS = frozenset({"account", "owner"})
# Objects the samples of some events leave empty, with their schema when set.
ROOT_CAUSE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "name_fr": {"type": "string"},
        "parent": {
            "type": "object",
            "nullable": True,
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "name_fr": {"type": "string"},
            },
            "required": ["id", "name", "name_fr"],
        },
    },
    "required": ["id", "name", "name_fr", "parent"],
}


def component_name(event_type: str) -> str:
    """`case.won_back` -> `WebhookCaseWonBack`."""
    words = event_type.replace(".", "_").split("_")
    return "Webhook" + "".join(word.capitalize() for word in words)


def _schema_of(value: Any, key: str = "") -> dict[str, Any]:
    if key == "root_cause":
        return {**ROOT_CAUSE, "nullable": True}
    if key in NULLABLE:
        return {**NULLABLE[key], "nullable": True}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, str):
        if len(value) == 10:  # a day, YYYY-MM-DD
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return {"type": "string"}
            return {"type": "string", "format": "date"}
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            return {"type": "string"}
        return {"type": "string", "format": "date-time"}
    if isinstance(value, list):
        return {"type": "array", "items": _schema_of(value[0]) if value else {"type": "string"}}
    if isinstance(value, dict):
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {name: _schema_of(item, name) for name, item in value.items()},
            "required": list(value),
        }
        if key in NULLABLE_OBJECTS:
            schema["nullable"] = True
        return schema
    return {"type": "string", "nullable": True}


def event_schema(event_type: str) -> dict[str, Any]:
    """The schema of a whole body of `event_type`: `{"type", "timestamp", "data"}`."""
    data = _schema_of({**SAMPLES[event_type], "sequence": 1})
    data["properties"]["sequence"]["description"] = (
        "The event's number among the events of its object, from 1, without gaps."
    )
    return {
        "type": "object",
        "description": f"Outbound webhook `{event_type}`: {EVENT_TYPES[event_type]} "
        f"(schema version {SCHEMA_VERSION}; see docs/outbound-webhooks.md).",
        "properties": {
            "type": {"type": "string", "enum": [event_type]},
            "timestamp": {"type": "string", "format": "date-time"},
            "data": data,
        },
        "required": ["type", "timestamp", "data"],
        "example": {
            "type": event_type,
            "timestamp": "2026-12-01T09:30:02.512341+00:00",
            "data": {**SAMPLES[event_type], "sequence": 1},
        },
    }


def add_event_schemas(result, generator, request, public):
    """Postprocessing hook: a component schema per outbound webhook event."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for event_type in EVENT_TYPES:
        schemas[component_name(event_type)] = event_schema(event_type)
    return result
