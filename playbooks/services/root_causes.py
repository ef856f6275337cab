"""The admins' edits of the root causes cases close with: create, rename, move a sub-cause,
archive or restore, delete one that no case names."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from playbooks.models import Case, RootCause


class RootCauseEditRefused(Exception):
    """The change cannot be made; the message says why and what to do instead."""


def clean_root_cause(root_cause: RootCause) -> None:
    """Check a root cause before it is saved. Names are unique among its siblings whatever
    their case; a sub-cause's cause is a cause (two levels at most), and a cause that has
    sub-causes stays a cause. Raises ValidationError by field."""
    errors: dict[str, list] = {}
    root_cause.name, root_cause.name_fr = root_cause.name.strip(), root_cause.name_fr.strip()
    parent = root_cause.parent
    if parent is not None:
        if parent.parent_id is not None or (root_cause.pk and parent.pk == root_cause.pk):
            errors["parent"] = [
                ValidationError(
                    _("Choose a cause, not a sub-cause: root causes have two levels."),
                    code="too_deep",
                )
            ]
        elif root_cause.pk and RootCause.objects.filter(parent=root_cause.pk).exists():
            errors["parent"] = [
                ValidationError(
                    _("It has sub-causes of its own, so it stays a cause."),
                    code="has_sub_causes",
                )
            ]
    siblings = RootCause.objects.filter(parent=parent)
    if root_cause.pk:
        siblings = siblings.exclude(pk=root_cause.pk)
    if root_cause.name and siblings.filter(name__iexact=root_cause.name).exists():
        errors["name"] = [
            ValidationError(
                _("“%(name)s” exists already here: choose another name, or edit that one."),
                code="name_taken",
                params={"name": root_cause.name},
            )
        ]
    try:
        root_cause.full_clean(exclude=[*errors, "parent"], validate_unique=False)
    except ValidationError as error:
        for field, field_errors in error.error_dict.items():
            errors.setdefault(field, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)


def create_root_cause(
    *,
    name: str,
    name_fr: str = "",
    parent: RootCause | None = None,
    counts_as_issue: bool = True,
) -> RootCause:
    """A new cause, or a sub-cause of `parent`; CSMs may close cases with it at once."""
    root_cause = RootCause(
        name=name, name_fr=name_fr, parent=parent, counts_as_issue=counts_as_issue
    )
    clean_root_cause(root_cause)
    root_cause.save()
    return root_cause


def update_root_cause(
    *,
    root_cause: RootCause,
    name: str,
    name_fr: str,
    parent: RootCause | None,
    counts_as_issue: bool = True,
) -> RootCause:
    """Rename a root cause, move a sub-cause to another cause, or say whether it counts as
    an issue. The cases that name it follow: they point at it, not at its name."""
    root_cause.name, root_cause.name_fr, root_cause.parent = name, name_fr, parent
    root_cause.counts_as_issue = counts_as_issue
    clean_root_cause(root_cause)
    root_cause.save(update_fields=["name", "name_fr", "parent", "counts_as_issue"])
    return root_cause


def set_root_cause_active(*, root_cause: RootCause, active: bool) -> RootCause:
    """Archive a root cause (no case closes with it any more, nor with its sub-causes; the
    cases that name it keep it and are still counted) or bring it back."""
    RootCause.objects.filter(pk=root_cause.pk).update(active=active)
    root_cause.active = active
    return root_cause


def delete_root_cause(*, root_cause: RootCause) -> None:
    """Delete a root cause no case names and without sub-causes; one in use is archived
    instead, or the figures of the cases that name it would lose it."""
    with transaction.atomic():
        # Locking the row waits for a case being closed with it at this moment.
        locked = RootCause.objects.select_for_update().filter(pk=root_cause.pk).first()
        if locked is None:
            return
        if RootCause.objects.filter(parent=locked).exists():
            raise RootCauseEditRefused(
                _("“%(name)s” has sub-causes: delete or move them first, or archive it.")
                % {"name": locked.display_name}
            )
        if Case.objects.filter(root_cause=locked).exists():
            raise RootCauseEditRefused(
                _("Cases name “%(name)s”, so it stays: archive it instead.")
                % {"name": locked.display_name}
            )
        locked.delete()
