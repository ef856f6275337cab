"""The three roles of NPS Loop, held as Django groups.

A CSM works the cases of the accounts they own; a manager sees and reassigns
everything and acknowledges escalations; an admin configures the product.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from core.models import User


class Role(StrEnum):
    CSM = "csm"
    MANAGER = "manager"
    ADMIN = "admin"


def roles_of(user: User) -> set[Role]:
    """The roles a user holds (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_nps_roles", None)
    if cached is None:
        names = {g.name for g in user.groups.all()}
        cached = {r for r in Role if r.value in names}
        user._nps_roles = cached
    return cached


def has_role(user: User, *roles: Role) -> bool:
    """True when the user holds one of `roles` (superusers hold every role)."""
    if user.is_authenticated and user.is_superuser:
        return True
    return bool(roles_of(user) & set(roles))


def set_role(user: User, role: Role) -> None:
    """Give the user exactly one role, removing the others."""
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    if role.value not in groups:  # a migration creates the groups; a flushed database lacks them
        groups[role.value], _ = Group.objects.get_or_create(name=role.value)
    user.groups.remove(*[g for name, g in groups.items() if name != role.value])
    user.groups.add(groups[role.value])
    user._nps_roles = None


def role_required(*roles: Role) -> Callable:
    """A view for people holding one of `roles`: anonymous visitors are sent to sign in,
    anyone else gets a 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate
