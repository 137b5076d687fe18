"""Settings admins change in the console for customer records and personal data, stored as rows
(privacy_settings); a key never set has its default:

- `contacts`: the tier rules and tag rules (handoff/contact_rules.py);
- `personal_data`: the roles that see email, phone and address unmasked (others reveal with a reason);
- `second_factor`: the roles that must log in with a second factor (TOTP).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff import setting_rows
from handoff.agents import ROLES
from handoff.clock import utcnow
from handoff.contact_rules import DEFAULT_TAG_RULES, DEFAULT_TIER_RULES, checked_tag_rules, checked_tier_rules
from handoff.errors import BadInput
from handoff.models import PrivacySetting

DEFAULT_PERSONAL_DATA_ROLES = ("supervisor", "admin")
KEYS = ("contacts", "personal_data", "second_factor")


def _defaults() -> dict[str, dict[str, Any]]:
    return {
        "contacts": {"tier_rules": [dict(rule) for rule in DEFAULT_TIER_RULES],
                     "tag_rules": [dict(rule) for rule in DEFAULT_TAG_RULES]},
        "personal_data": {"roles": list(DEFAULT_PERSONAL_DATA_ROLES)},
        "second_factor": {"roles": []},
    }


async def all_settings(session: AsyncSession) -> dict[str, dict[str, Any]]:
    return await setting_rows.over_defaults(session, PrivacySetting, _defaults())


async def _one(session: AsyncSession, key: str) -> dict[str, Any]:
    row = await session.get(PrivacySetting, key)
    return {**_defaults()[key], **(row.value if row else {})}


async def contact_rules(session: AsyncSession) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    contacts = await _one(session, "contacts")
    return contacts["tier_rules"], contacts["tag_rules"]


async def personal_data_roles(session: AsyncSession) -> frozenset[str]:
    return frozenset((await _one(session, "personal_data"))["roles"])


async def second_factor_roles(session: AsyncSession) -> frozenset[str]:
    return frozenset((await _one(session, "second_factor"))["roles"])


async def update(session: AsyncSession, body: dict[str, Any]) -> dict[str, Any]:
    """Validates and stores the parts given; returns what changed (for the audit log)."""
    unknown = set(body) - set(KEYS)
    if unknown:
        raise BadInput(f"Unknown settings: {', '.join(sorted(unknown))}.", "invalid_field")
    changed: dict[str, Any] = {}
    if "contacts" in body:
        part = _object(body["contacts"], "contacts", {"tier_rules", "tag_rules"})
        changed["contacts"] = {**({"tier_rules": checked_tier_rules(part["tier_rules"])} if "tier_rules" in part else {}),
                               **({"tag_rules": checked_tag_rules(part["tag_rules"])} if "tag_rules" in part else {})}
    for key in ("personal_data", "second_factor"):
        if key in body:
            changed[key] = {"roles": _roles(_object(body[key], key, {"roles"}).get("roles"), key)}
    for key, value in changed.items():
        current = await _one(session, key)
        row = await session.get(PrivacySetting, key)
        if row is None:
            session.add(PrivacySetting(key=key, value={**current, **value}, updated_at=utcnow()))
        else:
            row.value, row.updated_at = {**current, **value}, utcnow()
    await session.flush()
    return changed


def _object(raw: object, name: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict) or set(raw) - allowed:
        raise BadInput(f"'{name}' must be an object with {', '.join(sorted(allowed))}.", "invalid_field")
    return raw


def _roles(raw: object, name: str) -> list[str]:
    if not isinstance(raw, list) or not all(role in ROLES for role in raw):
        raise BadInput(f"'{name}.roles' must list roles among {', '.join(ROLES)}.", "invalid_field")
    return [role for role in ROLES if role in raw]
