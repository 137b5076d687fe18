"""Due times with business hours (handoff/sla.py): a due time while the shop is closed moves to
the next opening, in the shop's time zone, across weekends and a clock change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handoff import sla_settings
from handoff.sla import WEEKDAYS, BusinessHours, due_times
from tests.handoff.databases import HubDb

BERLIN_WEEKDAYS = BusinessHours("Europe/Berlin", dict.fromkeys(range(5), (9 * 60, 17 * 60)))
TARGETS = {"normal": 60, "urgent": 5}


@pytest.mark.parametrize(("opened", "expected"), [
    ("2026-12-01T10:00:00+01:00", "2026-12-01T11:00:00+01:00"),  # Tuesday, open: as around the clock
    ("2026-12-01T16:30:00+01:00", "2026-12-02T09:00:00+01:00"),  # due 17:30, after closing
    ("2026-12-01T16:00:00+01:00", "2026-12-02T09:00:00+01:00"),  # due 17:00 is closing time: closed
    ("2026-12-01T02:00:00+01:00", "2026-12-01T09:00:00+01:00"),  # night: the same morning
    ("2026-12-04T16:30:00+01:00", "2026-12-07T09:00:00+01:00"),  # Friday evening: Monday
    ("2026-12-05T12:00:00+01:00", "2026-12-07T09:00:00+01:00"),  # Saturday
    ("2026-03-28T20:00:00+01:00", "2026-03-30T09:00:00+02:00"),  # over the spring clock change
])
def test_a_due_time_outside_business_hours_moves_to_the_next_opening(opened: str, expected: str) -> None:
    due = due_times("normal", datetime.fromisoformat(opened), TARGETS, TARGETS, BERLIN_WEEKDAYS)
    assert due.first_response == datetime.fromisoformat(expected)
    assert due.first_response.tzinfo is not None


def test_without_business_hours_the_clock_runs_around_the_day() -> None:
    opened = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
    due = due_times("urgent", opened, TARGETS, {"urgent": 240}, None)
    assert (due.first_response, due.resolution) == (datetime(2026, 12, 5, 23, 5, tzinfo=UTC),
                                                    datetime(2026, 12, 6, 3, 0, tzinfo=UTC))


def test_the_resolution_due_time_follows_the_same_rule() -> None:
    opened = datetime.fromisoformat("2026-12-01T15:00:00+01:00")
    due = due_times("normal", opened, TARGETS, {"normal": 240}, BERLIN_WEEKDAYS)
    assert due.resolution == datetime.fromisoformat("2026-12-02T09:00:00+01:00")


def test_a_day_open_until_midnight_and_a_single_open_day() -> None:
    sundays = BusinessHours("UTC", {6: (20 * 60, 24 * 60)})
    monday = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert sundays.next_opening(monday) == datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    assert sundays.next_opening(datetime(2026, 12, 6, 23, 59, tzinfo=UTC)) == datetime(2026, 12, 6, 23, 59, tzinfo=UTC)


async def test_the_settings_are_stored_and_read_back_on_sqlite_and_postgresql(any_db: HubDb) -> None:
    week = {day: ({"opens": "08:30", "closes": "24:00"} if day == "monday" else None) for day in WEEKDAYS}
    async with any_db.uows() as uow:
        changed = await sla_settings.update(uow.session, any_db.settings, {
            "targets": {"serious": {"first_response_minutes": 20, "resolution_minutes": 300}},
            "business_hours": {"enabled": True, "timezone": "Europe/Berlin", "week": week}})
        await uow.commit()
    assert changed["targets"]["before"]["serious"] == {"first_response_minutes": 15, "resolution_minutes": 480}
    async with any_db.uows() as uow:
        policy = await sla_settings.policy(uow.session, any_db.settings)
    assert (policy.first_response["serious"], policy.resolution["serious"], policy.first_response["urgent"]) == (20, 300, 5)
    assert policy.hours == BusinessHours("Europe/Berlin", {0: (8 * 60 + 30, 24 * 60)})
