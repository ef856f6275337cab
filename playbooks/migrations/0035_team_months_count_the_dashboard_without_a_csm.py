"""The dashboard's months summed over the CSMs, for the pages that pick no CSM.

A year of the dashboard for everyone or for a segment summed the month counts of every
CSM: 95 000 answer rows, 55 000 case rows and 180 000 theme rows at a million answers,
20 ms each. The team's months hold the same counts without the CSM, a ninth of the rows.
The triggers that keep the counts (`playbooks.services.answer_days`, `case_slices`) now
write them in the same statements; this migration installs those functions, built from the
frozen pieces of the migrations that first wrote them (answer counts with the zone's name
as '@@ZONE@@', replaced by the zone the counts are kept in), and fills the new tables from
the per-CSM months. Backwards, it restores the functions as the earlier migrations wrote
them.
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


# The functions as this migration installs them, built from the frozen pieces of the
# migrations that first wrote them (0009 and 0013, the UPDATE guards of 0014): each count
# goes to the tables it went to, then to its month without the CSM.
_answer_days = importlib.import_module("playbooks.migrations.0009_answer_days")
_case_days = importlib.import_module("playbooks.migrations.0013_case_days")
_skip_unchanged = importlib.import_module("playbooks.migrations.0014_answer_days_skip_unchanged")


def _team(key):
    return key.replace("csm_id, ", "")


_MONTH_OF_DAY = _answer_days._MONTH_OF_DAY
_ANSWER_TABLES = [
    *_answer_days._ANSWER_TABLES,
    ("playbooks_teamanswermonth", "month", _MONTH_OF_DAY, _team(_answer_days._DIMENSIONS)),
]
_THEME_TABLES = [
    *_answer_days._THEME_TABLES,
    ("playbooks_teamthememonth", "month", _MONTH_OF_DAY, _team(_answer_days._THEME_DIMENSIONS)),
]
_CASE_TABLES = [
    *[(*table, _case_days._CASE_KEY) for table in _case_days._CASE_TABLES],
    ("playbooks_teamcasemonth", "month", _MONTH_OF_DAY, _team(_case_days._CASE_KEY)),
]


def _answer_body(parts):
    """0009's `_body`, with the team's months among the tables."""
    answers = [part[:4] for part in parts if part[4] is None]
    themes = [(*part[:4], part[4] or _answer_days._LINKS) for part in parts]
    body = ""
    if answers:
        counts = " UNION ALL ".join(_answer_days._counts(ZONE, *part, None) for part in answers)
        body += _answer_days._apply(_ANSWER_TABLES, counts)
    counts = " UNION ALL ".join(_answer_days._counts(ZONE, *part) for part in themes)
    return body + _answer_days._apply(_THEME_TABLES, counts)


def _answer_function(name):
    """0014's function for the UPDATE triggers (their guard, old rows out, new rows in),
    0009's for the others."""
    _table, _event, _transition, parts = _answer_days._TRIGGERS[name]
    guard = ""
    if name in _skip_unchanged._CHANGED:
        changed, columns = _skip_unchanged._CHANGED[name]
        sides = {changed.format(side="o"): "old_rows", changed.format(side="n"): "new_rows"}
        parts = [tuple(sides.get(item, item) for item in part) for part in parts]
        guard = (
            f"IF NOT EXISTS (SELECT {columns} FROM new_rows "
            f"EXCEPT SELECT {columns} FROM old_rows) THEN RETURN NULL; END IF; "
        )
    return (
        f"CREATE OR REPLACE FUNCTION answer_days_{name}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ DECLARE emptied bigint[]; BEGIN {guard}{_answer_body(parts)} RETURN NULL; END $$"
    )


def case_body(sign, rows):
    """0013's `_case_counts_body`, with the team's months among the tables (0036 adds to
    it)."""
    measures = _case_days._CASE_MEASURES
    return "".join(
        _case_days._APPLY.format(
            table=table,
            period=period,
            period_of_day=period_of_day,
            key=key,
            measures=", ".join(measures),
            sums=", ".join(f"sum({m})" for m in measures),
            any_change=" OR ".join(f"sum({m}) <> 0" for m in measures),
            added=", ".join(f"{m} = d.{m} + EXCLUDED.{m}" for m in measures),
            counts=_case_days._CASE_COUNTS.format(sign=sign, rows=rows),
        )
        for table, period, period_of_day, key in _CASE_TABLES
    )


def emptied_function(prefix, tables):
    deleted = " ".join(f"DELETE FROM {table};" for table in tables)
    return (
        f"CREATE OR REPLACE FUNCTION {prefix}_emptied() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN {deleted} RETURN NULL; END $$"
    )


def counted_function(name, body):
    return (
        f"CREATE OR REPLACE FUNCTION case_slices_{name}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ DECLARE emptied bigint[]; BEGIN {body} RETURN NULL; END $$"
    )


# What emptying the cases empties: their copies and every case count.
CASE_TABLES = ["playbooks_caseslice", *(table for table, *_ in _CASE_TABLES)]
# name: (sign, transition rows) of the case copies' count triggers
COUNT_TRIGGERS = {
    name: (sign, rows) for name, (_, _, sign, rows) in _case_days._COUNT_TRIGGERS.items()
}
FORWARD = [
    emptied_function("answer_days", [table for table, *_ in [*_ANSWER_TABLES, *_THEME_TABLES]]),
    *(_answer_function(name) for name in _answer_days._TRIGGERS),
    emptied_function("case_slices", CASE_TABLES),
    *(counted_function(name, case_body(*signed)) for name, signed in COUNT_TRIGGERS.items()),
]


# The functions as they were before: as migrations 0009 and 0013 wrote them, four of them
# as migration 0014 changed them (the same statements, read from there).


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
