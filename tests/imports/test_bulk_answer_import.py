"""The answers import's set-based pipeline: batches, rollbacks, engine work, history."""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Contact
from core import background
from imports.services import answers
from imports.services.answers import import_responses
from playbooks.models import Playbook
from surveys.models import Response
from tests.factories import (
    AccountDomainFactory,
    AccountFactory,
    ContactFactory,
    PlaybookFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db


def csv_file(content: str) -> io.BytesIO:
    return io.BytesIO(content.encode())


FIVE_ROWS = (
    "external_id,email,score\n"
    "S-1,a@acme.com,9\nS-2,b@acme.com,3\nS-3,c@acme.com,7\nS-4,d@acme.com,0\nS-5,e@acme.com,10\n"
)


@pytest.fixture
def second_batch_crashes(monkeypatch):
    """The second batch fails after its writes, as a lost connection or a killed worker would."""
    monkeypatch.setattr(answers, "RESPONSE_CHUNK_SIZE", 2)
    write_batch = answers._Staging.write_batch

    def crashing(self, batch, *args):
        write_batch(self, batch, *args)
        if batch == 1:
            raise RuntimeError("the worker died")

    monkeypatch.setattr(answers._Staging, "write_batch", crashing)
    return lambda: monkeypatch.setattr(answers._Staging, "write_batch", write_batch)


def test_a_batch_that_fails_leaves_none_of_its_rows(second_batch_crashes):
    with pytest.raises(RuntimeError):
        import_responses(file=csv_file(FIVE_ROWS))

    # The first batch committed whole; nothing of the second stays, not even its contacts.
    assert sorted(Response.objects.values_list("external_id", flat=True)) == ["S-1", "S-2"]
    assert sorted(Contact.objects.values_list("email", flat=True)) == ["a@acme.com", "b@acme.com"]


def test_importing_the_file_again_completes_an_import_that_failed(second_batch_crashes):
    with pytest.raises(RuntimeError):
        import_responses(file=csv_file(FIVE_ROWS))
    second_batch_crashes()  # the worker is back

    again = import_responses(file=csv_file(FIVE_ROWS))

    assert (again.created, again.unchanged, again.written) == (3, 2, True)
    assert Response.objects.count() == 5
    assert Contact.objects.count() == 5


def test_a_bad_row_in_the_last_batch_writes_nothing_from_the_first(monkeypatch):
    monkeypatch.setattr(answers, "RESPONSE_CHUNK_SIZE", 2)

    result = import_responses(file=csv_file(FIVE_ROWS.replace("e@acme.com,10", "e@acme.com,11")))

    assert (result.written, result.invalid_rows) == (False, 1)
    assert [str(error) for error in result.errors] == [
        "line 6: score: The score must be a whole number from 0 to 10. Got '11'."
    ]
    assert not Response.objects.exists()
    assert not Contact.objects.exists()


def test_the_engine_is_told_of_each_new_answer_once_its_batch_commits(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(answers, "RESPONSE_CHUNK_SIZE", 2)
    queued = []
    monkeypatch.setattr(
        background, "enqueue_many", lambda name, kwargs_list: queued.extend(kwargs_list)
    )

    with django_capture_on_commit_callbacks(execute=True):
        import_responses(file=csv_file(FIVE_ROWS))
    with django_capture_on_commit_callbacks(execute=True):
        import_responses(file=csv_file(FIVE_ROWS))  # a repeat: nothing new to process

    # In batches of NPS_ENGINE_BATCH_SIZE, for the worker's bulk queue.
    assert all(len(kwargs["response_ids"]) <= settings.NPS_ENGINE_BATCH_SIZE for kwargs in queued)
    assert sorted(pk for kwargs in queued for pk in kwargs["response_ids"]) == sorted(
        Response.objects.values_list("pk", flat=True)
    )


def test_history_goes_to_the_engine_in_larger_batches_than_answers_that_open_cases(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.NPS_ENGINE_BATCH_SIZE = 2
    queued = []
    monkeypatch.setattr(
        background, "enqueue_many", lambda name, kwargs_list: queued.extend(kwargs_list)
    )
    recent = timezone.now() - dt.timedelta(days=2)
    old = timezone.now() - dt.timedelta(days=400)
    rows = [f"R-{n},r{n}@acme.com,3,{recent.isoformat()}" for n in range(3)]
    rows += [f"H-{n},h{n}@acme.com,3,{old.isoformat()}" for n in range(6)]

    with django_capture_on_commit_callbacks(execute=True):
        import_responses(file=csv_file("external_id,email,score,answered_at\n" + "\n".join(rows)))

    ids = dict(Response.objects.values_list("external_id", "pk"))
    batches = [sorted(kwargs["response_ids"]) for kwargs in queued]
    assert sorted(batches) == sorted(
        [
            sorted([ids["R-0"], ids["R-1"]]),
            [ids["R-2"]],
            sorted(ids[f"H-{n}"] for n in range(6)),  # history only gets its themes tagged
        ]
    )


def test_the_check_says_how_many_answers_are_history_and_how_many_will_open_cases():
    Playbook.objects.update(active=False)  # the playbooks a new installation starts with
    PlaybookFactory(for_detractors=True, active=True)
    PlaybookFactory(for_promoters=True, for_detractors=False, active=False)
    ResponseFactory(source="csv", external_id="S-0", score=2)
    long_ago = (timezone.now() - dt.timedelta(days=200)).date().isoformat()
    recently = (timezone.now() - dt.timedelta(days=2)).date().isoformat()

    result = import_responses(
        file=csv_file(
            "external_id,email,score,answered_at\n"
            f"S-0,old@acme.com,2,{recently}\n"  # stored already: neither
            f"S-1,a@acme.com,2,{long_ago}\n"  # history
            f"S-2,b@acme.com,9,{long_ago}\n"  # history
            f"S-3,c@acme.com,3,{recently}\n"  # a detractor: opens a case
            f"S-4,d@acme.com,10,{recently}\n"  # a promoter: no active playbook
        ),
        dry_run=True,
    )

    assert (result.created, result.history, result.opening_cases) == (4, 2, 1)


def test_the_case_window_comes_from_the_settings(settings):
    settings.NPS_CASE_WINDOW_DAYS = 365
    PlaybookFactory(for_detractors=True)
    long_ago = (timezone.now() - dt.timedelta(days=200)).date().isoformat()

    result = import_responses(
        file=csv_file(f"external_id,email,score,answered_at\nS-1,a@acme.com,2,{long_ago}\n"),
        dry_run=True,
    )

    assert (result.history, result.opening_cases) == (0, 1)


def test_an_unmatched_contact_joins_the_account_its_new_answer_names():
    account = AccountFactory(external_id="ACC-7")
    contact = ContactFactory(email="jane@gmail.com", account=None)
    earlier = ResponseFactory(contact=contact, account=None, external_id="old")

    import_responses(
        file=csv_file("external_id,email,score,account_external_id\nS-1,Jane@gmail.com,4,ACC-7\n")
    )

    contact.refresh_from_db()
    earlier.refresh_from_db()
    assert (contact.account, earlier.account) == (account, account)
    assert Response.objects.get(external_id="S-1").account == account


def test_a_new_contact_takes_the_first_name_and_language_its_rows_give():
    AccountDomainFactory(account=AccountFactory(), domain="acme.com")

    import_responses(
        file=csv_file(
            "external_id,email,score,contact_name,language\n"
            "S-1,jane@acme.com,4,,\nS-2,JANE@acme.com,8,Jane Doe,fr\nS-3,jane@acme.com,9,J. D.,en\n"
        )
    )

    jane = Contact.objects.get()
    assert (jane.name, jane.language, jane.account.domains.get().domain) == (
        "Jane Doe",
        "fr",
        "acme.com",
    )
    assert Response.objects.get(external_id="S-1").language == "fr"  # the contact's


def test_an_existing_contact_keeps_its_name_and_gains_a_missing_language():
    ContactFactory(email="jane@acme.com", name="Jane CRM", language="")

    import_responses(
        file=csv_file("external_id,email,score,contact_name,language\nS-1,jane@acme.com,4,J,de\n")
    )

    jane = Contact.objects.get()
    assert (jane.name, jane.language) == ("Jane CRM", "de")
