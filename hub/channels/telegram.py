"""Telegram inside the hub: python-telegram-bot's Application, started and stopped with the Sanic
server. With SHOPDESK_PUBLIC_URL set, Telegram posts updates to our webhook; without it, we poll."""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, empty, json
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from handoff.context import Services
from handoff.settings import TelegramSettings
from hub.channels.telegram_handlers import TelegramHandlers
from hub.channels.telegram_outbox import CHANNEL_NAME, ButtonPayloads, TelegramOutbox
from hub.channels.telegram_updates import PerChatUpdateProcessor

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def build_application(settings: TelegramSettings) -> Application:  # type: ignore[type-arg]
    builder = (
        Application.builder()
        .token(settings.token)
        .base_url(f"{settings.api_base_url}/bot")
        .base_file_url(f"{settings.api_base_url}/file/bot")
        .concurrent_updates(PerChatUpdateProcessor())
    )
    if settings.public_url:
        builder = builder.updater(None)
    return builder.build()


def install_telegram(app: Sanic[Any, Any], services: Services, settings: TelegramSettings) -> None:
    application = build_application(settings)
    outbox = TelegramOutbox(application.bot, settings, ButtonPayloads())
    TelegramHandlers(services, outbox).register(application)
    services.delivery.register(CHANNEL_NAME, outbox)
    app.ctx.telegram = application
    app.ctx.telegram_outbox = outbox
    if settings.public_url:
        app.add_route(_webhook(application, settings), settings.webhook_path, methods=["POST"], name="telegram_webhook")

    # Started once the server listens (and the hub's database is migrated), so the first update
    # and the first webhook call find everything ready; stopped while the database is still open.
    @app.after_server_start
    async def start_telegram(app: Sanic[Any, Any]) -> None:
        try:
            await _start(application, settings)
            if not settings.public_url:
                # Telegram allows one poller per bot: with several replicas, the one holding the
                # periodic jobs' lease polls (hub/leases.py).
                app.ctx.leadership.add("telegram polling", lambda: _poll(application, settings))
        except TelegramError as error:
            log.error("Telegram could not start (%s); the hub runs without it", error)

    @app.before_server_stop
    async def stop_telegram(app: Sanic[Any, Any]) -> None:
        await _stop(application, outbox)


async def _start(application: Application, settings: TelegramSettings) -> None:  # type: ignore[type-arg]
    await application.initialize()
    await application.start()
    if settings.public_url:
        url = settings.public_url + settings.webhook_path
        await application.bot.set_webhook(url, allowed_updates=Update.ALL_TYPES, secret_token=settings.webhook_secret)
        log.info("Telegram webhook set to %s", url)


async def _poll(application: Application, settings: TelegramSettings) -> None:  # type: ignore[type-arg]
    """Long polling until cancelled (the lease moved, or the hub stops)."""
    updater = application.updater
    assert updater is not None
    try:
        await updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=settings.poll_timeout_seconds)
        log.info("Telegram long polling started")
    except TelegramError as error:
        log.error("Telegram polling could not start (%s); the hub runs without it", error)
        return
    try:
        await asyncio.Event().wait()
    finally:
        if updater.running:
            await updater.stop()


async def _stop(application: Application, outbox: TelegramOutbox) -> None:  # type: ignore[type-arg]
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await outbox.close()
    await application.shutdown()


def _webhook(application: Application, settings: TelegramSettings):  # type: ignore[no-untyped-def, type-arg]
    async def telegram_webhook(request: Request) -> HTTPResponse:
        secret = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode(), settings.webhook_secret.encode()):
            return json({"error": {"code": "forbidden", "message": "Wrong webhook secret."}}, status=403)
        try:
            update = Update.de_json(request.json, application.bot)
        except Exception:  # malformed JSON or not an update: Telegram would never send it
            return json({"error": {"code": "bad_request", "message": "Not a Telegram update."}}, status=400)
        await application.update_queue.put(update)
        return empty()

    return telegram_webhook
