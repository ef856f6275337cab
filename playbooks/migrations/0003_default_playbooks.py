"""Installs the default playbooks (see playbooks/defaults.py)."""

from django.db import migrations

from playbooks.defaults import PLAYBOOKS, install_default_playbooks


def add_playbooks(apps, schema_editor):
    install_default_playbooks(
        playbook_model=apps.get_model("playbooks", "Playbook"),
        step_model=apps.get_model("playbooks", "PlaybookStep"),
    )


def remove_playbooks(apps, schema_editor):
    Playbook = apps.get_model("playbooks", "Playbook")
    Playbook.objects.filter(name__in=[p["name"] for p in PLAYBOOKS], cases=None).delete()


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0002_initial")]

    operations = [migrations.RunPython(add_playbooks, remove_playbooks)]
