"""A contact's tier and rule tags, from what we know of them: pure functions over `Facts` and the
rules a shop configures (checked here, so a bad rule is refused when it is saved, never applied).

Tier rules are tried in order and the first whose conditions all hold gives the tier; the last
rule should have no condition. Tag rules each add their tag when their fact reaches the bound.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from handoff.errors import BadInput

TIERS = ("vip", "regular", "new", "at_risk")
TAG_FACTS = ("order_count", "lifetime_value", "days_since_last_order", "tickets", "complaints", "low_ratings", "channels")
_TIER_CONDITIONS = ("shop_tier", "min_orders", "max_orders", "min_lifetime_value", "min_days_since_order",
                    "max_days_since_order")
MAX_RULES = 30
MAX_BOUND = 10**9

DEFAULT_TIER_RULES: tuple[dict[str, Any], ...] = (
    {"tier": "vip", "shop_tier": "vip"},
    {"tier": "vip", "min_lifetime_value": 1000},
    {"tier": "at_risk", "min_orders": 2, "min_days_since_order": 180},
    {"tier": "regular", "min_orders": 2},
    {"tier": "new"},
)
DEFAULT_TAG_RULES: tuple[dict[str, Any], ...] = (
    {"tag": "complained-before", "fact": "complaints", "at_least": 1},
    {"tag": "unhappy", "fact": "low_ratings", "at_least": 1},
    {"tag": "multi-channel", "fact": "channels", "at_least": 2},
    {"tag": "big-spender", "fact": "lifetime_value", "at_least": 500},
    {"tag": "frequent-contact", "fact": "tickets", "at_least": 3},
)


@dataclass(frozen=True)
class Facts:
    order_count: int = 0
    lifetime_value: float = 0.0  # in the shop's currency
    days_since_last_order: int | None = None
    shop_tier: str | None = None
    tickets: int = 0
    complaints: int = 0  # tickets handed off as a complaint
    low_ratings: int = 0  # ratings of 1 or 2
    channels: int = 0

    def value(self, fact: str) -> float | None:
        found = getattr(self, fact)
        return None if found is None else float(found)


def tier_for(facts: Facts, rules: Sequence[Mapping[str, Any]] = DEFAULT_TIER_RULES) -> str:
    for rule in rules:
        if _holds(rule, facts):
            return str(rule["tier"])
    return "new"


def _holds(rule: Mapping[str, Any], facts: Facts) -> bool:
    days = facts.days_since_last_order
    checks: dict[str, Callable[[Any], bool]] = {
        "shop_tier": lambda bound: bool(facts.shop_tier == bound),
        "min_orders": lambda bound: bool(facts.order_count >= bound),
        "max_orders": lambda bound: bool(facts.order_count <= bound),
        "min_lifetime_value": lambda bound: bool(facts.lifetime_value >= bound),
        "min_days_since_order": lambda bound: days is not None and bool(days >= bound),
        "max_days_since_order": lambda bound: days is not None and bool(days <= bound),
    }
    return all(check(rule[name]) for name, check in checks.items() if name in rule)


def rule_tags(facts: Facts, rules: Sequence[Mapping[str, Any]] = DEFAULT_TAG_RULES) -> set[str]:
    tags = set()
    for rule in rules:
        value = facts.value(rule["fact"])
        if value is None:
            continue
        if ("at_least" in rule and value < rule["at_least"]) or ("at_most" in rule and value > rule["at_most"]):
            continue
        tags.add(str(rule["tag"]))
    return tags


def checked_tier_rules(raw: object) -> list[dict[str, Any]]:
    rules = _rule_list(raw, "tier_rules")
    for rule in rules:
        _only(rule, {"tier", *_TIER_CONDITIONS}, "tier rule")
        if rule.get("tier") not in TIERS:
            raise BadInput(f"Each tier rule needs 'tier', one of {', '.join(TIERS)}.", "invalid_field")
        if "shop_tier" in rule and not (isinstance(rule["shop_tier"], str) and 0 < len(rule["shop_tier"]) <= 20):
            raise BadInput("'shop_tier' must be the shop's tier name.", "invalid_field")
        for name in _TIER_CONDITIONS[1:]:
            if name in rule:
                _bound(rule[name], name)
    if not rules or len(rules[-1]) != 1:
        raise BadInput("The last tier rule must have no condition (it is the tier of everyone else).", "invalid_field")
    return rules


def checked_tag_rules(raw: object) -> list[dict[str, Any]]:
    rules = _rule_list(raw, "tag_rules")
    for rule in rules:
        _only(rule, {"tag", "fact", "at_least", "at_most"}, "tag rule")
        rule["tag"] = clean_tag(rule.get("tag"))
        if rule.get("fact") not in TAG_FACTS:
            raise BadInput(f"Each tag rule needs 'fact', one of {', '.join(TAG_FACTS)}.", "invalid_field")
        if "at_least" not in rule and "at_most" not in rule:
            raise BadInput("A tag rule needs 'at_least' or 'at_most'.", "invalid_field")
        for name in ("at_least", "at_most"):
            if name in rule:
                _bound(rule[name], name)
    return rules


def clean_tag(raw: object) -> str:
    """1-40 letters, digits, spaces, '-' or '_', lower-cased (the labels' rule)."""
    if not isinstance(raw, str):
        raise BadInput("A tag must be text.", "invalid_field")
    tag = " ".join(raw.split()).lower()
    if not 0 < len(tag) <= 40 or not all(char.isalnum() or char in " -_" for char in tag):
        raise BadInput("A tag is 1-40 letters, digits, spaces, '-' or '_'.", "invalid_field")
    return tag


def _rule_list(raw: object, name: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) > MAX_RULES or not all(isinstance(rule, dict) for rule in raw):
        raise BadInput(f"'{name}' must be a list of at most {MAX_RULES} rules (objects).", "invalid_field")
    return [dict(rule) for rule in raw]


def _only(rule: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = set(rule) - allowed
    if unknown:
        raise BadInput(f"Unknown {what} field: {', '.join(sorted(unknown))}.", "invalid_field")


def _bound(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_BOUND:
        raise BadInput(f"'{name}' must be a number from 0 to {MAX_BOUND}.", "invalid_field")
