"""The order source interface: the only way actions reach the shop's data.

The demo shop implements it over SQLAlchemy (knowledge_base.shop.sql_source); a real shop
platform can plug in by implementing the same Protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from knowledge_base.shop.views import (
    Address,
    CustomerView,
    InvoiceView,
    OrderView,
    ProductView,
    PromoView,
    ReturnView,
)


class OrderSource(Protocol):
    """Reads return views or None/empty lists; mutations return the updated view and raise
    rules.OrderNotFound for an unknown order or rules.RequestRefused (changing nothing)."""

    def get_order(self, number: str) -> OrderView | None: ...

    def customer_orders(self, customer_id: int) -> list[OrderView]: ...

    def find_customer(
        self, email: str | None = None, phone: str | None = None, customer_id: int | None = None
    ) -> CustomerView | None: ...

    def cancel_order(self, number: str, now: datetime) -> OrderView: ...

    def change_address(self, number: str, address: Address) -> OrderView: ...

    def start_return(
        self, number: str, now: datetime, reason: str | None = None, skus: list[str] | None = None
    ) -> ReturnView: ...

    def returns_for_order(self, number: str) -> list[ReturnView]: ...

    def invoice_for_order(self, number: str) -> InvoiceView | None: ...

    def get_invoice(self, number: str) -> InvoiceView | None: ...

    def search_products(self, query: str, limit: int = 3) -> list[ProductView]: ...

    def get_product(self, sku: str) -> ProductView | None: ...

    def get_promo(self, code: str) -> PromoView | None: ...

    def first_promo(self, codes: Sequence[str]) -> tuple[str, PromoView] | None:
        """The first of `codes` (in their order) the shop knows, as given, with its promo."""
        ...
