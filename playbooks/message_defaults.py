"""The customer email templates a fresh install starts with, in English and French.

Plain data (no models), so that the data migration that installs them and the lazy
fallback of `playbooks.selectors.messages` read the same texts. Admins change them at
/configure/customer-emails/; placeholders are listed in `playbooks.placeholders`.
"""

from __future__ import annotations

# (purpose, language) -> (subject, body)
DEFAULT_MESSAGES: dict[tuple[str, str], tuple[str, str]] = {
    ("acknowledgment", "en"): (
        "Thank you for your feedback, {contact_first_name}",
        "Hello {contact_first_name},\n\n"
        "Thank you for taking the time to answer our survey. I read what you wrote, and I "
        "want to understand it properly: I will be in touch shortly to talk it through.\n\n"
        "If anything is urgent in the meantime, simply reply to this email.\n\n"
        "Best regards,\n{csm_name}\n{csm_email}\n\nReference: {case_reference}",
    ),
    ("acknowledgment", "fr"): (
        "Merci pour votre retour, {contact_first_name}",
        "Bonjour {contact_first_name},\n\n"
        "Merci d'avoir pris le temps de répondre à notre enquête. J'ai lu votre réponse et "
        "je tiens à bien la comprendre : je reviens vers vous très vite pour en parler.\n\n"
        "Si quelque chose est urgent d'ici là, répondez simplement à cet e-mail.\n\n"
        "Bien cordialement,\n{csm_name}\n{csm_email}\n\nRéférence : {case_reference}",
    ),
    ("call_proposal", "en"): (
        "Can we talk about your feedback?",
        "Hello {contact_first_name},\n\n"
        "Thank you for your answer to our survey. I would like to hear more about your "
        "experience at {account}, so that we fix what needs fixing.\n\n"
        "Would you have 20 minutes for a call this week? Reply with a time that suits you, "
        "or your phone number, and I will call you.\n\n"
        "Best regards,\n{csm_name}\n{csm_email}\n\nReference: {case_reference}",
    ),
    ("call_proposal", "fr"): (
        "Pouvons-nous parler de votre retour ?",
        "Bonjour {contact_first_name},\n\n"
        "Merci pour votre réponse à notre enquête. J'aimerais en savoir plus sur votre "
        "expérience chez {account}, pour corriger ce qui doit l'être.\n\n"
        "Auriez-vous 20 minutes cette semaine pour un appel ? Répondez-moi avec un créneau "
        "qui vous convient, ou votre numéro, et je vous appelle.\n\n"
        "Bien cordialement,\n{csm_name}\n{csm_email}\n\nRéférence : {case_reference}",
    ),
    ("plan_summary", "en"): (
        "What we will do, and by when",
        "Hello {contact_first_name},\n\n"
        "Thank you again for the time you gave us. As agreed, here is what we will do, "
        "and by when:\n\n{plan_items}\n\n"
        "I will keep you posted as each point is done. If something is missing, reply to "
        "this email.\n\n"
        "Best regards,\n{csm_name}\n{csm_email}\n\nReference: {case_reference}",
    ),
    ("plan_summary", "fr"): (
        "Ce que nous allons faire, et pour quand",
        "Bonjour {contact_first_name},\n\n"
        "Merci encore pour le temps que vous nous avez accordé. Comme convenu, voici ce "
        "que nous allons faire, et pour quand :\n\n{plan_items}\n\n"
        "Je vous tiendrai informé(e) à chaque étape. S'il manque quelque chose, répondez à "
        "cet e-mail.\n\n"
        "Bien cordialement,\n{csm_name}\n{csm_email}\n\nRéférence : {case_reference}",
    ),
    ("closing_note", "en"): (
        "Following up on your feedback",
        "Hello {contact_first_name},\n\n"
        "What we committed to after your feedback is now done. Thank you for telling us "
        "what was not working: it helped us improve for you and for the whole team at "
        "{account}.\n\n"
        "If anything still falls short, reply to this email: I read every answer.\n\n"
        "Best regards,\n{csm_name}\n{csm_email}\n\nReference: {case_reference}",
    ),
    ("closing_note", "fr"): (
        "Suite à votre retour",
        "Bonjour {contact_first_name},\n\n"
        "Ce à quoi nous nous étions engagés après votre retour est maintenant fait. Merci "
        "de nous avoir dit ce qui n'allait pas : cela nous a aidés à progresser, pour vous "
        "et pour toute l'équipe de {account}.\n\n"
        "Si quelque chose laisse encore à désirer, répondez à cet e-mail : je lis chaque "
        "réponse.\n\n"
        "Bien cordialement,\n{csm_name}\n{csm_email}\n\nRéférence : {case_reference}",
    ),
}
