"""The fast ways of writing many cells (set_plain, the Change Log's lines, a short text's row
height) give exactly what the ordinary way gives: the same value, type and look in the cell,
and the same file once saved."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

from edi_xl.master import sheets
from edi_xl.master.cells import new_cell, set_plain, set_value
from edi_xl.master.sheets import CHANGE_LOG, Change, append_changes
from edi_xl.master.styles import (
    LEFT_TOP,
    WRAP_TOP,
    WRAP_TOP_LEFT,
    alignment_setter,
    row_height_setter,
    wrapped_lines,
)

VALUES: list[Any] = [
    None,
    0,
    7,
    -3,
    2**60,
    0.5,
    2.0,
    float("nan"),
    True,
    Decimal("1.25"),
    datetime(2023, 12, 18, 9, 30),
    date(2023, 12, 18),
    "",
    "plain text",
    "  padded  ",
    "two\nlines",
    "=SUM(A1:A3)",
    "=",
    "+44 20 7946 0000",
    "-5",
    "@home",
    "\tindented",
    "\rreturn",
    "#N/A",
    "#DIV/0!",
    "#REF",
    "bell\x07and\ufffe",
    "x" * 40_000,  # longer than a cell holds
]


def _state(cell: Cell) -> tuple[Any, ...]:
    style = tuple(cell._style) if cell._style is not None else None
    return (repr(cell._value), cell.data_type, style)


@pytest.mark.parametrize("number_format", [None, "@", "yyyy-mm-dd hh:mm"])
@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:20] for v in VALUES])
def test_set_plain_stores_what_set_value_stores(value: Any, number_format: str | None) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    slow, fast = ws.cell(1, 1), ws.cell(1, 2)
    assert set_value(slow, value, number_format=number_format) is True
    assert set_plain(fast, value, number_format) is True
    assert _state(fast) == _state(slow)


def test_set_plain_refuses_a_merged_cell_as_set_value_does() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.merge_cells("A1:B1")
    assert set_plain(ws["B1"], "text") is False


def _log_the_old_way(wb: Workbook, changes: list[Change], when: datetime) -> None:
    """The Change Log's lines written cell by cell with set_value and the alignment setters
    (what append_changes did before it made its cells itself; left-aligned since session 15,
    so that a number or a date does not meet the next column's text)."""
    from edi_xl.master.styles import ROW_POINTS, row_height

    ws = sheets.change_log_sheet(wb)
    row = ws.max_row + 1
    wrap_top, left_top = alignment_setter(wb, WRAP_TOP_LEFT), alignment_setter(wb, LEFT_TOP)
    widths = [ws.column_dimensions[letter].width or 13.0 for letter in "ABCDEF"]
    for change in changes:
        values = (when, change.id, change.field, change.old, change.new, change.source)
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row, c)
            fmt = "yyyy-mm-dd hh:mm" if c == 1 else None
            set_value(cell, sheets._log_value(value), number_format=fmt)
            (left_top if c == 1 else wrap_top)(cell)
        texts = [(str(v), w) for v, w in zip(values[2:], widths[2:], strict=True) if v is not None]
        height = row_height(texts)
        if height > ROW_POINTS:
            ws.row_dimensions[row].height = height
        row += 1
    ws.auto_filter.ref = f"A1:F{row - 1}"


class _Word(str):
    """Text that is not exactly ``str`` (as an enum's value can be)."""


def _changes() -> list[Change]:
    long_update = " ".join(["progress on the staff network's terms of reference"] * 12)
    changes = [
        Change("1.1", "Status", "Green", "Amber", "merge as at 18 Dec 2023"),
        Change("1.2", "Update as at 18 Dec 2023", None, long_update, "Returns/Jo Bloggs.xlsx"),
        Change("1.3", "Due Date", date(2023, 3, 31), datetime(2024, 3, 31), "refresh"),
        Change("1.4", "Days overdue", 3.0, 4, "refresh"),
        Change("1.5", "Update as at 18 Dec 2023", "=old formula?", '=HYPERLINK("x")', "f.xlsx"),
        Change("1.6", "Status", "#N/A", "@risk", "f.xlsx"),
        Change("", "Settings: As-at date", None, date(2023, 12, 18), "merge"),
        Change("1.7", "Update", "", "line one\nline two\nline three", "f.xlsx"),
        Change("1.8", "Flag", True, False, "f.xlsx"),
        # equal values written differently; texts more than plain, on several lines each
        Change("1.9", "Score", 0.0, -0.0, "f.xlsx"),
        Change("1.10", "Score", 1, 1.0, "#N/A"),
        Change("1.11", "Note", "x" * 40_000, "bell\x07and\ufffe", "=f.xlsx"),
        Change("1.12", _Word("Status"), "Green", _Word("=Amber"), "f.xlsx"),
    ]
    return changes * 3


def _saved_log(wb: Workbook, path: Path) -> list[tuple[Any, ...]]:
    wb.save(path)
    ws = load_workbook(path)[CHANGE_LOG]
    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
    return [
        (
            c.coordinate,
            c.value,
            c.data_type,
            c.number_format,
            c.quotePrefix,
            c.alignment.wrap_text,
            c.alignment.horizontal,
            c.alignment.vertical,
            heights.get(c.row),
        )
        for row in ws.iter_rows()
        for c in row
    ] + [("filter", ws.auto_filter.ref)]


def test_the_change_log_holds_what_cell_by_cell_writing_gives(tmp_path: Path) -> None:
    when, later = datetime(2024, 1, 2, 9, 15), datetime(2024, 1, 2, 9, 20)
    books = []
    for write in (append_changes, _log_the_old_way):
        wb = Workbook()
        sheets.change_log_sheet(wb)
        wb[CHANGE_LOG]["A3"] = "a line a person typed below the header"
        write(wb, _changes()[:10], when)
        write(wb, _changes()[10:], later)  # a second batch goes below the first
        books.append(wb)
    fast, slow = (_saved_log(wb, tmp_path / f"{i}.xlsx") for i, wb in enumerate(books))
    assert fast == slow
    assert len(fast) > 6 * len(_changes())
    # and in memory: every cell the same value, type and style (index for index)
    cells = [{k: _state(c) for k, c in wb[CHANGE_LOG]._cells.items()} for wb in books]
    assert cells[0] == cells[1]
    rows = [_dimensions(wb[CHANGE_LOG]) for wb in books]
    assert rows[0] == rows[1]
    assert len({height for height, *_ in rows[0].values()}) > 2  # copies of several heights


def _dimensions(ws: Any) -> dict[int, tuple[Any, ...]]:
    """Every row dimension of ``ws``: its height, attributes, style and sheet."""
    return {
        r: (d.height, sorted(d.__dict__.items()), _style(d._style), d.parent is ws)
        for r, d in ws.row_dimensions.items()
    }


def _style(style: Any) -> tuple[int, ...] | None:
    return None if style is None else tuple(style)


def test_a_new_cell_is_what_the_constructor_makes() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    model = ws.cell(1, 1)
    model.number_format = "dd-mmm-yy"
    model.alignment = WRAP_TOP
    for style in (None, model._style):
        made = new_cell(ws, 3, 2, style, "text", "s")
        slow = Cell(ws, row=3, column=2, style_array=style)
        slow._value, slow.data_type = "text", "s"
        assert ws._cells[3, 2] is made
        assert _state(made) == _state(slow)
        assert (made.row, made.column, made.parent, made.hyperlink, made.comment) == (
            3,
            2,
            ws,
            None,
            None,
        )
        if style is not None:  # its own copy: a change to it is not a change to the model
            assert made._style is not style
            made.alignment = LEFT_TOP
            assert model.alignment == WRAP_TOP


def test_row_heights_set_fast_are_what_openpyxl_sets() -> None:
    """New rows get copies of the first new row of their height; a row with a dimension of
    its own (hidden, styled) only has its height changed."""
    books = []
    for fast in (True, False):
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.row_dimensions[4].hidden = True
        ws.row_dimensions[6].height = 99
        ws.row_dimensions[8].font = Font(bold=True)  # a styled row
        put = row_height_setter(ws)
        for row, height in ((2, 30.0), (3, 30.0), (4, 30.0), (5, 45.0), (6, 30.0), (8, 30.0)):
            if fast:
                put(row, height)
            else:
                ws.row_dimensions[row].height = height
        put = row_height_setter(ws)
        for row in (9, 10, 11):
            if fast:
                put(row, 30.0)
            else:
                ws.row_dimensions[row].height = 30.0
        books.append(_dimensions(ws))
    assert books[0] == books[1]
    assert books[0][4][0] == 30.0 and ("hidden", True) in books[0][4][1]
    assert books[0][8][2] is not None  # still styled


@pytest.mark.parametrize("width", [5.0, 13.0, 40.0])
def test_a_text_no_longer_than_a_line_takes_one_line(width: float) -> None:
    per_line = int(width * 1.1) - 1
    words = "ab cd  efg h ijklmno pq rs tuv"
    fits = (words * 10)[:per_line]
    assert wrapped_lines(fits, width) == 1
    assert wrapped_lines(fits + "x" * (per_line + 1), width) >= 2
    assert wrapped_lines("a\nb", width) == 2
    assert wrapped_lines("", width) == 1


def test_reading_the_change_log_gives_what_iter_rows_gives(tmp_path: Path) -> None:
    """Every line, blank rows left out, a line with a value only right of the six columns
    kept (as blanks); reading makes no cell (iter_rows would make the missing ones)."""
    wb = Workbook()
    ws = sheets.change_log_sheet(wb)
    append_changes(wb, _changes()[:4], datetime(2024, 1, 2, 9, 15))
    ws["A9"], ws["C9"] = datetime(2024, 1, 3), "Status"  # a gap in the line (B9 not there)
    ws["H11"] = "a note beside the log"
    path = tmp_path / "log.xlsx"
    wb.save(path)
    fast_book, slow_book = load_workbook(path), load_workbook(path)
    slow_ws = slow_book[CHANGE_LOG]
    expected = [
        tuple(row[:6]) for row in slow_ws.iter_rows(min_row=2, values_only=True) if any(row)
    ]
    had = sorted(fast_book[CHANGE_LOG]._cells)
    got = sheets.read_change_log(fast_book)
    assert got == expected
    assert got[-1] == (None,) * 6 and len(got) == 6
    assert sorted(fast_book[CHANGE_LOG]._cells) == had


FORMULAS = [
    "=SUM(A1:A3)",
    '=COUNTIFS(\'Action Plan\'!$I$5:$I$9,"On ""Track""")',
    "=",  # too short to be a formula: text, as the assignment makes it
    "=" + "1+" * 20_000 + "1",  # longer than a cell holds: cut, as the assignment cuts it
]


@pytest.mark.parametrize("formula", FORMULAS, ids=lambda f: f[:20])
def test_a_formula_set_fast_is_what_assigning_it_stores(formula: str) -> None:
    from edi_xl.master.cells import set_formula

    ws = Workbook().active
    assert ws is not None
    set_formula(ws["A1"], formula)
    ws["A2"].value = formula
    assert _state(ws["A1"]) == _state(ws["A2"])


def test_a_formula_a_cell_cannot_hold_is_refused_as_the_assignment_refuses_it() -> None:
    from openpyxl.utils.exceptions import IllegalCharacterError

    from edi_xl.master.cells import set_formula

    ws = Workbook().active
    assert ws is not None
    with pytest.raises(IllegalCharacterError):
        ws["A2"].value = '=A1&"\x07"'
    with pytest.raises(IllegalCharacterError):
        set_formula(ws["A1"], '=A1&"\x07"')
    ws.merge_cells("B1:C1")
    with pytest.raises(AttributeError):  # a merged cell holds nothing
        ws["C1"].value = "=A1"
    with pytest.raises(AttributeError):
        set_formula(ws["C1"], "=A1")


def test_the_returns_sheet_is_wrapped_and_as_tall_as_its_text() -> None:
    """The Returns sheet's cells are made and measured fast: every row from its first table
    down has a cell in each of the seven columns, each valued cell outside the tables'
    headers wraps, and each row with a value is as tall as row_height makes it (texts that
    repeat, a long reason, text like a formula, an empty owner)."""
    from edi_xl.core.problems import Code, Flag
    from edi_xl.master.round_record import (
        RETURNS_SHEET,
        FileRecord,
        RoundRecord,
        write_returns_sheet,
    )
    from edi_xl.master.sheets import Settings
    from edi_xl.master.styles import ROW_POINTS, row_height

    reason = " ".join(["the file could not be opened as a spreadsheet"] * 6)
    saved = datetime(2023, 12, 11, 9, 30)
    owners = [f"Owner {i % 7} of the estates and facilities directorate" for i in range(30)]
    files = [FileRecord(f"{o} return.xlsx", o, saved, "merged", 3, 1) for o in owners[:20]]
    files += [FileRecord("=odd name.xlsx", None, None, "rejected", 0, 0, reason)] * 3
    files.append(FileRecord("a.xlsx", owners[1], saved, "merged", 1))  # one line at B's width
    flags = [
        Flag(Code.CHANGED_SINCE_SENT, f.file, action_id="1.2", before="Green", now="Amber")
        for f in files[:5]
    ]
    wb = Workbook()
    write_returns_sheet(wb, owners, RoundRecord(date(2023, 12, 18), files, flags),
                        date(2023, 12, 18), Settings())  # fmt: skip
    ws = wb[RETURNS_SHEET]
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEFG"]
    headers = [r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).fill.fill_type]
    assert len(headers) == 3
    tall = 0
    for r in range(4, ws.max_row + 1):
        cells = [ws._cells[r, c] for c in range(1, 8)]  # each made
        texts = [(c.value, w) for c, w in zip(cells, widths, strict=True) if c.value is not None]
        for cell in cells:
            wraps = cell.value is not None and r not in headers
            assert bool(cell.alignment.wrap_text) == wraps, cell.coordinate
        height = ws.row_dimensions[r].height if r in ws.row_dimensions else None
        assert height == (row_height(texts) if texts else None), r
        tall += bool(height and height > ROW_POINTS)
    assert tall > 3
    assert ws["A1"].value.startswith("Owner returns") and ws.row_dimensions[1].height == 22
