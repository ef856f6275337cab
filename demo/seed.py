"""The demo data set: users of every role, customer accounts, their people, a year of answers,
and the cases the team worked on them (`demo.cases`).

`seed_demo()` plans every row from seeded random generators, so each run plans the same
data; it then creates only the rows that are missing (keyed on usernames, CRM ids, emails,
campaign names, external ids, and campaign and contact for invitations) and never changes a
row that exists. An answer's case is opened and worked only when the answer was not
processed yet. Running it again changes nothing, and a demo someone edited by hand keeps
its edits.

The earlier surveys were run by another tool and their answers imported; NPS Loop sent the
latest relationship survey itself, so each of its invitations shows what became of it
(answered on the survey page, bounced, unsubscribed, or excluded because the person had
opted out before). Next quarter's survey waits as a draft, ready to launch.

Dates are relative to the day the demo was first seeded (read back from the onboarding
campaign), so running it again months later does not add a second, shifted year.

Customer emails use the reserved `.example` top-level domain and staff emails
`@nps-loop.test`: nothing sent from a demo can reach a real mailbox.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import (
    Account,
    AccountDomain,
    Contact,
    Influence,
    Interaction,
    InteractionKind,
    Persona,
    Segment,
)
from core.background import work_done_inline
from core.models import LoopSettings, User
from core.roles import Role, set_role
from demo.cases import DemoCases
from notifications.models import Notification
from playbooks.models import OPEN_CASE_STATUSES, Case
from surveys.answers import AnswerIn
from surveys.drip import drip_times, sending_days
from surveys.emails import survey_language
from surveys.models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Exclusion,
    Invitation,
    InvitationStatus,
    Response,
    Source,
)
from surveys.services import record_response

DEMO_PASSWORD = "demo-loop-2026"  # noqa: S105 - printed on screen on purpose
STAFF_EMAIL_DOMAIN = "nps-loop.test"
INTERACTION_SOURCE = "demo"
ONBOARDING_CAMPAIGN = "Onboarding NPS"
DAYS_OF_HISTORY = 365
_SEED = "nps-loop-demo"


@dataclass(frozen=True)
class DemoLogin:
    """A demo user one can sign in as."""

    username: str
    role: Role
    display_name: str
    language: str = ""

    @property
    def email(self) -> str:
        return f"{self.username}@{STAFF_EMAIL_DOMAIN}"


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", Role.ADMIN, "Morgan Lee"),
    DemoLogin("manager", Role.MANAGER, "Hélène Marchand"),
    DemoLogin("csm", Role.CSM, "Sam Whitaker"),
    DemoLogin("camille", Role.CSM, "Camille Roussel", language="fr"),
    DemoLogin("jordan", Role.CSM, "Jordan Ellis"),
    DemoLogin("priya", Role.CSM, "Priya Raman"),
)


@dataclass(frozen=True)
class SeededRows:
    """How many rows of one kind the database holds, how many this run created, and how
    they break down (open and closed cases)."""

    label: str
    total: int
    created: int
    detail: str = ""


@dataclass(frozen=True)
class DemoSummary:
    """What `seed_demo` found and created."""

    rows: tuple[SeededRows, ...]
    unmatched_answers: int


# --- the customers ------------------------------------------------------------------------

HAPPY, UNHAPPY = "happy", "unhappy"
BILLING, SSO, SUPPORT, REPORTING, PERFORMANCE, ONBOARDING = (
    "billing",
    "sso",
    "support",
    "reporting",
    "performance",
    "onboarding",
)


@dataclass(frozen=True)
class _Customer:
    name: str
    domains: tuple[str, ...]
    segment: str
    language: str
    csm: str | None
    mood: str = ""  # HAPPY, UNHAPPY or "" for an ordinary account
    theme: str = ""  # what an unhappy account keeps complaining about
    new: bool = False  # went live during the past year: gets the onboarding survey
    renews_in_days: int | None = None


_SMB, _MID, _ENT = Segment.SMB.value, Segment.MID_MARKET.value, Segment.ENTERPRISE.value

# Invented companies. Each unhappy account has a story its answers and interactions tell.
_CUSTOMERS: tuple[_Customer, ...] = (
    _Customer("Pixelforge Studio", ("pixelforge.example",), _SMB, "en", "jordan"),
    _Customer("Atelier Ombelle", ("atelier-ombelle.example",), _SMB, "fr", "camille"),
    _Customer("Greenlane Bikes", ("greenlane-bikes.example",), _SMB, "en", "csm", mood=HAPPY),
    _Customer("Bureau Castille", ("bureau-castille.example",), _SMB, "fr", "camille", new=True),
    _Customer("Tallowby & Finch", ("tallowby-finch.example",), _SMB, "en", "priya", new=True),
    _Customer("Kindred Dental Group", ("kindred-dental.example",), _SMB, "en", "csm"),
    _Customer(
        "Cabinet Ferrand Avocats",
        ("ferrand-avocats.example",),
        _SMB,
        "fr",
        "camille",
        mood=UNHAPPY,
        theme=BILLING,
    ),
    _Customer("Lumo Yoga Collective", ("lumo-yoga.example",), _SMB, "en", "jordan", mood=HAPPY),
    _Customer("Brasserie Numérique", ("brasserie-numerique.example",), _SMB, "fr", "csm"),
    _Customer("Quillfeather Books", ("quillfeather.example",), _SMB, "en", None, new=True),
    _Customer("Harbourline Tours", ("harbourline.example",), _SMB, "en", None),
    _Customer("Optique Valmont", ("optique-valmont.example",), _SMB, "fr", "camille"),
    _Customer("Cedar & Stone Realty", ("cedarstone-realty.example",), _SMB, "en", "priya"),
    _Customer("Fennick Coffee Roasters", ("fennick-coffee.example",), _SMB, "en", "jordan"),
    _Customer("Brightwater Analytics", ("brightwater-analytics.example",), _MID, "en", "csm"),
    _Customer(
        "Cobaltline Freight",
        ("cobaltline.example",),
        _MID,
        "en",
        "csm",
        mood=UNHAPPY,
        theme=PERFORMANCE,
    ),
    _Customer(
        "Helvane Biolabs", ("helvane-bio.example", "helvane-labs.example"), _MID, "en", "priya"
    ),
    _Customer("Solenne Assurances", ("solenne-assurances.example",), _MID, "fr", "camille"),
    _Customer("Tidewell Health", ("tidewell-health.example",), _MID, "en", "jordan", mood=HAPPY),
    _Customer("Kestrel Field Robotics", ("kestrel-robotics.example",), _MID, "en", "priya"),
    _Customer("Vireo Payments", ("vireo-payments.example",), _MID, "en", "csm", new=True),
    _Customer(
        "Groupe Marbeuf Distribution",
        ("marbeuf-distribution.example",),
        _MID,
        "fr",
        "camille",
        mood=UNHAPPY,
        theme=SUPPORT,
    ),
    _Customer("Orchard Lane Foods", ("orchardlane-foods.example",), _MID, "en", "jordan"),
    _Customer("Novacité Immobilier", ("novacite.example",), _MID, "fr", "csm"),
    _Customer("Sparrowhawk Security", ("sparrowhawk-sec.example",), _MID, "en", "priya"),
    _Customer("Meridel Learning", ("meridel-learning.example",), _MID, "en", "jordan", new=True),
    _Customer("Transports Aubrac", ("transports-aubrac.example",), _MID, "fr", "camille"),
    _Customer(
        "Parcelwise",
        ("parcelwise.example",),
        _MID,
        "en",
        "priya",
        mood=UNHAPPY,
        theme=ONBOARDING,
        new=True,
    ),
    _Customer("Loomis & Varga Engineering", ("loomis-varga.example",), _MID, "en", "csm"),
    _Customer("Clinique Sainte-Aurore", ("ste-aurore.example",), _MID, "fr", "camille", mood=HAPPY),
    _Customer(
        "Arkwright Industrial Group",
        ("arkwright-group.example", "arkwright-energy.example"),
        _ENT,
        "en",
        "csm",
        mood=UNHAPPY,
        theme=SSO,
        renews_in_days=52,
    ),
    _Customer("Hallmoor Bank", ("hallmoor-bank.example",), _ENT, "en", "jordan"),
    _Customer(
        "Groupe Valorine",
        ("valorine.example", "valorine-retail.example"),
        _ENT,
        "fr",
        "camille",
        new=True,
    ),
    _Customer("Stellwave Telecom", ("stellwave-telecom.example",), _ENT, "en", "priya"),
    _Customer(
        "Mutuelle Horizon Santé",
        ("horizon-sante.example",),
        _ENT,
        "fr",
        "camille",
        mood=UNHAPPY,
        theme=REPORTING,
    ),
    _Customer("Caldera Energy Systems", ("caldera-energy.example",), _ENT, "en", "jordan"),
    _Customer("Nordhavn Shipping", ("nordhavn-shipping.example",), _ENT, "en", "csm", mood=HAPPY),
    _Customer("Banque Lérins Privée", ("banque-lerins.example",), _ENT, "fr", "csm"),
    _Customer("Ironbridge Retail Partners", ("ironbridge-retail.example",), _ENT, "en", "priya"),
    _Customer("Saltmarsh Hotels & Resorts", ("saltmarsh-hotels.example",), _ENT, "en", "jordan"),
    _Customer(
        "Coopérative Pharmaceutique de l'Ouest", ("cpo-pharma.example",), _ENT, "fr", "camille"
    ),
    _Customer("Quantra Logistics", ("quantra-logistics.example",), _ENT, "en", "priya", new=True),
)

_TIERS = {_SMB: ("Bronze", "Silver"), _MID: ("Silver", "Gold"), _ENT: ("Gold", "Platinum")}
# (lowest, highest, step) of the ARR in EUR, by segment.
_ARR_RANGES = {
    _SMB: (5_000, 30_000, 500),
    _MID: (30_000, 150_000, 1_000),
    _ENT: (150_000, 1_200_000, 5_000),
}
_CONTACTS_PER_ACCOUNT = {_SMB: (3, 5), _MID: (5, 7), _ENT: (7, 10)}
# The n first of these are an account's people: every account has a champion and a sponsor.
_C, _E, _D, _A, _U, _O = (
    Persona.CHAMPION,
    Persona.EXEC_SPONSOR,
    Persona.DECISION_MAKER,
    Persona.ADMIN,
    Persona.USER,
    Persona.OTHER,
)
_PERSONAS_SMB = (_C, _E, _U, _U, _A)
_PERSONAS_LARGER = (_C, _E, _D, _A, _U, _U, _O, _U, _U, _U)
_HIGH, _MEDIUM, _LOW = Influence.HIGH, Influence.MEDIUM, Influence.LOW
# (influence, weight) choices by persona.
_INFLUENCE = {
    _C: ((_HIGH, 4), (_MEDIUM, 1)),
    _E: ((_HIGH, 1),),
    _D: ((_HIGH, 2), (_MEDIUM, 1)),
    _A: ((_MEDIUM, 2), (_LOW, 1)),
    _U: ((_LOW, 2), (_MEDIUM, 1)),
    _O: ((_LOW, 3), (_MEDIUM, 1)),
}

# --- people ------------------------------------------------------------------------------

# First names by language and grammatical gender (French titles agree with it).
_FIRST_NAMES = {
    "en": {
        "f": "Emma Olivia Sarah Rachel Hannah Grace Chloe Megan Laura Natalie Amy Zoe Ruth Aisha",
        "m": "James Oliver Daniel Michael Ryan Ethan Samuel David Nathan Adam Luke Owen Ravi",
    },
    "fr": {
        "f": "Léa Manon Chloé Inès Juliette Claire Élise Margaux Anaïs Pauline Sophie Mathilde "
        "Aurélie Nathalie",
        "m": "Julien Thomas Nicolas Antoine Maxime Guillaume Hugo Louis Mathieu Romain Vincent "
        "Olivier Benoît Étienne",
    },
}
_LAST_NAMES = {
    "en": "Thompson Walker Hughes Bennett Carter Foster Mitchell Reynolds Harper Dawson Sullivan "
    "Brooks Fletcher Gallagher Hayes Porter Quinn Russell Shaw Turner Wallace Ward Ellison Marsh "
    "Pritchard Lowe Kemp Okafor Patel",
    "fr": "Martin Bernard Dubois Lefèvre Moreau Laurent Girard Roux Fournier Bonnet Dupuis Lambert "
    "Fontaine Chevalier Rousseau Mercier Blanc Guérin Faure Perrin Gauthier Morel Lemoine Renaud "
    "Brunet Caron Masson Picard",
}

_TITLES_EN = {
    "champion": (
        "Head of Customer Operations",
        "CRM Program Manager",
        "Operations Manager",
        "Head of Sales Operations",
        "Customer Experience Lead",
    ),
    "exec_sponsor": (
        "Chief Operating Officer",
        "VP Customer Experience",
        "Chief Revenue Officer",
        "Managing Director",
    ),
    "exec_sponsor_smb": ("Founder & CEO", "Managing Director", "Owner"),
    "decision_maker": ("Director of IT", "Head of Procurement", "VP Sales", "Finance Director"),
    "user": (
        "Account Manager",
        "Support Specialist",
        "Sales Operations Analyst",
        "Customer Success Associate",
        "Support Team Lead",
        "Inside Sales Representative",
    ),
    "admin": (
        "Salesforce Administrator",
        "IT Systems Administrator",
        "Business Applications Admin",
    ),
    "other": (
        "Procurement Officer",
        "Legal Counsel",
        "Finance Controller",
        "Data Protection Officer",
    ),
}
# French titles agree with the person: (masculine, feminine).
_TITLES_FR = {
    "champion": (
        ("Responsable des opérations clients",) * 2,
        ("Chef de projet CRM", "Cheffe de projet CRM"),
        ("Responsable relation client",) * 2,
        ("Responsable administration des ventes",) * 2,
    ),
    "exec_sponsor": (
        ("Directeur des opérations", "Directrice des opérations"),
        ("Directeur général adjoint", "Directrice générale adjointe"),
        ("Directeur de l'expérience client", "Directrice de l'expérience client"),
    ),
    "exec_sponsor_smb": (("Fondateur et gérant", "Fondatrice et gérante"), ("Gérant", "Gérante")),
    "decision_maker": (
        ("Directeur des systèmes d'information", "Directrice des systèmes d'information"),
        ("Responsable des achats",) * 2,
        ("Directeur commercial", "Directrice commerciale"),
        ("Directeur administratif et financier", "Directrice administrative et financière"),
    ),
    "user": (
        ("Chargé de clientèle", "Chargée de clientèle"),
        ("Conseiller support", "Conseillère support"),
        ("Commercial sédentaire", "Commerciale sédentaire"),
        ("Analyste ADV",) * 2,
        ("Chef d'équipe support", "Cheffe d'équipe support"),
    ),
    "admin": (
        ("Administrateur systèmes", "Administratrice systèmes"),
        ("Administrateur applicatif", "Administratrice applicative"),
    ),
    "other": (
        ("Acheteur", "Acheteuse"),
        ("Juriste",) * 2,
        ("Contrôleur de gestion", "Contrôleuse de gestion"),
        ("Délégué à la protection des données", "Déléguée à la protection des données"),
    ),
}

# People whose answers match no account: a subsidiary's own domain, a typo, a personal address.
_UNMATCHED_PEOPLE = (
    ("Élodie Garnier", "elodie.garnier@groupe-valorine.example", "fr"),
    ("Peter Olsen", "polsen@brightwater-consulting.example", "en"),
    ("Nadia Brun", "n.brun@orbitale-conseil.example", "fr"),
    ("Marcus Reid", "marcus.reid@kestrelrobotics.example", "en"),
    ("Ines Carvalho", "ines.carvalho@mailbox.example", "en"),
    ("Tom Hadley", "tom.hadley@westreach-logistics.example", "en"),
)

# --- what people write ----------------------------------------------------------------------

_DETRACTOR_COMMENTS = {
    BILLING: {
        "en": (
            "Third invoice in a row with the wrong number of seats. Our finance team has "
            "stopped trusting your billing.",
            "We were charged twice in March and it took six weeks to get a credit note.",
            "Invoices never match the contract we signed; sorting it out takes hours every "
            "quarter.",
            "Prices changed without notice and nobody could explain the new line items.",
        ),
        "fr": (
            "Encore une erreur de facturation ce trimestre, c'est la troisième fois. Notre "
            "comptabilité n'en peut plus.",
            "Nous avons été facturés deux fois et l'avoir a mis plus d'un mois à arriver.",
            "Les factures ne correspondent jamais au contrat, il faut tout vérifier ligne par "
            "ligne.",
        ),
    },
    SSO: {
        "en": (
            "Still no SAML single sign-on. Our security team will not approve a wider rollout "
            "without it.",
            "We need SSO with Azure AD; managing passwords for 300 users by hand is not "
            "acceptable.",
            "SSO was on the roadmap when we signed. A year later it still isn't there.",
        ),
        "fr": (
            "Toujours pas de SSO. Notre RSSI bloque le déploiement aux autres équipes tant que ce "
            "n'est pas réglé.",
            "Sans authentification unique avec notre annuaire, l'outil reste un risque pour nous.",
        ),
    },
    SUPPORT: {
        "en": (
            "Support takes days to answer even urgent tickets, and the first reply is usually "
            "copy-pasted.",
            "We opened a P1 ticket on Monday and got a real answer on Thursday. That is not what "
            "we pay for.",
            "Every ticket bounces between three agents and we explain the problem again each time.",
        ),
        "fr": (
            "Le support met plusieurs jours à répondre, même quand tout est bloqué chez nous.",
            "On doit réexpliquer le problème à chaque nouvel interlocuteur du support. C'est "
            "épuisant.",
        ),
    },
    REPORTING: {
        "en": (
            "The reports are too rigid: we export everything to Excel to get the numbers our "
            "board asks for.",
            "Dashboards can't show figures per region, which is the one thing our managers need.",
            "Report totals don't match what we see in the app, so nobody trusts them.",
        ),
        "fr": (
            "Les rapports sont trop limités, on refait tout dans Excel à chaque fin de mois.",
            "Impossible d'avoir des tableaux de bord par agence, c'est pourtant la base pour nous.",
        ),
    },
    PERFORMANCE: {
        "en": (
            "The app is painfully slow every Monday morning; some pages take over ten seconds.",
            "Exports time out as soon as we go over a few thousand rows.",
            "Two outages during our peak season. That cost us real money.",
        ),
        "fr": (
            "L'application est très lente aux heures de pointe, nos équipes perdent un temps fou.",
            "Deux pannes en un mois, en pleine période de clôture. Inacceptable.",
        ),
    },
    ONBOARDING: {
        "en": (
            "Onboarding was rushed: three calls and then we were on our own.",
            "The data migration took twice as long as promised and we are still fixing "
            "imported records.",
            "Nobody showed us how to set up workflows for our team; we learned by trial and error.",
        ),
        "fr": (
            "Le démarrage a été bâclé, on s'est retrouvés seuls après deux sessions de formation.",
            "La reprise des données a pris deux mois de plus que prévu.",
        ),
    },
}
_PASSIVE_COMMENTS = {
    "en": (
        "Good product overall, but we really miss a proper mobile app.",
        "Does the job. An API for bulk updates would save us hours every week.",
        "Solid tool. If it worked with Microsoft Teams it would be a 10.",
        "Works fine for us; search could be a lot smarter.",
        "Fine, but we haven't heard from our account manager since the kickoff.",
        "We probably use a third of what we pay for. Some advice on best practices would help.",
        "OK overall. A yearly review of how we use the product would be welcome.",
        "Decent value, though this year's price increase was hard to justify internally.",
    ),
    "fr": (
        "Bon outil, mais il manque une vraie application mobile.",
        "Satisfaits dans l'ensemble. Une intégration avec Teams serait un vrai plus.",
        "Correct, mais on n'a plus de nouvelles de notre interlocuteur depuis le lancement.",
        "On n'utilise qu'une partie des fonctionnalités, un accompagnement nous aiderait.",
        "Rapport qualité-prix correct, mais la hausse de tarif passe mal en interne.",
    ),
}
_PROMOTER_COMMENTS = {
    "en": (
        "Support is fast and actually understands our business. Big thanks to the team.",
        "Our CSM is fantastic: proactive, responsive and always one step ahead.",
        "Every time we had an issue it was fixed the same day.",
        "Easy to roll out: our team was up and running in a week.",
        "Intuitive enough that new hires need almost no training.",
        "Clean, simple, and it just works.",
        "It has cut our reporting time in half. Easy to justify at budget time.",
        "We renewed without hesitation; the return on investment is obvious to our leadership.",
        "Paid for itself within the first quarter.",
    ),
    "fr": (
        "Support réactif et compétent, on se sent vraiment accompagnés.",
        "Notre CSM est au top, toujours disponible et de bon conseil.",
        "Prise en main très simple, toute l'équipe l'a adopté en quelques jours.",
        "Outil clair et efficace, on ne pourrait plus s'en passer.",
        "Le retour sur investissement est évident : on gagne plusieurs heures par semaine.",
        "Nous l'avons déjà recommandé à deux partenaires.",
    ),
}
# A second sentence some people add.
_TAILS = {
    "detractor": {
        "en": (
            "Please fix this before our renewal.",
            "We have raised it several times already.",
            "Happy to talk about it, but we need a date.",
            "Honestly, we are looking at alternatives.",
        ),
        "fr": (
            "Merci de corriger avant notre renouvellement.",
            "Nous l'avons déjà signalé plusieurs fois.",
            "Nous étudions sérieusement d'autres solutions.",
        ),
    },
    "passive": {
        "en": ("Otherwise no complaints.", "Happy to discuss it on a call."),
        "fr": ("Sinon, rien à redire.", "Disponible pour en parler."),
    },
    "promoter": {
        "en": ("Keep it up!", "Happy to be a reference."),
        "fr": ("Continuez comme ça !", "Bravo à toute l'équipe."),
    },
}
_COMMENT_RATE = {"detractor": 0.76, "passive": 0.55, "promoter": 0.62}

# Shares of (promoters, passives, detractors) by segment: small customers are the happiest.
_SEGMENT_MIX = {_SMB: (0.56, 0.28, 0.16), _MID: (0.46, 0.31, 0.23), _ENT: (0.36, 0.34, 0.30)}
_HAPPY_MIX = (0.78, 0.19, 0.03)
_UNHAPPY_MIX = (0.08, 0.22, 0.70)

# --- what happened with each account ---------------------------------------------------------

_THEME_PHRASES = {
    BILLING: "the repeated invoicing errors",
    SSO: "the missing SSO",
    SUPPORT: "support response times",
    REPORTING: "the gaps in reporting",
    PERFORMANCE: "slowness and outages",
    ONBOARDING: "the delayed data migration",
}
_THEME_TICKETS = {
    BILLING: ("invoice shows 120 seats instead of 95", "duplicate charge on the card on file"),
    SSO: ("request for SAML SSO with Okta", "security questionnaire asks for SSO and SCIM"),
    SUPPORT: ("complaint about the response time on a previous ticket", "P1 left without reply"),
    REPORTING: ("monthly report totals differ from the dashboard", "need figures per region"),
    PERFORMANCE: ("dashboards take 15 s to load at peak hours", "CSV export times out"),
    ONBOARDING: ("imported records lost their custom fields", "workflow set-up still blocked"),
}
_ORDINARY_TICKETS = (
    "password reset emails not arriving",
    "CSV import rejects dates written DD/MM/YYYY",
    "question about user permissions",
    "Slack notifications stopped after a workspace change",
    "how to archive old records",
    "API rate limit reached during the nightly sync",
    "wrong time zone on scheduled reports",
)
_GOOD_RESOLUTIONS = (
    "resolved in 3 hours",
    "resolved the same day",
    "resolved in 2 days",
    "answered with a how-to",
)
_BAD_RESOLUTIONS = (
    "escalated to engineering, still open",
    "workaround given, fix planned next quarter",
    "reopened twice by the customer",
)
_FEATURES = (
    "workflow automation",
    "the Salesforce integration",
    "custom dashboards",
    "the Slack integration",
    "bulk exports",
)
_TEAMS = ("sales", "support", "finance", "operations", "marketing")
_ORDINARY_KINDS = (
    InteractionKind.SALES,
    InteractionKind.SUPPORT_TICKET,
    InteractionKind.MEETING,
    InteractionKind.EMAIL,
)


# --- planning: pure, no database -------------------------------------------------------------


@dataclass(frozen=True)
class _PlannedAccount:
    external_id: str
    name: str
    domains: tuple[str, ...]
    segment: str
    tier: str
    arr: Decimal
    renewal_date: dt.date
    csm: str | None
    language: str
    mood: str
    theme: str
    live_since: dt.date


@dataclass(frozen=True)
class _PlannedContact:
    account: _PlannedAccount
    external_id: str
    name: str
    email: str
    title: str
    persona: str
    influence: str
    phone: str
    opted_out_at: dt.datetime | None


@dataclass(frozen=True)
class _PlannedCampaign:
    name: str
    description: str
    started_at: dt.datetime | None
    invitations_sent: int | None
    channel: str = CampaignChannel.EXTERNAL
    status: str = CampaignStatus.DRAFT
    send_at: dt.datetime | None = None
    drip_days: int = 1
    created_by: str = ""  # a demo username
    launched_by: str = ""
    launched_at: dt.datetime | None = None
    planned_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None


@dataclass(frozen=True)
class _PlannedAnswer:
    external_id: str
    source: str
    email: str
    contact_name: str
    language: str
    account_external_id: str
    campaign: str
    score: int
    comment: str
    answered_at: dt.datetime


@dataclass(frozen=True)
class _PlannedInvitation:
    """One survey email of a campaign NPS Loop sent, and what became of it."""

    campaign: str
    contact_email: str
    status: str
    scheduled_for: dt.datetime
    sent_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    answer_external_id: str = ""
    bounced_at: dt.datetime | None = None
    last_error: str = ""
    opted_out_at: dt.datetime | None = None
    excluded_at: dt.datetime | None = None
    exclusion: str = ""
    exclusion_note: str = ""


@dataclass(frozen=True)
class _PlannedInteraction:
    external_id: str
    account_external_id: str
    contact_email: str
    kind: str
    summary: str
    occurred_at: dt.datetime


@dataclass(frozen=True)
class _DemoPlan:
    accounts: tuple[_PlannedAccount, ...]
    contacts: tuple[_PlannedContact, ...]
    campaigns: tuple[_PlannedCampaign, ...]
    answers: tuple[_PlannedAnswer, ...]
    interactions: tuple[_PlannedInteraction, ...]
    invitations: tuple[_PlannedInvitation, ...]


def plan_demo(*, today: dt.date) -> _DemoPlan:
    """Every row of the demo, dated relative to `today`; the same rows for the same day."""
    accounts = _plan_accounts(today)
    contacts = _plan_contacts(accounts, today)
    campaigns, answers = _plan_answers(contacts, today)
    campaigns, answers, invitations = _plan_sending(campaigns, contacts, answers)
    latest = next(c for c in campaigns if c.status == CampaignStatus.COMPLETED)
    campaigns += (_plan_next_survey(latest),)
    interactions = _plan_interactions(accounts, contacts, today)
    return _DemoPlan(accounts, contacts, campaigns, answers, interactions, invitations)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment of office hours on `day`, in the server's time zone."""
    hour = rng.choices(range(8, 19), weights=(2, 4, 5, 5, 3, 3, 4, 5, 4, 3, 2))[0]
    moment = dt.time(hour, rng.randrange(60), rng.randrange(60))
    return dt.datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _plan_accounts(today: dt.date) -> tuple[_PlannedAccount, ...]:
    rng = random.Random(f"{_SEED}-accounts")
    # Renewals spread evenly over the next 14 months, in a shuffled order.
    count = len(_CUSTOMERS)
    renewals = [12 + round(i * (425 - 12) / (count - 1)) for i in range(count)]
    rng.shuffle(renewals)
    planned = []
    for number, (customer, renews_in) in enumerate(zip(_CUSTOMERS, renewals, strict=True), 1):
        low, high, step = _ARR_RANGES[customer.segment]
        if customer.new:
            live_since = today - dt.timedelta(days=rng.randint(60, 320))
            # A first-year customer renews on its first anniversary.
            renewal_date = live_since + dt.timedelta(days=365)
        else:
            live_since = today - dt.timedelta(days=rng.randint(420, 1500))
            renewal_date = today + dt.timedelta(days=renews_in)
        if customer.renews_in_days is not None:
            renewal_date = today + dt.timedelta(days=customer.renews_in_days)
        planned.append(
            _PlannedAccount(
                external_id=f"DEMO-A{number:03d}",
                name=customer.name,
                domains=customer.domains,
                segment=customer.segment,
                tier=rng.choice(_TIERS[customer.segment]),
                arr=Decimal(rng.randrange(low, high + 1, step)),
                renewal_date=renewal_date,
                csm=customer.csm,
                language=customer.language,
                mood=customer.mood,
                theme=customer.theme,
                live_since=live_since,
            )
        )
    return tuple(planned)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalpha()).lower()


def _plan_contacts(
    accounts: Sequence[_PlannedAccount], today: dt.date
) -> tuple[_PlannedContact, ...]:
    rng = random.Random(f"{_SEED}-contacts")
    planned = []
    for account in accounts:
        low, high = _CONTACTS_PER_ACCOUNT[account.segment]
        personas = (_PERSONAS_SMB if account.segment == _SMB else _PERSONAS_LARGER)[
            : rng.randint(low, high)
        ]
        taken: set[str] = set()
        for index, persona in enumerate(personas, 1):
            # Mostly names of the account's country, some from the other one.
            origin = (
                account.language
                if rng.random() < 0.8
                else {"en": "fr", "fr": "en"}[account.language]
            )
            while True:
                gender = rng.choice("fm")
                first = rng.choice(_FIRST_NAMES[origin][gender].split())
                last = rng.choice(_LAST_NAMES[origin].split())
                local = f"{_ascii(first)}.{_ascii(last)}"
                if local not in taken:
                    taken.add(local)
                    break
            title_key = (
                "exec_sponsor_smb"
                if persona == "exec_sponsor" and account.segment == _SMB
                else persona
            )
            if account.language == "fr":
                title = rng.choice(_TITLES_FR[title_key])[0 if gender == "m" else 1]
            else:
                title = rng.choice(_TITLES_EN[title_key])
            influences, weights = zip(*_INFLUENCE[persona], strict=True)
            opted_out = persona in ("user", "other") and rng.random() < 0.05
            planned.append(
                _PlannedContact(
                    account=account,
                    external_id=f"{account.external_id}-C{index:02d}",
                    name=f"{first} {last}",
                    email=f"{local}@{account.domains[0]}",
                    title=title,
                    persona=persona,
                    influence=rng.choices(influences, weights=weights)[0],
                    phone=_phone(account.language, rng) if rng.random() < 0.6 else "",
                    opted_out_at=(
                        _at(today - dt.timedelta(days=rng.randint(15, 200)), rng)
                        if opted_out
                        else None
                    ),
                )
            )
    return tuple(planned)


def _phone(language: str, rng: random.Random) -> str:
    # Ranges reserved for fiction by the French and British regulators.
    if language == "fr":
        return f"+33 1 99 00 {rng.randrange(100):02d} {rng.randrange(100):02d}"
    return f"+44 20 7946 0{rng.randrange(1000):03d}"


def _mix_for(account: _PlannedAccount, progress: float) -> tuple[float, ...]:
    """Shares of (promoters, passives, detractors) at `progress` (0 a year ago, 1 today)."""
    promoters, passives, detractors = _SEGMENT_MIX[account.segment]
    if account.mood == HAPPY:
        return _HAPPY_MIX
    if account.mood == UNHAPPY:
        # These accounts were ordinary once and have soured over the year.
        weight = 0.35 + 0.65 * progress
        base = (promoters, passives, detractors)
        return tuple(b + (u - b) * weight for b, u in zip(base, _UNHAPPY_MIX, strict=True))
    # The team's work shows: slightly better every quarter.
    return (promoters + 0.06 * progress, passives, detractors - 0.06 * progress)


def _score(rng: random.Random, mix: Sequence[float]) -> int:
    band = rng.choices(("promoter", "passive", "detractor"), weights=mix)[0]
    if band == "promoter":
        return rng.choices((9, 10), weights=(6, 4))[0]
    if band == "passive":
        return rng.choices((7, 8), weights=(5, 6))[0]
    return rng.choices(range(7), weights=(2, 1, 2, 4, 5, 8, 10))[0]


def _comment(rng: random.Random, *, score: int, language: str, theme: str) -> str:
    band = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
    if rng.random() >= _COMMENT_RATE[band]:
        return ""
    if band == "detractor":
        if not theme or rng.random() < 0.25:
            theme = rng.choice(tuple(_DETRACTOR_COMMENTS))
        pool = _DETRACTOR_COMMENTS[theme][language]
    elif band == "passive":
        pool = _PASSIVE_COMMENTS[language]
    else:
        pool = _PROMOTER_COMMENTS[language]
    text = rng.choice(pool)
    if rng.random() < 0.3:
        text = f"{text} {rng.choice(_TAILS[band][language])}"
    return text


# Campaign names stay English whatever the server's locale.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# How many days after a survey goes out people answer it: most within the first days.
_ANSWER_DELAY_WEIGHTS = (10, 8, 6, 5, 4, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)


class _AnswerPlanner:
    """Numbers the answers it plans, so their external ids are `demo-1`, `demo-2`, …"""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = random.Random(f"{_SEED}-answers")
        self.answers: list[_PlannedAnswer] = []

    def add(
        self,
        *,
        campaign: str,
        source: str,
        email: str,
        contact_name: str,
        language: str,
        account: _PlannedAccount | None,
        answered_at: dt.datetime,
        mix: Sequence[float],
        theme: str = "",
    ) -> None:
        score = _score(self.rng, mix)
        comment = _comment(self.rng, score=score, language=language, theme=theme)
        self.answers.append(
            _PlannedAnswer(
                external_id=f"demo-{len(self.answers) + 1}",
                source=source,
                email=email,
                contact_name=contact_name,
                language=language,
                account_external_id=account.external_id if account else "",
                campaign=campaign,
                score=score,
                comment=comment,
                answered_at=answered_at,
            )
        )

    def progress(self, day: dt.date) -> float:
        return max(0.0, 1 - (self.today - day).days / DAYS_OF_HISTORY)

    def answer_day(self, start: dt.date) -> dt.date:
        delay = self.rng.choices(range(len(_ANSWER_DELAY_WEIGHTS)), _ANSWER_DELAY_WEIGHTS)[0]
        return start + dt.timedelta(days=delay)

    def survey(
        self,
        *,
        campaign: str,
        invited: Sequence[_PlannedContact],
        start: dt.date,
        rate: float,
        source: str = Source.CSV,
    ) -> None:
        for contact in invited:
            account = contact.account
            answer_rate = rate * (1.25 if account.mood == UNHAPPY else 1)
            answers = self.rng.random() < answer_rate
            day = self.answer_day(start)
            if not answers or day >= self.today:  # the latest wave is still open
                continue
            self.add(
                campaign=campaign,
                source=source,
                email=contact.email,
                contact_name=contact.name,
                language=account.language,
                account=account,
                answered_at=_at(day, self.rng),
                mix=_mix_for(account, self.progress(day)),
                theme=account.theme,
            )


def _reachable(contact: _PlannedContact, day: dt.date) -> bool:
    """Live at the survey date and not opted out before it."""
    opted_out = contact.opted_out_at is not None and contact.opted_out_at.date() <= day
    return contact.account.live_since < day and not opted_out


def _plan_answers(
    contacts: Sequence[_PlannedContact], today: dt.date
) -> tuple[tuple[_PlannedCampaign, ...], tuple[_PlannedAnswer, ...]]:
    planner = _AnswerPlanner(today)
    campaigns: list[_PlannedCampaign] = []

    # An executive survey at the start of the year, to the people who sign.
    exec_start = today - dt.timedelta(days=352)
    exec_name = f"Executive sponsor survey {exec_start:%Y}"
    invited = [
        c
        for c in contacts
        if c.persona in (Persona.EXEC_SPONSOR, Persona.DECISION_MAKER)
        and c.account.segment != _SMB
        and _reachable(c, exec_start)
    ]
    planner.survey(campaign=exec_name, invited=invited, start=exec_start, rate=0.5)
    campaigns.append(
        _PlannedCampaign(
            name=exec_name,
            description="Once a year, to the executive sponsors and decision makers of "
            "mid-market and enterprise accounts.",
            started_at=_at(exec_start, planner.rng),
            invitations_sent=len(invited),
        )
    )

    # A relationship survey every quarter to everyone; the latest one is still open.
    # Some answers come from addresses no account owns yet (forwarded, a subsidiary, a typo).
    unmatched = {103: _UNMATCHED_PEOPLE[:3], _LATEST_WAVE_DAYS_AGO: _UNMATCHED_PEOPLE[3:]}
    for days_ago in (285, 194, 103, _LATEST_WAVE_DAYS_AGO):
        start = today - dt.timedelta(days=days_ago)
        name = f"Relationship survey {_MONTHS[start.month - 1]} {start.year}"
        invited = [c for c in contacts if _reachable(c, start)]
        # The earlier waves went out from the survey tool; NPS Loop sent the latest one.
        sent_by_us = days_ago == _LATEST_WAVE_DAYS_AGO
        source = Source.SURVEY_PAGE if sent_by_us else Source.CSV
        planner.survey(campaign=name, invited=invited, start=start, rate=0.36, source=source)
        # Drawn for every wave, so that what is planned after it stays the same.
        started_at = _at(start, planner.rng)
        if sent_by_us:
            campaign = _PlannedCampaign(
                name=name,
                description="Quarterly relationship survey, sent by NPS Loop to every contact "
                "who has not opted out, over three working days. A few people answered by "
                "replying from another address; their answers were typed in.",
                started_at=None,  # with the rest of the sending, by _plan_sending
                invitations_sent=None,
                channel=CampaignChannel.EMAIL,
                status=CampaignStatus.COMPLETED,
                send_at=dt.datetime.combine(
                    start, _SENDING_TIME, tzinfo=timezone.get_current_timezone()
                ),
                drip_days=3,
                created_by="manager",
                launched_by="manager",
            )
        else:
            campaign = _PlannedCampaign(
                name=name,
                description="Quarterly relationship survey, sent to every contact who has "
                "not opted out; answers imported from the survey tool's CSV export.",
                started_at=started_at,
                invitations_sent=len(invited),
            )
        campaigns.append(campaign)
        for person, email, language in unmatched.get(days_ago, ()):
            day = min(planner.answer_day(start), today - dt.timedelta(days=1))
            planner.add(
                campaign=name,
                source=Source.MANUAL if sent_by_us else Source.CSV,
                email=email,
                contact_name=person,
                language=language,
                account=None,
                answered_at=_at(day, planner.rng),
                mix=_SEGMENT_MIX[_MID],
            )

    # New customers answer an onboarding survey a month or so after going live; the CSM
    # types the answers in from the onboarding review call.
    onboarding_invited = 0
    for contact in contacts:
        account = contact.account
        if account.live_since <= today - dt.timedelta(days=DAYS_OF_HISTORY):
            continue
        if contact.persona in (Persona.EXEC_SPONSOR, Persona.OTHER):
            continue
        day = account.live_since + dt.timedelta(days=planner.rng.randint(28, 45))
        if day >= today:
            continue
        onboarding_invited += 1
        if planner.rng.random() < 0.7:
            planner.add(
                campaign=ONBOARDING_CAMPAIGN,
                source=Source.MANUAL,
                email=contact.email,
                contact_name=contact.name,
                language=account.language,
                account=account,
                answered_at=_at(day, planner.rng),
                mix=_UNHAPPY_MIX if account.mood == UNHAPPY else _SEGMENT_MIX[_SMB],
                theme=account.theme,
            )
    campaigns.append(
        _PlannedCampaign(
            name=ONBOARDING_CAMPAIGN,
            description="Sent about a month after a new customer goes live.",
            started_at=_onboarding_start(today),
            invitations_sent=onboarding_invited,
        )
    )
    return tuple(campaigns), tuple(planner.answers)


def _onboarding_start(today: dt.date) -> dt.datetime:
    day = today - dt.timedelta(days=DAYS_OF_HISTORY)
    return dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())


# --- the campaigns NPS Loop sends -----------------------------------------------------------

_LATEST_WAVE_DAYS_AGO = 12
_SENDING_TIME = dt.time(10)
# A sending round stamps its invitations by the chunk and takes a few seconds for each.
_STAMPED_TOGETHER, _SECONDS_PER_CHUNK = 25, 3
# Nobody answers an email less than a few minutes after it left.
_FIRST_ANSWER_AFTER = dt.timedelta(minutes=4)
_LINK_DAYS = LoopSettings._meta.get_field("survey_link_days").default
_THROTTLE_DAYS = LoopSettings._meta.get_field("survey_throttle_days").default
_BOUNCE_RATE = 0.02
_OPT_OUTS = 3
_BOUNCE_ERRORS = (
    "550 5.1.1 <{email}>: Recipient address rejected: User unknown in virtual mailbox table",
    "550 5.1.1 <{email}>: No such user here",
)


def _plan_sending(
    campaigns: Sequence[_PlannedCampaign],
    contacts: Sequence[_PlannedContact],
    answers: Sequence[_PlannedAnswer],
) -> tuple[
    tuple[_PlannedCampaign, ...], tuple[_PlannedAnswer, ...], tuple[_PlannedInvitation, ...]
]:
    """The invitations of the campaigns NPS Loop sent, with the campaigns' sending figures;
    an answer given before its email could have arrived is moved to just after it."""
    planned: list[_PlannedCampaign] = []
    invitations: list[_PlannedInvitation] = []
    moved: dict[str, _PlannedAnswer] = {}
    for campaign in campaigns:
        if campaign.status == CampaignStatus.COMPLETED:  # sent by NPS Loop
            campaign, sent, later = _plan_invitations(campaign, contacts, answers)
            invitations += sent
            moved.update((answer.external_id, answer) for answer in later)
        planned.append(campaign)
    answers = tuple(moved.get(answer.external_id, answer) for answer in answers)
    return tuple(planned), answers, tuple(invitations)


def _plan_invitations(
    campaign: _PlannedCampaign,
    contacts: Sequence[_PlannedContact],
    answers: Sequence[_PlannedAnswer],
) -> tuple[_PlannedCampaign, list[_PlannedInvitation], list[_PlannedAnswer]]:
    """One invitation per contact of the campaign's audience, as its sending left it: sent,
    answered, bounced, opted out, or excluded because the person had opted out before."""
    rng = random.Random(f"{_SEED}-sending-{campaign.name}")
    assert campaign.send_at is not None
    start = campaign.send_at.date()
    audience = [c for c in contacts if c.account.live_since < start]
    answered = {
        a.email: a
        for a in answers
        if a.campaign == campaign.name and a.source == Source.SURVEY_PAGE
    }
    invitations: list[_PlannedInvitation] = []
    moved: list[_PlannedAnswer] = []
    for contact, scheduled_for, moment in _sending_order(campaign, audience, answered, rng):
        planned = _PlannedInvitation(
            campaign=campaign.name,
            contact_email=contact.email,
            status=InvitationStatus.SCHEDULED,
            scheduled_for=scheduled_for,
        )
        if not _reachable(contact, start):
            invitations.append(
                replace(
                    planned,
                    status=InvitationStatus.EXCLUDED,
                    excluded_at=moment,
                    exclusion=Exclusion.OPTED_OUT,
                    exclusion_note="Unsubscribed from surveys.",
                )
            )
            continue
        sent = replace(
            planned,
            status=InvitationStatus.SENT,
            sent_at=moment,
            expires_at=moment + dt.timedelta(days=_LINK_DAYS),
        )
        answer = answered.get(contact.email)
        if answer is not None:
            if answer.answered_at < moment + _FIRST_ANSWER_AFTER:
                later = moment + dt.timedelta(
                    minutes=rng.randint(4, 240), seconds=rng.randrange(60)
                )
                answer = replace(answer, answered_at=later)
                moved.append(answer)
            opened = answer.answered_at - dt.timedelta(seconds=rng.randint(25, 300))
            invitations.append(
                replace(
                    sent,
                    status=InvitationStatus.ANSWERED,
                    opened_at=max(opened, moment + dt.timedelta(seconds=20)),
                    answered_at=answer.answered_at,
                    answer_external_id=answer.external_id,
                )
            )
        elif rng.random() < _BOUNCE_RATE:
            # The mail server refused the address: the email never left.
            invitations.append(
                replace(
                    planned,
                    status=InvitationStatus.BOUNCED,
                    bounced_at=moment,
                    last_error=rng.choice(_BOUNCE_ERRORS).format(email=contact.email),
                )
            )
        else:
            invitations.append(sent)
    invitations = _opt_outs(invitations, contacts, answers, rng)
    moments = [i.sent_at or i.bounced_at or i.excluded_at for i in invitations]
    sent_at = [i.sent_at for i in invitations if i.sent_at is not None]
    launched_at = campaign.send_at - dt.timedelta(minutes=rng.randint(20, 70))
    campaign = replace(
        campaign,
        started_at=min(sent_at),
        invitations_sent=len(sent_at),
        launched_at=launched_at,
        planned_at=launched_at + dt.timedelta(seconds=2),
        completed_at=max(m for m in moments if m is not None) + dt.timedelta(seconds=1),
    )
    return campaign, invitations, moved


def _sending_order(
    campaign: _PlannedCampaign,
    audience: Sequence[_PlannedContact],
    answered: dict[str, _PlannedAnswer],
    rng: random.Random,
) -> list[tuple[_PlannedContact, dt.datetime, dt.datetime]]:
    """(contact, scheduled for, sent at) in the order the emails left, spread over the
    campaign's days as its drip spreads them; who answered got their email before."""
    assert campaign.send_at is not None
    room = Counter(drip_times(len(audience), start=campaign.send_at, days=campaign.drip_days))
    days = sorted(room)
    day_of: dict[str, dt.datetime] = {}
    for answer in sorted(answered.values(), key=lambda a: a.answered_at):
        free = [day for day in days if room[day]]
        before = [day for day in free if day + _FIRST_ANSWER_AFTER <= answer.answered_at]
        day = rng.choice(before or free[:1])
        room[day] -= 1
        day_of[answer.email] = day
    others = [c for c in audience if c.email not in day_of]
    rng.shuffle(others)
    left = [day for day in days for _ in range(room[day])]
    day_of.update((c.email, day) for c, day in zip(others, left, strict=True))
    order = list(audience)
    rng.shuffle(order)
    order.sort(key=lambda c: day_of[c.email])
    position: Counter[dt.datetime] = Counter()
    sending = []
    for contact in order:
        day = day_of[contact.email]
        chunk = position[day] // _STAMPED_TOGETHER
        position[day] += 1
        sending.append((contact, day, day + dt.timedelta(seconds=_SECONDS_PER_CHUNK * (chunk + 1))))
    return sending


def _opt_outs(
    invitations: list[_PlannedInvitation],
    contacts: Sequence[_PlannedContact],
    answers: Sequence[_PlannedAnswer],
    rng: random.Random,
) -> list[_PlannedInvitation]:
    """A few people unsubscribe through the email's link instead of answering. They are
    people who never answered a survey: no case of theirs is told differently."""
    personas = {c.email: c.persona for c in contacts}
    answering = {a.email for a in answers}
    candidates = [
        i
        for i in invitations
        if i.status == InvitationStatus.SENT
        and i.contact_email not in answering
        and personas[i.contact_email] in (Persona.USER, Persona.OTHER)
    ]
    leaving = {i.contact_email for i in rng.sample(candidates, min(_OPT_OUTS, len(candidates)))}
    return [
        replace(
            i,
            status=InvitationStatus.OPTED_OUT,
            opted_out_at=i.sent_at + dt.timedelta(minutes=rng.randint(5, 8 * 60)),
        )
        if i.contact_email in leaving and i.sent_at is not None
        else i
        for i in invitations
    ]


def _plan_next_survey(latest: _PlannedCampaign) -> _PlannedCampaign:
    """Next quarter's relationship survey, drafted and ready to launch: it goes out on the
    first Monday when the people the latest one reached may be surveyed again."""
    assert latest.send_at is not None
    last_sent = sending_days(latest.send_at, latest.drip_days)[-1].date()
    surveyable = last_sent + dt.timedelta(days=_THROTTLE_DAYS)
    monday = surveyable + dt.timedelta(days=7 - surveyable.weekday())
    return _PlannedCampaign(
        name=f"Relationship survey {_MONTHS[monday.month - 1]} {monday.year}",
        description="Next quarter's relationship survey, to every contact, spread over the "
        "working week. Ready to launch: check who it will reach, then launch it.",
        started_at=None,
        invitations_sent=None,
        channel=CampaignChannel.EMAIL,
        status=CampaignStatus.DRAFT,
        send_at=dt.datetime.combine(monday, _SENDING_TIME, tzinfo=timezone.get_current_timezone()),
        drip_days=5,
        created_by="admin",
    )


def _plan_interactions(
    accounts: Sequence[_PlannedAccount],
    contacts: Sequence[_PlannedContact],
    today: dt.date,
) -> tuple[_PlannedInteraction, ...]:
    rng = random.Random(f"{_SEED}-interactions")
    people: dict[str, list[_PlannedContact]] = {}
    for contact in contacts:
        people.setdefault(contact.account.external_id, []).append(contact)
    planned: list[_PlannedInteraction] = []
    for account in accounts:
        staff = people[account.external_id]
        events = _account_story(account, rng)
        # The story happens over the past six months, in order.
        days = sorted(rng.sample(range(1, 181), len(events)), reverse=True)
        for (kind, text), days_ago in zip(events, days, strict=True):
            contact = staff[0] if kind == InteractionKind.QBR else rng.choice(staff)
            planned.append(
                _PlannedInteraction(
                    external_id=f"demo-int-{len(planned) + 1}",
                    account_external_id=account.external_id,
                    contact_email=contact.email,
                    kind=kind,
                    summary=text.format(contact=contact.name),
                    occurred_at=_at(today - dt.timedelta(days=days_ago), rng),
                )
            )
    return tuple(planned)


def _account_story(account: _PlannedAccount, rng: random.Random) -> list[tuple[str, str]]:
    """Six months of interactions with one account, as (kind, summary with {contact})."""
    events: list[tuple[str, str]] = []
    low, high = {_SMB: (3, 5), _MID: (5, 7), _ENT: (7, 10)}[account.segment]
    unhappy = account.mood == UNHAPPY
    for _ in range(rng.randint(low, high)):
        kind = rng.choices(_ORDINARY_KINDS, weights=(2, 3, 2, 3))[0]
        events.append((kind, _summary(kind, account, rng)))
    if unhappy:
        phrase = _THEME_PHRASES[account.theme]
        events += [
            (InteractionKind.SUPPORT_TICKET, _ticket(account.theme, rng, bad=True)),
            (InteractionKind.SUPPORT_TICKET, _ticket(account.theme, rng, bad=True)),
            (
                InteractionKind.EMAIL,
                f"{{contact}} wrote to our CEO about {phrase}; CSM and support lead copied.",
            ),
            (
                InteractionKind.MEETING,
                f"Tense call with {{contact}} about {phrase}; agreed on a recovery plan with "
                "weekly updates.",
            ),
        ]
    if account.segment != _SMB:
        events.append((InteractionKind.QBR, _qbr(account, rng)))
    if account.segment == _ENT:
        events.append((InteractionKind.QBR, _qbr(account, rng)))
    rng.shuffle(events)
    return events


def _ticket(theme: str, rng: random.Random, *, bad: bool) -> str:
    issue = rng.choice(_THEME_TICKETS[theme]) if theme else rng.choice(_ORDINARY_TICKETS)
    resolution = rng.choice(_BAD_RESOLUTIONS if bad else _GOOD_RESOLUTIONS)
    return f"Ticket #{rng.randrange(10_000, 100_000)} from {{contact}}: {issue} — {resolution}."


def _summary(kind: str, account: _PlannedAccount, rng: random.Random) -> str:
    feature, team = rng.choice(_FEATURES), rng.choice(_TEAMS)
    if kind == InteractionKind.SUPPORT_TICKET:
        themed = account.mood == UNHAPPY and rng.random() < 0.5
        return _ticket(account.theme if themed else "", rng, bad=themed or rng.random() < 0.15)
    if kind == InteractionKind.SALES:
        return rng.choice(
            (
                "Renewal discussion with {contact}: budget confirmed, procurement next.",
                f"Upsell call with {{contact}}: {rng.randint(5, 40)} more seats for the "
                f"{team} team under discussion.",
                "Sent {contact} a quote for the Premium support add-on.",
                "Price review with {contact}; pushback on the 7% uplift at renewal.",
                f"Amendment signed by {{contact}}: {rng.randint(3, 25)} extra seats from "
                "next month.",
            )
        )
    if kind == InteractionKind.MEETING:
        return rng.choice(
            (
                f"Monthly check-in with {{contact}}: adoption up in {team}, training planned.",
                f"Workshop with {{contact}} on setting up {feature}.",
                f"Roadmap preview for {{contact}}; strong interest in {feature}.",
                "Onsite visit: met {contact} and the team leads, collected feedback.",
            )
        )
    return rng.choice(
        (
            "Sent {contact} the release notes and an invitation to the next webinar.",
            "Followed up with {contact} on the open items from our last meeting.",
            "{contact} asked for the DPA and our security questionnaire answers; sent.",
            f"Shared the best-practice guide on {feature} with {{contact}}.",
        )
    )


def _qbr(account: _PlannedAccount, rng: random.Random) -> str:
    if account.mood == UNHAPPY:
        return (
            f"QBR with {{contact}}: adoption flat, concerns about {_THEME_PHRASES[account.theme]}; "
            "renewal at risk."
        )
    if account.mood == HAPPY:
        return (
            f"QBR with {{contact}}: usage up {rng.randint(15, 40)}% over the quarter; agreed to "
            "be a reference customer."
        )
    return (
        f"QBR with {{contact}}: {rng.randint(20, 400)} active users, usage up "
        f"{rng.randint(2, 15)}% over the quarter, renewal on track."
    )


# --- writing: only what is missing ----------------------------------------------------------


def seed_demo() -> DemoSummary:
    """Create whatever part of the demo data set is missing; change no existing row.

    It enqueues no task: it processes its answers and delivers their notifications itself,
    so a worker started afterwards has nothing queued ahead of the next real answer."""
    with work_done_inline(), transaction.atomic():
        today = _demo_day()
        plan = plan_demo(today=today)
        last_notification = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        contacts_before = Contact.objects.count()
        invitations_before = Invitation.objects.count()
        users, users_created = _seed_users()
        accounts, accounts_created = _seed_accounts(plan, users)
        _seed_domains(plan, accounts)
        _seed_contacts(plan, accounts)
        campaigns_created = _seed_campaigns(plan, users)
        # Before the answers: the 360° view taken when a case opens shows the interactions.
        interactions_created = _seed_interactions(plan, accounts)
        cases = DemoCases(
            manager=users["manager"],
            csms=[users[login.username] for login in DEMO_LOGINS if login.role == Role.CSM],
        )
        # Recording an answer from an unknown address creates its (unmatched) contact too.
        answers_created = _seed_answers(plan, cases)
        cases_created = cases.finish()
        # After the cases: opting people out earlier would change how their stories went.
        _seed_invitations(plan)
        # The bell shows what the story told each person; nobody is emailed about a past
        # the seeding wrote (no sweep will send them later either).
        Notification.objects.filter(pk__gt=last_notification, email=True).update(email=False)
        contacts = Contact.objects.count()
        invitations = Invitation.objects.count()
    open_cases = Case.objects.filter(status__in=OPEN_CASE_STATUSES).count()
    all_cases = Case.objects.count()
    rows = (
        SeededRows("users", User.objects.count(), users_created),
        SeededRows("accounts", Account.objects.count(), accounts_created),
        SeededRows("contacts", contacts, contacts - contacts_before),
        SeededRows("campaigns", Campaign.objects.count(), campaigns_created),
        SeededRows("invitations", invitations, invitations - invitations_before),
        SeededRows("answers", Response.objects.count(), answers_created),
        SeededRows("interactions", Interaction.objects.count(), interactions_created),
        SeededRows(
            "cases",
            all_cases,
            cases_created,
            detail=f"{open_cases} open, {all_cases - open_cases} closed",
        ),
    )
    return DemoSummary(
        rows=rows, unmatched_answers=Response.objects.filter(account__isnull=True).count()
    )


def _demo_day() -> dt.date:
    """The day the demo was first seeded, or today when it has not been."""
    started = (
        Campaign.objects.filter(name=ONBOARDING_CAMPAIGN)
        .values_list("started_at", flat=True)
        .first()
    )
    if started is None:
        return timezone.localdate()
    return timezone.localtime(started).date() + dt.timedelta(days=DAYS_OF_HISTORY)


def _seed_users() -> tuple[dict[str, User], int]:
    usernames = [login.username for login in DEMO_LOGINS]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    missing = [login for login in DEMO_LOGINS if login.username not in users]
    if not missing:
        return users, 0
    # Hashing is slow on purpose: do it once for all demo users.
    password = make_password(DEMO_PASSWORD)
    for login in missing:
        first, _, last = login.display_name.partition(" ")
        user = User(
            username=login.username,
            email=login.email,
            display_name=login.display_name,
            first_name=first,
            last_name=last,
            language=login.language,
            is_staff=login.role == Role.ADMIN,
            is_superuser=login.role == Role.ADMIN,
        )
        validate_password(DEMO_PASSWORD, user)
        user.password = password
        user.save()
        set_role(user, login.role)
        users[user.username] = user
    return users, len(missing)


def _seed_accounts(plan: _DemoPlan, users: dict[str, User]) -> tuple[dict[str, Account], int]:
    wanted = {a.external_id: a for a in plan.accounts}
    existing = set(
        Account.objects.filter(external_id__in=wanted).values_list("external_id", flat=True)
    )
    Account.objects.bulk_create(
        Account(
            external_id=a.external_id,
            name=a.name,
            segment=a.segment,
            tier=a.tier,
            arr=a.arr,
            currency="EUR",
            renewal_date=a.renewal_date,
            csm=users.get(a.csm) if a.csm else None,
        )
        for a in plan.accounts
        if a.external_id not in existing
    )
    accounts = {a.external_id: a for a in Account.objects.filter(external_id__in=wanted)}
    return accounts, len(wanted) - len(existing)


def _seed_domains(plan: _DemoPlan, accounts: dict[str, Account]) -> None:
    existing = set(
        AccountDomain.objects.filter(account__in=accounts.values()).values_list(
            "account_id", "domain"
        )
    )
    AccountDomain.objects.bulk_create(
        AccountDomain(account=accounts[a.external_id], domain=domain)
        for a in plan.accounts
        for domain in a.domains
        if (accounts[a.external_id].pk, domain) not in existing
    )


def _seed_contacts(plan: _DemoPlan, accounts: dict[str, Account]) -> None:
    emails = [c.email for c in plan.contacts]
    existing = set(Contact.objects.filter(email__in=emails).values_list("email", flat=True))
    missing = [c for c in plan.contacts if c.email not in existing]
    Contact.objects.bulk_create(
        Contact(
            account=accounts[c.account.external_id],
            external_id=c.external_id,
            name=c.name,
            email=c.email,
            title=c.title,
            persona=c.persona,
            influence=c.influence,
            phone=c.phone,
            language=c.account.language,
            opted_out=c.opted_out_at is not None,
            opted_out_at=c.opted_out_at,
        )
        for c in missing
    )


def _seed_campaigns(plan: _DemoPlan, users: dict[str, User]) -> int:
    names = [c.name for c in plan.campaigns]
    existing = set(Campaign.objects.filter(name__in=names).values_list("name", flat=True))
    missing = [c for c in plan.campaigns if c.name not in existing]
    Campaign.objects.bulk_create(
        Campaign(
            name=c.name,
            description=c.description,
            channel=c.channel,
            status=c.status,
            send_at=c.send_at,
            drip_days=c.drip_days,
            started_at=c.started_at,
            invitations_sent=c.invitations_sent,
            created_by=users.get(c.created_by),
            launched_by=users.get(c.launched_by),
            launched_at=c.launched_at,
            planned_at=c.planned_at,
            completed_at=c.completed_at,
        )
        for c in missing
    )
    return len(missing)


_ANSWER_SOURCES = (Source.CSV, Source.MANUAL, Source.SURVEY_PAGE)


def _seed_answers(plan: _DemoPlan, cases: DemoCases) -> int:
    """Record the missing answers in the order they came in, each case opened and worked
    before the next answer arrives, as it happened over the year."""
    # Keyed on the external id alone: a demo seeded when the latest survey was still
    # imported has its answers under the CSV source, and must not get them twice.
    existing = {
        external_id: (pk, processed_at)
        for external_id, pk, processed_at in Response.objects.filter(
            source__in=_ANSWER_SOURCES, external_id__in=[a.external_id for a in plan.answers]
        ).values_list("external_id", "pk", "processed_at")
    }
    campaigns = {
        c.name: c for c in Campaign.objects.filter(name__in={a.campaign for a in plan.answers})
    }
    created = 0
    for answer in sorted(plan.answers, key=lambda a: a.answered_at):
        response_id, processed_at = existing.get(answer.external_id, (None, None))
        if processed_at is not None:
            continue
        if response_id is None:
            recorded = record_response(
                answer=AnswerIn(
                    source=answer.source,
                    external_id=answer.external_id,
                    email=answer.email,
                    score=answer.score,
                    comment=answer.comment,
                    answered_at=answer.answered_at,
                    account_external_id=answer.account_external_id,
                    contact_name=answer.contact_name,
                    language=answer.language,
                    campaign=campaigns.get(answer.campaign),
                )
            )
            created += recorded.created
            response_id = recorded.response.pk
        cases.open_and_work(
            response_id=response_id, answered_at=answer.answered_at, seed=answer.external_id
        )
    return created


def _seed_invitations(plan: _DemoPlan) -> None:
    """The missing invitations of the campaigns NPS Loop sent, linked to their answers.

    A campaign an earlier demo imported from the survey tool gets none. The people who
    unsubscribed through an invitation are opted out of surveys from that moment.
    """
    campaigns = {
        c.name: c
        for c in Campaign.objects.filter(
            name__in={i.campaign for i in plan.invitations}, channel=CampaignChannel.EMAIL
        )
    }
    wanted = [i for i in plan.invitations if i.campaign in campaigns]
    contacts = {
        email: (pk, account_id, language)
        for email, pk, account_id, language in Contact.objects.filter(
            email__in={i.contact_email for i in wanted}
        ).values_list("email", "pk", "account_id", "language")
    }
    existing = set(
        Invitation.objects.filter(campaign__in=campaigns.values()).values_list(
            "campaign_id", "contact_id"
        )
    )
    missing = [
        i
        for i in wanted
        if i.contact_email in contacts
        and (campaigns[i.campaign].pk, contacts[i.contact_email][0]) not in existing
    ]
    answers = dict(
        Response.objects.filter(
            source=Source.SURVEY_PAGE,
            external_id__in=[i.answer_external_id for i in missing if i.answer_external_id],
        ).values_list("external_id", "pk")
    )
    Invitation.objects.bulk_create(
        Invitation(
            campaign=campaigns[i.campaign],
            contact_id=contacts[i.contact_email][0],
            account_id=contacts[i.contact_email][1],
            status=i.status,
            exclusion=i.exclusion,
            exclusion_note=i.exclusion_note,
            language=survey_language(contacts[i.contact_email][2]),
            scheduled_for=i.scheduled_for,
            claimed_at=None if i.status == InvitationStatus.EXCLUDED else i.scheduled_for,
            attempts=0 if i.status == InvitationStatus.EXCLUDED else 1,
            last_error=i.last_error,
            sent_at=i.sent_at,
            expires_at=i.expires_at,
            excluded_at=i.excluded_at,
            opened_at=i.opened_at,
            answered_at=i.answered_at,
            response_id=answers.get(i.answer_external_id),
            bounced_at=i.bounced_at,
            opted_out_at=i.opted_out_at,
        )
        for i in missing
    )
    for i in missing:
        if i.opted_out_at is not None:
            Contact.objects.filter(email=i.contact_email, opted_out=False).update(
                opted_out=True, opted_out_at=i.opted_out_at
            )


def _seed_interactions(plan: _DemoPlan, accounts: dict[str, Account]) -> int:
    ids = [i.external_id for i in plan.interactions]
    existing = set(
        Interaction.objects.filter(source=INTERACTION_SOURCE, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    missing = [i for i in plan.interactions if i.external_id not in existing]
    contacts = dict(
        Contact.objects.filter(email__in={i.contact_email for i in missing}).values_list(
            "email", "pk"
        )
    )
    Interaction.objects.bulk_create(
        Interaction(
            account=accounts[i.account_external_id],
            contact_id=contacts.get(i.contact_email),
            kind=i.kind,
            summary=i.summary,
            occurred_at=i.occurred_at,
            source=INTERACTION_SOURCE,
            external_id=i.external_id,
        )
        for i in missing
    )
    return len(missing)
