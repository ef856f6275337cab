"""New answers update each account's latest answer from the new rows alone.

The insert trigger rewrote each account it touched from all of its answers: for a batch
of ten thousand imported answers that read every answer of their accounts, and more each
batch. An account's latest answer is now the newer of the one kept and its newest new
answer. Deletes and changes still rewrite their accounts from all their answers.
"""

from django.db import migrations

ADDED = """CREATE OR REPLACE FUNCTION latest_answers_in() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    INSERT INTO playbooks_latestanswer (account_id, response_id, answered_at, category)
    SELECT DISTINCT ON (account_id) account_id, id, answered_at, category
    FROM new_rows WHERE account_id IS NOT NULL ORDER BY account_id, answered_at DESC, id DESC
    ON CONFLICT (account_id) DO UPDATE SET response_id = EXCLUDED.response_id,
        answered_at = EXCLUDED.answered_at, category = EXCLUDED.category
    WHERE (EXCLUDED.answered_at, EXCLUDED.response_id)
        > (playbooks_latestanswer.answered_at, playbooks_latestanswer.response_id);
 RETURN NULL; END $$"""

REWRITTEN = """CREATE OR REPLACE FUNCTION latest_answers_in() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM latest_answers_refresh(ARRAY(SELECT account_id FROM new_rows)); RETURN NULL; END $$"""


class Migration(migrations.Migration):
    dependencies = [
        ("playbooks", "0026_escalation_said"),
    ]

    operations = [
        migrations.RunSQL(ADDED, REWRITTEN),
    ]
