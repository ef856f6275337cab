"""The dashboard's case copies hold what the won-back rates read: the case's playbook, its
owner and the moment of its follow-up answer.

The rates were read from the cases joined to their follow-up answers, and to the answers
and accounts the slice narrows by: 300 to 600 ms at a million answers and 300 000 cases.
From the copies, through an index of the cases followed up, they take a few milliseconds.
The triggers now rewrite a case's copy when its playbook, owner or follow-up answer
changes, or when its follow-up answer is moved in time.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REFRESH = """CREATE OR REPLACE FUNCTION case_slices_refresh(ids bigint[]) RETURNS void
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

CASES_CHANGED = """CREATE OR REPLACE FUNCTION case_slices_cases_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM case_slices_refresh(ARRAY(SELECT n.id FROM old_rows AS o JOIN new_rows AS n USING (id)
        WHERE (o.response_id, o.superseded_at IS NULL, o.category, o.status, o.sla_due_at,
               o.first_contact_at, o.closed_at, o.outcome, o.won_back_at, o.playbook_id,
               o.owner_id, o.follow_up_response_id)
            IS DISTINCT FROM
              (n.response_id, n.superseded_at IS NULL, n.category, n.status, n.sla_due_at,
               n.first_contact_at, n.closed_at, n.outcome, n.won_back_at, n.playbook_id,
               n.owner_id, n.follow_up_response_id))); RETURN NULL; END $$"""

ANSWERS_CHANGED = """CREATE OR REPLACE FUNCTION case_slices_answers_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM case_slices_refresh(ARRAY(SELECT c.id FROM playbooks_case AS c WHERE c.response_id IN (
            SELECT n.id FROM old_rows AS o JOIN new_rows AS n USING (id)
            WHERE (o.answered_at, o.account_id, o.contact_id, o.campaign_id)
                IS DISTINCT FROM (n.answered_at, n.account_id, n.contact_id, n.campaign_id))
        UNION
        SELECT c.id FROM playbooks_case AS c WHERE c.follow_up_response_id IN (
            SELECT n.id FROM old_rows AS o JOIN new_rows AS n USING (id)
            WHERE o.answered_at IS DISTINCT FROM n.answered_at))); RETURN NULL; END $$"""

REFRESH_BEFORE = """CREATE OR REPLACE FUNCTION case_slices_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN
    IF cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM 1 FROM playbooks_case WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM playbooks_caseslice WHERE case_id = ANY(ids);
    INSERT INTO playbooks_caseslice (case_id, answered_at, segment, tier, csm_id, persona, campaign_id, category, status, sla_due_at, first_contact_at, closed_at, outcome, won_back_at) 
    SELECT c.id, r.answered_at, a.segment, a.tier, a.csm_id, p.persona, r.campaign_id,
           c.category, c.status, c.sla_due_at, c.first_contact_at, c.closed_at, c.outcome,
           c.won_back_at
    FROM playbooks_case AS c
    JOIN surveys_response AS r ON r.id = c.response_id
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
    WHERE c.superseded_at IS NULL
 AND c.id = ANY(ids);
END $$"""

CASES_CHANGED_BEFORE = """CREATE OR REPLACE FUNCTION case_slices_cases_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM case_slices_refresh(ARRAY(SELECT n.id FROM old_rows AS o JOIN new_rows AS n USING (id)
        WHERE (o.response_id, o.superseded_at IS NULL, o.category, o.status, o.sla_due_at,
               o.first_contact_at, o.closed_at, o.outcome, o.won_back_at)
            IS DISTINCT FROM
              (n.response_id, n.superseded_at IS NULL, n.category, n.status, n.sla_due_at,
               n.first_contact_at, n.closed_at, n.outcome, n.won_back_at))); RETURN NULL; END $$"""

ANSWERS_CHANGED_BEFORE = """CREATE OR REPLACE FUNCTION case_slices_answers_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM case_slices_refresh(ARRAY(SELECT c.id FROM playbooks_case AS c WHERE c.response_id IN (
            SELECT n.id FROM old_rows AS o JOIN new_rows AS n USING (id)
            WHERE (o.answered_at, o.account_id, o.contact_id, o.campaign_id)
                IS DISTINCT FROM (n.answered_at, n.account_id, n.contact_id, n.campaign_id)))); RETURN NULL; END $$"""

FILL = """
    UPDATE playbooks_caseslice AS s
    SET playbook_id = c.playbook_id, owner_id = c.owner_id, follow_up_answered_at = f.answered_at
    FROM playbooks_case AS c
    LEFT JOIN surveys_response AS f ON f.id = c.follow_up_response_id
    WHERE c.id = s.case_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("playbooks", "0030_refreshes_planned_once_per_session"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="caseslice",
            name="playbook",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="playbooks.playbook",
            ),
        ),
        migrations.AddField(
            model_name="caseslice",
            name="owner",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="caseslice",
            name="follow_up_answered_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunSQL(
            [REFRESH, CASES_CHANGED, ANSWERS_CHANGED, FILL],
            [REFRESH_BEFORE, CASES_CHANGED_BEFORE, ANSWERS_CHANGED_BEFORE],
        ),
        migrations.AlterField(
            model_name="caseslice",
            name="playbook",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="playbooks.playbook",
            ),
        ),
        migrations.AddIndex(
            model_name="caseslice",
            index=models.Index(
                condition=models.Q(("follow_up_answered_at__isnull", False)),
                fields=["follow_up_answered_at"],
                include=(
                    "playbook",
                    "owner",
                    "won_back_at",
                    "segment",
                    "tier",
                    "csm",
                    "persona",
                    "campaign",
                ),
                name="case_slice_followed_up",
            ),
        ),
    ]
