from imports.management.import_command import ImportCommand
from imports.services.answers import import_responses


class Command(ImportCommand):
    help = (
        "Record NPS answers from a CSV file, each as if sent by a survey tool (source 'csv'); "
        "importing the same file again creates nothing. Columns: see docs/imports.md."
    )
    noun = "answers"

    def run_import(self, **kwargs):
        return import_responses(**kwargs)
