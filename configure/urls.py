from django.urls import include, path

urlpatterns = [
    path("", include("configure.overview")),
    path("", include("configure.business")),
    path("", include("configure.exchange_rates")),
    path("", include("configure.branding")),
    path("", include("configure.root_causes")),
    path("", include("configure.customer_emails")),
    path("", include("configure.access")),
    path("", include("configure.imports")),
    path("", include("configure.security")),
    path("", include("configure.webhooks")),
]
