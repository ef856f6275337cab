"""Each account's latest answer (`LatestAnswer`), kept by PostgreSQL itself.

Triggers on the answers table rewrite the rows of the accounts a statement touched,
inside its transaction: an answer stored (one or a bulk import), deleted, moved in time,
corrected into another category or matched to another account. They are statement
triggers over the transition tables: a bulk import is one rewrite, not one per row.

Every piece of SQL here is a constant of this module: no value from outside reaches it.
"""

from __future__ import annotations

from django.db import connection, transaction

_COLUMNS = "account_id, response_id, answered_at, category"
_LATEST = """
    SELECT DISTINCT ON (account_id) account_id, id, answered_at, category
    FROM surveys_response WHERE account_id IS NOT NULL
"""
_ORDER = " ORDER BY account_id, answered_at DESC, id DESC"

# Keep the newer of the row written and the row there: two transactions storing answers of
# one account at once each write the latest they see, and the later to commit waits for
# the other's row, then updates it only if newer.
_KEEP_NEWER = """
    ON CONFLICT (account_id) DO UPDATE SET response_id = EXCLUDED.response_id,
        answered_at = EXCLUDED.answered_at, category = EXCLUDED.category
    WHERE (EXCLUDED.answered_at, EXCLUDED.response_id)
        > (playbooks_latestanswer.answered_at, playbooks_latestanswer.response_id)"""

# Rewrite the rows of some accounts from their answers. PL/pgSQL, so that a session plans
# the statements once, and a change that moves no latest answer returns at once.
_REFRESH = f"""
CREATE OR REPLACE FUNCTION latest_answers_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN
    IF cardinality(ids) = 0 THEN RETURN; END IF;
    DELETE FROM playbooks_latestanswer WHERE account_id = ANY(ids);
    INSERT INTO playbooks_latestanswer ({_COLUMNS}) {_LATEST} AND account_id = ANY(ids) {_ORDER}
    {_KEEP_NEWER};
END $$
"""  # noqa: S608

# New answers only add to what is kept: each account's latest is the newer of its kept
# row and its newest new answer, read from the statement's new rows alone. Rewriting the
# accounts from all their answers read, for each batch of an import, every answer of the
# accounts its ten thousand answers belong to.
_ADDED = f"""
    INSERT INTO playbooks_latestanswer ({_COLUMNS})
    SELECT DISTINCT ON (account_id) account_id, id, answered_at, category
    FROM new_rows WHERE account_id IS NOT NULL {_ORDER}
    {_KEEP_NEWER};
"""  # noqa: S608

# name: (event, transition tables, the ids of the accounts to rewrite; None: add `_ADDED`)
_TRIGGERS = {
    "in": ("INSERT", "NEW TABLE AS new_rows", None),
    "out": ("DELETE", "OLD TABLE AS old_rows", "SELECT account_id FROM old_rows"),
    "changed": (
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        """SELECT unnest(ARRAY[o.account_id, n.account_id])
        FROM old_rows AS o JOIN new_rows AS n USING (id)
        WHERE (o.account_id, o.answered_at, o.category)
            IS DISTINCT FROM (n.account_id, n.answered_at, n.category)""",
    ),
}


def install_sql() -> list[str]:
    """The statements that (re)install the triggers."""
    statements = [
        _REFRESH,
        "CREATE OR REPLACE FUNCTION latest_answers_emptied() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN DELETE FROM playbooks_latestanswer; RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS latest_answers_emptied ON surveys_response",
        "CREATE TRIGGER latest_answers_emptied AFTER TRUNCATE ON surveys_response "
        "FOR EACH STATEMENT EXECUTE FUNCTION latest_answers_emptied()",
    ]
    for name, (event, transition, ids) in _TRIGGERS.items():
        body = (
            f"{_ADDED} RETURN NULL;"
            if ids is None
            else f"PERFORM latest_answers_refresh(ARRAY({ids})); RETURN NULL;"
        )
        statements += [
            f"CREATE OR REPLACE FUNCTION latest_answers_{name}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {body} END $$",
            f"DROP TRIGGER IF EXISTS latest_answers_{name} ON surveys_response",
            f"CREATE TRIGGER latest_answers_{name} AFTER {event} ON surveys_response "
            f"REFERENCING {transition} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION latest_answers_{name}()",
        ]
    return statements


def uninstall_sql() -> list[str]:
    """The statements that remove the triggers and their functions."""
    names = [*_TRIGGERS, "emptied"]
    return [
        *(f"DROP TRIGGER IF EXISTS latest_answers_{name} ON surveys_response" for name in names),
        *(f"DROP FUNCTION IF EXISTS latest_answers_{name}()" for name in names),
        "DROP FUNCTION IF EXISTS latest_answers_refresh(bigint[])",
    ]


def recount_sql() -> list[str]:
    """The statements that rewrite every row from the answers, writes held off meanwhile."""
    return [
        "LOCK TABLE surveys_response IN SHARE MODE",
        "DELETE FROM playbooks_latestanswer",
        f"INSERT INTO playbooks_latestanswer ({_COLUMNS}) {_LATEST} {_ORDER}",  # noqa: S608
    ]


def differences_from_answers() -> int:
    """How many rows differ from the answers themselves (missing, extra or wrong); 0 when
    the rows are exact. Reads, writes nothing."""
    kept = f"SELECT {_COLUMNS} FROM playbooks_latestanswer"  # noqa: S608
    latest = f"SELECT * FROM ({_LATEST} {_ORDER}) AS latest"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (({kept} EXCEPT {latest}) "  # noqa: S608
            f"UNION ALL ({latest} EXCEPT {kept})) AS different"
        )
        return cursor.fetchone()[0]


def rebuild_latest_answers() -> int:
    """Reinstall the triggers and rewrite every row from the answers; safe to run at any
    time and twice. Returns how many accounts have an answer."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in [*install_sql(), *recount_sql()]:
            cursor.execute(statement)
        cursor.execute("SELECT count(*) FROM playbooks_latestanswer")
        return cursor.fetchone()[0]
