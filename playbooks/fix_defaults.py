"""The email that tells customers an issue they raised was fixed: its placeholders and the
text a manager starts from, in English and French (plain data; the manager edits both
before sending)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Every placeholder the email may use, with what it becomes (shown beside the form).
FIX_PLACEHOLDERS = {
    "contact_name": _("the contact's full name"),
    "contact_first_name": _("the contact's first name"),
    "account": _("the customer account's name"),
    "issue": _("the issue's name, in the contact's language"),
    "release_note": _("the release note, as written when the issue was marked fixed"),
    "fixed_on": _("the day it was fixed"),
    "sender_name": _("the name of the manager who sends it"),
}

# language -> (subject, body)
DEFAULT_FIX_EMAILS: dict[str, tuple[str, str]] = {
    "en": (
        "You told us, we fixed it: {issue}",
        "Hello {contact_first_name},\n\n"
        "When you answered our survey, you told us about a problem: {issue}. Thank you: "
        "your feedback made a difference. It was fixed on {fixed_on}:\n\n"
        "{release_note}\n\n"
        "If anything still does not work as it should, simply reply to this email.\n\n"
        "Best regards,\n{sender_name}",
    ),
    "fr": (
        "Vous nous l'avez signalé, c'est corrigé : {issue}",
        "Bonjour {contact_first_name},\n\n"
        "En répondant à notre enquête, vous nous avez signalé un problème : {issue}. Merci : "
        "votre retour a compté. Il a été corrigé le {fixed_on} :\n\n"
        "{release_note}\n\n"
        "Si quelque chose ne fonctionne toujours pas comme prévu, répondez simplement à cet "
        "e-mail.\n\n"
        "Bien cordialement,\n{sender_name}",
    ),
}
