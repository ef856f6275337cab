"""The API answers as its OpenAPI schema says: schemathesis against /api/v1/schema/.

One test drives every operation of the live schema in-process (WSGI) with an API key,
with valid and invalid requests, and runs all of schemathesis' checks on each answer:
no server error, status codes, content types, bodies and headers as documented,
invalid input refused and valid input accepted, authentication not ignored. The run is
derandomized: the same requests every time.

The survey-tool webhooks take the tools' own signed payloads, which the schema leaves
free-form: with the API key (not a key of theirs) they are exercised up to their 401;
tests/surveys/test_hook_*.py cover what they do with real deliveries.
"""

from decimal import Decimal

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from nps_loop.wsgi import application
from playbooks.defaults import install_default_playbooks
from playbooks.models import ActionAudience, Case
from playbooks.services.cases import add_action_item, raise_escalation
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

# Per operation and per mode (valid, then invalid requests): 22 operations make 660
# requests, derandomized, above the 500 asked for; each new operation adds 30 more.
EXAMPLES = 15


def a_case_with_everything(manager) -> Case:
    """A detractor's case with steps, an escalation, an action item and a suppression."""
    account = AccountFactory(arr=Decimal("120000"))
    answer = ResponseFactory(contact=ContactFactory(account=account), score=2, comment="Slow.")
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    raise_escalation(case=case, actor=manager, reason="The CFO called.")
    add_action_item(
        case=case, actor=manager, audience=ActionAudience.CUSTOMER, text="Weekly support review"
    )
    return case


@pytest.fixture
def connection_kept_across_requests():
    """Requests go through the real WSGI handler, which closes the database connection at
    the end of each: keep it, as Django's test client does, for the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("connection_kept_across_requests")
def test_every_operation_answers_as_the_schema_says(api_key, manager, settings):
    # Hundreds of requests in a few seconds: the rate limit has its own test. So has the
    # limit on wrong keys, which the checks of authentication would otherwise reach within
    # the first operation: every request after them would be refused with 429, unchecked.
    settings.NPS_API_RATE_PER_MINUTE = 0
    settings.NPS_API_WRONG_KEY_LIMIT = 1_000_000
    install_default_playbooks()
    case = a_case_with_everything(manager)
    auth = {"Authorization": f"Bearer {api_key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, headers=auth)

    generated = 0
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            count, failure = run(operation, mode, headers=auth, existing_case_id=case.pk)
            generated += count
            if failure:
                failures.append(f"{operation.label} ({mode.value}): {failure}")

    assert not failures, "\n\n".join(failures)
    assert generated >= 500


# A schema says what a request looks like, not which records exist: a valid account or
# contact may name a CSM's email or an account's CRM id that NPS Loop does not know, or an
# email that is another contact's. It is refused with 400 on that field alone, as the bulk
# upserts refuse such an item: these are the messages that say so.
STORED_RECORDS = {
    "csm_email": "no user has the email ",
    "account_external_id": "no account has the CRM id ",
    "external_id": " is the contact with CRM id ",
    "email": " belongs to another contact than CRM id ",
}


@schemathesis.check
def valid_data_accepted_unless_it_clashes_with_stored_records(ctx, response, case):
    """schemathesis' check that valid data is accepted, but for a 400 whose every message
    says that a field clashes with the records stored."""
    if response.status_code == 400 and case.meta and case.meta.generation.mode.is_positive:
        fields = response.json()["error"].get("fields")
        if isinstance(fields, dict) and all(
            name in STORED_RECORDS and all(STORED_RECORDS[name] in message for message in messages)
            for name, messages in fields.items()
        ):
            return None
    return positive_data_acceptance(ctx, response, case)


@schemathesis.check
def invalid_data_refused_but_an_empty_filter(ctx, response, case):
    """schemathesis' check that invalid data is refused, but for a list's filter made
    invalid only by sending it empty (`?response=`): the API documents an empty query
    parameter as the same as none, and a nullable one's schema says so."""
    data = case.meta.phase.data if case.meta else None
    mutations = getattr(data, "mutations", None) or []
    if (
        response.status_code < 300
        and mutations
        and not case.meta.is_negative_at(ParameterLocation.BODY)
        and all(
            mutation.parameter_location == ParameterLocation.QUERY
            and (case.query or {}).get(mutation.parameter) in ({}, [], "", None)
            for mutation in mutations
        )
    ):
        return None
    return negative_data_rejection(ctx, response, case)


def run(operation, mode, *, headers: dict, existing_case_id: int) -> tuple[int, str]:
    """Send EXAMPLES requests of `mode` to `operation`: how many, and what failed."""
    generated = 0

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(operation.as_strategy(generation_mode=mode, headers=headers))
    def call(case):
        nonlocal generated
        generated += 1
        # One valid request in three for a case asks for one that exists.
        path = case.path_parameters or {}
        if mode == GenerationMode.POSITIVE and "case_id" in path and generated % 3 == 0:
            path["case_id"] = existing_case_id
        case.call_and_validate(
            headers=headers,
            excluded_checks=[positive_data_acceptance, negative_data_rejection],
            additional_checks=[
                valid_data_accepted_unless_it_clashes_with_stored_records,
                invalid_data_refused_but_an_empty_filter,
            ],
        )

    try:
        call()
    except (Exception, FailureGroup) as error:  # reported with the operation's name
        return generated, str(error)
    return generated, ""
