"""The app's URLs plus two that fail, to see the 500 answers (ROOT_URLCONF in tests)."""

from django.urls import path
from rest_framework.views import APIView

from nps_loop.urls import handler400, handler403, handler404, handler500, urlpatterns


def broken_page(request):
    raise RuntimeError("a bug in a page")


class BrokenEndpoint(APIView):
    def get(self, request):
        raise RuntimeError("a bug in an endpoint")


urlpatterns = [
    path("broken/", broken_page),
    path("api/v1/broken", BrokenEndpoint.as_view()),
    *urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
