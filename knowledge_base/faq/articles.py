"""FAQ articles: Markdown files with a small YAML front-matter header.

A shop owner edits these by hand, so every problem in a header is reported as an
``ArticleFormatError`` that names the file and says what is wrong, instead of a
YAML traceback or a silently skipped article.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ARTICLE_SUFFIX = ".md"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<header>.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z", re.S)
_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KNOWN_KEYS = frozenset({"id", "title", "intents", "questions", "updated", "hand_off"})


class ArticleFormatError(ValueError):
    """An article file cannot be loaded; the message starts with the file's path."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    body: str
    intents: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    updated: dt.date | None = None
    path: Path | None = None
    # A handoff reason when a person must follow this answer (a payment dispute): the bot
    # explains, then hands the conversation over. Header field `hand_off: <reason>`.
    hand_off: str | None = None


def load_articles(directory: Path) -> list[Article]:
    """Load every ``*.md`` article in ``directory``, sorted by file name.

    Raises ``ArticleFormatError`` for the first malformed file or a duplicate id,
    and ``FileNotFoundError`` when the directory does not exist.
    """
    if not directory.is_dir():
        raise FileNotFoundError(f"FAQ article directory not found: {directory}")
    articles: list[Article] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob(f"*{ARTICLE_SUFFIX}")):
        article = load_article(path)
        if article.id in seen:
            raise ArticleFormatError(path, f"duplicate id {article.id!r} (also used by {seen[article.id].name})")
        seen[article.id] = path
        articles.append(article)
    return articles


def load_article(path: Path) -> Article:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ArticleFormatError(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    return parse_article(text, path)


def parse_article(text: str, path: Path) -> Article:
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if match is None:
        raise ArticleFormatError(path, "missing front matter: the file must start with a '---' line, "
                                       "a YAML header, and another '---' line")
    header = _parse_header(match["header"], path)
    body = match["body"].strip()
    if not body:
        raise ArticleFormatError(path, "the article has no body text after the header")
    return Article(
        id=_article_id(header, path),
        title=_required_text(header, "title", path),
        body=body,
        intents=_text_list(header, "intents", path),
        questions=_text_list(header, "questions", path),
        updated=_updated(header, path),
        path=path,
        hand_off=_optional_text(header, "hand_off", path),
    )


def _parse_header(raw: str, path: Path) -> dict[str, object]:
    try:
        header = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (header line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ArticleFormatError(path, f"invalid YAML header{where}: {problem}") from None
    if not isinstance(header, dict):
        raise ArticleFormatError(path, "the header must be a YAML mapping of 'key: value' lines")
    unknown = sorted(str(key) for key in header if key not in _KNOWN_KEYS)
    if unknown:
        raise ArticleFormatError(path, f"unknown header key(s): {', '.join(unknown)}; "
                                       f"allowed: {', '.join(sorted(_KNOWN_KEYS))}")
    return header


def _article_id(header: dict[str, object], path: Path) -> str:
    article_id = _required_text(header, "id", path)
    if not _ID_PATTERN.match(article_id):
        raise ArticleFormatError(path, f"id {article_id!r} must be lowercase letters, digits and single hyphens")
    return article_id


def _required_text(header: dict[str, object], key: str, path: Path) -> str:
    value = header.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ArticleFormatError(path, f"missing required header field '{key}'")
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ArticleFormatError(path, f"header field '{key}' must be text")
    return str(value).strip()


def _optional_text(header: dict[str, object], key: str, path: Path) -> str | None:
    return _required_text(header, key, path) if key in header else None


def _text_list(header: dict[str, object], key: str, path: Path) -> tuple[str, ...]:
    value = header.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ArticleFormatError(path, f"header field '{key}' must be a list of non-empty texts")
    return tuple(item.strip() for item in value)


def _updated(header: dict[str, object], path: Path) -> dt.date | None:
    value = header.get("updated")
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ArticleFormatError(path, f"header field 'updated' must be a date like 2026-11-01, got {value!r}") from None
