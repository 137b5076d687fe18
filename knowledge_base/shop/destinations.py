"""Where the shop delivers: every EU country plus Switzerland, the United Kingdom and Norway
(as the help article "Which countries do you ship to?" says). Pure data and lookups, so the
bot can give a plain yes or no for a country a shopper names ("do you deliver to Brazil?").
"""

from __future__ import annotations

import re

_EU = (
    "Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czech Republic", "Denmark", "Estonia", "Finland",
    "France", "Germany", "Greece", "Hungary", "Ireland", "Italy", "Latvia", "Lithuania", "Luxembourg", "Malta",
    "Netherlands", "Poland", "Portugal", "Romania", "Slovakia", "Slovenia", "Spain", "Sweden",
)
_ALSO = ("Switzerland", "United Kingdom", "Norway")
SERVED = frozenset(_EU + _ALSO)
# Other names shoppers use for them.
_ALIASES = {
    "czechia": "Czech Republic", "holland": "Netherlands", "the netherlands": "Netherlands", "uk": "United Kingdom",
    "u.k.": "United Kingdom", "england": "United Kingdom", "scotland": "United Kingdom", "wales": "United Kingdom",
    "great britain": "United Kingdom", "britain": "United Kingdom", "deutschland": "Germany",
}
# Countries shoppers ask about that the shop does not deliver to (any name not served counts;
# these are the ones the bot recognises as countries).
_NOT_SERVED = (
    "USA", "United States", "America", "Canada", "Mexico", "Brazil", "Argentina", "Chile", "Colombia", "Peru",
    "Australia", "New Zealand", "Japan", "China", "South Korea", "Korea", "India", "Pakistan", "Indonesia",
    "Thailand", "Vietnam", "Philippines", "Malaysia", "Singapore", "Turkey", "Russia", "Ukraine", "Serbia",
    "Iceland", "Israel", "Egypt", "Morocco", "Nigeria", "Kenya", "South Africa", "Saudi Arabia", "Dubai",
    "United Arab Emirates", "UAE", "Qatar", "Hong Kong", "Taiwan",
)
_NOT_SERVED_ALIASES = {"us": "USA", "the us": "USA", "the states": "USA", "the usa": "USA", "u.s.": "USA"}


def _pattern(names: list[str]) -> re.Pattern[str]:
    ordered = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in ordered) + r")\b", re.IGNORECASE)


_SERVED_NAMES = _pattern([*SERVED, *_ALIASES])
_OTHER_NAMES = _pattern([*_NOT_SERVED, *_NOT_SERVED_ALIASES])
_ASKS_ABOUT_DELIVERY = re.compile(r"\b(?:ship\w*|deliver\w*|send\w*|post(?:age)?|order from|sent)\b", re.IGNORECASE)
# "US" only counts in capitals or after "the"/"to" ("send it to us" is not the country).
_US_WORD = re.compile(r"\b(?:to|the|in) (?:us|usa)\b|\bUSA?\b")


def unserved_destination(text: str) -> str | None:
    """The country a delivery question names that the shop does not ship to, if it names one."""
    if not _ASKS_ABOUT_DELIVERY.search(text or "") or _SERVED_NAMES.search(text):
        return None
    match = _OTHER_NAMES.search(text)
    if match is None:
        return None
    name = match.group(1)
    if name.lower() in ("us", "the us") and not _US_WORD.search(text):
        return None
    canonical = _NOT_SERVED_ALIASES.get(name.lower()) or next(n for n in _NOT_SERVED if n.lower() == name.lower())
    return "the USA" if canonical in ("USA", "United States", "America") else canonical


def served_destination(text: str) -> str | None:
    """The served country a message names, in the shop's spelling."""
    match = _SERVED_NAMES.search(text or "")
    if match is None:
        return None
    name = match.group(1)
    return _ALIASES.get(name.lower()) or next(n for n in SERVED if n.lower() == name.lower())


# Return labels, as the returns article says: prepaid from Germany (DHL) and the rest of the EU
# (GLS); from Switzerland, the UK and Norway the shopper sends the parcel at their own cost.
_OUTSIDE_EU = frozenset(_ALSO)


def return_label_carrier(country: str | None) -> str | None:
    """The carrier of the prepaid return label for a parcel from `country`; None when the
    shopper sends it back at their own cost."""
    if country in _OUTSIDE_EU:
        return None
    return "DHL" if country in (None, "Germany") else "GLS"
