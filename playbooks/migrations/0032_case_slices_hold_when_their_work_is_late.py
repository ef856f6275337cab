"""The dashboard's case copies hold the moment each case's work is first late
(`overdue_from`): its first contact's SLA while not made, its people's steps to do, its
plan's open items.

Whether an open case is overdue depends on the moment it is read: the dashboard judged
each open case's steps and items, 44 to 80 ms at a million answers and 25 000 open cases.
It now counts the copies whose moment has passed. Triggers on the steps and the action
items recompute a case's moment in place when one of them is added, done, moved or
removed; the copies' own rewrite computes it too.
"""

from django.db import migrations, models

# The moment a case's work is first late, as the statements below compute it.
OVERDUE_FROM = """LEAST(
        CASE WHEN c.first_contact_at IS NULL THEN c.sla_due_at END,
        (SELECT min(t.due_at) FROM playbooks_casestep AS t
         WHERE t.case_id = c.id AND t.status = 'todo'
           AND t.kind NOT IN ('acknowledge', 'escalation', 'lookup_360', 'notify', 'suppress_surveys')),
        (SELECT min(((i.due_date + 1)::timestamp AT TIME ZONE answer_days_zone())
                    - interval '1 microsecond')
         FROM playbooks_actionitem AS i
         WHERE i.case_id = c.id AND i.status IN ('in_progress', 'open')))"""

REFRESH = f"""CREATE OR REPLACE FUNCTION case_slices_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN
    IF cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM 1 FROM playbooks_case WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM playbooks_caseslice WHERE case_id = ANY(ids);
    INSERT INTO playbooks_caseslice (case_id, answered_at, segment, tier, csm_id, persona, campaign_id, category, status, sla_due_at, first_contact_at, closed_at, outcome, won_back_at, playbook_id, owner_id, follow_up_answered_at, overdue_from) 
    SELECT c.id, r.answered_at, a.segment, a.tier, a.csm_id, p.persona, r.campaign_id,
           c.category, c.status, c.sla_due_at, c.first_contact_at, c.closed_at, c.outcome,
           c.won_back_at, c.playbook_id, c.owner_id, f.answered_at, {OVERDUE_FROM}
    FROM playbooks_case AS c
    JOIN surveys_response AS r ON r.id = c.response_id
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
    LEFT JOIN surveys_response AS f ON f.id = c.follow_up_response_id
    WHERE c.superseded_at IS NULL
 AND c.id = ANY(ids);
END $$"""

OVERDUE = f"""CREATE OR REPLACE FUNCTION case_slices_overdue(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN
    IF cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM 1 FROM playbooks_case WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE playbooks_caseslice AS s SET overdue_from = d.overdue_from
    FROM (SELECT c.id, {OVERDUE_FROM} AS overdue_from
          FROM playbooks_case AS c WHERE c.id = ANY(ids)) AS d
    WHERE s.case_id = d.id AND s.overdue_from IS DISTINCT FROM d.overdue_from;
END $$"""

DUE_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION case_slices_steps_in() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM case_slices_overdue(ARRAY(SELECT DISTINCT case_id FROM new_rows)); RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS case_slices_steps_in ON playbooks_casestep",
    "CREATE TRIGGER case_slices_steps_in AFTER INSERT ON playbooks_casestep REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_slices_steps_in()",
    "CREATE OR REPLACE FUNCTION case_slices_steps_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM case_slices_overdue(ARRAY(SELECT o.case_id FROM old_rows AS o JOIN new_rows AS n USING (id) WHERE (o.case_id, o.status, o.due_at, o.kind) IS DISTINCT FROM (n.case_id, n.status, n.due_at, n.kind) UNION SELECT n.case_id FROM old_rows AS o JOIN new_rows AS n USING (id) WHERE (o.case_id, o.status, o.due_at, o.kind) IS DISTINCT FROM (n.case_id, n.status, n.due_at, n.kind))); RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS case_slices_steps_changed ON playbooks_casestep",
    "CREATE TRIGGER case_slices_steps_changed AFTER UPDATE ON playbooks_casestep REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_slices_steps_changed()",
    "CREATE OR REPLACE FUNCTION case_slices_steps_out() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM case_slices_overdue(ARRAY(SELECT DISTINCT case_id FROM old_rows)); RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS case_slices_steps_out ON playbooks_casestep",
    "CREATE TRIGGER case_slices_steps_out AFTER DELETE ON playbooks_casestep REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_slices_steps_out()",
    "CREATE OR REPLACE FUNCTION case_slices_items_in() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM case_slices_overdue(ARRAY(SELECT DISTINCT case_id FROM new_rows)); RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS case_slices_items_in ON playbooks_actionitem",
    "CREATE TRIGGER case_slices_items_in AFTER INSERT ON playbooks_actionitem REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_slices_items_in()",
    "CREATE OR REPLACE FUNCTION case_slices_items_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM case_slices_overdue(ARRAY(SELECT o.case_id FROM old_rows AS o JOIN new_rows AS n USING (id) WHERE (o.case_id, o.status, o.due_date) IS DISTINCT FROM (n.case_id, n.status, n.due_date) UNION SELECT n.case_id FROM old_rows AS o JOIN new_rows AS n USING (id) WHERE (o.case_id, o.status, o.due_date) IS DISTINCT FROM (n.case_id, n.status, n.due_date))); RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS case_slices_items_changed ON playbooks_actionitem",
    "CREATE TRIGGER case_slices_items_changed AFTER UPDATE ON playbooks_actionitem REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_slices_items_changed()",
    "CREATE OR REPLACE FUNCTION case_slices_items_out() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM case_slices_overdue(ARRAY(SELECT DISTINCT case_id FROM old_rows)); RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS case_slices_items_out ON playbooks_actionitem",
    "CREATE TRIGGER case_slices_items_out AFTER DELETE ON playbooks_actionitem REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_slices_items_out()",
]

FILL = f"""
    UPDATE playbooks_caseslice AS s SET overdue_from = d.overdue_from
    FROM (SELECT c.id, {OVERDUE_FROM} AS overdue_from FROM playbooks_case AS c) AS d
    WHERE s.case_id = d.id
"""

DROP = [
    "DROP TRIGGER IF EXISTS case_slices_steps_in ON playbooks_casestep",
    "DROP TRIGGER IF EXISTS case_slices_steps_changed ON playbooks_casestep",
    "DROP TRIGGER IF EXISTS case_slices_steps_out ON playbooks_casestep",
    "DROP TRIGGER IF EXISTS case_slices_items_in ON playbooks_actionitem",
    "DROP TRIGGER IF EXISTS case_slices_items_changed ON playbooks_actionitem",
    "DROP TRIGGER IF EXISTS case_slices_items_out ON playbooks_actionitem",
    "DROP FUNCTION IF EXISTS case_slices_steps_in()",
    "DROP FUNCTION IF EXISTS case_slices_steps_changed()",
    "DROP FUNCTION IF EXISTS case_slices_steps_out()",
    "DROP FUNCTION IF EXISTS case_slices_items_in()",
    "DROP FUNCTION IF EXISTS case_slices_items_changed()",
    "DROP FUNCTION IF EXISTS case_slices_items_out()",
    "DROP FUNCTION IF EXISTS case_slices_overdue(bigint[])",
]

REFRESH_BEFORE = """CREATE OR REPLACE FUNCTION case_slices_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN
    IF cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM 1 FROM playbooks_case WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM playbooks_caseslice WHERE case_id = ANY(ids);
    INSERT INTO playbooks_caseslice (case_id, answered_at, segment, tier, csm_id, persona, campaign_id, category, status, sla_due_at, first_contact_at, closed_at, outcome, won_back_at, playbook_id, owner_id, follow_up_answered_at) 
    SELECT c.id, r.answered_at, a.segment, a.tier, a.csm_id, p.persona, r.campaign_id,
           c.category, c.status, c.sla_due_at, c.first_contact_at, c.closed_at, c.outcome,
           c.won_back_at, c.playbook_id, c.owner_id, f.answered_at
    FROM playbooks_case AS c
    JOIN surveys_response AS r ON r.id = c.response_id
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
    LEFT JOIN surveys_response AS f ON f.id = c.follow_up_response_id
    WHERE c.superseded_at IS NULL
 AND c.id = ANY(ids);
END $$"""


class Migration(migrations.Migration):
    dependencies = [
        ("playbooks", "0031_case_slices_hold_the_won_back_rates"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseslice",
            name="overdue_from",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunSQL(
            [REFRESH, OVERDUE, *DUE_TRIGGERS, FILL],
            [*DROP, REFRESH_BEFORE],
        ),
    ]
