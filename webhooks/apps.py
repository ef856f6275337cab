from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outbound webhooks: signed events sent to the receivers admins register (Standard
    Webhooks). A low floor: every app that changes something announces it through
    `webhooks.services.emit()`, in the transaction of the change."""

    name = "webhooks"
    verbose_name = _("Outbound webhooks")
