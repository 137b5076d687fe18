"""The demo seed: deterministic given "now", and every order in the state DEMO_DATA.md promises."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from knowledge_base.shop import demo_catalog, rules
from knowledge_base.shop.seed import ORDERS, main
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.sql_source import SqlOrderSource, create_shop_engine
from tests.knowledge_base.shop.shop_testing import NOW, seeded_engine, snapshot

DAY = timedelta(days=1)
WINDOW = ShopSettings().return_window_days


def test_same_now_gives_identical_data(tmp_path: Path) -> None:
    first, second = seeded_engine(tmp_path / "a.db"), seeded_engine(tmp_path / "b.db")
    assert snapshot(first) == snapshot(second)
    assert sum(len(rows) for rows in snapshot(first).values()) > 100


def test_dates_move_with_now(tmp_path: Path) -> None:
    early = SqlOrderSource(seeded_engine(tmp_path / "a.db", NOW))
    later = SqlOrderSource(seeded_engine(tmp_path / "b.db", NOW + 7 * DAY))
    for number in ("10001", "10003", "10010"):
        before, after = early.get_order(number), later.get_order(number)
        assert before is not None and after is not None
        assert after.placed_at - before.placed_at == 7 * DAY
        assert after.status == before.status


@pytest.mark.parametrize(
    ("number", "customer", "status", "cancel", "ret"),
    [
        ("10001", "Anna Schmidt", "paid", "ok", "not_delivered_yet"),
        ("10002", "Anna Schmidt", "shipped", "already_shipped", "not_delivered_yet"),
        ("10003", "Ben Carter", "delivered", "delivered", "ok"),
        ("10004", "Ben Carter", "delivered", "delivered", "window_closed"),
        ("10005", "Chloe Martin", "pending", "ok", "not_delivered_yet"),
        ("10006", "Chloe Martin", "cancelled", "already_cancelled", "cancelled"),
        ("10007", "Diego Alvarez", "returned", "returned", "already_returned"),
        ("10008", "Diego Alvarez", "delivered", "delivered", "already_returned"),
        ("10009", "Emma Novak", "packed", "ok", "not_delivered_yet"),
        ("10010", "Emma Novak", "shipped", "already_shipped", "not_delivered_yet"),
        ("10011", "Farid Haddad", "shipped", "already_shipped", "not_delivered_yet"),
        ("10012", "Anna Schmidt", "delivered", "delivered", "ok"),
        ("10013", "Grace Lee", "shipped", "already_shipped", "not_delivered_yet"),
        ("10014", "Ben Carter", "delivered", "delivered", "ok"),
    ],
)
def test_demo_orders_are_in_their_documented_state(
    source: SqlOrderSource, number: str, customer: str, status: str, cancel: str, ret: str
) -> None:
    order = source.get_order(number)
    assert order is not None
    assert (order.customer.name, order.status) == (customer, status)
    assert rules.cancellation_decision(order).reason == cancel
    assert rules.return_decision(order, NOW, WINDOW).reason == ret
    assert (source.invoice_for_order(number) is not None) == (order.paid_at is not None)


def test_demo_customers_contacts_and_tiers(source: SqlOrderSource) -> None:
    expected = {
        "anna.schmidt@example.com": ("+49 151 23456789", "regular"),
        "ben.carter@example.com": ("+44 7700 900123", "vip"),
        "chloe.martin@example.com": ("+33 6 12 34 56 78", "new"),
        "diego.alvarez@example.com": ("+34 612 345 678", "regular"),
        "emma.novak@example.com": ("+420 601 234 567", "regular"),
        "farid.haddad@example.com": (None, "vip"),
    }
    for email, (phone, tier) in expected.items():
        customer = source.find_customer(email=email)
        assert customer is not None and (customer.phone, customer.tier) == (phone, tier)


def test_10002_is_on_its_way_with_dhl(source: SqlOrderSource) -> None:
    shipment = source.get_order("10002").shipment
    assert shipment is not None and shipment.carrier == "DHL" and shipment.tracking_number
    assert shipment.tracking_number in shipment.tracking_url
    assert len(shipment.events) == 3 and shipment.shipped_at == NOW - 2 * DAY
    assert shipment.estimated_delivery == (NOW + DAY).date()
    assert rules.delivery_problem(shipment, NOW) is None


def test_10010_has_a_delivery_exception_and_is_overdue(source: SqlOrderSource) -> None:
    shipment = source.get_order("10010").shipment
    assert shipment is not None and shipment.carrier == "UPS"
    assert shipment.latest_event is not None
    assert shipment.latest_event.description == "Delivery exception: address not found"
    assert shipment.estimated_delivery is not None and shipment.estimated_delivery < NOW.date()
    assert rules.delivery_problem(shipment, NOW) == "exception"


def test_10011_ships_with_gls_and_10012_has_two_items(source: SqlOrderSource) -> None:
    assert source.get_order("10011").shipment.carrier == "GLS"
    assert len(source.get_order("10012").items) == 2


def test_refund_states_of_10007_and_10008(source: SqlOrderSource) -> None:
    assert [r.refund_status for r in source.returns_for_order("10007")] == ["issued"]
    assert source.returns_for_order("10007")[0].refunded_at == NOW - 2 * DAY
    assert [r.refund_status for r in source.returns_for_order("10008")] == ["pending"]


def test_catalogue_has_stock_variety(source: SqlOrderSource) -> None:
    everything = source.search_products("apparel shoes electronics accessories home bags", limit=100)
    assert len(everything) >= 20
    assert any(not p.in_stock for p in everything) and any(p.low_stock for p in everything)
    assert any(p.attribute("sizes") and p.attribute("colours") for p in everything)


@pytest.mark.parametrize(
    ("code", "reason"),
    [("WELCOME10", "ok"), ("SUMMER25", "expired"), ("FREESHIP", "ok"), ("VIP20", "tier_not_eligible"),
     ("AUTUMN15", "not_started"), ("FLASH5", "inactive")],
)
def test_demo_promo_codes(source: SqlOrderSource, code: str, reason: str) -> None:
    assert rules.promo_decision(source.get_promo(code), NOW).reason == reason


def test_command_line_recreates_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SHOPDESK_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SHOP_DATABASE_URL", raising=False)
    main(["--now", "2026-03-15T12:00:00"])
    engine = create_shop_engine(f"sqlite:///{tmp_path / 'var' / 'shop.db'}")
    SqlOrderSource(engine).cancel_order("10001", NOW)
    main(["--now", "2026-03-15T12:00:00+00:00"])
    assert SqlOrderSource(engine).get_order("10001").status == "paid"
    assert snapshot(engine) == snapshot(seeded_engine(tmp_path / "fresh.db"))
    assert "demo shop seeded" in capsys.readouterr().out


def test_demo_data_md_documents_every_order_customer_and_code() -> None:
    document = (Path(demo_catalog.__file__).parent / "DEMO_DATA.md").read_text(encoding="utf-8")
    for number, *_ in ORDERS:
        assert f"| {number} |" in document
    for _id, name, email, *_ in demo_catalog.CUSTOMERS:
        assert f"| {name} | {email} |" in document
    for promo in demo_catalog.promo_codes(NOW):
        assert f"| {promo.code} |" in document
    for sku, *_ in demo_catalog.PRODUCTS:
        assert f"| {sku} |" in document
