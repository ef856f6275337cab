import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import ContactAdmin
from accounts.models import Contact
from core.admin import AdminRolePermissionsMixin, people_with_a_role
from core.roles import Role, has_role
from playbooks.forms import PlaybookForm
from playbooks.models import (
    ActionItem,
    AssigneeKind,
    Case,
    CaseEvent,
    CaseStep,
    Escalation,
    Playbook,
    PlaybookStep,
    ProcessingFailure,
)
from playbooks.services.cases import delete_case
from playbooks.services.erasure import erase_contact_by_id
from playbooks.services.failures import retry_failed_response
from playbooks.services.playbooks import (
    PlaybookEditRefused,
    delete_playbook,
    save_playbook,
    save_steps,
    set_playbook_active,
)
from surveys.models import Category

RUNNING_CASES_NOTE = _(
    "Changes apply to the answers processed from now on. A case copies the playbook's steps "
    "when it opens: editing, adding or removing steps here never changes the cases already running."
)


class ReadOnlyAdminMixin:
    """Rows that change only through the services: admins look, only superusers delete."""

    def has_add_permission(self, request: HttpRequest, *args, **kwargs) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


def _case_link(case: Case) -> str:
    url = reverse("admin:playbooks_case_change", args=[case.pk])
    return format_html('<a href="{}">{}</a>', url, case)


# --- playbooks ------------------------------------------------------------------------------


class PlaybookStepForm(forms.ModelForm):
    class Meta:
        model = PlaybookStep
        fields = [
            "position",
            "kind",
            "required",
            "title",
            "instructions",
            "due_in_days",
            "assignee_kind",
            "assignee_user",
            "options",
        ]
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "options": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "position": forms.NumberInput(attrs={"class": "step-position"}),
        }
        help_texts = {
            "options": _(
                "A JSON object for the steps that take settings, else empty. "
                'Suppress surveys: {"scope": "contact"} or {"scope": "account"}. '
                'Notify: {"to": "owner"} or {"to": "managers"}. '
                'Follow-up survey: {"delay_days": 14}. '
                'Escalation rules: {"arr_threshold": 50000, "detractor_count": 3, '
                '"detractor_window_days": 90, "renewal_within_days": 90}.'
            ),
        }

    def clean_options(self) -> dict:
        options = self.cleaned_data.get("options")
        if options in (None, ""):
            return {}
        if not isinstance(options, dict):
            raise forms.ValidationError(
                _(
                    'Write the settings as a JSON object, such as {"delay_days": 14}, '
                    "or leave the field empty."
                )
            )
        return options

    def clean(self) -> dict:
        cleaned = super().clean()
        kind, user = cleaned.get("assignee_kind"), cleaned.get("assignee_user")
        if kind == AssigneeKind.USER and user is None:
            self.add_error(
                "assignee_user",
                _(
                    "Choose the named user, or assign the step to the account's CSM "
                    "or to the managers."
                ),
            )
        if kind and kind != AssigneeKind.USER and user is not None:
            self.add_error(
                "assignee_user",
                _(
                    "A named user is only used with “A named user”: "
                    "clear it or change “assigned to”."
                ),
            )
        return cleaned


class PlaybookStepInline(AdminRolePermissionsMixin, admin.StackedInline):
    model = PlaybookStep
    form = PlaybookStepForm
    extra = 0
    ordering = ("position", "id")
    verbose_name_plural = _("steps (copied into each new case; running cases keep their own)")
    fields = (
        ("position", "kind", "required"),
        "title",
        "instructions",
        ("due_in_days", "assignee_kind", "assignee_user"),
        "options",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlaybookStep]:
        return super().get_queryset(request).select_related("assignee_user")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee_user":
            kwargs["queryset"] = people_with_a_role()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _count_of(model, field: str):
    """A count of related rows as a subquery (two joined counts would multiply each other)."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@admin.register(Playbook)
class PlaybookAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    form = PlaybookForm
    list_display = (
        "name",
        "active",
        "categories_display",
        "priority",
        "sla_business_days",
        "step_count",
        "case_count",
    )
    list_filter = ("active", "for_detractors", "for_passives", "for_promoters")
    search_fields = ("name", "description")
    actions = ["activate", "deactivate"]
    inlines = [PlaybookStepInline]
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "description", "active"), "description": RUNNING_CASES_NOTE}),
        (
            _("Which answers it takes"),
            {
                "fields": (
                    ("for_detractors", "for_passives", "for_promoters"),
                    ("min_score", "max_score"),
                    ("segment", "tier"),
                    "min_arr",
                    "priority",
                ),
                "description": _(
                    "Every condition set here must hold; empty ones are ignored. When several "
                    "active playbooks match, the highest priority wins."
                ),
            },
        ),
        (_("Service level"), {"fields": ("sla_business_days", "group_by_account")}),
        (_("History"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Playbook]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                step_total=_count_of(PlaybookStep, "playbook"),
                case_total=_count_of(Case, "playbook"),
            )
        )

    @admin.display(description=_("categories"))
    def categories_display(self, playbook: Playbook) -> str:
        return ", ".join(str(Category(value).label) for value in playbook.categories) or "—"

    @admin.display(description=_("steps"), ordering="step_total")
    def step_count(self, playbook: Playbook) -> int:
        return playbook.step_total

    @admin.display(description=_("cases"), ordering="case_total")
    def case_count(self, playbook: Playbook) -> int:
        return playbook.case_total

    @admin.action(description=_("Activate the selected playbooks"), permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Playbook]) -> None:
        changed = self._set_active(request, queryset, active=True)
        self.message_user(
            request,
            ngettext(
                "%(count)d playbook activated: it takes the answers it matches from now on.",
                "%(count)d playbooks activated: they take the answers they match from now on.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Deactivate the selected playbooks"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Playbook]) -> None:
        changed = self._set_active(request, queryset, active=False)
        self.message_user(
            request,
            ngettext(
                "%(count)d playbook deactivated: new answers no longer use it; "
                "its running cases go on.",
                "%(count)d playbooks deactivated: new answers no longer use them; "
                "their running cases go on.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    def _set_active(
        self, request: HttpRequest, queryset: QuerySet[Playbook], *, active: bool
    ) -> int:
        changed = 0
        for playbook in queryset.exclude(active=active):
            try:
                set_playbook_active(playbook=playbook, active=active)
            except PlaybookEditRefused as refused:
                self.message_user(
                    request,
                    _("“%(name)s” stays off: %(reason)s")
                    % {"name": playbook.name, "reason": refused},
                    messages.ERROR,
                )
                continue
            self.log_change(request, playbook, "Activated." if active else "Deactivated.")
            changed += 1
        return changed

    def save_model(self, request: HttpRequest, obj: Playbook, form, change: bool) -> None:
        save_playbook(playbook=obj)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        # The steps only: positions are renumbered 1..n by the service.
        saved = formset.save(commit=False)
        save_steps(playbook=form.instance, saved=saved, removed=formset.deleted_objects)

    def delete_model(self, request: HttpRequest, obj: Playbook) -> None:
        delete_playbook(playbook=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Playbook]) -> None:
        for playbook in queryset:
            delete_playbook(playbook=playbook)


# --- cases ----------------------------------------------------------------------------------


class ReadOnlyInline(ReadOnlyAdminMixin, AdminRolePermissionsMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        return self.fields

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CaseStepInline(ReadOnlyInline):
    model = CaseStep
    fields = ("position", "title", "kind", "status", "assignee", "due_at", "done_at", "done_by")
    ordering = ("position", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseStep]:
        return super().get_queryset(request).select_related("assignee", "done_by")


class ActionItemInline(ReadOnlyInline):
    model = ActionItem
    fields = ("audience", "text", "owner", "due_date", "status", "done_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActionItem]:
        return super().get_queryset(request).select_related("owner")


class EscalationInline(ReadOnlyInline):
    model = Escalation
    fields = ("raised_at", "level", "rule", "reason", "raised_by", "acknowledged_at", "resolved_at")
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Escalation]:
        return super().get_queryset(request).select_related("raised_by")


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("created_at", "actor", "kind", "message")
    ordering = ("created_at", "id")
    verbose_name_plural = _("timeline")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, AdminRolePermissionsMixin, admin.ModelAdmin):
    """Cases move only through the services (and their events): the admin shows them."""

    def delete_model(self, request: HttpRequest, obj: Case) -> None:
        delete_case(case=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        for case in queryset.select_related("suppression"):
            delete_case(case=case)

    list_display = (
        "__str__",
        "status",
        "category",
        "score",
        "account",
        "owner",
        "opened_at",
        "sla_due_at",
        "escalated",
    )
    list_filter = (
        "status",
        "category",
        "playbook",
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("account__name", "contact__email")
    list_select_related = ("response", "contact", "account", "owner")
    date_hierarchy = "opened_at"
    inlines = [CaseStepInline, ActionItemInline, EscalationInline, CaseEventInline]
    fieldsets = (
        (None, {"fields": ("answer", "contact", "account", "playbook", "owner")}),
        (
            _("Progress"),
            {
                "fields": (
                    ("status", "priority", "category"),
                    ("opened_at", "sla_due_at", "first_contact_at"),
                    ("plan_completed_at", "closed_at", "reopened_count"),
                    ("outcome", "root_cause"),
                    "post_mortem",
                )
            },
        ),
        (_("Stakes"), {"fields": (("arr_at_risk", "currency"), "suppression")}),
        (
            _("Follow-up"),
            {"fields": ("follow_up_requested_at", "follow_up_response", "won_back_at")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        open_escalations = Escalation.objects.filter(case=OuterRef("pk"), resolved_at__isnull=True)
        return (
            super()
            .get_queryset(request)
            .select_related("response", "contact", "account", "playbook", "owner")
            .annotate(has_open_escalation=Exists(open_escalations))
        )

    @admin.display(description=_("score"), ordering="response__score")
    def score(self, case: Case) -> int:
        return case.response.score

    @admin.display(description=_("escalated"), boolean=True, ordering="has_open_escalation")
    def escalated(self, case: Case) -> bool:
        return case.has_open_escalation

    @admin.display(description=_("answer"))
    def answer(self, case: Case) -> str:
        url = reverse("admin:surveys_response_change", args=[case.response_id])
        comment = Truncator(case.response.comment).chars(200) or _("(no comment)")
        return format_html('<a href="{}">{}</a> · {}', url, case.response.score, comment)


# --- escalations ----------------------------------------------------------------------------


class _TimestampSetFilter(admin.SimpleListFilter):
    """Yes/no on whether a moment was stamped (acknowledged, resolved...)."""

    field = ""

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{self.field}__isnull": self.value() == "no"})
        return queryset


class AcknowledgedFilter(_TimestampSetFilter):
    title = _("acknowledged")
    parameter_name = "acknowledged"
    field = "acknowledged_at"


class ResolvedFilter(_TimestampSetFilter):
    title = _("resolved")
    parameter_name = "resolved"
    field = "resolved_at"


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdminMixin, AdminRolePermissionsMixin, admin.ModelAdmin):
    """Managers acknowledge and resolve escalations in the product; the admin shows them."""

    list_display = (
        "raised_at",
        "case_link",
        "account",
        "level",
        "rule",
        "short_reason",
        "acknowledged",
        "resolved",
    )
    list_filter = (AcknowledgedFilter, ResolvedFilter, "rule", "level")
    search_fields = ("case__account__name", "case__contact__email", "reason")
    list_select_related = ("case__contact", "case__account")
    # Open ones first (newest first), then the resolved ones, most recently resolved first.
    ordering = (F("resolved_at").desc(nulls_first=True), "-raised_at")
    fields = (
        "case_link",
        ("level", "rule", "step"),
        "reason",
        ("raised_at", "raised_by"),
        ("acknowledged_at", "acknowledged_by"),
        ("resolved_at", "resolved_by"),
        "resolution",
        "notified_at",
    )

    @admin.display(description=_("case"))
    def case_link(self, escalation: Escalation) -> str:
        return _case_link(escalation.case)

    @admin.display(description=_("account"), ordering="case__account__name")
    def account(self, escalation: Escalation) -> str:
        return str(escalation.case.account or "—")

    @admin.display(description=_("reason"))
    def short_reason(self, escalation: Escalation) -> str:
        return Truncator(escalation.reason).chars(80)

    @admin.display(description=_("acknowledged"), boolean=True, ordering="acknowledged_at")
    def acknowledged(self, escalation: Escalation) -> bool:
        return escalation.acknowledged_at is not None

    @admin.display(description=_("resolved"), boolean=True, ordering="resolved_at")
    def resolved(self, escalation: Escalation) -> bool:
        return escalation.resolved_at is not None


# --- the dead-letter log ----------------------------------------------------------------------


class RetryRequestedFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("waiting", _("Waiting for someone")), ("retrying", _("Retry requested"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "waiting":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "retrying":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(ProcessingFailure)
class ProcessingFailureAdmin(ReadOnlyAdminMixin, AdminRolePermissionsMixin, admin.ModelAdmin):
    """Answers the worker gave up on; fix the cause, then retry them from the list."""

    list_display = (
        "answer",
        "attempts",
        "short_error",
        "first_failed_at",
        "last_failed_at",
        "retry_requested_at",
    )
    list_filter = (RetryRequestedFilter,)
    search_fields = ("response__contact__email", "error")
    list_select_related = ("response__contact",)
    date_hierarchy = "last_failed_at"
    actions = ["retry"]
    fields = ("answer", "attempts", "error_display", "first_failed_at", "last_failed_at")

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # The rows stay read-only; asking for a retry is the one thing admins change here.
        return AdminRolePermissionsMixin.has_change_permission(self, request)

    @admin.display(description=_("answer"), ordering="response__answered_at")
    def answer(self, failure: ProcessingFailure) -> str:
        response = failure.response
        url = reverse("admin:surveys_response_change", args=[response.pk])
        return format_html('<a href="{}">{} · {}</a>', url, response.score, response.contact.email)

    @admin.display(description=_("last error"))
    def short_error(self, failure: ProcessingFailure) -> str:
        return Truncator(failure.error).chars(100)

    @admin.display(description=_("last error"))
    def error_display(self, failure: ProcessingFailure) -> str:
        return format_html("<pre>{}</pre>", failure.error)

    @admin.display(description=_("retry requested at"), ordering="resolved_at")
    def retry_requested_at(self, failure: ProcessingFailure) -> dt.datetime | None:
        return failure.resolved_at

    @admin.action(description=_("Retry processing"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[ProcessingFailure]) -> None:
        waiting = list(queryset.filter(resolved_at__isnull=True))
        for failure in waiting:
            retry_failed_response(failure=failure)
            self.log_change(request, failure, "Asked for another processing attempt.")
        if not waiting:
            self.message_user(
                request,
                _("A retry was already requested for the selected answers."),
                messages.WARNING,
            )
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d answer will be processed again within a minute, by the next sweep.",
                "%(count)d answers will be processed again within a minute, by the next sweep.",
                len(waiting),
            )
            % {"count": len(waiting)},
            messages.SUCCESS,
        )


admin.site.unregister(Contact)


@admin.register(Contact)
class ErasableContactAdmin(ContactAdmin):
    """The contacts' admin, with erasing people at their request (GDPR Art. 17)."""

    actions = ["erase_contacts"]

    @admin.action(description=_("Erase selected contacts (GDPR: cannot be undone)"))
    def erase_contacts(self, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
        if not has_role(request.user, Role.ADMIN):
            raise PermissionDenied
        erased = sum(
            not erase_contact_by_id(contact_id=pk, actor=request.user).already_erased
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d person erased: they will never be surveyed again.",
                "%(count)d people erased: they will never be surveyed again.",
                erased,
            )
            % {"count": erased},
            messages.SUCCESS,
        )
