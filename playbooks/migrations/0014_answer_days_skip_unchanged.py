"""The answer counts' UPDATE triggers return at once when nothing they count changed, and
never join the old rows with the new.

An UPDATE that changed nothing counted (an import completing contacts' names, the engine
marking answers processed) counted its empty changes by joining its old rows with its
new ones, row by row (PostgreSQL cannot see how many rows they hold): ten thousand
answers marked processed took seconds, a million hours. Now an `EXCEPT` of the compared
columns finds whether anything changed; if so, the old rows are counted out and the new
ones in, and the rows that did not change cancel out. The SQL is built from the frozen
copy of migration 0009.
"""

import importlib

from django.conf import settings
from django.db import migrations

_frozen = importlib.import_module("playbooks.migrations.0009_answer_days")

# name: (the changed rows of 0009, the columns compared)
_CHANGED = {
    "answers_changed": (
        _frozen._CHANGED_ANSWERS,
        "id, answered_at, score, account_id, contact_id, campaign_id, comment <> ''",
    ),
    "accounts_changed": (_frozen._CHANGED_ACCOUNTS, "id, segment, tier, csm_id"),
    "contacts_changed": (_frozen._CHANGED_CONTACTS, "id, persona"),
    "links_changed": (_frozen._CHANGED_LINKS, "id, response_id, theme_id"),
}


def _functions(zone: str, *, new: bool) -> list[str]:
    statements = []
    for name, (changed, columns) in _CHANGED.items():
        _table, _event, _transition, parts = _frozen._TRIGGERS[name]
        guard = ""
        if new:
            sides = {changed.format(side="o"): "old_rows", changed.format(side="n"): "new_rows"}
            parts = [tuple(sides.get(item, item) for item in part) for part in parts]
            guard = (
                f"IF NOT EXISTS (SELECT {columns} FROM new_rows "
                f"EXCEPT SELECT {columns} FROM old_rows) THEN RETURN NULL; END IF; "
            )
        body = guard + _frozen._body(_frozen._quoted(zone), parts)
        statements.append(
            f"CREATE OR REPLACE FUNCTION answer_days_{name}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN {body} RETURN NULL; END $$"
        )
    return statements


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the triggers are PostgreSQL's
    for statement in _functions(settings.TIME_ZONE, new=True):
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in _functions(settings.TIME_ZONE, new=False):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0013_case_days")]

    operations = [migrations.RunPython(forward, backward)]
