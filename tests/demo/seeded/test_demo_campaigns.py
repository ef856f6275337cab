"""The demo shows campaigns NPS Loop sends itself: the latest relationship survey, sent by
email over three days with what became of each invitation, and next quarter's, drafted."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max
from django.utils import timezone

from accounts.models import Contact
from core.models import User
from demo.seed import plan_demo
from surveys.audience import audience_preview
from surveys.models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Exclusion,
    Invitation,
    InvitationStatus,
    Response,
    Source,
)
from surveys.selectors import campaign_figures
from surveys.services.campaigns import launch_campaign


def _seed() -> str:
    # Tests run with DEBUG off, as a deployment does: seeding then needs --force.
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


@pytest.fixture
def sent(seeded, db) -> Campaign:
    return Campaign.objects.get(channel=CampaignChannel.EMAIL, status=CampaignStatus.COMPLETED)


@pytest.fixture
def draft(seeded, db) -> Campaign:
    return Campaign.objects.get(channel=CampaignChannel.EMAIL, status=CampaignStatus.DRAFT)


def test_the_latest_relationship_survey_went_out_by_email_over_three_days(sent):
    today = timezone.localdate()
    send_at = timezone.localtime(sent.send_at)
    assert sent.name.startswith("Relationship survey ")
    assert send_at.date() == today - dt.timedelta(days=12)
    assert send_at.time() == dt.time(10)
    assert sent.drip_days == 3
    assert "sent by NPS Loop" in sent.description
    assert sent.launched_by.username == "manager"
    assert send_at - dt.timedelta(hours=2) < sent.launched_at < send_at
    assert sent.launched_at < sent.planned_at < sent.started_at
    days = (
        Invitation.objects.filter(campaign=sent)
        .values("scheduled_for")
        .annotate(n=Count("id"))
        .order_by("scheduled_for")
    )
    assert [timezone.localtime(day["scheduled_for"]).time() for day in days] == [dt.time(10)] * 3
    counts = [day["n"] for day in days]
    assert max(counts) - min(counts) <= 1
    last_sent = Invitation.objects.filter(campaign=sent).aggregate(last=Max("sent_at"))["last"]
    assert last_sent < sent.completed_at < last_sent + dt.timedelta(minutes=5)


def test_every_contact_of_the_audience_got_one_invitation_and_none_went_to_an_unmatched(sent):
    invited = set(Invitation.objects.filter(campaign=sent).values_list("contact_id", flat=True))
    assert invited == set(
        Contact.objects.filter(account__isnull=False).values_list("pk", flat=True)
    )
    assert not Invitation.objects.filter(campaign=sent, contact__account__isnull=True).exists()
    # People who replied from an address no account owns: typed in, no invitation of theirs.
    unmatched = Response.objects.filter(campaign=sent, account__isnull=True)
    assert unmatched.exists()
    assert set(unmatched.values_list("source", flat=True)) == {Source.MANUAL}


def test_answers_came_through_the_survey_page_each_linked_to_its_invitation(sent):
    answered = Invitation.objects.filter(campaign=sent, status=InvitationStatus.ANSWERED)
    through_page = Response.objects.filter(campaign=sent, source=Source.SURVEY_PAGE)
    assert through_page.count() >= 50
    assert set(answered.values_list("response_id", flat=True)) == set(
        through_page.values_list("pk", flat=True)
    )
    assert not answered.exclude(answered_at=F("response__answered_at")).exists()
    assert not answered.exclude(contact=F("response__contact")).exists()
    for invitation in answered:
        assert invitation.sent_at < invitation.opened_at <= invitation.answered_at
        assert invitation.answered_at < invitation.expires_at
    assert not Response.objects.filter(campaign=sent, source=Source.CSV).exists()


def test_the_figures_count_what_was_sent_bounced_and_opted_out(sent):
    invitations = Invitation.objects.filter(campaign=sent)
    emailed = invitations.filter(sent_at__isnull=False)
    figures = campaign_figures(sent)
    assert sent.invitations_sent == emailed.count() == figures.sent
    assert not invitations.filter(status=InvitationStatus.ANSWERED, sent_at__isnull=True).exists()
    assert not emailed.exclude(expires_at=F("sent_at") + dt.timedelta(days=30)).exists()
    bounced = invitations.filter(status=InvitationStatus.BOUNCED)
    assert 1 <= bounced.count() <= 0.05 * invitations.count()
    assert all(b.sent_at is None and b.last_error.startswith("550 5.1.1") for b in bounced)
    assert figures.bounced == bounced.count()
    assert figures.opted_out == invitations.filter(status=InvitationStatus.OPTED_OUT).count() >= 1
    assert figures.answered == Response.objects.filter(campaign=sent).count()
    assert 20 <= figures.response_rate <= 50


def test_people_who_had_opted_out_before_were_excluded_not_emailed(sent):
    excluded = Invitation.objects.filter(campaign=sent, status=InvitationStatus.EXCLUDED)
    opted_out_before = Contact.objects.filter(account__isnull=False, opted_out_at__lt=sent.send_at)
    assert excluded.exists()
    assert set(excluded.values_list("contact_id", flat=True)) == set(
        opted_out_before.values_list("pk", flat=True)
    )
    assert set(excluded.values_list("exclusion", "exclusion_note")) == {
        (Exclusion.OPTED_OUT, "Unsubscribed from surveys.")
    }
    assert not excluded.filter(sent_at__isnull=False).exists()


def test_a_few_unsubscribed_through_the_email_and_are_opted_out_since(sent):
    unsubscribed = Invitation.objects.filter(
        campaign=sent, status=InvitationStatus.OPTED_OUT
    ).select_related("contact")
    assert 1 <= unsubscribed.count() <= 5
    for invitation in unsubscribed:
        assert invitation.sent_at < invitation.opted_out_at
        assert invitation.contact.opted_out
        assert invitation.contact.opted_out_at == invitation.opted_out_at
        # Never answered a survey: no case of theirs was worked while they were opted in.
        assert not invitation.contact.responses.exists()


def test_every_invitation_has_a_token_of_its_own(sent):
    tokens = list(Invitation.objects.values_list("token", flat=True))
    assert len(set(tokens)) == len(tokens)
    assert all(len(token) >= 32 for token in tokens)


def test_next_quarters_survey_is_a_draft_ready_to_launch(draft):
    send_at = timezone.localtime(draft.send_at)
    assert draft.created_by.username == "admin"
    assert draft.drip_days == 5
    assert "ready to launch" in draft.description.lower()
    assert send_at.weekday() == 0 and send_at.time() == dt.time(10)
    assert draft.name == f"Relationship survey {send_at:%B %Y}"
    assert not draft.invitations.exists()
    # On its day, the people the latest survey reached may be surveyed again.
    preview = audience_preview(draft, at=draft.send_at)
    assert preview.reachable > preview.audience / 2
    admin = User.objects.get(username="admin")
    launched = launch_campaign(campaign=draft, actor=admin)
    assert launched.status == CampaignStatus.SCHEDULED
    assert launched.send_at == draft.send_at


def test_the_summary_counts_the_invitations(seeded, db):
    line = next(line for line in seeded.splitlines() if line.split()[:1] == ["invitations"])
    assert line.split()[1] == str(Invitation.objects.count())


def test_seeding_again_creates_no_campaign_invitation_or_answer(seeded, db):
    def counts():
        return (
            Campaign.objects.count(),
            Invitation.objects.count(),
            Response.objects.count(),
            Contact.objects.filter(opted_out=True).count(),
        )

    before = counts()
    output = _seed()
    assert counts() == before
    line = next(line for line in output.splitlines() if line.split()[:1] == ["invitations"])
    assert "(0 new)" in line


def test_the_same_day_plans_the_same_invitations():
    day = dt.date(2026, 3, 2)
    first, second = plan_demo(today=day), plan_demo(today=day)
    assert first.invitations == second.invitations
    assert {i.campaign for i in first.invitations} == {
        c.name for c in first.campaigns if c.status == CampaignStatus.COMPLETED
    }


def test_no_survey_email_of_the_past_waits_to_be_sent_when_the_demo_starts(seeded, db):
    """Follow-up surveys the demo's cases asked for went out back then: a worker started by
    `make run` must not send a burst of them at once."""
    follow_ups = Invitation.objects.filter(purpose="follow_up")
    assert follow_ups.exists()
    due_now = Invitation.objects.filter(
        status=InvitationStatus.SCHEDULED, scheduled_for__lte=timezone.now()
    )
    assert due_now.count() == 0
    assert follow_ups.filter(status=InvitationStatus.SENT, sent_at__lt=timezone.now()).exists()
