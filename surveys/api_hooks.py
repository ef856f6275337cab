"""Webhooks from survey tools: authenticate the delivery, read it, record the answer.

A delivery is accepted when it is signed with the signing secret of an active
integration of the tool's kind, or when it carries the key of one (`?token=<key>`
or `Authorization: Bearer <key>`) and, if that integration has a signing secret,
is signed with it too. Everything else is a 401 and stores nothing.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from types import ModuleType
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    NotAuthenticated,
    ParseError,
    Throttled,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from surveys.api import validation_error_response
from surveys.hooks import (
    HookEvent,
    HookIgnored,
    HookOptOut,
    SignatureError,
    delighted,
    formbricks,
    header,
    text,
    typeform,
)
from surveys.models import Integration, IntegrationKind
from surveys.rate_limits import client_address, exhausted, hit, wrong_api_key_limit
from surveys.serializers import ApiErrorSerializer, RecordedResponseSerializer
from surveys.services import AddressErased, opt_out_contact, record_response
from surveys.services.integrations import integration_for_key, touch_integration
from surveys.services.webhook_messages import first_delivery

logger = logging.getLogger(__name__)


def _delivery_key(request: Request) -> str:
    """The integration key from `?token=` or `Authorization: Bearer`, if the tool sent one."""
    if token := request.query_params.get("token", "").strip():
        return token
    scheme, _, key = header(request.headers, "Authorization").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _sender(request: Request, *, kind: str, tool: ModuleType) -> Integration:
    """The active integration that sent this delivery; raises a 401 error otherwise."""
    body = request.body  # the raw bytes that were signed, read before any parsing
    if key := _delivery_key(request):
        # Wrong keys count against the client's address, as on the rest of the API.
        client = client_address(request)
        wait = exhausted(wrong_api_key_limit(), client=client)
        if wait is not None:
            raise Throttled(
                wait=wait, detail="Too many requests with a wrong key from your address."
            )
        integration = integration_for_key(key, kind=kind)
        if integration is None:
            hit(wrong_api_key_limit(), client=client)
            raise AuthenticationFailed("Unknown or revoked key for this webhook.")
        if integration.signing_secret:
            try:
                tool.verify_signature(
                    body=body, headers=request.headers, secret=integration.signing_secret
                )
            except SignatureError as error:
                raise AuthenticationFailed(str(error)) from None
        return integration

    if not header(request.headers, tool.SIGNATURE_HEADER):
        raise NotAuthenticated(
            "Sign deliveries with the integration's signing secret, "
            "or put its key in the URL (?token=<key>)."
        )
    problems = set()
    signing = Integration.objects.filter(kind=kind, revoked_at__isnull=True).exclude(
        signing_secret=""
    )
    for integration in signing:
        try:
            tool.verify_signature(
                body=body, headers=request.headers, secret=integration.signing_secret
            )
        except SignatureError as error:
            problems.add(str(error))
            continue
        touch_integration(integration=integration)
        return integration
    raise AuthenticationFailed(
        problems.pop()
        if len(problems) == 1
        else "The signature matches no active integration for this webhook."
    )


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ParseError(f"The body is not valid JSON: {error}.") from None


def _outcome(event: HookEvent, *, payload: Any) -> tuple[int, dict[str, Any]]:
    """Act on one event: the HTTP status and body that answer it."""
    if isinstance(event, HookIgnored):
        return status.HTTP_200_OK, {"ignored": event.reason}
    if isinstance(event, HookOptOut):
        contact = opt_out_contact(email=event.email)
        if contact is None:
            return status.HTTP_200_OK, {"ignored": "No contact has this email; nothing to do."}
        return status.HTTP_200_OK, {"opted_out": contact.email}
    try:
        recorded = record_response(answer=dataclasses.replace(event, payload=payload))
    except AddressErased as error:
        # Not an error the tool could fix by sending again: acknowledge it, store nothing.
        return status.HTTP_200_OK, {"ignored": error.messages[0]}
    body = RecordedResponseSerializer(recorded.response, context={"stale": recorded.stale}).data
    return (status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK, body)


def _message_id(request: Request, payload: Any) -> str:
    """The delivery's message id: Standard Webhooks' `webhook-id` header, else the tool's
    `event_id` (Delighted, Typeform); empty when it has none."""
    if message_id := header(request.headers, "webhook-id"):
        return message_id
    return text(payload.get("event_id")) if isinstance(payload, dict) else ""


def _numbered(error: ValidationError, index: int) -> ValidationError:
    """The error of the `index`-th delivery of a batch, each field prefixed with its place."""
    return ValidationError(
        {f"[{index}].{field}": messages for field, messages in error.message_dict.items()}
    )


class _HookView(APIView):
    """One survey tool's webhook; subclasses say which tool and how to read its events."""

    authentication_classes = []  # each delivery is authenticated by `_sender`
    permission_classes = [AllowAny]
    kind: ClassVar[str]
    tool: ClassVar[ModuleType]
    # Whether the tool may send a JSON array of deliveries in one request.
    batches: ClassVar[bool] = False

    def get_authenticate_header(self, request: Request) -> str:
        # Without it DRF answers 403 instead of 401 to an unauthenticated delivery.
        return 'Bearer realm="webhooks"'

    def read(self, request: Request, item: dict[str, Any]) -> HookEvent:
        raise NotImplementedError

    def post(self, request: Request) -> ApiResponse:
        try:
            sender = _sender(request, kind=self.kind, tool=self.tool)
        except APIException as error:
            logger.warning("webhook %s delivery refused: %s", self.kind, error)
            raise
        payload = _json_body(request)
        batch = self.batches and isinstance(payload, list)
        items = payload if batch else [payload]
        message_id = _message_id(request, payload)
        try:
            # A batch is stored whole or not at all, so that the tool's retry is clean; its
            # message id is remembered with it.
            with transaction.atomic():
                if message_id and not first_delivery(kind=self.kind, message_id=message_id):
                    logger.info("webhook %s message %s replayed", self.kind, message_id)
                    return ApiResponse(
                        {
                            "duplicate": True,
                            "ignored": f"Message '{message_id}' was processed before.",
                        },
                        status=status.HTTP_200_OK,
                    )
                outcomes = [
                    self._handle(request, item, place=index if batch else None)
                    for index, item in enumerate(items)
                ]
        except ValidationError as error:
            logger.warning("webhook %s integration=%s refused: %s", self.kind, sender.pk, error)
            return validation_error_response(error)
        for code, body in outcomes:
            logger.info(
                "webhook %s integration=%s status=%s answer=%s ignored=%s",
                self.kind,
                sender.pk,
                code,
                body.get("id"),
                body.get("ignored", ""),
            )
        if not batch:
            code, body = outcomes[0]
            return ApiResponse(body, status=code)
        created = any(code == status.HTTP_201_CREATED for code, _ in outcomes)
        return ApiResponse(
            {"results": [body for _, body in outcomes]},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _handle(self, request: Request, item: Any, *, place: int | None) -> tuple[int, dict]:
        try:
            if not isinstance(item, dict):
                raise ValidationError({"body": ["Expected a JSON object."]})
            return _outcome(self.read(request, item), payload=item)
        except ValidationError as error:
            if place is None:
                raise
            raise _numbered(error, place) from None


TOKEN_PARAMETER = OpenApiParameter(
    "token", str, description="The integration's key, for tools that cannot sign or send headers."
)
HOOK_RESPONSES = {
    201: OpenApiResponse(RecordedResponseSerializer, description="A new answer was stored."),
    200: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description=(
            "The answer was already stored: corrected when the delivery says something new, "
            'unchanged (with `"stale": true`) when the tool changed it since; or the event '
            'carries no answer: `{"ignored": "<reason>"}`; or its message id (`webhook-id`, '
            '`event_id`) was processed before: `{"duplicate": true, "ignored": "<reason>"}`.'
        ),
    ),
    400: OpenApiResponse(
        ApiErrorSerializer, description="Malformed JSON, or an answer that is not valid."
    ),
    401: OpenApiResponse(
        ApiErrorSerializer, description="Unknown or revoked key, or a missing or wrong signature."
    ),
}


class DelightedHookView(_HookView):
    kind = IntegrationKind.DELIGHTED
    tool = delighted

    @extend_schema(
        tags=["webhooks"],
        request=OpenApiTypes.OBJECT,
        parameters=[TOKEN_PARAMETER],
        responses=HOOK_RESPONSES,
        summary="Delighted webhook",
        description=(
            "`survey_response.created` stores the answer, `survey_response.updated` completes "
            "it (the comment usually comes then), `unsubscribe.created` opts the contact out. "
            "Signed with `X-Delighted-Webhook-Signature`, or authenticated by `?token=`."
        ),
    )
    def post(self, request: Request) -> ApiResponse:
        return super().post(request)

    def read(self, request: Request, item: dict[str, Any]) -> HookEvent:
        return delighted.read_event(item)


class TypeformHookView(_HookView):
    kind = IntegrationKind.TYPEFORM
    tool = typeform

    @extend_schema(
        tags=["webhooks"],
        request=OpenApiTypes.OBJECT,
        parameters=[
            TOKEN_PARAMETER,
            OpenApiParameter("score_field", str, description="Id or ref of the 0–10 question."),
            OpenApiParameter("comment_field", str, description="Id or ref of the comment."),
        ],
        responses=HOOK_RESPONSES,
        summary="Typeform webhook",
        description=(
            "One `form_response` per submission, idempotent on its token. Responses without "
            "a 0–10 answer are acknowledged and ignored. Signed with `Typeform-Signature`."
        ),
    )
    def post(self, request: Request) -> ApiResponse:
        return super().post(request)

    def read(self, request: Request, item: dict[str, Any]) -> HookEvent:
        return typeform.read_event(
            item,
            score_field=request.query_params.get("score_field", "").strip(),
            comment_field=request.query_params.get("comment_field", "").strip(),
        )


class FormbricksHookView(_HookView):
    kind = IntegrationKind.FORMBRICKS
    tool = formbricks
    batches = True

    @extend_schema(
        tags=["webhooks"],
        request=OpenApiTypes.OBJECT,
        parameters=[
            TOKEN_PARAMETER,
            OpenApiParameter("score_question", str, description="Id of the NPS question."),
            OpenApiParameter("comment_question", str, description="Id of the comment question."),
        ],
        responses=HOOK_RESPONSES,
        summary="Formbricks webhook",
        description=(
            "`responseCreated`, `responseUpdated` and `responseFinished`, one object or an "
            "array of them; each delivery of a response completes the same answer. "
            "Signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, "
            "`webhook-signature`); deliveries more than 5 minutes old are refused."
        ),
    )
    def post(self, request: Request) -> ApiResponse:
        return super().post(request)

    def read(self, request: Request, item: dict[str, Any]) -> HookEvent:
        return formbricks.read_event(
            item,
            score_question=request.query_params.get("score_question", "").strip(),
            comment_question=request.query_params.get("comment_question", "").strip(),
        )
