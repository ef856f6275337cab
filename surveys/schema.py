"""How the API's authentication appears in the OpenAPI schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class IntegrationKeyScheme(OpenApiAuthenticationExtension):
    target_class = "surveys.authentication.IntegrationKeyAuthentication"
    name = "integrationKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An integration key from `manage.py create_api_key NAME`.",
        }


# The errors any operation may answer, in the one error shape (docs/api.md, "Errors").
COMMON_ERRORS = {
    "401": "No API key and no signed-in session, or an unknown or revoked key.",
    "403": "The key or the signed-in person may not do this.",
    "405": "The endpoint does not answer this HTTP method; `Allow` lists those it does.",
    "429": "Too many requests this minute; `Retry-After` says how many seconds to wait.",
    "500": "An error on NPS Loop's side; it is logged.",
}


def document_common_errors(result, generator, request, public):
    """Postprocessing hook: every operation documents the errors any request may meet."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            authenticated = any(requirement for requirement in operation.get("security", [{}]))
            for status, description in COMMON_ERRORS.items():
                if status == "403" and not authenticated:
                    continue
                responses.setdefault(status, {"description": description, "content": error})
    return result
