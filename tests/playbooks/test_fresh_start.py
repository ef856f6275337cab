"""A fresh start is instantly live: once `make run` prints its URL, a detractor posted to
the API is a case within 20 s, and Ctrl-C stops everything within 10 s. The real
`scripts/run-dev` (web server, worker and beat) on the test database and broker."""

import json
import os
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Persona
from playbooks.models import Case
from surveys.services.integrations import create_integration
from tests.celery_worker import database_url, purge_queue, wait_for
from tests.factories import AccountFactory, ContactFactory
from tests.run_dev import free_port, start_run_dev, stop_everything, wait_until_all_stopped

pytestmark = pytest.mark.django_db(transaction=True)


def post_answer(base_url: str, key: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base_url}/api/v1/responses",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=20) as reply:
        return json.loads(reply.read())


def test_a_detractor_posted_once_the_url_prints_is_a_case_within_20_seconds(
    tmp_path, default_playbooks, csm, no_shared_worker
):
    account = AccountFactory(csm=csm, name="Acme Logistics", arr=Decimal("150000"))
    ContactFactory(account=account, email="dana@acme.example", persona=Persona.CHAMPION)
    key = create_integration(name="crm").key
    purge_queue()
    port = free_port()
    env = {
        **os.environ,
        "BIN": str(Path(sys.executable).parent),
        "PORT": str(port),
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "NPS_DATA_DIR": str(tmp_path / "data"),
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",
        "NPS_BASE_URL": "",
    }
    run = start_run_dev(env=env, url_timeout=120)
    try:
        posted = time.monotonic()
        answer = post_answer(
            f"http://127.0.0.1:{port}",
            key,
            {"external_id": "fresh-1", "email": "dana@acme.example", "score": 1},
        )
        case = wait_for(
            lambda: Case.objects.filter(response_id=answer["id"]).first(),
            timeout=30,
            what=f"the case\n{run.output()}",
        )
        assert case.account == account
        assert time.monotonic() - posted < 20

        run.interrupt()
        seconds = wait_until_all_stopped(run, timeout=15)

        assert run.descendants() == set()
        assert seconds < 10, run.output()
    finally:
        stop_everything(run)
        purge_queue()
