"""A small HTTP load generator: a fixed list of requests, sent by N concurrent clients.

Each client is a thread with its own `http.client` connection, kept alive when
the server allows it (gunicorn's sync workers close it after every response,
and the connection then reopens by itself). The run stops when every request
was sent or at the deadline, whichever comes first.
"""

from __future__ import annotations

import http.client
import queue
import statistics
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes | None = None


@dataclass
class LoadReport:
    label: str
    clients: int
    planned: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # of the expected answers only
    outcomes: Counter = field(default_factory=Counter)  # status code, or the error's name

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def errors(self) -> int:
        return sum(self.outcomes.values()) - self.ok

    @property
    def unsent(self) -> int:
        """Calls the deadline left unsent."""
        return self.planned - sum(self.outcomes.values())

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile_ms(self, percent: int) -> float | None:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else None
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[percent - 1]

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "clients": self.clients,
            "planned": self.planned,
            "ok": self.ok,
            "errors": self.errors,
            "unsent": self.unsent,
            "outcomes": {str(key): count for key, count in sorted(self.outcomes.items(), key=str)},
            "seconds": round(self.seconds, 3),
            "per_second": round(self.per_second, 1),
            "median_ms": _round(self.percentile_ms(50)),
            "p95_ms": _round(self.percentile_ms(95)),
            "max_ms": _round(max(self.latencies_ms, default=None)),
        }


def drive(
    *,
    label: str,
    host: str,
    port: int,
    calls: Sequence[Call],
    headers: Mapping[str, str],
    expected_status: int,
    clients: int,
    deadline_seconds: float,
    timeout_seconds: float = 30.0,
) -> LoadReport:
    """Send every call once, `clients` at a time, and time each answer."""
    pending: queue.SimpleQueue[Call] = queue.SimpleQueue()
    for call in calls:
        pending.put(call)
    report = LoadReport(label=label, clients=clients, planned=len(calls))
    lock = threading.Lock()
    started = time.perf_counter()
    stop_at = time.monotonic() + deadline_seconds

    def client() -> None:
        latencies, outcomes = [], Counter()
        connection = http.client.HTTPConnection(host, port, timeout=timeout_seconds)
        try:
            while time.monotonic() < stop_at:
                try:
                    call = pending.get_nowait()
                except queue.Empty:
                    break
                sent = time.perf_counter()
                try:
                    connection.request(call.method, call.path, body=call.body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    outcomes[type(error).__name__] += 1
                    continue
                outcomes[response.status] += 1
                if response.status == expected_status:
                    latencies.append((time.perf_counter() - sent) * 1000)
        finally:
            connection.close()
            with lock:
                report.latencies_ms.extend(latencies)
                report.outcomes.update(outcomes)

    threads = [threading.Thread(target=client, name=f"client-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.perf_counter() - started
    return report


def combined(reports: Sequence[LoadReport]) -> LoadReport:
    """Rounds of one measurement as one report: their calls, answers and seconds added."""
    first = reports[0]
    total = LoadReport(label=first.label, clients=first.clients, planned=0)
    for report in reports:
        total.planned += report.planned
        total.seconds += report.seconds
        total.latencies_ms.extend(report.latencies_ms)
        total.outcomes.update(report.outcomes)
    return total


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
