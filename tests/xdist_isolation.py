"""Give each pytest-xdist worker its own Redis databases and its own data directory.

pyproject's addopts load this module (`-p tests.xdist_isolation`) before pytest-django
reads the settings, so the settings and the Celery worker and web app children the tests
start all see the worker's own values. Worker gwN takes the Redis databases at positions
2N (Celery broker) and 2N+1 (cache) of TEST_XDIST_REDIS_DBS, and NPS_DATA_DIR/gwN.
PostgreSQL needs nothing here: pytest-django suffixes the test database (test_nps_loop_gw0).
A run without xdist keeps the URLs `make test` sets.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest


def _on_database(url: str, number: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


def _isolate(worker: str) -> None:
    index = int(worker.removeprefix("gw"))
    databases = [int(n) for n in os.environ.get("TEST_XDIST_REDIS_DBS", "").split(",") if n]
    if len(databases) < 2 * index + 2:
        raise pytest.UsageError(
            f"xdist worker {worker} needs Redis databases {2 * index} and {2 * index + 1} of "
            f"TEST_XDIST_REDIS_DBS ({databases}): list two per worker, or run fewer workers."
        )
    broker, cache = databases[2 * index], databases[2 * index + 1]
    if os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        os.environ["CELERY_BROKER_URL"] = _on_database(os.environ["CELERY_BROKER_URL"], broker)
    if os.environ.get("CACHE_URL", "").startswith("rediscache"):
        os.environ["CACHE_URL"] = _on_database(os.environ["CACHE_URL"], cache)
    if os.environ.get("NPS_DATA_DIR"):
        os.environ["NPS_DATA_DIR"] = str(Path(os.environ["NPS_DATA_DIR"]) / worker)


if os.environ.get("PYTEST_XDIST_WORKER"):  # gw0, gw1, ...: set by xdist in its workers
    _isolate(os.environ["PYTEST_XDIST_WORKER"])
