"""The root causes as admins manage them: each cause with its sub-causes and how many cases
name each."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from playbooks.models import RootCause


@dataclass
class CauseEntry:
    """A cause of the list, its case count, and its sub-causes (each with its own)."""

    cause: RootCause
    case_count: int
    sub_causes: list[CauseEntry] = field(default_factory=list)

    @property
    def total_cases(self) -> int:
        """The cases that name the cause or one of its sub-causes."""
        return self.case_count + sum(sub.case_count for sub in self.sub_causes)

    @property
    def deletable(self) -> bool:
        return not self.sub_causes and not self.case_count


def root_cause_tree() -> list[CauseEntry]:
    """Every cause, those in use first then by name in the reader's language, each with its
    sub-causes sorted the same way; in one query."""
    causes = list(RootCause.objects.annotate(case_count=Count("cases")))
    entries = {cause.pk: CauseEntry(cause, cause.case_count) for cause in causes}
    tree = []
    for cause in causes:
        entry = entries[cause.pk]
        if cause.parent_id is None:
            tree.append(entry)
        else:
            cause.parent = entries[cause.parent_id].cause  # no query for its label
            entries[cause.parent_id].sub_causes.append(entry)
    order = lambda entry: (not entry.cause.active, entry.cause.display_name.casefold())  # noqa: E731
    for entry in tree:
        entry.sub_causes.sort(key=order)
    return sorted(tree, key=order)
