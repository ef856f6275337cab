"""Recurring issues escalate: a root cause or a theme that reaches the alert threshold of
the settings (detractor answers or ARR affected within a number of days) is told to the
managers once, in the app, by email, on Slack and to the webhooks."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from core import background
from core.models import ExchangeRate, LoopSettings
from notifications.models import Notification, NotificationKind
from notifications.tasks import email_notifications
from playbooks.issue_thresholds import AlertThreshold
from playbooks.models import IssueAlert
from playbooks.services.issue_alerts import post_issue_alert, raise_issue_alerts
from surveys.models import Theme
from tests.core.loop_settings_form import settings_form
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, closed_case
from tests.playbooks.test_slack import FakeSlack
from tests.webhooks.conftest import allow_private, receiver, subscribe  # noqa: F401
from webhooks.events import SAMPLES, shape
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def threshold(*, answers: int = 0, arr: int = 0, days: int = 30) -> None:
    row = LoopSettings.current()
    row.issue_alert_answers, row.issue_alert_arr, row.issue_alert_days = answers, arr, days
    row.save()


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, dict]]:
    """The tasks sent to the broker, recorded instead of sent."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(background, "enqueue", lambda name, **kwargs: sent.append((name, kwargs)))
    return sent


@pytest.fixture
def two_detractors(csm, root_cause):
    """Support › Response time closed twice today at Acme (ARR 100 000 EUR), scored 2 and 4."""
    acme = AccountFactory(name="Acme", arr=Decimal("100000"))
    return [
        closed_case(root_cause=root_cause, actor=csm, account=acme, score=score) for score in (2, 4)
    ]


def alerted_names() -> set[str]:
    return {
        alert.root_cause.name if alert.root_cause else alert.theme.name
        for alert in IssueAlert.objects.select_related("root_cause", "theme")
    }


# --- the threshold, in plain Python ---------------------------------------------------------


def test_the_threshold_is_reached_by_answers_or_by_arr():
    rule = AlertThreshold(detractor_answers=10, arr=250_000, days=30)

    assert rule.reached(detractor_answers=10, arr=Decimal(0))
    assert rule.reached(detractor_answers=0, arr=Decimal(250_000))
    assert not rule.reached(detractor_answers=9, arr=Decimal("249999.99"))


def test_a_part_at_zero_is_off_and_zero_days_turn_every_alert_off():
    assert not AlertThreshold(detractor_answers=0, arr=5, days=30).reached(
        detractor_answers=100, arr=Decimal(0)
    )
    assert not AlertThreshold(detractor_answers=1, arr=1, days=0).reached(
        detractor_answers=100, arr=Decimal(10**9)
    )


def test_the_window_counts_today_and_the_days_before():
    rule = AlertThreshold(detractor_answers=1, arr=0, days=30)

    assert rule.window(dt.date(2026, 12, 31)) == (dt.date(2026, 12, 2), dt.date(2026, 12, 31))


# --- raising alerts -------------------------------------------------------------------------


def test_the_defaults_are_10_answers_250000_arr_and_30_days():
    row = LoopSettings.current()

    assert (row.issue_alert_answers, row.issue_alert_arr, row.issue_alert_days) == (10, 250000, 30)


def test_a_cause_with_enough_detractor_answers_is_alerted_with_its_accounts(two_detractors):
    threshold(answers=2)

    raise_issue_alerts()

    alert = IssueAlert.objects.get(root_cause__name="Response time")
    assert (alert.detractor_answers, alert.cases, alert.arr) == (2, 2, Decimal("100000"))
    assert alert.accounts == [
        {"id": two_detractors[0].account_id, "name": "Acme", "arr": "100000.00", "currency": "EUR"}
    ]
    assert (alert.window_start, alert.window_end) == (TODAY - dt.timedelta(days=29), TODAY)
    assert alerted_names() == {"Support", "Response time"}  # the cause adds up its sub-causes


def test_fewer_detractor_answers_than_the_threshold_raise_nothing(two_detractors):
    threshold(answers=3)

    assert raise_issue_alerts() == []


def test_a_cause_reaching_the_arr_threshold_is_alerted(csm, root_cause):
    big = AccountFactory(name="Initech", arr=Decimal("300000"), currency="USD")
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.9"))
    closed_case(root_cause=root_cause, actor=csm, account=big, score=8)
    threshold(arr=250_000)

    raise_issue_alerts()

    alert = IssueAlert.objects.get(root_cause=root_cause)
    assert alert.arr == Decimal("270000.00")  # in the reporting currency, EUR
    assert (alert.accounts[0]["arr"], alert.accounts[0]["currency"]) == ("300000.00", "USD")


def test_a_theme_is_alerted_on_its_answers(csm):
    theme = Theme.objects.create(name="Invoicing", name_fr="Factures", keywords_en="invoice")
    for score in (1, 5):
        ResponseFactory(contact=ContactFactory(), score=score).themes.add(theme)
    threshold(answers=2)

    raise_issue_alerts()

    assert alerted_names() == {"Invoicing"}


def test_cases_closed_before_the_window_do_not_count(csm, root_cause):
    for _ in range(2):
        closed_case(
            root_cause=root_cause,
            actor=csm,
            closed_at=timezone.now() - dt.timedelta(days=40),
        )
    threshold(answers=2)

    assert raise_issue_alerts() == []


def test_the_check_run_twice_alerts_once(two_detractors, manager):
    threshold(answers=2)

    first = raise_issue_alerts()
    second = raise_issue_alerts()

    assert len(first) == 2 and second == []
    assert IssueAlert.objects.count() == 2
    assert Notification.objects.filter(recipient=manager).count() == 2


def test_an_issue_is_alerted_again_once_a_whole_new_window_has_passed(two_detractors, csm):
    threshold(answers=2, days=10)
    raise_issue_alerts()
    later = TODAY + dt.timedelta(days=10)
    for case in two_detractors:
        type(case).objects.filter(pk=case.pk).update(
            closed_at=timezone.now() + dt.timedelta(days=10)
        )

    assert raise_issue_alerts(today=later - dt.timedelta(days=1)) == []
    again = raise_issue_alerts(today=later)

    assert len(again) == 2
    assert IssueAlert.objects.filter(current=True).count() == 2
    assert IssueAlert.objects.count() == 4


def test_nothing_is_alerted_when_the_window_is_zero(two_detractors):
    threshold(answers=1, arr=1, days=0)

    assert raise_issue_alerts() == []


def test_nothing_is_alerted_when_both_figures_are_zero(two_detractors):
    threshold(answers=0, arr=0)

    assert raise_issue_alerts() == []


# --- telling the managers -------------------------------------------------------------------


def test_the_managers_are_told_in_the_app_with_the_accounts(two_detractors, manager, csm):
    threshold(answers=2)

    raise_issue_alerts()

    told = Notification.objects.filter(recipient=manager)
    assert {note.kind for note in told} == {NotificationKind.ISSUE_THRESHOLD}
    assert any(
        "“Support › Response time” reached the alert threshold: 2 detractor answers" in note.text
        and "100000 EUR of ARR affected" in note.text  # in the reporting currency
        and "Accounts: Acme (100000 EUR)." in note.text
        for note in told
    )
    assert all(note.target_url.startswith(reverse("recurring-issues")) for note in told)
    assert not Notification.objects.filter(recipient=csm).exists()


def test_the_managers_read_it_and_get_it_by_email_in_their_language(
    two_detractors, manager, queued, django_capture_on_commit_callbacks
):
    manager.language = "fr"
    manager.save(update_fields=["language"])
    threshold(answers=2)

    with django_capture_on_commit_callbacks(execute=True):
        raise_issue_alerts()
    ids = [
        notification_id
        for name, kwargs in queued
        if name == "notifications.email_notifications"
        for notification_id in kwargs["notification_ids"]
    ]
    sent = email_notifications(notification_ids=ids)

    with translation.override("fr"):
        texts = [note.text for note in Notification.objects.filter(recipient=manager)]
    assert any("« Support › Délai de réponse » a atteint le seuil" in text for text in texts)
    assert any("Comptes : Acme (100000 EUR)." in text for text in texts)
    assert sent == 2
    assert all("seuil d’alerte" in message.body for message in mail.outbox)
    assert {"playbooks.post_issue_alert"} <= {name for name, _ in queued}


def test_the_alert_is_posted_to_slack_once(two_detractors):
    slack = FakeSlack()
    try:
        row = LoopSettings.current()
        row.slack_webhook_url = slack.url
        row.save()
        threshold(answers=2)
        alert_id = raise_issue_alerts()[0]

        assert post_issue_alert(alert_id=alert_id) is True
        assert post_issue_alert(alert_id=alert_id) is False
    finally:
        slack.close()

    assert len(slack.received) == 1
    assert "reached the alert threshold" in slack.received[0]["text"]
    assert "Acme (100000 EUR)" in slack.received[0]["text"]


def test_subscribed_webhooks_get_issue_threshold_reached_shaped_as_its_sample(
    subscribe,  # noqa: F811
    two_detractors,
):
    subscribe("issue.threshold_reached")
    threshold(answers=2)

    raise_issue_alerts()

    bodies = [json.loads(event.body) for event in WebhookEvent.objects.order_by("pk")]
    assert [body["type"] for body in bodies] == ["issue.threshold_reached"] * 2
    data = next(body["data"] for body in bodies if body["data"]["issue"]["name"].endswith("time"))
    assert shape(data) == shape({**SAMPLES["issue.threshold_reached"], "sequence": 1})
    assert data["issue"]["name"] == "Support › Response time"
    assert data["figures"]["detractor_answers"] == 2
    assert data["accounts"][0]["name"] == "Acme"
    assert data["window"]["days"] == 30


# --- the page and the settings --------------------------------------------------------------


def test_the_recurring_issues_page_marks_the_rows_alerted(client, manager, two_detractors):
    threshold(answers=2)
    raise_issue_alerts()
    client.force_login(manager)

    page = client.get(reverse("recurring-issues")).content.decode()

    assert page.count("issue-alerted") == 2
    assert "Threshold reached on" in page


def test_an_admin_sets_the_threshold_on_the_settings_page(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("configure-general"),
        settings_form(issue_alert_answers="5", issue_alert_arr="0", issue_alert_days="14"),
    )

    assert response.status_code == 302
    row = LoopSettings.objects.get()
    assert (row.issue_alert_answers, row.issue_alert_arr, row.issue_alert_days) == (5, 0, 14)


def test_a_window_longer_than_a_year_is_refused_with_what_to_give(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("configure-general"), settings_form(issue_alert_days="400"))

    assert response.status_code == 422
    assert "Give a whole number of days from 0 to 365" in response.content.decode()
