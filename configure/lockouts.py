"""Sign-in lockouts (django-axes): who is refused now, and lifting a lockout.

django-axes keeps one row per failing username, address and browser, with the failures
counted and the time of the last one. A username, or an address, is locked out while its
rows of the last NPS_LOGIN_LOCKOUT_MINUTES hold NPS_LOGIN_FAILURE_LIMIT failures or more.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.utils import timezone

from core.models import User

logger = logging.getLogger(__name__)

BY_USERNAME = "username"
BY_ADDRESS = "address"


@dataclass(frozen=True)
class Lockout:
    """One username, or one address, refused until `until`."""

    by: str  # BY_USERNAME or BY_ADDRESS
    value: str
    failures: int
    since: dt.datetime  # the last failure counted
    until: dt.datetime


# --- reads ------------------------------------------------------------------------------


def current_lockouts(*, now: dt.datetime | None = None) -> list[Lockout]:
    """Every lockout in force, the most recent first: usernames, then addresses."""
    now = now or timezone.now()
    cooloff = settings.AXES_COOLOFF_TIME
    attempts = list(
        AccessAttempt.objects.filter(attempt_time__gte=now - cooloff)
        .order_by("-attempt_time")
        .only("username", "ip_address", "failures_since_start", "attempt_time")
    )
    lockouts = [
        *_locked(BY_USERNAME, attempts, key=lambda attempt: attempt.username),
        *_locked(BY_ADDRESS, attempts, key=lambda attempt: attempt.ip_address),
    ]
    return sorted(lockouts, key=lambda lockout: lockout.since, reverse=True)


def _locked(by: str, attempts: list[AccessAttempt], *, key) -> list[Lockout]:
    groups: dict[str, list[AccessAttempt]] = defaultdict(list)
    for attempt in attempts:  # newest first
        if key(attempt):
            groups[key(attempt)].append(attempt)
    lockouts = []
    for value, rows in groups.items():
        total = sum(row.failures_since_start for row in rows)
        if total < settings.AXES_FAILURE_LIMIT:
            continue
        # The lockout holds while the newest rows still add up to the limit: until the
        # row that completes it falls out of the window.
        counted = 0
        for row in rows:
            counted += row.failures_since_start
            if counted >= settings.AXES_FAILURE_LIMIT:
                until = row.attempt_time + settings.AXES_COOLOFF_TIME
                break
        lockouts.append(
            Lockout(by=by, value=value, failures=total, since=rows[0].attempt_time, until=until)
        )
    return lockouts


# --- writes -----------------------------------------------------------------------------


def lift_lockout(*, by: str, value: str, actor: User) -> int:
    """Forget the failed sign-ins of a username, or of an address, so that it may sign in
    at once; returns how many of django-axes' rows went."""
    if by == BY_USERNAME:
        count = reset(username=value)
    elif by == BY_ADDRESS:
        count = reset(ip=value)
    else:
        raise ValueError(f"unknown lockout kind {by!r}")
    logger.info("sign-in lockout of %s %s lifted by user %s", by, value, actor.pk)
    return count
