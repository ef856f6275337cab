"""The app's own error answers: JSON in the API's one shape under /api/, pages elsewhere.

Wired in `nps_loop.urls` as Django's handler400/403/404/500 and as CSRF_FAILURE_VIEW.
The API's shape is `{"error": {"code", "message", "fields"?}}` (docs/api.md, "Errors").
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

API_PATH_PREFIX = "/api/"

# The last resort when even the 500 template cannot be rendered: no template, no database.
PLAIN_SERVER_ERROR = (
    "<!doctype html><html><head><title>Server error · NPS Loop</title></head>"
    '<body><h1>Server error</h1><p>NPS Loop could not answer this request. <a href="/">Home</a>'
    "</p></body></html>"
)


def api_error_body(*, code: str, message: str, fields: dict | None = None) -> dict[str, Any]:
    """The API's error shape, with `fields` only when there are fields to name."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def is_api_request(request: HttpRequest) -> bool:
    """Whether the request is for the REST API, which answers errors in JSON."""
    return request.path.startswith(API_PATH_PREFIX)


def _api_error(status: int, *, code: str, message: str) -> JsonResponse:
    return JsonResponse(api_error_body(code=code, message=message), status=status)


def _way_back(request: HttpRequest) -> str:
    """The page the reader came from, when it is one of ours; empty otherwise."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 page of a request for a host we do not serve
        return ""
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, {"back_url": _way_back(request)}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: a request Django refused before any view (a bad host, a malformed request)."""
    if is_api_request(request):
        if isinstance(exception, RequestDataTooBig):
            return _api_error(
                400,
                code="too_large",
                message=_(
                    "The request body is larger than %(size)s MB and was not read: send "
                    "fewer items per request."
                )
                % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)},
            )
        return _api_error(
            400, code="bad_request", message=_("The request is malformed and was not read.")
        )
    return _page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: the reader may not see this page."""
    if is_api_request(request):
        return _api_error(
            403, code="permission_denied", message=_("You do not have permission to do this.")
        )
    return _page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: no page, or no API endpoint, at this address."""
    if is_api_request(request):
        return _api_error(
            404,
            code="not_found",
            message=_(
                "There is nothing at %(path)s: see /api/v1/schema/ for the endpoints "
                "and the form of their ids."
            )
            % {"path": request.path},
        )
    return _page(request, "404.html", 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403: a form sent without a valid CSRF token (expired page, blocked cookies)."""
    logger.warning("CSRF check failed path=%s reason=%s", request.path, reason)
    if is_api_request(request):
        return _api_error(
            403,
            code="csrf_failed",
            message=_(
                "CSRF check failed: with a browser session, send the X-CSRFToken header; "
                "scripts should use an API key instead."
            ),
        )
    return _page(request, "403_csrf.html", 403)


def as_api_error(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An /api/ error that is not JSON (a page Django drew itself, or an error DRF
    rendered for another format, like the schema's YAML), as JSON in the API's shape."""
    status = response.status_code
    data = getattr(response, "data", None)
    if isinstance(data, dict) and "error" in data:
        answer = JsonResponse(data, status=status)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if response.has_header(header):
                answer[header] = response[header]
        return answer
    if status == 404:
        return page_not_found(request)
    if status >= 500:
        return server_error(request)
    if status == 403:
        return permission_denied(request)
    if status == 400:
        return bad_request(request)
    answer = _api_error(
        status,
        code="error",
        message=_("The request could not be answered (%(status)s).") % {"status": status},
    )
    if response.has_header("Allow"):
        answer["Allow"] = response["Allow"]
    return answer


def server_error(request: HttpRequest) -> HttpResponse:
    """500: an error of ours. Never queries the database nor needs a request context."""
    if is_api_request(request):
        return _api_error(
            500,
            code="server_error",
            message=_("NPS Loop could not answer because of an error on its side; it is logged."),
        )
    try:
        html = loader.get_template("500.html").render({"back_url": _way_back(request)})
    except Exception:  # the error page must answer whatever else is broken
        logger.exception("the 500 page could not be rendered")
        html = PLAIN_SERVER_ERROR
    return HttpResponse(html, status=500)
