"""The hub process: `create_app(settings)` wires storage, events, the router and every blueprint;
`python -m hub` serves it (default 127.0.0.1:8000)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from dataclasses import dataclass
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff import console, privacy_settings
from handoff.api.account import account
from handoff.api.admin import admin
from handoff.api.canned import canned_replies
from handoff.api.contacts import contacts
from handoff.api.errors import install_error_handlers
from handoff.api.headers import install_security_headers
from handoff.api.management import management
from handoff.api.openapi import openapi
from handoff.api.privacy import privacy
from handoff.api.shopper import shopper
from handoff.api.tickets import tickets
from handoff.api.ws import console_feed
from handoff.assignment import Assigner
from handoff.broadcast import QueueBroadcaster
from handoff.contact_linker import ContactLinker
from handoff.context import Services
from handoff.customers import CustomerDirectory, ShopReader
from handoff.db import create_engine, migrate, session_factory
from handoff.delivery import DeliveryRegistry
from handoff.events import EventBus
from handoff.gateway import Conversations
from handoff.limits import RateLimiter
from handoff.logs import install_redaction
from handoff.maintenance import Maintenance
from handoff.settings import HubSettings, SettingsError, require_secret
from handoff.tickets import Desk
from handoff.uow import UnitOfWork, UnitOfWorkFactory
from hub import channels
from hub.attachments_api import photos
from hub.rasa_client import RasaClient
from hub.recovery import Recovery
from hub.router import Router
from hub.shop.pages import install_shop_pages

log = logging.getLogger(__name__)
_app_numbers = itertools.count(1)
MAX_REQUEST_BYTES = 1_000_000


@dataclass
class _Resources:
    """What the server opens when it starts and closes when it stops."""

    engine: AsyncEngine
    rasa: RasaClient
    assigner: Assigner
    recovery: Recovery
    maintenance: Maintenance
    migrated: bool = False


def create_app(
    settings: HubSettings,
    *,
    shop: ShopReader | None = None,
    name: str | None = None,
    sweep: bool = True,
) -> Sanic[Any, Any]:
    """Builds the hub from its settings (read from the environment once, by `main`); nothing
    connects until the server starts (migrations run then).

    `shop` defaults to the demo shop at SHOP_DATABASE_URL. `sweep=False` leaves the periodic
    assignment sweep and recovery off (event-driven assignment still runs), for tests that want
    no timers.
    """
    app = Sanic(name or f"shopdesk_{next(_app_numbers)}")
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    if settings.proxies_count:
        app.config.PROXIES_COUNT = settings.proxies_count
    shop = shop if shop is not None else _demo_shop(settings)
    services, resources = _wire(settings, shop)
    app.ctx.services = services
    app.ctx.maintenance = resources.maintenance
    install_error_handlers(app)
    install_security_headers(app)
    for blueprint in (shopper, photos, account, tickets, canned_replies, admin, management, contacts, privacy,
                      console_feed, openapi):
        app.blueprint(blueprint)
    app.add_route(_health, "/health", name="health")
    console.install(app)
    channels.install(app, services, settings.telegram)
    install_shop_pages(app, shop, settings.link_secret)
    _install_lifecycle(app, resources, sweep)
    return app


def _wire(settings: HubSettings, shop: ShopReader | None) -> tuple[Services, _Resources]:
    engine = create_engine(settings.database_url)
    bus = EventBus()
    uows = UnitOfWorkFactory(session_factory(engine), bus)
    desk = Desk(settings, CustomerDirectory(shop))
    rasa = RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds)
    limiter = RateLimiter(settings.rate_limits)
    router = Router(uows, desk, rasa, limiter)
    assigner = Assigner(uows, settings)
    delivery = DeliveryRegistry()
    # Order matters: shoppers get their messages before the queue moves on.
    delivery.attach(bus)
    bus.subscribe(QueueBroadcaster(uows, settings, bus).on_event)
    bus.subscribe(assigner.on_event)
    bus.subscribe(router.on_event)
    bus.subscribe(ContactLinker(uows, desk.directory, _contact_rules).on_event)
    maintenance = Maintenance(uows, _contact_rules)
    bus.subscribe(maintenance.on_event)
    services = Services(settings, uows, bus, desk, assigner, router, delivery, Conversations(uows, settings), limiter)
    return services, _Resources(engine, rasa, assigner, Recovery(uows, router, rasa, settings), maintenance)


async def _contact_rules(uow: UnitOfWork) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return await privacy_settings.contact_rules(uow.session)


def _demo_shop(settings: HubSettings) -> ShopReader | None:
    if not settings.shop_database_url:
        return None
    from knowledge_base.shop.settings import ShopSettings
    from knowledge_base.shop.sql_source import open_order_source

    return open_order_source(ShopSettings(database_url=settings.shop_database_url))


def _install_lifecycle(app: Sanic[Any, Any], resources: _Resources, sweep: bool) -> None:
    @app.before_server_start
    async def open_resources(app: Sanic[Any, Any]) -> None:
        install_redaction()
        if not resources.migrated:
            await migrate(resources.engine)
            resources.migrated = True
        resources.rasa.open()
        if sweep:
            app.ctx.timers = [asyncio.create_task(resources.assigner.run_forever()),
                              asyncio.create_task(resources.recovery.run_forever()),
                              asyncio.create_task(resources.maintenance.run_forever())]

    @app.after_server_stop
    async def close_resources(app: Sanic[Any, Any]) -> None:
        for timer in getattr(app.ctx, "timers", []):
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        await resources.maintenance.close()
        await resources.rasa.close()
        await resources.engine.dispose()


async def _health(request: Request) -> HTTPResponse:
    return json({"status": "ok"})


def _log_to_stderr() -> None:
    """Our loggers and Alembic's; Sanic configures its own."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("handoff", "hub", "alembic"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)


def main() -> None:
    _log_to_stderr()
    settings = HubSettings.from_env()
    try:
        require_secret("SHOPDESK_RASA_TOKEN", settings.rasa_token)
    except SettingsError as error:
        raise SystemExit(f"hub: {error}") from None
    app = create_app(settings, name="shopdesk")
    install_redaction()
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False)


if __name__ == "__main__":
    main()
