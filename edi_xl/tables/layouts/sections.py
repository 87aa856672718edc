"""Layout 003: an action plan in numbered sections, each a heading and then a table.

``1. Ensure Recruitment and Selection processes are free from bias`` then ``Priority | Action |
Lead | By When | Milestone | Progress | RAG``, the same header again under every section. The
section heading is the theme and its number the first part of the ids (3.1, 3.2...); "By
When" ("October 2020", "December 2020 onwards") is the due date; RAG letters (R/A/G/B) are
the status; Progress is the update column; Priority and Milestone (bullets with dates) are
kept as extra columns.
"""

from __future__ import annotations

import re

from edi_xl.read.grid import SheetGrid
from edi_xl.tables.engine import header_at
from edi_xl.tables.layouts.base import Detection
from edi_xl.tables.layouts.reading import LayoutSpec, leading_number
from edi_xl.tables.layouts.tables import (
    COMMON_FIELDS,
    Signature,
    Vocabulary,
    detect_with,
    lone_text,
)

NAME = "sections"
DESCRIPTION = (
    "Numbered sections, each a heading then a table (Priority | Action | Lead | By When | "
    "Milestone | Progress | RAG)"
)

VOCABULARY = Vocabulary.of(
    [
        ("priority", "priority | priority level | priorities | +priority"),
        ("milestone", "milestone | milestones | key milestones | +milestone | +milestones"),
    ],
    shared=COMMON_FIELDS,
)

SIGNATURE = Signature(
    vocabulary=VOCABULARY,
    key_fields=("priority", "action", "owner", "due", "milestone", "progress", "status"),
    required=("action",),
    any_of=(("due", "status"),),
    min_fields=3,
)

#: A numbered line longer than this is a paragraph of text, not a section heading.
MAX_HEADING_WORDS = 25
_SECTION = re.compile(r"^\s*\d{1,3}\s*[.)]\s+\S")


def _has_numbered_heading(grid: SheetGrid, header_row: int) -> bool:
    """A "1. Ensure ..." line in the rows just above the header."""
    for r in range(max(0, header_row - 5), header_row):
        text = lone_text(grid.rows[r])
        if text and _SECTION.match(text) and len(text.split()) <= MAX_HEADING_WORDS:
            return True
    return False


def detect(grid: SheetGrid) -> Detection | None:
    found = detect_with(grid, NAME, SIGNATURE)
    if found is None:
        return None
    # The sections are what make this layout: without a Priority column or a numbered
    # heading above the table, an Action/Lead/Status table is someone else's.
    if "priority" not in found.columns and not _has_numbered_heading(grid, found.header_row):
        return None
    if _own_table(grid, found):
        return None
    return found


def _own_table(grid: SheetGrid, found: Detection) -> bool:
    """A table that numbers its own actions ("Ref", "#") or names their theme in a column of
    its own ("Theme", "Priority area"; 003's Milestone is its theme to the general reading)
    is a general table with a Priority column: read as sections, its ids would be renumbered
    and its themes dropped."""
    header = header_at(grid, found.header_row)
    if header is None:
        return False
    fields = header.fields
    theme = fields.get("theme")
    return "id" in fields or (theme is not None and theme != found.columns.get("milestone"))


SPEC = LayoutSpec(name=NAME, signature=SIGNATURE, theme_number=leading_number)


read_detail = SPEC.read_detail
read = SPEC.read
