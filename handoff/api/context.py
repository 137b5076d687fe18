"""What the blueprints need, put on app.ctx.services by the app factory."""

from __future__ import annotations

from dataclasses import dataclass

from sanic import Request

from handoff.assignment import Assigner
from handoff.events import EventBus
from handoff.inbound import InboundHandler
from handoff.limits import RateLimiter
from handoff.settings import HubSettings
from handoff.tickets import Desk
from handoff.uow import UnitOfWorkFactory


@dataclass
class Services:
    settings: HubSettings
    uows: UnitOfWorkFactory
    bus: EventBus
    desk: Desk
    assigner: Assigner
    inbound: InboundHandler
    limiter: RateLimiter


def services(request: Request) -> Services:
    return request.app.ctx.services
