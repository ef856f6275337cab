"""REST API views: parse, authorise, call a service or selector, answer."""

import threading
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from core.errors import api_error_body
from surveys import selectors
from surveys.answers import AnswerIn
from surveys.models import Source
from surveys.permissions import CanReadNps, CanReadSuppressions, CanSendAnswers
from surveys.serializers import (
    ApiErrorSerializer,
    NpsOutSerializer,
    NpsQuerySerializer,
    RecordedResponseSerializer,
    ResponseBatchResultSerializer,
    ResponseBatchSerializer,
    ResponseInSerializer,
    SuppressionCheckQuerySerializer,
    SuppressionSerializer,
    SurveyClearanceSerializer,
)
from surveys.services import AddressErased, record_response, record_responses

INVALID = "Some fields are not valid; see 'fields'."


def validation_error_response(error: ValidationError) -> ApiResponse:
    """400 in the API's error shape from a service's ValidationError."""
    fields = (
        error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    )
    return ApiResponse(
        api_error_body(
            code="invalid", message="Some fields are not valid; see 'fields'.", fields=fields
        ),
        status=status.HTTP_400_BAD_REQUEST,
    )


def erased_address_response(error: AddressErased) -> ApiResponse:
    """409: the answer is from someone erased at their request."""
    return ApiResponse(
        {"error": {"code": "erased", "message": error.messages[0]}},
        status=status.HTTP_409_CONFLICT,
    )


def flat_errors(errors: Any) -> dict[str, list[str]]:
    """A serializer's errors as the error shape's `fields`: messages per field, those of
    a list's items prefixed with the item's place ("domains": ["1: ..."])."""
    if not isinstance(errors, dict):
        return {"non_field_errors": [str(message) for message in errors]}
    flat: dict[str, list[str]] = {}
    for name, messages in errors.items():
        if isinstance(messages, dict):
            flat[name] = [
                f"{place}: {message}" for place, inner in messages.items() for message in inner
            ]
        else:
            flat[name] = [str(message) for message in messages]
    return flat


NOT_SIGNED_IN = OpenApiResponse(
    ApiErrorSerializer, description="No API key and no signed-in session, or an unknown key."
)
NO_ACCESS = OpenApiResponse(
    ApiErrorSerializer, description="Signed in, but without a role that may read this."
)


class _AnswerSerializers(threading.local):
    """The serializers of answers, built once per thread and reused by every request:
    building one deep-copies all its fields, which took a fifth of the Python of a new
    answer. Checking an answer (`run_validation`) and drawing one (`to_representation`)
    leave nothing on them, as DRF's own list serializers reuse one child for every item."""

    def __init__(self) -> None:
        self.checker = ResponseInSerializer()
        self.shown = {
            stale: RecordedResponseSerializer(context={"stale": stale}) for stale in (False, True)
        }


_answer_serializers = _AnswerSerializers()


class ResponseCreateView(APIView):
    permission_classes = [CanSendAnswers]

    @extend_schema(
        request=ResponseInSerializer,
        responses={
            201: OpenApiResponse(RecordedResponseSerializer, description="A new answer."),
            200: OpenApiResponse(
                RecordedResponseSerializer,
                description=(
                    "The answer was stored before: corrected, or unchanged (a repeat, or "
                    "`stale: true`); the body is the answer as now stored."
                ),
            ),
            409: OpenApiResponse(
                ApiErrorSerializer,
                description="The person was erased at their request: nothing is stored.",
            ),
            400: OpenApiResponse(
                ApiErrorSerializer,
                description="Malformed JSON, or an answer that is not valid; `fields` names why.",
            ),
            401: NOT_SIGNED_IN,
            403: OpenApiResponse(ApiErrorSerializer, description="The key may not send answers."),
        },
        summary="Send one NPS answer, or correct it",
        description=(
            "Stores the answer and starts its follow-up. Idempotent on `external_id`: "
            "sending the same answer again answers 200 and changes nothing. Sending the same "
            "`external_id` with another score, comment or language corrects the answer "
            "(200, the answer as now stored): its category follows the new score, and its "
            "open case is superseded by the matching playbook's case when the playbook "
            "changes. A delivery whose `updated_at` is older than the stored answer's is "
            "stale: 200 with `stale: true`, nothing changed. "
            "An answer whose email matches no account is stored as unmatched (`matched: false`). "
            "An answer from someone erased at their request (GDPR) is refused with 409, code "
            "`erased`, and nothing is stored."
        ),
    )
    def post(self, request: Request) -> ApiResponse:
        validated = _answer_serializers.checker.run_validation(request.data)
        try:
            recorded = record_response(
                answer=AnswerIn(source=Source.API, payload=request.data, **validated)
            )
        except AddressErased as error:
            return erased_address_response(error)
        except ValidationError as error:
            return validation_error_response(error)
        shown = _answer_serializers.shown[recorded.stale]
        return ApiResponse(
            shown.to_representation(recorded.response),
            status=status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK,
        )


def _item_result(
    index: int, outcome: Any, shown: dict[bool, RecordedResponseSerializer]
) -> tuple[dict[str, Any], str]:
    """One answer of a bulk request as `POST /api/v1/responses` would have answered it:
    its result, and the count it adds to (created, updated, unchanged or failed).
    `shown` draws a recorded answer, by whether its delivery was stale."""
    if isinstance(outcome, AddressErased):
        body = api_error_body(code="erased", message=outcome.messages[0])
        return {"index": index, "status": 409, **body}, "failed"
    if isinstance(outcome, ValidationError):
        fields = (
            outcome.message_dict
            if hasattr(outcome, "error_dict")
            else {"non_field_errors": outcome.messages}
        )
        body = api_error_body(code="invalid", message=INVALID, fields=fields)
        return {"index": index, "status": 400, **body}, "failed"
    answer = shown[outcome.stale].to_representation(outcome.response)
    if outcome.created:
        return {"index": index, "status": 201, "response": answer}, "created"
    count = "updated" if outcome.changed else "unchanged"
    return {"index": index, "status": 200, "response": answer}, count


class ResponseBulkView(APIView):
    permission_classes = [CanSendAnswers]

    @extend_schema(
        request=ResponseBatchSerializer,
        responses={
            200: OpenApiResponse(
                ResponseBatchResultSerializer,
                description="A result per answer, in the order sent, and the counts.",
            ),
            400: OpenApiResponse(
                ApiErrorSerializer,
                description=(
                    "Not a list of 1 to 1 000 JSON objects under `responses`: nothing is stored."
                ),
            ),
            401: NOT_SIGNED_IN,
            403: OpenApiResponse(ApiErrorSerializer, description="The key may not send answers."),
        },
        summary="Send up to 1 000 NPS answers at once",
        description=(
            "Each answer is recorded on its own exactly as by `POST /api/v1/responses`: one "
            "refused does not stop the others, and each valid one is stored. The answer is "
            "200 with a result per answer, in the order sent (`index` from 0), carrying the "
            "status it would have had alone (201 new; 200 corrected, repeated or stale; 400 "
            "not valid; 409 erased at their request) with the answer as stored or the error; "
            "and the counts `created`, `updated`, `unchanged`, `failed`. The same "
            "`external_id` twice in one request: the later is recorded after the earlier, "
            "as a repeat or a correction of it."
        ),
    )
    def post(self, request: Request) -> ApiResponse:
        batch = ResponseBatchSerializer(data=request.data)
        if not batch.is_valid():
            raise serializers.ValidationError(flat_errors(batch.errors))
        items = batch.validated_data["responses"]
        refused: dict[int, dict[str, Any]] = {}
        answers: dict[int, AnswerIn] = {}
        # One serializer checks every item and one draws every answer (`_AnswerSerializers`).
        for index, item in enumerate(items):
            try:
                validated = _answer_serializers.checker.run_validation(item)
            except serializers.ValidationError as error:
                fields = flat_errors(error.detail)
                refused[index] = api_error_body(code="invalid", message=INVALID, fields=fields)
            else:
                answers[index] = AnswerIn(source=Source.API, payload=item, **validated)
        outcomes = dict(zip(answers, record_responses(answers=list(answers.values())), strict=True))
        shown = _answer_serializers.shown
        totals = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        results = []
        for index in range(len(items)):
            if index in refused:
                result, count = {"index": index, "status": 400, **refused[index]}, "failed"
            else:
                result, count = _item_result(index, outcomes[index], shown)
            results.append(result)
            totals[count] += 1
        return ApiResponse({"results": results, **totals})


class NpsView(APIView):
    permission_classes = [CanReadNps]

    @extend_schema(
        parameters=[NpsQuerySerializer],
        responses={
            200: NpsOutSerializer,
            400: OpenApiResponse(
                ApiErrorSerializer,
                description="A filter is not valid, or `to` is before `from`; `fields` names it.",
            ),
            401: NOT_SIGNED_IN,
            403: NO_ACCESS,
        },
        summary="NPS of a slice of answers",
        description="Computed on the pooled answers of the slice, with its 95 % interval.",
    )
    def get(self, request: Request) -> ApiResponse:
        query = NpsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        responses = selectors.responses_in(
            answered_from=params.get("from"),
            answered_to=params.get("to"),
            segment=params.get("segment", ""),
            tier=params.get("tier", ""),
            persona=params.get("persona", ""),
        )
        return ApiResponse(responses.nps().as_dict())


class ApiPagination(PageNumberPagination):
    """Pages of 50 by default (`?page_size=` from 1 to 200), numbered from 1 with `?page=`.

    A page size or page number that is not a whole number in range is a 400 naming the
    parameter, as the schema says; a page past the end is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = (
        "There is no page '{page_number}' ({message}). Pages start at 1; follow 'next'."
    )

    def get_page_size(self, request: Request) -> int:
        size = _whole_number(request, self.page_size_query_param, maximum=self.max_page_size)
        return self.page_size if size is None else size

    def get_page_number(self, request: Request, paginator) -> int | str:
        number = _whole_number(request, self.page_query_param)
        return 1 if number is None else number

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = (
                    f"Answers per page, 1 to {self.max_page_size}; 50 by default."
                )
            else:
                parameter["description"] = "The page, from 1; follow `next` rather than counting."
        return parameters


def _whole_number(request: Request, name: str, *, maximum: int | None = None) -> int | None:
    """The query parameter `name` as a whole number from 1 (to `maximum`); None when absent."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise serializers.ValidationError({name: [_("Give '%(name)s' once.") % {"name": name}]})
    number = int(values[0]) if values[0].isascii() and values[0].isdigit() else 0
    if number < 1 or (maximum and number > maximum):
        message = (
            _("Give a whole number from 1 to %(maximum)s.") % {"maximum": maximum}
            if maximum
            else _("Give a whole number from 1.")
        )
        raise serializers.ValidationError({name: [message]})
    return number


class SuppressionCheckView(APIView):
    permission_classes = [CanReadSuppressions]

    @extend_schema(
        parameters=[SuppressionCheckQuerySerializer],
        responses={
            200: SurveyClearanceSerializer,
            400: OpenApiResponse(ApiErrorSerializer, description="Missing or malformed email."),
            401: NOT_SIGNED_IN,
            403: NO_ACCESS,
        },
        summary="May this address be surveyed now?",
        description=(
            "Call it before you send a survey. `allowed` is false when the person was erased "
            "at their request (`reason: erased`: never survey them), when the contact opted "
            "out, or when a suppression is in force for them or for their whole account (a "
            "case is open, or someone set one by hand); `reasons` says why in plain words, "
            "`reason_codes` as codes. An address NPS Loop does not know is allowed."
        ),
    )
    def get(self, request: Request) -> ApiResponse:
        query = SuppressionCheckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        clearance = selectors.survey_clearance(email=query.validated_data["email"])
        return ApiResponse(SurveyClearanceSerializer(clearance).data)


@extend_schema_view(
    get=extend_schema(
        responses={
            200: SuppressionSerializer(many=True),
            400: OpenApiResponse(
                ApiErrorSerializer, description="`page` or `page_size` is not a whole number."
            ),
            401: NOT_SIGNED_IN,
            403: NO_ACCESS,
            404: OpenApiResponse(ApiErrorSerializer, description="No such page."),
        },
        summary="Suppressions in force",
        description=(
            "Every suppression in force now, newest first, 50 a page: the contacts, and the "
            "accounts, that must get no survey. Follow `next` for the following page."
        ),
    )
)
class SuppressionListView(ListAPIView):
    permission_classes = [CanReadSuppressions]
    serializer_class = SuppressionSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        return selectors.active_suppressions()
