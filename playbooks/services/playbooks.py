"""What admins do to playbooks in the editor: create, change, duplicate, switch on or off,
and add, change, move and remove steps.

Running cases never change: each case copied its steps when it opened. Steps keep
positions 1..n with no gap; every change here renumbers them in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from playbooks.models import Playbook, PlaybookStep
from playbooks.selectors.cases import forget_active_playbooks


class PlaybookEditRefused(Exception):
    """The change cannot be made; the message says why."""


@transaction.atomic
def save_playbook(*, playbook: Playbook) -> Playbook:
    """Create or update a playbook from a form's instance, from the editor or the admin.

    An active playbook needs a category, or it would never match an answer.
    """
    _refuse_active_without_category(playbook=playbook, active=playbook.active)
    playbook.full_clean()
    playbook.save()
    return playbook


def _refuse_active_without_category(*, playbook: Playbook, active: bool) -> None:
    if active and not playbook.categories:
        raise PlaybookEditRefused(
            _("Tick at least one category in its trigger first: it would never match an answer.")
        )


def set_playbook_active(*, playbook: Playbook, active: bool) -> Playbook:
    """Switch a playbook on or off. One that matches no category cannot be switched on."""
    _refuse_active_without_category(playbook=playbook, active=active)
    Playbook.objects.filter(pk=playbook.pk).update(active=active)
    _forget_cached_playbooks()
    playbook.active = active
    return playbook


@transaction.atomic
def delete_playbook(*, playbook: Playbook) -> None:
    """Delete a playbook that never opened a case (one that did stays, for its cases)."""
    if playbook.cases.exists():
        raise PlaybookEditRefused(
            _("“%(name)s” has opened cases, so it stays: switch it off instead.")
            % {"name": playbook.name}
        )
    playbook.delete()


def duplicate_playbook(*, playbook: Playbook) -> Playbook:
    """A switched-off copy with the same trigger and steps, named "<name> (copy)", "(copy 2)"..."""
    with transaction.atomic():
        steps = list(playbook.steps.order_by("position", "id"))
        copy = Playbook.objects.get(pk=playbook.pk)
        copy.pk = None
        copy.name = _copy_name(playbook.name)
        copy.active = False
        copy.save()
        for step in steps:
            step.pk = None
            step.playbook = copy
        PlaybookStep.objects.bulk_create(steps)
    return copy


def _copy_name(name: str) -> str:
    taken = set(Playbook.objects.values_list("name", flat=True))
    candidate, number = _("%(name)s (copy)") % {"name": name}, 2
    while candidate in taken:
        candidate = _("%(name)s (copy %(number)d)") % {"name": name, "number": number}
        number += 1
    return candidate[: Playbook._meta.get_field("name").max_length]


def add_step(*, playbook: Playbook, step: PlaybookStep) -> PlaybookStep:
    """Append a validated step at the end of the playbook."""
    with transaction.atomic():
        Playbook.objects.select_for_update().get(pk=playbook.pk)
        last = playbook.steps.aggregate(last=Max("position"))["last"] or 0
        step.playbook = playbook
        step.position = last + 1
        step.save()
    return step


def update_step(*, step: PlaybookStep, fields: dict[str, Any]) -> PlaybookStep:
    """Change a step's settings; its place in the playbook stays (see `move_step`)."""
    fields = {name: value for name, value in fields.items() if name not in ("playbook", "position")}
    with transaction.atomic():
        Playbook.objects.select_for_update().get(pk=step.playbook_id)
        if not PlaybookStep.objects.filter(pk=step.pk, playbook_id=step.playbook_id).exists():
            raise PlaybookEditRefused(
                _("This step was removed from the playbook meanwhile: add it again if needed.")
            )
        for name, value in fields.items():
            setattr(step, name, value)
        step.full_clean(exclude=["playbook"])
        step.save(update_fields=list(fields))
    return step


def save_steps(
    *, playbook: Playbook, saved: list[PlaybookStep], removed: list[PlaybookStep]
) -> list[PlaybookStep]:
    """Save the steps of a playbook edited all at once (the admin's inline): new and changed
    steps where their positions put them, removed ones gone, then positions 1..n again."""
    with transaction.atomic():
        Playbook.objects.select_for_update().get(pk=playbook.pk)
        PlaybookStep.objects.filter(
            playbook=playbook, pk__in=[step.pk for step in removed if step.pk]
        ).delete()
        for step in saved:
            step.playbook = playbook
            step.full_clean(exclude=["playbook"])
            step.save()
        steps = list(PlaybookStep.objects.filter(playbook=playbook))
        steps.sort(key=lambda s: (s.position, s.pk))
        _renumber(steps)
    return steps


def move_step(*, step: PlaybookStep, offset: int) -> PlaybookStep:
    """Move a step up (offset -1) or down (+1); at either end it stays where it is."""
    with transaction.atomic():
        Playbook.objects.select_for_update().get(pk=step.playbook_id)
        steps = list(PlaybookStep.objects.filter(playbook_id=step.playbook_id))
        steps.sort(key=lambda s: (s.position, s.pk))
        index = next(i for i, s in enumerate(steps) if s.pk == step.pk)
        target = index + offset
        if 0 <= target < len(steps):
            steps[index], steps[target] = steps[target], steps[index]
        _renumber(steps)
    return next(s for s in steps if s.pk == step.pk)


def remove_step(*, step: PlaybookStep) -> None:
    """Remove a step from the playbook (the cases that copied it keep their copy)."""
    with transaction.atomic():
        Playbook.objects.select_for_update().get(pk=step.playbook_id)
        playbook_id = step.playbook_id
        step.delete()
        steps = list(PlaybookStep.objects.filter(playbook_id=playbook_id))
        steps.sort(key=lambda s: (s.position, s.pk))
        _renumber(steps)


def _renumber(steps: list[PlaybookStep]) -> None:
    """Positions 1..n in the list's order."""
    for number, step in enumerate(steps, start=1):
        step.position = number
    PlaybookStep.objects.bulk_update(steps, ["position"])
    _forget_cached_playbooks()


def _forget_cached_playbooks() -> None:
    """Writes that send no `post_save` (`update`, `bulk_update`) forget the engine's cached
    playbooks themselves: now, and again once they commit."""
    forget_active_playbooks()
    transaction.on_commit(forget_active_playbooks, robust=True)
