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

# One signed count per answer, or per answer and theme: +1 for rows coming in, -1 for
# rows going out. `rows` are answers (surveys_response columns), `accounts`, `contacts`
# and `themes` (the answers' theme links) what they join to.
_COUNTS = """
    SELECT (r.answered_at AT TIME ZONE {zone})::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score{theme_column},
           {sign} AS n, CASE WHEN r.comment <> '' THEN {sign} ELSE 0 END AS c
    FROM {rows} AS r
    {account_join} JOIN {accounts} AS a ON a.id = r.account_id
    JOIN {contacts} AS p ON p.id = r.contact_id{theme_join}
"""

_DIMENSIONS = "segment, tier, csm_id, persona, campaign_id, score"
_THEME_DIMENSIONS = f"{_DIMENSIONS}, theme_id"
# The team's months: the same counts summed over the CSMs (`TeamAnswerMonth`).
_TEAM_DIMENSIONS = "segment, tier, persona, campaign_id, score"
_TEAM_THEME_DIMENSIONS = f"{_TEAM_DIMENSIONS}, theme_id"
_MONTH_OF_DAY = "date_trunc('month', day)::date"
# Each count goes to its day, to its month and to its team's month: a period's whole months
# are read from the month rows (the team's when no CSM is picked), its first and last days
# from the day rows. (table, period, its value, key)
_ANSWER_TABLES = [
    ("playbooks_answerday", "day", "day", _DIMENSIONS),
    ("playbooks_answermonth", "month", _MONTH_OF_DAY, _DIMENSIONS),
    ("playbooks_teamanswermonth", "month", _MONTH_OF_DAY, _TEAM_DIMENSIONS),
]
_THEME_TABLES = [
    ("playbooks_themeday", "day", "day", _THEME_DIMENSIONS),
    ("playbooks_thememonth", "month", _MONTH_OF_DAY, _THEME_DIMENSIONS),
    ("playbooks_teamthememonth", "month", _MONTH_OF_DAY, _TEAM_THEME_DIMENSIONS),
]
TABLES = [*_ANSWER_TABLES, *_THEME_TABLES]

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


def _apply(tables: list[tuple[str, str, str, str]], counts: str) -> str:
    return "".join(
        _APPLY.format(
            table=table,
            period=period,
            period_of_day=period_of_day,
            dimensions=dimensions,
            counts=counts,
        )
        for table, period, period_of_day, dimensions in tables
    )


# What an UPDATE trigger compares of each row: the columns its counts depend on. An UPDATE
# that changed none of them (a contact's name, an answer's processing time) returns at once;
# otherwise its old rows are counted out and its new rows in, and the rows that did not
# change cancel out (a group whose sum is 0 is left alone). No join of the old rows with the
# new: PostgreSQL cannot see how many rows they hold, and would join them row by row.
_COMPARED = {
    "answers_changed": "id, answered_at, score, account_id, contact_id, campaign_id, comment <> ''",
    "accounts_changed": "id, segment, tier, csm_id",
    "contacts_changed": "id, persona",
    "links_changed": "id, response_id, theme_id",
}
_GUARDS = {
    name: (
        f"IF NOT EXISTS (SELECT {columns} FROM new_rows EXCEPT SELECT {columns} FROM old_rows) "  # noqa: S608 - our own column lists
        "THEN RETURN NULL; END IF; "
    )
    for name, columns in _COMPARED.items()
}
_ANSWERS, _ACCOUNTS, _CONTACTS, _LINKS = (
    "surveys_response",
    "accounts_account",
    "accounts_contact",
    "surveys_response_themes",
)

# name: (table, event, transition tables, [(sign, rows, accounts, contacts, links)...]);
# links None: the part counts answers, and their theme links too.
_TRIGGERS = {
    "answers_in": (
        _ANSWERS,
        "INSERT",
        "NEW TABLE AS new_rows",
        [("1", "new_rows", _ACCOUNTS, _CONTACTS, None)],
    ),
    "answers_out": (
        _ANSWERS,
        "DELETE",
        "OLD TABLE AS old_rows",
        [("-1", "old_rows", _ACCOUNTS, _CONTACTS, None)],
    ),
    "answers_changed": (
        _ANSWERS,
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [
            ("-1", "old_rows", _ACCOUNTS, _CONTACTS, None),
            ("1", "new_rows", _ACCOUNTS, _CONTACTS, None),
        ],
    ),
    "accounts_changed": (
        _ACCOUNTS,
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [
            ("-1", _ANSWERS, "old_rows", _CONTACTS, None),
            ("1", _ANSWERS, "new_rows", _CONTACTS, None),
        ],
    ),
    "contacts_changed": (
        _CONTACTS,
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [
            ("-1", _ANSWERS, _ACCOUNTS, "old_rows", None),
            ("1", _ANSWERS, _ACCOUNTS, "new_rows", None),
        ],
    ),
    # A link and its answer may go in either order (the foreign key is checked at commit):
    # whichever goes second finds the other gone and counts nothing.
    "links_in": (
        _LINKS,
        "INSERT",
        "NEW TABLE AS new_rows",
        [("1", _ANSWERS, _ACCOUNTS, _CONTACTS, "new_rows")],
    ),
    "links_out": (
        _LINKS,
        "DELETE",
        "OLD TABLE AS old_rows",
        [("-1", _ANSWERS, _ACCOUNTS, _CONTACTS, "old_rows")],
    ),
    "links_changed": (
        _LINKS,
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [
            ("-1", _ANSWERS, _ACCOUNTS, _CONTACTS, "old_rows"),
            ("1", _ANSWERS, _ACCOUNTS, _CONTACTS, "new_rows"),
        ],
    ),
}


def _counts(zone: str, sign: str, rows: str, accounts: str, contacts: str, links: str) -> str:
    """Signed counts of `rows`; by theme when `links` (theme links) are given."""
    # The answers' own account may be empty (unmatched): LEFT JOIN, unless the accounts
    # are the changed ones, which only reach the answers they hold.
    account_join = "LEFT" if accounts == _ACCOUNTS else ""
    return _COUNTS.format(
        zone=zone,
        sign=sign,
        rows=rows,
        accounts=accounts,
        contacts=contacts,
        account_join=account_join,
        theme_column=", t.theme_id" if links else "",
        theme_join=f" JOIN {links} AS t ON t.response_id = r.id" if links else "",
    )


def _body(zone: str, parts: list[tuple[str, str, str, str, str | None]]) -> str:
    """A trigger's statements: its answer counts, then its theme counts."""
    answers = [part[:4] for part in parts if part[4] is None]
    themes = [(*part[:4], part[4] or _LINKS) for part in parts]
    body = ""
    if answers:
        counts = " UNION ALL ".join(_counts(zone, *part, None) for part in answers)
        body += _apply(_ANSWER_TABLES, counts)
    counts = " UNION ALL ".join(_counts(zone, *part) for part in themes)
    return body + _apply(_THEME_TABLES, counts)


def _quoted(zone: str) -> str:
    return "'" + zone.replace("'", "''") + "'"


def install_sql(zone: str) -> list[str]:
    """The statements that (re)install the triggers for days in `zone`."""
    emptied = " ".join(f"DELETE FROM {table};" for table, *_ in TABLES)  # noqa: S608
    statements = [
        "CREATE OR REPLACE FUNCTION answer_days_zone() RETURNS text "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT {_quoted(zone)}::text $$",
        "CREATE OR REPLACE FUNCTION answer_days_emptied() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN {emptied} RETURN NULL; END $$",
    ]
    # Emptying the answers (TRUNCATE ... CASCADE empties the links too) empties the counts.
    for table in (_ANSWERS, _LINKS):
        statements += [
            f"DROP TRIGGER IF EXISTS answer_days_emptied ON {table}",
            f"CREATE TRIGGER answer_days_emptied AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION answer_days_emptied()",
        ]
    for name, (table, event, transition, parts) in _TRIGGERS.items():
        body = _GUARDS.get(name, "") + _body(_quoted(zone), parts)
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
    statements = [
        f"DROP TRIGGER IF EXISTS answer_days_emptied ON {table}" for table in (_ANSWERS, _LINKS)
    ]
    statements += [
        f"DROP TRIGGER IF EXISTS answer_days_{name} ON {table}"
        for name, (table, *_) in _TRIGGERS.items()
    ]
    statements += [
        f"DROP FUNCTION IF EXISTS answer_days_{name}()" for name in [*_TRIGGERS, "emptied"]
    ]
    return [*statements, "DROP FUNCTION IF EXISTS answer_days_zone()"]


def counted_from_answers_sql(zone: str, table: str) -> str:
    """A query of every row of `table` (answer or theme counts, by day or month) as
    counted from the answers themselves, in the table's columns but its id."""
    _, _, period_of_day, dimensions = next(t for t in TABLES if t[0] == table)
    links = _LINKS if table in {t[0] for t in _THEME_TABLES} else None
    counts = _counts(_quoted(zone), "1", _ANSWERS, _ACCOUNTS, _CONTACTS, links)
    return (
        f"SELECT {period_of_day}, {dimensions}, sum(n), sum(c) "  # noqa: S608
        f"FROM ({counts}) AS delta GROUP BY 1, {dimensions}"
    )


def recount_sql(zone: str) -> list[str]:
    """The statements that recount every answer from scratch, writes held off meanwhile."""
    statements = [f"LOCK TABLE {_ANSWERS}, {_ACCOUNTS}, {_CONTACTS}, {_LINKS} IN SHARE MODE"]
    for table, period, _, dimensions in TABLES:
        statements += [
            f"DELETE FROM {table}",  # noqa: S608
            f"INSERT INTO {table} ({period}, {dimensions}, answers, commented) "
            + counted_from_answers_sql(zone, table),
        ]
    return statements


def differences_from_answers() -> int:
    """How many count rows differ from a recount of the answers (missing, extra or
    wrong); 0 when the counts are exact. Reads, writes nothing."""
    different = 0
    with connection.cursor() as cursor:
        for table, period, _, dimensions in TABLES:
            counted = counted_from_answers_sql(settings.TIME_ZONE, table)
            kept = f"SELECT {period}, {dimensions}, answers, commented FROM {table}"  # noqa: S608
            cursor.execute(
                f"SELECT count(*) FROM (({kept} EXCEPT {counted}) "  # noqa: S608
                f"UNION ALL ({counted} EXCEPT {kept})) AS different"
            )
            different += cursor.fetchone()[0]
    return different


def rebuild_answer_days() -> int:
    """Reinstall the triggers for settings.TIME_ZONE and recount every answer; safe to run
    at any time and twice. Returns how many day rows of answers there are."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in [*install_sql(settings.TIME_ZONE), *recount_sql(settings.TIME_ZONE)]:
            cursor.execute(statement)
        cursor.execute("SELECT count(*) FROM playbooks_answerday")
        return cursor.fetchone()[0]
