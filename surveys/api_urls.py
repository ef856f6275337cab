from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from surveys import api, api_hooks

urlpatterns = [
    path("responses", api.ResponseCreateView.as_view(), name="api-responses"),
    path("responses/bulk", api.ResponseBulkView.as_view(), name="api-responses-bulk"),
    path("nps", api.NpsView.as_view(), name="api-nps"),
    path("suppressions", api.SuppressionListView.as_view(), name="api-suppressions"),
    path(
        "suppressions/check",
        api.SuppressionCheckView.as_view(),
        name="api-suppression-check",
    ),
    path("hooks/delighted", api_hooks.DelightedHookView.as_view(), name="api-hook-delighted"),
    path("hooks/typeform", api_hooks.TypeformHookView.as_view(), name="api-hook-typeform"),
    path("hooks/formbricks", api_hooks.FormbricksHookView.as_view(), name="api-hook-formbricks"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (docs/?script=): the
    # Content-Security-Policy runs no inline script. Its template links its CSS likewise.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="surveys/api_docs.html"
        ),
        name="api-docs",
    ),
]
