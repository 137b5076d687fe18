"""One-time passwords as authenticator apps make them (RFC 6238's test vectors), and recovery codes."""

from __future__ import annotations

import base64

from handoff.totp import (
    code_at,
    hash_recovery_code,
    matching_step,
    new_recovery_codes,
    new_secret,
    provisioning_uri,
)

# RFC 6238 appendix B: the SHA-1 key is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_codes_match_the_rfc_test_vectors() -> None:
    # The RFC lists 8-digit codes; authenticator apps show their last 6.
    for unix_time, eight_digits in ((59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"),
                                    (2000000000, "69279037")):
        assert code_at(RFC_SECRET, unix_time) == eight_digits[-6:]


def test_a_code_counts_for_its_step_and_one_either_side() -> None:
    secret, now = new_secret(), 1_700_000_000.0
    assert matching_step(secret, code_at(secret, now), now) == int(now // 30)
    assert matching_step(secret, code_at(secret, now - 30), now) == int(now // 30) - 1
    assert matching_step(secret, code_at(secret, now + 30), now) == int(now // 30) + 1
    assert matching_step(secret, code_at(secret, now - 90), now) is None
    assert matching_step(secret, " " + code_at(secret, now)[:3] + " " + code_at(secret, now)[3:], now) is not None


def test_malformed_codes_never_match() -> None:
    secret, now = new_secret(), 1_700_000_000.0
    for code in ("", "12345", "1234567", "abcdef", "12 34 5x"):
        assert matching_step(secret, code, now) is None


def test_secrets_are_long_and_the_uri_carries_them() -> None:
    secret = new_secret()
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20
    uri = provisioning_uri(secret, "anna@shop.example")
    assert uri.startswith("otpauth://totp/ShopDesk%3Aanna%40shop.example?") and f"secret={secret}" in uri


def test_recovery_codes_are_unique_and_stored_as_hashes() -> None:
    codes = new_recovery_codes()
    assert len(set(codes)) == 10
    assert hash_recovery_code(codes[0]) == hash_recovery_code(" " + codes[0].upper() + " ")
    assert hash_recovery_code(codes[0]) != hash_recovery_code(codes[1])
