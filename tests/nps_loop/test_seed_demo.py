"""`manage.py seed_demo`: a believable demo data set, created once, with logins printed."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from accounts.models import Account, AccountDomain, Contact, Interaction, Persona, Segment
from nps_loop.demo import DEMO_PASSWORD, plan_demo
from nps_loop.models import User
from nps_loop.roles import Role, roles_of
from surveys.models import Campaign, Response, Source
from surveys.selectors import nps_for

ROLE_NAMES = {role.value for role in Role}


def _seed(*args: str) -> str:
    # Tests run with DEBUG off, as a deployment does: seeding then needs --force.
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = (User, Account, AccountDomain, Contact, Campaign, Response, Interaction)
    return {model.__name__: model.objects.count() for model in models}


def _printed_logins(output: str) -> list[tuple[str, str, str]]:
    """The (role, username, password) rows of the logins table."""
    table = output.split("Demo logins", 1)[1]
    rows = [line.split() for line in table.splitlines()]
    return [(row[0], row[1], row[2]) for row in rows if row and row[0] in ROLE_NAMES]


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for all tests of a class, in a transaction rolled back after the class."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _seed("--force")
        transaction.set_rollback(True)


class TestSeededDemo:
    def test_forty_accounts_over_three_segments_with_arr_of_their_segment(self, seeded, db):
        arr_ranges = {
            Segment.SMB: (5_000, 30_000),
            Segment.MID_MARKET: (30_000, 150_000),
            Segment.ENTERPRISE: (150_000, 1_200_000),
        }
        assert Account.objects.count() >= 40
        for segment, (low, high) in arr_ranges.items():
            accounts = Account.objects.filter(segment=segment)
            assert accounts.count() >= 10
            assert all(low <= account.arr <= high for account in accounts)
        assert set(Account.objects.values_list("currency", flat=True)) == {"EUR"}

    def test_renewals_spread_over_fourteen_months_some_within_ninety_days(self, seeded, db):
        today = timezone.localdate()
        renewals = list(Account.objects.values_list("renewal_date", flat=True))
        assert all(today < day <= today + dt.timedelta(days=430) for day in renewals)
        assert sum(day <= today + dt.timedelta(days=90) for day in renewals) >= 4

    def test_accounts_are_spread_over_the_csms_and_one_or_two_have_none(self, seeded, db):
        books = Account.objects.filter(csm__isnull=False).values("csm").annotate(n=Count("id"))
        assert len(books) >= 4
        assert all(roles_of(User.objects.get(pk=b["csm"])) == {Role.CSM} for b in books)
        assert 1 <= Account.objects.filter(csm__isnull=True).count() <= 2

    def test_two_hundred_contacts_on_their_account_domain_with_every_persona(self, seeded, db):
        contacts = Contact.objects.filter(account__isnull=False).prefetch_related(
            "account__domains"
        )
        assert contacts.count() >= 200
        assert set(contacts.values_list("persona", flat=True)) == set(Persona.values)
        assert all(c.email.split("@")[1] in c.account.domain_list for c in contacts)
        assert all(c.title and c.name for c in contacts)
        assert contacts.filter(opted_out=True, opted_out_at__isnull=False).exists()

    def test_answers_span_the_past_year_over_several_campaigns(self, seeded, db):
        today = timezone.localdate()
        span = Response.objects.aggregate(first=Min("answered_at"), last=Max("answered_at"))
        assert timezone.localtime(span["first"]).date() <= today - dt.timedelta(days=330)
        assert timezone.localtime(span["last"]).date() >= today - dt.timedelta(days=14)
        campaigns = Campaign.objects.annotate(answers=Count("responses")).filter(answers__gt=0)
        assert campaigns.count() >= 3
        assert all(c.invitations_sent >= c.answers for c in campaigns)
        assert set(Response.objects.values_list("source", flat=True)) <= {
            Source.CSV,
            Source.MANUAL,
        }

    def test_two_thirds_of_answers_have_a_varied_comment_in_english_or_french(self, seeded, db):
        with_comment = Response.objects.exclude(comment="")
        share = with_comment.count() / Response.objects.count()
        assert 0.55 <= share <= 0.75
        assert with_comment.values("comment").distinct().count() >= 40
        assert with_comment.filter(language="fr").exists()
        assert with_comment.filter(language="en").exists()

    def test_some_accounts_are_clearly_unhappy(self, seeded, db):
        unhappy = Account.objects.annotate(
            detractors=Count("responses", filter=Q(responses__score__lte=6))
        ).filter(detractors__gte=4)
        assert sum(nps_for(a.responses.all()).nps < -20 for a in unhappy) >= 3

    def test_small_customers_are_happier_than_enterprises(self, seeded, db):
        smb = nps_for(Response.objects.filter(account__segment=Segment.SMB)).nps
        enterprise = nps_for(Response.objects.filter(account__segment=Segment.ENTERPRISE)).nps
        assert smb > enterprise + 10

    def test_some_answers_wait_for_an_admin_to_assign_them(self, seeded, db):
        assert Response.objects.filter(account__isnull=True).count() >= 3
        assert "match no account yet" in seeded

    def test_every_account_has_interactions_of_the_last_six_months(self, seeded, db):
        since = timezone.now() - dt.timedelta(days=183)
        accounts = Account.objects.annotate(
            recent=Count("interactions", filter=Q(interactions__occurred_at__gte=since))
        )
        assert all(account.recent >= 3 for account in accounts)
        kinds = set(Interaction.objects.values_list("kind", flat=True))
        assert {"sales", "support_ticket", "meeting", "email", "qbr"} <= kinds

    def test_every_printed_login_signs_in_with_its_role(self, seeded, db):
        logins = _printed_logins(seeded)
        assert {role for role, _, _ in logins} == ROLE_NAMES
        for role, username, password in logins:
            user = authenticate(username=username, password=password)
            assert user is not None, username
            assert roles_of(user) == {Role(role)}

    def test_the_demo_admin_can_open_the_django_admin(self, seeded, db, client):
        assert client.login(username="admin", password=DEMO_PASSWORD)
        assert client.get("/admin/").status_code == 200

    def test_running_it_again_changes_nothing(self, seeded, db):
        before = _counts()
        output = _seed("--force")
        assert _counts() == before
        assert "(0 new)" in output
        assert "new)" not in output.replace("(0 new)", "")

    def test_running_it_again_leaves_a_changed_password_alone(self, seeded, db):
        user = User.objects.get(username="csm")
        user.set_password("my own secret phrase")
        user.save(update_fields=["password"])
        _seed("--force")
        assert authenticate(username="csm", password="my own secret phrase") is not None
        assert authenticate(username="csm", password=DEMO_PASSWORD) is None


def test_the_same_day_plans_the_same_demo():
    day = dt.date(2026, 3, 2)
    assert plan_demo(today=day) == plan_demo(today=day)


@pytest.mark.django_db
def test_logins_only_prints_the_logins_and_creates_nothing():
    before = _counts()
    assert before["Account"] == 0
    output = _seed("--logins-only")
    assert _counts() == before
    assert {role for role, _, _ in _printed_logins(output)} == ROLE_NAMES
    assert "Demo data is ready" not in output


@pytest.mark.django_db
def test_refuses_to_seed_a_database_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        _seed()
    assert _counts()["Account"] == 0
