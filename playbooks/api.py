"""REST API of cases, read-only: for BI tools, survey tools and the team's own scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from playbooks import selectors
from playbooks.permissions import CanReadCases
from playbooks.serializers import (
    CaseDetailSerializer,
    CaseQuerySerializer,
    CaseSerializer,
)
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
            selectors.case_list(user=request.user), **query.validated_data
        )
        page = self.paginate_queryset(cases)
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
        return ApiResponse(CaseDetailSerializer(case).data)
