"""Every list, empty, says what it will hold and what to do next, in the reader's language."""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from playbooks.models import Playbook, RootCause
from surveys.models import Theme
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

# (who reads it, the list's address, what its empty state says), as written in English.
EMPTY_LISTS = [
    (
        "csm",
        "home",
        [
            "No open case is yours right now. Each new answer from your accounts opens one"
            " within a minute.",
            "No task waits for you: action items and steps given to you show here, the late"
            " ones first.",
            "No account names you as its CSM yet. Ask your admin to assign your accounts:"
            " their answers, cases and renewals then show here.",
        ],
    ),
    ("csm", "case-queue", ["Nothing to follow up right now"]),
    ("csm", "my-tasks", ["Nothing on your plate"]),
    ("csm", "answer-list", ["No answer yet", "Read the API docs"]),
    ("manager", "escalation-list", ["No escalation waits for a manager"]),
    ("manager", "campaign-list", ["No campaign yet"]),
    ("manager", "recurring-issues", ["Nothing recurred in this period"]),
    (
        "manager",
        "dashboard",
        [
            "No answer in this slice: widen the dates, or set a list above back to all.",
            "No theme was tagged on detractors' or passives' comments in this slice.",
            "No answer of this slice came from a campaign.",
        ],
    ),
    ("admin_user", "playbook-list", ["No playbook yet"]),
    ("admin_user", "configure-themes", ["No theme yet"]),
    ("admin_user", "configure-root-causes", ["No root cause yet"]),
    ("admin_user", "configure-api-keys", ["No key yet"]),
    ("admin_user", "configure-webhooks", ["No endpoint yet"]),
    ("admin_user", "configure-imports", ["No import yet"]),
    ("admin_user", "configure-lockouts", ["Nobody is locked out"]),
    ("admin_user", "notification-list", ["Choose what you are told by email"]),
]


@pytest.fixture
def nothing_configured() -> None:
    """No playbook, theme or root cause: as the shipped ones are deleted."""
    Playbook.objects.all().delete()
    Theme.objects.all().delete()
    RootCause.objects.filter(parent__isnull=False).delete()
    RootCause.objects.all().delete()


def assert_says(response, sentences: list[str], language: str) -> None:
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    with translation.override(language):
        for sentence in sentences:
            said = translation.gettext(sentence)
            if language == "fr":
                assert said != sentence, f"'{sentence}' has no French translation"
            assert said in page, f"'{said}' missing from {response.request['PATH_INFO']}"


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("reader", "list_name", "sentences"), EMPTY_LISTS)
def test_an_empty_list_says_what_it_holds_and_what_to_do(
    client, request, nothing_configured, reader, list_name, sentences, language
):
    person = request.getfixturevalue(reader)
    person.language = language
    person.save(update_fields=["language"])
    client.force_login(person)

    assert_says(client.get(reverse(list_name)), sentences, language)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_search_finding_nobody_offers_to_clear_it(client, admin_user, language):
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)

    response = client.get(reverse("configure-users"), {"q": "nobody-by-this-name"})

    assert_says(response, ["Nobody matches these filters", "Clear the filters"], language)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_new_accounts_lists_say_where_their_rows_come_from(client, manager, language):
    manager.language = language
    manager.save(update_fields=["language"])
    client.force_login(manager)
    account = AccountFactory()

    assert_says(
        client.get(reverse("account-detail", args=[account.pk])),
        [
            "No contact yet: import them from the CRM.",
            "No answer yet: what this account's contacts answer to a survey shows here.",
            "No case yet: an answer from a detractor or a passive opens one, and a CSM may"
            " open one by hand.",
            "No interaction recorded: meetings, calls and emails come in with the"
            " interactions CSV import.",
        ],
        language,
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_new_contacts_lists_say_what_they_will_hold(client, manager, language):
    manager.language = language
    manager.save(update_fields=["language"])
    client.force_login(manager)
    contact = ContactFactory()

    assert_says(
        client.get(reverse("contact-detail", args=[contact.pk])),
        [
            "No answer yet: this contact's survey answers show here as they come in.",
            "No case yet: an answer from a detractor or a passive opens one, and a CSM may"
            " open one by hand.",
        ],
        language,
    )
