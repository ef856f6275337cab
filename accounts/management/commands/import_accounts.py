from accounts.management.import_command import ImportCommand
from accounts.services.imports import import_accounts


class Command(ImportCommand):
    help = "Create or update accounts from a CSV file (columns: see docs/imports.md)."
    noun = "accounts"

    def run_import(self, **kwargs):
        return import_accounts(**kwargs)
