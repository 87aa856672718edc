"""Cells as text: small helpers every room uses, each written once."""

from __future__ import annotations

import re

_HAS_WORDS = re.compile(r"\w")


def has_words(text: str | None) -> bool:
    """False for empty text and for stray punctuation such as ", ,"."""
    return bool(text and _HAS_WORDS.search(text))
