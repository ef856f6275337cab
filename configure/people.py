"""The people who sign in: added with a role, edited, deactivated — never deleted, since
cases, steps and timelines point to them.

Every change to a person goes through these services, from the configuration pages and
from `manage.py add_user`; the reads those pages need follow them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from core.mail import compose_email
from core.models import User
from core.roles import Role, has_role, roles_of, set_role
from playbooks.models import OPEN_CASE_STATUSES, Case

NO_ROLE = "none"
ACTIVE = "active"
INACTIVE = "inactive"


class InvitationNotSent(Exception):
    """The email with the password link could not go out; the person exists all the same."""


# --- writes ---------------------------------------------------------------------------


@transaction.atomic
def invite_person(
    *,
    username: str,
    email: str,
    role: Role,
    display_name: str = "",
    language: str = "",
    password: str | None = None,
) -> User:
    """Add a person with a role. Without a password they cannot sign in until they choose
    one from the link `send_invitation` emails them."""
    person = User(
        username=username.strip(),
        email=email.strip(),
        display_name=display_name.strip(),
        language=language,
    )
    errors = _profile_errors(person)
    if password:
        errors.update(_password_errors(person, password))
        person.set_password(password)
    else:
        person.set_unusable_password()
    if errors:
        raise ValidationError(errors)
    # Admins also reach the Django admin.
    person.is_staff = role == Role.ADMIN
    person.save()
    set_role(person, role)
    return person


@transaction.atomic
def update_person(
    *,
    person: User,
    actor: User | None,
    role: Role,
    email: str,
    display_name: str,
    language: str,
) -> User:
    """Change a person's profile and role. Refused when it would take the admin role from
    the person acting, or from the last active admin."""
    if Role.ADMIN in roles_of(person) and role != Role.ADMIN:
        if actor is not None and actor.pk == person.pk:
            raise ValidationError(
                {"role": _("You cannot remove your own admin role: ask another admin to do it.")}
            )
        if not person.is_superuser:  # a superuser stays an admin without the role
            _refuse_losing_the_last_admin(person=person, field="role")
    person.email = email.strip()
    person.display_name = display_name.strip()
    person.language = language
    errors = _profile_errors(person)
    if errors:
        raise ValidationError(errors)
    person.is_staff = role == Role.ADMIN or person.is_superuser
    person.save(update_fields=["email", "display_name", "language", "is_staff"])
    set_role(person, role)
    return person


def set_person_password(*, person: User, password: str) -> None:
    """Give a person a password, checked by the project's password validators."""
    errors = _password_errors(person, password)
    if errors:
        raise ValidationError(errors)
    person.set_password(password)
    person.save(update_fields=["password"])


@transaction.atomic
def set_person_active(*, person: User, actor: User | None, active: bool) -> None:
    """Let a person sign in again, or stop them from signing in; what they did and the cases
    they own stay theirs. Refused for the person acting, and for the last active admin."""
    if not active and person.is_active:
        if actor is not None and actor.pk == person.pk:
            raise ValidationError(_("You cannot deactivate yourself: ask another admin to do it."))
        if has_role(person, Role.ADMIN):
            _refuse_losing_the_last_admin(person=person, field=None)
    person.is_active = active
    person.save(update_fields=["is_active"])


def send_invitation(*, person: User) -> None:
    """Email the person a link to choose their password, in their language.

    The link is Django's password-reset link: it works once, until the password changes,
    for PASSWORD_RESET_TIMEOUT. Sent at once, outside any transaction, as Django's own
    password-reset page does.
    """
    if not person.is_active or not person.email:
        raise InvitationNotSent(
            _("%(name)s needs an email address and an active account to get a link.")
            % {"name": person.name}
        )
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    context = {
        "person": person,
        "link": settings.NPS_BASE_URL + path,
        "base_url": settings.NPS_BASE_URL,
        "days": invitation_days(),
    }
    message = compose_email(
        "configure/user_invitation",
        context,
        language=person.language or settings.LANGUAGE_CODE,
        to=[person.email],
    )
    try:
        message.send()
    except OSError as error:  # the mail server refused or could not be reached
        raise InvitationNotSent(str(error)) from error


def invitation_days() -> int:
    """How many days the emailed password link works."""
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def _profile_errors(person: User) -> dict[str, list[str]]:
    """The model's own checks (username free and well formed, email, language) and one of
    ours: an email belongs to one person, since password links are sent to it."""
    errors: dict[str, list[str]] = {}
    try:
        person.full_clean(exclude=["password"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if (
        person.email
        and "email" not in errors
        and User.objects.filter(email__iexact=person.email).exclude(pk=person.pk).exists()
    ):
        errors["email"] = [
            _("%(email)s is already the address of someone else: each person needs their own.")
            % {"email": person.email}
        ]
    return errors


def _password_errors(person: User, password: str) -> dict[str, list[str]]:
    try:
        validate_password(password, person)
    except ValidationError as error:
        return {"password": list(error.messages)}
    return {}


def _refuse_losing_the_last_admin(*, person: User, field: str | None) -> None:
    """Raise when nobody but `person` could configure NPS Loop."""
    # Two admins demoting each other at the same moment must not both succeed: the
    # second waits here for the first to commit, then counts again.
    Group.objects.select_for_update().filter(name=Role.ADMIN.value).first()
    if not active_admins().exclude(pk=person.pk).exists():
        message = _(
            "%(name)s is the last active admin: make someone else an admin first, "
            "or nobody could configure NPS Loop."
        ) % {"name": person.name}
        raise ValidationError({field: message} if field else message)


# --- reads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleFilters:
    search: str = ""
    role: str = ""  # "", a Role value, or NO_ROLE
    status: str = ""  # "", ACTIVE or INACTIVE


def active_admins() -> QuerySet[User]:
    """The people who can configure NPS Loop now: active admins and superusers."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.ADMIN.value) | Q(is_superuser=True))
        .distinct()
    )


def people(*, filters: PeopleFilters) -> QuerySet[User]:
    """Everyone who may sign in, active people first, by name; with their groups."""
    found = User.objects.prefetch_related("groups")
    if filters.search:
        found = found.filter(
            Q(username__icontains=filters.search)
            | Q(display_name__icontains=filters.search)
            | Q(first_name__icontains=filters.search)
            | Q(last_name__icontains=filters.search)
            | Q(email__icontains=filters.search)
        )
    if filters.role == NO_ROLE:
        found = found.exclude(groups__name__in=[role.value for role in Role])
    elif filters.role:
        found = found.filter(groups__name=filters.role)
    if filters.status == ACTIVE:
        found = found.filter(is_active=True)
    elif filters.status == INACTIVE:
        found = found.filter(is_active=False)
    shown_name = Lower(Coalesce(NullIf("display_name", Value("")), "username"))
    return found.order_by("-is_active", shown_name, "pk")


def open_case_count(*, person: User) -> int:
    """How many open cases the person owns: they stay theirs when the person is deactivated."""
    return Case.objects.filter(owner=person, status__in=OPEN_CASE_STATUSES).count()
