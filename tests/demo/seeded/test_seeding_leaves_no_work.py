"""After `seed_demo` the broker holds no task: a worker started next serves the first real
answer at once instead of chewing through hundreds of no-ops."""

from playbooks.models import Case
from surveys.models import Response


def test_seeding_leaves_no_task_in_the_broker(seeding, db):
    assert Response.objects.count() > 100  # hundreds of answers were recorded...
    assert seeding.on_commit_callbacks == 0  # ...and none asked for a task on commit
    assert seeding.queued_tasks == 0


def test_the_demo_processes_its_answers_itself(seeding, db):
    # No task will process them: every detractor already has its case, or none is wanted.
    assert Response.objects.filter(processed_at__isnull=True).count() == 0
    assert Case.objects.exists()
