"""When a recurring issue escalates: the alert threshold of the settings, in plain Python.

A root cause or a theme reaches it with at least `detractor_answers` detractor answers, or
at least `arr` ARR affected, over the last `days` days (today included). A part set to 0
is off; with `days` at 0 nothing is ever reached.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class AlertThreshold:
    """The figures that make a recurring issue worth telling the managers about."""

    detractor_answers: int
    arr: int
    days: int

    @classmethod
    def of(cls, settings_row) -> AlertThreshold:
        """The threshold of a `LoopSettings` row."""
        return cls(
            detractor_answers=settings_row.issue_alert_answers,
            arr=settings_row.issue_alert_arr,
            days=settings_row.issue_alert_days,
        )

    @property
    def is_on(self) -> bool:
        return self.days > 0 and (self.detractor_answers > 0 or self.arr > 0)

    def window(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """The days counted: the last `days` days, today included."""
        return today - dt.timedelta(days=self.days - 1), today

    def reached(self, *, detractor_answers: int, arr: Decimal) -> bool:
        """Whether these figures reach the threshold (either part, when it is on)."""
        if not self.is_on:
            return False
        by_answers = 0 < self.detractor_answers <= detractor_answers
        by_arr = 0 < self.arr <= arr
        return by_answers or by_arr
