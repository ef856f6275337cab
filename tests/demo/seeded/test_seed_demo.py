"""`manage.py seed_demo`: a believable demo data set, created once, with logins printed."""

import datetime as dt

from django.contrib.auth import authenticate
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from accounts.models import Account, Contact, Interaction, Persona, Segment
from core.models import User
from core.roles import Role, roles_of
from demo.seed import DEMO_LOGINS, DEMO_PASSWORD, plan_demo
from notifications.models import Notification
from playbooks import tasks
from playbooks.models import (
    OPEN_CASE_STATUSES,
    ActionAudience,
    ActionItem,
    ActionStatus,
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    CaseStep,
    Escalation,
    StepKind,
    StepStatus,
)
from surveys.models import Campaign, Category, Response, Source
from tests.demo.seeding import ROLE_NAMES, counts, printed_logins, seed

DEMO_CSMS = [login.username for login in DEMO_LOGINS if login.role == Role.CSM]


class TestSeededDemo:
    def test_forty_accounts_over_three_segments_with_arr_of_their_segment(self, seeded, db):
        arr_ranges = {
            Segment.SMB: (5_000, 30_000),
            Segment.MID_MARKET: (30_000, 150_000),
            Segment.ENTERPRISE: (150_000, 1_200_000),
        }
        assert Account.objects.count() >= 40
        for segment, (low, high) in arr_ranges.items():
            accounts = Account.objects.filter(segment=segment)
            assert accounts.count() >= 10
            assert all(low <= account.arr <= high for account in accounts)
        assert set(Account.objects.values_list("currency", flat=True)) == {"EUR"}

    def test_renewals_spread_over_fourteen_months_some_within_ninety_days(self, seeded, db):
        today = timezone.localdate()
        renewals = list(Account.objects.values_list("renewal_date", flat=True))
        assert all(today < day <= today + dt.timedelta(days=430) for day in renewals)
        assert sum(day <= today + dt.timedelta(days=90) for day in renewals) >= 4

    def test_accounts_are_spread_over_the_csms_and_one_or_two_have_none(self, seeded, db):
        books = Account.objects.filter(csm__isnull=False).values("csm").annotate(n=Count("id"))
        assert len(books) >= 4
        assert all(roles_of(User.objects.get(pk=b["csm"])) == {Role.CSM} for b in books)
        assert 1 <= Account.objects.filter(csm__isnull=True).count() <= 2

    def test_two_hundred_contacts_on_their_account_domain_with_every_persona(self, seeded, db):
        contacts = Contact.objects.filter(account__isnull=False).prefetch_related(
            "account__domains"
        )
        assert contacts.count() >= 200
        assert set(contacts.values_list("persona", flat=True)) == set(Persona.values)
        assert all(c.email.split("@")[1] in c.account.domain_list for c in contacts)
        assert all(c.title and c.name for c in contacts)
        assert contacts.filter(opted_out=True, opted_out_at__isnull=False).exists()

    def test_answers_span_the_past_year_over_several_campaigns(self, seeded, db):
        today = timezone.localdate()
        span = Response.objects.aggregate(first=Min("answered_at"), last=Max("answered_at"))
        assert timezone.localtime(span["first"]).date() <= today - dt.timedelta(days=330)
        assert timezone.localtime(span["last"]).date() >= today - dt.timedelta(days=14)
        campaigns = Campaign.objects.annotate(answers=Count("responses")).filter(answers__gt=0)
        assert campaigns.count() >= 3
        assert all(c.invitations_sent >= c.answers for c in campaigns)
        # Imported from the survey tool, typed in, or given on NPS Loop's own survey page.
        assert set(Response.objects.values_list("source", flat=True)) <= {
            Source.CSV,
            Source.MANUAL,
            Source.SURVEY_PAGE,
        }

    def test_two_thirds_of_answers_have_a_varied_comment_in_english_or_french(self, seeded, db):
        with_comment = Response.objects.exclude(comment="")
        share = with_comment.count() / Response.objects.count()
        assert 0.55 <= share <= 0.75
        assert with_comment.values("comment").distinct().count() >= 40
        assert with_comment.filter(language="fr").exists()
        assert with_comment.filter(language="en").exists()

    def test_some_accounts_are_clearly_unhappy(self, seeded, db):
        unhappy = Account.objects.annotate(
            detractors=Count("responses", filter=Q(responses__score__lte=6))
        ).filter(detractors__gte=4)
        assert sum(a.responses.all().nps().nps < -20 for a in unhappy) >= 3

    def test_small_customers_are_happier_than_enterprises(self, seeded, db):
        smb = Response.objects.filter(account__segment=Segment.SMB).nps().nps
        enterprise = Response.objects.filter(account__segment=Segment.ENTERPRISE).nps().nps
        assert smb > enterprise + 10

    def test_some_answers_wait_for_an_admin_to_assign_them(self, seeded, db):
        assert Response.objects.filter(account__isnull=True).count() >= 3
        assert "match no account yet" in seeded

    def test_every_account_has_interactions_of_the_last_six_months(self, seeded, db):
        since = timezone.now() - dt.timedelta(days=183)
        accounts = Account.objects.annotate(
            recent=Count("interactions", filter=Q(interactions__occurred_at__gte=since))
        )
        assert all(account.recent >= 3 for account in accounts)
        kinds = set(Interaction.objects.values_list("kind", flat=True))
        assert {"sales", "support_ticket", "meeting", "email", "qbr"} <= kinds

    def test_every_answer_has_its_case(self, seeded, db):
        assert not Response.objects.filter(processed_at__isnull=True).exists()
        assert not Response.objects.filter(cases__isnull=True).exists()

    def test_cases_open_on_their_answers_day_over_the_whole_year(self, seeded, db):
        cases = Case.objects.select_related("response")
        for case in cases:
            answered = case.response.answered_at
            assert answered <= case.opened_at <= answered + dt.timedelta(hours=3)
            assert case.opened_at < case.sla_due_at <= case.opened_at + dt.timedelta(days=9)
        span = cases.aggregate(first=Min("opened_at"), last=Max("opened_at"))
        assert span["last"] - span["first"] >= dt.timedelta(days=330)
        assert not cases.filter(opened_at__date=timezone.localdate()).exists()

    def test_timelines_and_escalations_are_dated_in_the_story(self, seeded, db):
        assert not CaseEvent.objects.filter(created_at__lt=F("case__opened_at")).exists()
        assert not CaseStep.objects.filter(done_at__lt=F("case__opened_at")).exists()
        # The rules raise escalations when the case opens; managers answer later.
        escalations = Escalation.objects.all()
        assert escalations.count() >= 50
        assert not escalations.exclude(raised_at=F("case__opened_at")).exists()
        assert not escalations.filter(acknowledged_at__lte=F("raised_at")).exists()
        opened = CaseEvent.objects.filter(kind="opened")
        assert not opened.exclude(created_at=F("case__opened_at")).exists()

    def test_cases_older_than_a_month_are_closed_with_an_outcome_and_post_mortem(self, seeded, db):
        old = Case.objects.filter(opened_at__lt=timezone.now() - dt.timedelta(days=30))
        closed = old.filter(status=CaseStatus.CLOSED)
        assert closed.count() >= 0.9 * old.count()
        assert not closed.filter(Q(outcome="") | Q(post_mortem="")).exists()
        outcomes = set(closed.values_list("outcome", flat=True))
        assert {CaseOutcome.RESOLVED, CaseOutcome.NOT_RESOLVED} <= outcomes

    def test_cases_closed_by_their_csm_have_a_root_cause_and_several_causes_recur(self, seeded, db):
        by_people = Case.objects.filter(status=CaseStatus.CLOSED).exclude(
            outcome__in=[CaseOutcome.SUPERSEDED, CaseOutcome.CONTACT_ERASED]
        )
        assert not by_people.filter(root_cause__isnull=True).exists()
        causes = set(by_people.values_list("root_cause__name", flat=True))
        assert {"Billing errors", "Response time", "Nothing to fix"} <= causes

    def test_some_closed_cases_missed_their_first_contact_sla(self, seeded, db):
        closed = Case.objects.filter(status=CaseStatus.CLOSED)
        late = closed.filter(first_contact_at__gt=F("sla_due_at")).count()
        assert 0.02 * closed.count() <= late <= 0.2 * closed.count()

    def test_closed_detractor_cases_went_through_call_plan_and_managers(self, seeded, db):
        cases = Case.objects.filter(category=Category.DETRACTOR, status=CaseStatus.CLOSED).exclude(
            outcome=CaseOutcome.UNREACHABLE
        )
        assert cases.count() >= 50
        for case in cases.prefetch_related("steps", "action_items", "escalations"):
            call = next(s for s in case.steps.all() if s.kind == StepKind.QUALIFICATION_CALL)
            assert call.status == StepStatus.DONE
            assert call.result["attempts"][-1]["reached"]
            assert call.result["attempts"][-1]["themes"]
            assert call.result["attempts"][-1]["notes"]
            items = case.action_items.all()
            assert {i.audience for i in items} == {ActionAudience.CUSTOMER, ActionAudience.INTERNAL}
            assert {i.status for i in items} <= {ActionStatus.DONE, ActionStatus.CANCELLED}
            assert all(e.acknowledged_at and e.resolved_at for e in case.escalations.all())
            assert all(e.acknowledged_by and e.resolution for e in case.escalations.all())

    def test_recent_cases_are_caught_at_every_stage(self, seeded, db):
        recent = Case.objects.filter(opened_at__gte=timezone.now() - dt.timedelta(days=21))
        open_recent = recent.filter(status__in=OPEN_CASE_STATUSES)
        assert len(set(open_recent.values_list("status", flat=True))) >= 3
        assert recent.filter(status=CaseStatus.CLOSED).exists()
        assert open_recent.filter(first_contact_at__isnull=False).exists()
        assert ActionItem.objects.filter(case__in=open_recent, status=ActionStatus.OPEN).exists()

    def test_every_demo_csm_has_a_queue_of_open_cases(self, seeded, db):
        for username in DEMO_CSMS:
            owned = Case.objects.filter(owner__username=username, status__in=OPEN_CASE_STATUSES)
            assert 5 <= owned.count() <= 25, username

    def test_the_summary_counts_open_and_closed_cases(self, seeded, db):
        open_cases = Case.objects.filter(status__in=OPEN_CASE_STATUSES).count()
        closed = Case.objects.filter(status=CaseStatus.CLOSED).count()
        line = next(line for line in seeded.splitlines() if line.split()[:1] == ["cases"])
        assert f"{open_cases} open, {closed} closed" in line

    def test_the_worker_later_finds_nothing_left_to_do(self, seeded, db, mailoutbox):
        before = counts()
        answer_ids = list(Response.objects.order_by("pk").values_list("pk", flat=True))
        # As the minute sweep would hand them to the worker, in batches; and a few as live
        # answers, one by one.
        for start in range(0, len(answer_ids), 25):
            tasks.process_responses(response_ids=answer_ids[start : start + 25])
        for response_id in answer_ids[::50]:
            tasks.process_response(response_id=response_id)
        notify = CaseStep.objects.filter(kind=StepKind.NOTIFY)
        assert notify.exists()
        for step_id in notify.values_list("pk", flat=True):
            assert not tasks.deliver_step(step_id=step_id)
        for escalation_id in Escalation.objects.values_list("pk", flat=True):
            assert not tasks.deliver_escalation(escalation_id=escalation_id)
        assert counts() == before
        assert mailoutbox == []
        # Nor any notification email for the sweep to send.
        assert not Notification.objects.filter(email=True, emailed_at__isnull=True).exists()

    def test_every_printed_login_signs_in_with_its_role(self, seeded, db):
        logins = printed_logins(seeded)
        assert {role for role, _, _ in logins} == ROLE_NAMES
        for role, username, password in logins:
            user = authenticate(username=username, password=password)
            assert user is not None, username
            assert roles_of(user) == {Role(role)}

    def test_the_demo_admin_can_open_the_django_admin(self, seeded, db, client):
        assert client.login(username="admin", password=DEMO_PASSWORD)
        assert client.get("/admin/").status_code == 200

    def test_running_it_again_changes_nothing(self, seeded, db):
        before = counts()
        output = seed("--force")
        assert counts() == before
        assert "(0 new)" in output
        assert "new)" not in output.replace("(0 new)", "")

    def test_running_it_again_leaves_a_changed_password_alone(self, seeded, db):
        user = User.objects.get(username="csm")
        user.set_password("my own secret phrase")
        user.save(update_fields=["password"])
        seed("--force")
        assert authenticate(username="csm", password="my own secret phrase") is not None
        assert authenticate(username="csm", password=DEMO_PASSWORD) is None

    def test_a_few_detractors_were_never_reached_and_closed_as_unreachable(self, seeded, db):
        cases = Case.objects.filter(outcome=CaseOutcome.UNREACHABLE).prefetch_related("steps")
        assert cases.exists()
        for case in cases:
            call = next(s for s in case.steps.all() if s.kind == StepKind.QUALIFICATION_CALL)
            assert call.status == StepStatus.SKIPPED
            assert [a["reached"] for a in call.result["attempts"]] == [False, False, False]
            assert case.post_mortem


def test_the_same_day_plans_the_same_demo():
    day = dt.date(2026, 3, 2)
    assert plan_demo(today=day) == plan_demo(today=day)
