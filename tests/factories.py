import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Account, AccountDomain, Contact, Interaction, Persona, Segment
from core.models import User
from playbooks.models import Playbook, PlaybookStep, StepKind
from surveys.models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Invitation,
    InvitationStatus,
    Response,
    Source,
    new_invitation_token,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@nps-loop.test")
    display_name = factory.Faker("name")
    password = factory.django.Password("correct horse battery staple")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Faker("company")
    external_id = factory.Sequence(lambda n: f"ACC-{n:05d}")
    segment = Segment.MID_MARKET
    tier = "Gold"
    arr = Decimal("120000.00")
    renewal_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=200))


class AccountDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountDomain

    account = factory.SubFactory(AccountFactory)
    domain = factory.Sequence(lambda n: f"customer{n}.example")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"person{n}@customer.example")
    persona = Persona.USER


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    account = factory.SubFactory(AccountFactory)
    kind = "meeting"
    summary = "Quarterly check-in"
    occurred_at = factory.LazyFunction(timezone.now)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")


class EmailCampaignFactory(CampaignFactory):
    """A campaign NPS Loop sends itself, launched."""

    channel = CampaignChannel.EMAIL
    status = CampaignStatus.SENDING


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation already sent, its link valid for 30 days."""

    class Meta:
        model = Invitation

    campaign = factory.SubFactory(EmailCampaignFactory)
    contact = factory.SubFactory(ContactFactory)
    account = factory.LazyAttribute(lambda i: i.contact.account)
    token = factory.LazyFunction(new_invitation_token)
    status = InvitationStatus.SENT
    language = "en"
    scheduled_for = factory.LazyFunction(timezone.now)
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda i: i.sent_at + dt.timedelta(days=30))


class ResponseFactory(factory.django.DjangoModelFactory):
    """Stores an answer directly; tests of ingestion call `record_response` instead."""

    class Meta:
        model = Response

    contact = factory.SubFactory(ContactFactory)
    account = factory.LazyAttribute(lambda r: r.contact.account)
    score = 8
    answered_at = factory.LazyFunction(timezone.now)
    source = Source.API
    external_id = factory.Sequence(lambda n: f"resp-{n}")


class PlaybookFactory(factory.django.DjangoModelFactory):
    """A playbook with no steps; add them with PlaybookStepFactory(playbook=...)."""

    class Meta:
        model = Playbook

    name = factory.Sequence(lambda n: f"Playbook {n}")
    for_detractors = True
    sla_business_days = 2


class PlaybookStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaybookStep

    playbook = factory.SubFactory(PlaybookFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = StepKind.TASK
    title = factory.Sequence(lambda n: f"Step {n}")
    instructions = "Do it well."
    due_in_days = 2
    required = True


def closed_case(
    *,
    root_cause,
    actor: User,
    score: int = 3,
    account: Account | None = None,
    closed_at: dt.datetime | None = None,
    **answer,
):
    """A case opened by the engine for a new answer and closed by `actor` with `root_cause`,
    dated `closed_at` when given. Its playbook has one optional task, so that it closes at
    once: one playbook for every category, made on first use."""
    from playbooks.models import Case, CaseOutcome
    from playbooks.services.cases import close_case
    from playbooks.services.engine import process_response

    playbook = Playbook.objects.filter(name="Quick close").first()
    if playbook is None:
        playbook = PlaybookFactory(
            name="Quick close", for_passives=True, for_promoters=True, priority=1000
        )
        PlaybookStepFactory(playbook=playbook, required=False, title="Look into it")
    contact = ContactFactory(account=account or AccountFactory())
    response = ResponseFactory(contact=contact, score=score, **answer)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    close_case(
        case=case, actor=actor, outcome=CaseOutcome.RESOLVED, post_mortem="", root_cause=root_cause
    )
    if closed_at is not None:
        Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
    case.refresh_from_db()
    return case
