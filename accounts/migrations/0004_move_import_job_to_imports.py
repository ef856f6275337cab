# ImportJob now belongs to `imports` (see imports/0001_initial): only the migration
# state forgets it here; its table, rows and content type stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_import_job'),
        ('imports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ImportJob'),
            ],
        ),
    ]
