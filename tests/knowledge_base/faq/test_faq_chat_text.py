"""Markdown articles become plain chat text: one message, readable lines, no markup."""

from __future__ import annotations

from knowledge_base.faq import FaqSettings, load_articles
from knowledge_base.faq.chat_text import to_chat_text


def test_emphasis_and_links_become_plain_words() -> None:
    text = "- **Express (UPS):** €9.95 — see [express delivery](#express-delivery)"
    assert to_chat_text(text) == "- Express (UPS): €9.95 — see express delivery"


def test_wrapped_lines_join_and_paragraphs_are_single_line_breaks() -> None:
    text = "The order value counts\nafter discounts.\n\nGift cards:\n\n- do not count\n- are free"
    assert to_chat_text(text) == "The order value counts after discounts.\nGift cards:\n- do not count\n- are free"


def test_numbered_lists_and_headings() -> None:
    assert to_chat_text("## Steps\n\n1. Log in\n2) Open orders") == "Steps\n- Log in\n- Open orders"


def test_words_with_underscores_and_stars_inside_are_kept() -> None:
    assert to_chat_text("use code snake_case and 2*3") == "use code snake_case and 2*3"


def test_no_shipped_article_keeps_markup_or_blank_lines() -> None:
    for article in load_articles(FaqSettings().articles_dir):
        text = to_chat_text(article.body)
        assert "**" not in text and "](#" not in text and "\n\n" not in text, article.id
        assert text.strip(), article.id
