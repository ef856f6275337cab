from django.urls import path

from imports import api

urlpatterns = [
    path("accounts", api.AccountListView.as_view(), name="api-accounts"),
    path("accounts/bulk", api.AccountBulkView.as_view(), name="api-accounts-bulk"),
    path("accounts/<str:external_id>", api.AccountDetailView.as_view(), name="api-account"),
    path("contacts", api.ContactListView.as_view(), name="api-contacts"),
    path("contacts/bulk", api.ContactBulkView.as_view(), name="api-contacts-bulk"),
    path("contacts/<str:external_id>", api.ContactDetailView.as_view(), name="api-contact"),
]
