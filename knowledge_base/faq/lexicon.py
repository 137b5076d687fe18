"""Word analysis for FAQ retrieval: shoppers and articles say the same thing in different words.

Tokens are lowercased, common misspellings and synonyms are mapped to one canonical word
(some words also add a broader one: "visa" is a card), a light suffix stemmer folds
plurals and tenses, and filler words are dropped. The result feeds a word n-gram TF-IDF.
Articles and queries go through the same analysis, so a mapping never has to be exact,
only consistent.
"""

from __future__ import annotations

import itertools
import re

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")

# Each entry maps a word (as typed) to the word(s) it stands for.
_CANONICAL: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("package", "packages", "pkg", "packet", "parcels", "parcle", "pakage", "shipment",
                     "shipments", "box", "boxes"), ("parcel",)),
    **dict.fromkeys(("postage", "shiping", "shippping", "dispatch", "dispatched", "sent"), ("ship",)),
    **dict.fromkeys(("delivery", "deliveries", "delivered", "deliverd", "delivering", "delivers", "arrive",
                     "arrives", "arrived", "arriving", "come", "comes"), ("deliver",)),
    **dict.fromkeys(("refnd", "refunded", "reimburse", "reimbursed", "reimbursement", "refund"), ("refund",)),
    **dict.fromkeys(("voucher", "vouchers", "coupon", "coupons", "promo", "promocode", "discount", "discounts"),
                    ("discount",)),
    "giftcard": ("gift", "card"), "giftcards": ("gift", "card"),
    **dict.fromkeys(("rejected", "refused", "denied", "bounced", "declined", "decline", "declines"), ("decline",)),
    **dict.fromkeys(("installments", "installment", "instalments", "instalment"), ("instalment",)),
    **dict.fromkeys(("visa", "mastercard", "amex", "debit", "credit"), ("card",)),
    **dict.fromkeys(("acount", "acct", "accounts"), ("account",)),
    **dict.fromkeys(("adress", "adres", "addres", "adresse"), ("address",)),
    **dict.fromkeys(("pasword", "passwort", "pw", "passwords"), ("password",)),
    **dict.fromkeys(("retrun", "retun", "returnd", "returns", "returned"), ("return",)),
    **dict.fromkeys(("recieve", "recieved", "received", "receive", "recived"), ("receive",)),
    **dict.fromkeys(("cancelled", "canceled", "cancelling", "canceling", "cancellation"), ("cancel",)),
    **dict.fromkeys(("e-mail", "mail", "mails", "emails", "emailed"), ("email",)),
    **dict.fromkeys(("guarantee", "guaranty", "warrenty", "waranty", "warranty"), ("warranty",)),
    **dict.fromkeys(("cracked", "smashed", "shattered", "dented", "crushed", "damaged", "damage"), ("damage",)),
    **dict.fromkeys(("broke", "broken", "defective", "faulty", "fault"), ("fault",)),
    "receipt": ("invoice",), "receipts": ("invoice",),
    **dict.fromkeys(("trace", "tracking", "tracked"), ("track",)),
    **dict.fromkeys(("disappeared", "vanished", "lost"), ("lost",)),
    **dict.fromkeys(("call", "telephone", "ring", "phone"), ("phone",)),
    **dict.fromkeys(("human", "person", "agent", "someone", "representative", "staff", "team"), ("person",)),
    **dict.fromkeys(("swap", "switch", "exchange", "exchanged"), ("exchange",)),
    **dict.fromkeys(("london", "britain", "england", "scotland", "wales"), ("uk",)),
    **dict.fromkeys(("america", "american", "us", "usa"), ("usa",)),
    **dict.fromkeys(("tax", "taxes"), ("tax", "vat")),
    **dict.fromkeys(("fee", "fees", "costs", "cost", "charges"), ("cost",)),
    "untill": ("until",), "til": ("until",), "till": ("until",),
    "u": ("you",), "ur": ("your",), "pls": ("please",), "plz": ("please",),
}

_STOP_WORDS = frozenset("""
a about above after again all am an and any are as at be been being but by could did do does doing
for from had has have having he her here hers him his how i i'm if in into is it it's its itself just
me my myself of on or our ours please she should so some such than that the their them then there
these they this those to too very was we were what when where which while who why will with would
you your yours hi hello hey thanks thank ok okay im ive id dont cant wont isnt didnt hasnt havent
""".split())


def analyze(text: str) -> list[str]:
    """Canonical stems of ``text`` as unigrams plus adjacent bigrams."""
    words = [stem(canonical) for token in _TOKEN.findall(text.lower())
             for canonical in _CANONICAL.get(token, (token,)) if canonical not in _STOP_WORDS]
    return words + [f"{first} {second}" for first, second in itertools.pairwise(words)]


def stem(word: str) -> str:
    """A deliberately small stemmer: plurals, -ing, -ed and a final e (shipping = shipped = ship)."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 5 and word.endswith("ing"):
        word = _undouble(word[:-3])
    elif len(word) > 4 and word.endswith("ed"):
        word = _undouble(word[:-2])
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def _undouble(word: str) -> str:
    return word[:-1] if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls" else word
