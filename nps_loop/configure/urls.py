from django.urls import include, path

urlpatterns = [
    path("", include("nps_loop.configure.business")),
    path("", include("nps_loop.configure.access")),
    path("", include("nps_loop.configure.imports")),
]
