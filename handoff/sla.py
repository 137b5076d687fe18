"""Service-level due times: a target in minutes per severity from the moment the ticket opens; when
the shop keeps business hours, a due time that falls outside them moves to the next opening
(docs/METRICS.md). Pure functions: the targets and hours come from handoff/sla_settings.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Due:
    first_response: datetime
    resolution: datetime


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours in a time zone: weekday (0 = Monday) -> (opens, closes) in minutes after
    local midnight; a weekday not listed is closed."""

    timezone: str
    week: Mapping[int, tuple[int, int]] = field(default_factory=dict)

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when the shop is open then, else the next time it opens (UTC)."""
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            span = self.week.get(day.weekday())
            if span is None:
                continue
            midnight = datetime(day.year, day.month, day.day)
            opens = (midnight + timedelta(minutes=span[0])).replace(tzinfo=zone)
            closes = (midnight + timedelta(minutes=span[1])).replace(tzinfo=zone)
            if opens <= local < closes:
                return moment
            if local < opens:
                return opens.astimezone(UTC)
        return moment  # no open day at all: settings never allow it, but the clock still runs


def due_times(
    severity: str,
    opened_at: datetime,
    first_response: Mapping[str, int],
    resolution: Mapping[str, int],
    hours: BusinessHours | None = None,
) -> Due:
    """Around the clock without business hours; with them, each due time that falls while the shop
    is closed moves to the next opening."""
    due = Due(
        first_response=opened_at + timedelta(minutes=first_response[severity]),
        resolution=opened_at + timedelta(minutes=resolution[severity]),
    )
    if hours is None:
        return due
    return Due(first_response=hours.next_opening(due.first_response), resolution=hours.next_opening(due.resolution))
