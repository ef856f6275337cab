"""Team notes with @mentions on cases and accounts."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.roles import Role, set_role
from playbooks.models import CaseEvent, Note, StepKind, StepStatus
from playbooks.services.erasure import erase_contact
from playbooks.services.notes import add_note, mentioned_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    user = UserFactory(username="alice", display_name="Alice Martin")
    set_role(user, Role.CSM)
    return user


@pytest.fixture
def ops(db):
    user = UserFactory(username="ops.lead", display_name="Olivia Ops")
    set_role(user, Role.MANAGER)
    return user


def test_mentions_are_usernames_after_an_at_sign_not_email_addresses(alice, ops):
    body = "Ask @Alice and @ops.lead. The customer wrote from bob@acme.com (not @alice's job)."

    assert mentioned_in(body) == [alice, ops]


def test_a_mention_of_nobody_is_refused_with_how_to_fix_it(alice):
    with pytest.raises(ValidationError) as refused:
        mentioned_in("Loop in @alicia please")

    assert "@alicia" in refused.value.message_dict["body"][0]
    assert "@alice" in refused.value.message_dict["body"][0]


def test_a_note_on_a_case_is_on_its_timeline_and_its_accounts_page(client, case, alice):
    client.force_login(case.owner)

    page = client.post(
        reverse("case-action", args=[case.pk, "add-note"]),
        {"add-note-body": "Their CFO signs the renewal; @alice knows him."},
        follow=True,
    )

    note = Note.objects.get()
    assert (note.case, note.account, note.author) == (case, case.account, case.owner)
    assert list(note.mentions.all()) == [alice]
    html = page.content.decode()
    assert f'id="note-{note.pk}"' in html
    assert "Their CFO signs the renewal" in html
    event = CaseEvent.objects.get(case=case, kind="note")
    assert event.message == "Note: Their CFO signs the renewal; @alice knows him."
    account_page = client.get(reverse("account-detail", args=[case.account_id]))
    assert "Their CFO signs the renewal" in account_page.content.decode()


def test_a_refused_note_keeps_what_was_typed_and_says_why(client, case):
    client.force_login(case.owner)

    page = client.post(
        reverse("case-action", args=[case.pk, "add-note"]),
        {"add-note-body": "Tell @nobody-here about it"},
    )

    assert page.status_code == 422
    html = page.content.decode()
    assert "Tell @nobody-here about it" in html
    assert "@nobody-here" in html and "check the spelling" in html
    assert not Note.objects.exists()


def test_a_mentioned_colleague_may_open_the_case_and_nobody_else_gains_it(
    client, case, alice, other_csm
):
    client.force_login(alice)
    before = client.get(reverse("case-detail", args=[case.pk]))

    add_note(author=case.owner, body="@alice can you join the call?", case=case)

    assert before.status_code == 404
    assert client.get(reverse("case-detail", args=[case.pk])).status_code == 200
    client.force_login(other_csm)
    assert client.get(reverse("case-detail", args=[case.pk])).status_code == 404


def test_a_note_on_an_account_lets_the_mentioned_open_the_account(client, case, alice):
    client.force_login(case.owner)

    client.post(
        reverse("account-note", args=[case.account_id]),
        {"note-body": "@alice covers this account during my leave."},
    )

    note = Note.objects.get()
    assert (note.case, note.account) == (None, case.account)
    client.force_login(alice)
    page = client.get(reverse("account-detail", args=[case.account_id]))
    assert page.status_code == 200
    assert "covers this account during my leave" in page.content.decode()


def test_the_account_page_hides_notes_of_cases_its_reader_may_not_open(client, case, alice):
    add_note(author=case.owner, body="Internal detail of the case", case=case)
    add_note(author=case.owner, body="@alice for the account", account=case.account)
    client.force_login(alice)

    html = client.get(reverse("account-detail", args=[case.account_id])).content.decode()

    assert "for the account" in html
    assert "Internal detail of the case" not in html


def test_an_empty_note_is_refused(client, case):
    client.force_login(case.owner)

    page = client.post(reverse("account-note", args=[case.account_id]), {"note-body": "   "})

    assert page.status_code == 422
    assert not Note.objects.exists()


def test_erasing_the_contact_blanks_the_notes_of_their_cases(case):
    add_note(author=case.owner, body="Jane said the invoices are wrong again", case=case)

    erase_contact(email=case.contact.email, actor=case.owner)

    assert "invoices" not in Note.objects.get().body


def test_a_notes_anchor_is_the_only_element_of_the_case_page_with_its_id(client, case):
    """A link to a note lands on the note, never on a step's field that shares its number."""
    client.force_login(case.owner)
    step = case.steps.filter(status=StepStatus.TODO, kind=StepKind.SHARE_WITH_CHAMPION).get()
    note = add_note(case=case, author=case.owner, body="A line for the record.")
    # The note and the step share a number, as they do sooner or later in a real database.
    Note.objects.filter(pk=note.pk).update(id=step.pk)
    CaseEvent.objects.filter(case=case, kind="note").update(details={"note": step.pk})

    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()

    assert f'name="step" value="{step.pk}"' in html  # the step's form, with its note field
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert f"note-{step.pk}" in ids
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
