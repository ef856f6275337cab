from imports.management.import_command import ImportCommand
from imports.services.customers import import_accounts


class Command(ImportCommand):
    help = "Create or update accounts from a CSV file (columns: see docs/imports.md)."
    noun = "accounts"

    def run_import(self, **kwargs):
        return import_accounts(**kwargs)
