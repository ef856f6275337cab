"""Forms of the people, API-key and sign-in lockout pages; the rules themselves live in the services
(`configure.people`, `surveys.services.integrations`)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from configure.lockouts import BY_ADDRESS, BY_USERNAME
from configure.people import ACTIVE, INACTIVE, NO_ROLE, PeopleFilters
from core.models import User
from core.roles import Role, roles_of
from surveys.models import Integration, IntegrationKind

ROLE_CHOICES = [
    (Role.CSM.value, _("CSM")),
    (Role.MANAGER.value, _("Manager")),
    (Role.ADMIN.value, _("Admin")),
]
ROLE_HELP = {
    Role.CSM.value: _("Works the cases of the accounts they own."),
    Role.MANAGER.value: _(
        "Sees every account and case, reassigns cases, acknowledges escalations, "
        "reads the dashboard."
    ),
    Role.ADMIN.value: _("Configures NPS Loop: playbooks, settings, people and API keys."),
}
LANGUAGE_CHOICES = [("", _("As their browser")), *settings.LANGUAGES]

# How a new person gets their first password.
BY_EMAIL = "invite"
SET_HERE = "password"


class PersonFilterForm(forms.Form):
    """The people list's filters, read from the query string; a wrong value is dropped."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Name, username or email")}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("Any role")), *ROLE_CHOICES, (NO_ROLE, _("No role"))],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), (ACTIVE, _("Active")), (INACTIVE, _("Inactive"))],
    )

    def filters(self) -> PeopleFilters:
        if not self.is_bound:
            return PeopleFilters()
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return PeopleFilters(
            search=(data.get("q") or "").strip(),
            role=data.get("role", ""),
            status=data.get("status", ""),
        )


class _ProfileFields(forms.Form):
    display_name = forms.CharField(
        label=_("Name"),
        max_length=150,
        required=False,
        help_text=_("As colleagues see it in cases and emails. Empty: the username."),
    )
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("Notifications and password links go there."),
    )
    language = forms.ChoiceField(
        label=_("Interface language"), choices=LANGUAGE_CHOICES, required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, widget=forms.RadioSelect)

    def role_options(self) -> list[tuple[forms.boundfield.BoundWidget, str]]:
        """Each role's radio button with what the role does."""
        return [(option, ROLE_HELP[option.data["value"]]) for option in self["role"]]


class PersonCreateForm(_ProfileFields):
    """A new person: who they are, their role, and how they get their first password."""

    field_order = ["display_name", "username", "email", "role", "language", "access"]

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("What they sign in with: letters, digits and @ . + - _ only."),
    )
    access = forms.ChoiceField(
        label=_("First password"),
        choices=[
            (BY_EMAIL, _("Email them a link to choose their password (recommended)")),
            (SET_HERE, _("Set a password now and tell them yourself")),
        ],
        initial=BY_EMAIL,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("access") != SET_HERE:
            data["password"] = None
            return data
        if not data.get("password"):
            self.add_error("password", _("Type the password, or choose to email a link instead."))
        elif data["password"] != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ: type them again."))
        return data


class PersonEditForm(_ProfileFields):
    """A person's profile and role, filled from what they have now."""

    def __init__(self, *args, person: User, **kwargs) -> None:
        roles = roles_of(person)
        # Someone given several roles in the Django admin is shown with the highest.
        role = next((value for value, _label in reversed(ROLE_CHOICES) if value in roles), None)
        initial = {
            "display_name": person.display_name,
            "email": person.email,
            "language": person.language,
            "role": role,
        }
        super().__init__(*args, initial=initial, **kwargs)


class IntegrationForm(forms.Form):
    """A new API key: who uses it, for what, and the webhook's signing secret if any."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Who uses the key, e.g. “crm-sync” or “typeform-eu”."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=IntegrationKind.choices,
        initial=IntegrationKind.API,
        widget=forms.RadioSelect,
    )
    signing_secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        help_text=_(
            "Webhooks only. The secret the survey tool signs its deliveries with: Delighted's "
            "API key, the Typeform webhook secret, the Formbricks secret (whsec_…). Leave it "
            "empty if the tool cannot sign: the URL will then carry the key."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if Integration.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(
                _("A key is already called “%(name)s” (revoked keys count too): pick another.")
                % {"name": name}
            )
        return name

    def clean(self):
        data = super().clean()
        if data.get("kind") == IntegrationKind.API and data.get("signing_secret", "").strip():
            self.add_error(
                "signing_secret",
                _("A REST API key uses no signing secret: leave it empty, or pick a webhook."),
            )
        return data


class LockoutLiftForm(forms.Form):
    """Which sign-in lockout to lift: a username's, or an address's."""

    by = forms.ChoiceField(choices=[(BY_USERNAME, BY_USERNAME), (BY_ADDRESS, BY_ADDRESS)])
    value = forms.CharField(max_length=255)
