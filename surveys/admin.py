import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import MatchedFilter
from accounts.models import Account, Contact
from nps_loop.admin import AdminRolePermissionsMixin
from surveys.models import Campaign, Category, Integration, Response
from surveys.services import assign_account_to_contact
from surveys.services.integrations import revoke_integration

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
    list_display = ("name", "started_at", "invitations_sent", "answer_count", "created_at")
    search_fields = ("name", "description")
    date_hierarchy = "started_at"
    readonly_fields = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return super().get_queryset(request).annotate(answer_count=Count("responses"))

    @admin.display(description=_("answers"), ordering="answer_count")
    def answer_count(self, campaign: Campaign) -> int:
        return campaign.answer_count


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
                matched += assign_account_to_contact(contact=contact, account=account)
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
