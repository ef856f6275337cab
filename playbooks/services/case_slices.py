"""The dashboard's copy of each current case with its answer's slice (`CaseSlice`), kept
by PostgreSQL itself.

Triggers on the cases, answers, accounts and contacts tables rewrite the rows of the
cases a statement touched, inside its transaction: every write path is covered, the
services as much as the admin or a bulk `UPDATE`: a case opened, worked, closed,
superseded by a corrected score or deleted; an answer moved in time or matched to
another account; a segment, tier, CSM or persona changed. They are statement triggers
over the transition tables: a bulk change is one rewrite, not one per row.

Every piece of SQL here is a constant of this module: no value from outside reaches it.
"""

from __future__ import annotations

from django.db import connection, transaction

_COLUMNS = (
    "case_id, answered_at, segment, tier, csm_id, persona, campaign_id, category, status, "
    "sla_due_at, first_contact_at, closed_at, outcome, won_back_at"
)
# What the row of each current case holds, read from the case, its answer, the answer's
# account (none for an unmatched answer) and person.
_SLICES = """
    SELECT c.id, r.answered_at, a.segment, a.tier, a.csm_id, p.persona, r.campaign_id,
           c.category, c.status, c.sla_due_at, c.first_contact_at, c.closed_at, c.outcome,
           c.won_back_at
    FROM playbooks_case AS c
    JOIN surveys_response AS r ON r.id = c.response_id
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
    WHERE c.superseded_at IS NULL
"""  # noqa: S608

# Rewrite the rows of some cases: those gone or superseded leave, the others are read afresh.
_REFRESH = f"""
CREATE OR REPLACE FUNCTION case_slices_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM playbooks_caseslice WHERE case_id = ANY(ids);
    INSERT INTO playbooks_caseslice ({_COLUMNS}) {_SLICES} AND c.id = ANY(ids);
$$
"""  # noqa: S608

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
               o.first_contact_at, o.closed_at, o.outcome, o.won_back_at)
            IS DISTINCT FROM
              (n.response_id, n.superseded_at IS NULL, n.category, n.status, n.sla_due_at,
               n.first_contact_at, n.closed_at, n.outcome, n.won_back_at)""",
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
                IS DISTINCT FROM (n.answered_at, n.account_id, n.contact_id, n.campaign_id))""",
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


def install_sql() -> list[str]:
    """The statements that (re)install the triggers."""
    statements = [
        _REFRESH,
        "CREATE OR REPLACE FUNCTION case_slices_emptied() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN DELETE FROM playbooks_caseslice; RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS case_slices_emptied ON playbooks_case",
        "CREATE TRIGGER case_slices_emptied AFTER TRUNCATE ON playbooks_case "
        "FOR EACH STATEMENT EXECUTE FUNCTION case_slices_emptied()",
    ]
    for name, (table, event, transition, ids) in _TRIGGERS.items():
        body = f"PERFORM case_slices_refresh(ARRAY({ids})); RETURN NULL;"
        statements += [
            f"CREATE OR REPLACE FUNCTION case_slices_{name}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {body} END $$",
            f"DROP TRIGGER IF EXISTS case_slices_{name} ON {table}",
            f"CREATE TRIGGER case_slices_{name} AFTER {event} ON {table} "
            f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION case_slices_{name}()",
        ]
    return statements


def uninstall_sql() -> list[str]:
    """The statements that remove the triggers and their functions."""
    statements = ["DROP TRIGGER IF EXISTS case_slices_emptied ON playbooks_case"]
    statements += [
        f"DROP TRIGGER IF EXISTS case_slices_{name} ON {table}"
        for name, (table, *_) in _TRIGGERS.items()
    ]
    statements += [f"DROP FUNCTION IF EXISTS case_slices_{name}()" for name in _TRIGGERS]
    return [
        *statements,
        "DROP FUNCTION IF EXISTS case_slices_emptied()",
        "DROP FUNCTION IF EXISTS case_slices_refresh(bigint[])",
    ]


def recount_sql() -> list[str]:
    """The statements that rewrite every row from the cases, writes held off meanwhile."""
    return [
        "LOCK TABLE playbooks_case, surveys_response, accounts_account, accounts_contact "
        "IN SHARE MODE",
        "DELETE FROM playbooks_caseslice",
        f"INSERT INTO playbooks_caseslice ({_COLUMNS}) {_SLICES}",  # noqa: S608
    ]


def differences_from_cases() -> int:
    """How many rows differ from the cases themselves (missing, extra or wrong); 0 when
    the copy is exact. Reads, writes nothing."""
    kept = f"SELECT {_COLUMNS} FROM playbooks_caseslice"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (({kept} EXCEPT {_SLICES}) "  # noqa: S608
            f"UNION ALL ({_SLICES} EXCEPT {kept})) AS different"
        )
        return cursor.fetchone()[0]


def rebuild_case_slices() -> int:
    """Reinstall the triggers and rewrite every row from the cases; safe to run at any time
    and twice. Returns how many current cases there are."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in [*install_sql(), *recount_sql()]:
            cursor.execute(statement)
        cursor.execute("SELECT count(*) FROM playbooks_caseslice")
        return cursor.fetchone()[0]
