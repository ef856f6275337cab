"""Concurrent writers keep the dashboard's kept rows right.

Two answers of one account stored at the same moment each rewrote the account's latest
answer, and the second failed on its primary key (a 500 for an API client). Now the
later keeps the newer of the two. Two transactions changing one case's answer, account or
contact at once could do the same to its copy row: its cases are now locked first, in
order, so that the second rewrites the row from what the first committed.
"""

from django.db import migrations

LATEST_ANSWERS_REFRESH = """CREATE OR REPLACE FUNCTION latest_answers_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM playbooks_latestanswer WHERE account_id = ANY(ids);
    INSERT INTO playbooks_latestanswer (account_id, response_id, answered_at, category) 
    SELECT DISTINCT ON (account_id) account_id, id, answered_at, category
    FROM surveys_response WHERE account_id IS NOT NULL
 AND account_id = ANY(ids)  ORDER BY account_id, answered_at DESC, id DESC
    ON CONFLICT (account_id) DO UPDATE SET response_id = EXCLUDED.response_id,
        answered_at = EXCLUDED.answered_at, category = EXCLUDED.category
    WHERE (EXCLUDED.answered_at, EXCLUDED.response_id)
        > (playbooks_latestanswer.answered_at, playbooks_latestanswer.response_id);
$$"""

CASE_SLICES_REFRESH = """CREATE OR REPLACE FUNCTION case_slices_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    SELECT 1 FROM playbooks_case WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
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
$$"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the triggers are PostgreSQL's
    schema_editor.execute(LATEST_ANSWERS_REFRESH, params=None)
    schema_editor.execute(CASE_SLICES_REFRESH, params=None)


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0014_answer_days_skip_unchanged")]

    # Backwards, the functions stay: they do what the earlier ones did, and more safely.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
