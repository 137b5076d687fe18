"""The action server's routes: rasa_sdk's (`rasa_sdk.endpoint.create_app`), answering the same, with
less work per action call.

Per call rasa_sdk's webhook parsed the body with Sanic's ujson, built a tracing carrier (a MultiDict
of every header) and a span on OpenTelemetry's no-op tracer, and ran a CORS response middleware that
adds nothing when no origin is allowed. Here the body (Rasa's whole tracker, ~17 kB) is parsed with
pydantic-core's parser (installed for rasa_sdk's models; 48 against ujson's 70 us a body, the same
objects), which refuses what it does not read as ujson does (NaN, lone surrogates, leading zeros):
those bodies go to Sanic's ujson parse and its errors, as before. No span is made: ShopDesk sets no
tracer provider, so rasa_sdk's spans were never recorded. OPTIONS requests are answered 200 before
the token check, as rasa_sdk's CORS middleware answers them. The executor, its errors' status codes
and the response's JSON are rasa_sdk's own.
"""

from __future__ import annotations

import json
import logging
import warnings
import zlib
from typing import Any

from pydantic_core import from_json
from rasa_sdk import utils
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionMissingDomainException, ActionNotFoundException
from sanic import HTTPResponse, Request, Sanic, response

log = logging.getLogger("rasa_sdk.endpoint")  # rasa_sdk's logger: the same lines in the same place


def action_call_of(request: Request) -> Any:
    if request.headers.get("Content-Encoding") == "deflate":
        return json.loads(zlib.decompress(request.body))
    try:
        return from_json(request.body, allow_inf_nan=False)
    except ValueError:
        return request.json  # as rasa_sdk reads it: None for an empty body, Sanic's BadRequest for no JSON


async def answer_preflight(request: Request) -> HTTPResponse | None:
    """rasa_sdk answers every OPTIONS request 200 before any route or token check (its CORS)."""
    return HTTPResponse(status=200) if request.method == "OPTIONS" else None


def create_endpoint_app(executor: ActionExecutor, name: str = "shopdesk_actions") -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name, configure_logging=False)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"sanic.*")  # as rasa_sdk does
    app.register_middleware(answer_preflight, "request")

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"}, status=200)

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        action_call = action_call_of(request)
        if action_call is None:
            return response.json({"error": "Invalid body request"}, status=400)
        utils.check_version_compatibility(action_call.get("version"))
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as e:
            log.debug(e)
            return response.json({"error": e.message, "action_name": e.action_name}, status=400)
        except ActionNotFoundException as e:
            log.error(e)
            return response.json({"error": e.message, "action_name": e.action_name}, status=404)
        except ActionMissingDomainException as e:
            log.debug(e)
            return response.json({"error": e.message, "action_name": e.action_name}, status=449)
        return response.json(result.model_dump() if result else None, status=200)

    @app.get("/actions")
    async def actions(_: Request) -> HTTPResponse:
        return response.json([item.model_dump() for item in executor.list_actions()], status=200)

    @app.exception(Exception)
    async def exception_handler(request: Request, exception: Exception) -> HTTPResponse:
        log.error(msg=f"Exception occurred during execution of request {request}", exc_info=exception)
        return response.json({"error": str(exception), "request_body": request.json}, status=500)

    return app
