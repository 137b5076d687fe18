"""Numbers a support chat never needs, replaced before anything stores them: payment card numbers
(kept: the last four digits), IBANs (kept: country and last four) and national ID numbers.

Pure functions over text. A number counts only when its own check passes (Luhn for cards, mod 97
for IBANs, each ID's check digit or letter), so order numbers, phone numbers, tracking numbers and
postcodes pass through untouched: see tests/handoff/test_redaction.py for both kinds of cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# 12-19 digits, in groups of 1-6 separated by single spaces or dashes, not part of a longer number.
_CARD = re.compile(r"(?<![\w+\-])(?:\d[ -]?){11,18}\d(?![\w\-])")
# Digits right after these words are someone's phone, not a card.
_PHONE_WORDS = re.compile(r"(phone|tel|telephone|mobile|cell|whatsapp|call|fax|number is)\W{0,3}$", re.IGNORECASE)
# Card brands by first digits, with the lengths they issue (ISO/IEC 7812 IIN ranges).
_BRANDS: tuple[tuple[re.Pattern[str], frozenset[int]], ...] = (
    (re.compile(r"^4"), frozenset({13, 16, 19})),  # Visa
    (re.compile(r"^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))"), frozenset({16})),  # Mastercard
    (re.compile(r"^3[47]"), frozenset({15})),  # American Express
    (re.compile(r"^(6011|65|64[4-9])"), frozenset({16, 19})),  # Discover
    (re.compile(r"^35(2[89]|[3-8]\d)"), frozenset({16, 19})),  # JCB
    (re.compile(r"^3(0[0-5]|[689])"), frozenset({14, 16})),  # Diners Club
    (re.compile(r"^62"), frozenset({16, 17, 18, 19})),  # UnionPay
    (re.compile(r"^(50|5[6-9]|6[0-9])"), frozenset({12, 13, 14, 15, 16, 17, 18, 19})),  # Maestro
)

# Printed in groups of four (or not at all): "DE89 3704 0044 0532 0130 00".
_IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})(\d{2})((?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?)(?![A-Za-z0-9])",
                   re.IGNORECASE)
# Length of a whole IBAN per country (the SWIFT registry), for the countries a shop meets most.
_IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24,
    "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29, "VA": 22,
}

_US_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)(\d{3})-(?!00)(\d{2})-(?!0000)(\d{4})(?![\w-])")
_UK_NINO = re.compile(r"(?<![A-Za-z0-9])(?![DFIQUV])[A-Z](?![DFIOQUV])[A-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])",
                      re.IGNORECASE)
_ES_DNI = re.compile(r"(?<![A-Za-z0-9])([XYZ]?)(\d{7,8})[ -]?([A-Z])(?![A-Za-z0-9])", re.IGNORECASE)
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_IT_FISCAL = re.compile(r"(?<![A-Za-z0-9])[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z](?![A-Za-z0-9])", re.IGNORECASE)
# Nine digits are too common to take without the word that says what they are.
_NL_BSN = re.compile(r"\b(bsn|burgerservicenummer)\b\D{0,12}?(\d{9})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Redacted:
    text: str
    kinds: tuple[str, ...]  # what was taken out: "card", "iban", "national_id"

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def redact(text: str) -> Redacted:
    kinds: list[str] = []

    def note(kind: str, replacement: str) -> str:
        kinds.append(kind)
        return replacement

    text = _IBAN.sub(lambda m: note("iban", f"[IBAN {m.group(1).upper()}\u2026{_compact(m.group(0))[-4:]}]")
                     if _is_iban(m.group(0)) else m.group(0), text)
    text = _CARD.sub(lambda m: note("card", f"[card ending {_digits(m.group(0))[-4:]}]")
                     if _is_card(m.group(0), m.string[:m.start()]) else m.group(0), text)
    for pattern, valid in _NATIONAL_IDS:
        text = pattern.sub(_replacer(valid, lambda: note("national_id", "[ID number removed]")), text)
    text = _NL_BSN.sub(lambda m: m.group(0)[:m.start(2) - m.start(0)] + note("national_id", "[ID number removed]")
                       if _is_bsn(m.group(2)) else m.group(0), text)
    return Redacted(text, tuple(dict.fromkeys(kinds)))


def _replacer(valid: Callable[[re.Match[str]], bool], replacement: Callable[[], str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        return replacement() if valid(match) else match.group(0)

    return replace


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _compact(text: str) -> str:
    return re.sub(r"\s", "", text).upper()


def luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _is_card(candidate: str, before: str) -> bool:
    number = _digits(candidate)
    if not 12 <= len(number) <= 19 or _PHONE_WORDS.search(before) or before.rstrip().endswith(("+", "00")):
        return False
    if not any(prefix.match(number) and len(number) in lengths for prefix, lengths in _BRANDS):
        return False
    return luhn_valid(number)


def _is_iban(candidate: str) -> bool:
    iban = _compact(candidate)
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _is_spanish_id(match: re.Match[str]) -> bool:
    prefix, digits, letter = match.group(1).upper(), match.group(2), match.group(3).upper()
    if prefix:
        if len(digits) != 7:
            return False
        digits = str("XYZ".index(prefix)) + digits
    elif len(digits) != 8:
        return False
    return _DNI_LETTERS[int(digits) % 23] == letter


_ODD = {**{str(d): v for d, v in zip("0123456789", (1, 0, 5, 7, 9, 13, 15, 17, 19, 21))},
        **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8,
                                                  12, 14, 16, 10, 22, 25, 24, 23)))}


def _is_italian_code(match: re.Match[str]) -> bool:
    code = match.group(0).upper()
    total = 0
    for position, char in enumerate(code[:15]):
        if position % 2 == 0:
            total += _ODD[char]
        else:
            total += int(char) if char.isdigit() else ord(char) - ord("A")
    return chr(ord("A") + total % 26) == code[15]


def _always(match: re.Match[str]) -> bool:
    """The pattern alone is precise enough (it excludes the ranges never issued)."""
    return True


def _is_bsn(number: str) -> bool:
    """The Dutch "elfproef": weights 9..2 and -1, the sum divisible by 11."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    total = sum(int(digit) * weight for digit, weight in zip(number, weights))
    return total % 11 == 0 and total != 0


_NATIONAL_IDS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], bool]], ...] = (
    (_US_SSN, _always), (_UK_NINO, _always), (_ES_DNI, _is_spanish_id), (_IT_FISCAL, _is_italian_code),
)
