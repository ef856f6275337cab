from decimal import Decimal

import pytest
from django.core.cache import cache

from core.roles import Role, set_role
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case, Playbook
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, UserFactory


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


@pytest.fixture
def case(default_playbooks, csm) -> Case:
    """A detractor's case on an account of `csm`, as the engine opens it (no escalation)."""
    account = AccountFactory(csm=csm, arr=Decimal("20000"), renewal_date=None)
    response = ResponseFactory(contact=ContactFactory(account=account), score=3)
    return Case.objects.get(pk=process_response(response_id=response.pk).case_id)


@pytest.fixture
def other_csm(db):
    user = UserFactory()
    set_role(user, Role.CSM)
    return user
