from django.conf import settings
from django.utils import translation

from core.errors import as_api_error, is_api_request


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
