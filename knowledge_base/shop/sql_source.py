"""OrderSource over SQLAlchemy: the demo shop (SQLite by default, PostgreSQL works too)."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, event, func, select
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from knowledge_base.shop import models, search
from knowledge_base.shop.links import signed_url
from knowledge_base.shop.mapping import (
    customer_view,
    invoice_view,
    order_view,
    product_view,
    promo_view,
    return_view,
)
from knowledge_base.shop.order_rows import read_order
from knowledge_base.shop.parsing import normalize_email, phone_digits, phones_match
from knowledge_base.shop.prepared import PreparedRead
from knowledge_base.shop.rules import (
    Decision,
    OrderNotFound,
    RequestRefused,
    address_change_decision,
    cancellation_decision,
    clean_free_text,
    return_decision,
)
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.views import (
    Address,
    CustomerView,
    InvoiceView,
    OrderView,
    ProductView,
    PromoView,
    ReturnView,
)

FIRST_RETURN_NUMBER = 20001
REFUND_METHOD = "original payment method"
MAX_PROMO_CODE_LENGTH = 40
MAX_SKU_LENGTH = 40
MAX_INVOICE_NUMBER_LENGTH = 30
_ORDER_LOADS = (
    selectinload(models.Order.customer),
    selectinload(models.Order.items).selectinload(models.OrderItem.product),
    selectinload(models.Order.shipment).selectinload(models.Shipment.events),
    selectinload(models.Order.returns)
    .selectinload(models.Return.items)
    .selectinload(models.ReturnItem.order_item),
)
# A customer's orders in one statement, built once. One order with the loads above was 7 statements,
# 13.6 ms at load 5 (the selectin loaders' statements and their cache keys); joined, one statement
# of items x tracking events x returned items rows (a handful for an order) and 1.5 ms. The hub
# reads a customer's orders whole when it links a shopper to the customer
# (handoff/contact_facts.py), where the selectin loads were ~10% of the hub's CPU per message in
# bench/hub.py's mix. One order alone is read as rows (order_rows.py).
_ORDER_JOINS = (
    joinedload(models.Order.customer),
    joinedload(models.Order.items).joinedload(models.OrderItem.product),
    joinedload(models.Order.shipment).joinedload(models.Shipment.events),
    joinedload(models.Order.returns).joinedload(models.Return.items).joinedload(models.ReturnItem.order_item),
)
_CUSTOMER_ORDERS = (
    select(models.Order)
    .where(models.Order.customer_id == bindparam("customer_id"))
    .order_by(models.Order.placed_at.desc(), models.Order.number.desc())
    .options(*_ORDER_JOINS)
)
# The reads below are Core statements on the tables, their rows mapped straight into the views
# (no ORM objects, no session): the bot reads a promo code, the catalogue or a customer on many
# turns, and the ORM's share of each was over half its time. Each reads the database every call.
_CUSTOMERS, _PRODUCTS, _PROMOS = models.Customer.__table__, models.Product.__table__, models.PromoCode.__table__
# The hot two run on the driver's cursor (prepared.py); the promo read takes a fixed number of codes
# (an expanding IN would be rendered again on every call), padded with the first.
PROMO_CODES_A_READ = 12
_PROMOS_READ = PreparedRead(select(_PROMOS).where(
    _PROMOS.c.code.in_([bindparam(f"code{slot}") for slot in range(PROMO_CODES_A_READ)])))
_PRODUCTS_READ = PreparedRead(select(_PRODUCTS).order_by(_PRODUCTS.c.sku))
_RETURN_LOADS = (
    selectinload(models.Return.order),
    selectinload(models.Return.items)
    .selectinload(models.ReturnItem.order_item)
    .selectinload(models.OrderItem.product),
)


def create_shop_engine(database_url: str) -> Engine:
    """An engine for the shop database; SQLite gets foreign keys enforced."""
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _enable_sqlite_foreign_keys(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA foreign_keys=ON")


def open_order_source(settings: ShopSettings) -> SqlOrderSource:
    return SqlOrderSource(create_shop_engine(settings.database_url), settings)


class SqlOrderSource:
    def __init__(self, engine: Engine, settings: ShopSettings | None = None) -> None:
        self._settings = settings or ShopSettings()
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def get_order(self, number: str) -> OrderView | None:
        with self._engine.connect() as connection:
            return read_order(connection, number)

    def customer_orders(self, customer_id: int) -> list[OrderView]:
        with self._sessions() as session:
            return [order_view(row) for row in session.scalars(_CUSTOMER_ORDERS, {"customer_id": customer_id}).unique()]

    def find_customer(
        self, email: str | None = None, phone: str | None = None, customer_id: int | None = None
    ) -> CustomerView | None:
        """The customer matching every criterion given; None when none is given or none matches."""
        if email is None and phone is None and customer_id is None:
            return None
        query = select(_CUSTOMERS).order_by(_CUSTOMERS.c.id)
        if customer_id is not None:
            query = query.where(_CUSTOMERS.c.id == customer_id)
        if email is not None:
            query = query.where(_CUSTOMERS.c.email == (normalize_email(email) or ""))
        if phone is not None:
            digits = phone_digits(phone)
            query = query.where(_CUSTOMERS.c.phone_digits.like(f"%{digits[-6:]}"))
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        matching = [row for row in rows if phone is None or phones_match(row.phone or "", phone)]
        return customer_view(matching[0]) if matching else None

    def cancel_order(self, number: str, now: datetime) -> OrderView:
        with self._sessions.begin() as session:
            row = _order_for_update(session, number)
            _require(cancellation_decision(order_view(row)))
            row.status = "cancelled"
            row.cancelled_at = now
            for item in row.items:
                item.product.stock += item.quantity
            session.flush()
            return order_view(row)

    def change_address(self, number: str, address: Address) -> OrderView:
        with self._sessions.begin() as session:
            row = _order_for_update(session, number)
            _require(address_change_decision(order_view(row)))
            _require(_address_fits(address))
            row.ship_street, row.ship_postcode, row.ship_city = address.street, address.postcode, address.city
            row.ship_country = address.country or row.ship_country
            session.flush()
            return order_view(row)

    def start_return(
        self, number: str, now: datetime, reason: str | None = None, skus: list[str] | None = None
    ) -> ReturnView:
        with self._sessions.begin() as session:
            row = _order_for_update(session, number)
            decision = return_decision(order_view(row), now, self._settings.return_window_days)
            _require(decision)
            items = _items_to_return(row, decision, skus)
            ret = models.Return(
                number=_next_return_number(session),
                order_number=row.number,
                reason=clean_free_text(reason),
                status="requested",
                created_at=now,
                refund_amount_cents=sum(item.unit_price_cents * item.quantity for item in items),
                refund_status="pending",
                refund_method=REFUND_METHOD,
                items=[models.ReturnItem(order_item=item, quantity=item.quantity) for item in items],
            )
            row.returns.append(ret)
            session.flush()
            return return_view(ret)

    def returns_for_order(self, number: str) -> list[ReturnView]:
        query = (
            select(models.Return)
            .where(models.Return.order_number == number)
            .order_by(models.Return.number)
            .options(*_RETURN_LOADS)
        )
        with self._sessions() as session:
            return [return_view(row) for row in session.scalars(query)]

    def invoice_for_order(self, number: str) -> InvoiceView | None:
        query = select(models.Invoice).where(models.Invoice.order_number == number)
        with self._sessions() as session:
            row = session.scalars(query).first()
            return invoice_view(row, *self.invoice_link(row.number)) if row else None

    def get_invoice(self, number: str) -> InvoiceView | None:
        with self._sessions() as session:
            row = session.get(models.Invoice, number) if len(number) <= MAX_INVOICE_NUMBER_LENGTH else None
            return invoice_view(row, *self.invoice_link(row.number)) if row else None

    def invoice_link(self, number: str) -> tuple[str, datetime | None]:
        """The invoice's link and when it expires: signed and expiring when a link secret is set
        (the link alone lets its holder download it), else the shop's own page (no expiry)."""
        path = f"/invoices/{number}.pdf"
        if not self._settings.link_secret:
            return self._settings.shop_url + path, None
        expires = int(time.time()) + self._settings.invoice_link_hours * 3600
        return (signed_url(self._settings.shop_url, path, self._settings.link_secret, expires),
                datetime.fromtimestamp(expires, UTC))

    def get_product(self, sku: str) -> ProductView | None:
        with self._sessions() as session:
            row = session.get(models.Product, sku) if len(sku) <= MAX_SKU_LENGTH else None
            return product_view(row, self._settings.currency, self._settings.shop_url) if row else None

    def search_products(self, query: str, limit: int = 3) -> list[ProductView]:
        with self._engine.connect() as connection:
            rows = _PRODUCTS_READ.rows(connection, {})
        products = [product_view(row, self._settings.currency, self._settings.shop_url) for row in rows]
        return search.search_products(products, query or "", limit)

    def get_promo(self, code: str) -> PromoView | None:
        found = self.first_promo([code])
        return found[1] if found else None

    def first_promo(self, codes: Sequence[str]) -> tuple[str, PromoView] | None:
        """The first of `codes`, in their order, that the shop knows, with its promo: one statement
        for up to 12 of them (the bot tries every word of a message that could be a code, 12 at most)."""
        normalized = [(code or "").strip().upper() for code in codes]
        wanted = [code for code in normalized if code and len(code) <= MAX_PROMO_CODE_LENGTH]
        if not wanted:
            return None
        rows: dict[str, Any] = {}
        with self._engine.connect() as connection:
            for start in range(0, len(wanted), PROMO_CODES_A_READ):
                codes_read = wanted[start:start + PROMO_CODES_A_READ]
                padded = codes_read + codes_read[:1] * (PROMO_CODES_A_READ - len(codes_read))
                params = {f"code{slot}": code for slot, code in enumerate(padded)}
                rows.update((row.code, row) for row in _PROMOS_READ.rows(connection, params))
        for given, code in zip(codes, normalized):
            if code in rows:
                return given, promo_view(rows[code], self._settings.currency)
        return None


def _order_for_update(session: Session, number: str) -> models.Order:
    query = (
        select(models.Order)
        .where(models.Order.number == number)
        .options(*_ORDER_LOADS)
        .with_for_update(of=models.Order)
    )
    row = session.scalars(query).first()
    if row is None:
        raise OrderNotFound(number)
    return row


def _require(decision: Decision) -> None:
    if not decision.allowed:
        raise RequestRefused(decision)


def _address_fits(address: Address) -> Decision:
    """Guards the columns against an Address built by hand rather than by parse_address."""
    fields = {"street": (address.street, 200), "postcode": (address.postcode, 20), "city": (address.city, 100)}
    for name, (value, limit) in fields.items():
        if not value or not value.strip() or len(value) > limit or _has_control(value):
            return Decision(False, "invalid_address", {"field": name})
    if address.country is not None and (len(address.country) > 60 or _has_control(address.country)):
        return Decision(False, "invalid_address", {"field": "country"})
    return Decision(True, "ok")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char).startswith("C") for char in text)


def _items_to_return(
    row: models.Order, decision: Decision, skus: list[str] | None
) -> list[models.OrderItem]:
    returnable = set(decision.details["returnable_skus"])  # type: ignore[call-overload]
    if not skus:
        return [item for item in row.items if item.sku in returnable]
    wanted = {sku.strip().upper() for sku in skus}
    unknown = sorted(wanted - {item.sku for item in row.items})
    if unknown:
        raise RequestRefused(Decision(False, "unknown_items", {"skus": tuple(unknown)}))
    already = sorted(wanted - returnable)
    if already:
        raise RequestRefused(Decision(False, "already_returned", {"skus": tuple(already)}))
    return [item for item in row.items if item.sku in wanted]


def _next_return_number(session: Session) -> str:
    latest = session.scalar(select(func.max(models.Return.number)))
    following = int(latest.removeprefix("R-")) + 1 if latest else FIRST_RETURN_NUMBER
    return f"R-{following}"
