"""REST API of cases, read-only: for BI tools, survey tools and the team's own scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from core.models import User
from core.periods import twelve_months_to
from playbooks import selectors
from playbooks.permissions import CanEraseContacts, CanReadCases, CanReadRecurringIssues
from playbooks.selectors.recurring import BY_CASES, recurring_issues
from playbooks.serializers import (
    CaseDetailSerializer,
    CaseQuerySerializer,
    CaseSerializer,
    ContactEraseSerializer,
    ErasureSummarySerializer,
    RecurringIssuesQuerySerializer,
    RecurringIssuesSerializer,
)
from playbooks.services.erasure import ContactNotFound, erase_contact
from surveys.api import NO_ACCESS, NOT_SIGNED_IN, ApiPagination
from surveys.serializers import ApiErrorSerializer

if TYPE_CHECKING:
    pass


class CaseListView(ListAPIView):
    permission_classes = [CanReadCases]
    serializer_class = CaseSerializer
    pagination_class = ApiPagination

    @extend_schema(
        parameters=[CaseQuerySerializer],
        responses={
            200: CaseSerializer(many=True),
            400: OpenApiResponse(
                ApiErrorSerializer, description="A filter is not valid; `fields` names it."
            ),
            401: NOT_SIGNED_IN,
            403: NO_ACCESS,
            404: OpenApiResponse(ApiErrorSerializer, description="No such page."),
        },
        summary="List cases",
        description=(
            "Cases newest first, 50 a page (follow `next`). An API key and managers see every "
            "case; a CSM sees the cases of their accounts and those assigned to them."
        ),
    )
    def get(self, request: Request, *args, **kwargs) -> ApiResponse:
        query = CaseQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cases = selectors.filter_cases(
            selectors.with_joined_answer_ids(selectors.case_list(user=request.user)),
            **query.validated_data,
        )
        now = timezone.now()
        page = selectors.with_risk(
            self.paginate_queryset(selectors.with_overdue(cases, now=now)), now=now
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CaseDetailView(APIView):
    permission_classes = [CanReadCases]

    @extend_schema(
        parameters=[
            OpenApiParameter("case_id", int, OpenApiParameter.PATH, description="Case id.")
        ],
        responses={
            200: CaseDetailSerializer,
            401: NOT_SIGNED_IN,
            403: NO_ACCESS,
            404: OpenApiResponse(
                ApiErrorSerializer, description="No such case, or not one the caller may see."
            ),
        },
        summary="One case, with its steps, action plan, escalations and timeline",
    )
    def get(self, request: Request, case_id: int) -> ApiResponse:
        case = selectors.case_detail(user=request.user, case_id=case_id)
        if case is None:
            raise NotFound(f"There is no case {case_id} that you may see.")
        now = timezone.now()
        case.overdue = selectors.is_overdue(case=case, now=now)
        selectors.with_risk([case], now=now)
        return ApiResponse(CaseDetailSerializer(case).data)


class RecurringIssuesView(APIView):
    permission_classes = [CanReadRecurringIssues]

    @extend_schema(
        parameters=[RecurringIssuesQuerySerializer],
        responses={
            200: RecurringIssuesSerializer,
            400: OpenApiResponse(
                ApiErrorSerializer,
                description="A date is not valid, or `to` is before `from`; `fields` names it.",
            ),
            401: NOT_SIGNED_IN,
            403: NO_ACCESS,
        },
        summary="Recurring issues: root causes and themes of a period",
        description=(
            "The figures of the Recurring issues page: the root causes of the cases closed in "
            "the period (each cause with its sub-causes) and the themes of the answers given "
            "in it, each with its cases, distinct accounts, detractor answers and ARR affected, "
            "against the period of the same length just before. Days are those of the server's "
            "time zone. For REST API keys, managers and admins."
        ),
    )
    def get(self, request: Request) -> ApiResponse:
        query = RecurringIssuesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        end = params.get("to") or timezone.localdate()
        start = params.get("from") or twelve_months_to(end)
        if start > end:  # only `from` given, after today
            end = start
        issues = recurring_issues(start=start, end=end, sort=params.get("sort") or BY_CASES)
        body = {
            "period": {"start": issues.start, "end": issues.end},
            "previous_period": {"start": issues.previous_start, "end": issues.previous_end},
            **{
                name: getattr(issues, name)
                for name in (
                    "sort",
                    "closed",
                    "closed_before",
                    "closed_without_root_cause",
                    "closed_with_no_issue",
                    "currencies",
                    "currency",
                    "unconverted_currencies",
                    "root_causes",
                    "themes",
                )
            },
        }
        return ApiResponse(RecurringIssuesSerializer(body).data)


class ContactEraseView(APIView):
    permission_classes = [CanEraseContacts]

    @extend_schema(
        request=ContactEraseSerializer,
        responses={
            200: ErasureSummarySerializer,
            400: OpenApiResponse(
                ApiErrorSerializer, description="No email, or not an email address."
            ),
            401: NOT_SIGNED_IN,
            403: OpenApiResponse(
                ApiErrorSerializer,
                description="Not a REST API key (a survey tool's key) nor a signed-in admin.",
            ),
            404: OpenApiResponse(
                ApiErrorSerializer, description="No contact has this address: nothing changed."
            ),
        },
        summary="Erase a person at their request (GDPR Art. 17)",
        description=(
            "Their name, email, phone and every text they wrote become a tombstone; scores, "
            "dates and counts stay, so every figure stays the same. Their open cases close "
            "with the outcome `contact_erased`. The address is remembered only as a keyed "
            "hash: the suppression check then answers `reason: erased`, and answers from it "
            "are refused. Calling it again for the same address answers 200 with "
            "`already_erased: true` and changes nothing."
        ),
    )
    def post(self, request: Request) -> ApiResponse:
        body = ContactEraseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            summary = erase_contact(email=body.validated_data["email"], actor=_person(request))
        except ContactNotFound:
            raise NotFound("No contact has this email address: nothing was erased.") from None
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return ApiResponse(ErasureSummarySerializer(summary.as_dict()).data)


def _person(request: Request):
    """The signed-in person who acts, None for an API key."""
    return request.user if isinstance(request.user, User) else None
