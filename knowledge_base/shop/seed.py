"""The deterministic demo shop: `python -m knowledge_base.shop.seed [--now ISO-TIME]`
(re)creates the database at SHOP_DATABASE_URL. Every date is relative to `now`, so the same
`now` always gives the same data. DEMO_DATA.md describes each order and what it shows.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from knowledge_base.shop import demo_catalog, models
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.sql_source import create_shop_engine

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
PAYMENT_DELAY = timedelta(minutes=10)
CURRENCY = "EUR"
# Where every parcel starts, as the help article on delivery times says.
WAREHOUSE = "Kassel, DE"
TRACKING_URLS = {
    "DHL": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}",
    "UPS": "https://www.ups.com/track?tracknum={}",
    "GLS": "https://gls-group.com/track/{}",
}
Item = tuple[str, int, str | None, str | None]  # sku, quantity, size, colour
Event = tuple[datetime, str, str]  # at, location, description

# number, customer id, status, placed this long before now, items
ORDERS: tuple[tuple[str, int, str, timedelta, list[Item]], ...] = (
    ("10001", 1, "paid", DAY, [("TS-200", 2, "M", "White"), ("HD-100", 1, "L", "Grey")]),
    ("10002", 1, "shipped", 4 * DAY, [("SH-600", 1, "42", "Black")]),
    ("10003", 2, "delivered", 11 * DAY, [("JK-300", 1, "L", "Navy"), ("EL-700", 1, None, "White")]),
    ("10004", 2, "delivered", 52 * DAY, [("HM-810", 1, "King", "Natural")]),
    ("10005", 3, "pending", 2 * HOUR, [("SC-500", 1, None, "Burgundy")]),
    ("10006", 3, "cancelled", 6 * DAY, [("EL-710", 1, None, "White")]),
    ("10007", 4, "returned", 30 * DAY, [("SH-620", 1, "43", "White")]),
    ("10008", 4, "delivered", 14 * DAY, [("JN-400", 1, "32", "Indigo")]),
    ("10009", 5, "packed", 2 * DAY, [("HM-800", 1, None, "Sage"), ("HM-820", 2, None, None)]),
    ("10010", 5, "shipped", 10 * DAY, [("BG-900", 1, None, "Olive"), ("EL-720", 2, None, "Black")]),
    ("10011", 6, "shipped", 2 * DAY, [("HD-110", 1, "M", "Black")]),
    ("10012", 1, "delivered", 6 * DAY, [("HD-100", 1, "M", "Black"), ("SC-500", 1, None, "Grey")]),
    ("10013", 7, "shipped", 2 * DAY, [("EL-700", 1, None, "White"), ("EL-720", 1, None, "Black")]),
    ("10014", 2, "delivered", 36 * DAY, [("SH-630", 1, "44", "Brown")]),
)


def seed(session: Session, now: datetime) -> None:
    """Adds the demo shop to an empty schema; the caller commits."""
    session.add_all(demo_catalog.customers())
    session.add_all(demo_catalog.products())
    session.add_all(demo_catalog.promo_codes(now))
    session.flush()
    builder = _OrderBuilder(session, now)
    for order in builder.orders():
        session.add(order)
        session.flush()
    session.add_all(_invoices(builder.added))
    session.flush()


def reset_database(engine: Engine, now: datetime) -> None:
    """Drops and recreates the shop tables, then seeds them."""
    models.Base.metadata.drop_all(engine)
    models.Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        seed(session, now)


def seed_demo_shop(database_url: str, now: datetime | None = None) -> str:
    """(Re)creates the demo shop at `database_url` as of `now` (default: now, UTC) and gives the URL back."""
    _ensure_sqlite_directory(database_url)
    engine = create_shop_engine(database_url)
    try:
        reset_database(engine, now or datetime.now(UTC))
    finally:
        engine.dispose()
    return database_url


def _invoices(orders: list[models.Order]) -> list[models.Invoice]:
    return [
        models.Invoice(
            number=f"INV-{order.paid_at.year}-{order.number}", order_number=order.number,
            issued_at=order.paid_at, amount_cents=order.total_cents, currency=order.currency,
        )
        for order in orders
        if order.paid_at is not None
    ]


class _OrderBuilder:
    def __init__(self, session: Session, now: datetime) -> None:
        self.now = now
        self.prices = {p.sku: p.price_cents for p in session.scalars(select(models.Product))}
        self.addresses = demo_catalog.addresses()
        self.names = {c[0]: c[1] for c in demo_catalog.CUSTOMERS}
        self.added: list[models.Order] = []

    def orders(self) -> list[models.Order]:
        orders = [
            self.order(number, customer_id, status, self.now - placed_ago, items)
            for number, customer_id, status, placed_ago, items in ORDERS
        ]
        self.ship(orders)
        self.add_returns(orders)
        return orders

    def order(
        self, number: str, customer_id: int, status: str, placed: datetime, items: list[Item]
    ) -> models.Order:
        street, postcode, city, country = self.addresses[customer_id]
        rows = [
            models.OrderItem(
                sku=sku, quantity=qty, unit_price_cents=self.prices[sku], size=size, colour=colour
            )
            for sku, qty, size, colour in items
        ]
        order = models.Order(
            number=number, customer_id=customer_id, status=status, placed_at=placed,
            paid_at=None if status in ("pending", "cancelled") else placed + PAYMENT_DELAY,
            cancelled_at=placed + DAY if status == "cancelled" else None,
            recipient=self.names[customer_id], ship_street=street, ship_postcode=postcode,
            ship_city=city, ship_country=country, currency=CURRENCY, items=rows,
            total_cents=sum(row.unit_price_cents * row.quantity for row in rows),
        )
        self.added.append(order)
        return order

    def ship(self, orders: list[models.Order]) -> None:
        now = self.now
        by_number = {order.number: order for order in orders}
        by_number["10002"].shipment = _in_transit("DHL", "JJD0001502410002", now - 2 * DAY, now + DAY, [
            (now - 2 * DAY, WAREHOUSE, "Parcel handed over to DHL"),
            (now - DAY - 6 * HOUR, "Kassel parcel centre, DE", "Processed at the parcel centre"),
            (now - 8 * HOUR, "Berlin, DE", "Parcel arrived at the delivery depot"),
        ])
        # Sent express, so UPS within the EU (the express delivery article): due in 2 working days.
        by_number["10010"].shipment = _in_transit("UPS", "1Z999AA10123410010", now - 9 * DAY,
                                                  now - 7 * DAY, [
            (now - 9 * DAY, WAREHOUSE, "Shipment picked up by UPS"),
            (now - 9 * DAY + 8 * HOUR, "Nuremberg, DE", "In transit"),
            (now - 8 * DAY, "Praha, CZ", "Arrived at facility"),
            (now - 7 * DAY, "Praha, CZ", "Delivery exception: address not found"),
        ], status="exception")
        by_number["10011"].shipment = _in_transit("GLS", "GLS7741010011", now - DAY, now + 2 * DAY, [
            (now - DAY, WAREHOUSE, "Parcel handed over to GLS"),
            (now - 10 * HOUR, "Bad Hersfeld hub, DE", "Parcel in transit to the destination country"),
        ])
        by_number["10013"].shipment = _in_transit("DHL", "JJD0001502410013", now - DAY, now + DAY, [
            (now - DAY, WAREHOUSE, "Parcel handed over to DHL"),
            (now - 14 * HOUR, "Aschheim parcel centre, DE", "Processed at the parcel centre"),
        ])
        # The carriers and delivery times of the articles: DHL in Germany, GLS to the EU, UPS to the UK.
        delivered = {"10003": ("UPS", 10, 5), "10004": ("UPS", 51, 45), "10007": ("GLS", 28, 25),
                     "10008": ("GLS", 13, 10), "10012": ("DHL", 5, 3), "10014": ("UPS", 35, 29)}
        for number, (carrier, shipped_days, delivered_days) in delivered.items():
            order = by_number[number]
            order.shipment = _delivered(carrier, number, now - shipped_days * DAY,
                                        now - delivered_days * DAY, order.ship_city)

    def add_returns(self, orders: list[models.Order]) -> None:
        now = self.now
        by_number = {order.number: order for order in orders}
        refunded = _return("R-20001", by_number["10007"], "Too small, I need a size 44.", now - 20 * DAY)
        refunded.status, refunded.refund_status, refunded.refunded_at = "refunded", "issued", now - 2 * DAY
        received = _return("R-20002", by_number["10008"], "The colour is darker than in the photos.",
                           now - 6 * DAY)
        received.status = "received"


def _in_transit(carrier: str, tracking: str, shipped: datetime, eta: datetime, events: list[Event],
                status: str = "in_transit") -> models.Shipment:
    return models.Shipment(
        carrier=carrier, tracking_number=tracking,
        tracking_url=TRACKING_URLS[carrier].format(tracking), status=status, shipped_at=shipped,
        estimated_delivery=eta.date(), delivered_at=None,
        events=[models.TrackingEvent(at=at, location=place, description=text)
                for at, place, text in events],
    )


def _delivered(
    carrier: str, number: str, shipped: datetime, delivered: datetime, city: str
) -> models.Shipment:
    tracking = f"{carrier}{number}0001"
    events = [
        (shipped, WAREHOUSE, f"Parcel handed over to {carrier}"),
        (shipped + DAY, f"{city} depot", "Parcel arrived at the delivery depot"),
        (delivered - 4 * HOUR, city, "Out for delivery"),
        (delivered, city, "Delivered"),
    ]
    shipment = _in_transit(carrier, tracking, shipped, delivered, events, status="delivered")
    shipment.delivered_at = delivered
    return shipment


def _return(number: str, order: models.Order, reason: str, created: datetime) -> models.Return:
    ret = models.Return(
        number=number, reason=reason, status="requested", created_at=created,
        refund_amount_cents=order.total_cents, refund_status="pending", refunded_at=None,
        refund_method="original payment method",
        items=[models.ReturnItem(order_item=item, quantity=item.quantity) for item in order.items],
    )
    order.returns.append(ret)
    return ret


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="(Re)create the ShopDesk demo shop database.")
    parser.add_argument("--now", type=datetime.fromisoformat, help="reference time (default: now, UTC)")
    args = parser.parse_args(argv)
    now = args.now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    settings = ShopSettings.from_env()
    seed_demo_shop(settings.database_url, now)
    print(f"demo shop seeded at {make_url(settings.database_url).render_as_string(hide_password=True)}")


def _ensure_sqlite_directory(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


if __name__ == "__main__":
    main()
