"""Settings of the shop data, read from the environment once and passed into factories."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _default_database_url() -> str:
    return f"sqlite:///{REPO_ROOT / 'var' / 'shop.db'}"


@dataclass(frozen=True)
class ShopSettings:
    database_url: str = field(default_factory=_default_database_url)
    return_window_days: int = 30
    currency: str = "EUR"
    shop_url: str = "http://127.0.0.1:8000"
    # Signs the invoice links the bot hands out (knowledge_base/shop/links.py); unset, links are plain
    # (for a shop whose own site checks who may download an invoice).
    link_secret: str | None = None
    invoice_link_hours: int = 24

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ShopSettings:
        """SHOP_DATABASE_URL (default sqlite:///$SHOPDESK_VAR_DIR/shop.db), SHOPDESK_VAR_DIR
        (default <repo>/var), SHOP_RETURN_WINDOW_DAYS, SHOP_CURRENCY, SHOP_URL, SHOPDESK_LINK_SECRET,
        SHOP_INVOICE_LINK_HOURS."""
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("SHOPDESK_VAR_DIR") or REPO_ROOT / "var")
        window = env.get("SHOP_RETURN_WINDOW_DAYS", "30")
        if not window.isdigit():
            raise ValueError(f"SHOP_RETURN_WINDOW_DAYS must be a whole number of days, not {window!r}")
        link_hours = env.get("SHOP_INVOICE_LINK_HOURS", "24")
        if not link_hours.isdigit() or int(link_hours) == 0:
            raise ValueError(f"SHOP_INVOICE_LINK_HOURS must be a whole number of hours, not {link_hours!r}")
        return cls(
            database_url=env.get("SHOP_DATABASE_URL") or f"sqlite:///{var_dir / 'shop.db'}",
            return_window_days=int(window),
            currency=env.get("SHOP_CURRENCY") or "EUR",
            shop_url=(env.get("SHOP_URL") or "http://127.0.0.1:8000").rstrip("/"),
            link_secret=env.get("SHOPDESK_LINK_SECRET") or None,
            invoice_link_hours=int(link_hours),
        )
