import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import override_settings
from rest_framework.test import APIClient

from nps_loop.roles import Role, set_role
from surveys.defaults import install_default_themes
from surveys.services.integrations import create_integration
from tests.factories import UserFactory


def pytest_configure(config):
    """Hash passwords with MD5 in tests: the suite creates and signs in thousands of users,
    and the production hasher spends a tenth of a second on each on purpose. Tests of
    sign-in still check the password; only the work factor differs."""
    override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()


def pytest_sessionstart(session):
    """The suite runs against PostgreSQL (see `make test`); refuse a silent SQLite run."""
    if connection.vendor != "postgresql":
        pytest.exit(
            "The test suite needs PostgreSQL: run it with `make test`, or set DATABASE_URL "
            "to a PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/nps_loop).",
            returncode=2,
        )


def _user_with(role: Role, **kwargs):
    user = UserFactory(**kwargs)
    set_role(user, role)
    return user


@pytest.fixture(autouse=True)
def empty_cache():
    """The cache is the test Redis: every test starts without what earlier ones cached
    (settings rows of rolled-back databases, rate-limit counters)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def csm(db):
    return _user_with(Role.CSM)


@pytest.fixture
def manager(db):
    return _user_with(Role.MANAGER)


@pytest.fixture
def admin_user(db):
    return _user_with(Role.ADMIN, is_staff=True)


@pytest.fixture
def api_key(db) -> str:
    return create_integration(name="test-client").key


@pytest.fixture
def api_client(api_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    return client


@pytest.fixture
def default_themes(db) -> None:
    """The shipped themes (a database flushed by a transactional test has lost them)."""
    install_default_themes()
