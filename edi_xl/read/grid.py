"""A sheet as a plain grid of values: what layouts read, whatever the file format.

Every reader (openpyxl for .xlsx/.xlsm, calamine for .xls/.xlsb/.ods, csv) turns a sheet
into a :class:`SheetGrid`, so layout detection and reading never care where the values came
from. Rows and columns are 0-based and aligned with the sheet: ``rows[0]`` is sheet row 1 and
column 0 is column A, so a grid position maps straight back to a cell reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

#: Cells further out than this are not read: a sheet that declares A1:XFD1048576 as its used
#: range must not make us allocate a million rows.
MAX_ROWS = 200_000
MAX_COLS = 256


@dataclass(frozen=True)
class SheetGrid:
    """The values of one sheet, merged cells filled with their top-left value."""

    name: str
    rows: list[list[Any]]
    hidden_rows: frozenset[int] = field(default_factory=frozenset)
    hidden: bool = False
    #: 0-based row -> what a Word paragraph row is ("heading", "bullet", "text"); table rows
    #: and every row of a spreadsheet are absent
    kinds: dict[int, str] = field(default_factory=dict, compare=False, hash=False)
    #: 0-based (row, column) of the cells a formula works out (what they hold is its result),
    #: where the reader knows them
    worked_out: frozenset[tuple[int, int]] = field(
        default_factory=frozenset, compare=False, hash=False
    )
    #: 0-based (row, column) of the formula cells the file holds no result for (last saved
    #: by a program that does not calculate, as openpyxl, and not opened in Excel since):
    #: they hold the formula's text ("=DATE(2023,12,31)"), as a master's do
    no_result: frozenset[tuple[int, int]] = field(
        default_factory=frozenset, compare=False, hash=False
    )
    #: 0-based (row, column) -> the address a cell links to (Insert > Link: a web page, a
    #: document), where the reader knows them (an owner's evidence, linked from the update)
    links: dict[tuple[int, int], str] = field(default_factory=dict, compare=False, hash=False)
    #: 0-based (row, column) of the cells that hold a merged range's value from its top-left
    #: cell in another column (a merge across columns): what Excel stores is in that top-left
    #: cell alone, where the reader knows the merges
    filled_across: frozenset[tuple[int, int]] = field(
        default_factory=frozenset, compare=False, hash=False
    )
    #: 0-based (row, column) of the cells that hold a merged range's value from its top cell in
    #: a row above, in the same column (a merge down: an action printed over several rows)
    filled_down: frozenset[tuple[int, int]] = field(
        default_factory=frozenset, compare=False, hash=False
    )
    #: 0-based (row, column) -> the error Excel showed (``#NAME?``) for a cell whose text a
    #: person typed starting with "=", "-" or "+" ("-delayed to May"), which Excel took for a
    #: formula: the grid holds the text typed, read from the formula (xlsx / xlsm)
    typed_as_formula: dict[tuple[int, int], str] = field(
        default_factory=dict, compare=False, hash=False
    )
    #: 0-based (row, column) -> the number format of a cell holding a number or a date, when
    #: it is not General ("0%", '"£"#,##0', "dd/mm/yyyy"), where the reader knows them (xlsx /
    #: xlsm): what the cell showed, for text written from it
    number_formats: dict[tuple[int, int], str] = field(
        default_factory=dict, compare=False, hash=False
    )
    #: 0-based (row, column) -> the text of the note on a cell (Review > Note; Excel 365 keeps
    #: each comment as a note too), where the reader knows them (xlsx / xlsm): words an owner
    #: wrote in no cell, which are never read as a Status or an update, and must be said
    notes: dict[tuple[int, int], str] = field(default_factory=dict, compare=False, hash=False)
    #: 0-based (row, column) of the cells holding a picture placed in the cell (Excel 365:
    #: Insert > Picture > Place in Cell; the cell keeps ``#VALUE!``, read as empty), where the
    #: reader knows them (xlsx / xlsm)
    pictures: frozenset[tuple[int, int]] = field(
        default_factory=frozenset, compare=False, hash=False
    )
    #: 0-based (row, column) -> the error a cell shows ("#N/A", "#REF!": a formula that failed,
    #: or an error pasted in as a value; read as empty), where the reader knows them (xlsx /
    #: xlsm, xls, ods); in an xlsx not a picture's, nor words Excel took for a formula
    #: (``typed_as_formula``: an .xls or .ods does not keep their text)
    errors: dict[tuple[int, int], str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def value(self, row: int, col: int) -> Any:
        """The value at 0-based (row, col), None outside the grid."""
        if 0 <= row < len(self.rows):
            line = self.rows[row]
            if 0 <= col < len(line):
                return line[col]
        return None

    def iter_rows(self) -> Iterator[tuple[int, list[Any]]]:
        yield from enumerate(self.rows)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _extent(
    cells: dict[tuple[int, int], Any], held: Sequence[tuple[Any, ...]] = ()
) -> tuple[int, int]:
    """The last row and the last column holding a value, in ``cells`` (1-based keys; a None
    is no value) and in ``held`` (cells as values: row, column and value first), 0 for none."""
    places = [key for key, value in cells.items() if value is not None]
    rows = [max(places)[0] if places else 0, max(map(itemgetter(0), held), default=0)]
    cols = [max(map(itemgetter(1), places), default=0), max(map(itemgetter(1), held), default=0)]
    return max(rows), max(cols)


def grid_from_worksheet(
    ws: Worksheet,
    made: dict[tuple[int, int], Any] | None = None,
    values: Iterable[tuple[Any, ...]] = (),
    shown: dict[tuple[int, int], Any] | None = None,
    formulas: Iterable[tuple[int, int]] = (),
) -> SheetGrid:
    """Read an openpyxl worksheet (not read-only) into a grid.

    Only cells that exist are visited, so a bogus declared dimension costs nothing; merged
    ranges are filled with their top-left value; hidden rows are recorded. ``made`` and
    ``values``: a sheet loaded with its cells held as values (1-based row, column and value
    first), not made into the cells ``made`` (by row and column): read without making them.
    ``shown``: by (row, column), what cells holding a formula show (the result saved with the
    file), read in place of the formula's text. ``formulas``: the (row, column) of every cell
    holding a formula (the grid's ``worked_out``).
    """
    # ``_value`` is what openpyxl's ``value`` property returns (for a merged cell too), read
    # without the property: a plan has tens of thousands of cells. The values held as values
    # (most of a master's plan) go straight into the rows; the few made cells, the formulas'
    # results and merged ranges are put in over them (a dict of every cell, then the rows,
    # took twice the time).
    held = [v for v in values if v[2] is not None]
    cells: dict[tuple[int, int], Any] = {
        key: value
        for key, cell in (ws._cells if made is None else made).items()
        if (value := cell._value) is not None
    }
    for place, value in (shown or {}).items():
        cells[place] = None if value == "" else value  # (shows nothing: an empty cell)
    max_r, max_c = _extent(cells, held)
    if max_r > MAX_ROWS or max_c > MAX_COLS:
        held = [v for v in held if v[0] <= MAX_ROWS and v[1] <= MAX_COLS]
        cells = {(r, c): v for (r, c), v in cells.items() if r <= MAX_ROWS and c <= MAX_COLS}
        max_r, max_c = _extent(cells, held)
    merged_tops = []
    ranges = list(ws.merged_cells.ranges)
    if ranges:  # each range's top-left value, from the cells or the values held
        firsts = {(m.min_row, m.min_col) for m in ranges}
        tops = {(v[0], v[1]): v[2] for v in held if (v[0], v[1]) in firsts}
        tops.update((key, value) for key, value in cells.items() if key in firsts)
        for merged in ranges:
            top = tops.get((merged.min_row, merged.min_col))
            if top is None:
                continue
            merged_tops.append((merged, top))
            max_r = max(max_r, min(merged.max_row, MAX_ROWS))
            max_c = max(max_c, min(merged.max_col, MAX_COLS))
    rows: list[list[Any]] = [[None] * max_c for _ in range(max_r)]
    for r, c, value, *_ in held:
        rows[r - 1][c - 1] = value
    for (r, c), value in cells.items():
        if value is not None:  # (one that shows nothing may lie past the last value)
            rows[r - 1][c - 1] = value
    across: set[tuple[int, int]] = set()
    down: set[tuple[int, int]] = set()
    for merged, top in merged_tops:
        for r in range(merged.min_row, min(merged.max_row, MAX_ROWS) + 1):
            line = rows[r - 1]
            for c in range(merged.min_col, min(merged.max_col, MAX_COLS) + 1):
                line[c - 1] = top
                if c != merged.min_col:
                    across.add((r - 1, c - 1))
                elif r != merged.min_row:
                    down.add((r - 1, c - 1))
    hidden_rows = frozenset(
        idx - 1 for idx, dim in ws.row_dimensions.items() if dim.hidden and idx <= max_r
    )
    return SheetGrid(
        name=ws.title,
        rows=rows,
        hidden_rows=hidden_rows,
        hidden=ws.sheet_state != "visible",
        worked_out=frozenset((r - 1, c - 1) for r, c in formulas),
        filled_across=frozenset(across),
        filled_down=frozenset(down),
    )
