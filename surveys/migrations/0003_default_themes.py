"""Installs the default theme taxonomy (see surveys/defaults.py)."""

from django.db import migrations

from surveys.defaults import THEMES, install_default_themes


def add_themes(apps, schema_editor):
    install_default_themes(theme_model=apps.get_model("surveys", "Theme"))


def remove_themes(apps, schema_editor):
    Theme = apps.get_model("surveys", "Theme")
    Theme.objects.filter(name__in=[theme[0] for theme in THEMES], responses=None).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_theme_response_themes_suppression")]

    operations = [migrations.RunPython(add_themes, remove_themes)]
