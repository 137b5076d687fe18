"""The demo shop's pages the bot links to (SHOP_URL defaults to the hub): a product page for each
article and the invoice PDF. An invoice opens only from a link the action server signed after the
shopper proved the order was theirs (knowledge_base/shop/links.py), and only until it expires;
invoice numbers alone open nothing. A real shop sets SHOP_URL to its own site instead."""

from __future__ import annotations

import asyncio
import html
import time
from typing import Any, Protocol, runtime_checkable

from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, raw
from sanic.response import html as html_response

from hub.shop.invoice import invoice_pdf
from knowledge_base.shop.links import is_expired, is_valid

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - Trailhead Supply</title>
  <link rel="stylesheet" href="/demo.css">
</head>
<body>
  <header><a class="brand" href="/">Trailhead Supply</a></header>
  <main>
{body}
  </main>
  <footer>Demo data only. Orders, customers and products are listed in knowledge_base/shop/DEMO_DATA.md.</footer>
  <script src="/widget.js" data-title="Trailhead Supply support" async></script>
</body>
</html>
"""
_NOT_FOUND = '    <h1>We could not find that product</h1>\n    <p><a href="/">See everything we sell</a></p>'
_EXPIRED = "For your privacy, invoice links work for a limited time. Ask the chat for your invoice again."
_NOT_SIGNED = "Invoices open only from the link our chat sends you. Ask the chat for your invoice."
# The signed link is the permission: it must not travel on in a Referer, nor stay in a cache.
_INVOICE_HEADERS = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


@runtime_checkable
class Catalogue(Protocol):
    """What the pages read from the shop (knowledge_base.shop's OrderSource has it)."""

    def get_product(self, sku: str) -> Any: ...

    def get_invoice(self, number: str) -> Any: ...

    def get_order(self, number: str) -> Any: ...


def install_shop_pages(app: Sanic[Any, Any], shop: object, link_secret: str | None) -> None:
    """Serves the pages when the hub reads a shop that has them (the demo shop by default)."""
    if not isinstance(shop, Catalogue):
        return
    pages = Blueprint("shop_pages")
    pages.add_route(_product_route(shop), "/products/<sku:str>", methods=["GET"], name="product")
    pages.add_route(_invoice_route(shop, link_secret or ""), "/invoices/<name:str>", methods=["GET"], name="invoice")
    app.blueprint(pages)


def page(title: str, body: str, status: int = 200) -> HTTPResponse:
    return html_response(_PAGE.format(title=html.escape(title), body=body), status=status)


def _product_route(shop: Catalogue):  # type: ignore[no-untyped-def]
    async def product_page(request: Request, sku: str) -> HTTPResponse:
        product = await asyncio.to_thread(shop.get_product, sku.upper())
        if product is None:
            return page("Not found", _NOT_FOUND, 404)
        return page(product.name, _product_body(product))

    return product_page


def _product_body(product: Any) -> str:
    e = html.escape
    stock = "Out of stock" if product.stock <= 0 else (f"Only {product.stock} left" if product.low_stock else "In stock")
    details = "".join(f"<dt>{e(name.capitalize())}</dt><dd>{e(', '.join(values))}</dd>" for name, values in product.attributes)
    return (f'    <article class="product">\n      <p class="category">{e(product.category.capitalize())}</p>\n'
            f"      <h1>{e(product.name)}</h1>\n      <p class=\"price\">{product.price:.2f} {e(product.currency)}</p>\n"
            f'      <p class="stock">{e(stock)}</p>\n      <p>{e(product.description)}</p>\n'
            f"      <dl>{details}</dl>\n      <p class=\"sku\">Article {e(product.sku)}</p>\n    </article>")


def _invoice_route(shop: Catalogue, secret: str):  # type: ignore[no-untyped-def]
    async def invoice(request: Request, name: str) -> HTTPResponse:
        number = name.removesuffix(".pdf")
        expires, given = request.args.get("expires"), request.args.get("signature")
        if not name.endswith(".pdf") or not is_valid(secret, f"/invoices/{name}", expires, given, time.time()):
            if is_expired(expires, time.time()):
                return _refused("This invoice link has expired", _EXPIRED, 410)
            return _refused("This invoice link is not valid", _NOT_SIGNED, 403)
        found = await asyncio.to_thread(shop.get_invoice, number)
        order = await asyncio.to_thread(shop.get_order, found.order_number) if found is not None else None
        if found is None or order is None:
            return _refused("No such invoice", "This invoice does not exist (any more). Ask the chat for help.", 404)
        body = await asyncio.to_thread(invoice_pdf, found, order)
        headers = {**_INVOICE_HEADERS, "Content-Disposition": f'inline; filename="{number}.pdf"'}
        return raw(body, content_type="application/pdf", headers=headers)

    return invoice


def _refused(title: str, why: str, status: int) -> HTTPResponse:
    response = page(title, f"    <h1>{html.escape(title)}</h1>\n    <p>{html.escape(why)}</p>", status)
    response.headers.update(_INVOICE_HEADERS)
    return response
