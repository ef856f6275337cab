"""Admins manage the root causes cases close with: causes and sub-causes, renamed, archived
rather than deleted once cases name them."""

import pytest
from django.urls import reverse

from core.roles import Role, set_role
from playbooks.models import RootCause
from playbooks.services.root_causes import (
    RootCauseEditRefused,
    create_root_cause,
    delete_root_cause,
)
from tests.factories import UserFactory, closed_case

pytestmark = pytest.mark.django_db

LIST = reverse("configure-root-causes")
NEW = reverse("configure-root-cause-new")


def edit_url(cause: RootCause) -> str:
    return reverse("configure-root-cause-edit", args=[cause.pk])


def active_url(cause: RootCause) -> str:
    return reverse("configure-root-cause-active", args=[cause.pk])


def delete_url(cause: RootCause) -> str:
    return reverse("configure-root-cause-delete", args=[cause.pk])


@pytest.fixture
def support(root_cause) -> RootCause:
    return root_cause.parent


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def closed_with(csm):
    """Close a new case with a root cause."""
    return lambda root_cause: closed_case(root_cause=root_cause, actor=csm)


@pytest.mark.parametrize("role", [Role.CSM, Role.MANAGER])
def test_only_admins_open_and_change_the_root_causes(client, root_cause, role):
    user = UserFactory()
    set_role(user, role)
    client.force_login(user)

    pages = [LIST, NEW, edit_url(root_cause), delete_url(root_cause)]
    changes = [
        client.post(NEW, {"name": "Legal"}),
        client.post(edit_url(root_cause), {"name": "Renamed", "parent": root_cause.parent_id}),
        client.post(active_url(root_cause), {"active": "off"}),
        client.post(delete_url(root_cause)),
    ]

    assert [client.get(page).status_code for page in pages] == [403] * 4
    assert [reply.status_code for reply in changes] == [403] * 4
    root_cause.refresh_from_db()
    assert (root_cause.name, root_cause.active) == ("Response time", True)
    assert not RootCause.objects.filter(name="Legal").exists()


def test_the_list_shows_each_cause_with_its_sub_causes_and_case_counts(admin_client, root_cause):
    html = admin_client.get(LIST).content.decode()

    assert "Support" in html and "Response time" in html
    tree = admin_client.get(LIST).context["tree"]
    support = next(entry for entry in tree if entry.cause.name == "Support")
    assert [sub.cause.name for sub in support.sub_causes] == ["Quality of answers", "Response time"]


def test_the_list_reads_in_french_for_a_french_admin(client, admin_user, root_cause):
    admin_user.language = "fr"
    admin_user.save()
    client.force_login(admin_user)

    html = client.get(LIST).content.decode()

    assert "Causes racines" in html
    assert "Délai de réponse" in html


def test_an_admin_adds_a_sub_cause_to_a_cause(admin_client, support):
    reply = admin_client.post(NEW, {"name": "Chat", "name_fr": "Messagerie", "parent": support.pk})

    assert reply.status_code == 302
    chat = RootCause.objects.get(name="Chat")
    assert (chat.parent, chat.name_fr, chat.active) == (support, "Messagerie", True)


def test_the_new_page_opened_from_a_cause_proposes_it_as_the_cause(admin_client, support):
    html = admin_client.get(NEW, {"parent": support.pk}).content.decode()

    assert f'<option value="{support.pk}" selected>' in html


def test_a_name_taken_among_its_siblings_is_refused_whatever_its_case(admin_client, support):
    reply = admin_client.post(NEW, {"name": "response TIME", "parent": support.pk})

    assert reply.status_code == 422
    assert "exists already here" in reply.content.decode()


def test_the_same_name_under_another_cause_is_fine(support):
    product = RootCause.objects.get(name="Product", parent=None)

    assert create_root_cause(name="Response time", parent=product).parent == product


def test_a_sub_cause_cannot_hold_sub_causes(admin_client, root_cause):
    reply = admin_client.post(NEW, {"name": "Weekends", "parent": root_cause.pk})

    assert reply.status_code == 422
    assert not RootCause.objects.filter(name="Weekends").exists()


def test_a_cause_with_sub_causes_cannot_become_a_sub_cause(admin_client, support):
    product = RootCause.objects.get(name="Product", parent=None)

    reply = admin_client.post(edit_url(support), {"name": "Support", "parent": product.pk})

    assert reply.status_code == 422
    assert "It has sub-causes of its own" in reply.content.decode()


def test_renaming_keeps_the_cases_that_name_it(admin_client, root_cause, closed_with):
    case = closed_with(root_cause)

    admin_client.post(
        edit_url(root_cause),
        {"name": "First answer time", "name_fr": "Délai", "parent": root_cause.parent_id},
    )

    case.refresh_from_db()
    assert case.root_cause.name == "First answer time"


def test_archiving_takes_it_out_of_the_close_form_and_restoring_brings_it_back(
    admin_client, root_cause
):
    admin_client.post(active_url(root_cause), {"active": "off"})
    assert not RootCause.objects.closable().filter(pk=root_cause.pk).exists()

    admin_client.post(active_url(root_cause), {"active": "on"})
    assert RootCause.objects.closable().filter(pk=root_cause.pk).exists()


def test_archiving_a_cause_archives_its_sub_causes_for_closing(admin_client, support):
    admin_client.post(active_url(support), {"active": "off"})

    assert not RootCause.objects.closable().filter(parent=support).exists()


def test_an_unused_sub_cause_is_deleted_after_confirming(admin_client):
    chat = create_root_cause(name="Chat", parent=RootCause.objects.get(name="Support"))

    assert admin_client.get(delete_url(chat)).status_code == 200
    reply = admin_client.post(delete_url(chat))

    assert reply.status_code == 302
    assert not RootCause.objects.filter(pk=chat.pk).exists()


def test_a_root_cause_that_cases_name_is_kept_and_the_admin_told_to_archive_it(
    admin_client, root_cause, closed_with
):
    closed_with(root_cause)

    reply = admin_client.post(delete_url(root_cause), follow=True)

    assert RootCause.objects.filter(pk=root_cause.pk).exists()
    assert "1 case names it. Archive it instead." in reply.content.decode()


def test_a_cause_with_sub_causes_cannot_be_deleted(support):
    with pytest.raises(RootCauseEditRefused, match="has sub-causes"):
        delete_root_cause(root_cause=support)


def test_the_configuration_nav_and_overview_link_to_root_causes(admin_client):
    html = admin_client.get(reverse("configure-index")).content.decode()

    assert f'href="{LIST}"' in html


def test_a_new_cause_counts_as_an_issue_unless_unticked(admin_client, support):
    html = admin_client.get(NEW).content.decode()
    assert 'name="counts_as_issue" id="id_counts_as_issue" checked' in html

    admin_client.post(NEW, {"name": "Courtesy call", "counts_as_issue": "on"})
    admin_client.post(NEW, {"name": "Just saying thanks"})

    assert RootCause.objects.get(name="Courtesy call").counts_as_issue
    assert not RootCause.objects.get(name="Just saying thanks").counts_as_issue
