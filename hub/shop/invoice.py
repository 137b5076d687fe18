"""The demo shop's invoice as a one- or more-page PDF (hub/shop/pdf.py): seller, customer and
delivery address, the order's lines, shipping, the total and the VAT it includes."""

from __future__ import annotations

from decimal import Decimal

from hub.shop.pdf import A4, Page, document
from knowledge_base.shop.views import InvoiceView, OrderView

SELLER = ("Trailhead Supply GmbH (ShopDesk demo shop)", "Lagerstrasse 12, 34117 Kassel, Germany",
          "VAT ID DE000000000 (demo)")
VAT_RATE = Decimal("0.19")  # German VAT; the demo shop's prices include it
LEFT, RIGHT, TOP, BOTTOM = 56.0, A4[0] - 56.0, A4[1] - 60.0, 80.0
LINE = 15.0


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def invoice_pdf(invoice: InvoiceView, order: OrderView) -> bytes:
    pages = [Page()]
    y = _header(pages[0], invoice, order)
    y = _columns(pages[0], y)
    for item in order.items:
        if y < BOTTOM + 4 * LINE:
            pages.append(Page())
            y = _columns(pages[-1], TOP)
        label = item.name + "".join(f", {part}" for part in (item.colour, f"size {item.size}" if item.size else None) if part)
        pages[-1].text(LEFT, y, str(item.quantity))
        pages[-1].text(LEFT + 40, y, label[:70])
        pages[-1].text_right(RIGHT - 110, y, money(item.unit_price, order.currency))
        pages[-1].text_right(RIGHT, y, money(item.unit_price * item.quantity, order.currency))
        y -= LINE
    _totals(pages[-1], y, invoice, order)
    for number, page in enumerate(pages, start=1):
        page.text(LEFT, 40, f"Invoice {invoice.number} - page {number} of {len(pages)}", size=8)
    return document(pages, f"Invoice {invoice.number}")


def _header(page: Page, invoice: InvoiceView, order: OrderView) -> float:
    page.text(LEFT, TOP, SELLER[0], size=13, bold=True)
    for n, line in enumerate(SELLER[1:], start=1):
        page.text(LEFT, TOP - n * 13, line, size=9)
    page.text(LEFT, TOP - 70, f"Invoice {invoice.number}", size=18, bold=True)
    facts = [("Invoice date", f"{invoice.issued_at:%d %b %Y}"), ("Order", f"#{order.number}"),
             ("Order date", f"{order.placed_at:%d %b %Y}")]
    for n, (name, value) in enumerate(facts):
        page.text(RIGHT - 170, TOP - 100 - n * LINE, name, size=9)
        page.text_right(RIGHT, TOP - 100 - n * LINE, value, size=9)
    page.text(LEFT, TOP - 100, "Bill to", size=9, bold=True)
    page.text(LEFT, TOP - 100 - LINE, order.customer.name)
    page.text(LEFT, TOP - 100 - 2 * LINE, order.customer.email, size=9)
    address = order.shipping_address
    page.text(LEFT, TOP - 100 - 3.5 * LINE, "Deliver to", size=9, bold=True)
    page.text(LEFT, TOP - 100 - 4.5 * LINE, order.recipient)
    page.text(LEFT, TOP - 100 - 5.5 * LINE, address.street)
    page.text(LEFT, TOP - 100 - 6.5 * LINE, " ".join(p for p in (address.postcode, address.city, address.country or "") if p))
    return TOP - 100 - 9 * LINE


def _columns(page: Page, y: float) -> float:
    for x, title, right in ((LEFT, "Qty", False), (LEFT + 40, "Item", False), (RIGHT - 110, "Unit price", True),
                            (RIGHT, "Amount", True)):
        (page.text_right if right else page.text)(x, y, title, 9, True)
    page.rule(LEFT, y - 5, RIGHT, y - 5)
    return y - LINE - 4


def _totals(page: Page, y: float, invoice: InvoiceView, order: OrderView) -> None:
    items = sum((item.unit_price * item.quantity for item in order.items), Decimal(0))
    page.rule(LEFT, y + 8, RIGHT, y + 8)
    rows = [("Items", money(items, invoice.currency))]
    shipping = invoice.amount - items
    if shipping > 0:
        rows.append(("Shipping", money(shipping, invoice.currency)))
    rows.append(("Total", money(invoice.amount, invoice.currency)))
    vat = (invoice.amount * VAT_RATE / (1 + VAT_RATE)).quantize(Decimal("0.01"))
    rows.append((f"of which VAT {VAT_RATE * 100:.0f}%", money(vat, invoice.currency)))
    for n, (name, value) in enumerate(rows):
        bold = name == "Total"
        page.text(RIGHT - 200, y - n * LINE, name, bold=bold)
        page.text_right(RIGHT, y - n * LINE, value, bold=bold)
    page.text(LEFT, y - (len(rows) + 1.5) * LINE, "Thank you for your order. Paid in full.", size=9)
