"""DRF's errors in the API's one shape, {"error": {"code", "message", "fields"?}}.

Django's own (no such endpoint, a bug) get the same shape from `core.errors`."""

from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import api_error_body


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(data, dict) and "detail" in data and len(data) == 1:
        response.data = api_error_body(
            code=getattr(data["detail"], "code", code), message=str(data["detail"])
        )
    else:
        # A body that is no object at all (`null`) is refused with a list of messages: they
        # go under `non_field_errors`, as the shape's `fields` maps names to messages.
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = api_error_body(
            code="invalid", message="Some fields are not valid; see 'fields'.", fields=fields
        )
    return response
