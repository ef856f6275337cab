"""The dashboard's copy of each current case with its answer's slice (`CaseSlice`), kept
by PostgreSQL itself.

Triggers on the cases, answers, accounts and contacts tables rewrite the rows of the
cases a statement touched, inside its transaction: every write path is covered, the
services as much as the admin or a bulk `UPDATE`: a case opened, worked, closed,
superseded by a corrected score or deleted; an answer moved in time or matched to
another account; a segment, tier, CSM or persona changed. Triggers on the steps and the
action items recompute, in place, the moment a case's work is first late. They are
statement triggers over the transition tables: a bulk change is one rewrite, not one per
row.

Every piece of SQL here is a constant of this module: no value from outside reaches it.
"""

from __future__ import annotations

from django.db import connection, transaction

from playbooks.models import AUTOMATIC_STEP_KINDS, OPEN_ACTION_STATUSES, StepStatus

_COLUMNS = (
    "case_id, answered_at, segment, tier, csm_id, persona, campaign_id, category, status, "
    "sla_due_at, first_contact_at, closed_at, outcome, won_back_at, playbook_id, owner_id, "
    "follow_up_answered_at, overdue_from"
)


def _sql_list(values) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


# The moment case `c`'s work is first late (`CaseSlice.overdue_from`), as "overdue" judges
# lateness: the first contact's SLA while not made; a step of its people to do, past its
# due moment; an open item of its plan, past its due day in the site's time zone (the
# daily counts' zone): late from the next local midnight, so due a microsecond before it.
_OVERDUE_FROM = f"""LEAST(
        CASE WHEN c.first_contact_at IS NULL THEN c.sla_due_at END,
        (SELECT min(t.due_at) FROM playbooks_casestep AS t
         WHERE t.case_id = c.id AND t.status = '{StepStatus.TODO}'
           AND t.kind NOT IN ({_sql_list(AUTOMATIC_STEP_KINDS)})),
        (SELECT min(((i.due_date + 1)::timestamp AT TIME ZONE answer_days_zone())
                    - interval '1 microsecond')
         FROM playbooks_actionitem AS i
         WHERE i.case_id = c.id AND i.status IN ({_sql_list(OPEN_ACTION_STATUSES)})))"""  # noqa: S608
# What the row of each current case holds, read from the case, its answer, the answer's
# account (none for an unmatched answer) and person, its follow-up answer if any, and its
# steps and action items.
_SLICES = f"""
    SELECT c.id, r.answered_at, a.segment, a.tier, a.csm_id, p.persona, r.campaign_id,
           c.category, c.status, c.sla_due_at, c.first_contact_at, c.closed_at, c.outcome,
           c.won_back_at, c.playbook_id, c.owner_id, f.answered_at, {_OVERDUE_FROM}
    FROM playbooks_case AS c
    JOIN surveys_response AS r ON r.id = c.response_id
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
    LEFT JOIN surveys_response AS f ON f.id = c.follow_up_response_id
    WHERE c.superseded_at IS NULL
"""  # noqa: S608

# Rewrite the rows of some cases: those gone or superseded leave, the others are read afresh.
# The cases are locked first, in order: two transactions that change one case's answer,
# account or contact at once rewrite its row one after the other, the second from what the
# first committed (each statement of the function reads afresh). PL/pgSQL, not SQL: a
# session plans its statements once, not at each call, and a write that changes nothing
# the rows copy (most of them: a note, a step done) returns at once.
_REFRESH = f"""
CREATE OR REPLACE FUNCTION case_slices_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN
    IF cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM 1 FROM playbooks_case WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM playbooks_caseslice WHERE case_id = ANY(ids);
    INSERT INTO playbooks_caseslice ({_COLUMNS}) {_SLICES} AND c.id = ANY(ids);
END $$
"""  # noqa: S608

# When a case's steps or action items change, its row's `overdue_from` alone is
# recomputed, in place (no count follows it). The cases are locked first, as above: two
# transactions that change the steps of one case at once write its moment one after the
# other, the second from what the first committed.
_OVERDUE = f"""
CREATE OR REPLACE FUNCTION case_slices_overdue(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN
    IF cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM 1 FROM playbooks_case WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE playbooks_caseslice AS s SET overdue_from = d.overdue_from
    FROM (SELECT c.id, {_OVERDUE_FROM} AS overdue_from
          FROM playbooks_case AS c WHERE c.id = ANY(ids)) AS d
    WHERE s.case_id = d.id AND s.overdue_from IS DISTINCT FROM d.overdue_from;
END $$
"""  # noqa: S608

# name: (table, event, transition tables, the ids of the cases whose moment to recompute)
_DUE_TRIGGERS = {
    "steps_in": ("playbooks_casestep", "INSERT", "NEW TABLE AS new_rows", "new_rows", ""),
    "steps_changed": (
        "playbooks_casestep",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "old_rows AS o JOIN new_rows AS n USING (id)",
        "(o.case_id, o.status, o.due_at, o.kind) IS DISTINCT FROM "
        "(n.case_id, n.status, n.due_at, n.kind)",
    ),
    "steps_out": ("playbooks_casestep", "DELETE", "OLD TABLE AS old_rows", "old_rows", ""),
    "items_in": ("playbooks_actionitem", "INSERT", "NEW TABLE AS new_rows", "new_rows", ""),
    "items_changed": (
        "playbooks_actionitem",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "old_rows AS o JOIN new_rows AS n USING (id)",
        "(o.case_id, o.status, o.due_date) IS DISTINCT FROM (n.case_id, n.status, n.due_date)",
    ),
    "items_out": ("playbooks_actionitem", "DELETE", "OLD TABLE AS old_rows", "old_rows", ""),
}


def _due_ids(rows: str, changed: str) -> str:
    """The cases of the steps or items of a statement (both of a changed row's cases)."""
    if not changed:
        return f"SELECT DISTINCT case_id FROM {rows}"  # noqa: S608
    return (
        f"SELECT o.case_id FROM {rows} WHERE {changed} "  # noqa: S608
        f"UNION SELECT n.case_id FROM {rows} WHERE {changed}"
    )


# name: (table, event, transition tables, the ids of the cases to rewrite)
_TRIGGERS = {
    "cases_in": (
        "playbooks_case",
        "INSERT",
        "NEW TABLE AS new_rows",
        "SELECT id FROM new_rows",
    ),
    "cases_changed": (
        "playbooks_case",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        """SELECT n.id FROM old_rows AS o JOIN new_rows AS n USING (id)
        WHERE (o.response_id, o.superseded_at IS NULL, o.category, o.status, o.sla_due_at,
               o.first_contact_at, o.closed_at, o.outcome, o.won_back_at, o.playbook_id,
               o.owner_id, o.follow_up_response_id)
            IS DISTINCT FROM
              (n.response_id, n.superseded_at IS NULL, n.category, n.status, n.sla_due_at,
               n.first_contact_at, n.closed_at, n.outcome, n.won_back_at, n.playbook_id,
               n.owner_id, n.follow_up_response_id)""",
    ),
    "cases_out": (
        "playbooks_case",
        "DELETE",
        "OLD TABLE AS old_rows",
        "SELECT id FROM old_rows",
    ),
    "answers_changed": (
        "surveys_response",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        """SELECT c.id FROM playbooks_case AS c WHERE c.response_id IN (
            SELECT n.id FROM old_rows AS o JOIN new_rows AS n USING (id)
            WHERE (o.answered_at, o.account_id, o.contact_id, o.campaign_id)
                IS DISTINCT FROM (n.answered_at, n.account_id, n.contact_id, n.campaign_id))
        UNION
        SELECT c.id FROM playbooks_case AS c WHERE c.follow_up_response_id IN (
            SELECT n.id FROM old_rows AS o JOIN new_rows AS n USING (id)
            WHERE o.answered_at IS DISTINCT FROM n.answered_at)""",
    ),
    "accounts_changed": (
        "accounts_account",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        """SELECT c.id FROM playbooks_case AS c
        JOIN surveys_response AS r ON r.id = c.response_id
        WHERE r.account_id IN (
            SELECT n.id FROM old_rows AS o JOIN new_rows AS n USING (id)
            WHERE (o.segment, o.tier, o.csm_id) IS DISTINCT FROM (n.segment, n.tier, n.csm_id))""",
    ),
    "contacts_changed": (
        "accounts_contact",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        """SELECT c.id FROM playbooks_case AS c
        JOIN surveys_response AS r ON r.id = c.response_id
        WHERE r.contact_id IN (
            SELECT n.id FROM old_rows AS o JOIN new_rows AS n USING (id)
            WHERE o.persona IS DISTINCT FROM n.persona)""",
    ),
}


# The case counts by day and month (`CaseDay`, `CaseMonth`) follow the rows of
# `CaseSlice`, which are only ever inserted and deleted: +1 for rows coming in, -1 for
# rows going out, on the local day (the answer counts' zone, `answer_days_zone()`) of the
# answer, of the closing and of the win-back.
_DAY = "({moment} AT TIME ZONE answer_days_zone())::date"
_SLICE = "s.segment, s.tier, s.csm_id, s.persona, s.campaign_id"
_CASE_COUNTS = f"""
    SELECT {_DAY.format(moment="s.answered_at")} AS day, {_SLICE}, 'answered' AS event,
           '' AS outcome, {{sign}} AS cases,
           CASE WHEN s.first_contact_at IS NOT NULL THEN {{sign}} ELSE 0 END AS contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at IS NOT NULL THEN {{sign}} ELSE 0 END AS due_contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at <= s.sla_due_at THEN {{sign}} ELSE 0 END AS within_sla
    FROM {{rows}} AS s
    UNION ALL
    SELECT {_DAY.format(moment="s.closed_at")}, {_SLICE}, 'closed', s.outcome, {{sign}}, 0, 0, 0
    FROM {{rows}} AS s WHERE s.closed_at IS NOT NULL
    UNION ALL
    SELECT {_DAY.format(moment="s.won_back_at")}, {_SLICE}, 'won_back', '', {{sign}}, 0, 0, 0
    FROM {{rows}} AS s WHERE s.won_back_at IS NOT NULL
"""  # noqa: S608
_CASE_KEY = "segment, tier, csm_id, persona, campaign_id, event, outcome"
# The team's months: the same counts summed over the CSMs (`TeamCaseMonth`).
_TEAM_CASE_KEY = "segment, tier, persona, campaign_id, event, outcome"
_CASE_MEASURES = ("cases", "contacted", "due_contacted", "within_sla")
_MONTH_OF_DAY = "date_trunc('month', day)::date"
# (table, period, its value from the day, key)
_CASE_TABLES = [
    ("playbooks_caseday", "day", "day", _CASE_KEY),
    ("playbooks_casemonth", "month", _MONTH_OF_DAY, _CASE_KEY),
    ("playbooks_teamcasemonth", "month", _MONTH_OF_DAY, _TEAM_CASE_KEY),
]
# The won-back rates' months (`FollowUpMonth`) follow the same rows: +1 for a row with a
# follow-up answer coming in, -1 going out, on the local month of the follow-up answer.
_FOLLOW_UP_KEY = "segment, tier, csm_id, playbook_id, owner_id"
_FOLLOW_UP_MEASURES = ("answered", "won_back")
_FOLLOW_UP_COUNTS = f"""
    SELECT date_trunc('month', {_DAY.format(moment="s.follow_up_answered_at")})::date AS month,
           s.segment, s.tier, s.csm_id, s.playbook_id, s.owner_id, {{sign}} AS answered,
           CASE WHEN s.won_back_at IS NOT NULL THEN {{sign}} ELSE 0 END AS won_back
    FROM {{rows}} AS s WHERE s.follow_up_answered_at IS NOT NULL
"""  # noqa: S608
_TABLE_NAMES = [*(table for table, *_ in _CASE_TABLES), "playbooks_followupmonth"]
# Rows whose counts reach zero (their first measure) are removed (the unique key treats
# NULLs as equal).
_APPLY = """
    WITH changed AS (
        INSERT INTO {table} AS d ({period}, {key}, {measures})
        SELECT {period_of_day}, {key}, {sums} FROM ({counts}) AS delta
        GROUP BY 1, {key}
        HAVING {any_change}
        ORDER BY 1, {key}
        ON CONFLICT ({period}, {key}) DO UPDATE SET {added}
        RETURNING d.id, d.{first}
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE {first} = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM {table} WHERE id = ANY(emptied) AND {first} = 0;
    END IF;
"""


def _apply(
    table: str, period: str, period_of_day: str, key: str, measures: tuple[str, ...], counts: str
) -> str:
    """The statements that add the signed `counts` to `table`, summed by period and key."""
    return _APPLY.format(
        table=table,
        period=period,
        period_of_day=period_of_day,
        key=key,
        first=measures[0],
        measures=", ".join(measures),
        sums=", ".join(f"sum({m})" for m in measures),
        any_change=" OR ".join(f"sum({m}) <> 0" for m in measures),
        added=", ".join(f"{m} = d.{m} + EXCLUDED.{m}" for m in measures),
        counts=counts,
    )


def _case_counts_body(sign: str, rows: str) -> str:
    """The statements that add the signed counts of `rows` to the won-back rates' months
    and to the case count tables."""
    follow_ups = _FOLLOW_UP_COUNTS.format(sign=sign, rows=rows)
    cases = _CASE_COUNTS.format(sign=sign, rows=rows)
    return _apply(
        "playbooks_followupmonth", "month", "month", _FOLLOW_UP_KEY, _FOLLOW_UP_MEASURES, follow_ups
    ) + "".join(
        _apply(table, period, period_of_day, key, _CASE_MEASURES, cases)
        for table, period, period_of_day, key in _CASE_TABLES
    )


# name: (event, transition table, sign)
_COUNT_TRIGGERS = {
    "counted_in": ("INSERT", "NEW TABLE AS new_rows", "1", "new_rows"),
    "counted_out": ("DELETE", "OLD TABLE AS old_rows", "-1", "old_rows"),
}


def install_sql() -> list[str]:
    """The statements that (re)install the triggers."""
    # Emptying the cases empties the copies with DELETE: a TRUNCATE would be refused when
    # the same statement empties the copies too (as Django's flush does).
    emptied = " ".join(f"DELETE FROM {t};" for t in ["playbooks_caseslice", *_TABLE_NAMES])  # noqa: S608
    statements = [
        _REFRESH,
        "CREATE OR REPLACE FUNCTION case_slices_emptied() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN {emptied} RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS case_slices_emptied ON playbooks_case",
        "CREATE TRIGGER case_slices_emptied AFTER TRUNCATE ON playbooks_case "
        "FOR EACH STATEMENT EXECUTE FUNCTION case_slices_emptied()",
    ]
    for name, (table, event, transition, ids) in _TRIGGERS.items():
        body = f"PERFORM case_slices_refresh(ARRAY({ids})); RETURN NULL;"
        statements += _statement_trigger(name, table, event, transition, f"BEGIN {body} END")
    statements.append(_OVERDUE)
    for name, (table, event, transition, rows, changed) in _DUE_TRIGGERS.items():
        body = f"PERFORM case_slices_overdue(ARRAY({_due_ids(rows, changed)})); RETURN NULL;"
        statements += _statement_trigger(name, table, event, transition, f"BEGIN {body} END")
    for name, (event, transition, sign, rows) in _COUNT_TRIGGERS.items():
        body = f"DECLARE emptied bigint[]; BEGIN {_case_counts_body(sign, rows)} RETURN NULL; END"
        statements += _statement_trigger(name, "playbooks_caseslice", event, transition, body)
    return statements


def _statement_trigger(name: str, table: str, event: str, transition: str, body: str) -> list[str]:
    """The function `case_slices_<name>` with `body`, run once per statement `event` on
    `table`, over its `transition` tables."""
    return [
        f"CREATE OR REPLACE FUNCTION case_slices_{name}() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ {body} $$",
        f"DROP TRIGGER IF EXISTS case_slices_{name} ON {table}",
        f"CREATE TRIGGER case_slices_{name} AFTER {event} ON {table} "
        f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION case_slices_{name}()",
    ]


def uninstall_sql() -> list[str]:
    """The statements that remove the triggers and their functions."""
    statements = ["DROP TRIGGER IF EXISTS case_slices_emptied ON playbooks_case"]
    statements += [
        f"DROP TRIGGER IF EXISTS case_slices_{name} ON {table}"
        for name, (table, *_) in _TRIGGERS.items()
    ]
    statements += [
        f"DROP TRIGGER IF EXISTS case_slices_{name} ON {table}"
        for name, (table, *_) in _DUE_TRIGGERS.items()
    ]
    statements += [
        f"DROP TRIGGER IF EXISTS case_slices_{name} ON playbooks_caseslice"
        for name in _COUNT_TRIGGERS
    ]
    statements += [
        f"DROP FUNCTION IF EXISTS case_slices_{name}()"
        for name in [*_TRIGGERS, *_DUE_TRIGGERS, *_COUNT_TRIGGERS]
    ]
    return [
        *statements,
        "DROP FUNCTION IF EXISTS case_slices_emptied()",
        "DROP FUNCTION IF EXISTS case_slices_overdue(bigint[])",
        "DROP FUNCTION IF EXISTS case_slices_refresh(bigint[])",
    ]


def recount_sql() -> list[str]:
    """The statements that rewrite every row from the cases, writes held off meanwhile."""
    # Emptied (no trigger), then filled: the copies' own triggers recount the case counts.
    return [
        "LOCK TABLE playbooks_case, playbooks_casestep, playbooks_actionitem, surveys_response, "
        "accounts_account, accounts_contact "
        "IN SHARE MODE",
        "TRUNCATE playbooks_caseslice",
        *(f"DELETE FROM {table}" for table in _TABLE_NAMES),  # noqa: S608
        f"INSERT INTO playbooks_caseslice ({_COLUMNS}) {_SLICES}",  # noqa: S608
    ]


def case_counts_from_cases_sql(table: str) -> str:
    """A query of every row of a case count table as counted from the case copies, in the
    table's columns but its id."""
    _, period, period_of_day, key = next(t for t in _CASE_TABLES if t[0] == table)
    counts = _CASE_COUNTS.format(sign="1", rows="playbooks_caseslice")
    sums = ", ".join(f"sum({m})" for m in _CASE_MEASURES)
    return (
        f"SELECT {period_of_day}, {key}, {sums} "  # noqa: S608
        f"FROM ({counts}) AS delta GROUP BY 1, {key}"
    )


def follow_ups_from_cases_sql() -> str:
    """A query of every row of `FollowUpMonth` as counted from the case copies, in the
    table's columns but its id."""
    counts = _FOLLOW_UP_COUNTS.format(sign="1", rows="playbooks_caseslice")
    return (
        f"SELECT month, {_FOLLOW_UP_KEY}, sum(answered), sum(won_back) "  # noqa: S608
        f"FROM ({counts}) AS delta GROUP BY 1, {_FOLLOW_UP_KEY}"
    )


def differences_from_cases() -> int:
    """How many rows of the copies differ from the cases themselves, and of the case
    counts from a recount of the copies (missing, extra or wrong); 0 when all are exact.
    Reads, writes nothing."""
    compared = [(f"SELECT {_COLUMNS} FROM playbooks_caseslice", _SLICES)]  # noqa: S608
    measures = ", ".join(_CASE_MEASURES)
    compared += [
        (
            f"SELECT {period}, {key}, {measures} FROM {table}",  # noqa: S608
            case_counts_from_cases_sql(table),
        )
        for table, period, _, key in _CASE_TABLES
    ]
    compared.append(
        (
            f"SELECT month, {_FOLLOW_UP_KEY}, answered, won_back FROM playbooks_followupmonth",  # noqa: S608
            follow_ups_from_cases_sql(),
        )
    )
    different = 0
    with connection.cursor() as cursor:
        for kept, recounted in compared:
            cursor.execute(
                f"SELECT count(*) FROM (({kept} EXCEPT {recounted}) "  # noqa: S608
                f"UNION ALL ({recounted} EXCEPT {kept})) AS different"
            )
            different += cursor.fetchone()[0]
    return different


def rebuild_case_slices() -> int:
    """Reinstall the triggers and rewrite every row from the cases; safe to run at any time
    and twice. Returns how many current cases there are."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in [*install_sql(), *recount_sql()]:
            cursor.execute(statement)
        cursor.execute("SELECT count(*) FROM playbooks_caseslice")
        return cursor.fetchone()[0]
