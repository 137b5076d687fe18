"""Roles, from least to most trusted; a role includes everything the ones below it may do."""

from __future__ import annotations

from handoff.models import Agent

ROLE_RANK = {"agent": 0, "supervisor": 1, "admin": 2}


def at_least(agent: Agent, role: str) -> bool:
    return ROLE_RANK.get(agent.role, -1) >= ROLE_RANK[role]
