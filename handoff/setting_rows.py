"""Settings admins change in the console are rows of (key, JSON value, updated_at), one table per
area (service_level_settings, feedback_settings, privacy_settings); written here once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import utcnow


async def store(session: AsyncSession, model: type[Any], values: dict[str, Any]) -> None:
    """Each key's new value, in a new row or over the old one."""
    for key, value in values.items():
        row = await session.get(model, key)
        if row is None:
            session.add(model(key=key, value=value, updated_at=utcnow()))
        else:
            row.value, row.updated_at = value, utcnow()
    await session.flush()


async def over_defaults(session: AsyncSession, model: type[Any],
                        defaults: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each key's defaults with what is stored for it on top (a part added later keeps its default)."""
    found = dict(defaults)
    for key in defaults:
        row = await session.get(model, key)
        if row is not None:
            found[key] = {**found[key], **row.value}
    return found
