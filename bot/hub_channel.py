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

The hub signs one token and sends it with every message until a minute before it expires
(hub/rasa_client.py's TokenSigner), and checking it (sanic_jwt: the header, the HMAC, the claims)
was ~2% of Rasa's CPU per message at 20 shoppers at once (py-spy, bench/README.md "Load"). A token
sanic_jwt accepted is remembered (`VerifiedTokens`, the exact Authorization header) until its
`exp`; no later time makes sanic_jwt refuse it before then (`nbf` and `iat` only ever pass once they
have passed, and the secret and the settings do not change while Rasa runs). Anything else is
checked by sanic_jwt as before: another header, a token without `exp`, a remembered one from its
`exp` on (sanic_jwt's leeway may still accept it for a while, and then it does), or when the clock
went back since the check.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import jwt
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


class VerifiedTokens:
    """Authorization headers sanic_jwt accepted, with when it did and the token's `exp`."""

    def __init__(self, size: int = 64, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._size = size
        self._verified: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def holds(self, header: str) -> bool:
        verified = self._verified.get(header)
        if verified is None:
            return False
        checked_at, expires = verified
        if checked_at <= self.clock() < expires:
            return True
        del self._verified[header]
        return False

    def remember(self, header: str, checked_at: float) -> None:
        """After sanic_jwt accepted `header` at `checked_at`."""
        token = header.partition(" ")[2]
        try:
            expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
        except jwt.PyJWTError:
            return
        if isinstance(expires, int | float) and not isinstance(expires, bool):  # PyJWT compares int(exp) with the time
            self._verified[header] = (checked_at, int(expires))
            while len(self._verified) > self._size:
                self._verified.popitem(last=False)


async def _authenticated(request: Request) -> bool:
    auth = getattr(request.app.ctx, "auth", None)
    if auth is None or not request.app.config.get("USE_JWT"):
        return False
    header = request.headers.get("authorization")
    verified: VerifiedTokens | None = getattr(request.app.ctx, "shopdesk_verified_tokens", None)
    if verified is None:  # remembers nothing unless the header alone decides
        verified = request.app.ctx.shopdesk_verified_tokens = VerifiedTokens(64 if _header_decides(auth) else 0)
    if header and verified.holds(header):
        return True
    checked_at = verified.clock()
    try:
        accepted = bool(await call_potential_coroutine(auth.is_authenticated(request)))
    except Exception:  # a malformed token is a refusal, whatever sanic-jwt raises for it
        return False
    if accepted and header:
        verified.remember(header, checked_at)
    return accepted


def _header_decides(auth: Any) -> bool:
    """Whether sanic_jwt takes the token from the Authorization header alone (Rasa's settings) and
    checks nothing per user or beyond the token's claims."""
    config = auth.config
    return not (config.cookie_set() or config.query_string_set() or config.user_secret_enabled()
                or getattr(auth, "_extra_verifications", None) or getattr(auth, "_custom_claims", None))
