import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_demo

NOISY_LOGS = ("surveys.services.responses", "playbooks.services.engine")


class Command(BaseCommand):
    help = (
        "Fill the database with a demo data set (users of every role, accounts, contacts, "
        "a year of answers, interactions, and the cases a team worked over that year) and "
        "print the demo logins. Safe to run again: "
        "it only adds what is missing and changes no existing row."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--logins-only",
            action="store_true",
            help="Only print the demo logins; read and write nothing.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off, e.g. on a server kept for demos.",
        )

    def handle(self, *args, logins_only, force, **options):
        if not logins_only:
            if not settings.DEBUG and not force:
                # The demo admin is a superuser whose password is in the source code.
                raise CommandError(
                    "DEBUG is off, so this looks like a real deployment: the demo would add "
                    "fake customers and superuser 'admin' with the published password "
                    f"'{DEMO_PASSWORD}'. Set DJANGO_DEBUG=true, or pass --force if this "
                    "server is only for demos."
                )
            # Hundreds of answers are recorded and processed; a log line each is noise here.
            logs = [logging.getLogger(name) for name in NOISY_LOGS]
            levels = [log.level for log in logs]
            for log in logs:
                log.setLevel(logging.WARNING)
            try:
                summary = seed_demo()
            finally:
                for log, level in zip(logs, levels, strict=True):
                    log.setLevel(level)
            self.stdout.write(self.style.SUCCESS("Demo data is ready."))
            for rows in summary.rows:
                detail = f"  {rows.detail}" if rows.detail else ""
                self.stdout.write(
                    f"  {rows.label:<13} {rows.total:>5}  ({rows.created} new){detail}"
                )
            self.stdout.write(
                f"  {summary.unmatched_answers} answers match no account yet: "
                "an admin can assign them."
            )
            self.stdout.write("")
        self.write_logins()

    def write_logins(self):
        self.stdout.write(self.style.SUCCESS("Demo logins"))
        self.stdout.write(f"  {'role':<9}{'username':<10}{'password':<16}name")
        for login in DEMO_LOGINS:
            self.stdout.write(
                f"  {login.role.value:<9}{login.username:<10}{DEMO_PASSWORD:<16}"
                f"{login.display_name}"
            )
        self.stdout.write("  (A demo user who existed before keeps their own password.)")
