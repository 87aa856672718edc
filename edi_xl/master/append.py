"""Adding actions as new rows at the end of a master's plan table (``edi-xl import --into``).

The rows go straight under the table's last row. Each value goes into the column the master
keeps that field in, in the trust's own order (as :func:`edi_xl.tables.layouts.trust.
map_columns` finds it, not the order of a new master): an update under the update column of
the same header or round date, an extra column under the master's column of the same header.
Values are written as data (:func:`edi_xl.master.cells.set_value`: text never becomes a
formula) and the new rows take the look of the table's last row. A column of the trust's
filled down with one formula (the table's last two rows hold it, each for its own row) gives
the new rows that formula, moved to theirs, where the source has no value, as Excel fills a
table's calculated column. A round's updates the master has no column for get that round's
update column, placed among the others by date (:func:`edi_xl.master.plan.round_column`).

A value the master has no column for is not written anywhere: it is counted, per field, so
that the caller says so (nothing is dropped silently). Which actions are new (their ids) is
the caller's decision; refresh then works the new rows out as any other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl.cell.cell import MergedCell
from openpyxl.formula.translate import Translator
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.errors import EdiXlError
from edi_xl.core.model import Action, ProgressUpdate
from edi_xl.core.problems import Problem
from edi_xl.core.text import one_line, plural
from edi_xl.master.cells import merged_cell_note, set_value
from edi_xl.master.column_settings import shown_width
from edi_xl.master.edits import copy_look, same_but_references, with_rows
from edi_xl.master.loading import made_cells
from edi_xl.master.plan import (
    MasterPlan,
    action_cell_value,
    round_column,
    sheet_grid,
)
from edi_xl.master.printing import grow_print_area
from edi_xl.master.styles import GRID_BORDER, WRAP_TOP, row_height
from edi_xl.read.grid import SheetGrid, is_blank
from edi_xl.tables.layouts import trust
from edi_xl.tables.layouts.trust import ColumnMap


@dataclass(frozen=True)
class Unplaced:
    """A field of the added actions that the master has no column for (not written)."""

    kind: str  # "field" (a column of the trust layout), "update" or "column" (an extra one)
    name: str  # the header it had: "Start Date", "Update as at 30 Sep 23", "Lead"
    actions: int  # how many of the actions had a value there

    def describe(self) -> str:
        what = {"field": "field", "update": "update column", "column": "column"}[self.kind]
        return f"{what} {self.name!r}: {plural(self.actions, 'action')} had a value there"


@dataclass
class RowsAdded:
    """Where the actions went, and what of theirs the master has no place for."""

    rows: list[int] = field(default_factory=list)  # 1-based, one per action, in order
    unplaced: list[Unplaced] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # cells that could not be written
    #: headers of the trust's own columns whose formula the new rows were given
    formulas: list[str] = field(default_factory=list)


def _key(text: Any) -> str:
    return one_line(text).casefold()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def last_table_row(master: MasterPlan) -> int:
    """The 1-based row of the table's last row (its header row when it has no actions)."""
    rows = [master.header_row] + [a.origin.row for a in master.plan.actions if a.origin]
    if master.plan.source is not None:
        rows += master.plan.source.skipped_rows  # a repeated header at the very end
    return max(rows)


class _Placer:
    """Which 0-based column of the master each value of an action goes into (``as_at``: the
    round the actions are added in)."""

    def __init__(self, columns: ColumnMap, as_at: date | None = None) -> None:
        self.columns = columns
        self.as_at = as_at
        self.updates = {_key(name): col for name, col in columns.updates.items()}
        self.update_dates: dict[date, int] = {}
        for name, col in columns.updates.items():
            when = columns.update_dates.get(name)
            if when is not None:
                self.update_dates.setdefault(when, col)
        self.extras = {_key(name): col for name, col in columns.extras.items()}
        self.unplaced: Counter[tuple[str, str]] = Counter()  # (kind, name) -> actions

    def update_col(self, update: ProgressUpdate) -> int | None:
        """The master's column for ``update``: the same header, else the same round date
        (:meth:`round_of`)."""
        col = self.updates.get(_key(update.header))
        when = self.round_of(update)
        if col is None and when is not None:
            col = self.update_dates.get(when)
        return col

    def round_of(self, update: ProgressUpdate) -> date | None:
        """The round ``update`` is of: its own date, else (a board's "Progress", dated
        nowhere) the round the master is imported into (helper-91: it was not written, though
        the master had that round's column)."""
        return update.as_at or self.as_at

    def values(self, action: Action) -> list[tuple[int, Any]]:
        """(0-based column, value) of every value of ``action`` the master has a column for;
        the others are counted in :attr:`unplaced`."""
        out: list[tuple[int, Any]] = []
        missing: dict[tuple[str, str], None] = {}  # in order met, each once

        def place(col: int | None, value: Any, kind: str, name: str) -> None:
            if _blank(value):
                return
            if col is None:
                missing[kind, name] = None
            else:
                out.append((col, value))

        for column in trust.COLUMNS:
            value = action_cell_value(action, column.field)
            place(self.columns.fields.get(column.field), value, "field", column.header)
        for update in action.updates:
            place(self.update_col(update), update.text, "update", update.header)
        for name, value in action.extra.items():
            place(self.extras.get(_key(name)), value, "column", name)
        self.unplaced.update(missing.keys())
        return out

    def report(self) -> list[Unplaced]:
        return [Unplaced(kind, name, n) for (kind, name), n in self.unplaced.items()]


def _table_width(columns: ColumnMap) -> int:
    """The 1-based last column of the table (header or data)."""
    cols = [
        *columns.fields.values(),
        *columns.updates.values(),
        *columns.extras.values(),
        *columns.computed.values(),
    ]
    return max(cols, default=0) + 1


def _style_row(ws: Worksheet, row: int, template: int | None, start: int, width: int) -> None:
    """Give ``row`` the look of the table's row ``template`` (its cells' looks, as the file
    has them: :func:`~edi_xl.master.edits.copy_look`, so that a column of Excel's cell
    checkboxes has them in the new rows too), or, for a table with no rows yet, the look of
    a new master's rows: from the plan's first column (0-based ``start``; a table of the
    trust's own left of it keeps its cells as they are) to its last (1-based ``width``)."""
    for col in range(start + 1, width + 1):
        if template is None:
            cell = ws.cell(row, col)
            cell.alignment, cell.border = WRAP_TOP, GRID_BORDER
            continue
        source = ws._cells.get((template, col))
        if source is not None:
            copy_look(ws.cell(row, col), source)


def _filled_down(ws: Worksheet, rows: list[int], columns: ColumnMap, width: int) -> dict[int, str]:
    """1-based column -> the formula of the table's last row, for each column whose last two
    rows hold the same formula, moved to its row (a column filled down, as a calculated
    column of an Excel table is): the formula new rows are given there, moved to theirs, as
    Excel fills it in a table and as a person would copy it down. edi_xl's own columns are
    left out (refresh writes them); so is an array formula, and so are the columns of a table
    of the trust's own left of the plan (``columns.start``: not the plan's)."""
    if len(rows) < 2:
        return {}
    last, before = rows[-1], rows[-2]
    computed = {col + 1 for col in columns.computed.values()}
    out: dict[int, str] = {}
    for col in range(columns.start + 1, width + 1):
        cell, above = ws._cells.get((last, col)), ws._cells.get((before, col))
        if col in computed or cell is None or above is None:
            continue
        formula, earlier = cell.value, above.value
        if cell.data_type != "f" or above.data_type != "f":
            continue
        if not isinstance(formula, str) or not isinstance(earlier, str):
            continue
        letter = get_column_letter(col)
        moved = Translator(earlier, origin=f"{letter}{before}").translate_formula(f"{letter}{last}")
        if moved.upper() == formula.upper():  # Translator writes references in capitals
            out[col] = formula
    return out


def _in_the_way(
    ws: Worksheet, grid: SheetGrid, columns: ColumnMap, first: int, count: int
) -> tuple[int, str] | None:
    """The first of the 1-based rows ``first`` to ``first + count - 1`` that holds, in the
    table's columns, something that is not a row made ready for actions to come (a row of
    totals: not an action, so not read as one), with its first such value as text; None
    when they are empty or hold only formulas filled down (the same formula, but for its
    references, in the row above or below: a totals row's ``=COUNTIF(...)`` is not)."""
    watched = columns.table_columns()
    cells = made_cells(ws)

    def filled_down(r: int, c: int) -> bool:  # (1-based)
        here = cells.get((r, c))
        if here is None or here.data_type != "f":
            return False
        return any(
            (near := cells.get((other, c))) is not None
            and near.data_type == "f"
            and same_but_references(near.value, here.value)
            for other in (r - 1, r + 1)
        )

    for r in range(first, first + count):
        for c in watched:
            value = grid.value(r - 1, c)
            if is_blank(value) or ((r - 1, c) in grid.worked_out and filled_down(r, c + 1)):
                continue
            return r, one_line(value)
    return None


def append_actions(
    master: MasterPlan,
    actions: Sequence[Action],
    *,
    path: object = None,
    as_at: date | None = None,
) -> RowsAdded:
    """Write ``actions`` as new rows under the last row of ``master``'s plan table; an update
    dated nowhere goes in the column of the round ``as_at`` (made if the master has none).

    A plan kept as an Excel table with a Total Row is refused (EdiXlError, nothing written):
    the new rows would go on its Total Row, or below it, outside the table."""
    ws = master.sheet
    grid = master.grid if master.grid is not None else sheet_grid(ws)
    columns = trust.map_columns(grid, master.detection.header_row)
    if actions and _plan_table_has_a_total_row(master, columns):
        raise EdiXlError(
            f"{path or 'the master'}: the plan is an Excel table with a Total Row, and edi_xl "
            "adds actions under the table's last row, which is its Total Row. In Excel, "
            "click in the table, untick Table Design > Total Row, save and close, import "
            "again, then tick Total Row again; nothing was changed."
        )
    placer = _Placer(columns, as_at)
    # a round's updates the master has no column for get the round's column, in date order
    rounds = sorted(
        {
            when
            for a in actions
            for u in a.updates
            if (when := placer.round_of(u)) and placer.update_col(u) is None
        }
    )
    if rounds:
        for when in rounds:
            round_column(ws, master.header_row, when)
        grid = sheet_grid(ws)
        columns = trust.map_columns(grid, master.detection.header_row)
        placer = _Placer(columns, as_at)
    width = _table_width(columns)
    origins = sorted(a.origin.row for a in master.plan.actions if a.origin)
    template = origins[-1] if origins else None
    formulas = _filled_down(ws, origins, columns, width)
    result = RowsAdded()
    row = last_table_row(master)
    if actions and (taken := _in_the_way(ws, grid, columns, row + 1, len(actions))):
        first, label = taken
        needed = row + 1 + len(actions) - first  # (the rows free above it take the rest)
        raise EdiXlError(
            f"{path or 'the master'}: row {first} under the plan holds {label!r}, not an "
            f"action, and edi_xl adds the {plural(len(actions), 'new action')} under the "
            "plan's last row, over it. In Excel, insert "
            f"{plural(needed, 'empty row')} above row {first} (or move what is there "
            "further down), save and close, and import again; nothing was changed."
        )
    filled: set[int] = set()
    for action in actions:
        row += 1
        result.rows.append(row)
        _style_row(ws, row, template, columns.start, width)
        heights: list[tuple[Any, float]] = []
        values = placer.values(action)
        typed = {col0 + 1 for col0, _ in values}  # a value the source has wins over a formula
        for col, formula in formulas.items():
            cell = ws.cell(row, col)
            if col not in typed and not isinstance(cell, MergedCell):  # (a merged box below)
                letter = get_column_letter(col)
                cell.value = Translator(formula, origin=f"{letter}{template}").translate_formula(
                    f"{letter}{row}"
                )
                filled.add(col)
        for col0, value in values:
            cell = ws.cell(row, col0 + 1)
            fmt = cell.number_format if is_date_format(cell.number_format) else None
            if not set_value(cell, value, number_format=fmt):
                header = one_line(grid.value(master.detection.header_row, col0))
                result.notes.append(merged_cell_note(cell, action.id, path, header))
                continue
            heights.append((value, shown_width(ws, col0 + 1)))
        ws.row_dimensions[row].height = row_height(heights)
    result.unplaced = placer.report()
    result.formulas = [
        one_line(grid.value(master.detection.header_row, col - 1))
        or f"Column {get_column_letter(col)}"
        for col in sorted(filled)
    ]
    if result.rows:
        _grow_tables(ws, last_table_row(master), result.rows[-1], columns.start)
        _grow_filter(ws, last_table_row(master), result.rows[-1])
        _grow_print_area(ws, last_table_row(master), result.rows[-1])
    return result


def _plan_table_has_a_total_row(master: MasterPlan, columns: ColumnMap) -> bool:
    """Whether the plan is kept as an Excel table with a Total Row: a table of the plan
    sheet with one, whose range holds the plan's header row and one of its columns (a table
    of the trust's beside the plan, with a Total Row, is not the plan's)."""
    plan_cols = {c + 1 for c in columns.fields.values()}
    for table in master.sheet.tables.values():
        if table.totalsRowCount and table.ref:
            left, top, right, bottom = range_boundaries(table.ref)
            if top <= master.header_row <= bottom and any(left <= c <= right for c in plan_cols):
                return True
    return False


def _grow_print_area(ws: Worksheet, last: int, new_last: int) -> None:
    """A print area of the trust's that ends on the plan's last row takes the rows added
    under it, so that the new actions print with the others (as the table and the filter
    take them)."""
    grow_print_area(ws, lambda b: (b[0], b[1], b[2], new_last) if b[3] == last else None)


def _grow_filter(ws: Worksheet, last: int, new_last: int) -> None:
    """The sheet's filter, one the trust set with criteria too, that ends on the plan's last
    row takes the rows added under it: filtering and sorting then take in the new actions
    (a refresh sets a filter with none over the plan's rows, but leaves the trust's own)."""
    ref = ws.auto_filter.ref
    if not ref:
        return
    _, top, _, bottom = range_boundaries(ref)
    if top and last <= bottom < new_last:  # (one reaching a row or two past the plan too)
        ws.auto_filter.ref = with_rows(ref, top, new_last)


def _grow_tables(ws: Worksheet, last: int, new_last: int, start: int = 0) -> None:
    """An Excel table ("Format as Table") that ends on the plan's last row takes the rows
    added under it, as Excel does when a row is typed below a table. A table with a totals
    row is left as it is (the new rows sit below its totals), and so is one wholly left of
    the plan's first column (0-based ``start``: a table of the trust's own beside it)."""
    for table in ws.tables.values():
        if not table.ref or table.totalsRowCount:
            continue
        _, lo_row, hi_col, hi_row = range_boundaries(table.ref)
        if hi_row != last or hi_col <= start:
            continue
        table.ref = with_rows(table.ref, lo_row or 1, new_last)
        if table.autoFilter is not None and table.autoFilter.ref:
            table.autoFilter.ref = table.ref
