"""The SLA settings admins change in the console, stored as rows (service_level_settings); a key
never set has its default:

- `targets`: minutes to the first response and to the resolution per severity (default: the
  hub's SHOPDESK_SLA_FIRST_RESPONSE / SHOPDESK_SLA_RESOLUTION);
- `business_hours`: off by default (due times run around the clock); when on, a time zone and the
  opening hours of each weekday (handoff/sla.py moves a due time that falls outside them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from handoff import setting_rows
from handoff.errors import BadInput
from handoff.models import ServiceLevelSetting
from handoff.settings import SEVERITIES, HubSettings
from handoff.sla import WEEKDAYS, BusinessHours

KEYS = ("targets", "business_hours")
MAX_MINUTES = 60 * 24 * 30
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")
_WORKING_DAY = {"opens": "09:00", "closes": "17:00"}


@dataclass(frozen=True)
class Policy:
    """What due times are computed from."""

    first_response: dict[str, int]
    resolution: dict[str, int]
    hours: BusinessHours | None


def _defaults(settings: HubSettings) -> dict[str, dict[str, Any]]:
    return {
        "targets": {severity: {"first_response_minutes": settings.sla_first_response[severity],
                               "resolution_minutes": settings.sla_resolution[severity]} for severity in SEVERITIES},
        "business_hours": {"enabled": False, "timezone": "UTC",
                           "week": {day: dict(_WORKING_DAY) if day not in ("saturday", "sunday") else None
                                    for day in WEEKDAYS}},
    }


async def current(session: AsyncSession, settings: HubSettings) -> dict[str, dict[str, Any]]:
    found = _defaults(settings)
    for key in KEYS:
        row = await session.get(ServiceLevelSetting, key)
        if row is not None:
            # Stored targets name the severities there were then; one added later has its default.
            found[key] = {**found[key], **row.value} if key == "targets" else row.value
    return found


async def policy(session: AsyncSession, settings: HubSettings) -> Policy:
    found = await current(session, settings)
    targets, hours = found["targets"], found["business_hours"]
    return Policy(
        first_response={severity: targets[severity]["first_response_minutes"] for severity in SEVERITIES},
        resolution={severity: targets[severity]["resolution_minutes"] for severity in SEVERITIES},
        hours=_business_hours(hours) if hours["enabled"] else None,
    )


def _business_hours(value: dict[str, Any]) -> BusinessHours:
    week = {index: (_minutes(span["opens"]), _minutes(span["closes"]))
            for index, day in enumerate(WEEKDAYS) if (span := value["week"].get(day))}
    return BusinessHours(timezone=value["timezone"], week=week)


async def update(session: AsyncSession, settings: HubSettings, body: dict[str, Any]) -> dict[str, Any]:
    """Validates and stores the parts given; returns {key: {"before", "after"}} for what changed."""
    unknown = set(body) - set(KEYS)
    if unknown or not body:
        raise BadInput(f"Give 'targets' and/or 'business_hours' (not {', '.join(sorted(unknown)) or 'nothing'}).",
                       "invalid_field")
    before = await current(session, settings)
    after = dict(before)
    if "targets" in body:
        after["targets"] = checked_targets(body["targets"], before["targets"])
    if "business_hours" in body:
        after["business_hours"] = checked_hours(body["business_hours"])
    changed = {key: {"before": before[key], "after": after[key]} for key in KEYS if after[key] != before[key]}
    await setting_rows.store(session, ServiceLevelSetting, {key: after[key] for key in changed})
    return changed


def checked_targets(raw: object, before: dict[str, Any]) -> dict[str, Any]:
    """Some or all severities, each with both targets; the others keep theirs."""
    if not isinstance(raw, dict) or not raw or set(raw) - set(SEVERITIES):
        raise BadInput(f"'targets' must be an object keyed by severity ({', '.join(SEVERITIES)}).", "invalid_field")
    targets = {severity: dict(before[severity]) for severity in SEVERITIES}
    for severity, target in raw.items():
        if not isinstance(target, dict) or set(target) != {"first_response_minutes", "resolution_minutes"}:
            raise BadInput(f"'targets.{severity}' needs first_response_minutes and resolution_minutes.", "invalid_field")
        for name, minutes in target.items():
            if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
                raise BadInput(f"'targets.{severity}.{name}' must be a whole number of minutes from 1 to {MAX_MINUTES}.",
                               "invalid_field")
        if target["first_response_minutes"] > target["resolution_minutes"]:
            raise BadInput(f"The {severity} first response target cannot be longer than its resolution target.",
                           "invalid_field")
        targets[severity] = dict(target)
    return targets


def checked_hours(raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict) or set(raw) != {"enabled", "timezone", "week"}:
        raise BadInput("'business_hours' must be an object with enabled, timezone and week.", "invalid_field")
    if not isinstance(raw["enabled"], bool):
        raise BadInput("'business_hours.enabled' must be true or false.", "invalid_field")
    week = raw["week"]
    if not isinstance(week, dict) or set(week) != set(WEEKDAYS):
        raise BadInput(f"'business_hours.week' must name every weekday ({', '.join(WEEKDAYS)}).", "invalid_field")
    checked = {day: _span(day, week[day]) for day in WEEKDAYS}
    if raw["enabled"] and not any(checked.values()):
        raise BadInput("Business hours need at least one open day.", "invalid_field")
    return {"enabled": raw["enabled"], "timezone": _timezone(raw["timezone"]), "week": checked}


def _span(day: str, span: object) -> dict[str, str] | None:
    if span is None:
        return None
    if not isinstance(span, dict) or set(span) != {"opens", "closes"} or not all(
            isinstance(value, str) and _CLOCK.match(value) for value in span.values()):
        raise BadInput(f"'business_hours.week.{day}' must be null (closed) or {{\"opens\": \"HH:MM\", "
                       f"\"closes\": \"HH:MM\"}}.", "invalid_field")
    if _minutes(span["opens"]) >= _minutes(span["closes"]):
        raise BadInput(f"On {day} the shop must open before it closes.", "invalid_field")
    return {"opens": span["opens"], "closes": span["closes"]}


def _timezone(name: object) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-/]{0,59}", name):
        raise BadInput("'business_hours.timezone' must be a time zone name such as Europe/Berlin.", "invalid_field")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadInput(f"Unknown time zone {name!r}; use a name such as Europe/Berlin.", "invalid_field") from None
    return name


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)
