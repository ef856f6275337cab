from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor every app may use: people and their roles, the loop's settings, mail,
    business days, the access policy and the background-work helpers.

    It keeps the app label `nps_loop` it was born with, so that no table, content type or
    migration record changes.
    """

    name = "core"
    label = "nps_loop"
    verbose_name = "NPS Loop"

    def ready(self) -> None:
        from core import lookups  # noqa: F401 - registers `__any_of`
