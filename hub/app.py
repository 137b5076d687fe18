"""The hub process: `create_app(settings)` wires storage, events, the router and every blueprint;
`python -m hub` serves it (default 127.0.0.1:8000)."""

from __future__ import annotations

import asyncio
import gc
import importlib
import itertools
import logging
import os
from dataclasses import dataclass
from functools import partial
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff import attachments, console, privacy_settings
from handoff.api.account import account
from handoff.api.admin import admin
from handoff.api.audit_log import audit_log
from handoff.api.canned import canned_replies
from handoff.api.contacts import contacts
from handoff.api.errors import install_error_handlers
from handoff.api.feedback import feedback
from handoff.api.headers import install_security_headers
from handoff.api.management import management
from handoff.api.openapi import openapi
from handoff.api.personal_data import personal_data
from handoff.api.privacy import privacy
from handoff.api.reports import report_routes
from handoff.api.reviews import review_routes
from handoff.api.second_factor import second_factors
from handoff.api.service_levels import service_levels
from handoff.api.shopper import shopper
from handoff.api.tickets import tickets
from handoff.api.ws import console_feed
from handoff.assignment import Assigner
from handoff.broadcast import QueueBroadcaster
from handoff.contact_linker import ContactLinker
from handoff.context import Services
from handoff.customers import CustomerDirectory, ShopReader
from handoff.db import create_engine, migrate
from handoff.delivery import DeliveryRegistry
from handoff.events import EventBus
from handoff.gateway import Conversations
from handoff.limits import RateLimiter
from handoff.logs import install_redaction
from handoff.maintenance import Maintenance
from handoff.rasa_trackers import TrackerStore
from handoff.retention import Retention
from handoff.settings import HubSettings, SettingsError, require_secret
from handoff.tickets import Desk
from handoff.uow import UnitOfWork, UnitOfWorkFactory
from hub import channels
from hub.attachments_api import photos
from hub.channels.webchat import SHARED_WITH_CONSOLE
from hub.jsonlog import JsonFormatter
from hub.leases import Leadership
from hub.metrics import HubMetrics
from hub.rasa_client import RasaClient
from hub.recovery import Recovery
from hub.redis_bus import RedisEventBus, replica_name
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
    bus: EventBus
    settings: HubSettings
    metrics: HubMetrics
    leadership: Leadership | None = None
    migrated: bool = False
    # The imports done before the first request that needs them (readiness waits for them).
    warm_up: asyncio.Future[Any] | None = None


def create_app(
    settings: HubSettings,
    *,
    shop: ShopReader | None = None,
    name: str | None = None,
    sweep: bool = True,
    freeze_heap: bool = False,
) -> Sanic[Any, Any]:
    """Builds the hub from its settings (read from the environment once, by `main`); nothing
    connects until the server starts (migrations run then).

    `shop` defaults to the demo shop at SHOP_DATABASE_URL. `sweep=False` leaves the periodic
    assignment sweep and recovery off (event-driven assignment still runs), for tests that want
    no timers. `freeze_heap`: once the warm-up imports are done, what the process holds then (modules,
    the app, the warm-up's libraries) is left out of the garbage collector's later passes (`python -m
    hub` sets it; not for a process that makes apps again and again, such as a test run).
    """
    app = Sanic(name or f"shopdesk_{next(_app_numbers)}")
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    if settings.proxies_count:
        app.config.PROXIES_COUNT = settings.proxies_count
    shop = shop if shop is not None else _demo_shop(settings)
    services, resources = _wire(settings, shop)
    app.ctx.services = services
    app.ctx.maintenance = resources.maintenance
    app.ctx.metrics = resources.metrics
    install_error_handlers(app)
    install_security_headers(app)
    for blueprint in (shopper, photos, account, tickets, canned_replies, admin, management, audit_log, contacts,
                      privacy, service_levels, feedback, report_routes, review_routes, personal_data, second_factors,
                      console_feed, openapi):
        app.blueprint(blueprint)
    app.add_route(_health, "/health", name="health")
    app.add_route(_ready_route(resources), "/ready", name="ready")
    console.install(app, shared=SHARED_WITH_CONSOLE)
    channels.install(app, services, settings.telegram)
    install_shop_pages(app, shop, settings.link_secret)
    _install_lifecycle(app, resources, sweep, freeze_heap)
    return app


def _wire(settings: HubSettings, shop: ShopReader | None) -> tuple[Services, _Resources]:
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    bus = RedisEventBus(settings.redis_url, replica_name(), settings.redis_namespace) if settings.redis_url else EventBus()
    uows = UnitOfWorkFactory.on(engine, bus)
    desk = Desk(settings, CustomerDirectory(shop))
    rasa = RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds)
    limiter = RateLimiter(settings.rate_limits)
    metrics = HubMetrics()
    router = Router(uows, desk, rasa, limiter, metrics)
    assigner = Assigner(uows, settings)
    delivery = DeliveryRegistry()
    # Order matters: shoppers get their messages before the queue moves on.
    delivery.attach(bus)
    bus.subscribe(QueueBroadcaster(uows, settings, bus).on_event)
    bus.subscribe(assigner.on_event)
    bus.subscribe(router.on_event)
    bus.subscribe(ContactLinker(uows, desk.directory, _contact_rules).on_event)
    retention = Retention(uows, TrackerStore(settings.tracker_url), settings.retention_months)
    maintenance = Maintenance(uows, _contact_rules, daily=[retention.run, partial(attachments.discard_unsent, uows)])
    bus.subscribe(maintenance.on_event)
    bus.subscribe(metrics.on_event, everywhere=True)
    services = Services(settings, uows, bus, desk, assigner, router, delivery, Conversations(uows, settings), limiter)
    return services, _Resources(engine, rasa, assigner, Recovery(uows, router, rasa, settings), maintenance, bus,
                                settings, metrics)


async def _contact_rules(uow: UnitOfWork) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return await privacy_settings.contact_rules(uow.session)


def _demo_shop(settings: HubSettings) -> ShopReader | None:
    if not settings.shop_database_url:
        return None
    from knowledge_base.shop.settings import ShopSettings
    from knowledge_base.shop.sql_source import open_order_source

    return open_order_source(ShopSettings(database_url=settings.shop_database_url))


def _install_lifecycle(app: Sanic[Any, Any], resources: _Resources, sweep: bool, freeze_heap: bool) -> None:
    @app.before_server_start
    async def open_resources(app: Sanic[Any, Any]) -> None:
        install_redaction()
        # The topics report's scikit-learn takes seconds to import: not in the first report's request,
        # and (readiness waits for it) not while the first shoppers' messages hold the GIL's turns.
        if resources.warm_up is None:
            resources.warm_up = asyncio.get_running_loop().run_in_executor(None, importlib.import_module,
                                                                          "handoff.reports_topics")
            if freeze_heap:
                resources.warm_up.add_done_callback(_freeze_heap)
        if not resources.migrated:
            await migrate(resources.engine)
            resources.migrated = True
        resources.rasa.open()
        bus = resources.bus
        if isinstance(bus, RedisEventBus):
            await bus.start()
        # The periodic jobs run in one replica at a time (hub/leases.py); Telegram polling joins them.
        leadership = Leadership(bus.redis if isinstance(bus, RedisEventBus) else None,
                                bus.replica if isinstance(bus, RedisEventBus) else "hub",
                                resources.settings.lease_seconds, resources.settings.redis_namespace)
        if sweep:
            leadership.add("assignment sweep", resources.assigner.run_forever)
            leadership.add("recovery", resources.recovery.run_forever)
            leadership.add("maintenance", resources.maintenance.run_forever)
            leadership.add("report summaries", resources.maintenance.summaries.run_forever)
        leadership.start()
        resources.leadership = app.ctx.leadership = leadership

    @app.after_server_stop
    async def close_resources(app: Sanic[Any, Any]) -> None:
        if resources.leadership is not None:
            await resources.leadership.stop()
        if isinstance(resources.bus, RedisEventBus):
            await resources.bus.close()
        await resources.maintenance.close()
        await resources.rasa.close()
        await resources.engine.dispose()


def _freeze_heap(_warm_up: object) -> None:
    """The garbage collector's full passes walk every object the process holds: with the hub's
    libraries loaded (SQLAlchemy, Sanic, scikit-learn for the reports) one took ~100 ms of the event
    loop's thread, a stall every shopper waiting then shares. What exists once the warm-up is done
    lives as long as the process, so it is collected once (garbage left by the imports) and frozen:
    later passes walk only what was made since."""
    gc.collect()
    gc.freeze()


async def _health(request: Request) -> HTTPResponse:
    """Liveness: the process serves requests."""
    return json({"status": "ok"})


def _ready_route(resources: _Resources) -> Any:
    async def ready(request: Request) -> HTTPResponse:
        """Readiness: migrated, warmed up (the slow imports done), the database answers, and (scaled)
        Redis answers. Rasa is left out: without it the hub still serves agents and keeps shoppers'
        messages for later."""
        warm_up = resources.warm_up
        checks: dict[str, bool] = {"migrated": resources.migrated,
                                   "warmed_up": warm_up is not None and warm_up.done()}
        try:
            async with resources.engine.connect() as connection:
                await connection.execute(text("select 1"))
            checks["database"] = True
        except Exception:  # any failure: not ready; the cause is in the database's own logs
            checks["database"] = False
        if isinstance(resources.bus, RedisEventBus):
            try:
                checks["redis"] = bool(await asyncio.wait_for(resources.bus.redis.ping(), 2))
            except Exception:  # unreachable, timed out or not started
                checks["redis"] = False
        ok = all(checks.values())
        return json({"status": "ready" if ok else "not ready", "checks": checks}, status=200 if ok else 503)

    return ready


def _log_to_stderr(json_lines: bool) -> None:
    """Our loggers and Alembic's; Sanic configures its own (made JSON too with json_lines, in main)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(replica_name()) if json_lines else
                         logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("handoff", "hub", "alembic"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)


def _sanic_logs_as_json() -> None:
    formatter = JsonFormatter(replica_name())
    for name in ("sanic.root", "sanic.error", "sanic.access", "sanic.server", "sanic.websockets"):
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(formatter)


def main() -> None:
    json_lines = os.environ.get("SHOPDESK_LOG_FORMAT", "").lower() == "json"
    _log_to_stderr(json_lines)
    settings = HubSettings.from_env()
    try:
        require_secret("SHOPDESK_RASA_TOKEN", settings.rasa_token)
    except SettingsError as error:
        raise SystemExit(f"hub: {error}") from None
    app = create_app(settings, name="shopdesk", freeze_heap=True)
    if json_lines:
        _sanic_logs_as_json()
    metrics_port = os.environ.get("SHOPDESK_METRICS_PORT", "").strip()
    if metrics_port:
        # Loopback unless told otherwise: a scraper on the same host (or a sidecar) reads it.
        app.ctx.metrics.serve(int(metrics_port), os.environ.get("SHOPDESK_METRICS_HOST") or "127.0.0.1")
    install_redaction()
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False)


if __name__ == "__main__":
    main()
