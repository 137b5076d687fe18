"""The hub's way into Rasa: Rasa's REST channel, but only for callers with the hub's token.

Rasa protects its HTTP API (trackers, models) with the JWT secret given at start
(`bot/serve.py`), but its channels' webhooks are open by design. Every shopper message
reaches Rasa through the hub, so this channel asks for the same signed token as the API and
refuses everything when Rasa was started without one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.common import call_potential_coroutine
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)


class HubInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "hub"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook: Blueprint = super().blueprint(on_new_message)
        webhook.middleware(_refuse_unsigned, "request")
        return webhook


async def _refuse_unsigned(request: Request) -> HTTPResponse | None:
    if await _authenticated(request):
        return None
    log.warning("refused an unauthenticated call to %s from %s", request.path, request.ip)
    return response.json({"error": "This channel answers only the ShopDesk hub."}, status=401)


async def _authenticated(request: Request) -> bool:
    auth = getattr(request.app.ctx, "auth", None)
    if auth is None or not request.app.config.get("USE_JWT"):
        return False
    try:
        return bool(await call_potential_coroutine(auth.is_authenticated(request)))
    except Exception:  # a malformed token is a refusal, whatever sanic-jwt raises for it
        return False
