"""The app's URLs and error pages, and the API's floor (bench/floor.py), for the benchmark
alone."""

from django.urls import path

from bench import floor
from nps_loop.urls import handler400, handler403, handler404, handler500  # noqa: F401
from nps_loop.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench/answers", floor.store_answer, name="bench-floor-answers"),
    *app_urlpatterns,
]
