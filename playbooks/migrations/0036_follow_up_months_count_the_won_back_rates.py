"""The won-back rates of whole months counted by month, not read case by case.

The dashboard's won-back rates read every current case whose follow-up answer was given in
the period, from the case copies' index: 190 000 of them for a year at a million answers,
45 ms. `FollowUpMonth` counts them by month, segment, tier, CSM, playbook and owner (a few
hundred rows a month), kept by the case copies' triggers in the statements that keep the
case counts; the days around a period's whole months are still read from the copies.
This migration fills the table from the copies and installs those functions, frozen below
as they were written.
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


# The functions as this migration installs them.
FORWARD = [
    """CREATE OR REPLACE FUNCTION case_slices_emptied() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM playbooks_caseslice; DELETE FROM playbooks_caseday; DELETE FROM playbooks_casemonth; DELETE FROM playbooks_teamcasemonth; DELETE FROM playbooks_followupmonth; RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION case_slices_counted_in() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN 
    WITH changed AS (
        INSERT INTO playbooks_followupmonth AS d (month, segment, tier, csm_id, playbook_id, owner_id, answered, won_back)
        SELECT month, segment, tier, csm_id, playbook_id, owner_id, sum(answered), sum(won_back) FROM (
    SELECT date_trunc('month', (s.follow_up_answered_at AT TIME ZONE answer_days_zone())::date)::date AS month,
           s.segment, s.tier, s.csm_id, s.playbook_id, s.owner_id, 1 AS answered,
           CASE WHEN s.won_back_at IS NOT NULL THEN 1 ELSE 0 END AS won_back
    FROM new_rows AS s WHERE s.follow_up_answered_at IS NOT NULL
) AS delta
        GROUP BY 1, segment, tier, csm_id, playbook_id, owner_id
        HAVING sum(answered) <> 0 OR sum(won_back) <> 0
        ORDER BY 1, segment, tier, csm_id, playbook_id, owner_id
        ON CONFLICT (month, segment, tier, csm_id, playbook_id, owner_id) DO UPDATE SET answered = d.answered + EXCLUDED.answered, won_back = d.won_back + EXCLUDED.won_back
        RETURNING d.id, d.answered
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answered = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_followupmonth WHERE id = ANY(emptied) AND answered = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_caseday AS d (day, segment, tier, csm_id, persona, campaign_id, event, outcome, cases, contacted, due_contacted, within_sla)
        SELECT day, segment, tier, csm_id, persona, campaign_id, event, outcome, sum(cases), sum(contacted), sum(due_contacted), sum(within_sla) FROM (
    SELECT (s.answered_at AT TIME ZONE answer_days_zone())::date AS day, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'answered' AS event,
           '' AS outcome, 1 AS cases,
           CASE WHEN s.first_contact_at IS NOT NULL THEN 1 ELSE 0 END AS contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at IS NOT NULL THEN 1 ELSE 0 END AS due_contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at <= s.sla_due_at THEN 1 ELSE 0 END AS within_sla
    FROM new_rows AS s
    UNION ALL
    SELECT (s.closed_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'closed', s.outcome, 1, 0, 0, 0
    FROM new_rows AS s WHERE s.closed_at IS NOT NULL
    UNION ALL
    SELECT (s.won_back_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'won_back', '', 1, 0, 0, 0
    FROM new_rows AS s WHERE s.won_back_at IS NOT NULL
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, event, outcome
        HAVING sum(cases) <> 0 OR sum(contacted) <> 0 OR sum(due_contacted) <> 0 OR sum(within_sla) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, event, outcome
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, event, outcome) DO UPDATE SET cases = d.cases + EXCLUDED.cases, contacted = d.contacted + EXCLUDED.contacted, due_contacted = d.due_contacted + EXCLUDED.due_contacted, within_sla = d.within_sla + EXCLUDED.within_sla
        RETURNING d.id, d.cases
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE cases = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_caseday WHERE id = ANY(emptied) AND cases = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_casemonth AS d (month, segment, tier, csm_id, persona, campaign_id, event, outcome, cases, contacted, due_contacted, within_sla)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, event, outcome, sum(cases), sum(contacted), sum(due_contacted), sum(within_sla) FROM (
    SELECT (s.answered_at AT TIME ZONE answer_days_zone())::date AS day, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'answered' AS event,
           '' AS outcome, 1 AS cases,
           CASE WHEN s.first_contact_at IS NOT NULL THEN 1 ELSE 0 END AS contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at IS NOT NULL THEN 1 ELSE 0 END AS due_contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at <= s.sla_due_at THEN 1 ELSE 0 END AS within_sla
    FROM new_rows AS s
    UNION ALL
    SELECT (s.closed_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'closed', s.outcome, 1, 0, 0, 0
    FROM new_rows AS s WHERE s.closed_at IS NOT NULL
    UNION ALL
    SELECT (s.won_back_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'won_back', '', 1, 0, 0, 0
    FROM new_rows AS s WHERE s.won_back_at IS NOT NULL
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, event, outcome
        HAVING sum(cases) <> 0 OR sum(contacted) <> 0 OR sum(due_contacted) <> 0 OR sum(within_sla) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, event, outcome
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, event, outcome) DO UPDATE SET cases = d.cases + EXCLUDED.cases, contacted = d.contacted + EXCLUDED.contacted, due_contacted = d.due_contacted + EXCLUDED.due_contacted, within_sla = d.within_sla + EXCLUDED.within_sla
        RETURNING d.id, d.cases
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE cases = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_casemonth WHERE id = ANY(emptied) AND cases = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamcasemonth AS d (month, segment, tier, persona, campaign_id, event, outcome, cases, contacted, due_contacted, within_sla)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, event, outcome, sum(cases), sum(contacted), sum(due_contacted), sum(within_sla) FROM (
    SELECT (s.answered_at AT TIME ZONE answer_days_zone())::date AS day, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'answered' AS event,
           '' AS outcome, 1 AS cases,
           CASE WHEN s.first_contact_at IS NOT NULL THEN 1 ELSE 0 END AS contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at IS NOT NULL THEN 1 ELSE 0 END AS due_contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at <= s.sla_due_at THEN 1 ELSE 0 END AS within_sla
    FROM new_rows AS s
    UNION ALL
    SELECT (s.closed_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'closed', s.outcome, 1, 0, 0, 0
    FROM new_rows AS s WHERE s.closed_at IS NOT NULL
    UNION ALL
    SELECT (s.won_back_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'won_back', '', 1, 0, 0, 0
    FROM new_rows AS s WHERE s.won_back_at IS NOT NULL
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, event, outcome
        HAVING sum(cases) <> 0 OR sum(contacted) <> 0 OR sum(due_contacted) <> 0 OR sum(within_sla) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, event, outcome
        ON CONFLICT (month, segment, tier, persona, campaign_id, event, outcome) DO UPDATE SET cases = d.cases + EXCLUDED.cases, contacted = d.contacted + EXCLUDED.contacted, due_contacted = d.due_contacted + EXCLUDED.due_contacted, within_sla = d.within_sla + EXCLUDED.within_sla
        RETURNING d.id, d.cases
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE cases = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamcasemonth WHERE id = ANY(emptied) AND cases = 0;
    END IF;
 RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION case_slices_counted_out() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN 
    WITH changed AS (
        INSERT INTO playbooks_followupmonth AS d (month, segment, tier, csm_id, playbook_id, owner_id, answered, won_back)
        SELECT month, segment, tier, csm_id, playbook_id, owner_id, sum(answered), sum(won_back) FROM (
    SELECT date_trunc('month', (s.follow_up_answered_at AT TIME ZONE answer_days_zone())::date)::date AS month,
           s.segment, s.tier, s.csm_id, s.playbook_id, s.owner_id, -1 AS answered,
           CASE WHEN s.won_back_at IS NOT NULL THEN -1 ELSE 0 END AS won_back
    FROM old_rows AS s WHERE s.follow_up_answered_at IS NOT NULL
) AS delta
        GROUP BY 1, segment, tier, csm_id, playbook_id, owner_id
        HAVING sum(answered) <> 0 OR sum(won_back) <> 0
        ORDER BY 1, segment, tier, csm_id, playbook_id, owner_id
        ON CONFLICT (month, segment, tier, csm_id, playbook_id, owner_id) DO UPDATE SET answered = d.answered + EXCLUDED.answered, won_back = d.won_back + EXCLUDED.won_back
        RETURNING d.id, d.answered
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answered = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_followupmonth WHERE id = ANY(emptied) AND answered = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_caseday AS d (day, segment, tier, csm_id, persona, campaign_id, event, outcome, cases, contacted, due_contacted, within_sla)
        SELECT day, segment, tier, csm_id, persona, campaign_id, event, outcome, sum(cases), sum(contacted), sum(due_contacted), sum(within_sla) FROM (
    SELECT (s.answered_at AT TIME ZONE answer_days_zone())::date AS day, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'answered' AS event,
           '' AS outcome, -1 AS cases,
           CASE WHEN s.first_contact_at IS NOT NULL THEN -1 ELSE 0 END AS contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at IS NOT NULL THEN -1 ELSE 0 END AS due_contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at <= s.sla_due_at THEN -1 ELSE 0 END AS within_sla
    FROM old_rows AS s
    UNION ALL
    SELECT (s.closed_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'closed', s.outcome, -1, 0, 0, 0
    FROM old_rows AS s WHERE s.closed_at IS NOT NULL
    UNION ALL
    SELECT (s.won_back_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'won_back', '', -1, 0, 0, 0
    FROM old_rows AS s WHERE s.won_back_at IS NOT NULL
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, event, outcome
        HAVING sum(cases) <> 0 OR sum(contacted) <> 0 OR sum(due_contacted) <> 0 OR sum(within_sla) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, event, outcome
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, event, outcome) DO UPDATE SET cases = d.cases + EXCLUDED.cases, contacted = d.contacted + EXCLUDED.contacted, due_contacted = d.due_contacted + EXCLUDED.due_contacted, within_sla = d.within_sla + EXCLUDED.within_sla
        RETURNING d.id, d.cases
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE cases = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_caseday WHERE id = ANY(emptied) AND cases = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_casemonth AS d (month, segment, tier, csm_id, persona, campaign_id, event, outcome, cases, contacted, due_contacted, within_sla)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, event, outcome, sum(cases), sum(contacted), sum(due_contacted), sum(within_sla) FROM (
    SELECT (s.answered_at AT TIME ZONE answer_days_zone())::date AS day, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'answered' AS event,
           '' AS outcome, -1 AS cases,
           CASE WHEN s.first_contact_at IS NOT NULL THEN -1 ELSE 0 END AS contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at IS NOT NULL THEN -1 ELSE 0 END AS due_contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at <= s.sla_due_at THEN -1 ELSE 0 END AS within_sla
    FROM old_rows AS s
    UNION ALL
    SELECT (s.closed_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'closed', s.outcome, -1, 0, 0, 0
    FROM old_rows AS s WHERE s.closed_at IS NOT NULL
    UNION ALL
    SELECT (s.won_back_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'won_back', '', -1, 0, 0, 0
    FROM old_rows AS s WHERE s.won_back_at IS NOT NULL
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, event, outcome
        HAVING sum(cases) <> 0 OR sum(contacted) <> 0 OR sum(due_contacted) <> 0 OR sum(within_sla) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, event, outcome
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, event, outcome) DO UPDATE SET cases = d.cases + EXCLUDED.cases, contacted = d.contacted + EXCLUDED.contacted, due_contacted = d.due_contacted + EXCLUDED.due_contacted, within_sla = d.within_sla + EXCLUDED.within_sla
        RETURNING d.id, d.cases
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE cases = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_casemonth WHERE id = ANY(emptied) AND cases = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamcasemonth AS d (month, segment, tier, persona, campaign_id, event, outcome, cases, contacted, due_contacted, within_sla)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, event, outcome, sum(cases), sum(contacted), sum(due_contacted), sum(within_sla) FROM (
    SELECT (s.answered_at AT TIME ZONE answer_days_zone())::date AS day, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'answered' AS event,
           '' AS outcome, -1 AS cases,
           CASE WHEN s.first_contact_at IS NOT NULL THEN -1 ELSE 0 END AS contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at IS NOT NULL THEN -1 ELSE 0 END AS due_contacted,
           CASE WHEN s.category = 'detractor' AND s.sla_due_at IS NOT NULL
                AND s.first_contact_at <= s.sla_due_at THEN -1 ELSE 0 END AS within_sla
    FROM old_rows AS s
    UNION ALL
    SELECT (s.closed_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'closed', s.outcome, -1, 0, 0, 0
    FROM old_rows AS s WHERE s.closed_at IS NOT NULL
    UNION ALL
    SELECT (s.won_back_at AT TIME ZONE answer_days_zone())::date, s.segment, s.tier, s.csm_id, s.persona, s.campaign_id, 'won_back', '', -1, 0, 0, 0
    FROM old_rows AS s WHERE s.won_back_at IS NOT NULL
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, event, outcome
        HAVING sum(cases) <> 0 OR sum(contacted) <> 0 OR sum(due_contacted) <> 0 OR sum(within_sla) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, event, outcome
        ON CONFLICT (month, segment, tier, persona, campaign_id, event, outcome) DO UPDATE SET cases = d.cases + EXCLUDED.cases, contacted = d.contacted + EXCLUDED.contacted, due_contacted = d.due_contacted + EXCLUDED.due_contacted, within_sla = d.within_sla + EXCLUDED.within_sla
        RETURNING d.id, d.cases
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE cases = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamcasemonth WHERE id = ANY(emptied) AND cases = 0;
    END IF;
 RETURN NULL; END $$""",
]

# The same functions as migration 0035 installed them.
REPLACED = ("case_slices_emptied", "case_slices_counted_in", "case_slices_counted_out")
BACKWARD = [
    statement
    for statement in _previous.FORWARD
    if statement.split("(", 1)[0].rsplit(" ", 1)[-1] in REPLACED
]
