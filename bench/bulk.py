"""The bulk and CRM-sync API: seconds for one request of up to 1 000 items.

Run by `bench.run` (part `bulk`) against its gunicorn: 1 000 new answers through
`POST /api/v1/responses/bulk`, the same 1 000 again (all unchanged), then up to 1 000
accounts and 1 000 contacts through `POST /api/v1/accounts/bulk` and
`POST /api/v1/contacts/bulk`, each once new and once as an update.
"""

from __future__ import annotations

import http.client
import json
import time

from bench import generate

BATCH = 1000
# One request of 1 000 new answers should take less than this.
ANSWERS_TARGET_SECONDS = 2.0


def bench_bulk(
    *,
    host: str,
    port: int,
    key: str,
    answers: list[dict[str, str]],
    customers: list[generate.Customer],
    people: list[generate.Person],
) -> list[dict[str, object]]:
    """One timed request per step; each row says what it sent and what came back."""
    answer_bodies = [
        {**generate.api_body(answer), "external_id": f"bulk-{n}"}
        for n, answer in enumerate(answers[:BATCH])
    ]
    accounts = [
        {
            "external_id": f"bulk-{customer.external_id}",
            "name": customer.name,
            "domains": [f"bulk-{customer.domain}"],
            "segment": customer.segment,
            "tier": customer.tier,
            "arr": customer.arr,
        }
        for customer in customers[:BATCH]
    ]
    contacts = [
        {
            "external_id": f"bulk-contact-{n}",
            "email": f"bulk-{person.email}",
            "name": person.name,
            "account_external_id": f"bulk-{person.account_external_id}",
            "language": person.language,
        }
        for n, person in enumerate(people[:BATCH])
    ]
    renamed = [{**account, "tier": "Bench"} for account in accounts]
    retitled = [{**contact, "title": "Bench"} for contact in contacts]
    steps = [
        ("responses", "new", answer_bodies),
        ("responses", "again", answer_bodies),
        ("accounts", "new", accounts),
        ("accounts", "update", renamed),
        ("contacts", "new", contacts),
        ("contacts", "update", retitled),
    ]
    return [
        _timed(
            host,
            port,
            key,
            label=f"POST /api/v1/{name}/bulk, {what}",
            path=f"/api/v1/{name}/bulk",
            body={name: items},
        )
        for name, what, items in steps
    ]


def _timed(host: str, port: int, key: str, *, label: str, path: str, body: dict) -> dict:
    items = len(next(iter(body.values())))
    connection = http.client.HTTPConnection(host, port, timeout=120)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    started = time.perf_counter()
    try:
        connection.request("POST", path, json.dumps(body).encode(), headers)
        response = connection.getresponse()
        answer = json.loads(response.read() or b"{}")
        status = response.status
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    counts = {name: answer.get(name) for name in ("created", "updated", "unchanged", "failed")}
    return {
        "label": label,
        "items": items,
        "status": status,
        "seconds": round(seconds, 3),
        "items_per_second": round(items / seconds, 1) if seconds else None,
        **counts,
    }


def print_bulk(rows: list[dict[str, object]], *, workers: str) -> None:
    """The bulk part's table, and the verdict on 1 000 new answers."""
    print(f"\nBulk API, one request each (gunicorn, {workers})\n")
    header = ("", "items", "status", "seconds", "per second", "created/updated/same/failed")
    table = [header] + [
        (
            str(row["label"]),
            str(row["items"]),
            str(row["status"]),
            f"{row['seconds']:.2f}",
            str(row["items_per_second"]),
            f"{row['created']}/{row['updated']}/{row['unchanged']}/{row['failed']}",
        )
        for row in rows
    ]
    widths = [max(len(cell) for cell in column) for column in zip(*table, strict=True)]
    for line in table:
        cells = [cell.rjust(width) for cell, width in zip(line, widths, strict=True)]
        print("  ".join([line[0].ljust(widths[0]), *cells[1:]]))
    new = rows[0]
    verdict = (
        "meets" if new["status"] == 200 and new["seconds"] < ANSWERS_TARGET_SECONDS else "short"
    )
    print(
        f"{new['items']} new answers in one request: {new['seconds']:.2f} s, {verdict} "
        f"(target under {ANSWERS_TARGET_SECONDS:.0f} s)"
    )
