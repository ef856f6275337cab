"""The playbooks NPS Loop starts with: detractors, passives, promoters.

A data migration installs them on a new database; `install_default_playbooks`
adds those missing by name (tests, and a database emptied by hand).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from core.said import phrase

# Kept in English in the database; shown in the reader's language (`in_reader_language`).
_ = gettext_noop

DETRACTOR_STEPS = [
    {
        "kind": "lookup_360",
        "title": _("Gather the 360° view"),
        "instructions": _(
            "Done by NPS Loop when the case opens: who the person is (persona, influence), "
            "the account's ARR, segment and renewal, its other answers of the last 12 months "
            "and whether they confirm the dissatisfaction beyond one person, the interactions "
            "of the last 90 days (sales, support, meetings) and other open cases. Read it "
            "before you pick up the phone."
        ),
    },
    {
        "kind": "suppress_surveys",
        "title": _("Pause surveys to this customer"),
        "instructions": _(
            "No survey goes to the contact while the case is open: nothing irritates more "
            "than a satisfaction survey while your problem is still being worked on."
        ),
        "options": {"scope": "contact"},
    },
    {
        "kind": "escalation",
        "title": _("Check the escalation rules"),
        "instructions": _(
            "NPS Loop raises an escalation to the managers when the stakes are high: the ARR at "
            "stake, the detractor is the champion or the exec sponsor, several detractors at "
            "the same account, or a renewal coming soon."
        ),
        "options": {
            "arr_threshold": 50000,
            "key_personas": ["champion", "exec_sponsor"],
            "detractor_count": 3,
            "detractor_window_days": 90,
            "renewal_within_days": 90,
        },
    },
    {
        "kind": "notify",
        "title": _("Tell the account's CSM"),
        "instructions": _("NPS Loop emails the case owner (and posts to Slack when configured)."),
        "options": {"to": "owner"},
    },
    {
        "kind": "qualification_call",
        "title": _("Call the customer to understand"),
        "due_in_days": 2,
        "instructions": _(
            "Call, or meet if the stakes call for it; do not reply with an automatic email. "
            "Listen more than you talk: ask open questions, let them vent, do not justify. "
            "Never use the word 'detractor' with the customer. Scores without a comment are "
            "the ones that get forgotten: call those too. Log whether you reached them, the "
            "reasons you heard (themes) and your notes."
        ),
    },
    {
        "kind": "share_with_champion",
        "title": _("Share the situation with the customer's champion"),
        "due_in_days": 5,
        "required": False,
        "instructions": _(
            "Tell the champion on the customer's side what you heard and what you will do. "
            "If the detractor is the champion, prepare to involve the exec sponsor, and "
            "escalate internally: the renewal is at stake."
        ),
    },
    {
        "kind": "action_plan",
        "title": _("Agree a realistic action plan"),
        "due_in_days": 10,
        "instructions": _(
            "Write two plans: the actions for the customer, and the internal actions (product, "
            "billing, support...). Each item has an owner and a due date. Promise only what "
            "you can deliver: an unrealistic plan adds frustration. The case is monitored "
            "until every item is done."
        ),
    },
    {
        "kind": "follow_up_survey",
        "title": _("Survey again once the plan is done"),
        "required": False,
        "instructions": _(
            "When the plan is done, and two weeks have passed, NPS Loop lets the customer be "
            "surveyed again; their next answer links back here. A better category means the "
            "customer was won back."
        ),
        "options": {"delay_days": 14},
    },
    {
        "kind": "post_mortem",
        "title": _("Write the post-mortem"),
        "instructions": _(
            "When you close the case: what the problem was, what was done, what the customer "
            "said afterwards, and what the company should change so that it does not happen "
            "again. Recurring reasons feed the themes managers follow."
        ),
    },
]

PASSIVE_STEPS = [
    {
        "kind": "lookup_360",
        "title": _("Gather the 360° view"),
        "instructions": _("Done by NPS Loop when the case opens: read it before reaching out."),
    },
    {
        "kind": "notify",
        "title": _("Tell the account's CSM"),
        "instructions": _("NPS Loop emails the case owner."),
        "options": {"to": "owner"},
    },
    {
        "kind": "qualification_call",
        "title": _("Find the one thing they miss"),
        "due_in_days": 5,
        "instructions": _(
            "A passive is one improvement away from recommending you. Call or write "
            "personally and ask: what is the one thing that would make it a 9 or a 10? Log "
            "what you heard as themes."
        ),
    },
    {
        "kind": "task",
        "title": _("Make an engagement touch"),
        "due_in_days": 10,
        "instructions": _(
            "Answer what they miss: a workaround, a best-practice session, a date on the "
            "roadmap, an introduction to the right person. Note what you did."
        ),
    },
]

PROMOTER_STEPS = [
    {
        "kind": "lookup_360",
        "title": _("Gather the 360° view"),
        "instructions": _("Done by NPS Loop when the case opens."),
    },
    {
        "kind": "task",
        "title": _("Thank them personally"),
        "due_in_days": 3,
        "instructions": _(
            "A short personal note from you, not a template: thank them for the score and "
            "for what they wrote."
        ),
    },
    {
        "kind": "task",
        "title": _("Ask for a review, a reference or a case study"),
        "due_in_days": 10,
        "required": False,
        "instructions": _(
            "Promoters are glad to help when asked at the right moment: a review on a "
            "software marketplace, a reference call for a prospect, or a case study. Note "
            "what they agreed to."
        ),
    },
]

PLAYBOOKS = [
    {
        "name": _("Detractor follow-up"),
        "description": _(
            "Every answer from 0 to 6: understand, act, escalate when the stakes are high, "
            "survey again only once the plan is done, and learn from it."
        ),
        "for_detractors": True,
        "sla_business_days": 2,
        "steps": DETRACTOR_STEPS,
    },
    {
        "name": _("Passive engagement"),
        "description": _("Answers of 7 and 8: find the one thing they miss, and act on it."),
        "for_passives": True,
        "sla_business_days": 5,
        "steps": PASSIVE_STEPS,
    },
    {
        "name": _("Promoter thanks"),
        "description": _("Answers of 9 and 10: thank them, and ask for a review or a reference."),
        "for_promoters": True,
        "sla_business_days": 5,
        "steps": PROMOTER_STEPS,
    },
]


def install_default_playbooks(*, playbook_model=None, step_model=None) -> int:
    """Create the default playbooks that do not exist by name; returns how many were created.

    The migration passes its historical models; other callers use the current ones.
    """
    if playbook_model is None or step_model is None:
        from playbooks.models import Playbook, PlaybookStep

        playbook_model, step_model = Playbook, PlaybookStep
    created_count = 0
    with transaction.atomic():
        for definition in PLAYBOOKS:
            fields = {key: value for key, value in definition.items() if key != "steps"}
            playbook, created = playbook_model.objects.get_or_create(
                name=fields.pop("name"), defaults=fields
            )
            if not created:
                continue
            created_count += 1
            step_model.objects.bulk_create(
                [
                    step_model(
                        playbook=playbook,
                        position=position,
                        kind=step["kind"],
                        title=step["title"],
                        instructions=step["instructions"],
                        due_in_days=step.get("due_in_days"),
                        required=step.get("required", True),
                        options=step.get("options", {}),
                    )
                    for position, step in enumerate(definition["steps"], start=1)
                ]
            )
    return created_count


SHIPPED_TEXTS = frozenset(
    text
    for playbook in PLAYBOOKS
    for text in (
        playbook["name"],
        playbook["description"],
        *(step[key] for step in playbook["steps"] for key in ("title", "instructions")),
    )
)


def in_reader_language(text: str) -> str:
    """A playbook's or a step's name or text in the reader's language when it is one NPS
    Loop shipped (stored in English, so that it reads right in every language); as written
    when an admin wrote or changed it."""
    return gettext(text) if text in SHIPPED_TEXTS else text


def said_name(text: str) -> str | dict[str, str]:
    """A playbook's or a step's name as a parameter of a kept sentence (`core.said`): one NPS
    Loop shipped is translated when the sentence is shown, another shows as written."""
    return phrase(text) if text in SHIPPED_TEXTS else text
