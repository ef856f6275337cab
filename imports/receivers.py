"""How `imports` hears of a person erased at their request: the `contact_erased` signal."""

from __future__ import annotations

from django.dispatch import receiver

from accounts.signals import contact_erased


@receiver(contact_erased, dispatch_uid="imports.forget_erased_contact")
def forget_erased_contact(sender, contact_id, needles, **kwargs) -> None:
    """Import reports and previews that list the person lose the rows that name them."""
    from imports.services.jobs import forget_in_import_jobs

    forget_in_import_jobs(needles=needles)
