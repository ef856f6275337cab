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
from schemathesis.generation import GenerationMode

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
    # Hundreds of requests in a few seconds: the rate limit has its own test.
    settings.NPS_API_RATE_PER_MINUTE = 0
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
        case.call_and_validate(headers=headers)

    try:
        call()
    except (Exception, FailureGroup) as error:  # reported with the operation's name
        return generated, str(error)
    return generated, ""
