from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from nps_loop.roles import Role, set_role


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
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username)
        if email:
            user.email = email
        if name:
            user.display_name = name
        if password:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError("Password refused: " + " ".join(error.messages)) from error
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        # Admins also reach the Django admin.
        user.is_staff = role == Role.ADMIN
        user.save()
        set_role(user, Role(role))
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {role} '{username}'."))
