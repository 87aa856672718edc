"""Text helpers every room uses, each written once: a cell as text, text on one line, whether
a cell holds words, and counts in plain English (``plural(1, "row")`` is "1 row",
``plural(2, "row")`` "2 rows")."""

from __future__ import annotations

import re
from typing import Any

_HAS_WORDS = re.compile(r"\w")


def cell_text(value: Any) -> str | None:
    """A cell as text, outer whitespace (and trailing blank lines) trimmed; None when empty.
    A whole number read as a float (2.0, as calamine and csv give it) is written "2"."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def with_links(text: str | None, links: list[str]) -> str | None:
    """``text`` with each address in ``links`` it does not hold already after it, in
    brackets ("Complete: see the evidence (https://...)"); the addresses alone when there is
    no text. (A cell's Insert > Link is the evidence: its text goes where text goes, and the
    address is not lost.)"""
    for link in dict.fromkeys(links):
        if text is None:
            text = link
        elif link not in text:
            text = f"{text} ({link})"
    return text


def one_line(value: Any) -> str:
    """A value's text on one line: runs of whitespace (line breaks too) made one space, outer
    whitespace gone; "" for None. For headers, owners' names and comparing texts."""
    return " ".join(str(value).split()) if value is not None else ""


def shortened(value: Any, width: int) -> str:
    """A value's text on one line (:func:`one_line`), cut at a word to at most ``width``
    characters, with "…" when it was cut: for quoting a long text in a message."""
    text = one_line(value)
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0] if " " in text[: width - 1] else text[: width - 1]
    return cut.rstrip(" ,;:.") + "…"


def has_words(text: str | None) -> bool:
    """False for empty text and for stray punctuation such as ", ,"."""
    return bool(text and _HAS_WORDS.search(text))


#: An owner cell written "not applicable" or "none": it names no one, as an empty one does.
_NO_ONE = re.compile(r"\s*(?:n\s*/\s*a|not\s+applicable|none)\s*\.?\s*", re.IGNORECASE)


def names_someone(owner: str | None) -> bool:
    """Does an Action Owner cell name anyone: words, not "N/A", "not applicable" or "None"?
    (The plan check's ``missing_owner`` and the actions ``edi-xl returns`` sends agree.)"""
    return has_words(owner) and _NO_ONE.fullmatch(owner or "") is None


#: Plurals that are not the word plus "s".
IRREGULAR = {
    "is": "are",
    "has": "have",
    "was": "were",
    "person": "people",
    "this": "these",
}


def plural_word(count: int, word: str, many: str | None = None) -> str:
    """``word`` as it goes with ``count``: itself for one, else ``many`` or its plural. In a
    phrase the last word takes the plural ("email draft" -> "email drafts"); give ``many``
    for any other ("action not sent" -> "actions not sent")."""
    if count == 1:
        return word
    if many is not None:
        return many
    head, space, last = word.rpartition(" ")
    if last in IRREGULAR:
        last = IRREGULAR[last]
    elif last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "o", "u", ""):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return head + space + last


def plural(count: int, word: str, many: str | None = None) -> str:
    """The count and the word: "1 row", "2 rows", "0 rows" (see :func:`plural_word`)."""
    return f"{count} {plural_word(count, word, many)}"


#: First words of a job title, not a name: "Director of People, Culture & OD" is one owner
#: to greet whole, never "Dear Director of People,".
_TITLE_WORDS = frozenset(
    (
        "director",
        "directors",
        "head",
        "heads",
        "chief",
        "deputy",
        "associate",
        "assistant",
        "lead",
        "leads",
        "manager",
        "managers",
        "executive",
        "senior",
        "interim",
        "acting",
        "officer",
        "chair",
        "vice",
        "programme",
        "project",
        "clinical",
        "medical",
        "nursing",
        "divisional",
        "group",
        "team",
        "board",
        "committee",
        "trust",
        "people",
        "workforce",
        "freedom",
        "guardian",
        "network",
        "staff",
        "general",
        "service",
        "services",
        "all",
        "the",
        "hr",
        "edi",
    )
)
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("“", "”"), ("‘", "’"))


def greeting_name(owner: str) -> str:
    """Whom an email greets for an action owner ("Dear {name},"): the part before the first
    comma when it is a person's name ("Jim Machon, Associate Director of HR" -> "Jim Machon"),
    else the whole owner. A part that opens a bracket or a quote it does not close ("Dr. Anne
    D'Souza (Medical Director, "acting")") or that starts like a job title ("Director of
    People, Culture & OD") is not a name: cut there, the greeting would read wrong."""
    whole = owner.strip()
    head, comma, _ = whole.partition(",")
    head = head.strip()
    if not comma or not head:
        return whole
    if any(word in _TITLE_WORDS for word in re.split(r"[\s.]+", head.lower())):
        return whole  # ("Director of People", "Ops Director": a role, not a name)
    if head.count('"') % 2 or any(head.count(a) != head.count(b) for a, b in _PAIRS):
        return whole
    if not _LOOKS_LIKE_A_NAME.fullmatch(head):  # "Estates", "Finance, Performance & Estates"
        return whole
    return head


#: A person's name before an owner's comma: a title ("Dr", "Mrs") or two to four words, each
#: starting with a capital ("Jim Machon", "Siobhán Ní Bhriain", "Anne-Marie D'Souza"), none
#: of them "and" or "&" (helper-108: "Equality, Diversity and Inclusion Lead" greeted
#: "Dear Equality,").
_LOOKS_LIKE_A_NAME = re.compile(
    r"(?:(?:dr|mr|mrs|ms|miss|mx|prof|professor|sir|dame)\.?\s+\S.*"
    r"|[^\W\d_][\w'’.-]*(?:\s+(?!and\b)[^\W\d_][\w'’.-]*){1,3})",
    re.IGNORECASE,
)
