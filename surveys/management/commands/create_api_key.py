from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from surveys.models import IntegrationKind
from surveys.services.integrations import create_integration


class Command(BaseCommand):
    help = (
        "Create an integration and print its key, once, alone on the last line. "
        "For webhooks, pass --kind and the tool's signing secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who uses the key, e.g. 'crm-sync' or 'typeform-eu'.")
        parser.add_argument("--kind", default=IntegrationKind.API, choices=IntegrationKind.values)
        parser.add_argument(
            "--signing-secret",
            default="",
            help="Secret the survey tool signs deliveries with (Typeform, Formbricks, Delighted).",
        )

    def handle(self, *args, name, kind, signing_secret, **options):
        try:
            new = create_integration(name=name, kind=kind, signing_secret=signing_secret)
        except ValidationError as error:
            messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            raise CommandError(messages) from error
        self.stderr.write(
            f"Created {new.integration.get_kind_display()} '{name}'. "
            "Store this key now: it cannot be shown again."
        )
        self.stdout.write(new.key)
