"""The demo shop's orders are what its help articles promise: shipped only where the shop
delivers, by the carrier the delivery-times article names for the destination (or UPS for
express within the EU), from the warehouse it names, and in about the time it gives. The bot
quotes both, so a shopper must never read one thing in the article and another about an order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge_base.faq.articles import load_article
from knowledge_base.shop.demo_catalog import addresses
from knowledge_base.shop.destinations import SERVED, served_destination
from knowledge_base.shop.seed import ORDERS
from knowledge_base.shop.sql_source import SqlOrderSource

ARTICLES = Path(__file__).resolve().parents[3] / "knowledge_base" / "articles"
_ROW = re.compile(r"^\|\s*(?P<where>[^|]+?)\s*\|\s*(?P<carrier>[A-Z]+)\s*\|\s*(?P<low>\d+)–(?P<high>\d+) working days",
                  re.MULTILINE)
EXPRESS = ("UPS", 1, 2)  # the express delivery article: Germany next day, EU 1–2 working days


def delivery_table() -> dict[str, tuple[str, int, int]]:
    """The delivery-times article's table: destination row -> (carrier, fewest, most working days)."""
    body = load_article(ARTICLES / "shipping-times.md").body
    return {m["where"]: (m["carrier"], int(m["low"]), int(m["high"])) for m in _ROW.finditer(body)}


def row_for(country: str) -> str:
    if country == "Germany":
        return "Germany"
    return "Switzerland, UK, Norway" if country in ("Switzerland", "United Kingdom", "Norway") else "Other EU countries"


def test_the_article_table_is_read() -> None:
    assert set(delivery_table()) == {"Germany", "Other EU countries", "Switzerland, UK, Norway"}


@pytest.mark.parametrize("number", [number for number, *_ in ORDERS])
def test_every_order_ships_where_and_how_the_articles_say(source: SqlOrderSource, number: str) -> None:
    order = source.get_order(number)
    assert order is not None
    country = order.shipping_address.country
    assert country is not None and country in SERVED and served_destination(country) == country
    shipment = order.shipment
    if shipment is None:
        return
    carrier, low, high = delivery_table()[row_for(country)]
    express = shipment.carrier != carrier
    if express:
        assert country not in ("Switzerland", "United Kingdom", "Norway"), "no express outside the EU"
        carrier, low, high = EXPRESS
    assert shipment.carrier == carrier
    assert shipment.events[0].location.startswith("Kassel"), "every parcel leaves the Kassel warehouse"
    arrives = shipment.delivered_at.date() if shipment.delivered_at else shipment.estimated_delivery
    assert arrives is not None
    days = (arrives - shipment.shipped_at.date()).days
    # Working days in calendar days: a weekend may fall in between.
    assert low <= days <= high + 2 * (high // 5 + 1), f"{number}: {days} days by {shipment.carrier}"


def test_every_customer_lives_where_the_shop_delivers() -> None:
    assert {country for *_, country in addresses().values()} <= SERVED
