"""What every layout shares: the detection record and header-row finding.

The header row is found with the one table understanding (:mod:`edi_xl.tables.engine`): the same
vocabulary and row scan as the general table and the owner returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edi_xl.read.grid import SheetGrid
from edi_xl.tables.engine import HEADER_SCAN_ROWS, row_fields, scan_headers
from edi_xl.tables.vocabulary import match_header


@dataclass(frozen=True)
class Detection:
    """A layout's claim on a sheet: how sure it is and where the table starts."""

    layout: str
    score: float  # 0..1: share of the layout's key columns found
    header_row: int  # 0-based grid row of the header
    columns: dict[str, int] = field(default_factory=dict)


def count_header_matches(row: list[Any]) -> int:
    """How many distinct fields a row's cells name (an "update" column counts once).

    The synonym table only (:func:`edi_xl.tables.vocabulary.match_header`), without the general
    table's word rule: a data row of a master ("EDI Lead", "Exceeded Timescales") must not
    pass for a page's repeated header.
    """
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
    for r, fields in scan_headers(grid, min_cells=3):
        hits = [f for f in key_fields if f in fields]
        if len(hits) < 3 or any(f not in fields for f in required):
            continue
        score = len(hits) / len(key_fields)
        if best is None or score > best[2]:
            best = (r, fields, score)
    return best


__all__ = [
    "HEADER_SCAN_ROWS",
    "Detection",
    "count_header_matches",
    "find_header_row",
    "header_fields",
]

#: field -> first column of a row whose header means it: :func:`edi_xl.tables.engine.row_fields`.
header_fields = row_fields
