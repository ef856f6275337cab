"""`manage.py rebuild_dashboard_aggregates`: recount the dashboard's daily answer counts
and recopy its cases."""

from django.conf import settings
from django.core.management.base import BaseCommand

from playbooks.services.answer_days import rebuild_answer_days
from playbooks.services.case_slices import rebuild_case_slices
from playbooks.services.latest_answers import rebuild_latest_answers


class Command(BaseCommand):
    help = (
        "Recount the dashboard's daily answer counts from every answer, recopy its current "
        "cases with their answers' slice and each account's latest answer, and reinstall "
        "the triggers that keep them, for the days of settings.TIME_ZONE. Run it after "
        "changing TIME_ZONE or restoring the answers from a backup; running it twice "
        "changes nothing."
    )

    def handle(self, *args, **options):
        rows = rebuild_answer_days()
        cases = rebuild_case_slices()
        accounts = rebuild_latest_answers()
        self.stdout.write(
            f"{rows} day rows counted, days in {settings.TIME_ZONE}; {cases} current cases "
            f"copied; the latest answer of {accounts} accounts."
        )
