"""Reading order numbers, contact details and addresses the way shoppers type them."""

from __future__ import annotations

import pytest

from knowledge_base.shop.rules import (
    AddressError,
    clean_free_text,
    contact_matches,
    gives_contact,
    looks_like_order_number_attempt,
    mask_email,
    mask_phone,
    parse_address,
    parse_order_number,
    phones_match,
)
from knowledge_base.shop.views import Address, CustomerView

ANNA = CustomerView(1, "Anna Schmidt", "anna.schmidt@example.com", "+49 151 23456789", "regular")
FARID = CustomerView(6, "Farid Haddad", "farid.haddad@example.com", None, "vip")


@pytest.mark.parametrize(
    "text",
    ["10042", "#10042", "# 10042", "order no. 10042", "SD-10042", "sd10042", "SD 10042",
     "where is my order 10042??", "10042 hasn't arrived", "Order#10042"],
)
def test_order_number_is_found_however_it_is_written(text: str) -> None:
    assert parse_order_number(text) == "10042"


def test_a_marked_number_wins_over_a_bare_one() -> None:
    assert parse_order_number("moving to 10115 Berlin, order #10042") == "10042"


def test_the_first_bare_number_is_taken_when_none_is_marked() -> None:
    assert parse_order_number("order 10042 to 10115 Berlin") == "10042"


@pytest.mark.parametrize(
    "text",
    ["", None, "where is my order", "#12", "ABC-1", "1004", "100423", "10042.50 EUR",
     "R-20001", "INV-2026-10042", "+49 151 23456789", "anna10042@example.com", "x" * 10_000],
)
def test_no_order_number_in_text_without_a_valid_one(text: str | None) -> None:
    assert parse_order_number(text) is None


@pytest.mark.parametrize("text", ["#12", "ABC-1", "order 1004", "it's 100423", "SD-999", "#abc"])
def test_malformed_numbers_are_recognised_as_attempts(text: str) -> None:
    assert looks_like_order_number_attempt(text)


@pytest.mark.parametrize(
    "text",
    ["", None, "where is my order", "I want to cancel", "size 42 please", "10042",
     "call me on +49 151 23456789", "anna.schmidt@example.com"],
)
def test_no_attempt_when_there_is_no_number_or_a_valid_one(text: str | None) -> None:
    assert not looks_like_order_number_attempt(text)


@pytest.mark.parametrize(
    "contact",
    ["anna.schmidt@example.com", "  Anna.Schmidt@EXAMPLE.com ", "my email is anna.schmidt@example.com.",
     "+49 151 23456789", "+4915123456789", "0049 151 234 567 89", "0151 23456789", "0151-2345-6789",
     "(0151) 23456789", "it's +49 151 23456789 thanks"],
)
def test_contact_matches_the_email_or_phone_on_file(contact: str) -> None:
    assert contact_matches(ANNA, contact)
    assert gives_contact(contact)


@pytest.mark.parametrize(
    "text", ["where is my order 10002?", "order #10042 and SD-10043", "", "   ", None, "@", "a" * 300 + "@example.com"],
)
def test_an_order_number_alone_gives_no_contact_to_check(text: str | None) -> None:
    assert not gives_contact(text)


@pytest.mark.parametrize(
    "contact",
    ["", "   ", None, "ben.carter@example.com", "anna.schmidt@example.org", "anna.schmidt",
     "+44 151 23456789", "23456789", "6789", "+49 151 23456788", "@", "a" * 300 + "@example.com"],
)
def test_contact_does_not_match_anything_else(contact: str | None) -> None:
    assert not contact_matches(ANNA, contact)


def test_a_customer_without_a_phone_never_matches_a_phone() -> None:
    assert not contact_matches(FARID, "+31 6 12345678")
    assert contact_matches(FARID, "farid.haddad@example.com")


def test_phones_match_across_country_codes_but_not_partial_numbers() -> None:
    assert phones_match("+44 7700 900123", "07700 900123")
    assert phones_match("+33 6 12 34 56 78", "06 12 34 56 78")
    assert not phones_match("+44 7700 900123", "900123")
    assert not phones_match("", "")


def test_masks_reveal_only_a_hint() -> None:
    assert mask_email("anna.schmidt@example.com") == "a***@e***.com"
    assert mask_phone("+49 151 23456789") == "+** *** *****789"
    assert mask_email(None) == mask_email("no-at-sign") == mask_phone("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hauptstr. 5, 10115 Berlin, Germany", Address("Hauptstr. 5", "10115", "Berlin", "Germany")),
        ("Hauptstr. 5\n10115 Berlin", Address("Hauptstr. 5", "10115", "Berlin", "Germany")),
        ("Anna Schmidt\nHauptstr. 5\n10115 Berlin\ngermany", Address("Hauptstr. 5", "10115", "Berlin", "Germany")),
        ("Hauptstr. 5 10115 Berlin", Address("Hauptstr. 5", "10115", "Berlin", "Germany")),
        ("Hauptstr. 5, 10115, Berlin", Address("Hauptstr. 5", "10115", "Berlin", "Germany")),
        ("10 Downing Street, London SW1A 2AA, United Kingdom",
         Address("10 Downing Street", "SW1A 2AA", "London", "United Kingdom")),
        ("Vinohradská 12, 120 00 Praha", Address("Vinohradská 12", "120 00", "Praha", "Germany")),
        ("Keizersgracht 100, 1015 CV Amsterdam, NL", Address("Keizersgracht 100", "1015 CV", "Amsterdam", "NL")),
        ("Calle Mayor 12, 3B, 28013 Madrid", Address("Calle Mayor 12, 3B", "28013", "Madrid", "Germany")),
    ],
)
def test_parse_address_reads_common_formats(text: str, expected: Address) -> None:
    assert parse_address(text, default_country="Germany") == expected


def test_parse_address_leaves_the_country_empty_without_a_default() -> None:
    assert parse_address("Hauptstr. 5, 10115 Berlin") == Address("Hauptstr. 5", "10115", "Berlin", None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        (None, "empty"),
        ("  \n ", "empty"),
        ("Hauptstr. 5, 10115 Berlin " + "x" * 200, "too_long"),
        ("<script>alert(1)</script> 5, 10115 Berlin", "invalid_characters"),
        ("Hauptstr. 5, 10115 <b>Berlin</b>", "invalid_characters"),
        ("Hauptstr. 5\x00, 10115 Berlin", "invalid_characters"),
        ("Hauptstr. 5, 10115 Berlin\x1b[31m", "invalid_characters"),
        ("Hauptstraße, 10115 Berlin", "missing_street_number"),
        ("10115 Berlin", "missing_street_number"),
        ("Hauptstr. 5, Berlin", "missing_postcode"),
        ("Hauptstr. 5, 10115", "missing_city"),
        ("Hauptstr. 5, 10115 Berlin, Planet 9", "invalid_country"),
    ],
)
def test_parse_address_explains_what_is_wrong(text: str | None, reason: str) -> None:
    assert parse_address(text, default_country="Germany") == AddressError(reason)  # type: ignore[arg-type]


def test_free_text_loses_control_characters_and_is_capped() -> None:
    assert clean_free_text("  too\x00 small\n\nreally ") == "too small really"
    assert clean_free_text("\x00\x01 ") is None
    assert clean_free_text(None) is None
    assert len(clean_free_text("word " * 1000) or "") == 500
