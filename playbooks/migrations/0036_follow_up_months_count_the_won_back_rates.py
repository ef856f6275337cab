"""The won-back rates of whole months counted by month, not read case by case.

The dashboard's won-back rates read every current case whose follow-up answer was given in
the period, from the case copies' index: 190 000 of them for a year at a million answers,
45 ms. `FollowUpMonth` counts them by month, segment, tier, CSM, playbook and owner (a few
hundred rows a month), kept by the case copies' triggers in the statements that keep the
case counts; the days around a period's whole months are still read from the copies.
This migration fills the table from the copies and installs those functions: migration
0035's, with the follow-up months added.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

_previous = importlib.import_module(
    "playbooks.migrations.0035_team_months_count_the_dashboard_without_a_csm"
)

FILLED = """
INSERT INTO playbooks_followupmonth (month, segment, tier, csm_id, playbook_id, owner_id,
    answered, won_back)
SELECT date_trunc('month', (follow_up_answered_at AT TIME ZONE answer_days_zone())::date)::date,
       segment, tier, csm_id, playbook_id, owner_id, count(*),
       count(*) FILTER (WHERE won_back_at IS NOT NULL)
FROM playbooks_caseslice WHERE follow_up_answered_at IS NOT NULL
GROUP BY 1, segment, tier, csm_id, playbook_id, owner_id
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the triggers are PostgreSQL's
    # Writes to the copies held off from the count to the last function installed.
    schema_editor.execute("LOCK TABLE playbooks_caseslice IN SHARE MODE", params=None)
    schema_editor.execute(FILLED, params=None)
    for statement in FORWARD:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('playbooks', '0035_team_months_count_the_dashboard_without_a_csm'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FollowUpMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField()),
                ('segment', models.CharField(max_length=20, null=True)),
                ('tier', models.CharField(max_length=50, null=True)),
                ('answered', models.IntegerField()),
                ('won_back', models.IntegerField()),
                ('csm', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('playbook', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='playbooks.playbook')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('month', 'segment', 'tier', 'csm', 'playbook', 'owner'), name='follow_up_month_unique', nulls_distinct=False)],
            },
        ),
        migrations.RunPython(forward, backward),
    ]


# The case copies' functions as this migration installs them: 0035's, each count trigger
# adding its follow-up months first. (A follow-up month's counts are the cases answered,
# its first measure, as `cases` is the case counts'.)
_FOLLOW_UP_KEY = "segment, tier, csm_id, playbook_id, owner_id"
_FOLLOW_UP = """
    WITH changed AS (
        INSERT INTO playbooks_followupmonth AS d (month, {key}, answered, won_back)
        SELECT month, {key}, sum(answered), sum(won_back) FROM (
    SELECT date_trunc('month', (s.follow_up_answered_at AT TIME ZONE answer_days_zone())::date)::date AS month,
           s.segment, s.tier, s.csm_id, s.playbook_id, s.owner_id, {sign} AS answered,
           CASE WHEN s.won_back_at IS NOT NULL THEN {sign} ELSE 0 END AS won_back
    FROM {rows} AS s WHERE s.follow_up_answered_at IS NOT NULL
) AS delta
        GROUP BY 1, {key}
        HAVING sum(answered) <> 0 OR sum(won_back) <> 0
        ORDER BY 1, {key}
        ON CONFLICT (month, {key}) DO UPDATE SET answered = d.answered + EXCLUDED.answered, won_back = d.won_back + EXCLUDED.won_back
        RETURNING d.id, d.answered
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answered = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_followupmonth WHERE id = ANY(emptied) AND answered = 0;
    END IF;
"""  # noqa: E501, S608

FORWARD = [
    _previous.emptied_function("case_slices", [*_previous.CASE_TABLES, "playbooks_followupmonth"]),
    *(
        _previous.counted_function(
            name,
            _FOLLOW_UP.format(key=_FOLLOW_UP_KEY, sign=sign, rows=rows)
            + _previous.case_body(sign, rows),
        )
        for name, (sign, rows) in _previous.COUNT_TRIGGERS.items()
    ),
]

# The same functions as migration 0035 installed them.
REPLACED = ("case_slices_emptied", "case_slices_counted_in", "case_slices_counted_out")
BACKWARD = [
    statement
    for statement in _previous.FORWARD
    if statement.split("(", 1)[0].rsplit(" ", 1)[-1] in REPLACED
]
