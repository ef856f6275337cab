"""Telling people: one row each, never the actor, once per event, emailed as each chose."""

import datetime as dt
import smtplib

import pytest
from django.utils import timezone

from core.roles import Role, set_role
from core.said import say
from notifications.models import EmailChoice, Notification, NotificationKind
from notifications.services import EmailFailed, Notice, email_notification, notify, notify_many
from notifications.tasks import requeue_unsent_emails
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    people = [
        UserFactory(username=name, email=f"{name}@team.test", language=language)
        for name, language in (("ann", "en"), ("bea", "fr"), ("cid", ""))
    ]
    for person in people:
        set_role(person, Role.CSM)
    return people


def tell(recipients, *, actor=None, key=None, kind=NotificationKind.ASSIGNED, email=True):
    return notify(
        recipients=recipients,
        kind=kind,
        message=say("%(who)s gave you case #%(case)s.", who="Ann", case=7),
        target_url="/cases/7/",
        actor=actor,
        dedupe_key=key,
        email=email,
    )


def test_each_recipient_gets_one_notification_and_the_actor_none(team):
    ann, bea, cid = team

    tell([ann, bea, cid, bea], actor=ann)

    rows = Notification.objects.order_by("recipient__username")
    assert [row.recipient for row in rows] == [bea, cid]
    assert all(row.actor == ann and row.read_at is None for row in rows)
    assert rows[0].text == "Ann gave you case #7."


def test_people_who_left_are_not_told(team):
    ann, bea, _ = team
    bea.is_active = False
    bea.save()

    tell([ann, bea])

    assert [row.recipient for row in Notification.objects.all()] == [ann]


def test_the_same_event_told_twice_is_one_notification_and_one_email(
    team, run_email_tasks, mailoutbox
):
    ann, *_ = team

    sent = run_email_tasks(lambda: tell([ann], key="case:7:assigned"))
    sent += run_email_tasks(lambda: tell([ann], key="case:7:assigned"))

    assert Notification.objects.count() == 1
    assert sent == 1 and len(mailoutbox) == 1


def test_the_email_is_written_in_the_recipients_language(team, run_email_tasks, mailoutbox):
    ann, bea, cid = team

    run_email_tasks(
        lambda: notify(
            recipients=[ann, bea, cid],
            kind=NotificationKind.MENTIONED,
            message=say(
                "%(author)s mentioned you in a note on case #%(case)s.", author="Zoé", case=7
            ),
            target_url="/cases/7/#note-3",
        )
    )

    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {"ann@team.test", "bea@team.test", "cid@team.test"}
    assert "Zoé mentioned you in a note on case #7." in by_address["ann@team.test"].body
    french = by_address["bea@team.test"]
    assert "Zoé vous a mentionné dans une note sur le dossier n° 7." in french.body
    assert french.subject == "[NPS Loop] Mentionné dans une note"
    assert "/cases/7/#note-3" in french.body
    # No language in the profile: the site's.
    assert "Zoé mentioned you" in by_address["cid@team.test"].body


def test_a_kind_the_person_turned_off_is_not_emailed_but_still_shown(
    team, run_email_tasks, mailoutbox
):
    ann, bea, _ = team
    EmailChoice.objects.create(user=bea, kind=NotificationKind.ASSIGNED, email=False)

    run_email_tasks(lambda: tell([ann, bea]))

    assert [message.to for message in mailoutbox] == [["ann@team.test"]]
    assert Notification.objects.filter(recipient=bea).exists()


def test_a_notification_meant_for_the_app_only_sends_no_email(team, run_email_tasks, mailoutbox):
    ann, *_ = team

    assert run_email_tasks(lambda: tell([ann], email=False)) == 0
    assert mailoutbox == []


def test_an_email_the_mail_server_refused_is_sent_on_the_retry(team, monkeypatch, mailoutbox):
    ann, *_ = team
    tell([ann])
    notification = Notification.objects.get()

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
        with pytest.raises(EmailFailed):
            email_notification(notification_id=notification.pk)

    assert email_notification(notification_id=notification.pk) is True
    assert email_notification(notification_id=notification.pk) is False
    assert len(mailoutbox) == 1


def test_a_link_to_another_site_is_refused(team):
    with pytest.raises(ValueError):
        notify(
            recipients=team,
            kind=NotificationKind.ASSIGNED,
            message=say("Look"),
            target_url="https://evil.test/",
        )


def test_an_email_lost_with_the_broker_is_queued_again_by_the_sweep(team, monkeypatch):
    ann, bea, _ = team
    tell([ann, bea])
    lost, fresh = Notification.objects.order_by("pk")
    Notification.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )
    queued = []
    monkeypatch.setattr(
        "notifications.tasks.enqueue_many", lambda name, kwargs_list: queued.append(kwargs_list)
    )

    assert requeue_unsent_emails() == 1
    assert queued == [[{"notification_ids": [lost.pk]}]]


def test_two_notices_of_one_event_for_the_same_person_make_one_row(team):
    ann, bea, _ = team
    notice = {"kind": NotificationKind.ESCALATED, "message": say("Late"), "target_url": "/"}

    notify_many(
        [
            Notice(recipients=[ann, bea], dedupe_key="escalation:1", email=False, **notice),
            Notice(recipients=[ann], dedupe_key="escalation:1", **notice),
        ]
    )

    assert Notification.objects.filter(recipient=ann).count() == 1
