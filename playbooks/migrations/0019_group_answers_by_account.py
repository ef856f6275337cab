import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("playbooks", "0018_customer_messages"),
        ("surveys", "0007_dashboard_answer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="playbook",
            name="group_by_account",
            field=models.BooleanField(
                default=False,
                help_text="A new answer from an account that already has an open case of this playbook joins that case instead of opening another one.",
                verbose_name="group answers of one account",
            ),
        ),
        migrations.CreateModel(
            name="CaseAnswer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("joined_at", models.DateTimeField(verbose_name="joined at")),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="joined_answers",
                        to="playbooks.case",
                        verbose_name="case",
                    ),
                ),
                (
                    "response",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="joined_case",
                        to="surveys.response",
                        verbose_name="answer",
                    ),
                ),
            ],
            options={
                "verbose_name": "joined answer",
                "verbose_name_plural": "joined answers",
                "ordering": ["joined_at", "id"],
            },
        ),
    ]
