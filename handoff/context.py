"""The one context the hub's parts share: what the API blueprints and the shopper channels use.

The hub's app factory builds it and puts it on `app.ctx.services`; it is defined here so the
ticket domain can name it without importing the hub. The router appears only as what it is to
everyone else, an `InboundHandler` (channels hand it shopper messages).
"""

from __future__ import annotations

from dataclasses import dataclass

from handoff.assignment import Assigner
from handoff.delivery import DeliveryRegistry
from handoff.events import EventBus
from handoff.gateway import Conversations
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
    delivery: DeliveryRegistry
    conversations: Conversations
    limiter: RateLimiter
