"""BERT's uncased tokenizer (basic tokenizer + WordPiece), read from a model's vocab.txt.

It reproduces what Hugging Face's BertTokenizer and tokenizers' BertNormalizer +
BertPreTokenizer + WordPiece do for an uncased vocabulary (clean text, spaces around CJK
characters, lower case, accents stripped, split on whitespace and punctuation, greedy
longest-match word pieces), so `sentence_encoder.py` needs no extra dependency. One deliberate
difference: text that looks like a special token ("[SEP]") is read as plain characters, so a
shopper cannot inject model control tokens.
"""

import unicodedata
from collections.abc import Iterator
from pathlib import Path

CLS, SEP, PAD, UNK = "[CLS]", "[SEP]", "[PAD]", "[UNK]"
_CONTINUATION = "##"
# Longer "words" (a pasted hash, a URL without punctuation) become one [UNK], as in BERT.
_MAX_WORD_CHARS = 100


class WordPieceTokenizer:
    """Turns text into vocabulary ids: [CLS] pieces... [SEP], cut to a maximum length."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        missing = [token for token in (CLS, SEP, PAD, UNK) if token not in vocabulary]
        if missing:
            raise ValueError(f"the vocabulary lacks the special tokens {missing}")
        self._vocabulary = vocabulary
        self.pad_id = vocabulary[PAD]

    @classmethod
    def from_file(cls, vocab_file: Path) -> "WordPieceTokenizer":
        """One token per line; a token's id is its line number (from 0)."""
        lines = vocab_file.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return cls({token: index for index, token in enumerate(lines)})

    def tokenize(self, text: str) -> list[str]:
        """The word pieces of `text`, without the special tokens around them."""
        pieces: list[str] = []
        for word in _basic_words(text):
            pieces.extend(self._word_pieces(word))
        return pieces

    def encode(self, text: str, max_tokens: int) -> list[int]:
        """Ids of [CLS] + the first `max_tokens - 2` pieces + [SEP]."""
        if max_tokens < 2:
            raise ValueError("max_tokens must leave room for [CLS] and [SEP]")
        pieces = self.tokenize(text)[: max_tokens - 2]
        return [self._vocabulary[CLS], *(self._vocabulary[p] for p in pieces), self._vocabulary[SEP]]

    def _word_pieces(self, word: str) -> list[str]:
        if len(word) > _MAX_WORD_CHARS:
            return [UNK]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                candidate = word[start:end] if start == 0 else _CONTINUATION + word[start:end]
                if candidate in self._vocabulary:
                    break
                end -= 1
            if end == start:
                return [UNK]
            pieces.append(candidate)
            start = end
        return pieces


def _basic_words(text: str) -> Iterator[str]:
    """Cleaned, lower-cased, accent-free words, each punctuation mark a word of its own."""
    for raw in _clean(text).split():
        chunk = _strip_accents(raw.lower())
        word: list[str] = []
        for char in chunk:
            if _is_punctuation(char):
                if word:
                    yield "".join(word)
                    word = []
                yield char
            else:
                word.append(char)
        if word:
            yield "".join(word)


def _clean(text: str) -> str:
    """Drop control characters, make all whitespace a space, space out CJK ideographs."""
    out = []
    for char in text:
        code = ord(char)
        if code in {0, 65533} or _is_control(char):
            continue
        if _is_whitespace(char):
            out.append(" ")
        elif _is_cjk(code):
            out.append(f" {char} ")
        else:
            out.append(char)
    return "".join(out)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _is_whitespace(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    return char not in "\t\n\r" and unicodedata.category(char).startswith("C")


def _is_punctuation(char: str) -> bool:
    """Unicode punctuation, plus every ASCII symbol ("$", "+", "^", "`"), as BERT does."""
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )
