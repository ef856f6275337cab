from django.db import migrations, models

# Every case's lasting risk points (`playbooks.risk.base_points`) as this migration was
# written, in one UPDATE: the weights of the settings row, or the defaults without one.
BACKFILL = """
WITH w AS (
    SELECT coalesce(max(risk_weight_arr), 25) AS arr,
           coalesce(max(risk_weight_score), 20) AS score,
           coalesce(max(risk_weight_influence), 15) AS influence,
           coalesce(max(risk_arr_full_at), 100000)::numeric AS full_at
    FROM nps_loop_loopsettings
)
UPDATE playbooks_case AS c SET risk_base =
    floor(w.arr * least(coalesce(
        (SELECT a.arr FROM accounts_account AS a WHERE a.id = c.account_id), 0), w.full_at)
        / w.full_at + 0.5)::integer
  + (2 * w.score * (9 - least(r.score, 9)) + 9) / 18
  + (2 * w.influence
       * CASE p.persona WHEN 'decision_maker' THEN 100 WHEN 'exec_sponsor' THEN 100
                        WHEN 'champion' THEN 80 WHEN 'admin' THEN 50 ELSE 40 END
       * CASE p.influence WHEN 'high' THEN 100 WHEN 'medium' THEN 70 ELSE 40 END
       + 10000) / 20000
FROM w, surveys_response AS r, accounts_contact AS p
WHERE r.id = c.response_id AND p.id = c.contact_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("nps_loop", "0007_risk_weights"),
        ("playbooks", "0020_won_back"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="risk_base",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text=(
                    "The points of the risk score that do not change with time (ARR, answer, "
                    "influence), kept up to date when those change; renewal, escalations and "
                    "overdue work are added when the queue is read."
                ),
                verbose_name="risk points that do not change with time",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=True),
    ]
