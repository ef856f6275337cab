"""Pages of `playbooks`: the CSM workspace (queue, case, account, answers), the managers'
dashboard and escalations, the playbook editor."""

from playbooks.views.contacts import contact_detail, contact_erase
from playbooks.views.dashboard import dashboard, dashboard_export
from playbooks.views.editor import (
    playbook_action,
    playbook_edit,
    playbook_list,
    playbook_new,
    step_action,
    step_form,
)
from playbooks.views.escalations import escalation_action, escalation_list
from playbooks.views.fixes import issue_fix_detail, issue_fix_new
from playbooks.views.messages import write_to_customer
from playbooks.views.recurring import recurring_issues_export, recurring_issues_page
from playbooks.views.tasks import my_tasks, task_status
from playbooks.views.workspace import (
    account_detail,
    account_note,
    answer_list,
    assign_answer,
    case_action,
    case_detail,
    case_queue,
    open_case_for_answer,
)

__all__ = [
    "account_detail",
    "account_note",
    "answer_list",
    "assign_answer",
    "case_action",
    "case_detail",
    "case_queue",
    "open_case_for_answer",
    "contact_detail",
    "contact_erase",
    "dashboard",
    "dashboard_export",
    "issue_fix_detail",
    "issue_fix_new",
    "recurring_issues_export",
    "recurring_issues_page",
    "escalation_action",
    "playbook_action",
    "playbook_edit",
    "playbook_list",
    "playbook_new",
    "step_action",
    "step_form",
    "escalation_list",
    "my_tasks",
    "task_status",
    "write_to_customer",
]
