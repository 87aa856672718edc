"""Inserting a column without breaking what sits to its right.

openpyxl's ``insert_cols`` moves cell values and styles only. Merged ranges, column widths,
conditional formats and data validations to the right stay where they were, so a plain
insert would leave them pointing at the wrong cells. :func:`insert_column` moves them too.
"""

from __future__ import annotations

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.master.edits import record_inserted_column, shift_range_text


def _shifted(ranges: MultiCellRange, col: int) -> MultiCellRange:
    return MultiCellRange(shift_range_text(str(ranges), col))


def insert_column(ws: Worksheet, col: int) -> None:
    """Insert an empty column before 1-based ``col``, moving everything to its right."""
    merged = [CellRange(r.coord) for r in ws.merged_cells.ranges]
    for rng in merged:
        ws.unmerge_cells(rng.coord)
    widths = {
        idx: ws.column_dimensions[get_column_letter(idx)].width
        for idx in range(col, ws.max_column + 1)
        if get_column_letter(idx) in ws.column_dimensions
    }
    ws.insert_cols(col)
    record_inserted_column(ws, col)  # each door inserts it too (edi_xl.master.edits)
    for idx, width in sorted(widths.items(), reverse=True):
        ws.column_dimensions[get_column_letter(idx + 1)].width = width
    ws.column_dimensions[get_column_letter(col)].width = 13.0  # Excel's default
    for rng in merged:
        if rng.min_col >= col:
            rng.shift(col_shift=1)
        elif rng.max_col >= col:
            rng.expand(right=1)
        ws.merge_cells(rng.coord)
    rules = ConditionalFormattingList()
    for cf in ws.conditional_formatting:
        sqref = str(_shifted(cf.sqref, col))
        for rule in cf.rules:
            rules.add(sqref, rule)
    ws.conditional_formatting = rules
    for dv in ws.data_validations.dataValidation:
        dv.sqref = _shifted(dv.sqref, col)
    if ws.auto_filter.ref:
        ws.auto_filter.ref = str(_shifted(MultiCellRange(ws.auto_filter.ref), col))
