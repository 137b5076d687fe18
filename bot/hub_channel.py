"""The hub's way into Rasa: Rasa's REST channel, but only for callers with the hub's token, and
saying when a turn went wrong.

Rasa protects its HTTP API (trackers, models) with the JWT secret given at start
(`bot/serve.py`), but its channels' webhooks are open by design. Every shopper message
reaches Rasa through the hub, so this channel asks for the same signed token as the API and
refuses everything when Rasa was started without one.

When an action fails (the action server is down, say), Rasa logs the error, drops the action's
events and answers with whatever was said before: often nothing. The hub cannot tell that from
a turn that is merely short, so every error Rasa logs while answering a message is counted and
the count sent back in the TURN_ERRORS_HEADER header; the hub then hands the shopper to a person.
The intent the bot read goes back the same way (bot/turn_report.py), for the hub's reports.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.common import call_potential_coroutine
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.turn_report import INTENT_HEADER, start_turn, turn_intent

log = logging.getLogger(__name__)
TURN_ERRORS_HEADER = "X-ShopDesk-Turn-Errors"
# The errors logged during the request being answered (a list per request, shared with the
# tasks Rasa starts for it, since they copy this context).
_turn_errors: ContextVar[list[str] | None] = ContextVar("shopdesk_turn_errors", default=None)


class _TurnErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        errors = _turn_errors.get()
        if errors is not None:
            errors.append(record.name)


_turn_error_handler = _TurnErrors()


def _count_rasa_errors() -> None:
    rasa_logger = logging.getLogger("rasa")
    if _turn_error_handler not in rasa_logger.handlers:
        rasa_logger.addHandler(_turn_error_handler)


class HubInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "hub"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook: Blueprint = super().blueprint(on_new_message)
        _count_rasa_errors()
        webhook.middleware(_refuse_unsigned, "request")
        webhook.middleware(_report_errors, "response")
        return webhook


async def _refuse_unsigned(request: Request) -> HTTPResponse | None:
    if await _authenticated(request):
        _turn_errors.set([])
        start_turn()
        return None
    log.warning("refused an unauthenticated call to %s from %s", request.path, request.ip)
    return response.json({"error": "This channel answers only the ShopDesk hub."}, status=401)


async def _report_errors(request: Request, answer: HTTPResponse) -> None:
    errors = _turn_errors.get()
    if errors:
        answer.headers[TURN_ERRORS_HEADER] = str(len(errors))
    intent = turn_intent()
    if intent:
        answer.headers[INTENT_HEADER] = intent


async def _authenticated(request: Request) -> bool:
    auth = getattr(request.app.ctx, "auth", None)
    if auth is None or not request.app.config.get("USE_JWT"):
        return False
    try:
        return bool(await call_potential_coroutine(auth.is_authenticated(request)))
    except Exception:  # a malformed token is a refusal, whatever sanic-jwt raises for it
        return False
