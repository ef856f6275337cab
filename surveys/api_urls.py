from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from surveys import api

urlpatterns = [
    path("responses", api.ResponseCreateView.as_view(), name="api-responses"),
    path("nps", api.NpsView.as_view(), name="api-nps"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
