from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlaybooksConfig(AppConfig):
    name = "playbooks"
    verbose_name = _("Playbooks and cases")

    def ready(self) -> None:
        from playbooks import (
            receivers,  # noqa: F401  (connects to surveys' signals)
            timeline,  # noqa: F401  (names the choices sentences show)
        )
