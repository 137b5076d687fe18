"""Reading what shoppers type: order numbers, contact details, postal addresses.

Pure functions, no database. Re-exported by rules.py, which is what actions import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, Protocol

from knowledge_base.shop.views import Address

MAX_ADDRESS_LENGTH = 200
MAX_CONTACT_LENGTH = 254
MAX_FREE_TEXT_LENGTH = 500
MIN_PHONE_DIGITS = 6

# A 5-digit order number, optionally written "#10042" or "SD-10042"; never part of a longer
# number, a decimal, a word or a dashed reference such as "R-20001" or "INV-2026-10042".
_ORDER_NUMBER = re.compile(r"(?<![\w-])(sd[-\s]?|#\s?)?(\d{5})(?!\d)(?![.,]\d)", re.IGNORECASE)
_ORDER_ATTEMPTS = (
    re.compile(r"#\s?[\w-]+"),
    re.compile(r"(?<![\w-])[a-z]{1,4}-?\d+\b", re.IGNORECASE),
    re.compile(r"(?<![\w.,+-])(\d{3,4}|\d{6,9})(?![\w])(?![.,]\d)"),
)
_EMAIL = re.compile(r"[^\s@<>,;:\"']+@[^\s@<>,;:\"']+\.[^\s@<>,;:\"']+")
_PHONE = re.compile(r"\+?\d[\d\s\-./()]{4,}\d")
# Phone numbers and the like: too long to be a mistyped order number.
_LONG_NUMBER = re.compile(r"\+?\d(?:[\s\-./()]*\d){9,}")


def parse_order_number(text: str | None) -> str | None:
    """The order number in a message ("#10042", "SD-10042", "order no. 10042") or None."""
    if not text:
        return None
    matches = list(_ORDER_NUMBER.finditer(text[:MAX_FREE_TEXT_LENGTH]))
    marked = [match for match in matches if match.group(1)]
    best = (marked or matches)[:1]
    return best[0].group(2) if best else None


def looks_like_order_number_attempt(text: str | None) -> bool:
    """True when the shopper seems to have typed an order number that is not a valid one.

    Tells "#12" or "ABC-1" (malformed: say what an order number looks like) apart from a
    message with no number at all (ask for it).
    """
    if not text or parse_order_number(text):
        return False
    head = _LONG_NUMBER.sub(" ", _EMAIL.sub(" ", text[:MAX_FREE_TEXT_LENGTH]))
    return any(pattern.search(head) for pattern in _ORDER_ATTEMPTS)


class HasContact(Protocol):
    @property
    def email(self) -> str: ...

    @property
    def phone(self) -> str | None: ...


def contact_matches(customer: HasContact, contact: str | None) -> bool:
    """Whether the email or phone a shopper gave is the one on file. Never matches on empty."""
    given = _given_contact(contact)
    if given is None:
        return False
    kind, value = given
    if kind == "email":
        return bool(customer.email) and _same_email(value, customer.email)
    return bool(customer.phone) and phones_match(customer.phone or "", value)


def gives_contact(text: str | None) -> bool:
    """Whether `text` holds an email or phone number contact_matches could match to someone: when
    none of a shopper's messages does, no order needs reading to check them."""
    return _given_contact(text) is not None


def _given_contact(contact: str | None) -> tuple[Literal["email", "phone"], str] | None:
    if not contact or not contact.strip() or len(contact) > MAX_CONTACT_LENGTH:
        return None
    if "@" in contact:
        email = _EMAIL.search(contact)
        return ("email", email.group(0)) if email else None
    phone = _PHONE.search(contact)
    return ("phone", phone.group(0)) if phone else None


def _same_email(given: str, on_file: str) -> bool:
    return normalize_email(given) == on_file.strip().lower()


def normalize_email(text: str | None) -> str | None:
    """The email address in `text`, lowercased, or None when there is none."""
    if not text or len(text) > MAX_CONTACT_LENGTH:
        return None
    found = _EMAIL.search(text)
    return found.group(0).strip(".").lower() if found else None


def phone_digits(phone: str) -> str:
    """Digits of a phone number in international form when it was written so (no 00 prefix)."""
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if digits.startswith("00") else digits


def phones_match(on_file: str, given: str) -> bool:
    """Same number, whatever the spacing, dashes, +country code or national trunk 0."""
    stored, typed = phone_digits(on_file), phone_digits(given)
    if len(stored) < MIN_PHONE_DIGITS or len(typed) < MIN_PHONE_DIGITS:
        return False
    if stored == typed or stored.lstrip("0") == typed.lstrip("0"):
        return True
    longer, shorter = sorted((stored, typed.lstrip("0")), key=len, reverse=True)
    country_code_length = len(longer) - len(shorter)
    return 1 <= country_code_length <= 3 and longer.endswith(shorter)


def mask_email(email: str | None) -> str:
    """"anna.schmidt@example.com" -> "a***@e***.com": enough to recognise, not to reveal."""
    if not email or "@" not in email:
        return ""
    local, _, domain = email.strip().rpartition("@")
    name, dot, tld = domain.rpartition(".")
    masked_domain = f"{name[:1]}***{dot}{tld}" if dot else f"{domain[:1]}***"
    return f"{local[:1]}***@{masked_domain}"


def mask_phone(phone: str | None) -> str:
    """"+49 151 23456789" -> "+** *** *****789": the shape and the last three digits."""
    if not phone:
        return ""
    total = sum(char.isdigit() for char in phone)
    seen = 0
    masked = []
    for char in phone:
        if char.isdigit():
            seen += 1
            masked.append(char if seen > total - 3 else "*")
        else:
            masked.append(char)
    return "".join(masked)


def clean_free_text(text: str | None, limit: int = MAX_FREE_TEXT_LENGTH) -> str | None:
    """Free text (a return reason) without control characters, whitespace collapsed, capped."""
    if not text:
        return None
    printable = "".join(" " if _is_control(char) else char for char in text)
    collapsed = " ".join(printable.split())
    return collapsed[:limit] or None


def _is_control(char: str) -> bool:
    return unicodedata.category(char).startswith("C")


AddressProblem = Literal[
    "empty", "too_long", "invalid_characters", "missing_street_number", "missing_postcode",
    "missing_city", "invalid_country",
]


@dataclass(frozen=True)
class AddressError:
    reason: AddressProblem


# Dutch "1015 CV", numeric (with an optional "D-" prefix, "110 00", "1000-001"), British "SW1A 2AA".
_POSTCODE = (
    r"(?-i:\d{4}\s?[A-Z]{2})(?!\w)"
    r"|(?:[A-Z]{1,2}-)?\d{3,5}(?:[ -]\d{2,3})?"
    r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"
)
_POSTCODE_ONLY = re.compile(rf"^(?P<postcode>{_POSTCODE})$", re.IGNORECASE)
_POSTCODE_CITY = re.compile(rf"^(?P<postcode>{_POSTCODE})\s+(?P<city>[^\d].*)$", re.IGNORECASE)
_CITY_POSTCODE = re.compile(rf"^(?P<city>[^\d]+?)\s+(?P<postcode>{_POSTCODE})$", re.IGNORECASE)
_ONE_LINE = re.compile(
    rf"^(?P<street>.*?\d+[a-z]?)\s+(?P<postcode>{_POSTCODE})\s+(?P<city>[^\d,]+)$", re.IGNORECASE
)
_HOUSE_NUMBER = re.compile(r"(?<![\w-])\d+[a-z]?(?:[-/]\d+[a-z]?)?\b", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_MARKUP = re.compile(r"[<>{}]|javascript:|&#?\w+;", re.IGNORECASE)


def parse_address(text: str | None, default_country: str | None = None) -> Address | AddressError:
    """A postal address from free text ("Hauptstr. 5, 10115 Berlin, Germany" or multi-line).

    Needs a street with a house number, a postcode and a city; the country is optional and
    falls back to default_country. Lines before the street (a name, "c/o") are not kept.
    """
    if not text or not text.strip():
        return AddressError("empty")
    if len(text) > MAX_ADDRESS_LENGTH:
        return AddressError("too_long")
    if _MARKUP.search(text) or any(_is_control(c) for c in text if c not in "\n\r\t"):
        return AddressError("invalid_characters")
    parts = [" ".join(part.split()) for part in re.split(r"[\n\r,;]+", text)]
    parts = [part for part in parts if part]
    if len(parts) == 1 and (one_line := _ONE_LINE.match(parts[0])):
        parts = [one_line["street"], f"{one_line['postcode']} {one_line['city']}"]
    return _address_from_parts(parts, default_country)


def _address_from_parts(parts: list[str], default_country: str | None) -> Address | AddressError:
    located = _locate_postcode(parts)
    if located is None:
        has_street = any(_is_street(part) for part in parts)
        return AddressError("missing_postcode" if has_street else "missing_street_number")
    index, postcode, city, rest = located
    if not city or not _LETTER.search(city):
        return AddressError("missing_city")
    street_parts = _street_parts(parts[:index])
    if not street_parts:
        return AddressError("missing_street_number")
    country = _country(rest, default_country)
    if isinstance(country, AddressError):
        return country
    return Address(", ".join(street_parts), postcode.upper(), city, country)


def _locate_postcode(parts: list[str]) -> tuple[int, str, str, list[str]] | None:
    """Index of the postcode line (the last one, so "123 Main St" is not taken), postcode,
    city and the lines after it."""
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        if match := _POSTCODE_CITY.match(part) or _CITY_POSTCODE.match(part):
            return index, match["postcode"], match["city"].strip(), parts[index + 1 :]
        if _POSTCODE_ONLY.match(part):
            city = parts[index + 1] if index + 1 < len(parts) else ""
            return index, part, city, parts[index + 2 :]
    return None


def _is_street(part: str) -> bool:
    return bool(_LETTER.search(part) and _HOUSE_NUMBER.search(part))


def _street_parts(before_postcode: list[str]) -> list[str]:
    first = next((i for i, part in enumerate(before_postcode) if _is_street(part)), None)
    return [] if first is None else before_postcode[first:]


def _country(rest: list[str], default_country: str | None) -> str | AddressError | None:
    if not rest:
        return default_country
    country = " ".join(rest)
    if not all(char.isalpha() or char in " .-'" for char in country) or len(country) > 60:
        return AddressError("invalid_country")
    return country.title() if country.islower() else country
