"""Notifications also go to Slack when an incoming-webhook URL is configured."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

from core.models import LoopSettings
from playbooks.models import CaseStep, StepKind
from playbooks.services.engine import process_response
from playbooks.services.notifications import DeliveryFailed, deliver_step
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db


class FakeSlack:
    """A local HTTP server that answers like Slack's incoming webhooks and keeps what it got."""

    def __init__(self, status: int = 200) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T0/B0/x"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack():
    fake = FakeSlack()
    yield fake
    fake.close()


def notify_step(csm, score=2, comment="The invoices are wrong again") -> CaseStep:
    account = AccountFactory(csm=csm, name="Globex")
    response = ResponseFactory(
        contact=ContactFactory(account=account), score=score, comment=comment
    )
    case_id = process_response(response_id=response.pk).case_id
    return CaseStep.objects.get(case_id=case_id, kind=StepKind.NOTIFY)


def configure_slack(url: str) -> None:
    settings_row = LoopSettings.current()
    settings_row.slack_webhook_url = url
    settings_row.save()


def test_a_new_case_is_posted_to_slack_with_the_score_and_comment(default_playbooks, csm, slack):
    configure_slack(slack.url)

    deliver_step(step_id=notify_step(csm).pk)

    assert len(slack.received) == 1
    text = slack.received[0]["text"]
    assert "Globex" in text and "scored 2" in text and "The invoices are wrong again" in text


def test_nothing_goes_to_slack_without_a_webhook_url(default_playbooks, csm, slack):
    deliver_step(step_id=notify_step(csm).pk)

    assert slack.received == []


def test_slack_down_fails_the_delivery_and_the_retry_posts_without_emailing_twice(
    default_playbooks, csm, slack
):
    failing = FakeSlack(status=503)
    configure_slack(failing.url)
    step = notify_step(csm)
    try:
        with pytest.raises(DeliveryFailed):
            deliver_step(step_id=step.pk)
    finally:
        failing.close()
    assert len(mail.outbox) == 1

    configure_slack(slack.url)  # Slack is back
    assert deliver_step(step_id=step.pk) is True

    assert len(slack.received) == 1
    assert len(mail.outbox) == 1
