from django.urls import path

from surveys import views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_new, name="campaign-new"),
    path("campaigns/accounts/", views.account_suggestions, name="campaign-account-suggestions"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="campaign-edit"),
    path(
        "campaigns/<int:campaign_id>/email/<slug:language>/",
        views.campaign_email,
        name="campaign-email",
    ),
    path(
        "campaigns/<int:campaign_id>/email/<slug:language>/html/",
        views.campaign_email_html,
        name="campaign-email-html",
    ),
    path(
        "campaigns/<int:campaign_id>/<slug:action>/",
        views.campaign_action,
        name="campaign-action",
    ),
]
