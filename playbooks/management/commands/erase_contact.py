"""`manage.py erase_contact EMAIL`: erase a person at their request (GDPR Art. 17)."""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from playbooks.services.erasure import ContactNotFound, clean_erasure_email, erase_contact


class Command(BaseCommand):
    help = (
        "Erase a person at their request (GDPR Art. 17): their name, email, phone and what "
        "they wrote become a tombstone, scores and dates stay, their open cases close, and "
        "their address is never surveyed again. Asks to confirm at a terminal unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The address of the person to erase.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask to confirm (scripts do not ask)."
        )

    def handle(self, *args, email: str, yes: bool, **options):
        try:
            email = clean_erasure_email(email)
        except ValidationError as error:
            raise CommandError(" ".join(error.message_dict["email"])) from None
        if not yes and sys.stdin.isatty():
            answer = input(f"Erase {email} for good? This cannot be undone. Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was erased.")
        try:
            summary = erase_contact(email=email)
        except ContactNotFound:
            raise CommandError(f"No contact has the address {email}: nothing was erased.") from None
        if summary.already_erased:
            self.stdout.write(f"{email} was erased already: nothing to do.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased contact #{summary.contact_id}: {summary.answers} answers kept without "
                f"their words ({summary.comments} comments blanked), {summary.cases} cases "
                f"blanked ({summary.cases_closed} closed as contact erased), "
                f"{summary.timeline_entries} timeline entries, {summary.interactions} "
                f"interactions. The address will never be surveyed again."
            )
        )
