"""The exchange rates admins keep, to add up ARR in the reporting currency: the list, with
the currencies accounts are in that lack a rate, a form to set one, and removal.

Every page is for admins only; each write goes through `playbooks.services.risk` (the
cases' risk follows a rate)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import currencies_without_rate
from core.forms import ExchangeRateForm
from core.models import ExchangeRate, LoopSettings
from core.roles import Role, role_required
from playbooks.services.risk import delete_exchange_rate, save_exchange_rate

SECTION = "exchange-rates"


@role_required(Role.ADMIN)
def exchange_rates(request: HttpRequest) -> HttpResponse:
    """Every rate, the currencies in use without one, and the form that sets a rate."""
    initial = {"currency": request.GET.get("currency", "")[:3].upper()}
    return _rates_page(request, rate=None, initial=initial)


@role_required(Role.ADMIN)
def exchange_rate_edit(request: HttpRequest, currency: str) -> HttpResponse:
    rate = ExchangeRate.objects.filter(currency=currency).first()
    if rate is None:
        raise Http404
    return _rates_page(
        request, rate=rate, initial={"currency": rate.currency, "rate": rate.rate.normalize()}
    )


def _rates_page(request: HttpRequest, *, rate: ExchangeRate | None, initial: dict) -> HttpResponse:
    reporting = LoopSettings.current().reporting_currency
    form = ExchangeRateForm(request.POST or None, initial=initial, reporting_currency=reporting)
    if rate is not None:
        form.fields["currency"].disabled = True  # the rate of another currency is another row
    if request.method == "POST" and form.is_valid():
        saved = save_exchange_rate(**form.cleaned_data, by=request.user)
        messages.success(
            request,
            _("1 %(currency)s = %(rate)s %(reporting)s: totals and risk scores use it now.")
            % {"currency": saved.currency, "rate": saved.rate.normalize(), "reporting": reporting},
        )
        return redirect("configure-exchange-rates")
    context = {
        "form": form,
        "rate": rate,
        "rates": ExchangeRate.objects.select_related("updated_by"),
        "missing": currencies_without_rate(reporting=reporting),
        "reporting_currency": reporting,
        "section": SECTION,
    }
    return render(
        request, "configure/exchange_rates.html", context, status=422 if form.errors else 200
    )


@role_required(Role.ADMIN)
@require_POST
def exchange_rate_delete(request: HttpRequest, currency: str) -> HttpResponse:
    """Remove a rate: that currency's ARR is left out of totals until it has one again."""
    if delete_exchange_rate(currency=currency):
        messages.success(
            request,
            _("The rate of %(currency)s is removed: its accounts' ARR is left out of totals.")
            % {"currency": currency},
        )
    return redirect("configure-exchange-rates")


urlpatterns = [
    path("exchange-rates/", exchange_rates, name="configure-exchange-rates"),
    path("exchange-rates/<str:currency>/", exchange_rate_edit, name="configure-exchange-rate"),
    path(
        "exchange-rates/<str:currency>/delete/",
        exchange_rate_delete,
        name="configure-exchange-rate-delete",
    ),
]
