from imports.management.import_command import ImportCommand
from imports.services.customers import import_contacts


class Command(ImportCommand):
    help = "Create or update contacts from a CSV file (columns: see docs/imports.md)."
    noun = "contacts"

    def run_import(self, **kwargs):
        return import_contacts(**kwargs)
