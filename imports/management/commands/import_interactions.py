from imports.management.import_command import ImportCommand
from imports.services.customers import import_interactions


class Command(ImportCommand):
    help = "Create or update interactions from a CSV file (columns: see docs/imports.md)."
    noun = "interactions"

    def run_import(self, **kwargs):
        return import_interactions(**kwargs)
