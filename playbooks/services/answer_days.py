"""The dashboard's answer counts by day and by month (`AnswerDay`, `AnswerMonth`), kept by
PostgreSQL itself.

Triggers on the answers, accounts and contacts tables add and take away counts in the
statement that changes them, inside its transaction: every write path is covered, the
services as much as a bulk `COPY` or `INSERT ... SELECT`, a correction, a deletion, an
account matched later, a persona or segment changed. They are statement triggers over
the transition tables: a bulk import is counted in one grouped upsert, not row by row.

A day is the answer's date in the time zone the triggers were installed with
(settings.TIME_ZONE at `migrate` or at `manage.py rebuild_dashboard_aggregates`); the SQL
function `answer_days_zone()` says which, so that the dashboard reads the answers
themselves where the zone differs.

Every piece of SQL here is a constant of this module: no value from outside reaches it
but the time zone's name, quoted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

# One signed count per answer: +1 for rows coming in, -1 for rows going out. `rows` are
# answers (surveys_response columns), `accounts` and `contacts` what they join to.
_COUNTS = """
    SELECT (r.answered_at AT TIME ZONE {zone})::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           {sign} AS n, CASE WHEN r.comment <> '' THEN {sign} ELSE 0 END AS c
    FROM {rows} AS r
    {account_join} JOIN {accounts} AS a ON a.id = r.account_id
    JOIN {contacts} AS p ON p.id = r.contact_id
"""

_DIMENSIONS = "segment, tier, csm_id, persona, campaign_id, score"
# Each count goes to its day and to its month: a period's whole months are read from the
# month rows, its first and last days from the day rows.
_TABLES = {
    "playbooks_answerday": ("day", "day"),
    "playbooks_answermonth": ("month", "date_trunc('month', day)::date"),
}

# Rows whose counts reach zero are removed, so that a group with no answer left does not
# show (the unique key treats NULLs as equal: NULLS NOT DISTINCT).
_APPLY = """
    WITH changed AS (
        INSERT INTO {table} AS d ({period}, {dimensions}, answers, commented)
        SELECT {period_of_day}, {dimensions}, sum(n), sum(c) FROM ({counts}) AS delta
        GROUP BY 1, {dimensions}
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, {dimensions}
        ON CONFLICT ({period}, {dimensions}) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM {table} WHERE id = ANY(emptied) AND answers = 0;
    END IF;
"""


def _apply(counts: str) -> str:
    return "".join(
        _APPLY.format(
            table=table,
            period=period,
            period_of_day=period_of_day,
            dimensions=_DIMENSIONS,
            counts=counts,
        )
        for table, (period, period_of_day) in _TABLES.items()
    )


_CHANGED_ANSWERS = """(
    SELECT {side}.* FROM old_rows AS o JOIN new_rows AS n USING (id)
    WHERE (o.answered_at, o.score, o.account_id, o.contact_id, o.campaign_id, o.comment <> '')
        IS DISTINCT FROM
        (n.answered_at, n.score, n.account_id, n.contact_id, n.campaign_id, n.comment <> '')
)"""
_CHANGED_ACCOUNTS = """(
    SELECT {side}.* FROM old_rows AS o JOIN new_rows AS n USING (id)
    WHERE (o.segment, o.tier, o.csm_id) IS DISTINCT FROM (n.segment, n.tier, n.csm_id)
)"""
_CHANGED_CONTACTS = """(
    SELECT {side}.* FROM old_rows AS o JOIN new_rows AS n USING (id)
    WHERE o.persona IS DISTINCT FROM n.persona
)"""

# (table, event, transition tables, [(sign, rows, accounts, contacts)...])
_TRIGGERS = {
    "answers_in": (
        "surveys_response",
        "INSERT",
        "NEW TABLE AS new_rows",
        [("1", "new_rows", "accounts_account", "accounts_contact")],
    ),
    "answers_out": (
        "surveys_response",
        "DELETE",
        "OLD TABLE AS old_rows",
        [("-1", "old_rows", "accounts_account", "accounts_contact")],
    ),
    "answers_changed": (
        "surveys_response",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [
            ("-1", _CHANGED_ANSWERS.format(side="o"), "accounts_account", "accounts_contact"),
            ("1", _CHANGED_ANSWERS.format(side="n"), "accounts_account", "accounts_contact"),
        ],
    ),
    "accounts_changed": (
        "accounts_account",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [
            ("-1", "surveys_response", _CHANGED_ACCOUNTS.format(side="o"), "accounts_contact"),
            ("1", "surveys_response", _CHANGED_ACCOUNTS.format(side="n"), "accounts_contact"),
        ],
    ),
    "contacts_changed": (
        "accounts_contact",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [
            ("-1", "surveys_response", "accounts_account", _CHANGED_CONTACTS.format(side="o")),
            ("1", "surveys_response", "accounts_account", _CHANGED_CONTACTS.format(side="n")),
        ],
    ),
}


def _counts(zone: str, sign: str, rows: str, accounts: str, contacts: str) -> str:
    # The answers' own account may be empty (unmatched): LEFT JOIN, unless the accounts
    # are the changed ones, which only reach the answers they hold.
    account_join = "LEFT" if accounts == "accounts_account" else ""
    return _COUNTS.format(
        zone=zone,
        sign=sign,
        rows=rows,
        accounts=accounts,
        contacts=contacts,
        account_join=account_join,
    )


def _quoted(zone: str) -> str:
    return "'" + zone.replace("'", "''") + "'"


def install_sql(zone: str) -> list[str]:
    """The statements that (re)install the triggers for days in `zone`."""
    statements = [
        "CREATE OR REPLACE FUNCTION answer_days_zone() RETURNS text "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT {_quoted(zone)}::text $$",
        "CREATE OR REPLACE FUNCTION answer_days_emptied() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN DELETE FROM playbooks_answerday; DELETE FROM playbooks_answermonth; "
        "RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS answer_days_emptied ON surveys_response",
        "CREATE TRIGGER answer_days_emptied AFTER TRUNCATE ON surveys_response "
        "FOR EACH STATEMENT EXECUTE FUNCTION answer_days_emptied()",
    ]
    for name, (table, event, transition, parts) in _TRIGGERS.items():
        counts = " UNION ALL ".join(_counts(_quoted(zone), *part) for part in parts)
        body = _apply(counts)
        statements += [
            f"CREATE OR REPLACE FUNCTION answer_days_{name}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN {body} RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS answer_days_{name} ON {table}",
            f"CREATE TRIGGER answer_days_{name} AFTER {event} ON {table} "
            f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION answer_days_{name}()",
        ]
    return statements


def uninstall_sql() -> list[str]:
    """The statements that remove the triggers and their functions."""
    statements = ["DROP TRIGGER IF EXISTS answer_days_emptied ON surveys_response"]
    statements += [
        f"DROP TRIGGER IF EXISTS answer_days_{name} ON {table}"
        for name, (table, *_) in _TRIGGERS.items()
    ]
    statements += [
        f"DROP FUNCTION IF EXISTS answer_days_{name}()" for name in [*_TRIGGERS, "emptied"]
    ]
    return [*statements, "DROP FUNCTION IF EXISTS answer_days_zone()"]


def counted_from_answers_sql(zone: str, table: str) -> str:
    """A query of every row of `table` (day or month counts) as counted from the answers
    themselves, in the table's columns but its id."""
    period, period_of_day = _TABLES[table]
    counts = _counts(_quoted(zone), "1", "surveys_response", "accounts_account", "accounts_contact")
    return (
        f"SELECT {period_of_day}, {_DIMENSIONS}, sum(n), sum(c) "  # noqa: S608
        f"FROM ({counts}) AS delta GROUP BY 1, {_DIMENSIONS}"
    )


def recount_sql(zone: str) -> list[str]:
    """The statements that recount every answer from scratch, writes held off meanwhile."""
    statements = ["LOCK TABLE surveys_response, accounts_account, accounts_contact IN SHARE MODE"]
    for table, (period, _) in _TABLES.items():
        statements += [
            f"DELETE FROM {table}",  # noqa: S608
            f"INSERT INTO {table} ({period}, {_DIMENSIONS}, answers, commented) "
            + counted_from_answers_sql(zone, table),
        ]
    return statements


def differences_from_answers() -> int:
    """How many day and month rows differ from a recount of the answers (missing, extra or
    wrong); 0 when the counts are exact. Reads, writes nothing."""
    different = 0
    with connection.cursor() as cursor:
        for table, (period, _) in _TABLES.items():
            counted = counted_from_answers_sql(settings.TIME_ZONE, table)
            kept = f"SELECT {period}, {_DIMENSIONS}, answers, commented FROM {table}"  # noqa: S608
            cursor.execute(
                f"SELECT count(*) FROM (({kept} EXCEPT {counted}) "  # noqa: S608
                f"UNION ALL ({counted} EXCEPT {kept})) AS different"
            )
            different += cursor.fetchone()[0]
    return different


def rebuild_answer_days() -> int:
    """Reinstall the triggers for settings.TIME_ZONE and recount every answer; safe to run
    at any time and twice. Returns how many day rows there are."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in [*install_sql(settings.TIME_ZONE), *recount_sql(settings.TIME_ZONE)]:
            cursor.execute(statement)
        cursor.execute("SELECT count(*) FROM playbooks_answerday")
        return cursor.fetchone()[0]
