"""Admins' changes to the customer email templates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from playbooks.models import CustomerMessageTemplate
from playbooks.placeholders import unknown_placeholders

if TYPE_CHECKING:
    from core.models import User


def save_message_template(
    *, purpose: str, language: str, subject: str, body: str, actor: User | None
) -> CustomerMessageTemplate:
    """Keep the template of `purpose` in `language`; refused when it names an unknown
    placeholder."""
    for field, text in (("subject", subject), ("body", body)):
        unknown = unknown_placeholders(text)
        if unknown:
            raise ValidationError(
                {field: _("Unknown placeholders: %(names)s.") % {"names": ", ".join(unknown)}}
            )
    with transaction.atomic():
        template, _created = CustomerMessageTemplate.objects.update_or_create(
            purpose=purpose,
            language=language,
            defaults={"subject": subject.strip(), "body": body, "updated_by": actor},
        )
    return template
