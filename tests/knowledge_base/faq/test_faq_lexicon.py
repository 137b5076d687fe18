"""Word analysis: the shopper's words and the article's words meet on one canonical form."""

from __future__ import annotations

from knowledge_base.faq.lexicon import analyze, stem


def test_synonyms_and_typos_fold_to_one_word() -> None:
    assert analyze("package") == analyze("parcel") == analyze("parcle") == ["parcel"]
    assert analyze("voucher") == analyze("coupon") == analyze("promo")
    assert analyze("my card was rejected") == analyze("card declined")


def test_some_words_also_count_as_a_broader_one() -> None:
    assert analyze("visa") == ["card"]
    assert analyze("giftcard") == analyze("gift card")


def test_plurals_and_tenses_share_a_stem() -> None:
    assert stem("returns") == stem("return")
    assert stem("shipping") == stem("shipped") == stem("ship")
    assert stem("changes") == stem("changed") == stem("change")
    assert analyze("cancelled") == analyze("cancel")


def test_filler_words_are_dropped_and_bigrams_added() -> None:
    assert analyze("where is my refund please") == ["refund"]
    assert analyze("track the parcel") == ["track", "parcel", "track parcel"]
    assert analyze("") == [] and analyze("!!! ???") == []
