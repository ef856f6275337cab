# ImportJob moves from `accounts` to `imports`. The table stays as it is (the model keeps
# db_table "accounts_importjob"): this migration creates the model in the migration state
# only, and accounts/0004 removes it from the state of `accounts`. Its content type row
# moves with it, so that permissions granted on import jobs keep working.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, *, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if ContentType.objects.using(db).filter(app_label=new, model="importjob").exists():
        return  # created afresh since; the permissions hang on the existing row
    ContentType.objects.using(db).filter(app_label=old, model="importjob").update(app_label=new)


def content_type_to_imports(apps, schema_editor):
    move_content_type(apps, schema_editor, old="accounts", new="imports")


def content_type_to_accounts(apps, schema_editor):
    move_content_type(apps, schema_editor, old="imports", new="accounts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0003_import_job'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('accounts', 'Accounts'), ('contacts', 'Contacts'), ('interactions', 'Interactions'), ('answers', 'NPS answers')], max_length=20, verbose_name='kind')),
                        ('file_name', models.CharField(max_length=255, verbose_name='file name')),
                        ('stored_name', models.CharField(max_length=100, unique=True)),
                        ('size', models.PositiveBigIntegerField(verbose_name='size')),
                        ('status', models.CharField(choices=[('checking', 'Checking'), ('checked', 'Checked'), ('invalid', 'Unreadable'), ('importing', 'Importing'), ('done', 'Imported'), ('failed', 'Failed')], default='checking', max_length=20, verbose_name='status')),
                        ('skip_invalid', models.BooleanField(default=False, verbose_name='skip invalid rows')),
                        ('rows_total', models.PositiveIntegerField(default=0)),
                        ('rows_done', models.PositiveIntegerField(default=0)),
                        ('check_result', models.JSONField(blank=True, null=True)),
                        ('preview', models.JSONField(blank=True, default=dict)),
                        ('import_result', models.JSONField(blank=True, null=True)),
                        ('error_message', models.TextField(blank=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('checked_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='import_jobs', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                    ],
                    options={
                        'db_table': 'accounts_importjob',
                        'verbose_name': 'import',
                        'verbose_name_plural': 'imports',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['-created_at'], name='accounts_im_created_bf635d_idx'), models.Index(fields=['status'], name='accounts_im_status_3fb575_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['accounts', 'contacts', 'interactions', 'answers'])), name='import_job_kind_valid'), models.CheckConstraint(condition=models.Q(('status__in', ['checking', 'checked', 'invalid', 'importing', 'done', 'failed'])), name='import_job_status_valid')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_to_imports, content_type_to_accounts),
    ]
