"""Admins manage people, their roles and the API keys in the browser, under /configure/."""

import hashlib
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from configure.people import set_person_active
from core.models import User
from core.roles import Role, roles_of, set_role
from playbooks.defaults import install_default_playbooks
from playbooks.services.engine import process_response
from surveys.models import Integration
from surveys.services.integrations import create_integration
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quiet-Harbour-2026"


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def integration(db) -> Integration:
    return create_integration(name="crm-sync").integration


def person_form(**changes) -> dict:
    """What the "add a person" page posts."""
    return {
        "display_name": "Ana Lima",
        "username": "ana",
        "email": "ana@nps-loop.test",
        "role": "csm",
        "language": "",
        "access": "invite",
        "password": "",
        "password_again": "",
        **changes,
    }


def edit_form(person: User, **changes) -> dict:
    """What a person's page posts, unchanged but for `changes`."""
    role = next(iter(roles_of(person)), Role.CSM)
    return {
        "display_name": person.display_name,
        "email": person.email,
        "language": person.language,
        "role": role.value,
        **changes,
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def open_cases_for(owner: User, count: int) -> None:
    """`count` real open cases, opened by the engine at an account `owner` is the CSM of."""
    install_default_playbooks()
    account = AccountFactory(csm=owner)
    for _ in range(count):
        response = ResponseFactory(contact=ContactFactory(account=account), score=2)
        process_response(response_id=response.pk)


def shown_key(response) -> str:
    return re.search(r'id="new-key"[^>]*>([^<]+)<', response.content.decode()).group(1)


# --- who may open the pages ----------------------------------------------------------------

PAGES = [
    ("configure-users", False),
    ("configure-user-new", False),
    ("configure-user-edit", True),
    ("configure-api-keys", False),
    ("configure-api-key-new", False),
]


def page_url(name: str, needs_person: bool, person: User) -> str:
    return reverse(name, args=[person.pk]) if needs_person else reverse(name)


@pytest.mark.parametrize(("name", "needs_person"), PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, csm, name, needs_person):
    url = page_url(name, needs_person, csm)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("who", ["nobody", "csm", "manager"])
@pytest.mark.parametrize(("name", "needs_person"), PAGES)
def test_people_who_are_not_admins_are_refused(request, client, csm, who, name, needs_person):
    client.force_login(UserFactory() if who == "nobody" else request.getfixturevalue(who))

    assert client.get(page_url(name, needs_person, csm)).status_code == 403


@pytest.mark.parametrize(("name", "needs_person"), PAGES)
def test_an_admin_opens_every_page(as_admin, csm, name, needs_person):
    assert as_admin.get(page_url(name, needs_person, csm)).status_code == 200


def test_the_revoke_page_is_for_admins_only(client, manager, admin_user, integration):
    url = reverse("configure-api-key-revoke", args=[integration.pk])
    assert client.get(url).status_code == 302
    client.force_login(manager)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    client.force_login(admin_user)
    assert client.get(url).status_code == 200

    integration.refresh_from_db()
    assert integration.is_active


def test_a_manager_cannot_deactivate_anyone_or_send_links(client, manager, csm):
    client.force_login(manager)

    deactivate = client.post(reverse("configure-user-active", args=[csm.pk]), {"active": "0"})
    invite = client.post(reverse("configure-user-invite", args=[csm.pk]))

    assert (deactivate.status_code, invite.status_code) == (403, 403)
    csm.refresh_from_db()
    assert csm.is_active
    assert mail.outbox == []


# --- the people --------------------------------------------------------------------------


def test_the_list_shows_each_person_with_role_language_and_access(as_admin, csm, manager):
    UserFactory(display_name="Gone Person", is_active=False)
    csm.language = "fr"
    csm.save()

    content = as_admin.get(reverse("configure-users")).content.decode()

    assert csm.name in content and csm.email in content
    assert manager.name in content
    assert "Manager" in content and "CSM" in content
    assert "French" in content
    assert "Deactivated" in content
    assert "Never" in content  # nobody here has signed in through the form


def test_the_list_filters_by_role_and_searches(as_admin, csm, manager):
    only_managers = as_admin.get(reverse("configure-users"), {"role": "manager"})
    found = as_admin.get(reverse("configure-users"), {"q": csm.email.upper()})

    assert manager.name in only_managers.content.decode()
    assert csm.name not in only_managers.content.decode()
    assert csm.name in found.content.decode()
    assert manager.name not in found.content.decode()


@pytest.mark.parametrize("role", [Role.CSM, Role.MANAGER, Role.ADMIN])
def test_a_new_person_gets_a_link_that_sets_their_password(as_admin, client, role):
    response = as_admin.post(
        reverse("configure-user-new"), person_form(role=role.value), follow=True
    )

    ana = User.objects.get(username="ana")
    assert roles_of(ana) == {role}
    assert ana.is_staff == (role == Role.ADMIN)
    assert not ana.has_usable_password()
    assert "A link to choose a password is on its way to ana@nps-loop.test" in str(
        messages_of(response)
    )
    [email] = mail.outbox
    assert email.to == ["ana@nps-loop.test"]
    link = re.search(r"https?://\S+/password/reset/\S+/", email.body).group(0)

    client.logout()
    form_page = client.get(urlsplit(link).path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert client.login(username="ana", password=NEW_PASSWORD)


def test_the_invitation_is_written_in_the_persons_language(as_admin):
    as_admin.post(reverse("configure-user-new"), person_form(language="fr"))

    [email] = mail.outbox
    html, _type = email.alternatives[0]
    assert '<html lang="fr">' in html


def test_a_person_given_a_password_signs_in_at_once_and_gets_no_email(as_admin, client):
    form = person_form(access="password", password=NEW_PASSWORD, password_again=NEW_PASSWORD)

    response = as_admin.post(reverse("configure-user-new"), form, follow=True)

    assert "can sign in with the password you set" in str(messages_of(response))
    assert mail.outbox == []
    assert client.login(username="ana", password=NEW_PASSWORD)


def test_a_weak_initial_password_is_refused_with_the_reason(as_admin):
    form = person_form(access="password", password="password", password_again="password")

    response = as_admin.post(reverse("configure-user-new"), form)

    assert response.status_code == 422
    assert "This password is too common" in response.content.decode()
    assert not User.objects.filter(username="ana").exists()


def test_a_username_or_email_already_taken_is_refused(as_admin, csm):
    taken_username = as_admin.post(
        reverse("configure-user-new"), person_form(username=csm.username)
    )
    taken_email = as_admin.post(reverse("configure-user-new"), person_form(email=csm.email.upper()))

    assert taken_username.status_code == taken_email.status_code == 422
    assert "A user with that username already exists" in taken_username.content.decode()
    assert "is already the address of someone else" in taken_email.content.decode()
    assert User.objects.count() == 2  # the admin and the CSM


def test_an_admin_changes_a_persons_role_and_language(as_admin, csm):
    url = reverse("configure-user-edit", args=[csm.pk])

    response = as_admin.post(url, edit_form(csm, role="manager", language="fr"), follow=True)

    csm = User.objects.get(pk=csm.pk)
    assert roles_of(csm) == {Role.MANAGER}
    assert csm.language == "fr"
    assert f"{csm.name} is saved." in messages_of(response)


@pytest.mark.parametrize("superuser", [False, True])
def test_an_admin_cannot_remove_their_own_admin_role(as_admin, admin_user, superuser):
    admin_user.is_superuser = superuser
    admin_user.save()
    set_role(UserFactory(), Role.ADMIN)  # another admin: the refusal is about oneself
    url = reverse("configure-user-edit", args=[admin_user.pk])

    response = as_admin.post(url, edit_form(admin_user, role="manager"))

    assert response.status_code == 422
    assert "You cannot remove your own admin role" in response.content.decode()
    assert roles_of(User.objects.get(pk=admin_user.pk)) == {Role.ADMIN}


def test_an_admin_cannot_deactivate_themselves(as_admin, admin_user):
    url = reverse("configure-user-active", args=[admin_user.pk])

    response = as_admin.post(url, {"active": "0"}, follow=True)

    assert "You cannot deactivate yourself" in str(messages_of(response))
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(admin_user):
    with pytest.raises(CommandError, match="last active admin"):
        call_command("add_user", admin_user.username, role="csm")
    with pytest.raises(ValidationError, match="last active admin"):
        set_person_active(person=admin_user, actor=None, active=False)

    admin_user = User.objects.get(pk=admin_user.pk)
    assert admin_user.is_active
    assert roles_of(admin_user) == {Role.ADMIN}


def test_an_admin_may_go_when_another_active_admin_stays(admin_user):
    set_role(UserFactory(), Role.ADMIN)

    set_person_active(person=admin_user, actor=None, active=False)

    admin_user.refresh_from_db()
    assert not admin_user.is_active


def test_deactivating_a_csm_says_how_many_open_cases_they_keep(as_admin, client, csm):
    open_cases_for(csm, 3)

    response = as_admin.post(
        reverse("configure-user-active", args=[csm.pk]), {"active": "0"}, follow=True
    )

    assert "They still own 3 open cases: reassign them from the queue." in str(
        messages_of(response)
    )
    assert f'href="/cases/?owner={csm.pk}"' in response.content.decode()
    csm.refresh_from_db()
    assert not csm.is_active
    assert not client.login(username=csm.username, password="correct horse battery staple")


def test_a_deactivated_person_is_reactivated_with_their_password(as_admin, client, csm):
    csm.is_active = False
    csm.save()

    as_admin.post(reverse("configure-user-active", args=[csm.pk]), {"active": "1"})

    assert client.login(username=csm.username, password="correct horse battery staple")


def test_an_admin_sends_a_new_password_link(as_admin, csm):
    response = as_admin.post(reverse("configure-user-invite", args=[csm.pk]), follow=True)

    assert [email.to for email in mail.outbox] == [[csm.email]]
    assert f"A link to choose a password is on its way to {csm.email}." in messages_of(response)


# --- API keys ---------------------------------------------------------------------------


def test_a_new_key_is_shown_once_works_and_is_stored_only_as_a_hash(as_admin):
    response = as_admin.post(reverse("configure-api-key-new"), {"name": "crm-sync", "kind": "api"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "it will not be shown again" in response.content.decode()
    key = shown_key(response)
    integration = Integration.objects.get(name="crm-sync")
    assert integration.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = " ".join(str(value) for value in Integration.objects.values().get().values())
    assert key not in stored
    assert key not in str(dict(as_admin.session))
    assert key not in as_admin.get(reverse("configure-api-keys")).content.decode()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    answer = {"external_id": "r-1", "email": "jo@customer.example", "score": 9}
    assert api.post("/api/v1/responses", answer, format="json").status_code == 201


def test_the_list_shows_each_key_by_prefix_kind_and_status(as_admin, integration):
    content = as_admin.get(reverse("configure-api-keys")).content.decode()

    assert "crm-sync" in content
    assert f"{integration.key_prefix}…" in content
    assert "REST API" in content and "Active" in content


def test_a_webhook_without_signing_secret_gets_a_url_carrying_its_key(as_admin, settings):
    settings.NPS_BASE_URL = "https://nps.example.com"

    response = as_admin.post(
        reverse("configure-api-key-new"), {"name": "delighted", "kind": "delighted"}
    )

    key = shown_key(response)
    assert f"https://nps.example.com/api/v1/hooks/delighted?token={key}" in (
        response.content.decode()
    )


def test_the_key_pages_say_to_prefer_the_header_over_a_key_in_the_url(as_admin):
    listing = as_admin.get(reverse("configure-api-keys")).content.decode()
    created = as_admin.post(
        reverse("configure-api-key-new"), {"name": "delighted", "kind": "delighted"}
    ).content.decode()

    assert "<code>Authorization: Bearer &lt;key&gt;</code> rather than in a URL" in listing
    assert "prefer the header Authorization: Bearer and the URL without ?token=" in created


def test_a_signed_webhook_gets_the_plain_url(as_admin, settings):
    settings.NPS_BASE_URL = "https://nps.example.com"
    form = {"name": "typeform", "kind": "typeform", "signing_secret": "s3cret"}

    content = as_admin.post(reverse("configure-api-key-new"), form).content.decode()

    assert "https://nps.example.com/api/v1/hooks/typeform<" in content
    assert Integration.objects.get(name="typeform").signing_secret == "s3cret"


def test_a_rest_api_key_refuses_a_signing_secret(as_admin):
    form = {"name": "crm", "kind": "api", "signing_secret": "s3cret"}

    response = as_admin.post(reverse("configure-api-key-new"), form)

    assert response.status_code == 422
    assert "A REST API key uses no signing secret" in response.content.decode()
    assert not Integration.objects.exists()


def test_a_name_already_used_is_refused(as_admin, integration):
    response = as_admin.post(reverse("configure-api-key-new"), {"name": "CRM-sync", "kind": "api"})

    assert response.status_code == 422
    assert "A key is already called" in response.content.decode()


def test_revoking_asks_first_then_the_api_refuses_the_key(as_admin):
    new = create_integration(name="crm-sync")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {new.key}")
    url = reverse("configure-api-key-revoke", args=[new.integration.pk])

    confirm = as_admin.get(url)
    assert "Revoke “crm-sync”?" in confirm.content.decode()
    assert api.get("/api/v1/nps").status_code == 200

    response = as_admin.post(url, follow=True)

    assert "“crm-sync” is revoked" in str(messages_of(response))
    assert "Revoked" in response.content.decode()
    assert api.get("/api/v1/nps").status_code == 401
