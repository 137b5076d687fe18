"""The customer panel's data, read from the shop through its OrderSource.

The shop's source is synchronous (SQLAlchemy over the demo shop file), so calls run in a thread;
its frozen views become plain JSON here, and nowhere else in the hub knows their types.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from knowledge_base.shop.rules import contact_matches, gives_contact, parse_order_number

log = logging.getLogger(__name__)
_MAX_ORDERS_TRIED = 3


class ShopReader(Protocol):
    """The part of knowledge_base.shop's OrderSource the hub reads."""

    def find_customer(self, email: str | None = None, phone: str | None = None, customer_id: int | None = None) -> Any: ...

    def customer_orders(self, customer_id: int) -> list[Any]: ...

    def get_order(self, number: str) -> Any: ...


class CustomerOrders(Protocol):
    """The part of the directory that reads a customer's orders (contact_facts.refresh)."""

    async def orders(self, customer_id: int) -> list[dict[str, Any]]: ...


@dataclasses.dataclass(frozen=True)
class Customer:
    id: int
    name: str
    email: str
    phone: str | None
    tier: str | None
    verified: bool  # proven by the channel, rather than inferred from an order number the shopper typed

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class CustomerDirectory:
    def __init__(self, shop: ShopReader | None) -> None:
        self._shop = shop

    async def identify(self, email: str | None, order_number: str | None) -> Customer | None:
        """None when unknown, and also when the shop cannot be read: a ticket never waits on it."""
        if self._shop is None:
            return None
        try:
            return await _identify(self._shop, email, order_number)
        except Exception:
            log.exception("could not read the customer from the shop")
            return None

    async def proven_owner(self, texts: list[str]) -> tuple[Customer, str] | None:
        """The customer whose order is named in `texts` and whose email or phone on that order is
        there too: the bot's order form's proof (knowledge_base.shop.rules). With the order number."""
        if self._shop is None or not any(map(gives_contact, texts)):
            return None
        numbers = list(dict.fromkeys(n for n in map(parse_order_number, texts) if n))[:_MAX_ORDERS_TRIED]
        try:
            for number in numbers:
                order = await asyncio.to_thread(self._shop.get_order, number)
                if order is not None and any(contact_matches(order.customer, text) for text in texts):
                    return _customer(order.customer, verified=True), number
        except Exception:
            log.exception("could not read an order from the shop")
        return None

    async def orders(self, customer_id: int) -> list[dict[str, Any]]:
        if self._shop is None:
            return []
        try:
            views = await asyncio.to_thread(self._shop.customer_orders, customer_id)
        except Exception:
            log.exception("could not read the customer's orders from the shop")
            return []
        return [_order(view) for view in views]


async def _identify(shop: ShopReader, email: str | None, order_number: str | None) -> Customer | None:
    if email:
        view = await asyncio.to_thread(shop.find_customer, email=email)
        if view is not None:
            return _customer(view, verified=True)
    if order_number:
        order = await asyncio.to_thread(shop.get_order, order_number)
        if order is not None:
            return _customer(order.customer, verified=False)
    return None


def _customer(view: Any, verified: bool) -> Customer:
    return Customer(view.id, view.name, view.email, view.phone, view.tier, verified)


def _order(view: Any) -> dict[str, Any]:
    data: dict[str, Any] = to_json(dataclasses.asdict(view))
    data.pop("customer", None)
    return data


def to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
