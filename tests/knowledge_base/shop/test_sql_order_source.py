"""SqlOrderSource against a freshly seeded SQLite file: every query and mutation, and refused
mutations that leave every row as it was."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, event

from knowledge_base.shop.links import is_valid
from knowledge_base.shop.rules import OrderNotFound, RequestRefused
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.source import OrderSource
from knowledge_base.shop.sql_source import SqlOrderSource
from knowledge_base.shop.views import Address
from tests.knowledge_base.shop.shop_testing import NOW, snapshot

_K = TypeVar("_K")
_V = TypeVar("_V")


def test_it_implements_the_order_source_protocol(source: SqlOrderSource) -> None:
    as_protocol: OrderSource = source
    assert as_protocol.get_order("10001") is not None


def test_get_order_returns_the_whole_order(source: SqlOrderSource) -> None:
    order = source.get_order("10012")
    assert order is not None
    assert (order.status, order.customer.email, order.total, order.currency) == (
        "delivered", "anna.schmidt@example.com", Decimal("79.80"), "EUR")
    assert [(i.sku, i.name, i.quantity, i.size, i.colour) for i in order.items] == [
        ("HD-100", "Classic Cotton Hoodie", 1, "M", "Black"), ("SC-500", "Merino Wool Scarf", 1, None, "Grey")]
    assert order.shipping_address == Address("Hauptstr. 5", "10115", "Berlin", "Germany")
    assert order.delivered_at is not None and order.delivered_at.tzinfo is not None


def test_an_order_read_as_rows_is_the_orms_view(source: SqlOrderSource, shop_engine: Engine) -> None:
    """get_order reads an order as plain rows (order_rows.py, prepared.py): what it gives is mapping.order_view of
    the ORM's rows loaded relationship by relationship (`_ORDER_LOADS`, still used to lock an order
    for a change), for every demo order, for one with two returns of some of its items and one with
    a rejected return, in at most four statements (three without a shipment)."""
    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from knowledge_base.shop import models
    from knowledge_base.shop.mapping import order_view
    from knowledge_base.shop.sql_source import _ORDER_LOADS

    source.start_return("10012", NOW, reason=None, skus=["sc-500"])
    source.start_return("10012", NOW, reason="too big")
    rejected = source.start_return("10003", NOW, reason=None, skus=["jk-300"])
    with shop_engine.begin() as connection:
        connection.execute(update(models.Return).where(models.Return.number == rejected.number)
                           .values(status="rejected"))
    with Session(shop_engine) as session:
        expected = {order.number: order_view(order)
                    for order in session.scalars(select(models.Order).options(*_ORDER_LOADS))}
    assert len(expected) >= 10 and any(len(view.items) > 1 for view in expected.values())
    assert any(view.shipment is None for view in expected.values())
    assert any(view.shipment and len(view.shipment.events) > 1 for view in expected.values())
    assert expected["10012"].returned_skus and not expected["10003"].returned_skus
    statements = statements_on_the_driver(shop_engine)
    for number, view in expected.items():
        statements.clear()
        assert source.get_order(number) == view, number
        assert len([s for s in statements if s.startswith("SELECT")]) == (4 if view.shipment else 3), number


@pytest.mark.parametrize("number", ["99999", "", "1000", "' OR 1=1 --", "x" * 10_000])
def test_get_order_unknown_is_none(source: SqlOrderSource, number: str) -> None:
    assert source.get_order(number) is None


def test_customer_orders_newest_first(source: SqlOrderSource) -> None:
    assert [o.number for o in source.customer_orders(1)] == ["10001", "10002", "10012"]
    assert source.customer_orders(999) == []


def test_a_customers_orders_are_read_whole_in_one_statement(source: SqlOrderSource, shop_engine: Engine) -> None:
    """customer_orders joins as get_order does: what it reads is what the loads relationship by
    relationship read, in the same order, for every demo customer (one with a returned order too)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from knowledge_base.shop import models
    from knowledge_base.shop.mapping import order_view
    from knowledge_base.shop.sql_source import _ORDER_LOADS

    source.start_return("10012", NOW, reason=None, skus=["sc-500"])
    with Session(shop_engine) as session:
        customers = list(session.scalars(select(models.Customer.id)))
        expected = {customer: [order_view(order) for order in session.scalars(
            select(models.Order).where(models.Order.customer_id == customer)
            .order_by(models.Order.placed_at.desc(), models.Order.number.desc()).options(*_ORDER_LOADS))]
            for customer in customers}
    assert len(customers) >= 5 and any(len(views) > 1 for views in expected.values())
    assert_read_in_one_statement(shop_engine, source.customer_orders, expected)


def assert_read_in_one_statement(engine: Engine, read: Callable[[_K], _V], expected: dict[_K, _V]) -> None:
    statements = statements_on_the_driver(engine)
    for key, value in expected.items():
        statements.clear()
        assert read(key) == value, key
        assert len([s for s in statements if s.startswith("SELECT")]) == 1, key


def statements_on_the_driver(engine: Engine) -> list[str]:
    """The SELECTs and others sqlite3 runs from now on: also those run on its cursor, not through
    SQLAlchemy's (prepared.py), which SQLAlchemy's cursor events do not see."""
    statements: list[str] = []
    engine.dispose()
    event.listen(engine, "connect", lambda dbapi, _: dbapi.set_trace_callback(statements.append))
    return statements


@pytest.mark.parametrize(
    "criteria",
    [{"email": "anna.schmidt@example.com"}, {"email": " ANNA.SCHMIDT@example.com "},
     {"phone": "+49 151 23456789"}, {"phone": "0151 2345 6789"}, {"customer_id": 1},
     {"email": "anna.schmidt@example.com", "phone": "015123456789"}],
)
def test_find_customer(source: SqlOrderSource, criteria: dict[str, object]) -> None:
    customer = source.find_customer(**criteria)  # type: ignore[arg-type]
    assert customer is not None and customer.name == "Anna Schmidt"


@pytest.mark.parametrize(
    "criteria",
    [{}, {"email": ""}, {"phone": ""}, {"email": "nobody@example.com"}, {"phone": "456789"},
     {"email": "anna.schmidt@example.com", "phone": "+44 7700 900123"}, {"customer_id": 999},
     {"email": "%"}, {"phone": "%%%%%%"}],
)
def test_find_customer_without_a_full_match_is_none(source: SqlOrderSource, criteria: dict[str, object]) -> None:
    assert source.find_customer(**criteria) is None  # type: ignore[arg-type]


def test_cancel_order_before_shipping(source: SqlOrderSource) -> None:
    cancelled = source.cancel_order("10001", NOW)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at == NOW
    assert source.get_order("10001") == cancelled
    hoodie = source.search_products("Classic Cotton Hoodie", limit=1)[0]
    assert hoodie.stock == 35  # the cancelled hoodie went back on the shelf


@pytest.mark.parametrize(("number", "reason"), [("10002", "already_shipped"), ("10006", "already_cancelled"),
                                                 ("10003", "delivered"), ("10007", "returned")])
def test_refused_cancel_changes_nothing(source: SqlOrderSource, shop_engine: Engine, number: str,
                                        reason: str) -> None:
    before = snapshot(shop_engine)
    with pytest.raises(RequestRefused) as refused:
        source.cancel_order(number, NOW)
    assert refused.value.reason == reason
    assert snapshot(shop_engine) == before


def test_mutations_of_an_unknown_order_raise_order_not_found(source: SqlOrderSource) -> None:
    with pytest.raises(OrderNotFound):
        source.cancel_order("99999", NOW)
    with pytest.raises(OrderNotFound):
        source.change_address("99999", Address("Hauptstr. 5", "10115", "Berlin"))
    with pytest.raises(OrderNotFound):
        source.start_return("99999", NOW)


def test_change_address_keeps_the_country_when_none_is_given(source: SqlOrderSource) -> None:
    changed = source.change_address("10001", Address("Torstr. 1", "10119", "Berlin"))
    assert changed.shipping_address == Address("Torstr. 1", "10119", "Berlin", "Germany")
    assert source.get_order("10001") == changed


def test_change_address_refused_after_shipping(source: SqlOrderSource, shop_engine: Engine) -> None:
    before = snapshot(shop_engine)
    with pytest.raises(RequestRefused) as refused:
        source.change_address("10002", Address("Torstr. 1", "10119", "Berlin"))
    assert refused.value.reason == "already_shipped"
    assert snapshot(shop_engine) == before


@pytest.mark.parametrize(
    "address",
    [Address("", "10119", "Berlin"), Address("Torstr. 1", "10119", "x" * 101),
     Address("Torstr.\x00 1", "10119", "Berlin"), Address("Torstr. 1", "10119", "Berlin", "G\x07")],
)
def test_change_address_refuses_a_hand_built_bad_address(source: SqlOrderSource, shop_engine: Engine,
                                                         address: Address) -> None:
    before = snapshot(shop_engine)
    with pytest.raises(RequestRefused) as refused:
        source.change_address("10001", address)
    assert refused.value.reason == "invalid_address"
    assert snapshot(shop_engine) == before


def test_start_return_of_the_whole_order(source: SqlOrderSource) -> None:
    created = source.start_return("10012", NOW, reason="  doesn't fit\x00 ")
    assert created.number == "R-20003"
    assert (created.status, created.refund_status, created.refund_amount, created.reason) == (
        "requested", "pending", Decimal("79.80"), "doesn't fit")
    assert [item.sku for item in created.items] == ["HD-100", "SC-500"]
    assert source.returns_for_order("10012") == [created]
    assert source.get_order("10012").returned_skus == ("HD-100", "SC-500")


def test_start_return_of_some_items_then_the_rest(source: SqlOrderSource) -> None:
    first = source.start_return("10012", NOW, reason=None, skus=["sc-500"])
    assert [item.sku for item in first.items] == ["SC-500"] and first.refund_amount == Decimal("29.90")
    second = source.start_return("10012", NOW)
    assert [item.sku for item in second.items] == ["HD-100"] and second.number == "R-20004"
    with pytest.raises(RequestRefused) as refused:
        source.start_return("10012", NOW)
    assert refused.value.reason == "already_returned"


@pytest.mark.parametrize(
    ("number", "skus", "reason"),
    [("10004", None, "window_closed"), ("10002", None, "not_delivered_yet"), ("10006", None, "cancelled"),
     ("10007", None, "already_returned"), ("10008", None, "already_returned"),
     ("10012", ["XX-1"], "unknown_items")],
)
def test_refused_return_changes_nothing(source: SqlOrderSource, shop_engine: Engine, number: str,
                                        skus: list[str] | None, reason: str) -> None:
    before = snapshot(shop_engine)
    with pytest.raises(RequestRefused) as refused:
        source.start_return(number, NOW, reason="no longer needed", skus=skus)
    assert refused.value.reason == reason
    assert snapshot(shop_engine) == before


def test_returning_an_item_already_returned_is_refused(source: SqlOrderSource) -> None:
    source.start_return("10012", NOW, skus=["HD-100"])
    with pytest.raises(RequestRefused) as refused:
        source.start_return("10012", NOW, skus=["HD-100", "SC-500"])
    assert refused.value.reason == "already_returned" and refused.value.decision.details == {"skus": ("HD-100",)}


def test_returns_and_refunds_of_the_demo_orders(source: SqlOrderSource) -> None:
    [refunded] = source.returns_for_order("10007")
    assert (refunded.number, refunded.status, refunded.refund_status) == ("R-20001", "refunded", "issued")
    assert refunded.refunded_at is not None and refunded.refund_amount == Decimal("54.90")
    [pending] = source.returns_for_order("10008")
    assert (pending.number, pending.status, pending.refund_status, pending.refunded_at) == (
        "R-20002", "received", "pending", None)
    assert source.returns_for_order("10001") == source.returns_for_order("99999") == []


def test_invoices_only_for_paid_orders(source: SqlOrderSource) -> None:
    invoice = source.invoice_for_order("10012")
    assert invoice is not None
    assert invoice.number == "INV-2026-10012" and invoice.amount == Decimal("79.80")
    assert invoice.url == "https://shop.example/invoices/INV-2026-10012.pdf"  # no link secret: the shop's site checks
    assert invoice.url_expires is None
    assert source.invoice_for_order("10005") is None  # pending: not paid yet
    assert source.invoice_for_order("10006") is None  # cancelled before payment
    assert source.invoice_for_order("99999") is None


def test_with_a_link_secret_invoice_links_are_signed_and_expire(shop_engine: Engine) -> None:
    settings = ShopSettings(database_url=str(shop_engine.url), shop_url="https://shop.example", link_secret="s" * 32,
                            invoice_link_hours=2)
    before = int(time.time())
    invoice = SqlOrderSource(shop_engine, settings).get_invoice("INV-2026-10012")
    assert invoice is not None and invoice.order_number == "10012"
    url = urlsplit(invoice.url)
    query = parse_qs(url.query)
    assert (url.scheme, url.netloc, url.path) == ("https", "shop.example", "/invoices/INV-2026-10012.pdf")
    assert before + 2 * 3600 <= int(query["expires"][0]) <= time.time() + 2 * 3600
    assert is_valid("s" * 32, url.path, query["expires"][0], query["signature"][0], time.time())
    # The bot tells the shopper when: the view carries the link's own expiry.
    assert invoice.url_expires is not None and int(invoice.url_expires.timestamp()) == int(query["expires"][0])


def test_get_invoice_and_product_by_their_number(source: SqlOrderSource) -> None:
    assert source.get_invoice("INV-2026-10001") is not None
    assert source.get_invoice("INV-2026-10005") is None and source.get_invoice("x" * 10_000) is None
    product = source.get_product("SH-600")
    assert product is not None and product.name == "Trail Running Shoes"
    assert source.get_product("NOPE-1") is None and source.get_product("x" * 10_000) is None


def test_search_products_through_the_source(source: SqlOrderSource) -> None:
    [first, *_] = source.search_products("hoodie")
    assert first.name == "Classic Cotton Hoodie" and first.url == "https://shop.example/products/HD-100"
    assert source.search_products("") == source.search_products("zzzzqqq") == []


@pytest.mark.parametrize("code", ["WELCOME10", "welcome10", " Welcome10 "])
def test_get_promo_is_case_insensitive(source: SqlOrderSource, code: str) -> None:
    promo = source.get_promo(code)
    assert promo is not None and promo.code == "WELCOME10" and promo.value == Decimal(10)


@pytest.mark.parametrize("code", ["", "NOPE", "x" * 1000, "'; DROP TABLE shop_promo_codes; --"])
def test_get_promo_unknown_is_none(source: SqlOrderSource, code: str) -> None:
    assert source.get_promo(code) is None


def test_first_promo_is_the_first_code_the_shop_knows_read_in_one_statement(source: SqlOrderSource,
                                                                           shop_engine: Engine) -> None:
    """The bot tries every word of a message that could be a code: one statement for all of them."""
    words = ["please", "check", "vip20", "and", "WELCOME10"]
    found = source.first_promo(words)
    assert found is not None and found[0] == "vip20" and found[1] == source.get_promo("VIP20")
    assert_read_in_one_statement(shop_engine, source.first_promo, {
        ("NOPE", " welcome10 ", "FREESHIP"): (" welcome10 ", source.get_promo("WELCOME10")),
        ("x" * 1000, "FREESHIP"): ("FREESHIP", source.get_promo("FREESHIP")),
        ("NOPE", "'; DROP TABLE shop_promo_codes; --"): None,
    })
    assert source.first_promo([]) is None and source.first_promo(["", "x" * 41]) is None


def test_first_promo_reads_12_codes_a_statement_as_one_expanding_in_read_them(source: SqlOrderSource,
                                                                          shop_engine: Engine) -> None:
    """The codes go 12 to a statement, padded with the first: the answer of the one expanding IN
    it replaces, for lists of every length up to 30, with repeats, unknown and known codes anywhere."""
    import random

    from sqlalchemy import bindparam, select

    from knowledge_base.shop import models
    from knowledge_base.shop.mapping import promo_view

    promos = models.PromoCode.__table__
    expanding = select(promos).where(promos.c.code.in_(bindparam("codes", expanding=True)))

    def by_expanding_in(codes: list[str]) -> tuple[str, object] | None:
        normalized = [code.strip().upper() for code in codes]
        with shop_engine.connect() as connection:
            rows = {row.code: row for row in connection.execute(expanding, {"codes": [c for c in normalized if c]})}
        return next(((given, promo_view(rows[code], "EUR")) for given, code in zip(codes, normalized) if code in rows), None)

    pool = ["nope", "please", "check", "vip20", "WELCOME10", "freeship", "SUMMER25", "code", "x1", "again"]
    rng = random.Random(11)
    for length in range(1, 31):
        for _ in range(4):
            codes = [rng.choice(pool) for _ in range(length)]
            assert source.first_promo(codes) == by_expanding_in(codes), codes
    statements = statements_on_the_driver(shop_engine)
    assert source.first_promo(["nope"] * 12 + ["vip20"]) == ("vip20", source.get_promo("VIP20"))
    assert len([s for s in statements if s.startswith("SELECT")]) == 3  # two for the 13 codes, one for get_promo


def test_fixed_and_tier_promos_read_back(source: SqlOrderSource) -> None:
    freeship, vip20 = source.get_promo("FREESHIP"), source.get_promo("VIP20")
    assert freeship is not None and (freeship.kind, freeship.value, freeship.min_spend) == (
        "fixed", Decimal("4.95"), Decimal("50.00"))
    assert vip20 is not None and vip20.eligible_tiers == ("vip",)


def test_promos_products_and_customers_read_as_rows_are_the_orms_views(source: SqlOrderSource,
                                                                      shop_engine: Engine) -> None:
    """first_promo, search_products and find_customer read Core rows of their tables: every promo,
    product and customer gives the view mapping gives of the ORM's row."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from knowledge_base.shop import models
    from knowledge_base.shop.mapping import customer_view, product_view, promo_view

    with Session(shop_engine) as session:
        promos = [promo_view(row, "EUR") for row in session.scalars(select(models.PromoCode))]
        products = {row.sku: product_view(row, "EUR", "https://shop.example")
                    for row in session.scalars(select(models.Product))}
        customers = [customer_view(row) for row in session.scalars(select(models.Customer))]
    assert len(promos) >= 3 and len(products) >= 5 and len(customers) >= 3
    assert any(promo.valid_until for promo in promos) and any(promo.min_spend for promo in promos)
    assert any(product.attributes for product in products.values())
    for promo in promos:
        assert source.first_promo(["nope", promo.code.lower()]) == (promo.code.lower(), promo)
    for product in products.values():
        assert products[product.sku] in source.search_products(product.name, limit=len(products))
    for customer in customers:
        assert source.find_customer(email=customer.email) == customer
        assert source.find_customer(customer_id=customer.id) == customer
        if customer.phone:
            assert source.find_customer(phone=customer.phone) == customer
