"""The demo shop's pages in a real hub on the seeded demo shop: product pages, and invoice PDFs
that open only from a signed, current link."""

from __future__ import annotations

import io
import re
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pypdf import PdfReader

from handoff.settings import HubSettings
from hub.app import create_app
from knowledge_base.shop.links import signed_url
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.sql_source import SqlOrderSource
from tests.handoff.hub_server import serve
from tests.knowledge_base.shop.shop_testing import seeded_engine

SECRET = "link-secret-" * 4


@pytest.fixture
async def shop_hub(tmp_path: Path, hub_settings: HubSettings) -> AsyncIterator[tuple[httpx.AsyncClient, SqlOrderSource]]:
    engine = seeded_engine(tmp_path / "shop.db")
    source = SqlOrderSource(engine, ShopSettings(database_url=str(engine.url), link_secret=SECRET))
    app = create_app(replace(hub_settings, link_secret=SECRET), shop=source, sweep=False)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        yield client, source
    engine.dispose()


def path_of(url: str) -> str:
    split = urlsplit(url)
    return f"{split.path}?{split.query}"


async def test_a_product_link_the_bot_gives_opens_its_page(shop_hub: tuple[httpx.AsyncClient, SqlOrderSource]) -> None:
    client, source = shop_hub
    (product, *_) = source.search_products("trail running shoes")
    page = await client.get(path_of(product.url))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Trail Running Shoes</h1>" in page.text and "119.00 EUR" in page.text and "44" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/widget.js"' in page.text and "<style" not in page.text
    assert re.search(r"\son\w+=", page.text) is None and page.text.count("<script") == 1


@pytest.mark.parametrize("sku", ["NOPE-1", "%3Cimg%20src=x%20onerror=alert(1)%3E", "x" * 5000])
async def test_an_unknown_product_is_a_friendly_404(shop_hub: tuple[httpx.AsyncClient, SqlOrderSource], sku: str) -> None:
    client, _ = shop_hub
    page = await client.get(f"/products/{sku}")
    assert page.status_code == 404 and "We could not find that product" in page.text and "<img" not in page.text


async def test_the_signed_invoice_link_opens_the_invoice_pdf(shop_hub: tuple[httpx.AsyncClient, SqlOrderSource]) -> None:
    client, source = shop_hub
    invoice = source.invoice_for_order("10012")
    assert invoice is not None
    response = await client.get(path_of(invoice.url))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store" and response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    for fact in ("Invoice INV-2026-10012", "#10012", "Anna Schmidt", "anna.schmidt@example.com", "79.80 EUR", "VAT 19%"):
        assert fact in text, fact
    order = source.get_order("10012")
    assert order is not None and all(item.name in text for item in order.items)


async def test_an_invoice_number_alone_or_an_altered_link_opens_nothing(
    shop_hub: tuple[httpx.AsyncClient, SqlOrderSource],
) -> None:
    client, source = shop_hub
    mine = source.invoice_for_order("10012")
    assert mine is not None
    query = parse_qs(urlsplit(mine.url).query)
    someone_elses = f"/invoices/INV-2026-10003.pdf?expires={query['expires'][0]}&signature={query['signature'][0]}"
    for path in ("/invoices/INV-2026-10012.pdf", someone_elses, path_of(mine.url) + "x", "/invoices/INV-2026-10012?"
                 + urlsplit(mine.url).query):
        refused = await client.get(path)
        assert refused.status_code == 403, path
        assert "Ask the chat for your invoice" in refused.text and "%PDF" not in refused.text


async def test_an_expired_link_says_so(shop_hub: tuple[httpx.AsyncClient, SqlOrderSource]) -> None:
    client, _ = shop_hub
    old = signed_url("", "/invoices/INV-2026-10012.pdf", SECRET, int(time.time()) - 60)
    refused = await client.get(old)
    assert refused.status_code == 410 and "expired" in refused.text


async def test_without_a_link_secret_no_invoice_opens(tmp_path: Path, hub_settings: HubSettings) -> None:
    engine = seeded_engine(tmp_path / "shop.db")
    source = SqlOrderSource(engine, ShopSettings(database_url=str(engine.url)))
    guessed = signed_url("", "/invoices/INV-2026-10012.pdf", "", int(time.time()) + 60)
    async with serve(create_app(hub_settings, shop=source, sweep=False)) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get(guessed)).status_code == 403
        assert (await client.get("/invoices/INV-2026-10012.pdf")).status_code == 403
    engine.dispose()
