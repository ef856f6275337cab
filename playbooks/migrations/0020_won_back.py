from django.db import migrations, models

# Cases monitored when this shipped: their follow-up is due when the plan was done plus
# their follow-up step's delay (14 days unless the step says otherwise), as the sweep
# reckoned it before.
BACKFILL = """
UPDATE playbooks_case AS c
SET follow_up_due_at = c.plan_completed_at
    + make_interval(days => COALESCE((s.options ->> 'delay_days')::int, 14))
FROM playbooks_casestep AS s
WHERE s.case_id = c.id
  AND s.kind = 'follow_up_survey'
  AND s.status = 'todo'
  AND c.plan_completed_at IS NOT NULL
  AND c.follow_up_due_at IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("playbooks", "0019_group_answers_by_account"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="follow_up_due_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the plan was done plus the follow-up step's delay.",
                null=True,
                verbose_name="follow-up survey due at",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["follow_up_due_at"],
                condition=models.Q(
                    follow_up_due_at__isnull=False, follow_up_requested_at__isnull=True
                ),
                name="case_follow_up_due",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
