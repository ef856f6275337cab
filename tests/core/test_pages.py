"""The browser shell: signing in and out, the home page, password change and reset."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from surveys.services.integrations import create_integration
from tests.factories import (
    AccountDomainFactory,
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    InteractionFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the factories' password


def test_anonymous_visitor_of_home_is_sent_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_anonymous_visitor_of_the_admin_is_sent_to_the_same_sign_in_page(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(f"{reverse('login')}?next=")
    assert "registration/login.html" in [t.name for t in response.templates]


def test_sign_in_page_shows_the_form_and_the_reset_link(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert reverse("password_reset") in content
    assert '<html lang="en">' in content


def test_wrong_password_shows_an_error_and_does_not_sign_in(client, csm):
    response = client.post(
        reverse("login"), {"username": csm.username, "password": "not the password"}
    )

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("role_fixture", "workspace", "shown"),
    [
        ("csm", "home", "Cases needing you"),
        ("manager", "dashboard", "Closing the loop"),
        ("admin_user", "playbook-list", "Which playbook would an answer get?"),
    ],
)
def test_each_role_signs_in_and_lands_on_its_workspace(
    client, request, role_fixture, workspace, shown
):
    user = request.getfixturevalue(role_fixture)

    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain == [(reverse("landing"), 302), (reverse(workspace), 302)]
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_sign_in_returns_to_the_page_first_asked_for(client, manager):
    response = client.post(
        f"{reverse('login')}?next=/api/v1/docs/",
        {"username": manager.username, "password": PASSWORD, "next": "/api/v1/docs/"},
    )

    assert response.url == "/api/v1/docs/"


def test_only_staff_see_the_admin_link(client, csm, admin_user):
    admin_url = reverse("admin:index")

    client.force_login(csm)
    assert f'href="{admin_url}"' not in client.get("/").content.decode()

    client.force_login(admin_user)
    assert f'href="{admin_url}"' in client.get("/").content.decode()


def test_home_counts_only_the_csm_own_accounts_and_answers(client, csm):
    own = AccountFactory(csm=csm)
    ResponseFactory.create_batch(2, contact=ContactFactory(account=own), score=10)
    ResponseFactory.create_batch(5)  # other CSMs' accounts
    client.force_login(csm)

    response = client.get("/")

    day = response.context["day"]
    assert [row.account for row in day.book] == [own]
    assert (day.nps.responses, day.nps.nps) == (2, 100)


def test_home_shows_managers_the_unmatched_answers(client, manager):
    ResponseFactory(contact=ContactFactory(account=None))
    ResponseFactory()
    client.force_login(manager)

    response = client.get("/")

    assert response.context["overview"].unmatched_answers == 1
    assert "Unmatched answers" in response.content.decode()


def test_home_says_when_no_answer_has_arrived_yet(client, manager):
    client.force_login(manager)

    content = client.get("/").content.decode()

    assert "No answers yet" in content
    assert "None received yet" in content


def test_sign_out_is_a_post_and_ends_the_session(client, csm):
    client.force_login(csm)

    response = client.post(reverse("logout"))

    assert response.url == reverse("login")
    assert client.get("/").status_code == 302


def test_sign_out_by_a_plain_link_is_refused(client, csm):
    client.force_login(csm)

    assert client.get(reverse("logout")).status_code == 405
    assert client.get("/").status_code == 200


def test_password_change_takes_the_new_password(client, csm):
    client.force_login(csm)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Quiet-Harbour-Lantern-81",
            "new_password2": "Quiet-Harbour-Lantern-81",
        },
    )

    assert response.url == reverse("password_change_done")
    csm.refresh_from_db()
    assert csm.check_password("Quiet-Harbour-Lantern-81")


def test_password_reset_emails_a_link_that_lets_the_person_choose_a_new_password(client):
    user = UserFactory(email="ana@nps-loop.test")

    response = client.post(reverse("password_reset"), {"email": "ana@nps-loop.test"})

    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@nps-loop.test"]
    assert message.subject == "Reset your NPS Loop password"
    assert message.alternatives[0].mimetype == "text/html"
    link = re.search(r"http://testserver(/password/reset/\S+/)", message.body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    client.post(
        form_url,
        {"new_password1": "Quiet-Harbour-Lantern-81", "new_password2": "Quiet-Harbour-Lantern-81"},
    )
    user.refresh_from_db()
    assert user.check_password("Quiet-Harbour-Lantern-81")


def test_password_reset_for_an_unknown_address_sends_nothing_but_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@nps-loop.test"})

    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_an_admin_opens_every_list_and_form_of_the_admin(client, admin_user):
    answer = ResponseFactory(campaign=CampaignFactory(), payload={"score": 8})
    AccountDomainFactory(account=answer.account)
    rows = {
        "accounts_account": answer.account,
        "accounts_contact": answer.contact,
        "accounts_interaction": InteractionFactory(account=answer.account),
        "surveys_campaign": answer.campaign,
        "surveys_response": answer,
        "surveys_integration": create_integration(name="crm-sync").integration,
    }
    client.force_login(admin_user)

    assert client.get(reverse("admin:index")).status_code == 200
    for name, row in rows.items():
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
        assert client.get(reverse(f"admin:{name}_change", args=[row.pk])).status_code == 200, name


def test_an_admin_adds_an_email_domain_to_an_account_stored_as_answers_are_matched(
    client, admin_user
):
    account = AccountFactory(name="Acme")
    client.force_login(admin_user)
    form = {
        "name": "Acme",
        "external_id": account.external_id,
        "segment": account.segment,
        "tier": account.tier,
        "arr": "1000",
        "currency": "EUR",
        "renewal_date": "",
        "csm": "",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-0-domain": " @Acme.COM ",
    }

    response = client.post(reverse("admin:accounts_account_change", args=[account.pk]), form)

    assert response.status_code == 302
    assert account.domain_list == ["acme.com"]
