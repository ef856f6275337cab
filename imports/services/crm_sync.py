"""A CRM keeping NPS Loop in sync through the REST API: accounts and contacts upserted on
their CRM id, one at a time or many in one call.

Each item goes through the same checks and upsert rules as a row of the CSV imports
(`imports.services.customers`), so that the API and a file agree: a field the item leaves
out is left alone, a field given empty (or null) is cleared, except identities and
opt-outs, which are never taken back. Unlike a file, items are independent: each valid
one is written in its own savepoint, whatever happens to the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from accounts.models import Account, Contact
from imports.csv_import import Outcome, Row, RowPlanner
from imports.services.customers import ERASED_ROW, AccountPlanner, ContactPlanner


@dataclass(frozen=True)
class SyncedItem:
    """What became of one item: its `outcome`, or why it was refused (`code`, `fields`)."""

    index: int
    outcome: Outcome | None = None
    instance: models.Model | None = None
    code: str = ""  # "invalid", "erased" or "conflict" when refused
    fields: dict[str, list[str]] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.outcome is None


def sync_accounts(*, items: Sequence[Mapping[str, Any]]) -> list[SyncedItem]:
    """Create or update accounts by `external_id`, each item on its own; one result each."""
    return _sync(items, planner=AccountPlanner, keys=("external_id",))


def sync_contacts(*, items: Sequence[Mapping[str, Any]]) -> list[SyncedItem]:
    """Create or update contacts by `external_id` (else by email), each item on its own."""
    return _sync(items, planner=ContactPlanner, keys=("external_id", "email"))


def update_account(*, account: Account, values: Mapping[str, Any]) -> SyncedItem:
    """Change the fields of `values` of a stored account, as an item of `sync_accounts`."""
    item = {"name": account.name, **values, "external_id": account.external_id}
    return sync_accounts(items=[item])[0]


def update_contact(*, contact: Contact, values: Mapping[str, Any]) -> SyncedItem:
    """Change the fields of `values` of a stored contact, as an item of `sync_contacts`."""
    item = {"email": contact.email, **values, "external_id": contact.external_id}
    return sync_contacts(items=[item])[0]


def _sync(
    items: Sequence[Mapping[str, Any]],
    *,
    planner: Callable[[], RowPlanner],
    keys: tuple[str, ...],
) -> list[SyncedItem]:
    results: dict[int, SyncedItem] = {}
    for wave in _waves(items, keys):
        rows = [_row(index, items[index]) for index in wave]
        writing = planner()
        for row, plan in zip(rows, writing.plan(rows), strict=True):
            results[row.line] = _refused(row) if plan is None else _write(row.line, writing, plan)
    return [results[index] for index in range(len(items))]


def _waves(items: Sequence[Mapping[str, Any]], keys: tuple[str, ...]) -> list[list[int]]:
    """The items' indexes in waves where no key repeats: an item naming the same account or
    contact as an earlier one goes in a later wave, so it reads what the earlier one wrote
    and the last one sent wins, as if each had been sent alone, in order."""
    last_wave: dict[tuple[str, str], int] = {}
    waves: list[list[int]] = []
    for index, item in enumerate(items):
        seen = [
            (key, _key(item.get(key)))
            for key in keys
            if isinstance(item.get(key), str) and item[key]
        ]
        wave = max((last_wave[name] + 1 for name in seen if name in last_wave), default=0)
        for name in seen:
            last_wave[name] = wave
        if wave == len(waves):
            waves.append([])
        waves[wave].append(index)
    return waves


def _key(value: str) -> str:
    return value.strip().lower()


def _row(index: int, item: Mapping[str, Any]) -> Row:
    """An item as a row of a file that has exactly the item's fields as columns."""
    cells = {name: _cell(value) for name, value in item.items()}
    return Row(
        line=index,
        cells={name: cell for name, cell in cells.items() if cell},
        columns=frozenset(item),
    )


def _cell(value: Any) -> str:
    """A checked JSON value as the CSV cell that says the same; empty for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return ";".join(str(part) for part in value)
    return str(value).strip()


def _refused(row: Row) -> SyncedItem:
    fields: dict[str, list[str]] = {}
    for error in row.errors:
        fields.setdefault(error.column, []).append(error.message)
    if any(error.message == ERASED_ROW for error in row.errors):
        fields["email"] = [
            _(
                "This person was erased from NPS Loop at their request (GDPR): they may not "
                "be stored again. Erase them in the CRM too, and stop sending them."
            )
        ]
        return SyncedItem(index=row.line, code="erased", fields=fields)
    return SyncedItem(index=row.line, code="invalid", fields=fields)


def _write(index: int, writing: RowPlanner, plan: Any) -> SyncedItem:
    try:
        with transaction.atomic():
            (outcome,) = writing.apply([plan])
    except ValidationError as error:
        fields = (
            error.message_dict if hasattr(error, "error_dict") else {"row": list(error.messages)}
        )
        return SyncedItem(index=index, code="invalid", fields=fields)
    except IntegrityError:
        # Another request wrote the same account or contact since this one read it.
        return SyncedItem(
            index=index,
            code="conflict",
            fields={"external_id": [_("Changed by another request meanwhile: send it again.")]},
        )
    return SyncedItem(index=index, outcome=outcome, instance=plan.instance)
