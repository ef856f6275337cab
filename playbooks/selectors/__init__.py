"""Reads of the `playbooks` app: which playbook fits an answer, the 360° view, cases, the queue,
the escalations."""

from playbooks.access import accounts_visible_to, answers_visible_to, cases_visible_to
from playbooks.selectors.account_page import AccountPage, account_page
from playbooks.selectors.answers import (
    AnswerFilters,
    AnswerOverview,
    AnswerSummary,
    accounts_like,
    accounts_matching,
    answer_list,
    answer_overview,
    answer_summary,
    unmatched_answer,
    unmatched_count,
    visible_answer,
)
from playbooks.selectors.case_page import CasePage, case_page
from playbooks.selectors.cases import (
    account_360,
    account_detractors_since,
    active_playbooks,
    answer_history,
    case_detail,
    case_list,
    escalation_windows,
    filter_cases,
    playbook_for,
    snapshot_360,
    with_joined_answer_ids,
)
from playbooks.selectors.contact_page import ContactPage, contact_page
from playbooks.selectors.escalations import (
    EscalationFilters,
    escalation_counts,
    escalation_list,
    escalation_row,
)
from playbooks.selectors.queue import (
    QueueCounts,
    QueueFilters,
    queue_counts,
    queue_for,
    queue_rows,
)
from playbooks.selectors.tasks import MyTasks, Task, task_item, tasks_of

__all__ = [
    "MyTasks",
    "Task",
    "task_item",
    "tasks_of",
    "AnswerFilters",
    "AnswerSummary",
    "accounts_like",
    "accounts_matching",
    "answer_list",
    "AnswerOverview",
    "answer_overview",
    "answer_summary",
    "answers_visible_to",
    "unmatched_answer",
    "unmatched_count",
    "visible_answer",
    "AccountPage",
    "account_page",
    "accounts_visible_to",
    "CasePage",
    "case_page",
    "ContactPage",
    "contact_page",
    "EscalationFilters",
    "escalation_counts",
    "escalation_list",
    "escalation_row",
    "QueueCounts",
    "QueueFilters",
    "account_360",
    "active_playbooks",
    "answer_history",
    "escalation_windows",
    "snapshot_360",
    "with_joined_answer_ids",
    "account_detractors_since",
    "case_detail",
    "case_list",
    "cases_visible_to",
    "filter_cases",
    "playbook_for",
    "queue_counts",
    "queue_for",
    "queue_rows",
]
