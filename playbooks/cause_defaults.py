"""The root causes NPS Loop ships with, in English and in French: the usual reasons a B2B
customer is unhappy, from the product to their own organisation. Admins rename, archive and
add to them under Configuration."""

from __future__ import annotations

# (cause, cause in French, [(sub-cause, sub-cause in French), ...])
ROOT_CAUSES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "Product",
        "Produit",
        [
            ("Bugs and defects", "Bugs et anomalies"),
            ("Missing feature", "Fonctionnalité manquante"),
            ("Performance and reliability", "Performance et fiabilité"),
            ("Ease of use", "Facilité d'utilisation"),
            ("Billing errors", "Erreurs de facturation"),
        ],
    ),
    (
        "Support",
        "Support",
        [
            ("Response time", "Délai de réponse"),
            ("Quality of answers", "Qualité des réponses"),
        ],
    ),
    (
        "Onboarding",
        "Mise en route",
        [
            ("Setup and integration", "Installation et intégration"),
            ("Training", "Formation"),
        ],
    ),
    (
        "Commercial",
        "Commercial",
        [
            ("Pricing", "Prix"),
            ("Contract and renewal", "Contrat et renouvellement"),
        ],
    ),
    (
        "Relationship",
        "Relation",
        [
            ("CSM availability", "Disponibilité du CSM"),
            ("Communication", "Communication"),
        ],
    ),
    (
        "Customer context",
        "Contexte client",
        [
            ("Budget or reorganisation", "Budget ou réorganisation"),
            ("Champion left", "Départ du champion"),
        ],
    ),
    # A promoter thanked, a passive whose wish is noted: the case closes, nothing was wrong.
    ("Nothing to fix", "Rien à corriger", []),
    ("Other", "Autre", []),
]
# The causes that say nothing was wrong: the Recurring issues page leaves them out.
NO_ISSUE = {"Nothing to fix"}


def install_default_root_causes(*, root_cause_model=None) -> int:
    """Create the default causes and sub-causes missing by name; returns how many were
    created. Running it again creates nothing."""
    if root_cause_model is None:
        from playbooks.models import RootCause

        root_cause_model = RootCause
    created_count = 0
    for name, name_fr, subs in ROOT_CAUSES:
        cause, created = root_cause_model.objects.get_or_create(
            parent=None,
            name=name,
            defaults={"name_fr": name_fr, "counts_as_issue": name not in NO_ISSUE},
        )
        created_count += created
        for sub_name, sub_name_fr in subs:
            _, created = root_cause_model.objects.get_or_create(
                parent=cause, name=sub_name, defaults={"name_fr": sub_name_fr}
            )
            created_count += created
    return created_count
