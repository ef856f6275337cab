"""The engine keeps up with bursts: processing an answer takes a bounded number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Persona
from playbooks.models import Case, EscalationRule
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, InteractionFactory, ResponseFactory

# A real transaction around each answer, as in the worker: no test savepoints counted.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_detractor_with_its_360_escalations_and_suppression_takes_at_most_8_queries(
    default_playbooks, default_themes, csm
):
    account = AccountFactory(
        csm=csm,
        arr=Decimal("80000"),
        renewal_date=timezone.localdate() + dt.timedelta(days=30),
    )
    InteractionFactory(account=account)
    earlier = ResponseFactory(contact=ContactFactory(account=account), score=2, comment="Billing")
    process_response(response_id=earlier.pk)  # the worker has read its settings and playbooks
    ResponseFactory(contact=ContactFactory(account=account), score=1)
    answer = ResponseFactory(
        contact=ContactFactory(account=account, persona=Persona.CHAMPION),
        score=3,
        comment="Support is slow and the invoice is wrong",
    )

    with CaptureQueriesContext(connection) as captured:
        outcome = process_response(response_id=answer.pk)

    # One transaction (its BEGIN and COMMIT are not queries), at most 8 statements in it.
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements[0] == "BEGIN" and statements[-1] == "COMMIT"
    assert len(statements[1:-1]) <= 8, "\n".join(statements)

    case = Case.objects.get(pk=outcome.case_id)
    assert case.steps.count() == default_playbooks["detractor"].steps.count()
    assert case.suppression is not None
    assert set(case.escalations.values_list("rule", flat=True)) >= {
        EscalationRule.ARR_AT_STAKE,
        EscalationRule.KEY_CONTACT,
        EscalationRule.REPEATED_DETRACTORS,
    }
    snapshot = case.steps.get(kind="lookup_360").result
    assert len(snapshot["other_answers"]) == 2
    assert len(snapshot["interactions"]) == 1
    assert [other["id"] for other in snapshot["other_open_cases"]] == [outcome.case_id - 1]
    assert answer.themes.exists()
