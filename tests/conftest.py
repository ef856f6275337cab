import time
from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from core.roles import Role, set_role
from playbooks.cause_defaults import install_default_root_causes
from playbooks.models import RootCause
from surveys.defaults import install_default_themes
from surveys.services.integrations import create_integration
from tests import migrated_template
from tests.celery_worker import SharedWorker, Worker, purge_queue
from tests.factories import UserFactory
from webhooks.selectors import forget_subscriptions_here


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


def pytest_sessionfinish(session):
    """The run's controller drops the template its xdist workers copied their databases from
    (`django_db_keepdb`), once they have all finished."""
    if session.config.pluginmanager.hasplugin("dsession") and not hasattr(
        session.config, "workerinput"
    ):
        # The workers' shared folder: xdist gives each a folder of its own under it.
        migrated_template.drop_if_made(session.config._tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def django_db_keepdb(
    request, django_db_modify_db_settings, django_db_blocker, tmp_path_factory
) -> Iterator[bool]:
    """Under xdist, a worker's test database is a copy of a template migrated once for the
    run (see tests/migrated_template.py), which pytest-django then keeps as it finds it, and
    this drops at the end. Elsewhere, and with `--reuse-db`, pytest-django's own way."""
    from pytest_django.fixtures import _get_databases_for_setup

    reuse = request.config.getvalue("reuse_db")
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    if reuse or worker is None or not _get_databases_for_setup(request.session.items)[0]:
        yield reuse
        return
    test_database = connection.creation._get_test_db_name()
    with django_db_blocker.unblock():
        migrated_template.copy_for_worker(test_database, tmp_path_factory.getbasetemp().parent)
    yield True
    with django_db_blocker.unblock():
        migrated_template.drop(test_database)


def on_test_database() -> bool:
    """Whether the suite's database is set up: pytest-django sets it up only when a test
    of the run asks for it. Otherwise the connection still names the database of the
    settings (the developer's own), which the session's fixtures must leave alone."""
    return connection.settings_dict["NAME"].startswith("test_")


@pytest.fixture(scope="session", autouse=True)
def flush_by_deleting(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Commit without waiting for the disk, and empty the tables after a transactional test
    with DELETE, not TRUNCATE.

    TRUNCATE gives each of the sixty tables new files: about a second per test, though
    such a test leaves a few rows. DELETE of those rows takes milliseconds. Triggers (the
    dashboard's counts, the foreign keys' checks) are off while it runs, as they are under
    TRUNCATE: every table is emptied, in no particular order. That needs a superuser, as
    the test database's owner is under `make test`; otherwise Django's TRUNCATE stays."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    if not on_test_database():
        yield
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        # A throwaway database: a commit need not wait for the disk (live servers and workers
        # commit thousands of times). What a transaction sees is unchanged.
        cursor.execute(
            f"ALTER DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} "
            "SET synchronous_commit = off"
        )
        cursor.execute("SET synchronous_commit = off")
    if not superuser:
        yield
        return
    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        quoted = [self.quote_name(table) for table in tables]
        return [
            "SET LOCAL session_replication_role = replica",
            # As TRUNCATE would: wait for a worker or a live server still writing, and keep
            # them out until the tables are empty (a row they commit meanwhile would stay).
            f"LOCK TABLE {', '.join(quoted)} IN ACCESS EXCLUSIVE MODE",
            # Table names from Django's own introspection, quoted: no outside input.
            *(f"DELETE FROM {table}" for table in quoted),  # noqa: S608
        ]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


# The rows the migrations create, and the blocker that lets us write them back.
_migrated: dict = {}


@pytest.fixture(scope="session", autouse=True)
def migrated_rows(django_db_setup, django_db_blocker) -> None:
    """Keep the rows the migrations created (role groups, shipped playbooks and themes)."""
    if not on_test_database():
        return
    with django_db_blocker.unblock():
        _migrated["rows"] = connection.creation.serialize_db_to_string()
    _migrated["blocker"] = django_db_blocker


# Work units that start a browser, a live server, Celery workers or the seeded demo: each
# takes seconds to a minute. They are handed out first, so that at the end of the run the
# workers share out short units rather than one of them waiting on the others.
SLOW_FIRST = (
    "tests/demo/seeded/",
    "tests/e2e/test_every_page.py",
    "tests/api/test_schema_conformance.py",
    "tests/e2e/",
    "tests/webhooks/",
    "tests/playbooks/test_worker.py",
    "tests/playbooks/test_fresh_start.py",
    "tests/playbooks/test_engine_queues.py",
    "tests/playbooks/test_shared_worker.py",
    "tests/core/test_run_dev_stops.py",
)


def pytest_xdist_make_scheduler(config, log):
    """Keep the tests of tests/demo/seeded/ on one xdist worker: they share one seeding;
    spread the page sweep's tests, which share nothing, over the workers; and hand out the
    slow units first (`SLOW_FIRST`), then the others from the largest."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SlowFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("tests/demo/seeded/"):
                return "tests/demo/seeded/"
            # A minute and a half of pages, each test with its own world: spread them.
            if nodeid.startswith("tests/e2e/test_every_page.py"):
                return nodeid
            return super()._split_scope(nodeid)

        def _assign_work_unit(self, node) -> None:
            if not getattr(self, "_slow_moved_first", False):
                self._slow_moved_first = True
                for prefix in reversed(SLOW_FIRST):
                    for scope in [s for s in reversed(self.workqueue) if s.startswith(prefix)]:
                        self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return SlowFirst(config, log)


def _empties_the_tables(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put the migrations' rows back once a transactional test has emptied every table.

    Run alone, pytest-django orders those tests last; spread over xdist workers, the
    tests that follow one on the same worker would otherwise miss the role groups and
    the shipped playbooks and themes."""
    result = yield
    # After the last test the session's fixtures are gone, the test database with them; a
    # next test that empties the tables itself does without the rows, as it would run alone.
    if (
        nextitem is not None
        and _empties_the_tables(item)
        and not _empties_the_tables(nextitem)
        and "rows" in _migrated
    ):
        with _migrated["blocker"].unblock():
            call_command(
                "flush",
                interactive=False,
                verbosity=0,
                reset_sequences=False,
                inhibit_post_migrate=True,
            )
            connection.creation.deserialize_db_from_string(_migrated["rows"])
        ContentType.objects.clear_cache()
    return result


@pytest.fixture(scope="session")
def shared_worker(django_db_setup, tmp_path_factory) -> Iterator[SharedWorker]:
    shared = SharedWorker(tmp_path_factory.mktemp("celery"))
    yield shared
    shared.stop()


@pytest.fixture
def celery_worker(shared_worker: SharedWorker) -> Iterator[Worker]:
    """A real Celery worker on this test's database and broker, its queue and mailbox empty;
    it stops consuming once the test is over."""
    yield shared_worker.ready()
    shared_worker.pause()
    purge_queue()


@pytest.fixture
def no_shared_worker(shared_worker: SharedWorker) -> None:
    """Stop the shared worker: the test's own workers must be the only ones on the queue."""
    shared_worker.stop()


def _user_with(role: Role, **kwargs):
    user = UserFactory(**kwargs)
    set_role(user, role)
    return user


@pytest.fixture(autouse=True)
def default_language():
    """Test-client requests run in the test's thread, and the user language middleware
    leaves the last user's language active there: every test starts in English."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_cache():
    """The cache is the test Redis: every test starts without what earlier ones cached
    (settings rows of rolled-back databases, rate-limit counters)."""
    cache.clear()
    forget_subscriptions_here()
    yield
    cache.clear()
    forget_subscriptions_here()


@pytest.fixture
def one_rate_window() -> Iterator[None]:
    """The clock runs from the start of the current hour, which also starts every
    rate-limit window (a minute, ten, fifteen): a test's requests all fall in one window,
    however close to a window's end the test began."""
    now = time.time()
    with time_machine.travel(now - now % 3600, tick=True):
        yield


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


@pytest.fixture
def root_cause(db) -> RootCause:
    """A shipped root cause a case may close with: Support › Response time."""
    install_default_root_causes()
    return RootCause.objects.get(parent__name="Support", name="Response time")
