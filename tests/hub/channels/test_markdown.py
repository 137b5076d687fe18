"""The bot's Markdown subset for channels that cannot show it as it is (no server, plain functions)."""

from __future__ import annotations

from hub.channels import markdown
from hub.channels.telegram_render import Part, pack


def test_plain_text_has_no_markup_and_is_left_alone() -> None:
    for text in ("where is my order?", "2*3 and snake_case", "a | b", "price: 5 - 3", "see https://x.example/a"):
        assert markdown.has_markup(text) is (text.startswith("see")), text


def test_only_web_and_mail_links_become_links() -> None:
    spans = markdown.inline("[a](https://x.example/(b)) [c](javascript:alert(1)) [d](#faq) [e](mailto:h@x.example)")
    assert [(s.kind, s.text, s.href) for s in spans if s.kind == "link"] == [
        ("link", "a", "https://x.example/(b)"), ("link", "e", "mailto:h@x.example")]
    assert "".join(s.text for s in spans) == "a c d e"


def test_bare_links_leave_sentence_punctuation_and_unbalanced_brackets_out() -> None:
    spans = markdown.inline("(see https://x.example/p?q=1). Or https://x.example/a_(b),")
    assert [s.href for s in spans if s.kind == "link"] == ["https://x.example/p?q=1", "https://x.example/a_(b)"]


def test_escaped_markers_stay_text_and_html_is_escaped_for_telegram() -> None:
    expected = ("**not bold** &lt;b&gt;&amp;&lt;/b&gt;", "**not bold** <b>&</b>")
    assert markdown.telegram_blocks(r"\*\*not bold\*\* <b>&</b>") == [expected]


def test_a_table_without_rows_and_rows_with_missing_cells() -> None:
    (only_header,) = markdown.telegram_blocks("| A | B |\n|---|---|")
    assert only_header[0] == "A · B"
    (ragged,) = markdown.telegram_blocks("| Item | Size | Colour |\n|---|---|---|\n| Shoe | 44 |")
    assert ragged[0] == "• <b>Shoe</b> — Size: 44"


def test_a_pipe_line_without_a_separator_row_is_just_text() -> None:
    assert markdown.telegram_blocks("| not | a table |") == [("| not | a table |", "| not | a table |")]


def test_numbered_lists_keep_their_start() -> None:
    assert markdown.telegram_blocks("3. c\n4. d")[0][0] == "3. c\n4. d"


def test_long_answers_split_between_blocks_and_a_huge_block_goes_as_plain_text() -> None:
    blocks = [(f"<b>{n}</b> " + "x" * 30, f"{n} " + "x" * 30) for n in range(5)]
    parts = pack(blocks, limit=80)
    assert [p.html for p in parts] == [True, True, True]
    assert all(len(p.text) <= 80 for p in parts)
    assert "".join(p.plain for p in parts).count("x" * 30) == 5
    huge = pack([("<b>y</b>", "y"), ("<i>" + "z " * 60 + "</i>", "z " * 60)], limit=50)
    assert huge[0] == Part("<b>y</b>", True, "y") and all(not p.html for p in huge[1:]) and len(huge) > 2
