"""Shopper channels inside the hub: the web chat widget and, when a bot token is set, Telegram.

`install(app, services, telegram)` is called by the hub's create_app (see handoff/API.md).
"""

from __future__ import annotations

from typing import Any

from sanic import Sanic

from handoff.context import Services
from handoff.settings import TelegramSettings
from hub.channels.telegram import install_telegram
from hub.channels.webchat import install_webchat


def install(app: Sanic[Any, Any], services: Services, telegram: TelegramSettings | None) -> None:
    install_webchat(app, services)
    if telegram is not None:
        install_telegram(app, services, telegram)
