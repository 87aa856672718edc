"""What every layout shares: the detection record and header-row finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edi_xl.grid import SheetGrid, is_blank
from edi_xl.headers import match_header

#: How far down a sheet the header row may sit (title rows, logos, a RAG key above it).
HEADER_SCAN_ROWS = 40


@dataclass(frozen=True)
class Detection:
    """A layout's claim on a sheet: how sure it is and where the table starts."""

    layout: str
    score: float  # 0..1: share of the layout's key columns found
    header_row: int  # 0-based grid row of the header
    columns: dict[str, int] = field(default_factory=dict)


def header_fields(row: list[Any]) -> dict[str, int]:
    """field -> first 0-based column whose header means it (update columns excluded)."""
    found: dict[str, int] = {}
    for col, value in enumerate(row):
        fld = match_header(value)
        if fld and fld != "update" and fld not in found:
            found[fld] = col
    return found


def count_header_matches(row: list[Any]) -> int:
    """How many distinct fields a row's cells name (an "update" column counts once)."""
    fields = {match_header(v) for v in row if isinstance(v, str)}
    fields.discard(None)
    return len(fields)


def find_header_row(
    grid: SheetGrid, key_fields: tuple[str, ...], required: tuple[str, ...]
) -> tuple[int, dict[str, int], float] | None:
    """The row in the first rows that best looks like this layout's header.

    Score = share of ``key_fields`` found; every one of ``required`` must be there and at
    least three key fields in all. The first best row wins (repeats further down are page
    headers of a printed table).
    """
    best: tuple[int, dict[str, int], float] | None = None
    for r in range(min(grid.n_rows, HEADER_SCAN_ROWS)):
        row = grid.rows[r]
        if sum(1 for v in row if not is_blank(v)) < 3:
            continue
        fields = header_fields(row)
        hits = [f for f in key_fields if f in fields]
        if len(hits) < 3 or any(f not in fields for f in required):
            continue
        score = len(hits) / len(key_fields)
        if best is None or score > best[2]:
            best = (r, fields, score)
    return best
