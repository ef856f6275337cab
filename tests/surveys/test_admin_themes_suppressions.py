"""Themes and survey suppressions in the admin: configure the themes, pause and resume surveys."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from surveys.models import Suppression, SuppressionReason, Theme
from surveys.services.suppressions import lift_suppression, suppress_surveys
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

THEMES = reverse("admin:surveys_theme_changelist")
SUPPRESSIONS = reverse("admin:surveys_suppression_changelist")
ADD_SUPPRESSION = reverse("admin:surveys_suppression_add")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def suppression_form(**fields) -> dict:
    return {
        "contact": "",
        "account": "",
        "note": "",
        "starts_at_0": "",
        "starts_at_1": "",
        "ends_at_0": "",
        "ends_at_1": "",
        **fields,
    }


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


# --- who may come in --------------------------------------------------------------------------


def test_an_admin_opens_the_theme_and_suppression_pages(admin_client):
    theme = Theme.objects.create(name="Onboarding", keywords_en="onboarding")
    suppression = suppress_surveys(contact=ContactFactory(), note="Legal dispute")
    pages = [
        THEMES,
        reverse("admin:surveys_theme_add"),
        reverse("admin:surveys_theme_change", args=[theme.pk]),
        SUPPRESSIONS,
        ADD_SUPPRESSION,
        reverse("admin:surveys_suppression_change", args=[suppression.pk]),
    ]

    for page in pages:
        assert admin_client.get(page).status_code == 200, page


@pytest.mark.parametrize("page", [THEMES, SUPPRESSIONS])
def test_a_csm_cannot_reach_themes_or_suppressions(client, csm, page):
    client.force_login(csm)

    response = client.get(page, follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert "not authorized to access this page" in response.content.decode()


@pytest.mark.parametrize("page", [THEMES, SUPPRESSIONS, ADD_SUPPRESSION])
def test_a_manager_with_admin_access_but_not_the_admin_role_is_refused(client, manager, page):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)

    assert client.get(page).status_code == 403


# --- themes ---------------------------------------------------------------------------------


def test_theme_list_shows_how_many_answers_mention_each_theme(admin_client):
    billing = Theme.objects.create(name="Invoices (test)", keywords_en="invoice")
    for answer in ResponseFactory.create_batch(3):
        answer.themes.add(billing)

    response = admin_client.get(THEMES, {"q": "Invoices (test)"})

    assert [(t.name, t.answer_total) for t in response.context["cl"].result_list] == [
        ("Invoices (test)", 3)
    ]
    assert '<td class="field-answer_count">3</td>' in response.content.decode()


def test_an_admin_adds_a_theme_with_keywords_in_both_languages(admin_client):
    response = admin_client.post(
        reverse("admin:surveys_theme_add"),
        {
            "name": "Data export",
            "name_fr": "Export des données",
            "keywords_en": "export\ncsv",
            "keywords_fr": "export*\nextraction",
            "active": "on",
        },
    )

    assert response.status_code == 302
    theme = Theme.objects.get(name="Data export")
    assert theme.keywords == ["export", "csv", "export*", "extraction"]


# --- suppressions ---------------------------------------------------------------------------


def test_a_manual_suppression_for_a_contact_stops_their_surveys_from_now(admin_client):
    contact = ContactFactory()

    response = admin_client.post(
        ADD_SUPPRESSION, suppression_form(contact=contact.pk, note="Asked for a break")
    )

    assert response.status_code == 302
    suppression = Suppression.objects.get(contact=contact)
    assert suppression.reason == SuppressionReason.MANUAL
    assert suppression.note == "Asked for a break"
    assert suppression.is_active_at(timezone.now())
    assert suppression.ends_at is None


def test_a_manual_suppression_for_an_account_keeps_its_dates(admin_client):
    account = AccountFactory()

    admin_client.post(
        ADD_SUPPRESSION,
        suppression_form(
            account=account.pk,
            starts_at_0="2031-03-01",
            starts_at_1="09:00:00",
            ends_at_0="2031-04-01",
            ends_at_1="09:00:00",
        ),
    )

    suppression = Suppression.objects.get(account=account)
    assert suppression.contact is None
    assert timezone.localtime(suppression.starts_at).date() == dt.date(2031, 3, 1)
    assert timezone.localtime(suppression.ends_at).date() == dt.date(2031, 4, 1)


def test_a_suppression_needs_a_contact_or_an_account(admin_client):
    response = admin_client.post(ADD_SUPPRESSION, suppression_form(note="For whom?"))

    assert response.status_code == 200
    assert form_errors(response) == {
        "contact": ["Choose the contact or the account that should get no survey."]
    }
    assert not Suppression.objects.exists()


def test_a_suppression_is_for_a_contact_or_an_account_not_both(admin_client):
    contact = ContactFactory()

    response = admin_client.post(
        ADD_SUPPRESSION, suppression_form(contact=contact.pk, account=contact.account.pk)
    )

    assert form_errors(response) == {
        "account": [
            "Choose a contact or an account, not both: to pause everyone at the account, "
            "clear the contact."
        ]
    }
    assert not Suppression.objects.exists()


def test_a_suppression_cannot_end_before_it_starts(admin_client):
    response = admin_client.post(
        ADD_SUPPRESSION,
        suppression_form(
            contact=ContactFactory().pk,
            starts_at_0="2031-03-01",
            starts_at_1="09:00:00",
            ends_at_0="2031-02-01",
            ends_at_1="09:00:00",
        ),
    )

    assert form_errors(response) == {
        "ends_at": ["The end must come after the start (or leave it empty)."]
    }
    assert not Suppression.objects.exists()


def test_a_suppression_is_not_edited_in_the_admin(admin_client):
    suppression = suppress_surveys(contact=ContactFactory(), note="Original")

    response = admin_client.post(
        reverse("admin:surveys_suppression_change", args=[suppression.pk]),
        suppression_form(contact=suppression.contact_id, note="Changed"),
    )

    assert response.status_code == 403
    assert Suppression.objects.get(pk=suppression.pk).note == "Original"


def test_lift_now_lets_surveys_go_out_again(admin_client):
    suppressions = [suppress_surveys(contact=ContactFactory()) for _ in range(2)]

    response = admin_client.post(
        SUPPRESSIONS,
        {"action": "lift_now", "_selected_action": [s.pk for s in suppressions], "index": 0},
    )

    now = timezone.now()
    assert not any(Suppression.objects.get(pk=s.pk).is_active_at(now) for s in suppressions)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 suppressions lifted: surveys may go out again."
    ]


def test_lift_now_leaves_already_lifted_suppressions_as_they_were(admin_client):
    suppression = suppress_surveys(account=AccountFactory())
    lift_suppression(suppression=suppression)
    lifted_at = Suppression.objects.get(pk=suppression.pk).lifted_at

    response = admin_client.post(
        SUPPRESSIONS, {"action": "lift_now", "_selected_action": [suppression.pk], "index": 0}
    )

    assert Suppression.objects.get(pk=suppression.pk).lifted_at == lifted_at
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The selected suppressions were already lifted."
    ]


def test_suppression_list_filters_the_active_ones(admin_client):
    active = suppress_surveys(contact=ContactFactory())
    lift_suppression(suppression=suppress_surveys(contact=ContactFactory()))
    suppress_surveys(contact=ContactFactory(), starts_at=timezone.now() + dt.timedelta(days=3))

    response = admin_client.get(SUPPRESSIONS, {"state": "active"})

    assert list(response.context["cl"].result_list) == [active]


def test_suppression_list_says_who_is_not_surveyed(admin_client):
    suppress_surveys(contact=ContactFactory(email="lea@umbrella.example", name=""))
    suppress_surveys(account=AccountFactory(name="Initech"))

    content = admin_client.get(SUPPRESSIONS).content.decode()

    assert "Contact lea@umbrella.example" in content
    assert "Account Initech" in content


# --- query counts ---------------------------------------------------------------------------


def _themes(count: int) -> None:
    for _ in range(count):
        theme = Theme.objects.create(name=f"Theme {Theme.objects.count()}")
        ResponseFactory().themes.add(theme)


def _suppressions(count: int) -> None:
    for index in range(count):
        if index % 2:
            suppress_surveys(contact=ContactFactory())
        else:
            suppress_surveys(account=AccountFactory())


# Session, user, roles, permissions, counts, filters, rows: the same for 3 rows or 30.
@pytest.mark.parametrize(
    ("page", "make_rows", "queries"), [(THEMES, _themes, 8), (SUPPRESSIONS, _suppressions, 10)]
)
def test_list_pages_run_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries, page, make_rows, queries
):
    make_rows(3)
    with django_assert_max_num_queries(queries):
        assert admin_client.get(page).status_code == 200

    make_rows(27)
    with django_assert_max_num_queries(queries):
        response = admin_client.get(page)

    assert response.context["cl"].result_count >= 30
