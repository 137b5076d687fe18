"""The shop data and help articles the actions read, built once on first use.

Nothing connects or reads files at import: `current()` builds the services from the environment
the first time an action needs them, and tests install their own with `use()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from actions.empathy import DEFAULT_ANNOYED_THRESHOLD, annoyed_threshold
from knowledge_base.faq import FaqIndex, FaqSettings, load_articles
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.source import OrderSource
from knowledge_base.shop.sql_source import SqlOrderSource, create_shop_engine

RASA_CONFIG = Path(__file__).resolve().parent.parent / "config.yml"


@dataclass
class Services:
    orders: OrderSource
    faq: FaqIndex
    shop: ShopSettings
    annoyed_threshold: float = DEFAULT_ANNOYED_THRESHOLD
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    def from_env(cls) -> Services:
        shop = ShopSettings.from_env()
        orders = SqlOrderSource(create_shop_engine(shop.database_url), settings=shop)
        faq = FaqIndex.build(load_articles(FaqSettings.from_env().articles_dir))
        threshold = annoyed_threshold(RASA_CONFIG)
        return cls(orders=orders, faq=faq, shop=shop, annoyed_threshold=threshold)


_current: Services | None = None


def current() -> Services:
    global _current  # noqa: PLW0603 (one process-wide set of services, built on first use)
    if _current is None:
        _current = Services.from_env()
    return _current


def use(services: Services | None) -> None:
    """Install the services actions use (tests); None goes back to building from the environment."""
    global _current  # noqa: PLW0603 (see current)
    _current = services
