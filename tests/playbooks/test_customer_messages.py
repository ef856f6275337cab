"""Writing to the customer from the case: drafts, sending, refusals, delivery, erasure."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Contact
from playbooks.forms import MessageTemplateForm
from playbooks.models import (
    ActionAudience,
    ActionStatus,
    Case,
    CaseEvent,
    CustomerMessage,
    CustomerMessageTemplate,
    MessageStatus,
)
from playbooks.placeholders import fill, unknown_placeholders
from playbooks.services.cases import CaseActionRefused, add_action_item, set_action_item_status
from playbooks.services.erasure import erase_contact
from playbooks.services.message_templates import save_message_template
from playbooks.services.messages import (
    deliver_message,
    draft_message,
    give_up_delivery,
    give_up_stale_deliveries,
    send_message,
    undelivered_message_ids,
)
from playbooks.services.notifications import DeliveryFailed
from playbooks.tasks import deliver_customer_message
from playbooks.timeline import event_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def french_case(case) -> Case:
    Contact.objects.filter(pk=case.contact_id).update(language="fr", name="Marie Curie")
    case.contact.refresh_from_db()
    return case


def _send(case, user, **fields):
    return send_message(
        case=case,
        user=user,
        purpose=fields.get("purpose", "plan_summary"),
        subject=fields.get("subject", "What we will do"),
        body=fields.get("body", "Hello,\n\nWe fix the export by Friday."),
    )


def test_every_template_ships_in_english_and_french():
    assert CustomerMessageTemplate.objects.count() == 8
    assert set(CustomerMessageTemplate.objects.values_list("language", flat=True)) == {"en", "fr"}


def test_a_french_contact_gets_a_draft_in_french_with_their_name_and_the_case(french_case):
    draft = draft_message(case=french_case, purpose="call_proposal", user=french_case.owner)

    assert draft.language == "fr"
    assert draft.subject == "Pouvons-nous parler de votre retour ?"
    assert draft.body.startswith("Bonjour Marie,")
    assert french_case.account.name in draft.body
    assert f"Référence : #{french_case.pk}" in draft.body
    assert french_case.owner.email in draft.body


def test_the_plan_summary_lists_only_the_items_for_the_customer_with_their_dates_in_french(
    french_case,
):
    owner = french_case.owner
    add_action_item(
        case=french_case,
        actor=owner,
        audience=ActionAudience.CUSTOMER,
        text="Corriger l'export des factures",
        due_date=dt.date(2027, 1, 12),
    )
    add_action_item(
        case=french_case, actor=owner, audience=ActionAudience.INTERNAL, text="Secret roadmap"
    )
    cancelled = add_action_item(
        case=french_case, actor=owner, audience=ActionAudience.CUSTOMER, text="Abandoned idea"
    )
    set_action_item_status(item=cancelled, actor=owner, status=ActionStatus.CANCELLED)

    draft = draft_message(case=french_case, purpose="plan_summary", user=owner)

    assert "- Corriger l'export des factures (d'ici le 12 janvier 2027)" in draft.body
    assert "Secret roadmap" not in draft.body
    assert "Abandoned idea" not in draft.body


def test_filling_never_fails_on_missing_values_or_stray_braces():
    text = "Hello {contact_first_name}, your code is {not_a_placeholder} and {"

    assert fill(text, {}) == "Hello, your code is {not_a_placeholder} and {"


def test_sending_queues_one_email_and_puts_its_text_on_the_timeline(
    case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        message = _send(case, case.owner)

    assert len(callbacks) == 1
    assert message.status == MessageStatus.QUEUED
    event = CaseEvent.objects.get(case=case, kind="customer_message")
    assert event.actor == case.owner
    assert "We fix the export by Friday." in event.message
    assert "What we will do" in event.message


def test_delivery_sends_from_the_app_with_reply_to_the_csm_and_a_second_run_sends_nothing(case):
    message = _send(case, case.owner)

    assert deliver_customer_message(message_id=message.pk) is True
    assert deliver_customer_message(message_id=message.pk) is False

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [case.contact.email]
    assert email.reply_to == [case.owner.email]
    assert email.subject == "What we will do"
    assert email.body == "Hello,\n\nWe fix the export by Friday."
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.sent_at is not None


def test_a_mail_server_refusing_the_address_marks_the_email_failed_on_the_timeline(
    case, monkeypatch
):
    message = _send(case, case.owner)

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({case.contact.email: (550, b"No such user")})

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)

    assert deliver_customer_message(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert CaseEvent.objects.filter(case=case, kind="customer_message_not_sent").exists()


def test_an_opted_out_contact_is_refused_with_the_reason(case):
    Contact.objects.filter(pk=case.contact_id).update(opted_out=True)
    case.contact.refresh_from_db()

    with pytest.raises(CaseActionRefused, match="opted out"):
        _send(case, case.owner)

    assert not CustomerMessage.objects.exists()


def test_an_erased_contact_is_refused_and_their_emails_are_blanked(case):
    message = _send(case, case.owner)
    erase_contact(email=case.contact.email)
    case.contact.refresh_from_db()

    with pytest.raises(CaseActionRefused, match="erased"):
        _send(case, case.owner)

    message.refresh_from_db()
    assert (message.to_address, message.subject, message.body) == (
        "[erased]",
        "[erased]",
        "[erased]",
    )
    assert message.status == MessageStatus.REFUSED
    event = CaseEvent.objects.get(case=case, kind="customer_message")
    assert "We fix the export" not in event.message
    assert deliver_customer_message(message_id=message.pk) is False
    assert mail.outbox == []


def test_an_email_queued_before_the_contact_opted_out_is_not_sent(case):
    message = _send(case, case.owner)
    Contact.objects.filter(pk=case.contact_id).update(opted_out=True)

    assert deliver_customer_message(message_id=message.pk) is False

    message.refresh_from_db()
    assert message.status == MessageStatus.REFUSED
    assert mail.outbox == []


def test_an_unknown_placeholder_is_refused_on_the_admin_form():
    form = MessageTemplateForm(data={"subject": "Hi {first_name}", "body": "Hello {account}"})

    assert not form.is_valid()
    assert "{first_name} is not a placeholder" in form.errors["subject"][0]
    assert unknown_placeholders("{account} {csm_nom}") == ["csm_nom"]
    with pytest.raises(ValidationError):
        save_message_template(
            purpose="closing_note", language="en", subject="x", body="{oops}", actor=None
        )


# --- pages --------------------------------------------------------------------------------


def test_the_case_page_leads_to_writing_instead_of_a_mailto_link(client, case):
    client.force_login(case.owner)

    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()

    assert reverse("case-write", args=[case.pk]) in html
    assert "mailto:" not in html


def test_the_csm_previews_then_sends_from_the_case(
    client, case, django_capture_on_commit_callbacks
):
    client.force_login(case.owner)
    url = reverse("case-write", args=[case.pk])
    page = client.get(url, {"purpose": "call_proposal"})
    assert "Can we talk about your feedback?" in page.content.decode()

    fields = {"purpose": "call_proposal", "subject": "A call?", "body": "Hello,\nTuesday at 10?"}
    preview = client.post(url, {**fields, "action": "preview"})
    html = preview.content.decode()
    assert "exactly what will be sent" in html
    assert case.owner.email in html and "Tuesday at 10?" in html
    assert not CustomerMessage.objects.exists()

    with django_capture_on_commit_callbacks():
        sent = client.post(url, {**fields, "action": "send"}, follow=True)

    assert CustomerMessage.objects.get().body == "Hello,\nTuesday at 10?"
    assert "queued" in sent.content.decode()
    assert "Tuesday at 10?" in sent.content.decode()


def test_the_write_page_explains_why_an_opted_out_contact_cannot_be_written_to(client, case):
    Contact.objects.filter(pk=case.contact_id).update(opted_out=True)
    client.force_login(case.owner)

    html = client.get(reverse("case-write", args=[case.pk])).content.decode()

    assert "opted out" in html
    assert 'value="send"' not in html
    fields = {"purpose": "closing_note", "subject": "Hi", "body": "Hello", "action": "send"}
    refused = client.post(reverse("case-write", args=[case.pk]), fields)
    assert refused.status_code == 422
    assert "opted out of emails" in refused.content.decode()
    assert not CustomerMessage.objects.exists()


def test_a_csm_cannot_write_on_another_csms_case(client, case, other_csm):
    client.force_login(other_csm)
    url = reverse("case-write", args=[case.pk])

    assert client.get(url).status_code == 404
    fields = {"purpose": "closing_note", "subject": "Hi", "body": "Hello", "action": "send"}
    assert client.post(url, fields).status_code == 404
    assert not CustomerMessage.objects.exists()


def test_a_manager_may_write_on_any_case(client, case, manager):
    client.force_login(manager)

    assert client.get(reverse("case-write", args=[case.pk])).status_code == 200


def test_admins_edit_a_template_and_csms_start_from_it(client, case, admin_user):
    client.force_login(admin_user)
    listing = client.get(reverse("configure-customer-emails")).content.decode()
    edit = reverse("configure-customer-email-edit", args=["closing_note", "en"])
    assert edit in listing

    refused = client.post(edit, {"subject": "Done {nope}", "body": "Hi", "action": "save"})
    assert refused.status_code == 422
    assert "{nope} is not a placeholder" in refused.content.decode()

    preview = client.post(
        edit, {"subject": "All done", "body": "Hi {contact_first_name}", "action": "preview"}
    )
    assert "Hi Jane" in preview.content.decode()

    client.post(edit, {"subject": "All done", "body": "Hi {contact_first_name}!", "action": "save"})
    draft = draft_message(case=case, purpose="closing_note", user=case.owner)
    assert draft.subject == "All done"
    assert draft.body == f"Hi {case.contact.first_name}!"


def test_only_admins_open_the_template_pages(client, case):
    client.force_login(case.owner)

    assert client.get(reverse("configure-customer-emails")).status_code == 403


def test_a_mail_server_that_is_down_is_retried_and_the_email_stays_queued(case, monkeypatch):
    message = _send(case, case.owner)

    def unreachable(self, *args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", unreachable)

    with pytest.raises(DeliveryFailed):
        deliver_customer_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED

    give_up_delivery(message_id=message.pk, error="connection refused")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert CaseEvent.objects.filter(case=case, kind="customer_message_not_sent").exists()


def test_the_timeline_shows_the_email_in_the_readers_language(case):
    _send(case, case.owner, purpose="plan_summary", subject="Our plan", body="We fix it.")
    event = CaseEvent.objects.get(case=case, kind="customer_message")

    with translation.override("fr"):
        text = event_text(event)

    assert text == "E-mail au client (résumé du plan), « Our plan » :\nWe fix it."


def test_an_email_the_broker_never_got_is_found_by_the_minute_sweep_and_sent_once(case):
    message = _send(case, case.owner)  # its task is never sent: no commit in this test
    written = timezone.now() - dt.timedelta(minutes=5)
    CustomerMessage.objects.filter(pk=message.pk).update(created_at=written)
    a_minute_ago = timezone.now() - dt.timedelta(minutes=1)

    assert undelivered_message_ids(older_than=a_minute_ago) == [message.pk]
    assert deliver_customer_message(message_id=message.pk) is True
    assert undelivered_message_ids(older_than=a_minute_ago) == []
    assert len(mail.outbox) == 1


def test_a_second_delivery_started_while_the_first_runs_sends_nothing(case):
    message = _send(case, case.owner)
    CustomerMessage.objects.filter(pk=message.pk).update(attempted_at=timezone.now())

    assert deliver_message(message_id=message.pk) is False
    assert mail.outbox == []
    # The first delivery's own retries go on.
    assert deliver_message(message_id=message.pk, first_attempt=False) is True
    assert len(mail.outbox) == 1


def test_a_delivery_cut_short_long_ago_is_marked_failed_not_sent_again(case):
    message = _send(case, case.owner)
    long_ago = timezone.now() - dt.timedelta(hours=3)
    CustomerMessage.objects.filter(pk=message.pk).update(attempted_at=long_ago)

    assert give_up_stale_deliveries() == 1

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert mail.outbox == []
