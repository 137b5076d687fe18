"""Markdown articles become chat Markdown: one message, readable lines, only what channels render."""

from __future__ import annotations

from knowledge_base.faq import FaqSettings, load_articles
from knowledge_base.faq.chat_text import to_chat_text


def test_emphasis_stays_and_links_to_other_articles_keep_their_words() -> None:
    text = "- **Express (UPS):** €9.95 — see [express delivery](#express-delivery)"
    assert to_chat_text(text) == "- **Express (UPS):** €9.95 — see express delivery"


def test_links_to_web_pages_stay_links() -> None:
    text = "Track it at [DHL](https://www.dhl.com/track) or write to [us](mailto:help@shop.example)."
    assert to_chat_text(text) == text


def test_wrapped_lines_join_and_paragraphs_are_single_line_breaks() -> None:
    text = "The order value counts\nafter discounts.\n\nGift cards:\n\n- do not count\n- are free"
    assert to_chat_text(text) == "The order value counts after discounts.\nGift cards:\n- do not count\n- are free"


def test_numbered_lists_keep_their_numbers_and_headings_their_words() -> None:
    assert to_chat_text("## Steps\n\n1. Log in\n2) Open orders") == "Steps\n1. Log in\n2) Open orders"


def test_table_rows_stay_on_lines_of_their_own() -> None:
    text = "Times:\n\n| Destination | Days |\n|---|---|\n| Germany | 1–3 |"
    assert to_chat_text(text) == "Times:\n| Destination | Days |\n|---|---|\n| Germany | 1–3 |"


def test_no_shipped_article_keeps_article_links_or_blank_lines() -> None:
    for article in load_articles(FaqSettings().articles_dir):
        text = to_chat_text(article.body)
        assert "](#" not in text and "\n\n" not in text, article.id
        assert text.strip(), article.id
