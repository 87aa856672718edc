"""A sheet's column settings (width, hidden, outline, style), as Excel and LibreOffice save them.

A setting may span several columns: Excel and LibreOffice save neighbouring columns alike as one
``<col min max>``, and openpyxl keeps it under the key of its first column. openpyxl's
``ws.column_dimensions[letter]`` makes a new setting for any column it finds no key for, with
its default width of 13: for a column inside a span, saved, that narrows it (and a width set so
on the span's key widens all of it). So edi_xl reads a column's setting by finding the span that
covers it (:func:`column_setting`), sets a width by cutting the column out of its span first
(:func:`set_column_width`), and moves the settings right of an inserted column by one rule
(:func:`shifted_span`), which the patch writer applies to the file's ``<cols>`` too.
"""

from __future__ import annotations

from copy import copy
from typing import Any, cast

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet

#: Excel's last column (XFD).
LAST_COLUMN = 16384
#: The width Excel shows a column at that neither it nor its sheet sets (Calibri 11).
EXCEL_DEFAULT_WIDTH = 8.43


def column_span(key: str, dim: Any) -> tuple[int, int]:
    """The first and last column (1-based) of the column settings ``dim``, kept under
    ``key`` in ``ws.column_dimensions``; settings made in memory have no min and max until
    openpyxl saves, and their key says where they are."""
    lo = dim.min or column_index_from_string(key)
    return lo, dim.max or lo


def _covering(ws: Worksheet, col: int) -> tuple[str, Any] | None:
    """The key and settings that cover column ``col``: its own (kept under its letter) or a
    span's; None where none do. Nothing is made."""
    dims = ws.column_dimensions
    letter = get_column_letter(col)
    own = dims.get(letter)
    if own is not None and column_span(letter, own)[0] == col:
        return letter, own
    for key, dim in dims.items():
        lo, hi = column_span(key, dim)
        if lo <= col <= hi:
            return key, dim
    return None


def column_setting(ws: Worksheet, col: int) -> ColumnDimension | None:
    """The settings the sheet gives column ``col`` (1-based), None where it gives none: its
    own or the span's that covers it, found without making any."""
    found = _covering(ws, col)
    return None if found is None else cast(ColumnDimension, found[1])


def column_width(ws: Worksheet, col: int) -> float | None:
    """The width the sheet gives column ``col`` (:func:`column_setting`), None where it gives
    none."""
    dim = column_setting(ws, col)
    return None if dim is None else cast(float | None, dim.width)


def shown_width(ws: Worksheet, col: int) -> float:
    """The width column ``col`` is shown at: its setting's (:func:`column_width`), else the
    sheet's default (``defaultColWidth``), else Excel's. (Not openpyxl's 13, the width of a
    setting it makes: a column shown narrower wraps its text over more lines.)"""
    width = column_width(ws, col) or ws.sheet_format.defaultColWidth or EXCEL_DEFAULT_WIDTH
    return float(width)


#: Excel's widest digit, in pixels, in Calibri 11 (the Normal style's font of nearly every
#: plan): the unit of a column's width.
DIGIT_PIXELS = 7


def width_pixels(width: float) -> int:
    """The pixels Excel shows a column at whose ``<col width>`` (characters, its padding
    included: what the file and openpyxl's ``width`` hold) is ``width``, as the file
    format's text gives it."""
    return int((256 * width + 128 // DIGIT_PIXELS) / 256 * DIGIT_PIXELS)


def shifted_span(lo: int, hi: int, col: int) -> list[tuple[int, int]]:
    """Where the settings of columns ``lo`` to ``hi`` go when a column is inserted before
    ``col``: right of it, one column right; across it, cut there (the new column takes none
    of a span's settings: it is not hidden, grouped or styled because its neighbours are),
    the part left of it staying; past Excel's last column, gone."""
    if hi < col:
        return [(lo, hi)]
    out = [(lo, col - 1)] if lo < col else []
    start = max(lo, col) + 1
    if start <= LAST_COLUMN:
        out.append((start, min(hi + 1, LAST_COLUMN)))
    return out


def _put(ws: Worksheet, dim: Any, lo: int, hi: int) -> None:
    """``dim`` as the settings of columns ``lo`` to ``hi``, under the key of ``lo``."""
    dim.min, dim.max, dim.index = lo, hi, get_column_letter(lo)
    ws.column_dimensions[dim.index] = dim


def shift_column_settings(ws: Worksheet, col: int) -> None:
    """Move the column settings at and right of ``col`` as :func:`shifted_span` says,
    leaving ``col`` with none."""
    dims = ws.column_dimensions
    moved = []
    for key in list(dims):
        dim = dims[key]
        lo, hi = column_span(key, dim)
        if hi < col:
            continue
        del dims[key]
        moved += [(copy(dim), a, b) for a, b in shifted_span(lo, hi, col)]
    for dim, a, b in moved:
        _put(ws, dim, a, b)


def set_column_width(ws: Worksheet, col: int, width: float) -> None:
    """Give column ``col``, a column edi_xl takes (its computed columns, a round's update
    column), the width ``width`` and no other settings: not hidden nor grouped, no style,
    whatever the column had (a trust's empty columns right of the plan are often hidden).
    A span covering it is cut around it (as the patch writer cuts the file's ``<col>``),
    and the span's other columns keep theirs."""
    found = _covering(ws, col)
    if found is not None and column_span(*found) == (col, col):  # its own: made anew
        del ws.column_dimensions[found[0]]
    elif found is not None:  # a span: cut around the column
        key, span = found
        lo, hi = column_span(key, span)
        del ws.column_dimensions[key]
        if lo < col:
            _put(ws, copy(span), lo, col - 1)
        if col < hi:
            _put(ws, copy(span), col + 1, hi)
    dim = ColumnDimension(ws, index=get_column_letter(col), width=width)
    _put(ws, dim, col, col)
