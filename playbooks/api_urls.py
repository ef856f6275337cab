from django.urls import path

from playbooks import api

urlpatterns = [
    path("cases", api.CaseListView.as_view(), name="api-cases"),
    path("cases/<int:case_id>", api.CaseDetailView.as_view(), name="api-case"),
    path("recurring-issues", api.RecurringIssuesView.as_view(), name="api-recurring-issues"),
    path("contacts/erase", api.ContactEraseView.as_view(), name="api-contact-erase"),
]
