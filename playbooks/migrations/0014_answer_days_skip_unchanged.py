"""The answer counts' UPDATE triggers return at once when nothing they count changed.

Without it, an UPDATE of contacts (an import completing their names), accounts or
answers (their processing time) counted its empty changes by reading every answer. The
SQL is built from the frozen copy of migration 0009, with a guard before each body.
"""

import importlib

from django.conf import settings
from django.db import migrations

_frozen = importlib.import_module("playbooks.migrations.0009_answer_days")

_CHANGED = {
    "answers_changed": _frozen._CHANGED_ANSWERS,
    "accounts_changed": _frozen._CHANGED_ACCOUNTS,
    "contacts_changed": _frozen._CHANGED_CONTACTS,
    "links_changed": _frozen._CHANGED_LINKS,
}


def _functions(zone: str, *, guarded: bool) -> list[str]:
    statements = []
    for name, changed in _CHANGED.items():
        _table, _event, _transition, parts = _frozen._TRIGGERS[name]
        guard = f"IF NOT EXISTS {changed.format(side='n')} THEN RETURN NULL; END IF; "
        body = (guard if guarded else "") + _frozen._body(_frozen._quoted(zone), parts)
        statements.append(
            f"CREATE OR REPLACE FUNCTION answer_days_{name}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN {body} RETURN NULL; END $$"
        )
    return statements


def guard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the triggers are PostgreSQL's
    for statement in _functions(settings.TIME_ZONE, guarded=True):
        schema_editor.execute(statement, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in _functions(settings.TIME_ZONE, guarded=False):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0013_case_days")]

    operations = [migrations.RunPython(guard, unguard)]
