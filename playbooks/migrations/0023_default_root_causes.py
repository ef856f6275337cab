"""Installs the default root causes (see playbooks/cause_defaults.py)."""

from django.db import migrations

from playbooks.cause_defaults import ROOT_CAUSES, install_default_root_causes


def add_root_causes(apps, schema_editor):
    install_default_root_causes(root_cause_model=apps.get_model("playbooks", "RootCause"))


def remove_root_causes(apps, schema_editor):
    RootCause = apps.get_model("playbooks", "RootCause")
    names = [cause[0] for cause in ROOT_CAUSES]
    RootCause.objects.filter(parent__name__in=names, cases=None).delete()
    RootCause.objects.filter(parent=None, name__in=names, cases=None, children=None).delete()


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0022_root_causes")]

    operations = [migrations.RunPython(add_root_causes, remove_root_causes)]
