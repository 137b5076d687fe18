"""The action server: rasa_sdk's app, served on 127.0.0.1 by default, answering only callers that
present the shared token Rasa sends (endpoints.yml). `python -m actions.server` starts it.

rasa_sdk's own CLI listens on every interface and trusts whoever calls; an action call carries
a whole tracker (slots naming an order, a contact), so an open action server lets anyone act on
any order. Here /webhook and /actions need `Authorization: Bearer <SHOPDESK_ACTION_TOKEN>`;
/health stays open for probes.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rasa_sdk.executor import ActionExecutor
from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

from actions.endpoint import create_endpoint_app

log = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})
MIN_TOKEN_LENGTH = 32


class ActionServerSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class ActionServerSettings:
    token: str
    host: str = "127.0.0.1"
    port: int = 5055

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ActionServerSettings:
        env = os.environ if env is None else env
        token = env.get("SHOPDESK_ACTION_TOKEN", "")
        if len(token) < MIN_TOKEN_LENGTH:
            raise ActionServerSettingsError(
                "SHOPDESK_ACTION_TOKEN must be set to a secret of at least 32 characters (Rasa sends it "
                "with every action call; `make run` creates one in var/secrets.env)."
            )
        port = env.get("SHOPDESK_ACTIONS_PORT") or "5055"
        if not port.isdigit():
            raise ActionServerSettingsError(f"SHOPDESK_ACTIONS_PORT must be a port number, got {port!r}")
        return cls(token=token, host=env.get("SHOPDESK_ACTIONS_HOST") or "127.0.0.1", port=int(port))


def create_action_app(settings: ActionServerSettings, package: str = "actions") -> Sanic[Any, Any]:
    executor = ActionExecutor()
    executor.register_package(package)
    # No browser ever calls the action server, so no cross-origin requests are allowed (no CORS headers).
    app = create_endpoint_app(executor)
    expected = f"Bearer {settings.token}".encode()

    async def authenticate(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        presented = request.headers.get("authorization", "").encode()
        if hmac.compare_digest(presented, expected):
            return None
        log.warning("refused an unauthenticated %s %s from %s", request.method, request.path, request.ip)
        return json({"error": "This action server answers only the ShopDesk bot (missing or wrong token)."},
                    status=401)

    app.register_middleware(authenticate, "request")
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = ActionServerSettings.from_env()
    except ActionServerSettingsError as error:
        raise SystemExit(f"action server: {error}") from None
    app = create_action_app(settings)
    log.info("action server on http://%s:%s", settings.host, settings.port)
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
