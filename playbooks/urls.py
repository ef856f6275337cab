from django.urls import path

from playbooks import views

urlpatterns = [
    path("cases/", views.case_queue, name="case-queue"),
    path("cases/<int:case_id>/", views.case_detail, name="case-detail"),
    path("cases/<int:case_id>/<slug:action>/", views.case_action, name="case-action"),
    path("accounts/<int:account_id>/", views.account_detail, name="account-detail"),
    path("responses/", views.answer_list, name="answer-list"),
    path("responses/<int:response_id>/assign/", views.assign_answer, name="answer-assign"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export/<slug:table>.csv", views.dashboard_export, name="dashboard-export"),
    path("escalations/", views.escalation_list, name="escalation-list"),
    path(
        "escalations/<int:escalation_id>/<slug:action>/",
        views.escalation_action,
        name="escalation-action",
    ),
]
