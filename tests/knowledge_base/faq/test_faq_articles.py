"""The article loader: every shipped article loads, and a broken header names its file."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from knowledge_base.faq import ArticleFormatError, FaqSettings, load_articles

SHIPPED = FaqSettings().articles_dir
INTENTS = {
    "greet", "goodbye", "thank_you", "affirm", "deny", "bot_challenge", "request_human", "order_status",
    "track_shipment", "delivery_options", "delivery_problem", "cancel_order", "change_order", "change_address",
    "return_item", "refund_status", "payment_issue", "payment_methods", "invoice_request", "product_info",
    "promo_code", "account_help", "warranty", "complaint", "feedback_negative", "out_of_scope",
}
VALID = """---
id: sample
title: A sample article
intents: [delivery_options]
questions:
  - a question
updated: 2026-11-01
---
Some body text.
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_article_loads_with_a_header_and_body() -> None:
    articles = load_articles(SHIPPED)

    assert len(articles) >= 45
    for article in articles:
        assert article.path is not None and article.path.stem == article.id
        assert article.title and article.questions and isinstance(article.updated, dt.date)
        assert set(article.intents) <= INTENTS, article.id
        words = len(re.findall(r"[^\W_][\w'’.,–-]*", article.body))
        assert 40 <= words <= 150, f"{article.id}: {words} words"


def test_links_between_shipped_articles_point_at_existing_ids() -> None:
    articles = load_articles(SHIPPED)
    ids = {article.id for article in articles}

    for article in articles:
        for target in re.findall(r"\]\(#([^)]+)\)", article.body):
            assert target in ids, f"{article.id} links to unknown article {target!r}"


def test_loads_fields_from_the_header(tmp_path: Path) -> None:
    write(tmp_path, "sample.md", VALID)
    write(tmp_path, "notes.txt", "not an article")

    [article] = load_articles(tmp_path)

    assert article.id == "sample"
    assert article.title == "A sample article"
    assert article.intents == ("delivery_options",)
    assert article.questions == ("a question",)
    assert article.updated == dt.date(2026, 11, 1)
    assert article.body == "Some body text."


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no header at all\n", "missing front matter"),
        (VALID.replace("id: sample\n", ""), "missing required header field 'id'"),
        (VALID.replace("title: A sample article\n", "title: ''\n"), "missing required header field 'title'"),
        (VALID.replace("intents: [delivery_options]", "intents: [delivery_options"), "invalid YAML header"),
        (VALID.replace("id: sample", "id: Sample Article"), "lowercase letters"),
        (VALID.replace("updated: 2026-11-01", "updated: last week"), "'updated' must be a date"),
        (VALID.replace("questions:\n  - a question", "questions: a question"), "'questions' must be a list"),
        (VALID.replace("id: sample", "id: sample\nauthor: me"), "unknown header key(s): author"),
        ("---\n- just\n- a list\n---\nbody\n", "must be a YAML mapping"),
        (VALID.split("---\n", maxsplit=1)[0] + "---\n" + VALID.split("---\n")[1] + "---\n\n", "no body"),
    ],
)
def test_a_malformed_header_is_an_error_naming_the_file(tmp_path: Path, text: str, problem: str) -> None:
    write(tmp_path, "good.md", VALID.replace("sample", "good"))
    broken = write(tmp_path, "broken.md", text)

    with pytest.raises(ArticleFormatError) as caught:
        load_articles(tmp_path)

    assert caught.value.path == broken
    assert str(caught.value).startswith(str(broken))
    assert problem in str(caught.value)


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    write(tmp_path, "a-first.md", VALID)
    second = write(tmp_path, "b-second.md", VALID)

    with pytest.raises(ArticleFormatError, match=r"duplicate id 'sample' \(also used by a-first\.md\)") as caught:
        load_articles(tmp_path)

    assert caught.value.path == second


def test_a_binary_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")

    with pytest.raises(ArticleFormatError, match="not UTF-8") as caught:
        load_articles(tmp_path)

    assert caught.value.path == binary


def test_a_missing_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_articles(tmp_path / "nowhere")


def test_settings_read_the_article_directory_from_the_environment(tmp_path: Path) -> None:
    assert FaqSettings.from_env({}).articles_dir == SHIPPED
    assert FaqSettings.from_env({"SHOPDESK_FAQ_DIR": str(tmp_path)}).articles_dir == tmp_path
