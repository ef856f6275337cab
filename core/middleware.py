import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation

from core.errors import as_api_error, is_api_request, page_not_found, server_error

logger = logging.getLogger("django.request")


class UserLanguageMiddleware:
    """Use the language in the user's profile; otherwise the browser's (LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class ApiErrorsMiddleware:
    """Under /api/, an error page Django drew itself becomes JSON in the API's shape.

    The error handlers (core.errors) already answer JSON there; this also covers DEBUG,
    where Django shows its technical 404 and 500 pages instead of calling them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_request(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return as_api_error(request, response)
        return response


class PermissionsPolicyMiddleware:
    """Send the Permissions-Policy header (settings.PERMISSIONS_POLICY) with every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}={allowlist}" for feature, allowlist in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


class OwnErrorPagesMiddleware:
    """With DEBUG on (`make run`), pages outside /api/ still answer errors with the app's own
    404 and 500 pages, not Django's technical ones: people trying NPS Loop see what its
    users see. The traceback of an error still goes to the console. Set
    NPS_DEBUG_TECHNICAL_ERRORS=true for Django's pages.

    Django draws its technical pages itself when DEBUG is on (handler404 and handler500 are
    not called): an exception of a view is answered here instead, and a 404 of an address
    no URL matched (no view ran, so `request.resolver_match` is unset) is drawn again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def _applies(self, request) -> bool:
        return (
            settings.DEBUG
            and not settings.NPS_DEBUG_TECHNICAL_ERRORS
            and not is_api_request(request)
        )

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and self._applies(request)
            and getattr(request, "resolver_match", None) is None
        ):
            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if not self._applies(request):
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return None  # Django answers it with handler403 whatever DEBUG says
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return server_error(request)
