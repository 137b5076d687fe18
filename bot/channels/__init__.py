"""Shopper channels inside the hub: the web chat widget and, when a bot token is set, Telegram.

`install(app, hub)` is called by the hub's create_app (see handoff/API.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sanic import Sanic

from bot.channels.telegram import install_telegram
from bot.channels.telegram_settings import TelegramSettings
from bot.channels.webchat import install_webchat


def install(app: Sanic, hub: Any, env: Mapping[str, str] | None = None) -> None:
    install_webchat(app, hub)
    telegram = TelegramSettings.from_env(env)
    if telegram is not None:
        install_telegram(app, hub, telegram)
