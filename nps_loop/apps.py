from django.apps import AppConfig


class NpsLoopConfig(AppConfig):
    name = "nps_loop"
    verbose_name = "NPS Loop"
