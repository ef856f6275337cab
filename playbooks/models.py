"""Playbooks (what to do with an answer) and cases (doing it for one answer).

A playbook is configuration: a trigger and ordered steps. A case is the work on
one answer: its steps are copied from the playbook when the case opens, so that
editing a playbook never changes the cases already running. Every change to a
case goes through `playbooks.services` and leaves a `CaseEvent`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact, Segment
from core.access import Reach, reach_of
from core.said import in_reader_language, render
from surveys.models import Category, Response, Suppression, Theme


class StepKind(models.TextChoices):
    LOOKUP_360 = "lookup_360", _("360° lookup")
    QUALIFICATION_CALL = "qualification_call", _("Qualification call")
    SHARE_WITH_CHAMPION = "share_with_champion", _("Share with the champion")
    ACTION_PLAN = "action_plan", _("Action plan")
    ESCALATION = "escalation", _("Escalation rules")
    SUPPRESS_SURVEYS = "suppress_surveys", _("Suppress surveys")
    FOLLOW_UP_SURVEY = "follow_up_survey", _("Follow-up survey")
    POST_MORTEM = "post_mortem", _("Post-mortem")
    NOTIFY = "notify", _("Notify")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge the customer")
    TASK = "task", _("Task")


# Steps the worker runs; the others are done by people.
AUTOMATIC_STEP_KINDS = frozenset(
    {
        StepKind.LOOKUP_360,
        StepKind.ESCALATION,
        StepKind.SUPPRESS_SURVEYS,
        StepKind.NOTIFY,
        StepKind.ACKNOWLEDGE,
    }
)


class AssigneeKind(models.TextChoices):
    ACCOUNT_CSM = "account_csm", _("The account's CSM")
    MANAGERS = "managers", _("The manager group")
    USER = "user", _("A named user")


class Playbook(models.Model):
    """What to do with the answers its trigger matches; the highest priority match wins."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    for_detractors = models.BooleanField(_("detractors (0–6)"), default=False)
    for_passives = models.BooleanField(_("passives (7–8)"), default=False)
    for_promoters = models.BooleanField(_("promoters (9–10)"), default=False)
    min_score = models.PositiveSmallIntegerField(_("lowest score"), null=True, blank=True)
    max_score = models.PositiveSmallIntegerField(_("highest score"), null=True, blank=True)
    segment = models.CharField(
        _("only this segment"), max_length=20, choices=Segment.choices, blank=True
    )
    tier = models.CharField(_("only this tier"), max_length=50, blank=True)
    min_arr = models.DecimalField(
        _("only from this ARR"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    priority = models.SmallIntegerField(
        _("priority"),
        default=0,
        help_text=_("When several active playbooks match an answer, the highest priority wins."),
    )
    sla_business_days = models.PositiveSmallIntegerField(
        _("first contact within (business days)"),
        default=2,
        help_text=_("The case's SLA: by when someone must have reached out to the customer."),
    )
    group_by_account = models.BooleanField(
        _("group answers of one account"),
        default=False,
        help_text=_(
            "A new answer from an account that already has an open case of this playbook "
            "joins that case instead of opening another one."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "name"]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_score__isnull=True) | Q(min_score__lte=10),
                name="playbook_min_score_0_10",
            ),
            models.CheckConstraint(
                condition=Q(max_score__isnull=True) | Q(max_score__lte=10),
                name="playbook_max_score_0_10",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def categories(self) -> list[str]:
        flags = {
            Category.DETRACTOR: self.for_detractors,
            Category.PASSIVE: self.for_passives,
            Category.PROMOTER: self.for_promoters,
        }
        return [category.value for category, on in flags.items() if on]


class PlaybookStep(models.Model):
    """One step of a playbook, copied into each case the playbook opens."""

    playbook = models.ForeignKey(
        Playbook, on_delete=models.CASCADE, related_name="steps", verbose_name=_("playbook")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=30, choices=StepKind.choices)
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    due_in_days = models.PositiveSmallIntegerField(
        _("due in (business days)"),
        null=True,
        blank=True,
        help_text=_("Counted from the case's opening. Empty: no due date."),
    )
    assignee_kind = models.CharField(
        _("assigned to"),
        max_length=20,
        choices=AssigneeKind.choices,
        default=AssigneeKind.ACCOUNT_CSM,
    )
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("named user"),
    )
    required = models.BooleanField(
        _("required"), default=True, help_text=_("A case cannot close while it is open.")
    )
    options = models.JSONField(_("settings"), default=dict, blank=True)

    class Meta:
        ordering = ["playbook", "position", "id"]
        verbose_name = _("playbook step")
        verbose_name_plural = _("playbook steps")

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    PLAN_IN_PROGRESS = "plan_in_progress", _("Plan in progress")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


OPEN_CASE_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.IN_PROGRESS,
    CaseStatus.PLAN_IN_PROGRESS,
    CaseStatus.MONITORING,
)


class CasePriority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class CaseOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    NOT_RESOLVED = "not_resolved", _("Not resolved")
    CHURNED = "churned", _("Churned")
    UNREACHABLE = "unreachable", _("Unreachable")
    # Closed by NPS Loop itself, not by a CSM:
    SUPERSEDED = "superseded", _("Superseded by a corrected score")
    CONTACT_ERASED = "contact_erased", _("Contact erased")


# The outcomes a person chooses when closing a case; the others are NPS Loop's own.
CLOSING_OUTCOMES = (
    CaseOutcome.RESOLVED,
    CaseOutcome.NOT_RESOLVED,
    CaseOutcome.CHURNED,
    CaseOutcome.UNREACHABLE,
)


class RootCauseQuerySet(models.QuerySet):
    def closable(self) -> RootCauseQuerySet:
        """The root causes a case may close with: in use (and their cause too), and a
        sub-cause wherever a cause has some in use."""
        in_use_children = RootCause.objects.filter(parent=OuterRef("pk"), active=True)
        return self.filter(Q(parent__isnull=True) | Q(parent__active=True), active=True).exclude(
            Exists(in_use_children)
        )


class RootCause(models.Model):
    """Why a case happened, chosen when it is closed: a cause ("Support") or one of its
    sub-causes ("Support > Response time"). Two levels at most; admins manage the list.

    A cause that cases name is archived rather than deleted (PROTECT keeps the guarantee):
    no case closes with it any more, the cases that name it keep it.
    """

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("cause"),
    )
    name = models.CharField(_("name"), max_length=100)
    name_fr = models.CharField(_("name in French"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # "Nothing to fix" (a promoter thanked) closes cases too, but is no issue to count.
    counts_as_issue = models.BooleanField(
        _("counts as an issue"),
        default=True,
        help_text=_(
            "Untick it for closings where nothing was wrong, such as a promoter thanked: "
            "the Recurring issues page leaves their cases out."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RootCauseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(parent__isnull=True),
                name="root_cause_unique_cause_name",
            ),
            models.UniqueConstraint(
                Lower("name"),
                "parent",
                condition=Q(parent__isnull=False),
                name="root_cause_unique_sub_cause_name",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")), name="root_cause_not_its_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def display_name(self) -> str:
        """The name in the reader's language: the French one when they read French and it
        has one."""
        return in_reader_language({"en": self.name, "fr": self.name_fr})

    @property
    def label(self) -> str:
        """ "Cause › Sub-cause" in the reader's language (the parent is read when not loaded)."""
        if self.parent_id is None:
            return self.display_name
        return f"{self.parent.display_name} › {self.display_name}"

    def labels(self) -> dict[str, str]:
        """The label in English and in French, for a sentence kept on a timeline."""
        parent = self.parent
        english = f"{parent.name} › {self.name}" if parent else self.name
        french_name = self.name_fr or self.name
        if parent:
            french_name = f"{parent.name_fr or parent.name} › {french_name}"
        return {"en": english, "fr": french_name}


class CaseQuerySet(models.QuerySet):
    def current(self) -> CaseQuerySet:
        """Cases not superseded: each answer has at most one (`case_one_current_per_answer`)."""
        return self.filter(superseded_at__isnull=True)

    def visible_to(self, reader) -> CaseQuerySet:
        """The cases `reader` may see (`playbooks.access`): managers, admins and REST API keys
        every case; a CSM the cases of their accounts, those they own, those with a step
        waiting for them or done by them, those they own an action item of and those a note
        mentions them on; anyone else none."""
        reach = reach_of(reader)
        if reach is Reach.EVERYTHING:
            return self
        if reach is Reach.NOTHING:
            return self.none()
        # A set of ids, computed once, rather than a check per case: PostgreSQL hashes it.
        # A step is the reader's while it waits for them, and once they did it; the steps
        # done automatically in their name stay behind when the case goes to someone else.
        # Two sets, each read from an index alone (`case_step_todo_assignee_case`,
        # `case_step_done_by_case`): one OR inside a single set made PostgreSQL fetch
        # every step from the table.
        waits_on_step = CaseStep.objects.filter(assignee=reader, status=StepStatus.TODO).values(
            "case_id"
        )
        did_step = CaseStep.objects.filter(done_by=reader).values("case_id")
        holds_item = ActionItem.objects.filter(owner=reader).values("case_id")
        mentioned = Note.mentions.through.objects.filter(
            user=reader, note__case__isnull=False
        ).values("note__case_id")
        # The reader's accounts as a set too: joined, each case's account was fetched
        # only to compare its CSM.
        looks_after = Account.objects.filter(csm=reader).values("pk")
        return self.filter(
            Q(account_id__in=looks_after)
            | Q(owner=reader)
            | Q(pk__in=waits_on_step)
            | Q(pk__in=did_step)
            | Q(pk__in=holds_item)
            | Q(pk__in=mentioned)
        )


class Case(models.Model):
    """The follow-up of one answer, worked through the steps of a playbook.

    An answer has one current case. When its score is corrected into another playbook's
    reach, that case is superseded (`superseded_at`; closed as superseded if it was open)
    and the new playbook's case `replaces` it: both keep pointing at the answer.
    """

    response = models.ForeignKey(
        Response, on_delete=models.PROTECT, related_name="cases", verbose_name=_("answer")
    )
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("account"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="cases", verbose_name=_("contact")
    )
    playbook = models.ForeignKey(
        Playbook, on_delete=models.PROTECT, related_name="cases", verbose_name=_("playbook")
    )
    # Empty means the manager group owns the case (an account without a CSM and no
    # fallback owner): a case always has someone to answer for it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_cases",
        verbose_name=_("owner"),
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=CasePriority.choices, default=CasePriority.NORMAL
    )
    opened_at = models.DateTimeField(_("opened at"))
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("first contact due at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CaseOutcome.choices, blank=True)
    post_mortem = models.TextField(_("post-mortem"), blank=True)
    # Required to close a case by hand since root causes exist; cases closed before, and
    # those NPS Loop closes itself (superseded, contact erased), have none.
    root_cause = models.ForeignKey(
        RootCause,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("root cause"),
    )
    arr_at_risk = models.DecimalField(
        _("ARR at risk"),
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text=_("The account's ARR when the case opened, for detractors; else 0."),
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    risk_base = models.PositiveSmallIntegerField(
        _("risk points that do not change with time"),
        default=0,
        help_text=_(
            "The points of the risk score that do not change with time (ARR, answer, "
            "influence), kept up to date when those change; renewal, escalations and overdue "
            "work are added when the queue is read."
        ),
    )
    suppression = models.OneToOneField(
        Suppression,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case",
        verbose_name=_("survey suppression"),
    )
    plan_completed_at = models.DateTimeField(_("action plan completed at"), null=True, blank=True)
    follow_up_response = models.ForeignKey(
        Response,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_up_cases",
        verbose_name=_("follow-up answer"),
    )
    follow_up_requested_at = models.DateTimeField(
        _("follow-up survey requested at"), null=True, blank=True
    )
    won_back_at = models.DateTimeField(_("won back at"), null=True, blank=True)
    follow_up_due_at = models.DateTimeField(
        _("follow-up survey due at"),
        null=True,
        blank=True,
        help_text=_("When the plan was done plus the follow-up step's delay."),
    )
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    superseded_at = models.DateTimeField(
        _("superseded at"),
        null=True,
        blank=True,
        help_text=_("When a corrected score moved the answer to another playbook's case."),
    )
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
        verbose_name=_("replaces case"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["response"],
                condition=Q(superseded_at__isnull=True),
                name="case_one_current_per_answer",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "sla_due_at"]),
            models.Index(fields=["account", "status"]),
            models.Index(fields=["contact", "status"]),
            models.Index(fields=["category", "opened_at"]),
            # The recurring issues: the cases closed in a period, by root cause.
            models.Index(
                fields=["closed_at"],
                include=["root_cause", "account"],
                condition=Q(root_cause__isnull=False),
                name="case_closed_with_root_cause",
            ),
            # The dashboard's accounts with an open detractor case.
            models.Index(
                fields=["account"],
                condition=Q(category=Category.DETRACTOR, status__in=OPEN_CASE_STATUSES),
                name="case_open_detractor_account",
            ),
            # The follow-up sweep: cases whose survey is due and not sent yet.
            models.Index(
                fields=["follow_up_due_at"],
                condition=Q(follow_up_due_at__isnull=False, follow_up_requested_at__isnull=True),
                name="case_follow_up_due",
            ),
            # A CSM's queue counts the cases they may see by status, and of the open ones
            # those overdue or escalated: read from this index alone, not from the table's
            # wide rows (a tenth of the pages to read).
            models.Index(
                fields=["status"],
                include=["account", "owner", "id", "first_contact_at", "sla_due_at"],
                name="case_status_readers",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.contact} ({self.get_category_display()})"

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED

    @property
    def won_back(self) -> bool:
        """The follow-up answer is a passive or a promoter (see `follow_up_response`: with
        one and not won back, the customer is still a detractor)."""
        return self.won_back_at is not None


class CaseAnswer(models.Model):
    """An answer that joined an open case of its account instead of opening its own (a
    playbook that groups the answers of one account)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="joined_answers", verbose_name=_("case")
    )
    response = models.OneToOneField(
        Response, on_delete=models.CASCADE, related_name="joined_case", verbose_name=_("answer")
    )
    joined_at = models.DateTimeField(_("joined at"))

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name = _("joined answer")
        verbose_name_plural = _("joined answers")

    def __str__(self) -> str:
        return f"{self.response_id} → {self.case_id}"


class StepStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class CaseStep(models.Model):
    """A step of one case: the playbook step's definition as it was when the case opened."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="steps", verbose_name=_("case")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=30, choices=StepKind.choices)
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    options = models.JSONField(_("settings"), default=dict, blank=True)
    assignee_kind = models.CharField(_("assigned to"), max_length=20, choices=AssigneeKind.choices)
    # Empty with assignee_kind "managers": any manager may do it.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_steps",
        verbose_name=_("assignee"),
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=StepStatus.choices, default=StepStatus.TODO
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("done by"),
        db_index=False,  # case_step_done_by_case begins with it
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    overdue_escalated_at = models.DateTimeField(_("escalated as overdue at"), null=True, blank=True)

    class Meta:
        ordering = ["case", "position", "id"]
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="case_step_position_unique"),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="todo"), name="case_step_todo_due"),
            # Whether an open case has a late step (queue, dashboard), from the index alone.
            models.Index(
                fields=["case", "due_at"],
                include=["kind"],
                condition=Q(status="todo"),
                name="case_step_todo_case_due",
            ),
            # Which cases a CSM holds a step of (who may see a case: one waiting for them,
            # one they did), read from the indexes alone: a CSM does tens of thousands of
            # steps over the years.
            models.Index(
                fields=["assignee", "case"],
                condition=Q(status="todo"),
                name="case_step_todo_assignee_case",
            ),
            models.Index(fields=["done_by", "case"], name="case_step_done_by_case"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_automatic(self) -> bool:
        return self.kind in AUTOMATIC_STEP_KINDS

    @property
    def is_open(self) -> bool:
        return self.status == StepStatus.TODO


class ActionAudience(models.TextChoices):
    CUSTOMER = "customer", _("For the customer")
    INTERNAL = "internal", _("Internal")


class ActionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("action item", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionItem(models.Model):
    """One item of a case's action plan, for the customer or internal."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("case")
    )
    audience = models.CharField(_("for"), max_length=10, choices=ActionAudience.choices)
    text = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # Reminders go to the owner the day before the due date and on it; a new due date
    # arms them again. An item overdue long enough is escalated once.
    reminded_before_at = models.DateTimeField(
        _("reminded the day before at"), null=True, blank=True
    )
    reminded_due_at = models.DateTimeField(_("reminded on the due date at"), null=True, blank=True)
    overdue_escalated_at = models.DateTimeField(_("escalated as overdue at"), null=True, blank=True)

    class Meta:
        ordering = ["case", "audience", "due_date", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [
            # "My tasks", and the access rule (an item's owner sees its case).
            models.Index(fields=["owner", "case"], name="action_item_owner"),
            # The sweeps (reminders, overdue escalations) and the overdue marks.
            models.Index(
                fields=["due_date"],
                condition=Q(status__in=OPEN_ACTION_STATUSES) & Q(due_date__isnull=False),
                name="action_item_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def is_overdue(self, today: dt.date) -> bool:
        """Still open the day after its due date."""
        return self.is_open and self.due_date is not None and self.due_date < today


class EscalationRule(models.TextChoices):
    ARR_AT_STAKE = "arr_at_stake", _("ARR at stake")
    KEY_CONTACT = "key_contact", _("Champion or exec sponsor")
    REPEATED_DETRACTORS = "repeated_detractors", _("Several detractors at the account")
    RENEWAL_SOON = "renewal_soon", _("Renewal soon")
    STEP_OVERDUE = "step_overdue", _("Step overdue")
    ACTION_OVERDUE = "action_overdue", _("Action overdue")


# The resolution NPS Loop writes itself on the escalations still open when their case
# closes: stored in English like every resolution, shown in the reader's language.
CASE_CLOSED_RESOLUTION = gettext_noop("Case closed.")
SUPERSEDED_RESOLUTION = gettext_noop("Superseded by a corrected score.")
SYSTEM_RESOLUTIONS = frozenset({CASE_CLOSED_RESOLUTION, SUPERSEDED_RESOLUTION})


class Escalation(models.Model):
    """A case brought to the managers' attention, by a rule or by a person."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("case")
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    # Empty when a person raised it; a rule raises at most one escalation per case
    # (per step, for overdue steps): the constraints below make re-running rules harmless.
    rule = models.CharField(_("rule"), max_length=30, choices=EscalationRule.choices, blank=True)
    step = models.ForeignKey(
        CaseStep,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalations",
        verbose_name=_("step"),
    )
    action_item = models.ForeignKey(
        ActionItem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalations",
        verbose_name=_("action item"),
    )
    reason = models.TextField(_("reason"))
    # A rule's reason kept as a sentence (`core.said`), shown in the reader's language; empty
    # for a reason a person typed, shown as typed.
    said = models.JSONField(_("reason to translate"), default=dict, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    notified_at = models.DateTimeField(_("managers notified at"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rule"],
                condition=~Q(rule="") & Q(step__isnull=True) & Q(action_item__isnull=True),
                name="escalation_one_per_case_rule",
            ),
            models.UniqueConstraint(
                fields=["case", "rule", "action_item"],
                condition=Q(action_item__isnull=False),
                name="escalation_one_per_case_item_rule",
            ),
            models.UniqueConstraint(
                fields=["case", "rule", "step"],
                condition=Q(step__isnull=False),
                name="escalation_one_per_case_step_rule",
            ),
        ]
        indexes = [
            models.Index(
                fields=["raised_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="escalation_unacknowledged",
            ),
            # The queue's "escalated" flag and its risk score: the cases escalated now.
            models.Index(
                fields=["case"], condition=Q(resolved_at__isnull=True), name="escalation_unresolved"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.reason[:60]}"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language: a rule's is translated, a person's as typed."""
        return render(self.said) if self.said.get("msgid") else self.reason

    @property
    def reason_param(self) -> Any:
        """The reason as a parameter of a kept sentence (a timeline line, a notice)."""
        return {"sentences": [self.said]} if self.said.get("msgid") else self.reason

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def resolution_text(self) -> str:
        """What was done, as a person typed it, or in the reader's language when NPS Loop
        wrote it (the case was closed)."""
        if self.resolution in SYSTEM_RESOLUTIONS:
            return gettext(self.resolution)
        return self.resolution


class CaseEvent(models.Model):
    """One line of a case's timeline: who did what, when. Never changed once written."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case")
    )
    # Empty: the system did it (the worker, a rule, a schedule).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    message = models.TextField(_("what"))  # in English
    # The message untranslated, with its parameters, for the reader's language
    # (see playbooks.timeline); empty on events written before it was kept.
    said = models.JSONField(_("message to translate"), default=dict, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return self.message


NOTE_MAX_LENGTH = 5000


class Note(models.Model):
    """A team note on a case or an account, for colleagues (never sent to the customer).

    A case's note belongs to its account too, so the account's page lists it; the people it
    @mentions are told, and may open what they were mentioned on (`Case.objects.visible_to`).
    """

    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notes",
        verbose_name=_("account"),
    )
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notes",
        verbose_name=_("case"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="mentioned_in_notes",
        verbose_name=_("mentioned"),
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False) | Q(case__isnull=False),
                name="note_on_a_case_or_an_account",
            ),
        ]
        indexes = [models.Index(fields=["account", "-created_at"], name="note_account_recent")]

    def __str__(self) -> str:
        return self.body[:60]


class ProcessingFailure(models.Model):
    """The dead-letter log: an answer the worker failed to process after its retries."""

    response = models.OneToOneField(
        Response,
        on_delete=models.CASCADE,
        related_name="processing_failure",
        verbose_name=_("answer"),
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"))
    first_failed_at = models.DateTimeField(_("first failed at"))
    last_failed_at = models.DateTimeField(_("last failed at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-last_failed_at"]
        verbose_name = _("processing failure")
        verbose_name_plural = _("processing failures")

    def __str__(self) -> str:
        return f"answer {self.response_id}: {self.error[:60]}"


class AnswerCount(models.Model):
    """How many answers of one day or month gave one score, per segment, tier and CSM of
    their account, persona of their person and campaign: the dashboard's answer figures
    are sums of these rows. PostgreSQL triggers keep them in step with every write to
    answers, accounts and contacts (`playbooks.services.answer_days`); never written from
    Python."""

    # Empty (NULL) where the answer has no account, as the answers' own join would say.
    segment = models.CharField(max_length=20, null=True)
    tier = models.CharField(max_length=50, null=True)
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    persona = models.CharField(max_length=20)
    campaign = models.ForeignKey(
        "surveys.Campaign",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField()
    answers = models.IntegerField()
    commented = models.IntegerField()

    class Meta:
        abstract = True


class AnswerDay(AnswerCount):
    """The answers of one local day (settings.TIME_ZONE)."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "segment", "tier", "csm", "persona", "campaign", "score"],
                name="answer_day_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.answers} × {self.score}"


class AnswerMonth(AnswerCount):
    """The answers of one local calendar month, `month` its first day."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "segment", "tier", "csm", "persona", "campaign", "score"],
                name="answer_month_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.answers} × {self.score}"


class ThemeCount(AnswerCount):
    """`AnswerCount` of the answers tagged with one theme (an answer counts once per theme)."""

    theme = models.ForeignKey(
        "surveys.Theme",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        abstract = True


class ThemeDay(ThemeCount):
    """The answers of one local day tagged with one theme."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "segment", "tier", "csm", "persona", "campaign", "score", "theme"],
                name="theme_day_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.answers} × {self.score}, theme {self.theme_id}"


class ThemeMonth(ThemeCount):
    """The answers of one local calendar month tagged with one theme."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "segment", "tier", "csm", "persona", "campaign", "score", "theme"],
                name="theme_month_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.answers} × {self.score}, theme {self.theme_id}"


# A month's counts summed over the CSMs: what a dashboard that picks no CSM reads, a fifth
# to an eleventh of the rows of the per-CSM months on a team of a dozen CSMs. Kept by the
# same triggers, in the same statements.


class TeamAnswerMonth(AnswerCount):
    """`AnswerMonth` summed over the CSMs."""

    csm = None
    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "segment", "tier", "persona", "campaign", "score"],
                name="team_answer_month_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.answers} × {self.score}"


class TeamThemeMonth(ThemeCount):
    """`ThemeMonth` summed over the CSMs."""

    csm = None
    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "segment", "tier", "persona", "campaign", "score", "theme"],
                name="team_theme_month_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.answers} × {self.score}, theme {self.theme_id}"


# The columns of a case's slice: what the dashboard's pickers narrow by.
SLICED_BY = ["segment", "tier", "csm", "persona", "campaign"]


class CaseSlice(models.Model):
    """One current case (not superseded) with what the dashboard slices and dates it by:
    its answer's moment, the segment, tier and CSM of the answer's account, the persona of
    its person and its campaign, beside the case's own dates. A narrow copy that the
    dashboard's loop figures read in one pass instead of joining cases to answers,
    accounts and people. PostgreSQL triggers keep it in step with every write to cases,
    answers, accounts and contacts (`playbooks.services.case_slices`); never written from
    Python."""

    case = models.OneToOneField(
        Case,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    answered_at = models.DateTimeField()
    # Empty (NULL) where the answer has no account, as the answers' own join would say.
    segment = models.CharField(max_length=20, null=True)
    tier = models.CharField(max_length=50, null=True)
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    persona = models.CharField(max_length=20)
    campaign = models.ForeignKey(
        "surveys.Campaign",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    category = models.CharField(max_length=10)
    status = models.CharField(max_length=20)
    sla_due_at = models.DateTimeField(null=True)
    first_contact_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=20)
    won_back_at = models.DateTimeField(null=True)
    # The won-back rates of a period: by playbook and owner, of the cases whose follow-up
    # answer was given in it (empty while none came).
    playbook = models.ForeignKey(
        Playbook, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    follow_up_answered_at = models.DateTimeField(null=True)
    # The moment the case's work is first late, if it stays as it is: its first contact's
    # SLA while nobody has made it, its people's steps to do, its plan's open items (the
    # last instant of their due day, in the daily counts' time zone); empty without any.
    # An open case is overdue once this has passed (`playbooks.selectors.queue.overdue`).
    overdue_from = models.DateTimeField(null=True)
    # From the answer to the first contact; empty until then.
    wait = models.GeneratedField(
        expression=F("first_contact_at") - F("answered_at"),
        output_field=models.DurationField(),
        db_persist=True,
    )

    class Meta:
        # Each reads what one figure needs from the index alone: the cases of the period's
        # answers, those closed or won back in the period, the waits in their order (the
        # median is the one in the middle). Those whose figures count cases include the
        # case's id: `Count("pk")` reads it.
        indexes = [
            models.Index(
                fields=["answered_at"],
                include=["category", "sla_due_at", "first_contact_at", *SLICED_BY],
                name="case_slice_answered",
            ),
            models.Index(
                fields=["closed_at"], include=["outcome", *SLICED_BY], name="case_slice_closed"
            ),
            models.Index(
                fields=["wait"],
                include=["answered_at", *SLICED_BY],
                condition=Q(wait__isnull=False),
                name="case_slice_wait",
            ),
            # A CSM's median wait reads their own waits in order, not everyone's.
            models.Index(
                fields=["csm", "wait"],
                include=["answered_at", *(f for f in SLICED_BY if f != "csm")],
                condition=Q(wait__isnull=False),
                name="case_slice_csm_wait",
            ),
            models.Index(fields=["won_back_at"], name="case_slice_won_back"),
            models.Index(
                fields=["follow_up_answered_at"],
                include=["playbook", "owner", "won_back_at", *SLICED_BY, "case"],
                condition=Q(follow_up_answered_at__isnull=False),
                name="case_slice_followed_up",
            ),
            # The detractors not contacted yet: whether their first contact is late
            # depends on the moment the figures are read.
            models.Index(
                fields=["answered_at"],
                include=["sla_due_at", *SLICED_BY],
                condition=Q(
                    first_contact_at__isnull=True,
                    category=Category.DETRACTOR,
                    sla_due_at__isnull=False,
                ),
                name="case_slice_uncontacted",
            ),
            # The open cases now, and those overdue now.
            models.Index(
                fields=["status"],
                include=["overdue_from", *SLICED_BY, "case"],
                condition=Q(status__in=OPEN_CASE_STATUSES),
                name="case_slice_open",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.category}, {self.status}"


class LatestAnswer(models.Model):
    """Each account's latest answer (the last by `answered_at`, then by id), for the
    dashboard's "ARR by each account's latest answer" over periods that run to the latest
    answer stored. PostgreSQL triggers keep it in step with every write to answers
    (`playbooks.services.latest_answers`); never written from Python."""

    account = models.OneToOneField(
        Account,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="latest_answer",
    )
    response = models.ForeignKey(
        Response,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    answered_at = models.DateTimeField()
    category = models.CharField(max_length=10)

    def __str__(self) -> str:
        return f"account {self.account_id}: {self.category} at {self.answered_at:%Y-%m-%d}"


class CaseEventKind(models.TextChoices):
    """What a row of case counts counts, and which of the case's days it is counted on."""

    ANSWERED = "answered", "cases of the day's answers"
    CLOSED = "closed", "cases closed that day"
    WON_BACK = "won_back", "cases won back that day"


class CaseCount(models.Model):
    """How many current cases, per segment, tier and CSM of their answer's account, persona
    of its person and campaign, were opened for one day's or month's answers, or closed
    (per outcome), or won back then: the dashboard's loop figures are sums of these rows,
    but for the detractors whose first contact is late at the moment of reading. PostgreSQL
    triggers on `CaseSlice` keep them (`playbooks.services.case_slices`); never written
    from Python."""

    segment = models.CharField(max_length=20, null=True)
    tier = models.CharField(max_length=50, null=True)
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    persona = models.CharField(max_length=20)
    campaign = models.ForeignKey(
        "surveys.Campaign",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    event = models.CharField(max_length=10, choices=CaseEventKind.choices)
    outcome = models.CharField(max_length=20)  # of the cases closed; else empty
    cases = models.IntegerField()
    # Of the cases of the answers: first contacted; detractors with a first-contact SLA
    # contacted, and contacted within it.
    contacted = models.IntegerField()
    due_contacted = models.IntegerField()
    within_sla = models.IntegerField()

    class Meta:
        abstract = True


class CaseDay(CaseCount):
    """The cases of one local day (settings.TIME_ZONE, as `AnswerDay`)."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", *SLICED_BY, "event", "outcome"],
                name="case_day_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.cases} {self.event} {self.outcome}".strip()


class CaseMonth(CaseCount):
    """The cases of one local calendar month, `month` its first day."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", *SLICED_BY, "event", "outcome"],
                name="case_month_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.cases} {self.event} {self.outcome}".strip()


class TeamCaseMonth(CaseCount):
    """`CaseMonth` summed over the CSMs (see `TeamAnswerMonth`)."""

    csm = None
    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", *(f for f in SLICED_BY if f != "csm"), "event", "outcome"],
                name="team_case_month_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.cases} {self.event} {self.outcome}".strip()


class FollowUpMonth(models.Model):
    """How many current cases of one segment, tier and CSM of their answer's account, of one
    playbook and owner, had their follow-up answer in one local calendar month (the answer
    counts' zone), and how many of them were won back: the won-back rates of a period's
    whole months, for a page that picks no persona and no campaign. PostgreSQL triggers on
    `CaseSlice` keep them (`playbooks.services.case_slices`); never written from Python."""

    month = models.DateField()
    segment = models.CharField(max_length=20, null=True)
    tier = models.CharField(max_length=50, null=True)
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    playbook = models.ForeignKey(
        Playbook, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    answered = models.IntegerField()
    won_back = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "segment", "tier", "csm", "playbook", "owner"],
                name="follow_up_month_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.won_back} of {self.answered} won back"


# --- writing to the customer ---------------------------------------------------------------


class MessagePurpose(models.TextChoices):
    ACKNOWLEDGMENT = "acknowledgment", _("First acknowledgment")
    CALL_PROPOSAL = "call_proposal", _("Call proposal")
    PLAN_SUMMARY = "plan_summary", _("Plan summary")
    CLOSING_NOTE = "closing_note", _("Closing note")


class MessageLanguage(models.TextChoices):
    EN = "en", _("English")
    FR = "fr", _("French")


MESSAGE_SUBJECT_MAX_LENGTH = 200
MESSAGE_BODY_MAX_LENGTH = 10000


class CustomerMessageTemplate(models.Model):
    """What a CSM starts from when writing to a customer: one per purpose and language,
    with placeholders (`playbooks.placeholders`) filled from the case. Admins edit them."""

    purpose = models.CharField(_("purpose"), max_length=20, choices=MessagePurpose.choices)
    language = models.CharField(_("language"), max_length=2, choices=MessageLanguage.choices)
    subject = models.CharField(_("subject"), max_length=MESSAGE_SUBJECT_MAX_LENGTH)
    body = models.TextField(_("body"), max_length=MESSAGE_BODY_MAX_LENGTH)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        ordering = ["purpose", "language"]
        verbose_name = _("customer email template")
        verbose_name_plural = _("customer email templates")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "language"], name="customer_message_template_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.language})"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")


class CustomerMessage(models.Model):
    """An email a CSM wrote to the case's contact, as it was sent (or was to be sent)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="customer_messages", verbose_name=_("case")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=MessagePurpose.choices)
    language = models.CharField(_("language"), max_length=2, choices=MessageLanguage.choices)
    to_address = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=MESSAGE_SUBJECT_MAX_LENGTH)
    body = models.TextField(_("body as sent"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("written by"),
    )
    reply_to = models.CharField(_("reply to"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Stamped by the first delivery that starts: the minute sweep sends again only what no
    # delivery ever started (the broker was down), and two deliveries never both send.
    attempted_at = models.DateTimeField(_("first delivery attempt at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer email")
        verbose_name_plural = _("customer emails")
        indexes = [
            models.Index(fields=["case", "-created_at"], name="customer_message_case"),
            models.Index(
                fields=["created_at"],
                condition=Q(status="queued"),
                name="customer_message_queued",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


# --- recurring issues: alerts ------------------------------------------------------------


class IssueKind(models.TextChoices):
    ROOT_CAUSE = "root_cause", _("Root cause")
    THEME = "theme", _("Theme")


# An alert or a fix names exactly one issue: a root cause, or a theme.
NAMES_ONE_ISSUE = Q(kind="root_cause", root_cause__isnull=False, theme__isnull=True) | Q(
    kind="theme", theme__isnull=False, root_cause__isnull=True
)


class AboutAnIssue(models.Model):
    """What a recurring issue's alert and fix share: the root cause or the theme it is."""

    kind = models.CharField(_("kind"), max_length=20, choices=IssueKind.choices)
    root_cause = models.ForeignKey(
        RootCause,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="%(class)s_set",
        verbose_name=_("root cause"),
    )
    theme = models.ForeignKey(
        Theme,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="%(class)s_set",
        verbose_name=_("theme"),
    )

    class Meta:
        abstract = True

    @property
    def issue_id(self) -> int:
        return self.root_cause_id if self.kind == IssueKind.ROOT_CAUSE else self.theme_id

    @property
    def issue(self) -> RootCause | Theme:
        return self.root_cause if self.kind == IssueKind.ROOT_CAUSE else self.theme

    def issue_labels(self) -> dict[str, str]:
        """The issue's name in English and French; a sub-cause's behind its cause's."""
        if self.kind == IssueKind.ROOT_CAUSE:
            return self.root_cause.labels()
        return {"en": self.theme.name, "fr": self.theme.name_fr or self.theme.name}


class IssueAlert(AboutAnIssue):
    """A root cause or a theme that reached the alert threshold of the settings (detractor
    answers or ARR affected within a number of days), told to the managers once.

    An alert is current while its window is: the database keeps one current alert per cause
    and per theme, so two sweeps can never both tell it. Once a whole new window has passed
    since (`retire_issue_alerts`), it stops being current and the issue may be told again.
    """

    window_start = models.DateField(_("from"))
    window_end = models.DateField(_("until"))
    cases = models.PositiveIntegerField(_("cases"), default=0)
    answers = models.PositiveIntegerField(_("answers"), default=0)
    detractor_answers = models.PositiveIntegerField(_("detractor answers"))
    arr = models.DecimalField(_("ARR affected"), max_digits=16, decimal_places=2)
    # [{"id", "name", "arr", "currency"}]: the accounts behind it, as they were told.
    accounts = models.JSONField(_("accounts"), default=list)
    current = models.BooleanField(default=True)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    slack_posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("recurring issue alert")
        verbose_name_plural = _("recurring issue alerts")
        constraints = [
            models.CheckConstraint(condition=NAMES_ONE_ISSUE, name="issue_alert_names_its_issue"),
            models.UniqueConstraint(
                fields=["root_cause"],
                condition=Q(current=True, root_cause__isnull=False),
                name="issue_alert_once_per_cause",
            ),
            models.UniqueConstraint(
                fields=["theme"],
                condition=Q(current=True, theme__isnull=False),
                name="issue_alert_once_per_theme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.issue_id}: {self.window_start} – {self.window_end}"


# --- recurring issues: fixes -------------------------------------------------------------


FIX_NOTE_MAX_LENGTH = 2000


class IssueFix(AboutAnIssue):
    """A recurring issue a manager marked as fixed, with the release note: the linked
    cases' timelines say it, the contacts who raised it may be emailed about it, and their
    NPS before and after shows whether it worked."""

    note = models.TextField(_("release note"), max_length=FIX_NOTE_MAX_LENGTH)
    fixed_at = models.DateTimeField(_("fixed at"))
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("fixed by"),
    )
    # The contacts who raised it: those of the cases closed (root cause) or the answers
    # given (theme) on these days, detractors and passives.
    raised_from = models.DateField(_("raised from"))
    raised_to = models.DateField(_("raised until"))
    # The email to those contacts, as sent, per language; empty until it is sent.
    subject_en = models.CharField(max_length=MESSAGE_SUBJECT_MAX_LENGTH, blank=True)
    body_en = models.TextField(max_length=MESSAGE_BODY_MAX_LENGTH, blank=True)
    subject_fr = models.CharField(max_length=MESSAGE_SUBJECT_MAX_LENGTH, blank=True)
    body_fr = models.TextField(max_length=MESSAGE_BODY_MAX_LENGTH, blank=True)
    emailed_at = models.DateTimeField(_("emails queued at"), null=True, blank=True)
    emailed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("emails queued by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fixed_at", "-pk"]
        verbose_name = _("fixed issue")
        verbose_name_plural = _("fixed issues")
        constraints = [
            models.CheckConstraint(condition=NAMES_ONE_ISSUE, name="issue_fix_names_its_issue"),
            models.CheckConstraint(
                condition=Q(raised_from__lte=F("raised_to")), name="issue_fix_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.issue_id} fixed {self.fixed_at:%Y-%m-%d}"

    @property
    def issue_label(self) -> str:
        """The issue's name in the reader's language."""
        return in_reader_language(self.issue_labels())

    def template(self, language: str) -> tuple[str, str]:
        """The subject and body of the email in `language` (en or fr)."""
        if language == MessageLanguage.FR:
            return self.subject_fr, self.body_fr
        return self.subject_en, self.body_en


class FixEmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class FixEmail(models.Model):
    """The email telling one contact that an issue they raised was fixed: written before
    it is sent, once per fix and contact, so that a batch sent twice emails nobody twice."""

    fix = models.ForeignKey(IssueFix, on_delete=models.CASCADE, related_name="emails")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=2, choices=MessageLanguage.choices)
    status = models.CharField(
        max_length=10, choices=FixEmailStatus.choices, default=FixEmailStatus.QUEUED
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["fix", "contact"], name="fix_email_once_per_contact")
        ]

    def __str__(self) -> str:
        return f"fix {self.fix_id} → contact {self.contact_id}: {self.status}"
