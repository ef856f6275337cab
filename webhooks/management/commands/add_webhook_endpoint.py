from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from webhooks.events import EVENT_TYPES
from webhooks.services.endpoints import add_endpoint


class Command(BaseCommand):
    help = (
        "Register a URL to receive webhooks for the events named; prints the signing secret "
        f"alone on the last line. Events: {', '.join(EVENT_TYPES)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument(
            "--events",
            required=True,
            help="Comma-separated event types, e.g. case.opened,case.closed.",
        )
        parser.add_argument("--description", default="")

    def handle(self, *args, url, events, description, **options):
        event_types = [name.strip() for name in events.split(",") if name.strip()]
        try:
            endpoint = add_endpoint(url=url, event_types=event_types, description=description)
        except ValidationError as error:
            lines = [
                f"{field}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            ]
            raise CommandError("\n".join(lines)) from error
        self.stdout.write(
            f"Webhook endpoint {endpoint.pk} added for {', '.join(endpoint.event_types)}: "
            f"{endpoint.url}\nIts signing secret, shown this once:"
        )
        self.stdout.write(endpoint.secret)
