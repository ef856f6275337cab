from django.apps import AppConfig


class ConfigureConfig(AppConfig):
    """The admins' configuration pages under /configure/ and `manage.py add_user`."""

    name = "configure"
    verbose_name = "Configuration"
