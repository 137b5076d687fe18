"""Where the FAQ articles live, read from the environment when asked (never at import)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ARTICLES_DIR = Path(__file__).resolve().parent.parent / "articles"


@dataclass(frozen=True, slots=True)
class FaqSettings:
    articles_dir: Path = DEFAULT_ARTICLES_DIR

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FaqSettings:
        """``SHOPDESK_FAQ_DIR`` points at a shop's own articles; the demo articles otherwise."""
        env = os.environ if environ is None else environ
        configured = env.get("SHOPDESK_FAQ_DIR", "").strip()
        return cls(articles_dir=Path(configured) if configured else DEFAULT_ARTICLES_DIR)
