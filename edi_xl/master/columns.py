"""Inserting a column without breaking what sits to its right.

openpyxl's ``insert_cols`` moves cell values and styles only. Merged ranges, column widths,
conditional formats and data validations to the right stay where they were, and formulas
keep pointing at the old columns, so a plain insert would leave them pointing at the wrong
cells. :func:`insert_column` moves them too, as Excel does when a person inserts a column:
every formula of the workbook (cells on any sheet, names, conditional formats, dropdowns,
print area and titles) that refers to a column of the sheet at or right of the new one
follows it, and a range across it grows.
"""

from __future__ import annotations

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.table import Table, TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.master.cells import set_value
from edi_xl.master.column_settings import set_column_width, shift_column_settings
from edi_xl.master.edits import (
    record_inserted_column,
    shift_filter_column,
    shift_formula,
    shift_frozen,
    shift_range_text,
    shift_reference,
    table_column_name,
)
from edi_xl.master.loading import (
    PlacedCells,
    insert_column_on_use,
    made_cells,
    record_moved_formula,
    value_at,
)


def _shifted(ranges: MultiCellRange, col: int) -> MultiCellRange:
    return MultiCellRange(shift_range_text(str(ranges), col))


def _shift_formulas(ws: Worksheet, col: int) -> None:
    """Every formula of ``ws``'s workbook that refers to ``ws``, as Excel moves them when a
    column is inserted before ``col`` (see the module docstring)."""
    wb, sheet = ws.parent, ws.title
    for other in wb.worksheets:
        # (a sheet's formulas are among the cells it has made: loading.made_cells)
        for cell in made_cells(other).values():
            value = cell._value
            if cell.data_type != "f":
                continue
            if isinstance(value, str):
                new = shift_formula(value, sheet, col, other.title)
                if new != value:
                    cell._value = new
                    record_moved_formula(cell, new)  # (its saved result still holds)
            elif isinstance(value, DataTableFormula) and other is ws:  # What-If's data table
                places = {
                    attr: shift_range_text(text, col)
                    for attr in ("ref", "r1", "r2")
                    if (text := getattr(value, attr, None))
                }
                if any(getattr(value, attr) != text for attr, text in places.items()):
                    cell._value = DataTableFormula(**{**dict(value), **places})
                    record_moved_formula(cell, cell._value)  # (its results still hold)
            elif isinstance(value, ArrayFormula):  # (Excel 365's dynamic arrays too)
                text = shift_formula(value.text or "", sheet, col, other.title)
                ref = shift_range_text(value.ref, col) if other is ws and value.ref else value.ref
                if (text, ref) != (value.text or "", value.ref):
                    cell._value = ArrayFormula(ref, text)  # (a new one: the baseline has it)
                    record_moved_formula(cell, cell._value)
        for dv in other.data_validations.dataValidation:
            for attr in ("formula1", "formula2"):
                text = getattr(dv, attr)
                if text:
                    setattr(dv, attr, shift_formula(text, sheet, col, other.title))
        for name in other.defined_names.values():
            if name.attr_text:
                name.attr_text = shift_formula(name.attr_text, sheet, col, other.title)
        for cf in other.conditional_formatting:  # may read another sheet (Excel 2010 and later)
            for rule in cf.rules:
                if rule.formula:
                    moved = [shift_formula(f, sheet, col, other.title) for f in rule.formula]
                    if moved != list(rule.formula):
                        rule.formula = moved
                for scale in (rule.colorScale, rule.dataBar, rule.iconSet):
                    for threshold in scale.cfvo if scale is not None else ():
                        if isinstance(threshold.val, str):  # a cell's or a formula's value
                            threshold.val = shift_formula(threshold.val, sheet, col, other.title)
    for name in wb.defined_names.values():
        if name.attr_text:
            name.attr_text = shift_formula(name.attr_text, sheet, col, None)
    if ws.print_area:  # (its ranges, of this sheet: its title may hold a comma)
        ws.print_area = [shift_reference(area.coord, col) for area in ws._print_area]
    if ws.print_title_cols:
        ws.print_title_cols = shift_reference(ws.print_title_cols, col)


def insert_column(ws: Worksheet, col: int) -> None:
    """Insert an empty column before 1-based ``col``, moving everything to its right."""
    merged = [r.coord for r in ws.merged_cells.ranges]
    for coord in merged:
        ws.unmerge_cells(coord)
    if not insert_column_on_use(ws, col):  # (a sheet whose cells are made on use: not made)
        ws.insert_cols(col)
    record_inserted_column(ws, col)  # each door inserts it too (edi_xl.master.edits)
    shift_column_settings(ws, col)
    set_column_width(ws, col, 13.0)  # (openpyxl's default width)
    for coord in merged:
        ws.merge_cells(shift_reference(coord, col))
    rules = ConditionalFormattingList()
    for cf in ws.conditional_formatting:
        sqref = str(_shifted(cf.sqref, col))
        for rule in cf.rules:
            rules.add(sqref, rule)
    ws.conditional_formatting = rules
    for dv in ws.data_validations.dataValidation:
        dv.sqref = _shifted(dv.sqref, col)
    if ws.freeze_panes:  # frozen columns the new one falls among: one more is frozen
        frozen = shift_frozen(ws.freeze_panes, col)
        if frozen != ws.freeze_panes:
            ws.freeze_panes = frozen
    flt = ws.auto_filter
    if flt.ref:  # (as the patch writer moves the file's: master.patch._shift_filter)
        first = range_boundaries(flt.ref)[0]
        for criterion in flt.filterColumn:
            criterion.colId = shift_filter_column(first, criterion.colId, col)
        flt.ref = shift_range_text(flt.ref, col)
    if flt.sortState is not None:
        flt.sortState.ref = shift_range_text(str(flt.sortState.ref), col)
        for key in flt.sortState.sortCondition:
            key.ref = shift_range_text(str(key.ref), col)
    _shift_tables(ws, col)
    _shift_formulas(ws, col)


def _shift_tables(ws: Worksheet, col: int) -> None:
    """The sheet's Excel tables ("Format as Table") after an empty column is inserted before
    ``col``, as the patch writer moves the file's (``master.patch._shift_sheet_xml``), so that
    a workbook saved whole (a file that cannot be patched) has them where its cells are: one
    right of the column moves; one it falls inside gains a column there, named as Excel names
    it ("Column1", written in its header cell: :func:`name_table_column` names it after the
    header the command writes); their filters and sorts follow their columns."""
    for table in ws.tables.values():
        if not table.ref:
            continue
        first, top, last, _ = range_boundaries(table.ref)
        if first < col <= last and table.tableColumns:
            columns = list(table.tableColumns)
            has_header = table.headerRowCount != 0
            name = table_column_name(None, (c.name for c in columns))
            new_id = 1 + max((c.id for c in columns), default=0)
            columns.insert(col - first, TableColumn(id=new_id, name=name))
            table.tableColumns = columns
            if has_header:  # (Excel writes the name there: a header must match its column)
                set_value(PlacedCells(ws, (col,)).cell(top, col), name)
        table.ref = shift_range_text(table.ref, col)
        flt = table.autoFilter
        if flt is not None and flt.ref:
            start = range_boundaries(flt.ref)[0]
            for criterion in flt.filterColumn:
                criterion.colId = shift_filter_column(start, criterion.colId, col)
            flt.ref = shift_range_text(flt.ref, col)
        for sort in (table.sortState, flt.sortState if flt is not None else None):
            if sort is not None:
                sort.ref = shift_range_text(str(sort.ref), col)
                for key in sort.sortCondition:
                    key.ref = shift_range_text(str(key.ref), col)


def _header_table(ws: Worksheet, row: int, col: int) -> Table | None:
    """The table whose header row is ``row`` and which holds column ``col``, if any."""
    for table in ws.tables.values():
        if table.ref and table.headerRowCount != 0:
            first, top, last, _ = range_boundaries(table.ref)
            if top == row and first <= col <= last:
                return table
    return None


def name_table_column(ws: Worksheet, row: int, col: int) -> None:
    """The header cell at (``row``, ``col``) was written: the table whose header it is names
    that column by it (unique among its columns, as Excel names it), as Excel does when a
    header is typed. (A column inserted inside a table is named "Column1" first.)"""
    table = _header_table(ws, row, col)
    if table is None or not table.tableColumns:
        return
    first = range_boundaries(str(table.ref))[0]
    columns = list(table.tableColumns)
    at = col - first
    if at < len(columns):
        others = (c.name for i, c in enumerate(columns) if i != at)
        columns[at].name = table_column_name(value_at(ws, row, col), others)


def table_takes_column(ws: Worksheet, row: int, col: int) -> bool:
    """The table whose header row is ``row`` and whose last column is the one left of ``col``
    takes ``col`` in, as Excel's table takes a column typed right of it: its range, its filter
    and a column named by the header cell there; whether there was one."""
    table = _header_table(ws, row, col - 1)
    if table is None or range_boundaries(str(table.ref))[2] != col - 1:
        return False
    columns = list(table.tableColumns)
    name = table_column_name(value_at(ws, row, col), (c.name for c in columns))
    columns.append(TableColumn(id=1 + max((c.id for c in columns), default=0), name=name))
    table.tableColumns = columns
    first, top, _, bottom = range_boundaries(str(table.ref))
    table.ref = CellRange(min_col=first, min_row=top, max_col=col, max_row=bottom).coord
    if table.autoFilter is not None and table.autoFilter.ref:
        _, lo, _, hi = range_boundaries(table.autoFilter.ref)
        table.autoFilter.ref = CellRange(min_col=first, min_row=lo, max_col=col, max_row=hi).coord
    return True
