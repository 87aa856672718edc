"""The description of what a command changed (edi_xl.master.edits): what ``describe`` says a
refresh, a new round and the library's own writes changed, cell by cell."""

from __future__ import annotations

import re
import shutil
import zipfile
from copy import copy
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_AT, edit_workbook
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from edi_xl.core.problems import Code
from edi_xl.core.rounds import update_header
from edi_xl.flows.refresh import refresh_book, refresh_workbook
from edi_xl.flows.rounds import start_round_book
from edi_xl.master import patch
from edi_xl.master.columns import insert_column
from edi_xl.master.edits import baseline_of, describe, take_baseline
from edi_xl.master.plan import load_master

NOW = datetime(2023, 12, 18, 10, 0)
PLAN = "Action Plan"


def header_columns(ws: Any, header_row: int = 4) -> dict[str, int]:
    return {
        str(ws.cell(header_row, c).value): c
        for c in range(1, ws.max_column + 1)
        if ws.cell(header_row, c).value
    }


def row_of(ws: Any, action_id: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == action_id)


def test_a_refresh_names_exactly_the_status_and_computed_cells_it_changed(master: Path):
    """Action 1.4 falls due before the as-at date: its Status, Overdue and Days overdue
    change, the Change Log gains a line for each logged change, the Summary is made again;
    nothing else is written."""
    due = datetime(2023, 11, 30)
    edit_workbook(master, lambda wb: wb[PLAN].cell(row_of(wb[PLAN], "1.4"), 8, due))
    wb = load_master(master)
    baseline = baseline_of(wb)
    assert baseline is not None
    result = refresh_book(wb, AS_AT, now=NOW, path=master.name)
    edits = describe(baseline, wb)

    ws = wb[PLAN]
    cols, row = header_columns(ws), row_of(ws, "1.4")
    plan = edits.sheets[PLAN]
    assert {key: e.value for key, e in plan.written().items()} == {
        (row, cols["Status"]): "Exceeded Timescales",
        (row, cols["Overdue"]): "Yes",
        (row, cols["Days overdue"]): (AS_AT - due.date()).days,
    }
    assert plan.cleared() == [] and plan.inserted == []
    assert plan.cells[(row, cols["Status"])].was == "On Track"
    # the Change Log: one new line per change the refresh logged, after the lines it had
    last = load_workbook(master)["Change Log"].max_row  # (the baseline holds only the cells
    # the load made: load_master makes a sheet's cells when they are first used)
    logged = edits.sheets["Change Log"].written()
    assert {r for r, _ in logged} == {last + 1, last + 2}
    assert [logged[(last + 1, c)].value for c in (2, 3, 4, 5)] == [
        "1.4", "Status", "On Track", "Exceeded Timescales"
    ]  # fmt: skip
    assert [(c.field, c.old, c.new) for c in result.changes] == [
        ("Status", "On Track", "Exceeded Timescales"),
        ("Overdue", "No", "Yes"),
    ]
    assert edits.remade == ["Summary"] and edits.added == [] and edits.removed == []
    assert set(edits.sheets) == {PLAN, "Change Log", "Summary"}, "Settings, Lists: unchanged"
    # the Summary's trend chart reads rows further down: its names moved, nothing else did
    assert edits.names and all(n.startswith("EdiXlSummary") for n in edits.names)


def test_a_second_refresh_changes_nothing(master: Path):
    refresh_workbook(master, AS_AT, now=NOW)
    wb = load_master(master)
    baseline = baseline_of(wb)
    assert baseline is not None
    refresh_book(wb, AS_AT, now=NOW, path=master.name)
    edits = describe(baseline, wb)
    assert [t for t, s in edits.sheets.items() if not s.remade and s.cells] == []
    assert (edits.added, edits.removed, edits.names) == ([], [], {})


def test_a_new_round_is_one_inserted_column_and_its_header(master: Path):
    wb = load_master(master)
    baseline = baseline_of(wb)
    assert baseline is not None
    ws = wb[PLAN]
    before = header_columns(ws)
    start = date(2024, 3, 18)
    start_round_book(wb, start, now=NOW, path=master.name)
    edits = describe(baseline, wb)
    plan = edits.sheets[PLAN]
    col = header_columns(ws)[update_header(start)]
    assert plan.inserted == [col] and col == before[update_header(date(2023, 9, 18))] + 1
    # the columns to its right moved with it: nothing of theirs reads as changed; what is
    # written is the new header and what the refresh as at the new round works out
    after = header_columns(ws)
    owned = {col, *(after[h] for h in ("Status", "Overdue", "Days overdue", "Problems"))}
    assert {c for (_, c) in plan.written()} <= owned
    assert plan.written()[(4, col)].value == update_header(start)
    assert {c for (_, c) in plan.cleared()} <= owned
    assert plan.widths.get(col) is not None, "as wide as the previous round's column"


def test_what_a_sheet_holds_besides_values_is_described():
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = "kept"
    ws["B2"] = 5
    ws.page_setup.scale = 80
    baseline = take_baseline(wb)
    ws["A1"] = None
    ws["B2"] = 5.0  # the same number, another type: Excel would show it the same, but it moved
    ws["C3"] = "new"
    ws.column_dimensions["C"].width = 30
    ws.row_dimensions[3].height = 40
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = "A1:C3"
    ws.print_title_cols = "A:B"
    ws.print_title_rows = "1:1"
    ws.page_setup.scale = None
    ws.page_setup.fitToWidth = 1
    ws.merge_cells("D1:E1")
    ws.sheet_state = "hidden"
    wb.create_sheet("New")
    edits = describe(baseline, wb)
    s = edits.sheets["S"]
    assert s.cleared() == [(1, 1)] and s.cells[(1, 1)].was == "kept"
    assert {k: e.value for k, e in s.written().items()} == {(2, 2): 5.0, (3, 3): "new"}
    assert s.widths == {3: 30} and s.heights == {3: 40}
    assert s.freeze is not None and s.freeze.after == "A2"
    assert s.filter_ref is not None and s.filter_ref.after == "A1:C3"
    assert s.print_titles is not None and s.print_titles.after == ("$1:$1", "$A:$B")
    assert s.page is not None and (s.page.before.scale, s.page.after.scale) == (80, None)
    assert s.merged is not None and s.merged.after == frozenset({"D1:E1"})
    assert s.state is not None and s.state.after == "hidden"
    assert edits.added == ["New"] and edits.order == ["S", "New"]


def test_the_patch_writer_keeps_scale_and_print_title_columns(tmp_path: Path):
    """A fixed print scale and columns repeated on every page, set by the command, are in
    the saved file; a scale taken away is gone from it."""
    path = tmp_path / "book.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = "a"
    ws.page_setup.scale = 90
    wb.save(path)

    wb = load_master_like(path)
    ws = wb["S"]
    ws.page_setup.scale = 75
    ws.print_title_cols = "A:B"
    ws.print_title_rows = "1:2"
    patch.save_master(wb, path, backup=False)
    again = load_workbook(path)["S"]
    assert again.page_setup.scale == 75
    assert (again.print_title_cols, again.print_title_rows) == ("$A:$B", "$1:$2")

    wb = load_master_like(path)
    wb["S"].page_setup.scale = None  # as edi_xl.master.printing leaves it: fit to width
    wb["S"].page_setup.fitToWidth = 1
    patch.save_master(wb, path, backup=False)
    again = load_workbook(path)["S"]
    assert (again.page_setup.scale, again.page_setup.fitToWidth) == (None, 1)
    assert (again.print_title_cols, again.print_title_rows) == ("$A:$B", "$1:$2")


def load_master_like(path: Path) -> Any:
    """A workbook loaded for a patched save, as ``load_master`` does for a master."""
    wb = load_workbook(path)
    patch.remember_package(wb, path.read_bytes())
    return wb


def test_a_file_that_cannot_be_patched_is_saved_whole_with_a_coded_problem(
    master: Path, tmp_path: Path
):
    wb = load_master(master)
    refresh_book(wb, AS_AT, now=NOW, path=master.name)
    broken = tmp_path / "broken.xlsx"
    shutil.copy2(master, broken)
    patch._PACKAGES[wb] = b"not a zip"  # the file it came from is gone bad
    notes: list[Any] = []
    patch.save_master(wb, broken, backup=False, notes=notes)
    assert [n.code for n in notes] == [Code.SAVED_BY_REWRITE]
    message = notes[0].message
    assert message.startswith("broken.xlsx: saved by rewriting the whole workbook")
    assert "BadZipFile" in message and "the backup has them" in message
    assert load_workbook(broken)[PLAN].cell(4, 1).value == "#"


def test_an_inserted_column_is_recorded_on_the_baseline():
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    for c in range(1, 4):
        ws.cell(1, c, f"h{c}")
    baseline = take_baseline(wb)
    insert_column(ws, 2)
    ws.cell(1, 2, "new")
    edits = describe(baseline, wb)
    assert baseline.inserted == {"S": [2]}
    assert edits.sheets["S"].inserted == [2]
    assert {k: e.value for k, e in edits.sheets["S"].written().items()} == {(1, 2): "new"}


@pytest.mark.parametrize("title", ["S", "Sheet with 'quote'"])
def test_print_titles_name_is_columns_then_rows(title: str):
    assert patch._print_titles_value(title, "$1:$2", "$A:$B") == (
        f"{patch._quote_sheet(title)}!$A:$B,{patch._quote_sheet(title)}!$1:$2"
    )
    assert patch._print_titles_value(title, None, None) is None


def test_the_filter_range_name_follows_an_inserted_column(master: Path):
    """The round's column goes inside the filtered table: the filter and Excel's hidden name
    for it (_FilterDatabase) both grow by a column in the saved file."""
    wb = load_master(master)
    before = wb[PLAN].auto_filter.ref
    start_round_book(wb, date(2024, 3, 18), now=NOW, path=master.name)
    patch.save_master(wb, master, backup=False)
    ws = load_workbook(master)[PLAN]
    assert before and ws.auto_filter.ref != before
    with zipfile.ZipFile(master) as z:  # openpyxl reads this name into the filter: read XML
        book = z.read("xl/workbook.xml").decode()
    name = re.search(r'<definedName name="_xlnm._FilterDatabase"[^>]*>([^<]+)<', book)
    assert name is not None
    assert name.group(1).split("!")[1].replace("$", "") == ws.auto_filter.ref


def test_a_sheet_made_again_is_described_as_made_again_after_the_old_one_is_collected(
    master: Path,
):
    """A sheet deleted and made again under its title is another sheet, also once the old one
    is collected (the baseline holds the old sheet weakly, not by its id(), which Python may
    give to a new object): the description says it was made again, so the patch writer
    replaces it whole (its charts too) rather than patching it."""
    import gc

    wb = load_master(master)
    baseline = baseline_of(wb)
    assert baseline is not None
    summary = "Summary"
    assert describe(baseline, wb).remade == []  # the same sheet: not made again
    index = wb.sheetnames.index(summary)
    del wb[summary]
    gc.collect()
    wb.create_sheet(summary, index)
    assert describe(baseline, wb).remade == [summary]


# --- the cells compared: the shortcuts give what comparing every cell gives ----------------------


def cells_as_compared(ws: Any) -> dict[tuple[int, int], tuple[Any, str, Any]]:
    """Every cell of ``ws`` holding a value or a style: (value, type, style as a tuple; None
    for none or all zeros), compared whole, as the description compares them."""
    out = {}
    for key, cell in ws._cells.items():
        style = tuple(cell._style) if cell._style is not None and any(cell._style) else None
        if cell._value is not None or style is not None:
            out[key] = (cell._value, cell.data_type, style)
    return out


def edits_cell_by_cell(before: dict[Any, Any], after: dict[Any, Any]) -> dict[Any, tuple[Any, ...]]:
    """The cells edited, worked out cell by cell from the two whole dicts: (value, type,
    style, value changed, style changed, value before), in the order of the cells now, then
    those cleared in the order of the cells before."""
    edits: dict[Any, tuple[Any, ...]] = {}
    for key, (value, data_type, style) in after.items():
        was = before.get(key)
        if was is None:
            edits[key] = (value, data_type, style, value is not None, style is not None, None)
            continue
        same_value = was[1] == data_type and type(was[0]) is type(value) and was[0] == value
        if not same_value or was[2] != style:
            edits[key] = (value, data_type, style, not same_value, was[2] != style, was[0])
    for key, was in before.items():
        if key not in after and was[0] is not None:
            edits[key] = (None, "n", None, True, False, was[0])
    return edits


def _mixed_sheet() -> tuple[Workbook, Any]:
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    for r in range(1, 8):
        ws.cell(r, 1, f"text {r}")
        ws.cell(r, 2, r)  # an int
        ws.cell(r, 3, r / 2)  # a float
        ws.cell(r, 4, r % 2 == 0)  # a bool
        ws.cell(r, 5, datetime(2024, 1, r))
    ws["B1"].font = Font(bold=True)
    ws["C1"].font = Font(bold=True)
    ws["F2"].fill = PatternFill("solid", fgColor="FFFF00")  # a styled cell with no value
    ws.cell(9, 9)  # a cell merely looked at
    return wb, ws


def _bold_in_place(ws: Any) -> None:
    style = ws["C1"]._style
    ws["C1"].font = Font(italic=True)  # openpyxl changes the cell's style array in place
    assert ws["C1"]._style is style


def _copy_style(ws: Any) -> None:
    ws["B1"]._style = copy(ws["B1"]._style)  # another array, the same style: unchanged


def _delete_cell(ws: Any) -> None:
    del ws._cells[(3, 1)]


def _made_again(ws: Any) -> None:
    value = ws["A4"].value
    del ws._cells[(4, 1)]
    ws.cell(4, 1, value)  # the same value in a new cell, without its style: unchanged


CHANGES = {
    "a style changed in place": _bold_in_place,
    "a style array replaced by an equal one": _copy_style,
    "1 by 1.0 (and a new cell)": lambda ws: (ws.cell(2, 2, 2.0), ws.cell(20, 1, "x")),
    "1 by 1.0 alone": lambda ws: ws.cell(2, 2, 2.0),
    "1 by True": lambda ws: ws.cell(1, 2, True),
    "False by 0": lambda ws: ws.cell(1, 4, 0),
    "2 by '2'": lambda ws: ws.cell(2, 2, "2"),
    "the same text's type changed": lambda ws: setattr(ws["A2"], "data_type", "f"),
    "a value cleared": lambda ws: ws.cell(1, 1, None),
    "a cell deleted": _delete_cell,
    "a cell made again with its value": _made_again,
    "a row deleted": lambda ws: ws.delete_rows(2),
    "a styled empty cell's style taken off": lambda ws: setattr(ws["F2"], "_style", None),
    "a cell looked at": lambda ws: ws.cell(12, 12),
    "cells added at the end": lambda ws: [ws.cell(30, c, c) for c in range(1, 4)],
    "nothing": lambda ws: None,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_cells_described_are_those_compared_cell_by_cell(change: str):
    """The description is the one a plain comparison of every cell gives, in the same order
    (and a sheet whose cells compare equal, 1 by 1.0, is not described: Excel holds the same
    number): a pin for any faster way of comparing them."""
    wb, ws = _mixed_sheet()
    before = cells_as_compared(ws)
    baseline = take_baseline(wb)
    CHANGES[change](ws)
    after = cells_as_compared(ws)
    sheet = describe(baseline, wb).sheets.get("S")
    if before == after:
        assert sheet is None
    else:
        assert sheet is not None
        expected = edits_cell_by_cell(before, after)
        assert [(k, tuple(e)) for k, e in sheet.cells.items()] == list(expected.items())


def test_each_change_is_described_as_it_should_be():
    """What the cases above are expected to find, said outright."""
    wb, ws = _mixed_sheet()
    baseline = take_baseline(wb)
    _bold_in_place(ws)
    _copy_style(ws)
    ws.cell(1, 2, True)  # 1 by True: the same number to Python, another type
    ws.cell(2, 2, 2.0)
    _delete_cell(ws)
    _made_again(ws)
    ws.cell(12, 12)
    cells = describe(baseline, wb).sheets["S"].cells
    assert set(cells) == {(1, 3), (1, 2), (2, 2), (3, 1)}
    assert cells[(1, 3)].style_changed and not cells[(1, 3)].value_changed
    assert (cells[(1, 2)].value, cells[(1, 2)].data_type, cells[(1, 2)].was) == (True, "b", 1)
    assert cells[(2, 2)].value_changed and type(cells[(2, 2)].value) is float
    assert cells[(3, 1)].cleared and cells[(3, 1)].was == "text 3"


@pytest.mark.parametrize("col", [1, 3, 6])
def test_the_cells_described_after_a_column_is_inserted_are_those_compared(col: int):
    """A column inserted moves the cells right of it (openpyxl puts them at the end of its
    cells): they are compared with the cells they were, and only what was written is new."""
    wb, ws = _mixed_sheet()
    before = cells_as_compared(ws)
    baseline = take_baseline(wb)
    insert_column(ws, col)
    ws.cell(1, col, "new column")
    ws.cell(2, col + 1, "written over")  # the cell that was in ``col`` moved right
    ws.cell(3, 9, None)
    moved = {(r, c + 1 if c >= col else c): v for (r, c), v in before.items()}
    expected = edits_cell_by_cell(moved, cells_as_compared(ws))
    sheet = describe(baseline, wb).sheets["S"]
    assert sheet.inserted == [col]
    assert [(k, tuple(e)) for k, e in sheet.cells.items()] == list(expected.items())
    assert sheet.cells[(1, col)].value == "new column"
    assert sheet.cells[(2, col + 1)].was == before[(2, col)][0]


def test_the_baseline_cells_are_those_compared():
    wb, ws = _mixed_sheet()
    assert take_baseline(wb).sheets["S"].cells == cells_as_compared(ws)
