"""What a shopper's message names, for the hot topics' spikes: products of the shop's catalog (by
name or SKU) and parcel carriers, matched as whole words regardless of case (docs/METRICS.md).

The catalog is the one the hub ships with (knowledge_base/shop/demo_catalog.py); the carriers are
the demo shop's (DHL, UPS, GLS) and the other large European and US ones.
"""

from __future__ import annotations

import functools
import re

from handoff.summary_models import CARRIER, PRODUCT
from knowledge_base.shop.demo_catalog import PRODUCTS

CARRIERS = ("DHL", "UPS", "GLS", "DPD", "Hermes", "FedEx", "USPS", "Royal Mail", "PostNL", "Colissimo", "Evri")


@functools.cache
def _patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    named: list[tuple[str, str, list[str]]] = [(PRODUCT, str(name), [str(name), str(sku)]) for sku, name, *_rest in PRODUCTS]
    named += [(CARRIER, carrier, [carrier]) for carrier in CARRIERS]
    return tuple((kind, value, re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE))
                 for kind, value, words in named)


def named_in(text: str | None) -> set[tuple[str, str]]:
    """(kind, name) of every product and carrier the text names."""
    if not text:
        return set()
    return {(kind, value) for kind, value, pattern in _patterns() if pattern.search(text)}
