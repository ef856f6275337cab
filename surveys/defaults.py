"""The theme taxonomy NPS Loop starts with, in English and French; admins edit it."""

from __future__ import annotations

# (name, French name, English keywords, French keywords). A keyword ending in '*'
# also matches longer words; accents and case do not matter.
THEMES = [
    (
        "Billing",
        "Facturation",
        ["invoice*", "billing", "billed", "charged twice", "credit note", "overcharg*"],
        ["factur*", "note d'avoir", "prélèvement*", "double paiement", "remboursement*"],
    ),
    (
        "Pricing and value",
        "Prix et valeur",
        ["price*", "pricing", "expensive", "value for money", "too costly", "cost*"],
        ["tarif*", "prix", "trop cher", "coût*", "hausse"],
    ),
    (
        "Support",
        "Support",
        ["support", "ticket*", "helpdesk", "help desk", "agent*", "response time"],
        ["support", "ticket*", "assistance", "hotline", "interlocuteur du support"],
    ),
    (
        "Single sign-on and security",
        "Authentification et sécurité",
        ["sso", "single sign-on", "saml", "azure ad", "okta", "security", "password*"],
        ["sso", "authentification unique", "sécurité", "rssi", "annuaire", "mot de passe"],
    ),
    (
        "Reporting",
        "Rapports",
        ["report*", "dashboard*", "export to excel", "analytics"],
        ["rapport*", "tableau de bord", "tableaux de bord", "reporting"],
    ),
    (
        "Performance and reliability",
        "Performance et fiabilité",
        ["slow*", "outage*", "downtime", "time out", "timeout*", "crash*", "bug*"],
        ["lent*", "lenteur*", "panne*", "bug*", "plantage*", "bogue*"],
    ),
    (
        "Onboarding and training",
        "Démarrage et formation",
        ["onboarding", "training", "data migration", "kickoff", "rollout", "set up"],
        ["démarrage", "formation*", "reprise des données", "migration", "accompagnement"],
    ),
    (
        "Missing features",
        "Fonctionnalités manquantes",
        ["missing", "roadmap", "feature*", "mobile app", "api", "integration*", "teams"],
        ["manque", "fonctionnalit*", "application mobile", "intégration*"],
    ),
    (
        "Account management",
        "Suivi de compte",
        ["account manager", "csm", "customer success", "haven't heard", "review of how we use"],
        ["interlocuteur", "csm", "chargé de compte", "suivi"],
    ),
    (
        "Ease of use",
        "Facilité d'utilisation",
        ["easy", "intuitive", "simple", "usability", "complicated", "confusing"],
        ["simple", "intuiti*", "prise en main", "compliqué*", "ergonomie"],
    ),
]


def install_default_themes(*, theme_model=None) -> int:
    """Create the default themes missing by name; returns how many were created."""
    if theme_model is None:
        from surveys.models import Theme

        theme_model = Theme
    created_count = 0
    for name, name_fr, english, french in THEMES:
        _, created = theme_model.objects.get_or_create(
            name=name,
            defaults={
                "name_fr": name_fr,
                "keywords_en": "\n".join(english),
                "keywords_fr": "\n".join(french),
            },
        )
        created_count += created
    return created_count
