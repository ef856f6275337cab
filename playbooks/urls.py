from django.urls import path

from playbooks import views

urlpatterns = [
    path("cases/", views.case_queue, name="case-queue"),
    path("cases/<int:case_id>/", views.case_detail, name="case-detail"),
    path("cases/<int:case_id>/write/", views.write_to_customer, name="case-write"),
    path("cases/<int:case_id>/<slug:action>/", views.case_action, name="case-action"),
    path("accounts/<int:account_id>/", views.account_detail, name="account-detail"),
    path("accounts/<int:account_id>/notes/", views.account_note, name="account-note"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:contact_id>/erase/", views.contact_erase, name="contact-erase"),
    path("responses/", views.answer_list, name="answer-list"),
    path("responses/<int:response_id>/assign/", views.assign_answer, name="answer-assign"),
    path(
        "responses/<int:response_id>/open-case/",
        views.open_case_for_answer,
        name="answer-open-case",
    ),
    path("playbooks/", views.playbook_list, name="playbook-list"),
    path("playbooks/new/", views.playbook_new, name="playbook-new"),
    path("playbooks/<int:playbook_id>/", views.playbook_edit, name="playbook-edit"),
    path("playbooks/<int:playbook_id>/steps/new/", views.step_form, name="playbook-step-new"),
    path(
        "playbooks/<int:playbook_id>/steps/<int:step_id>/",
        views.step_form,
        name="playbook-step-edit",
    ),
    path(
        "playbooks/<int:playbook_id>/steps/<int:step_id>/<slug:action>/",
        views.step_action,
        name="playbook-step-action",
    ),
    path(
        "playbooks/<int:playbook_id>/<slug:action>/",
        views.playbook_action,
        name="playbook-action",
    ),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export/<slug:table>.csv", views.dashboard_export, name="dashboard-export"),
    path("recurring-issues/", views.recurring_issues_page, name="recurring-issues"),
    path(
        "recurring-issues/export.csv",
        views.recurring_issues_export,
        name="recurring-issues-export",
    ),
    path(
        "recurring-issues/<slug:kind>/<int:issue_id>/fix/",
        views.issue_fix_new,
        name="issue-fix-new",
    ),
    path("recurring-issues/fixes/<int:fix_id>/", views.issue_fix_detail, name="issue-fix"),
    path("escalations/", views.escalation_list, name="escalation-list"),
    path("tasks/", views.my_tasks, name="my-tasks"),
    path("tasks/<int:item_id>/status/", views.task_status, name="task-status"),
    path(
        "escalations/<int:escalation_id>/<slug:action>/",
        views.escalation_action,
        name="escalation-action",
    ),
]
