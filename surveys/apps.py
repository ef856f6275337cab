from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys and answers")

    def ready(self) -> None:
        from surveys import receivers, schema  # noqa: F401  (connects receivers; OpenAPI auth)
