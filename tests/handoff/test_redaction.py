"""What redaction takes out of a shopper's message, and what it must leave alone."""

from __future__ import annotations

import pytest

from handoff.redaction import luhn_valid, redact


@pytest.mark.parametrize(("text", "expected"), [
    ("my card 4111 1111 1111 1111 was charged twice", "my card [card ending 1111] was charged twice"),
    ("card: 4111-1111-1111-1111.", "card: [card ending 1111]."),
    ("5555555555554444", "[card ending 4444]"),  # Mastercard
    ("amex 3782 822463 10005 please refund", "amex [card ending 0005] please refund"),
    ("2223003122003222 is the new mastercard", "[card ending 3222] is the new mastercard"),
    ("discover 6011111111111117", "discover [card ending 1117]"),
    ("jcb 3530111333300000", "jcb [card ending 0000]"),
])
def test_card_numbers_keep_only_their_last_four(text: str, expected: str) -> None:
    result = redact(text)
    assert result.text == expected and result.kinds == ("card",)


@pytest.mark.parametrize("text", [
    "where is my order 10002?",
    "order #10042 and 10043",
    "call me on +49 151 23456789",
    "my phone is 4915123456789",  # a German mobile without the plus: Luhn-valid by chance, but a phone
    "my number is 0151 2345 6789",
    "tel. 0044 20 7946 0958",
    "tracking 1Z999AA10123456784 says delivered",  # UPS
    "DHL tracking 00340434161094042557",  # 20 digits
    "FedEx 123456789012",  # 12 digits, no card brand starts with 1
    "4111 1111 1111 1112",  # Visa-shaped but fails Luhn
    "postcode 10115 Berlin, Hauptstr. 5",
    "the invoice total was 1234.56 EUR on 2026-11-20",
    "2026 11 20 12 30 45",
])
def test_order_phone_and_tracking_numbers_pass_through(text: str) -> None:
    result = redact(text)
    assert (result.text, result.kinds) == (text, ())


def test_ibans_keep_country_and_last_four() -> None:
    result = redact("please refund to DE89 3704 0044 0532 0130 00, thanks")
    assert result.text == "please refund to [IBAN DE…3000], thanks" and result.kinds == ("iban",)
    assert redact("GB82WEST12345698765432").text == "[IBAN GB…5432]"
    assert redact("nl91abna0417164300 is mine").text == "[IBAN NL…4300] is mine"


def test_iban_shaped_words_with_a_wrong_check_pass_through() -> None:
    for text in ("DE89 3704 0044 0532 0130 01", "XX89370400440532013000", "SKU DE12ABCDEFGH12345678"):
        assert redact(text).kinds == (), text


@pytest.mark.parametrize(("text", "kept"), [
    ("my SSN is 123-45-6789", "my SSN is [ID number removed]"),
    ("NI number QQ 12 34 56 C", None),  # QQ is not issued
    ("NI number AB 12 34 56 C", "NI number [ID number removed]"),
    ("DNI 12345678Z", "DNI [ID number removed]"),
    ("NIE X1234567L", "NIE [ID number removed]"),
    ("codice fiscale RSSMRA85T10A562S", "codice fiscale [ID number removed]"),
    ("mijn BSN is 111222333", "mijn BSN is [ID number removed]"),
])
def test_national_id_numbers_are_removed_when_their_check_passes(text: str, kept: str | None) -> None:
    result = redact(text)
    if kept is None:
        assert result.kinds == () and result.text == text
    else:
        assert result.text == kept and result.kinds == ("national_id",)


def test_id_shaped_numbers_with_a_wrong_check_pass_through() -> None:
    for text in ("DNI 12345678A", "RSSMRA85T10A562A", "BSN 111222334", "000-12-3456", "call 555-12-3456x"):
        assert redact(text).kinds == (), text


def test_several_kinds_in_one_message_are_all_taken_out() -> None:
    result = redact("card 4111111111111111, IBAN DE89370400440532013000, SSN 123-45-6789, order 10002")
    assert result.text == "card [card ending 1111], IBAN [IBAN DE…3000], SSN [ID number removed], order 10002"
    assert result.kinds == ("iban", "card", "national_id") and result.changed


def test_luhn() -> None:
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
