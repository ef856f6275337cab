import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import MatchedFilter
from accounts.models import Account, Contact
from core.admin import AdminRolePermissionsMixin
from surveys.forms import ThemeForm
from surveys.models import (
    Campaign,
    Category,
    DeliveryEvent,
    Integration,
    Invitation,
    Response,
    Suppression,
    SuppressionReason,
    Theme,
)
from surveys.services import assign_account_to_contact
from surveys.services import themes as theme_services
from surveys.services.campaigns import (
    EDITABLE_FIELDS,
    delete_campaign,
    delete_external_campaign,
    save_external_campaign,
    update_campaign,
)
from surveys.services.integrations import rename_integration, revoke_integration
from surveys.services.responses import correct_answer_origin, delete_response
from surveys.services.suppressions import lift_suppression, suppress_surveys

# How many of the selected answers the "assign" page lists before summing up the rest.
ASSIGN_PAGE_LISTED_ANSWERS = 20


class AssignAccountForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=Account.objects.all(),
        label=_("Account"),
        help_text=_("Type a few letters of the account's name, CRM id or email domain."),
        widget=AutocompleteSelect(Response._meta.get_field("account"), admin.site),
    )


class CategoryFilter(admin.SimpleListFilter):
    """Detractors, passives, promoters (the column is generated from the score)."""

    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return Category.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in Category.values:
            return queryset.filter(category=self.value())
        return queryset


@admin.register(Campaign)
class CampaignAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    """Campaigns of other tools are kept here; email campaigns are run from /campaigns/,
    whose services move their status: here those fields are read only."""

    list_display = (
        "name",
        "channel",
        "status",
        "started_at",
        "invitations_sent",
        "answer_count",
        "created_at",
    )
    list_filter = ("channel", "status")
    search_fields = ("name", "description")
    date_hierarchy = "started_at"
    raw_id_fields = ("audience_account",)
    readonly_fields = (
        "channel",
        "status",
        "created_by",
        "launched_at",
        "launched_by",
        "planned_at",
        "completed_at",
        "cancelled_at",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return super().get_queryset(request).annotate(answer_count=Count("responses"))

    def get_readonly_fields(self, request: HttpRequest, obj: Campaign | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_email and not obj.is_editable:
            # Launched: what was sent stays as it was sent.
            fields += [f.name for f in Campaign._meta.fields if f.name not in fields]
        elif obj is not None and obj.is_email:
            # A draft: what the campaigns page edits, the rest is the sending's to fill in.
            fields += [
                f.name
                for f in Campaign._meta.fields
                if f.name not in fields and f.name not in EDITABLE_FIELDS
            ]
        return fields

    @admin.display(description=_("answers"), ordering="answer_count")
    def answer_count(self, campaign: Campaign) -> int:
        return campaign.answer_count

    def has_delete_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        if obj is not None and obj.is_email and not obj.is_editable:
            return False  # launched: it stays, with its invitations and numbers
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for campaign in objs:
            if campaign.is_email and not campaign.is_editable:
                protected.append(
                    _("Campaign “%(name)s” was launched: it stays, cancel it instead.")
                    % {"name": campaign.name}
                )
        return deleted, counts, perms_needed, protected

    def save_model(self, request: HttpRequest, obj: Campaign, form, change: bool) -> None:
        if obj.is_email and not obj.is_editable:
            return  # launched: every field is read only, there is nothing to save
        if obj.is_email:
            fields = {name: getattr(obj, name) for name in form.changed_data}
            # The form wrote its values into `obj` already; the service checks and saves them.
            update_campaign(campaign=obj, **fields)
        else:
            save_external_campaign(campaign=obj)

    def delete_model(self, request: HttpRequest, obj: Campaign) -> None:
        if obj.is_email:
            delete_campaign(campaign=obj)
        else:
            delete_external_campaign(campaign=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            self.delete_model(request, campaign)


@admin.register(Invitation)
class InvitationAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    """Survey emails and what became of them: for looking, never for editing."""

    list_display = (
        "contact",
        "campaign",
        "purpose",
        "status",
        "exclusion",
        "scheduled_for",
        "sent_at",
        "answered_at",
    )
    list_filter = ("status", "exclusion", "purpose", "campaign")
    search_fields = ("contact__email", "contact__name", "campaign__name")
    list_select_related = ("contact", "campaign")
    date_hierarchy = "scheduled_for"
    exclude = ("token",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    """What the email provider reported about the survey emails: for looking only."""

    list_display = ("received_at", "provider", "kind", "recipient", "invitation", "description")
    list_filter = ("kind", "provider")
    search_fields = ("recipient", "message_id", "event_id")
    list_select_related = ("invitation",)
    date_hierarchy = "received_at"
    raw_id_fields = ("invitation",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    list_display = (
        "answered_at",
        "score",
        "category_display",
        "contact_email",
        "account",
        "source",
        "matched",
    )
    list_filter = (MatchedFilter, CategoryFilter, "source", "campaign", "answered_at")
    search_fields = ("contact__email", "contact__name", "account__name", "external_id", "comment")
    list_select_related = ("contact", "account")
    date_hierarchy = "answered_at"
    actions = ["assign_to_account"]
    # Answers enter only through record_response; what they say is never edited afterwards.
    readonly_fields = (
        "contact_link",
        "account_link",
        "score",
        "category_display",
        "comment",
        "answered_at",
        "source",
        "external_id",
        "payload_display",
        "processed_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "contact_link",
                    "account_link",
                    ("score", "category_display"),
                    "comment",
                    "answered_at",
                )
            },
        ),
        (_("Origin"), {"fields": ("source", "external_id", "campaign", "language")}),
        (_("Processing"), {"fields": ("processed_at", "created_at", "updated_at")}),
        (_("Original payload"), {"fields": ("payload_display",), "classes": ("collapse",)}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Response, form, change: bool) -> None:
        correct_answer_origin(response=obj, campaign=obj.campaign, language=obj.language)

    def delete_model(self, request: HttpRequest, obj: Response) -> None:
        delete_response(response=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Response]) -> None:
        for response in queryset:
            delete_response(response=response)

    @admin.display(description=_("category"), ordering="category")
    def category_display(self, response: Response) -> str:
        return Category(response.category).label

    @admin.display(description=_("contact email"), ordering="contact__email")
    def contact_email(self, response: Response) -> str:
        return response.contact.email

    @admin.display(description=_("matched"), boolean=True, ordering="account_id")
    def matched(self, response: Response) -> bool:
        return response.is_matched

    @admin.display(description=_("contact"))
    def contact_link(self, response: Response) -> str:
        url = reverse("admin:accounts_contact_change", args=[response.contact_id])
        return format_html('<a href="{}">{}</a>', url, response.contact)

    @admin.display(description=_("account"))
    def account_link(self, response: Response) -> str:
        if response.account is None:
            return _("Unmatched: use the action “Assign to an account…” in the list.")
        url = reverse("admin:accounts_account_change", args=[response.account_id])
        return format_html('<a href="{}">{}</a>', url, response.account)

    @admin.display(description=_("original payload"))
    def payload_display(self, response: Response) -> str:
        if response.payload is None:
            return "—"
        return format_html(
            "<pre>{}</pre>", json.dumps(response.payload, indent=2, ensure_ascii=False)
        )

    @admin.action(description=_("Assign to an account…"), permissions=["change"])
    def assign_to_account(
        self, request: HttpRequest, queryset: QuerySet[Response]
    ) -> HttpResponse | None:
        unmatched = queryset.filter(account__isnull=True).select_related("contact")
        unmatched_count = unmatched.count()
        if not unmatched_count:
            self.message_user(
                request,
                _("The selected answers are already matched to accounts. Select unmatched ones."),
                messages.WARNING,
            )
            return None

        form = AssignAccountForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._assign(request, unmatched, form.cleaned_data["account"])
            return None

        context = {
            **self.admin_site.each_context(request),
            "title": _("Assign answers to an account"),
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "answer_ids": list(unmatched.values_list("pk", flat=True)),
            "listed_answers": unmatched[:ASSIGN_PAGE_LISTED_ANSWERS],
            "unlisted_count": max(unmatched_count - ASSIGN_PAGE_LISTED_ANSWERS, 0),
            "already_matched_count": queryset.count() - unmatched_count,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/surveys/response/assign_account.html", context)

    def _assign(
        self, request: HttpRequest, unmatched: QuerySet[Response], account: Account
    ) -> None:
        contacts = Contact.objects.filter(pk__in=unmatched.values("contact_id"))
        with transaction.atomic():
            matched = 0
            for contact in list(contacts):
                matched += assign_account_to_contact(
                    contact=contact, account=account, actor=request.user
                )
                self.log_change(
                    request, contact, f"Assigned to account {account} with its unmatched answers."
                )
        self.message_user(
            request,
            ngettext(
                "%(count)d answer is now matched to %(account)s.",
                "%(count)d answers are now matched to %(account)s.",
                matched,
            )
            % {"count": matched, "account": account},
            messages.SUCCESS,
        )


class IntegrationStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("revoked", _("Revoked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Integration)
class IntegrationAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "key_prefix_display",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = (IntegrationStatusFilter, "kind")
    search_fields = ("name", "key_prefix")
    actions = ["revoke"]
    # The signing secret is never shown: only whether one is set.
    fields = (
        "name",
        "kind",
        "key_prefix_display",
        "has_signing_secret",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = (
        "kind",
        "key_prefix_display",
        "has_signing_secret",
        "created_at",
        "last_used_at",
        "revoked_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A key is shown once, on creation: that happens in `manage.py create_api_key`.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Revoke instead: the row stays as the record of who could send answers, and when.
        return False

    def save_model(self, request: HttpRequest, obj: Integration, form, change: bool) -> None:
        rename_integration(integration=obj, name=obj.name)

    @admin.display(description=_("key prefix"), ordering="key_prefix")
    def key_prefix_display(self, integration: Integration) -> str:
        return f"{integration.key_prefix}…"

    @admin.display(description=_("signing secret set"), boolean=True)
    def has_signing_secret(self, integration: Integration) -> bool:
        return bool(integration.signing_secret)

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        active = list(queryset.filter(revoked_at__isnull=True))
        for integration in active:
            revoke_integration(integration=integration)
            self.log_change(request, integration, "Revoked its key.")
        if not active:
            self.message_user(
                request, _("The selected keys were already revoked."), messages.WARNING
            )
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d key revoked: it is refused from now on.",
                "%(count)d keys revoked: they are refused from now on.",
                len(active),
            )
            % {"count": len(active)},
            messages.SUCCESS,
        )


@admin.register(Theme)
class ThemeAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    form = ThemeForm
    list_display = ("name", "name_fr", "active", "keyword_count", "answer_count")
    list_filter = ("active",)
    search_fields = ("name", "name_fr", "keywords_en", "keywords_fr")
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("name", "name_fr", "active")}),
        (
            _("Keywords"),
            {
                "fields": ("keywords_en", "keywords_fr"),
                "description": _(
                    "A new answer is tagged with this theme when its comment holds one of these "
                    "keywords. Answers already tagged keep their themes when keywords change."
                ),
            },
        ),
        (_("History"), {"fields": ("created_at",), "classes": ("collapse",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Theme]:
        return super().get_queryset(request).annotate(answer_total=Count("responses"))

    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for theme in objs:
            if theme.responses.exists():
                protected.append(
                    _("Theme “%(name)s”: answers carry it, so it stays. Switch it off instead.")
                    % {"name": theme.name}
                )
        return deleted, counts, perms_needed, protected

    def save_model(self, request: HttpRequest, obj: Theme, form, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in ThemeForm.THEME_FIELDS}
        if not change:
            created = theme_services.create_theme(**fields, active=obj.active)
            # The admin goes on with `obj` (history, messages, redirect): make it the saved row.
            obj.pk, obj.created_at = created.pk, created.created_at
            obj._state.adding, obj._state.db = False, created._state.db
            return
        theme_services.update_theme(theme=obj, **fields)
        if "active" in form.changed_data:
            theme_services.set_theme_active(theme=obj, active=obj.active)

    def delete_model(self, request: HttpRequest, obj: Theme) -> None:
        theme_services.delete_theme(theme=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Theme]) -> None:
        for theme in queryset:
            theme_services.delete_theme(theme=theme)

    @admin.display(description=_("keywords"))
    def keyword_count(self, theme: Theme) -> int:
        return len(theme.keywords)

    @admin.display(description=_("answers"), ordering="answer_total")
    def answer_count(self, theme: Theme) -> int:
        return theme.answer_total


class SuppressionStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("active", _("Active now")),
            ("scheduled", _("Starts later")),
            ("ended", _("Ended")),
            ("lifted", _("Lifted")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        not_lifted = queryset.filter(lifted_at__isnull=True)
        if self.value() == "active":
            running = Q(ends_at__isnull=True) | Q(ends_at__gt=now)
            return not_lifted.filter(running, starts_at__lte=now)
        if self.value() == "scheduled":
            return not_lifted.filter(starts_at__gt=now)
        if self.value() == "ended":
            return not_lifted.filter(ends_at__lte=now)
        if self.value() == "lifted":
            return queryset.filter(lifted_at__isnull=False)
        return queryset


class ManualSuppressionForm(forms.ModelForm):
    """Stops surveys to one contact or one whole account, set by hand."""

    starts_at = forms.SplitDateTimeField(
        label=_("Starts at"),
        required=False,
        widget=AdminSplitDateTime,
        help_text=_("Empty: now."),
    )

    class Meta:
        model = Suppression
        fields = ["contact", "account", "note", "starts_at", "ends_at"]
        help_texts = {
            "contact": _("Either one contact…"),
            "account": _("…or a whole account (everyone there): fill in exactly one."),
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        contact, account = cleaned.get("contact"), cleaned.get("account")
        # Errors go on the fields: the model's own contact-or-account check then stays quiet.
        if contact is None and account is None:
            self.add_error(
                "contact", _("Choose the contact or the account that should get no survey.")
            )
        if contact is not None and account is not None:
            self.add_error(
                "account",
                _(
                    "Choose a contact or an account, not both: to pause everyone at the account, "
                    "clear the contact."
                ),
            )
        cleaned["starts_at"] = cleaned.get("starts_at") or timezone.now()
        ends_at = cleaned.get("ends_at")
        if ends_at is not None and ends_at <= cleaned["starts_at"]:
            self.add_error("ends_at", _("The end must come after the start (or leave it empty)."))
        return cleaned


@admin.register(Suppression)
class SuppressionAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    """Survey pauses: cases set theirs; people add manual ones here and lift them."""

    add_form = ManualSuppressionForm
    list_display = ("who", "reason", "note", "starts_at", "ends_at", "lifted_at")
    list_filter = (SuppressionStateFilter, "reason")
    search_fields = ("contact__email", "contact__name", "account__name", "note")
    list_select_related = ("contact", "account")
    autocomplete_fields = ("contact", "account")
    date_hierarchy = "starts_at"
    actions = ["lift_now"]
    add_fieldsets = ((None, {"fields": ("contact", "account", "note", "starts_at", "ends_at")}),)
    fieldsets = (
        (None, {"fields": ("who", "reason", "note")}),
        (_("When"), {"fields": ("starts_at", "ends_at", "lifted_at", "created_at")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # A suppression is never edited: lift it, and add a new one if needed.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Lift instead: the row stays as the record of who was not surveyed, and when.
        return False

    def has_lift_permission(self, request: HttpRequest) -> bool:
        return AdminRolePermissionsMixin.has_change_permission(self, request)

    def save_model(self, request: HttpRequest, obj: Suppression, form, change: bool) -> None:
        created = suppress_surveys(
            contact=obj.contact,
            account=obj.account,
            reason=SuppressionReason.MANUAL,
            note=obj.note,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
        )
        # The admin goes on with `obj` (history, messages, redirect): make it the saved row.
        obj.pk, obj.reason, obj.created_at = created.pk, created.reason, created.created_at
        obj._state.adding = False
        obj._state.db = created._state.db

    @admin.display(description=_("who"))
    def who(self, suppression: Suppression) -> str:
        if suppression.contact_id:
            return _("Contact %(contact)s") % {"contact": suppression.contact}
        return _("Account %(account)s") % {"account": suppression.account}

    @admin.action(description=_("Lift now"), permissions=["lift"])
    def lift_now(self, request: HttpRequest, queryset: QuerySet[Suppression]) -> None:
        lifted = 0
        for suppression in queryset.filter(lifted_at__isnull=True):
            if lift_suppression(suppression=suppression):
                lifted += 1
                self.log_change(request, suppression, "Lifted.")
        if not lifted:
            self.message_user(
                request, _("The selected suppressions were already lifted."), messages.WARNING
            )
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d suppression lifted: surveys may go out again.",
                "%(count)d suppressions lifted: surveys may go out again.",
                lifted,
            )
            % {"count": lifted},
            messages.SUCCESS,
        )
