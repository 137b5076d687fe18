"""Domain errors to HTTP, in one place; every error answer has the same JSON shape."""

from __future__ import annotations

import logging
import math
from typing import Any

from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse, json

from handoff.errors import BadInput, Conflict, Forbidden, HubError, NotFound, TooManyRequests, Unauthorized

log = logging.getLogger(__name__)

STATUS = {BadInput: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, TooManyRequests: 429}


def error_response(status: int, code: str, message: str) -> HTTPResponse:
    return json({"error": {"code": code, "message": message}}, status=status)


def status_of(error: HubError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 500


def install_error_handlers(app: Sanic[Any, Any]) -> None:
    @app.exception(HubError)
    async def on_hub_error(request: Request, error: HubError) -> HTTPResponse:
        response = error_response(status_of(error), error.code, error.message)
        if isinstance(error, TooManyRequests):
            response.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
        return response

    @app.exception(SanicException)
    async def on_sanic_error(request: Request, error: SanicException) -> HTTPResponse:
        status = error.status_code or 500
        return error_response(status, _code(status), str(error) or "Request failed.")

    @app.exception(Exception)
    async def on_unexpected(request: Request, error: Exception) -> HTTPResponse:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", "Something went wrong on our side; nothing was changed.")


def _code(status: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            413: "too_large"}.get(status, "error")
