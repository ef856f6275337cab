"""The Configuration pages of outbound webhooks: admins only; add, test, replay, switch,
remove, each followed by a message."""

import html
import json

import pytest
from django.urls import reverse

from tests.webhooks.test_delivery import open_detractor_case
from webhooks.events import SAMPLES, shape
from webhooks.models import Delivery, DeliveryStatus, WebhookEndpoint
from webhooks.services.endpoints import add_endpoint
from webhooks.services.sending import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(allow_private) -> WebhookEndpoint:
    return add_endpoint(url="https://crm.acme.example/hooks", event_types=["case.opened"])


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("role", ["csm", "manager"])
def test_csms_and_managers_are_refused_every_page(role, request, client, endpoint):
    client.force_login(request.getfixturevalue(role))

    for url in [
        reverse("configure-webhooks"),
        reverse("configure-webhook-new"),
        reverse("configure-webhook", args=[endpoint.pk]),
        reverse("configure-webhook-delete", args=[endpoint.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("configure-webhook-switch", args=[endpoint.pk])).status_code == 403
    assert WebhookEndpoint.objects.get().enabled


def test_the_list_says_when_there_is_no_endpoint_yet(as_admin):
    page = as_admin.get(reverse("configure-webhooks"))

    assert page.status_code == 200
    assert "No endpoint yet" in page.content.decode()


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(as_admin, allow_private):
    reply = as_admin.post(
        reverse("configure-webhook-new"),
        {
            "url": "https://crm.acme.example/hooks",
            "event_types": ["case.opened", "case.closed"],
        },
    )

    endpoint = WebhookEndpoint.objects.get()
    assert reply.status_code == 200
    assert endpoint.secret in reply.content.decode()
    assert "no-cache" in reply["Cache-Control"] or "no-store" in reply["Cache-Control"]
    assert endpoint.event_types == ["case.opened", "case.closed"]
    detail = as_admin.get(reverse("configure-webhook", args=[endpoint.pk]))
    assert endpoint.secret not in detail.content.decode()


def test_a_private_url_is_refused_with_the_reason_on_the_form(as_admin):
    reply = as_admin.post(
        reverse("configure-webhook-new"),
        {"url": "http://127.0.0.1:8000/x", "event_types": ["case.opened"]},
    )

    assert reply.status_code == 422
    assert "private or local address" in reply.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "Tick at least one event: the endpoint is sent only the events ticked."),
        ("fr", "Cochez au moins un événement : le point de terminaison ne reçoit que"),
    ],
)
def test_an_endpoint_without_events_is_refused_saying_to_tick_one(
    as_admin, admin_user, language, says
):
    admin_user.language = language
    admin_user.save(update_fields=["language"])

    reply = as_admin.post(reverse("configure-webhook-new"), {"url": "https://crm.acme.example/h"})

    assert reply.status_code == 422
    assert says in html.unescape(reply.content.decode())
    assert not WebhookEndpoint.objects.exists()


def test_send_test_queues_a_sample_with_the_shape_of_the_real_event(
    as_admin, endpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        reply = as_admin.post(
            reverse("configure-webhook-test", args=[endpoint.pk]),
            {"event_type": "case.opened"},
            follow=True,
        )

    assert callbacks, "the delivery is sent once the transaction commits"
    assert "A test case.opened is on its way" in reply.content.decode()
    body = json.loads(Delivery.objects.get().event.body)
    assert body["type"] == "case.opened"
    assert shape(body["data"]) == shape({**SAMPLES["case.opened"], "sequence": 1})


def test_the_detail_page_shows_the_attempts_and_replays_a_delivery(
    as_admin, subscribe, receiver, sent_later, default_playbooks, csm
):
    receiver.answers = [400]
    endpoint = subscribe("case.opened")
    open_detractor_case(csm)
    deliver(delivery_id=Delivery.objects.get().pk)

    page = as_admin.get(reverse("configure-webhook", args=[endpoint.pk])).content.decode()
    assert "<strong>400</strong>" in page

    delivery = Delivery.objects.get()
    reply = as_admin.post(
        reverse("configure-webhook-replay", args=[endpoint.pk, delivery.pk]), follow=True
    )
    assert "sent again" in reply.content.decode()
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_an_admin_disables_enables_and_removes_an_endpoint(as_admin, endpoint):
    switch = reverse("configure-webhook-switch", args=[endpoint.pk])

    reply = as_admin.post(switch, follow=True)
    assert "The endpoint is disabled" in reply.content.decode()
    assert not WebhookEndpoint.objects.get().enabled
    reply = as_admin.post(switch, follow=True)
    assert "The endpoint is enabled" in reply.content.decode()

    delete = reverse("configure-webhook-delete", args=[endpoint.pk])
    assert as_admin.get(delete).status_code == 200
    reply = as_admin.post(delete, follow=True)
    assert "is removed" in reply.content.decode()
    assert not WebhookEndpoint.objects.exists()
