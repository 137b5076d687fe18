"""Every agent route runs inside `requires(role)`: a valid session, a high enough role, one
unit of work committed when the handler succeeded (its events are published after that)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse

from handoff.api.context import services
from handoff.api.requests import bearer, db_id
from handoff.auth import authenticate
from handoff.clock import aware, utcnow
from handoff.errors import Forbidden
from handoff.models import Agent
from handoff.roles import at_least

Handler = Callable[..., Awaitable[HTTPResponse]]
_SEEN_EVERY = timedelta(seconds=30)


def requires(role: str) -> Callable[[Handler], Callable[..., Awaitable[HTTPResponse]]]:
    def decorate(handler: Handler) -> Callable[..., Awaitable[HTTPResponse]]:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            async with services(request).uows() as uow:
                agent = await authenticate(uow.session, bearer(request))
                if not at_least(agent, role):
                    raise Forbidden(f"This needs the {role} role.")
                mark_seen(agent)
                for name, value in kwargs.items():
                    if name.endswith("_id") and isinstance(value, int):
                        db_id(value, name.removesuffix("_id"))
                response = await handler(request, uow, agent, *args, **kwargs)
                await uow.commit()
                return response

        return guarded

    return decorate


def mark_seen(agent: Agent) -> None:
    now = utcnow()
    if agent.last_seen_at is None or now - aware(agent.last_seen_at) > _SEEN_EVERY:
        agent.last_seen_at = now

