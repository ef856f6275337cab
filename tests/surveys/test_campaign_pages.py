"""The campaign pages: managers and admins prepare a campaign, preview its audience, launch
it, follow it and cancel it, in the browser without JavaScript or with htmx."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import Persona, Segment
from core.models import LoopSettings
from playbooks.defaults import install_default_playbooks
from playbooks.services.engine import process_response
from surveys.models import (
    STANDARD_QUESTION_EN,
    STANDARD_QUESTION_FR,
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Exclusion,
    Invitation,
    InvitationStatus,
    SuppressionReason,
)
from surveys.services.campaigns import create_campaign, launch_campaign, plan_campaign
from surveys.services.suppressions import suppress_surveys
from tests.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    InvitationFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("campaign-list")
NEW = reverse("campaign-new")
HTMX = {"HX-Request": "true"}


def detail(campaign: Campaign) -> str:
    return reverse("campaign-detail", args=[campaign.pk])


def edit(campaign: Campaign) -> str:
    return reverse("campaign-edit", args=[campaign.pk])


def action(campaign: Campaign, name: str) -> str:
    return reverse("campaign-action", args=[campaign.pk, name])


def said(reply) -> list[str]:
    return [str(message) for message in get_messages(reply.wsgi_request)]


def form_data(**changes) -> dict:
    """What the new-campaign form posts when filled in, with `changes`."""
    data = {
        "name": "Spring enterprise survey",
        "description": "",
        "question_en": STANDARD_QUESTION_EN,
        "question_fr": STANDARD_QUESTION_FR,
        "audience_segment": "",
        "audience_tier": "",
        "audience_persona": "",
        "audience_account": "",
        "audience_csm": "",
        "sender": "",
        "schedule": "now",
        "send_at": "",
        "drip_days": "5",
    }
    data.update(changes)
    return data


def draft(**fields) -> Campaign:
    return create_campaign(actor=None, **{"name": "Draft", **fields})


@pytest.fixture
def enterprise():
    """Two enterprise accounts with two contacts each, and an SMB account with one."""
    big = AccountFactory(name="Globex", segment=Segment.ENTERPRISE, tier="Gold")
    other = AccountFactory(name="Initech", segment=Segment.ENTERPRISE, tier="Silver")
    small = AccountFactory(name="Hooli", segment=Segment.SMB, tier="Gold")
    return {
        "big": big,
        "other": other,
        "small": small,
        "contacts": [
            ContactFactory(account=big, name="Ada Champion", persona=Persona.CHAMPION),
            ContactFactory(account=big, name="Bob User"),
            ContactFactory(account=other, name="Cleo Sponsor", persona=Persona.EXEC_SPONSOR),
            ContactFactory(account=other, name="Dan User"),
            ContactFactory(account=small, name="Eve User"),
        ],
    }


# --- who may see what ---------------------------------------------------------------------------


def pages(campaign: Campaign) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", NEW),
        ("get", reverse("campaign-account-suggestions") + "?audience_account=glo"),
        ("get", detail(campaign)),
        ("get", edit(campaign)),
        ("post", action(campaign, "launch")),
    ]


def test_an_anonymous_visitor_is_sent_to_sign_in(client, enterprise):
    campaign = draft()

    for method, url in pages(campaign):
        reply = getattr(client, method)(url)
        assert reply.status_code == 302, url
        assert reply["Location"].startswith(reverse("login")), url
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_a_csm_may_not_open_the_campaign_pages(client, csm, enterprise):
    campaign = draft()
    client.force_login(csm)

    for method, url in pages(campaign):
        assert getattr(client, method)(url).status_code == 403, url
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_managers_and_admins_open_every_campaign_page(client, role, request, enterprise):
    campaign = draft()
    client.force_login(request.getfixturevalue(role))

    for _method, url in pages(campaign):
        assert client.get(url).status_code == 200, url
    reply = client.post(action(campaign, "launch"))
    assert reply.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED


def test_the_menu_shows_campaigns_to_managers_not_to_csms(client, csm, manager):
    client.force_login(manager)
    assert 'href="/campaigns/"' in client.get(reverse("home"), follow=True).content.decode()
    client.force_login(csm)
    assert 'href="/campaigns/"' not in client.get(reverse("home"), follow=True).content.decode()


# --- the list -------------------------------------------------------------------------------------


def test_with_no_campaign_the_list_invites_to_prepare_one(client, manager):
    client.force_login(manager)

    html = client.get(LIST).content.decode()

    assert "No campaign yet" in html
    assert f'href="{NEW}"' in html


def test_the_list_shows_email_and_external_campaigns_with_their_figures(client, manager):
    external = CampaignFactory(name="Typeform Q1", invitations_sent=40, started_at=timezone.now())
    for score in (10, 9, 3, 8):
        ResponseFactory(campaign=external, score=score)
    email = CampaignFactory(
        name="Spring survey",
        channel=CampaignChannel.EMAIL,
        status=CampaignStatus.SENDING,
        audience_segment=Segment.ENTERPRISE,
        launched_at=timezone.now(),
    )
    InvitationFactory.create_batch(2, campaign=email)
    client.force_login(manager)

    reply = client.get(LIST)

    rows = {row.campaign.name: row for row in reply.context["rows"]}
    assert rows["Typeform Q1"].sent == 40
    assert rows["Typeform Q1"].answered == 4
    assert rows["Typeform Q1"].response_rate == 10.0
    assert rows["Typeform Q1"].nps.nps == 25.0
    assert rows["Spring survey"].sent == 2
    html = reply.content.decode()
    assert "Another tool" in html
    assert "Sending" in html
    assert "Enterprise" in html  # the audience
    assert "10 %" in html


def test_the_list_is_paginated(client, manager):
    for n in range(27):
        CampaignFactory(name=f"Survey {n:02d}")
    client.force_login(manager)

    first, second = client.get(LIST), client.get(LIST + "?page=2")

    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 2
    assert "1–25 of 27" in first.content.decode()


def test_the_list_page_needs_the_same_queries_for_many_campaigns(
    client, manager, django_assert_max_num_queries
):
    def add(count: int) -> None:
        for _ in range(count):
            campaign = CampaignFactory(
                channel=CampaignChannel.EMAIL,
                status=CampaignStatus.SENDING,
                audience_account=AccountFactory(),
                audience_csm=UserFactory(),
            )
            invitation = InvitationFactory(campaign=campaign)
            ResponseFactory(campaign=campaign, contact=invitation.contact, score=9)

    client.force_login(manager)
    add(2)
    with django_assert_max_num_queries(10) as few:
        client.get(LIST)
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(LIST).context["rows"]) == 17


# --- creating and editing -------------------------------------------------------------------------


def test_the_new_campaign_form_starts_with_the_standard_question_and_the_default_sender(
    client, admin_user
):
    settings_row = LoopSettings.current()
    settings_row.sender_email = "Customer Success <cs@ourcompany.example>"
    settings_row.save()
    client.force_login(admin_user)

    html = client.get(NEW).content.decode()

    assert STANDARD_QUESTION_EN in html
    assert STANDARD_QUESTION_FR.replace("'", "&#x27;") in html
    assert 'placeholder="Customer Success &lt;cs@ourcompany.example&gt;"' in html


def test_an_admin_creates_a_draft_for_one_segment(client, admin_user, enterprise):
    client.force_login(admin_user)

    reply = client.post(
        NEW,
        form_data(
            audience_segment=Segment.ENTERPRISE,
            audience_tier="gold",
            sender='"Customer Success, EMEA" <cs@ourcompany.example>',
        ),
    )

    campaign = Campaign.objects.get()
    assert reply.status_code == 302
    assert reply["Location"] == detail(campaign)
    assert said(reply) == ["Draft saved. Check it, then launch it."]
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.channel == CampaignChannel.EMAIL
    assert campaign.created_by == admin_user
    assert campaign.audience_segment == Segment.ENTERPRISE
    assert campaign.audience_tier == "gold"
    assert campaign.sender == '"Customer Success, EMEA" <cs@ourcompany.example>'
    assert campaign.send_at is None
    assert campaign.drip_days == 1


def test_both_questions_are_required(client, admin_user):
    client.force_login(admin_user)

    reply = client.post(NEW, form_data(question_en="", question_fr=" "))

    assert reply.status_code == 422
    assert set(reply.context["form"].errors) == {"question_en", "question_fr"}
    assert not Campaign.objects.exists()


def test_a_sender_that_is_no_email_address_is_refused(client, admin_user):
    client.force_login(admin_user)

    reply = client.post(NEW, form_data(sender="customer success team"))

    assert reply.status_code == 422
    assert "is not an email address" in reply.context["form"].errors["sender"][0]
    assert not Campaign.objects.exists()


def test_the_name_of_another_campaign_is_refused(client, admin_user):
    CampaignFactory(name="Spring enterprise survey")
    client.force_login(admin_user)

    reply = client.post(NEW, form_data())

    assert reply.status_code == 422
    assert "name" in reply.context["form"].errors


def test_the_account_filter_takes_a_name_a_crm_id_or_a_suggestion(client, admin_user, enterprise):
    big = enterprise["big"]
    client.force_login(admin_user)

    for typed in ("globex", big.external_id.lower(), f"Globex ({big.external_id})"):
        reply = client.post(NEW, form_data(name=typed, audience_account=typed))
        assert reply.status_code == 302, reply.context["form"].errors
        assert Campaign.objects.get(name=typed).audience_account == big


def test_an_account_name_shared_by_two_accounts_or_unknown_is_refused(
    client, admin_user, enterprise
):
    AccountFactory(name="Globex")
    client.force_login(admin_user)

    shared = client.post(NEW, form_data(audience_account="Globex"))
    unknown = client.post(NEW, form_data(audience_account="Umbrella"))

    assert "2 accounts are called “Globex”" in shared.context["form"].errors["audience_account"][0]
    assert (
        "No account is called “Umbrella”" in unknown.context["form"].errors["audience_account"][0]
    )
    assert not Campaign.objects.exists()


def test_the_account_suggestions_match_the_name_or_the_crm_id(client, manager, enterprise):
    client.force_login(manager)
    url = reverse("campaign-account-suggestions")

    by_name = client.get(url, {"audience_account": "glob"}).content.decode()
    by_id = client.get(url, {"audience_account": enterprise["other"].external_id}).content.decode()

    assert f'value="Globex ({enterprise["big"].external_id})"' in by_name
    assert "Initech" not in by_name
    assert f'value="Initech ({enterprise["other"].external_id})"' in by_id


def test_a_campaign_sent_at_a_date_needs_a_moment_to_come(client, admin_user):
    client.force_login(admin_user)
    past = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    missing = client.post(NEW, form_data(schedule="at", send_at=""))
    passed = client.post(NEW, form_data(schedule="at", send_at=past))

    assert "Give the date and time" in missing.context["form"].errors["send_at"][0]
    assert "This moment has passed" in passed.context["form"].errors["send_at"][0]
    assert not Campaign.objects.exists()


def test_a_spread_campaign_keeps_its_first_day_and_its_working_days(client, admin_user):
    client.force_login(admin_user)
    start = timezone.localtime() + dt.timedelta(days=3)

    too_long = client.post(
        NEW, form_data(schedule="drip", send_at=start.strftime("%Y-%m-%dT%H:%M"), drip_days="61")
    )
    reply = client.post(
        NEW, form_data(schedule="drip", send_at=start.strftime("%Y-%m-%dT%H:%M"), drip_days="10")
    )

    assert "from 1 to 60" in too_long.context["form"].errors["drip_days"][0]
    campaign = Campaign.objects.get()
    assert reply.status_code == 302
    assert campaign.drip_days == 10
    assert campaign.send_at == start.replace(second=0, microsecond=0)


def test_send_now_ignores_the_date_and_days_typed_for_the_other_choices(client, admin_user):
    client.force_login(admin_user)

    client.post(NEW, form_data(schedule="now", send_at="not a date", drip_days="600"))

    campaign = Campaign.objects.get()
    assert (campaign.send_at, campaign.drip_days) == (None, 1)


def test_a_draft_is_edited_and_shows_its_choices_again(client, admin_user, enterprise):
    start = timezone.now() + dt.timedelta(days=2)
    campaign = draft(audience_account=enterprise["big"], send_at=start, drip_days=3)
    client.force_login(admin_user)

    form = client.get(edit(campaign)).context["form"]
    assert form["schedule"].value() == "drip"
    assert form["audience_account"].value() == f"Globex ({enterprise['big'].external_id})"

    reply = client.post(edit(campaign), form_data(name="Renamed", schedule="now"))

    assert reply.status_code == 302
    assert said(reply) == ["Changes saved."]
    campaign.refresh_from_db()
    assert (campaign.name, campaign.send_at, campaign.drip_days) == ("Renamed", None, 1)
    assert campaign.audience_account is None


def test_a_launched_campaign_refuses_edits(client, admin_user, enterprise):
    campaign = draft(name="Launched")
    launch_campaign(campaign=campaign, actor=admin_user)
    client.force_login(admin_user)

    shown = client.get(edit(campaign), follow=True)
    assert shown.redirect_chain == [(detail(campaign), 302)]
    assert said(shown) == ["Only a draft campaign can be changed."]

    posted = client.post(edit(campaign), form_data(name="Changed after launch"), follow=True)
    assert posted.redirect_chain == [(detail(campaign), 302)]
    assert said(posted) == ["Only a draft campaign can be changed."]
    campaign.refresh_from_db()
    assert campaign.name == "Launched"


def test_an_external_campaign_is_read_only(client, admin_user):
    external = CampaignFactory(name="Delighted Q2", invitations_sent=10)
    client.force_login(admin_user)

    page = client.get(detail(external)).content.decode()
    assert edit(external) not in page
    assert action(external, "launch") not in page

    refused = client.post(edit(external), form_data(), follow=True)
    assert said(refused) == ["Only a draft campaign can be changed."]
    launch = client.post(action(external, "launch"), follow=True)
    assert said(launch) == ["This campaign was already launched."]
    delete = client.post(action(external, "delete"), follow=True)
    assert said(delete) == ["Only a draft campaign can be deleted; cancel it instead."]
    assert Campaign.objects.filter(pk=external.pk, name="Delighted Q2").exists()


# --- the preview ----------------------------------------------------------------------------------


@pytest.fixture
def excluded(enterprise):
    """In the enterprise segment: one contact opted out, one with an open case, one surveyed
    10 days ago (with 90 days between surveys, and a quota of 2 surveys per account over
    30 days), and three people at Initech, where that survey was the first of the quota."""
    rules = LoopSettings.current()
    rules.survey_throttle_days = 90
    rules.account_survey_quota = 2
    rules.account_quota_days = 30
    rules.save()
    ada, bob, cleo, dan, _eve = enterprise["contacts"]
    ada.opted_out = True
    ada.save()
    suppress_surveys(contact=bob, reason=SuppressionReason.OPEN_CASE, note="Case #12")
    InvitationFactory(
        contact=cleo,
        campaign=CampaignFactory(name="Autumn", channel=CampaignChannel.EMAIL),
        sent_at=timezone.now() - dt.timedelta(days=10),
    )
    extra = ContactFactory(account=enterprise["other"], name="Fay Admin", persona=Persona.ADMIN)
    return {"opted_out": ada, "suppressed": bob, "throttled": cleo, "fine": dan, "quota": extra}


def test_the_preview_counts_who_would_be_left_out_and_why(client, admin_user, excluded):
    client.force_login(admin_user)

    data = {**form_data(audience_segment=Segment.ENTERPRISE), "preview": "1"}
    reply = client.post(NEW, data, headers=HTMX)

    preview = client.post(NEW, data).context["preview"]  # the same, as a whole page
    assert preview.audience == 5
    assert preview.excluded_by_reason == {
        Exclusion.OPTED_OUT: 1,
        Exclusion.SUPPRESSED: 1,
        Exclusion.THROTTLED: 1,
        Exclusion.QUOTA: 1,
    }
    assert preview.reachable == 1
    reasons = {example.contact.name: example.verdict.reason for example in preview.examples}
    # Dan comes first at Initech (by influence, then id) and takes the rest of its quota.
    assert reasons == {
        "Ada Champion": Exclusion.OPTED_OUT,
        "Bob User": Exclusion.SUPPRESSED,
        "Cleo Sponsor": Exclusion.THROTTLED,
        "Fay Admin": Exclusion.QUOTA,
    }
    html = reply.content.decode()
    assert "<form" not in html  # only the preview, swapped into the page
    assert "Ada Champion" in html and "Opted out of surveys" in html
    assert "Surveyed recently" in html
    assert Campaign.objects.count() == 1  # the earlier campaign of the fixture


def test_without_javascript_the_preview_button_shows_the_whole_form_with_the_preview(
    client, admin_user, excluded
):
    client.force_login(admin_user)

    reply = client.post(NEW, {**form_data(name="", audience_segment=Segment.SMB), "preview": "1"})

    assert reply.status_code == 200
    assert reply.context["preview"].audience == 1
    assert reply.context["form"].errors == {}  # the missing name waits for the saving
    html = reply.content.decode()
    assert 'id="campaign-form"' in html
    assert Campaign.objects.count() == 1  # the earlier campaign of the fixture


def test_the_preview_waits_for_a_valid_audience(client, admin_user, enterprise):
    client.force_login(admin_user)

    reply = client.post(NEW, {**form_data(audience_account="Nobody Inc"), "preview": "1"})

    assert reply.context["preview"] is None
    assert set(reply.context["form"].errors) == {"audience_account"}
    assert "Fix the audience filters" in reply.content.decode()


def test_the_preview_of_a_spread_campaign_gives_the_emails_of_each_sending_day(
    client, admin_user, enterprise
):
    rules = LoopSettings.current()
    rules.working_days = [0, 1, 2, 3, 4]
    rules.holidays = []
    rules.save()
    # A Friday: the next sending days are Monday and Tuesday.
    friday = timezone.localtime() + dt.timedelta(days=7)
    friday += dt.timedelta(days=(4 - friday.weekday()) % 7)
    client.force_login(admin_user)

    reply = client.post(
        NEW,
        {
            **form_data(schedule="drip", send_at=friday.strftime("%Y-%m-%dT09:00"), drip_days="3"),
            "preview": "1",
        },
    )

    days = friday.date(), friday.date() + dt.timedelta(days=3), friday.date() + dt.timedelta(days=4)
    assert reply.context["plan"] == [(days[0], 2), (days[1], 2), (days[2], 1)]
    assert "Emails per sending day" in reply.content.decode()


def test_the_form_page_with_its_preview_needs_the_same_queries_for_more_contacts(
    client, admin_user, excluded, django_assert_max_num_queries
):
    client.force_login(admin_user)
    data = form_data(audience_segment=Segment.ENTERPRISE)
    with django_assert_max_num_queries(20) as few:
        client.post(NEW, {**data, "preview": "1"})
    for _ in range(30):
        ContactFactory(account=AccountFactory(segment=Segment.ENTERPRISE), opted_out=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.post(NEW, {**data, "preview": "1"}).context["preview"].audience == 35


# --- launching, following, cancelling -------------------------------------------------------------


def test_a_draft_page_shows_who_it_would_reach_and_leads_to_the_launch(client, manager, excluded):
    campaign = draft(audience_segment=Segment.ENTERPRISE)
    client.force_login(manager)

    html = " ".join(client.get(detail(campaign)).content.decode().split())

    assert "1 of the 5 contacts of the audience would get the survey if it were sent now." in html
    assert "Left out: opted out of surveys (1), surveys suppressed (1)," in html
    assert f'href="{action(campaign, "launch")}"' in html
    assert f'href="{edit(campaign)}"' in html


def test_the_launch_is_confirmed_with_the_count_of_people_surveyed(client, manager, excluded):
    campaign = draft(audience_segment=Segment.ENTERPRISE, drip_days=1)
    client.force_login(manager)

    confirm = client.get(action(campaign, "launch"))

    html = " ".join(confirm.content.decode().split())
    assert "The survey goes to <strong>1 contact</strong> now." in html
    assert "5 contacts match the audience; 4 are left out:" in html
    assert "Launch: survey 1 contact" in html
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT  # asking is not launching


def test_cancelling_and_deleting_are_confirmed_too(client, manager, enterprise):
    sending = CampaignFactory(
        channel=CampaignChannel.EMAIL, status=CampaignStatus.SENDING, launched_at=timezone.now()
    )
    InvitationFactory.create_batch(2, campaign=sending)
    InvitationFactory(
        campaign=sending, status=InvitationStatus.SCHEDULED, sent_at=None, expires_at=None
    )
    doomed = draft(name="Doomed")
    client.force_login(manager)

    cancel = " ".join(client.get(action(sending, "cancel")).content.decode().split())
    delete = client.get(action(doomed, "delete")).content.decode()

    assert "The 1 invitation not sent yet will never be." in cancel
    assert "The 2 emails sent stay, and their answers still count." in cancel
    assert "Delete the draft “Doomed”?" in delete
    # Nothing to confirm when the action no longer applies: back to the campaign.
    assert client.get(action(doomed, "cancel"))["Location"] == detail(doomed)
    assert client.get(action(sending, "launch"))["Location"] == detail(sending)


def test_create_preview_launch_and_cancel_through_the_pages(
    client, admin_user, excluded, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    client.post(NEW, form_data(audience_segment=Segment.ENTERPRISE))
    campaign = Campaign.objects.get(name="Spring enterprise survey")
    preview = client.post(
        edit(campaign), {**form_data(audience_segment="enterprise"), "preview": "1"}
    )
    assert preview.context["preview"].reachable == 1

    with django_capture_on_commit_callbacks() as enqueued:
        launched = client.post(action(campaign, "launch"))

    assert said(launched) == ["“Spring enterprise survey” is launched: its emails are going out."]
    assert len(enqueued) == 1  # the planning of its invitations
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    assert campaign.launched_by == admin_user
    plan_campaign(campaign_id=campaign.pk)
    page = client.get(detail(campaign)).content.decode()
    assert f'href="{action(campaign, "cancel")}"' in page
    assert 'hx-trigger="every 4s"' in page

    cancelled = client.post(action(campaign, "cancel"))

    assert said(cancelled) == [
        "“Spring enterprise survey” is cancelled: 5 emails will not be sent."
    ]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED
    assert set(campaign.invitations.values_list("exclusion", flat=True)) == {Exclusion.CANCELLED}
    page = client.get(detail(campaign)).content.decode()
    assert "every 4s" not in page
    assert action(campaign, "cancel") not in page


def test_a_refused_action_is_a_message_not_an_error_page(client, admin_user, enterprise):
    empty = draft(name="Nobody", audience_tier="Platinum")
    launched = draft(name="Launched")
    launch_campaign(campaign=launched, actor=admin_user)
    client.force_login(admin_user)

    nobody = client.post(action(empty, "launch"), follow=True)
    twice = client.post(action(launched, "launch"), follow=True)
    delete = client.post(action(launched, "delete"), follow=True)
    cancel_draft = client.post(action(empty, "cancel"), follow=True)

    assert said(nobody) == ["No contact matches this audience: widen the filters before launching."]
    assert said(twice) == ["This campaign was already launched."]
    assert said(delete) == ["Only a draft campaign can be deleted; cancel it instead."]
    assert said(cancel_draft) == ["Only a scheduled or sending campaign can be cancelled."]
    for reply in (nobody, twice, delete, cancel_draft):
        assert reply.status_code == 200
    assert Campaign.objects.get(pk=empty.pk).status == CampaignStatus.DRAFT


def test_a_draft_is_deleted(client, manager):
    campaign = draft(name="Mistake")
    client.force_login(manager)

    reply = client.post(action(campaign, "delete"))

    assert reply["Location"] == LIST
    assert said(reply) == ["The draft “Mistake” is deleted."]
    assert not Campaign.objects.exists()


def test_actions_are_known_and_done_on_post_only(client, manager):
    campaign = draft()
    client.force_login(manager)

    assert client.put(action(campaign, "launch")).status_code == 405
    assert client.post(action(campaign, "explode")).status_code == 404
    assert client.get(action(campaign, "explode")).status_code == 404


def test_while_sending_the_figures_refresh_until_the_campaign_is_over(client, manager):
    campaign = CampaignFactory(
        channel=CampaignChannel.EMAIL,
        status=CampaignStatus.SENDING,
        launched_at=timezone.now(),
        planned_at=timezone.now(),
    )
    InvitationFactory(campaign=campaign)
    InvitationFactory(
        campaign=campaign, status=InvitationStatus.SCHEDULED, sent_at=None, expires_at=None
    )
    client.force_login(manager)
    live = {**HTMX, "HX-Target": "campaign-live"}

    sending = client.get(detail(campaign), headers=live)

    html = " ".join(sending.content.decode().split())
    assert html.startswith('<div id="campaign-live" hx-get=')
    assert "1 of 2 invitations dealt with" in html

    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.COMPLETED)
    over = client.get(detail(campaign), headers=live)

    assert over.status_code == 200
    assert over["HX-Refresh"] == "true"


def test_the_invitations_are_filtered_by_status_or_reason(client, manager):
    campaign = CampaignFactory(
        channel=CampaignChannel.EMAIL, status=CampaignStatus.SENDING, launched_at=timezone.now()
    )
    sent = InvitationFactory(campaign=campaign)
    quota = InvitationFactory(
        campaign=campaign,
        status=InvitationStatus.EXCLUDED,
        exclusion=Exclusion.QUOTA,
        exclusion_note="The account already had 1 surveys in the last 30 days.",
        sent_at=None,
        expires_at=None,
    )
    opted_out = InvitationFactory(
        campaign=campaign,
        status=InvitationStatus.EXCLUDED,
        exclusion=Exclusion.OPTED_OUT,
        sent_at=None,
        expires_at=None,
    )
    client.force_login(manager)

    def shown(query: str, **headers) -> list[int]:
        reply = client.get(detail(campaign) + query, headers=headers)
        return [invitation.pk for invitation in reply.context["invitations"].object_list]

    assert shown("") == [sent.pk, quota.pk, opted_out.pk]
    assert shown("?show=sent") == [sent.pk]
    assert shown("?show=excluded") == [quota.pk, opted_out.pk]
    assert shown("?show=excluded-quota", **HTMX) == [quota.pk]
    assert shown("?show=nonsense") == [sent.pk, quota.pk, opted_out.pk]
    html = client.get(detail(campaign) + "?show=excluded-quota").content.decode()
    assert "The account already had 1 surveys in the last 30 days." in html


def test_an_answered_invitation_links_to_the_account_and_the_case(client, manager):
    install_default_playbooks()
    campaign = CampaignFactory(
        channel=CampaignChannel.EMAIL, status=CampaignStatus.SENDING, launched_at=timezone.now()
    )
    invitation = InvitationFactory(campaign=campaign, status=InvitationStatus.ANSWERED)
    answer = ResponseFactory(contact=invitation.contact, campaign=campaign, score=2)
    Invitation.objects.filter(pk=invitation.pk).update(response=answer, answered_at=timezone.now())
    case_id = process_response(response_id=answer.pk).case_id
    client.force_login(manager)

    html = client.get(detail(campaign)).content.decode()

    assert f'href="/accounts/{invitation.account_id}/"' in html
    assert f'href="/cases/{case_id}/"' in html
    assert re.search(rf"Case #{case_id}\b", html)


def test_the_campaign_page_needs_the_same_queries_for_more_invitations(
    client, manager, django_assert_max_num_queries
):
    campaign = CampaignFactory(
        channel=CampaignChannel.EMAIL,
        status=CampaignStatus.SENDING,
        launched_at=timezone.now(),
        planned_at=timezone.now(),
        audience_account=AccountFactory(),
    )

    def add(count: int) -> None:
        for n in range(count):
            invitation = InvitationFactory(campaign=campaign)
            answer = ResponseFactory(
                campaign=campaign,
                contact=invitation.contact,
                score=n % 11,
                answered_at=timezone.now() - dt.timedelta(days=n % 4),
            )
            Invitation.objects.filter(pk=invitation.pk).update(
                status=InvitationStatus.ANSWERED, response=answer, answered_at=answer.answered_at
            )

    client.force_login(manager)
    add(2)
    with django_assert_max_num_queries(12) as few:
        client.get(detail(campaign))
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(detail(campaign)).context["figures"].answered == 22
