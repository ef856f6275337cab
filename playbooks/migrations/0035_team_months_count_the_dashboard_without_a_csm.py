"""The dashboard's months summed over the CSMs, for the pages that pick no CSM.

A year of the dashboard for everyone or for a segment summed the month counts of every
CSM: 95 000 answer rows, 55 000 case rows and 180 000 theme rows at a million answers,
20 ms each. The team's months hold the same counts without the CSM, a ninth of the rows.
The triggers that keep the counts (`playbooks.services.answer_days`, `case_slices`) now
write them in the same statements; this migration installs those functions, frozen below
as they were written (answer counts with the zone's name as '@@ZONE@@', replaced by the
zone the counts are kept in), and fills the new tables from the per-CSM months. Backwards,
it restores the functions as the earlier migrations wrote them.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

ZONE = "'@@ZONE@@'"

# (new table, per-CSM table, key without the CSM, measures)
FILLED = [
    (
        "playbooks_teamanswermonth",
        "playbooks_answermonth",
        "month, segment, tier, persona, campaign_id, score",
        ("answers", "commented"),
    ),
    (
        "playbooks_teamthememonth",
        "playbooks_thememonth",
        "month, segment, tier, persona, campaign_id, score, theme_id",
        ("answers", "commented"),
    ),
    (
        "playbooks_teamcasemonth",
        "playbooks_casemonth",
        "month, segment, tier, persona, campaign_id, event, outcome",
        ("cases", "contacted", "due_contacted", "within_sla"),
    ),
]


def _installed(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT answer_days_zone()")
        zone = "'" + cursor.fetchone()[0].replace("'", "''") + "'"
    for statement in statements:
        schema_editor.execute(statement.replace(ZONE, zone), params=None)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the triggers are PostgreSQL's
    # Writes held off from the first count read to the last function installed.
    schema_editor.execute(
        "LOCK TABLE surveys_response, surveys_response_themes, accounts_account, "
        "accounts_contact, playbooks_caseslice IN SHARE MODE",
        params=None,
    )
    for table, per_csm, key, measures in FILLED:
        sums = ", ".join(f"sum({measure})" for measure in measures)
        schema_editor.execute(
            f"INSERT INTO {table} ({key}, {', '.join(measures)}) "
            f"SELECT {key}, {sums} FROM {per_csm} GROUP BY {key}",
            params=None,
        )
    _installed(schema_editor, FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _installed(schema_editor, BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ('playbooks', '0034_case_slices_count_open_and_followed_up_cases_from_their_indexes'),
        ('surveys', '0009_drop_indexes_the_composite_ones_cover'),
    ]

    operations = [
        migrations.CreateModel(
            name='TeamAnswerMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('segment', models.CharField(max_length=20, null=True)),
                ('tier', models.CharField(max_length=50, null=True)),
                ('persona', models.CharField(max_length=20)),
                ('score', models.PositiveSmallIntegerField()),
                ('answers', models.IntegerField()),
                ('commented', models.IntegerField()),
                ('month', models.DateField()),
                ('campaign', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='surveys.campaign')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('month', 'segment', 'tier', 'persona', 'campaign', 'score'), name='team_answer_month_unique', nulls_distinct=False)],
            },
        ),
        migrations.CreateModel(
            name='TeamCaseMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('segment', models.CharField(max_length=20, null=True)),
                ('tier', models.CharField(max_length=50, null=True)),
                ('persona', models.CharField(max_length=20)),
                ('event', models.CharField(choices=[('answered', "cases of the day's answers"), ('closed', 'cases closed that day'), ('won_back', 'cases won back that day')], max_length=10)),
                ('outcome', models.CharField(max_length=20)),
                ('cases', models.IntegerField()),
                ('contacted', models.IntegerField()),
                ('due_contacted', models.IntegerField()),
                ('within_sla', models.IntegerField()),
                ('month', models.DateField()),
                ('campaign', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='surveys.campaign')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('month', 'segment', 'tier', 'persona', 'campaign', 'event', 'outcome'), name='team_case_month_unique', nulls_distinct=False)],
            },
        ),
        migrations.CreateModel(
            name='TeamThemeMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('segment', models.CharField(max_length=20, null=True)),
                ('tier', models.CharField(max_length=50, null=True)),
                ('persona', models.CharField(max_length=20)),
                ('score', models.PositiveSmallIntegerField()),
                ('answers', models.IntegerField()),
                ('commented', models.IntegerField()),
                ('month', models.DateField()),
                ('campaign', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='surveys.campaign')),
                ('theme', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='surveys.theme')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('month', 'segment', 'tier', 'persona', 'campaign', 'score', 'theme'), name='team_theme_month_unique', nulls_distinct=False)],
            },
        ),
        migrations.RunPython(forward, backward),
    ]


# The functions as this migration installs them.
FORWARD = [
    """CREATE OR REPLACE FUNCTION answer_days_emptied() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM playbooks_answerday; DELETE FROM playbooks_answermonth; DELETE FROM playbooks_teamanswermonth; DELETE FROM playbooks_themeday; DELETE FROM playbooks_thememonth; DELETE FROM playbooks_teamthememonth; RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION answer_days_answers_in() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN 
    WITH changed AS (
        INSERT INTO playbooks_answerday AS d (day, segment, tier, csm_id, persona, campaign_id, score, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_answerday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_answermonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_answermonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamanswermonth AS d (month, segment, tier, persona, campaign_id, score, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score
        ON CONFLICT (month, segment, tier, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamanswermonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_themeday AS d (day, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_themeday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_thememonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_thememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamthememonth AS d (month, segment, tier, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamthememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;
 RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION answer_days_answers_out() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN 
    WITH changed AS (
        INSERT INTO playbooks_answerday AS d (day, segment, tier, csm_id, persona, campaign_id, score, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_answerday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_answermonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_answermonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamanswermonth AS d (month, segment, tier, persona, campaign_id, score, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score
        ON CONFLICT (month, segment, tier, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamanswermonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_themeday AS d (day, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_themeday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_thememonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_thememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamthememonth AS d (month, segment, tier, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamthememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;
 RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION answer_days_answers_changed() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN IF NOT EXISTS (SELECT id, answered_at, score, account_id, contact_id, campaign_id, comment <> '' FROM new_rows EXCEPT SELECT id, answered_at, score, account_id, contact_id, campaign_id, comment <> '' FROM old_rows) THEN RETURN NULL; END IF; 
    WITH changed AS (
        INSERT INTO playbooks_answerday AS d (day, segment, tier, csm_id, persona, campaign_id, score, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_answerday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_answermonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_answermonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamanswermonth AS d (month, segment, tier, persona, campaign_id, score, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score
        ON CONFLICT (month, segment, tier, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamanswermonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_themeday AS d (day, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_themeday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_thememonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_thememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamthememonth AS d (month, segment, tier, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM old_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM new_rows AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamthememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;
 RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION answer_days_accounts_changed() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN IF NOT EXISTS (SELECT id, segment, tier, csm_id FROM new_rows EXCEPT SELECT id, segment, tier, csm_id FROM old_rows) THEN RETURN NULL; END IF; 
    WITH changed AS (
        INSERT INTO playbooks_answerday AS d (day, segment, tier, csm_id, persona, campaign_id, score, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN old_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN new_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_answerday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_answermonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN old_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN new_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_answermonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamanswermonth AS d (month, segment, tier, persona, campaign_id, score, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN old_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN new_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score
        ON CONFLICT (month, segment, tier, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamanswermonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_themeday AS d (day, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN old_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN new_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_themeday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_thememonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN old_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN new_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_thememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamthememonth AS d (month, segment, tier, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN old_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
     JOIN new_rows AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamthememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;
 RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION answer_days_contacts_changed() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN IF NOT EXISTS (SELECT id, persona FROM new_rows EXCEPT SELECT id, persona FROM old_rows) THEN RETURN NULL; END IF; 
    WITH changed AS (
        INSERT INTO playbooks_answerday AS d (day, segment, tier, csm_id, persona, campaign_id, score, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN old_rows AS p ON p.id = r.contact_id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN new_rows AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_answerday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_answermonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN old_rows AS p ON p.id = r.contact_id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN new_rows AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_answermonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamanswermonth AS d (month, segment, tier, persona, campaign_id, score, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN old_rows AS p ON p.id = r.contact_id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN new_rows AS p ON p.id = r.contact_id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score
        ON CONFLICT (month, segment, tier, persona, campaign_id, score) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamanswermonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_themeday AS d (day, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN old_rows AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN new_rows AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_themeday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_thememonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN old_rows AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN new_rows AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_thememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamthememonth AS d (month, segment, tier, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN old_rows AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN new_rows AS p ON p.id = r.contact_id JOIN surveys_response_themes AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamthememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;
 RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION answer_days_links_in() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN 
    WITH changed AS (
        INSERT INTO playbooks_themeday AS d (day, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN new_rows AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_themeday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_thememonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN new_rows AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_thememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamthememonth AS d (month, segment, tier, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN new_rows AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamthememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;
 RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION answer_days_links_out() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN 
    WITH changed AS (
        INSERT INTO playbooks_themeday AS d (day, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN old_rows AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_themeday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_thememonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN old_rows AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_thememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamthememonth AS d (month, segment, tier, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN old_rows AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamthememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;
 RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION answer_days_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN IF NOT EXISTS (SELECT id, response_id, theme_id FROM new_rows EXCEPT SELECT id, response_id, theme_id FROM old_rows) THEN RETURN NULL; END IF; 
    WITH changed AS (
        INSERT INTO playbooks_themeday AS d (day, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT day, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN old_rows AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN new_rows AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (day, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_themeday WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_thememonth AS d (month, segment, tier, csm_id, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, csm_id, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN old_rows AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN new_rows AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, csm_id, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, csm_id, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_thememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;

    WITH changed AS (
        INSERT INTO playbooks_teamthememonth AS d (month, segment, tier, persona, campaign_id, score, theme_id, answers, commented)
        SELECT date_trunc('month', day)::date, segment, tier, persona, campaign_id, score, theme_id, sum(n), sum(c) FROM (
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           -1 AS n, CASE WHEN r.comment <> '' THEN -1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN old_rows AS t ON t.response_id = r.id
 UNION ALL 
    SELECT (r.answered_at AT TIME ZONE '@@ZONE@@')::date AS day,
           a.segment, a.tier, a.csm_id, p.persona, r.campaign_id, r.score, t.theme_id,
           1 AS n, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS c
    FROM surveys_response AS r
    LEFT JOIN accounts_account AS a ON a.id = r.account_id
    JOIN accounts_contact AS p ON p.id = r.contact_id JOIN new_rows AS t ON t.response_id = r.id
) AS delta
        GROUP BY 1, segment, tier, persona, campaign_id, score, theme_id
        HAVING sum(n) <> 0 OR sum(c) <> 0
        ORDER BY 1, segment, tier, persona, campaign_id, score, theme_id
        ON CONFLICT (month, segment, tier, persona, campaign_id, score, theme_id) DO UPDATE
        SET answers = d.answers + EXCLUDED.answers,
            commented = d.commented + EXCLUDED.commented
        RETURNING d.id, d.answers
    )
    SELECT array_agg(id) INTO emptied FROM changed WHERE answers = 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM playbooks_teamthememonth WHERE id = ANY(emptied) AND answers = 0;
    END IF;
 RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION case_slices_emptied() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM playbooks_caseslice; DELETE FROM playbooks_caseday; DELETE FROM playbooks_casemonth; DELETE FROM playbooks_teamcasemonth; RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION case_slices_counted_in() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE emptied bigint[]; BEGIN 
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

# The functions as they were before: as migrations 0009 and 0013 wrote them, four of them
# as migration 0014 changed them (the same statements, read from there).
_answer_days = importlib.import_module("playbooks.migrations.0009_answer_days")
_case_days = importlib.import_module("playbooks.migrations.0013_case_days")
_skip_unchanged = importlib.import_module("playbooks.migrations.0014_answer_days_skip_unchanged")


def _function_name(statement):
    return statement.split("(", 1)[0].rsplit(" ", 1)[-1]


_EARLIER = {
    _function_name(statement): statement
    for statement in [
        *_answer_days.install_sql("@@ZONE@@"),
        *_case_days.install_sql(),
        *_skip_unchanged._functions("@@ZONE@@", new=True),
    ]
    if statement.startswith("CREATE OR REPLACE FUNCTION")
}
BACKWARD = [_EARLIER[_function_name(statement)] for statement in FORWARD]
