"""The bell, the list, opening a notification, and the profile's email choices."""

import pytest
from django.urls import reverse

from core.models import User
from core.said import say
from notifications.models import EmailChoice, Notification, NotificationKind
from notifications.services import notify

pytestmark = pytest.mark.django_db


def told(person, *, target="/cases/7/#note-3", text="Zoé mentioned you in a note on case #7."):
    notify(
        recipients=[person],
        kind=NotificationKind.MENTIONED,
        message=say("%(author)s mentioned you in a note on case #%(case)s.", author="Zoé", case=7)
        if text
        else say("Look"),
        target_url=target,
    )
    return Notification.objects.filter(recipient=person).latest("pk")


def test_the_bell_shows_how_many_are_unread(client, csm):
    told(csm)
    told(csm)
    client.force_login(csm)

    html = client.get(reverse("my-tasks")).content.decode()

    assert (
        '<span class="badge rounded-pill text-bg-danger" id="notification-count">2</span>' in html
    )
    assert "Notifications, 2 unread" in html


def test_the_bell_shows_no_number_when_everything_is_read(client, csm):
    client.force_login(csm)

    html = client.get(reverse("my-tasks")).content.decode()

    assert 'id="notification-count"' not in html
    assert "Notifications, none unread" in html


def test_the_list_shows_the_sentence_in_the_readers_language(client, csm):
    told(csm)
    csm.language = "fr"
    csm.save()
    client.force_login(csm)

    html = client.get(reverse("notification-list")).content.decode()

    assert "Zoé vous a mentionné dans une note sur le dossier n° 7." in html
    assert "Tout marquer comme lu" in html


def test_the_list_says_so_when_there_is_nothing(client, csm):
    client.force_login(csm)

    html = client.get(reverse("notification-list")).content.decode()

    assert "Nothing to tell you yet." in html
    assert "Mark all as read" not in html


def test_opening_a_notification_marks_it_read_and_goes_to_its_target(client, csm):
    notification = told(csm)
    client.force_login(csm)

    opened = client.get(reverse("notification-open", args=[notification.pk]))

    assert opened.status_code == 302
    assert opened["Location"] == "/cases/7/#note-3"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'id="notification-count"' not in client.get(reverse("my-tasks")).content.decode()


def test_nobody_else_may_open_a_notification(client, csm, other_csm):
    notification = told(csm)
    client.force_login(other_csm)

    assert client.get(reverse("notification-open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_as_read_empties_the_bell_and_says_so(client, csm):
    told(csm)
    told(csm)
    client.force_login(csm)

    page = client.post(reverse("notifications-read"), follow=True)

    assert "All notifications are marked as read." in page.content.decode()
    assert not Notification.objects.filter(recipient=csm, read_at__isnull=True).exists()


def test_the_pages_need_a_signed_in_person(client, csm):
    notification = told(csm)

    for url in (
        reverse("notification-list"),
        reverse("notification-open", args=[notification.pk]),
        reverse("profile"),
    ):
        assert client.get(url)["Location"].startswith(reverse("login"))


def test_every_kind_is_emailed_until_the_person_says_otherwise(client, csm):
    client.force_login(csm)

    html = client.get(reverse("profile")).content.decode()

    for kind in NotificationKind.values:
        assert f'value="{kind}" id="id_emailed_kinds_' in html
    assert html.count(" checked>") == len(NotificationKind.values)


def test_saving_the_profile_keeps_the_language_and_the_email_choices(client, csm):
    client.force_login(csm)

    page = client.post(
        reverse("profile"),
        {"language": "fr", "emailed_kinds": ["mentioned", "escalated"]},
        follow=True,
    )

    assert "Votre profil est enregistré." in page.content.decode()
    assert User.objects.get(pk=csm.pk).language == "fr"
    off = EmailChoice.objects.filter(user=csm, email=False).values_list("kind", flat=True)
    assert set(off) == set(NotificationKind.values) - {"mentioned", "escalated"}


def test_an_unknown_language_is_refused_with_the_field_named(client, csm):
    client.force_login(csm)

    page = client.post(reverse("profile"), {"language": "xx"})

    assert page.status_code == 422
    assert "The profile was not saved" in page.content.decode()
    assert User.objects.get(pk=csm.pk).language == ""
