"""'avoir' (a credit note) is also the French verb 'to have': it tagged half the French
comments as Billing. Replace it in the Billing theme where an admin has not changed it."""

from django.db import migrations

OLD = "avoir"
NEW = ["note d'avoir", "remboursement*"]


def replace_keyword(apps, schema_editor):
    Theme = apps.get_model("surveys", "Theme")
    for theme in Theme.objects.filter(name="Billing"):
        lines = theme.keywords_fr.splitlines()
        if OLD in lines:
            index = lines.index(OLD)
            lines[index : index + 1] = [line for line in NEW if line not in lines]
            theme.keywords_fr = "\n".join(lines)
            theme.save(update_fields=["keywords_fr"])


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_default_themes")]

    operations = [migrations.RunPython(replace_keyword, migrations.RunPython.noop)]
