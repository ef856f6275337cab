from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from configure.people import invite_person, set_person_password, update_person
from core.models import User
from core.roles import Role


class Command(BaseCommand):
    help = "Create a user with a role (csm, manager or admin), or update an existing one."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Leave out to create a user who cannot sign in yet.")
        parser.add_argument("--name", default="", help="Display name.")

    @transaction.atomic
    def handle(self, *args, username, role, email, password, name, **options):
        user = User.objects.filter(username=username).first()
        try:
            if user is None:
                invite_person(
                    username=username,
                    email=email,
                    role=Role(role),
                    display_name=name,
                    password=password,
                )
            else:
                update_person(
                    person=user,
                    actor=None,
                    role=Role(role),
                    email=email or user.email,
                    display_name=name or user.display_name,
                    language=user.language,
                )
                if password:
                    set_person_password(person=user, password=password)
        except ValidationError as error:
            raise CommandError(_refusal(error)) from error
        verb = "Created" if user is None else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {role} '{username}'."))


def _refusal(error: ValidationError) -> str:
    """One line per refused field, the password's in the words the command always used."""
    lines = []
    for field, messages in error.message_dict.items():
        label = "Password refused" if field == "password" else field
        lines.append(f"{label}: {' '.join(messages)}")
    return "; ".join(lines)
