"""The CRM-sync REST API: accounts and contacts listed, upserted on their CRM id, patched,
and upserted in bulk. Parse, authorise, call `imports.services.crm_sync`, answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from core.errors import api_error_body
from imports import selectors
from imports.csv_import import Outcome
from imports.permissions import CanSyncCustomers
from imports.serializers import (
    AccountBatchResultSerializer,
    AccountBatchSerializer,
    AccountInSerializer,
    AccountOutSerializer,
    AccountPatchSerializer,
    AccountQuerySerializer,
    ContactBatchResultSerializer,
    ContactBatchSerializer,
    ContactInSerializer,
    ContactOutSerializer,
    ContactPatchSerializer,
    ContactQuerySerializer,
)
from imports.services.crm_sync import (
    SyncedItem,
    sync_accounts,
    sync_contacts,
    update_account,
    update_contact,
)
from surveys.api import NOT_SIGNED_IN, ApiPagination, flat_errors
from surveys.serializers import TEXT_WITH_A_CHARACTER, ApiErrorSerializer

INVALID = "Some fields are not valid; see 'fields'."
CRM_ID = TEXT_WITH_A_CHARACTER


@dataclass(frozen=True)
class Kind:
    """What differs between the accounts' and the contacts' endpoints."""

    noun: str
    item_in: type[serializers.Serializer]
    item_out: type[serializers.Serializer]
    sync: Callable[..., list[SyncedItem]]
    reread: Callable[[list[int]], dict[int, Any]]


ACCOUNTS = Kind(
    "account", AccountInSerializer, AccountOutSerializer, sync_accounts, selectors.accounts_by_pk
)
CONTACTS = Kind(
    "contact", ContactInSerializer, ContactOutSerializer, sync_contacts, selectors.contacts_by_pk
)


def checked(serializer: serializers.Serializer) -> dict[str, Any]:
    """The serializer's valid data, or a 400 naming each field."""
    if not serializer.is_valid():
        raise ValidationError(flat_errors(serializer.errors))
    return dict(serializer.validated_data)


def item_error(item: SyncedItem) -> tuple[int, dict[str, Any]]:
    """The status and error body of a refused item."""
    if item.code == "erased":
        return status.HTTP_409_CONFLICT, api_error_body(
            code="erased", message=item.fields["email"][0]
        )["error"]
    if item.code == "conflict":
        return status.HTTP_409_CONFLICT, api_error_body(
            code="conflict",
            message=_("Another request changed it at the same time: send it again."),
            fields=item.fields,
        )["error"]
    return status.HTTP_400_BAD_REQUEST, api_error_body(
        code="invalid", message=INVALID, fields=item.fields
    )["error"]


def one_answer(kind: Kind, item: SyncedItem) -> ApiResponse:
    """The answer to a request about one account or contact."""
    if item.refused:
        code, error = item_error(item)
        return ApiResponse({"error": error}, status=code)
    shown = kind.reread([item.instance.pk])[item.instance.pk]
    code = status.HTTP_201_CREATED if item.outcome is Outcome.CREATED else status.HTTP_200_OK
    return ApiResponse(kind.item_out(shown).data, status=code)


def batch_answer(kind: Kind, items: Sequence[Any]) -> ApiResponse:
    """Check each item, write the valid ones, and answer a result per item."""
    checked_items: list[dict[str, Any]] = []
    refused: dict[int, tuple[int, dict[str, Any]]] = {}
    for index, item in enumerate(items):
        serializer = kind.item_in(data=item)
        if serializer.is_valid():
            checked_items.append(dict(serializer.validated_data))
        else:
            refused[index] = (
                status.HTTP_400_BAD_REQUEST,
                api_error_body(
                    code="invalid", message=INVALID, fields=flat_errors(serializer.errors)
                )["error"],
            )
    valid_indexes = [index for index in range(len(items)) if index not in refused]
    synced = dict(zip(valid_indexes, kind.sync(items=checked_items), strict=True))
    shown = kind.reread([item.instance.pk for item in synced.values() if not item.refused])
    totals = {"created": 0, "updated": 0, "unchanged": 0, "failed": len(refused)}
    results = []
    for index in range(len(items)):
        item = synced.get(index)
        if item is not None and not item.refused:
            totals[item.outcome.value] += 1
            code = 201 if item.outcome is Outcome.CREATED else 200
            results.append(
                {
                    "index": index,
                    "status": code,
                    kind.noun: kind.item_out(shown[item.instance.pk]).data,
                }
            )
            continue
        if item is not None:
            totals["failed"] += 1
            refused[index] = item_error(item)
        code, error = refused[index]
        results.append({"index": index, "status": code, "error": error})
    return ApiResponse({"results": results, **totals})


def _in_path(noun: str) -> OpenApiParameter:
    return OpenApiParameter(
        "external_id",
        {"type": "string", "minLength": 1, "maxLength": 100, "pattern": f"^(?:{CRM_ID})$"},
        OpenApiParameter.PATH,
        description=f"The {noun}'s CRM id (URL-encoded).",
    )


READ_ONLY = OpenApiResponse(
    ApiErrorSerializer,
    description="Not a REST API key nor a signed-in manager or admin (to read) or admin.",
)
REFUSED = OpenApiResponse(
    ApiErrorSerializer, description="Malformed JSON, or a field not valid; `fields` names why."
)
PAGE_ERRORS = {
    400: OpenApiResponse(ApiErrorSerializer, description="A filter is not valid."),
    401: NOT_SIGNED_IN,
    403: READ_ONLY,
    404: OpenApiResponse(ApiErrorSerializer, description="No such page."),
}
UPSERT_DESCRIPTION = (
    "Upsert on `external_id`: creates the {noun} (201) or updates it (200, also when nothing "
    "changed). A field left out is left alone; one sent empty or null is cleared. The checks "
    "and rules are those of the CSV import (docs/imports.md)."
)


def _account(external_id: str):
    account = selectors.account_by_external_id(external_id) if _is_crm_id(external_id) else None
    if account is None:
        raise NotFound(_("No account has the CRM id '%(id)s'.") % {"id": external_id})
    return account


def _contact(external_id: str):
    contact = selectors.contact_by_external_id(external_id) if _is_crm_id(external_id) else None
    if contact is None:
        raise NotFound(_("No contact has the CRM id '%(id)s'.") % {"id": external_id})
    return contact


def _is_crm_id(external_id: str) -> bool:
    """Whether the id in the address could be one (PostgreSQL stores no NUL character)."""
    return len(external_id) <= 100 and re.fullmatch(CRM_ID, external_id) is not None


# A CRM's rows: list them (filtered, paginated) or upsert one by `external_id`; read one or
# change some of its fields. No docstrings: the API schema would show them.
class _CrmListView(ListAPIView):
    permission_classes = [CanSyncCustomers]
    pagination_class = ApiPagination
    query_serializer: type
    in_serializer: type
    kind: Kind
    listed: Callable
    synced: Callable

    def get(self, request: Request, *args, **kwargs) -> ApiResponse:
        query = self.query_serializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(self.listed(**query.validated_data))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request: Request) -> ApiResponse:
        values = checked(self.in_serializer(data=request.data))
        return one_answer(self.kind, self.synced(items=[values])[0])


class _CrmDetailView(APIView):
    permission_classes = [CanSyncCustomers]
    out_serializer: type
    patch_serializer: type
    kind: Kind
    found: Callable
    updated: Callable

    def get(self, request: Request, external_id: str) -> ApiResponse:
        return ApiResponse(self.out_serializer(self.found(external_id)).data)

    def patch(self, request: Request, external_id: str) -> ApiResponse:
        row = self.found(external_id)
        values = checked(self.patch_serializer(data=request.data))
        return one_answer(self.kind, self.updated(row, values))


@extend_schema_view(
    get=extend_schema(
        parameters=[AccountQuerySerializer],
        responses={200: AccountOutSerializer(many=True), **PAGE_ERRORS},
        summary="List accounts",
        description="Accounts in the order they were created, 50 a page (follow `next`).",
    ),
    post=extend_schema(
        request=AccountInSerializer,
        responses={
            201: OpenApiResponse(AccountOutSerializer, description="A new account."),
            200: OpenApiResponse(AccountOutSerializer, description="The account, updated."),
            400: REFUSED,
            401: NOT_SIGNED_IN,
            403: READ_ONLY,
            409: OpenApiResponse(ApiErrorSerializer, description="Changed meanwhile: retry."),
        },
        summary="Create or update one account",
        description=UPSERT_DESCRIPTION.format(noun="account"),
    ),
)
class AccountListView(_CrmListView):
    serializer_class = AccountOutSerializer
    query_serializer = AccountQuerySerializer
    in_serializer = AccountInSerializer
    kind = ACCOUNTS
    listed = staticmethod(selectors.account_list)
    synced = staticmethod(sync_accounts)


@extend_schema_view(
    get=extend_schema(
        parameters=[_in_path("account")],
        responses={
            200: AccountOutSerializer,
            401: NOT_SIGNED_IN,
            403: READ_ONLY,
            404: OpenApiResponse(ApiErrorSerializer, description="No account has this CRM id."),
        },
        summary="One account",
    ),
    patch=extend_schema(
        parameters=[_in_path("account")],
        request=AccountPatchSerializer,
        responses={
            200: AccountOutSerializer,
            400: REFUSED,
            401: NOT_SIGNED_IN,
            403: READ_ONLY,
            404: OpenApiResponse(ApiErrorSerializer, description="No account has this CRM id."),
            409: OpenApiResponse(ApiErrorSerializer, description="Changed meanwhile: retry."),
        },
        summary="Change some fields of one account",
        description="Only the fields sent change; one sent empty or null is cleared.",
    ),
)
class AccountDetailView(_CrmDetailView):
    out_serializer = AccountOutSerializer
    patch_serializer = AccountPatchSerializer
    kind = ACCOUNTS
    found = staticmethod(_account)

    @staticmethod
    def updated(row, values):
        return update_account(account=row, values=values)


@extend_schema_view(
    get=extend_schema(
        parameters=[ContactQuerySerializer],
        responses={200: ContactOutSerializer(many=True), **PAGE_ERRORS},
        summary="List contacts",
        description=(
            "Contacts in the order they were created, 50 a page (follow `next`); people "
            "erased at their request are not listed."
        ),
    ),
    post=extend_schema(
        request=ContactInSerializer,
        responses={
            201: OpenApiResponse(ContactOutSerializer, description="A new contact."),
            200: OpenApiResponse(ContactOutSerializer, description="The contact, updated."),
            400: REFUSED,
            401: NOT_SIGNED_IN,
            403: READ_ONLY,
            409: OpenApiResponse(
                ApiErrorSerializer,
                description="Erased at their request (code `erased`), or changed meanwhile.",
            ),
        },
        summary="Create or update one contact",
        description=UPSERT_DESCRIPTION.format(noun="contact")
        + " A contact known by email only (from an answer) takes the `external_id`.",
    ),
)
class ContactListView(_CrmListView):
    serializer_class = ContactOutSerializer
    query_serializer = ContactQuerySerializer
    in_serializer = ContactInSerializer
    kind = CONTACTS
    listed = staticmethod(selectors.contact_list)
    synced = staticmethod(sync_contacts)


@extend_schema_view(
    get=extend_schema(
        parameters=[_in_path("contact")],
        responses={
            200: ContactOutSerializer,
            401: NOT_SIGNED_IN,
            403: READ_ONLY,
            404: OpenApiResponse(ApiErrorSerializer, description="No contact has this CRM id."),
        },
        summary="One contact",
    ),
    patch=extend_schema(
        parameters=[_in_path("contact")],
        request=ContactPatchSerializer,
        responses={
            200: ContactOutSerializer,
            400: REFUSED,
            401: NOT_SIGNED_IN,
            403: READ_ONLY,
            404: OpenApiResponse(ApiErrorSerializer, description="No contact has this CRM id."),
            409: OpenApiResponse(
                ApiErrorSerializer,
                description="The new email is of someone erased, or changed meanwhile.",
            ),
        },
        summary="Change some fields of one contact",
        description="Only the fields sent change; one sent empty or null is cleared.",
    ),
)
class ContactDetailView(_CrmDetailView):
    out_serializer = ContactOutSerializer
    patch_serializer = ContactPatchSerializer
    kind = CONTACTS
    found = staticmethod(_contact)

    @staticmethod
    def updated(row, values):
        return update_contact(contact=row, values=values)


BULK_DESCRIPTION = (
    "Up to 1 000 {nouns} in one request, each upserted as by `POST /api/v1/{nouns}`, on its "
    "own: one refused does not stop the others, and each valid one is written. The answer "
    "is 200 with a result per item, in the order sent (`index` from 0), with the status it "
    "would have had alone, and the counts. The same {noun} twice in one request: the later "
    "one is applied after the earlier, as if sent next. More than 1 000 items, or an item "
    "that is not a JSON object: 400, and nothing is written."
)


def _bulk_schema(batch, result, nouns: str, noun: str):
    return extend_schema(
        request=batch,
        responses={
            200: result,
            400: OpenApiResponse(
                ApiErrorSerializer,
                description="Not a list of 1 to 1 000 objects under `" + nouns + "`.",
            ),
            401: NOT_SIGNED_IN,
            403: READ_ONLY,
        },
        summary=f"Create or update up to 1 000 {nouns}",
        description=BULK_DESCRIPTION.format(nouns=nouns, noun=noun),
    )


class AccountBulkView(APIView):
    permission_classes = [CanSyncCustomers]

    @_bulk_schema(AccountBatchSerializer, AccountBatchResultSerializer, "accounts", "account")
    def post(self, request: Request) -> ApiResponse:
        batch = checked(AccountBatchSerializer(data=request.data))
        return batch_answer(ACCOUNTS, batch["accounts"])


class ContactBulkView(APIView):
    permission_classes = [CanSyncCustomers]

    @_bulk_schema(ContactBatchSerializer, ContactBatchResultSerializer, "contacts", "contact")
    def post(self, request: Request) -> ApiResponse:
        batch = checked(ContactBatchSerializer(data=request.data))
        return batch_answer(CONTACTS, batch["contacts"])
