"""Made-up but realistic customers and NPS answers, the same for a given seed.

Accounts have a mail domain each, people belong to accounts (a few write from a
public mail provider, so only the account id can match them), and answers follow
the score spread of a B2B relationship survey, with comments in the person's
language, some with commas, quotes or line breaks.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ANSWER_COLUMNS = (
    "external_id",
    "email",
    "score",
    "comment",
    "answered_at",
    "account_external_id",
    "contact_name",
    "language",
    "campaign",
)

# Share of each score 0..10 in the answers (weights, not percentages).
SCORE_WEIGHTS = (2, 1, 1, 2, 2, 4, 6, 12, 20, 24, 26)
CAMPAIGNS = ("Relationship NPS 2026 Q1", "Relationship NPS 2026 Q2", "Onboarding check-in")
PUBLIC_MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.fr")

_PREFIXES = (
    "North", "Blue", "Silver", "Green", "Bright", "Iron", "Clear", "Swift", "Terra", "Nova",
    "Alpen", "Lumen", "Cedar", "Harbor", "Summit", "Atlas", "Vega", "Delta", "Orion", "Pixel",
)  # fmt: skip
_SUFFIXES = (
    "wind", "field", "stone", "bridge", "works", "line", "path", "point", "gate", "wave",
    "forge", "leaf", "port", "ridge", "light", "flow", "nest", "mark", "shore", "peak",
)  # fmt: skip
_KINDS = ("Logistics", "Health", "Software", "Retail", "Finance", "Energy", "Foods", "Labs")
_FIRST_NAMES = (
    "Alice", "Bruno", "Chloé", "David", "Emma", "François", "Grace", "Hugo", "Inès", "Jonas",
    "Karin", "Léa", "Marc", "Nadia", "Olivier", "Priya", "Quentin", "Rosa", "Samuel", "Théo",
    "Ulrike", "Victor", "Wen", "Yasmine", "Zoé", "Amélie", "Björn", "Carla", "Dmitri", "Elodie",
)  # fmt: skip
_LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Smith", "Müller", "Rossi", "García", "Nguyen", "Lefèvre",
    "Johnson", "Schmidt", "Moreau", "Khan", "Laurent", "O'Brien", "Fontaine", "Weber", "Silva",
    "Girard", "Kowalski", "Brown", "Petit", "Novak", "Roux", "Fischer", "Costa", "Leroy", "Berg",
)  # fmt: skip
_COMMENTS = {
    "en": {
        "detractor": (
            "Support takes days to answer, and our renewal is in March.",
            "The monthly report is too slow; we export everything to Excel instead.",
            'Billing was wrong twice this quarter. "Fixed" tickets came back.',
            "We lost a day of data after the last update.\nNobody warned us.",
            "Too expensive for what we use, honestly.",
        ),
        "passive": (
            "Does the job, but the new interface confuses half of my team.",
            "Fine overall. Missing an SSO integration, which we need by Q3.",
            "Good product, slow onboarding.",
        ),
        "promoter": (
            "Great onboarding; our CSM, Julie, was fantastic!",
            'The "closed loop" workflow saved us hours every week.',
            "Reliable, fast, and support actually listens.",
            "Recommended it to two partner companies already.",
        ),
    },
    "fr": {
        "detractor": (
            "Le support met trop de temps à répondre, on regarde d'autres solutions.",
            "Les exports plantent dès qu'on dépasse 10 000 lignes.",
            "Facturation incompréhensible ; personne ne rappelle.",
        ),
        "passive": (
            "Correct, mais l'ergonomie pourrait être plus simple.",
            "Bon outil, il manque une intégration avec notre CRM.",
        ),
        "promoter": (
            "Équipe réactive, produit solide : merci !",
            "Nous gagnons un temps fou sur le suivi des clients.",
        ),
    },
    "de": {
        "detractor": ("Zu viele Ausfälle in den letzten Wochen.",),
        "passive": ("Solide, aber die Berichte sind zu unflexibel.",),
        "promoter": ("Sehr zufrieden, vor allem mit dem Support.",),
    },
}


@dataclass(frozen=True)
class Customer:
    external_id: str
    name: str
    domain: str
    segment: str
    tier: str
    arr: int


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    language: str
    account_external_id: str


def make_customers(rng: random.Random, count: int) -> list[Customer]:
    """`count` accounts with distinct names and mail domains."""
    customers = []
    for number in range(1, count + 1):
        prefix, suffix, kind = rng.choice(_PREFIXES), rng.choice(_SUFFIXES), rng.choice(_KINDS)
        segment = rng.choices(("smb", "mid_market", "enterprise"), weights=(55, 30, 15))[0]
        tier, low, high = {
            "smb": ("Starter", 3_000, 25_000),
            "mid_market": ("Growth", 25_000, 150_000),
            "enterprise": ("Enterprise", 150_000, 1_500_000),
        }[segment]
        customers.append(
            Customer(
                external_id=f"ACC-{number:05d}",
                name=f"{prefix}{suffix} {kind} {number}",
                domain=f"{prefix}{suffix}-{number}.example".lower(),
                segment=segment,
                tier=tier,
                arr=round(rng.uniform(low, high), -2),
            )
        )
    return customers


def make_people(rng: random.Random, customers: list[Customer], count: int) -> list[Person]:
    """`count` people spread over the accounts, bigger accounts holding more of them."""
    weights = [{"smb": 1, "mid_market": 3, "enterprise": 8}[c.segment] for c in customers]
    people, emails = [], set()
    for number in range(count):
        customer = rng.choices(customers, weights=weights)[0]
        first, last = person_name(rng)
        public = rng.random() < 0.03
        domain = rng.choice(PUBLIC_MAIL_DOMAINS) if public else customer.domain
        local = mail_local_part(first, last)
        email = f"{local}@{domain}"
        if email in emails:
            email = f"{local}.{number}@{domain}"
        emails.add(email)
        language = rng.choices(("en", "fr", "de"), weights=(70, 20, 10))[0]
        people.append(
            Person(
                email=email,
                name=f"{first} {last}",
                language=language,
                account_external_id=customer.external_id,
            )
        )
    return people


def make_answers(
    rng: random.Random,
    people: list[Person],
    count: int,
    *,
    id_prefix: str,
    now: dt.datetime,
) -> list[dict[str, str]]:
    """`count` answers as CSV cells (strings), with distinct external ids."""
    answers = []
    for number in range(count):
        person = rng.choice(people)
        score = rng.choices(range(11), weights=SCORE_WEIGHTS)[0]
        category = category_of(score)
        # Detractors explain themselves more often than promoters.
        with_comment = (
            rng.random() < {"detractor": 0.75, "passive": 0.5, "promoter": 0.45}[category]
        )
        answered_at = now - dt.timedelta(seconds=rng.randint(60, 180 * 24 * 3600))
        answers.append(
            {
                "external_id": f"{id_prefix}-{number:07d}",
                "email": person.email,
                "score": str(score),
                "comment": comment_for(rng, person.language, category) if with_comment else "",
                "answered_at": answered_at.isoformat(timespec="seconds"),
                "account_external_id": (person.account_external_id if rng.random() < 0.6 else ""),
                "contact_name": person.name if rng.random() < 0.8 else "",
                "language": person.language,
                "campaign": rng.choice(CAMPAIGNS) if rng.random() < 0.9 else "",
            }
        )
    return answers


def person_name(rng: random.Random) -> tuple[str, str]:
    """A first and a last name, from several languages."""
    return rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)


def mail_local_part(first: str, last: str) -> str:
    """`first.last` in plain ASCII, as mail servers spell it."""
    return _ascii(f"{first}.{last}").replace("'", "")


def category_of(score: int) -> str:
    return "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"


def comment_for(rng: random.Random, language: str, category: str) -> str:
    """A comment in `language` ("en", "fr" or "de") that fits the category of the score."""
    return rng.choice(_COMMENTS[language][category])


def api_body(answer: dict[str, str]) -> dict[str, object]:
    """The JSON body of `POST /api/v1/responses` for an answer (the API has no campaign)."""
    body: dict[str, object] = {
        key: value for key, value in answer.items() if value and key != "campaign"
    }
    body["score"] = int(answer["score"])
    return body


def write_csv(path: Path, answers: Iterable[dict[str, str]]) -> None:
    """Write answers as the CSV file `manage.py import_responses` reads."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=ANSWER_COLUMNS)
        writer.writeheader()
        writer.writerows(answers)


def _ascii(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()


ACCOUNT_COLUMNS = ("external_id", "name", "domains", "segment", "tier", "arr", "currency")
CONTACT_COLUMNS = ("email", "name", "account_external_id", "external_id", "language", "persona")
_PERSONAS = ("champion", "exec_sponsor", "decision_maker", "user", "admin", "other")


def write_accounts_csv(path: Path, customers: Iterable[Customer]) -> None:
    """Write accounts as the CSV file `manage.py import_accounts` reads."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(ACCOUNT_COLUMNS)
        for customer in customers:
            writer.writerow(
                (
                    customer.external_id,
                    customer.name,
                    customer.domain,
                    customer.segment,
                    customer.tier,
                    customer.arr,
                    "EUR",
                )
            )


def write_contacts_csv(path: Path, people: Iterable[Person]) -> None:
    """Write people as the CSV file `manage.py import_contacts` reads."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CONTACT_COLUMNS)
        for number, person in enumerate(people):
            writer.writerow(
                (
                    person.email,
                    person.name,
                    person.account_external_id,
                    f"CRM-P-{person.email}",
                    person.language,
                    _PERSONAS[number % len(_PERSONAS)],
                )
            )
