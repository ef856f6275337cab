import pytest
from django.core.cache import cache

from playbooks.defaults import install_default_playbooks
from playbooks.models import Playbook


@pytest.fixture(autouse=True)
def fresh_settings_cache():
    """LoopSettings are cached per process: each test starts from the database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def default_playbooks(db) -> dict[str, Playbook]:
    """The three shipped playbooks (a flushed test database may have lost them)."""
    install_default_playbooks()
    return {
        "detractor": Playbook.objects.get(name="Detractor follow-up"),
        "passive": Playbook.objects.get(name="Passive engagement"),
        "promoter": Playbook.objects.get(name="Promoter thanks"),
    }
