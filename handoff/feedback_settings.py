"""What the hub asks shoppers after an agent resolved, beyond the 1-5 rating: settings admins
change in the console, stored as rows (feedback_settings); a key never set has its default:

- `nps`: whether "How likely are you to recommend us to a friend, 0-10?" follows the rating, before
  the comment (off by default).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff import setting_rows
from handoff.errors import BadInput
from handoff.models import FeedbackSetting

KEYS = ("nps",)


def _defaults() -> dict[str, dict[str, Any]]:
    return {"nps": {"enabled": False}}


async def current(session: AsyncSession) -> dict[str, dict[str, Any]]:
    return await setting_rows.over_defaults(session, FeedbackSetting, _defaults())


async def asks_nps(session: AsyncSession) -> bool:
    return bool((await current(session))["nps"]["enabled"])


async def update(session: AsyncSession, body: dict[str, Any]) -> dict[str, Any]:
    """Validates and stores the parts given; returns {key: {"before", "after"}} for what changed."""
    if not body or set(body) - set(KEYS):
        raise BadInput("Give 'nps': {\"enabled\": true or false}.", "invalid_field")
    nps = body["nps"]
    if not isinstance(nps, dict) or set(nps) != {"enabled"} or not isinstance(nps["enabled"], bool):
        raise BadInput("'nps' must be {\"enabled\": true or false}.", "invalid_field")
    before = await current(session)
    after = {**before, "nps": {"enabled": nps["enabled"]}}
    changed = {key: {"before": before[key], "after": after[key]} for key in KEYS if after[key] != before[key]}
    await setting_rows.store(session, FeedbackSetting, {key: after[key] for key in changed})
    return changed
