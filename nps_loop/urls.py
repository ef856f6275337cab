from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import errors, views
from core.forms import PasswordResetForm
from playbooks.views.workspace import home

urlpatterns = [
    path("", home, name="home"),
    path("start/", views.landing, name="landing"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
            html_email_template_name="registration/password_reset_email.html",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("profile/language/", views.choose_language, name="choose-language"),
    path("", include("notifications.urls")),
    path("configure/", include("configure.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("brand/logo/<str:name>", views.brand_logo, name="brand-logo"),
    path("brand/colour/<str:colour>.css", views.brand_colour_css, name="brand-colour-css"),
    path("admin/login/", views.admin_login),
    path("admin/", admin.site.urls),
    path("s/", include("surveys.public_urls")),
    path("api/v1/", include("surveys.api_urls")),
    path("anymail/", include("surveys.delivery_urls")),
    path("api/v1/", include("playbooks.api_urls")),
    path("api/v1/", include("imports.api_urls")),
    path("", include("surveys.urls")),
    path("", include("playbooks.urls")),
]

# Errors answer JSON in the API's shape under /api/, and the app's own pages elsewhere.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
