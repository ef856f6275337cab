from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, AccountDomain, Contact, Interaction
from accounts.services.customers import (
    delete_account,
    delete_interaction,
    normalize_domain,
    save_account,
    save_contact,
    save_interaction,
)
from core.admin import AdminRolePermissionsMixin


class MatchedFilter(admin.SimpleListFilter):
    """Rows that belong to an account, or that still wait for one (unmatched)."""

    title = _("matched to an account")
    parameter_name = "matched"

    def lookups(self, request, model_admin):
        return [("yes", _("Matched")), ("no", _("Unmatched"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(account__isnull=False)
        if self.value() == "no":
            return queryset.filter(account__isnull=True)
        return queryset


class AccountDomainForm(forms.ModelForm):
    class Meta:
        model = AccountDomain
        fields = ["domain"]

    def clean_domain(self) -> str:
        # Answers are matched on the lower-case part after "@": store domains the same way.
        return normalize_domain(self.cleaned_data["domain"])


class AccountDomainInline(AdminRolePermissionsMixin, admin.TabularInline):
    model = AccountDomain
    form = AccountDomainForm
    extra = 1
    verbose_name = _("email domain")
    verbose_name_plural = _("email domains (answers from these domains match this account)")


@admin.register(Account)
class AccountAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    list_display = ("name", "external_id", "segment", "tier", "arr_display", "renewal_date", "csm")
    list_filter = ("segment", "tier", ("csm", admin.RelatedOnlyFieldListFilter), "renewal_date")
    search_fields = ("name", "external_id", "domains__domain")
    list_select_related = ("csm",)
    date_hierarchy = "renewal_date"
    inlines = [AccountDomainInline]
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "external_id", "csm")}),
        (_("Commercial"), {"fields": ("segment", "tier", ("arr", "currency"), "renewal_date")}),
        (_("History"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description=_("ARR"), ordering="arr")
    def arr_display(self, account: Account) -> str:
        return f"{number_format(account.arr, 0, force_grouping=True)} {account.currency}"

    def save_model(self, request: HttpRequest, obj: Account, form, change: bool) -> None:
        save_account(account=obj)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        # The domains inline: the account's domains become the ones left on the page.
        formset.save(commit=False)  # only sorts the rows for the history's change message
        domains = [
            row.cleaned_data["domain"]
            for row in formset.forms
            if row.cleaned_data.get("domain") and row not in formset.deleted_forms
        ]
        save_account(account=form.instance, domains=domains)

    def delete_model(self, request: HttpRequest, obj: Account) -> None:
        delete_account(account=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        for account in queryset:
            delete_account(account=account)


@admin.register(Contact)
class ContactAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    """Contacts as the CRM has them. Erasing a person is an action `playbooks` adds, as the
    answers and cases it must reach are above this floor."""

    list_display = ("email", "name", "account", "persona", "influence", "opted_out")
    list_filter = (MatchedFilter, "persona", "influence", "opted_out", "account__segment")
    search_fields = ("email", "name", "account__name", "external_id")
    list_select_related = ("account",)
    autocomplete_fields = ("account",)
    # Opting out is the contact's own decision, recorded with its date by the survey pages.
    readonly_fields = ("opted_out", "opted_out_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("email", "name", "account", "title", "phone")}),
        (_("Role at the customer"), {"fields": ("persona", "influence")}),
        (_("Surveys"), {"fields": ("language", "opted_out", "opted_out_at")}),
        (_("CRM"), {"fields": ("external_id", "created_at", "updated_at")}),
    )

    def save_model(self, request: HttpRequest, obj: Contact, form, change: bool) -> None:
        save_contact(contact=obj, actor=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Contact | None = None) -> bool:
        # A person's answers and cases hold on to them: they are erased (the admin action,
        # the contact's page), never deleted.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Contact | None = None) -> bool:
        if obj is not None and obj.is_erased:
            return False
        return super().has_change_permission(request, obj)


@admin.register(Interaction)
class InteractionAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "account", "kind", "contact", "short_summary", "source")
    list_filter = ("kind", "source")
    search_fields = ("summary", "account__name", "contact__email", "contact__name")
    list_select_related = ("account", "contact")
    autocomplete_fields = ("account", "contact")
    date_hierarchy = "occurred_at"

    @admin.display(description=_("summary"))
    def short_summary(self, interaction: Interaction) -> str:
        return Truncator(interaction.summary).chars(80)

    def save_model(self, request: HttpRequest, obj: Interaction, form, change: bool) -> None:
        save_interaction(interaction=obj)

    def delete_model(self, request: HttpRequest, obj: Interaction) -> None:
        delete_interaction(interaction=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Interaction]) -> None:
        for interaction in queryset:
            delete_interaction(interaction=interaction)
