"""An openpyxl worksheet as a grid (edi_xl.read.grid.grid_from_worksheet)."""

from datetime import datetime

from openpyxl import Workbook

from edi_xl.read.grid import MAX_COLS, MAX_ROWS, grid_from_worksheet


def test_the_grid_holds_every_value_where_the_sheet_does():
    """Values at their places (0-based), None between; cells that exist without a value,
    hidden rows below the last value and merged ranges with an empty top-left cell do not
    make the grid bigger; a merged range reads as its top-left value everywhere."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["B2"] = "text"
    ws["D3"] = 4.5
    ws["A4"] = datetime(2024, 3, 31)
    ws["C4"] = 0
    ws["C5"] = ""
    ws["E6"] = "merged"
    ws.merge_cells("E6:F7")
    ws.merge_cells("A9:B9")  # its top-left is empty
    ws.cell(20, 20)  # exists, holds nothing
    ws.row_dimensions[3].hidden = True
    ws.row_dimensions[30].hidden = True  # below the table
    grid = grid_from_worksheet(ws)
    assert grid.rows == [
        [None] * 6,
        [None, "text", None, None, None, None],
        [None, None, None, 4.5, None, None],
        [datetime(2024, 3, 31), None, 0, None, None, None],
        [None, None, "", None, None, None],
        [None, None, None, None, "merged", "merged"],
        [None, None, None, None, "merged", "merged"],
    ]
    assert grid.hidden_rows == frozenset({2})
    assert grid.name == ws.title and not grid.hidden


def test_cells_past_the_limits_are_left_out_and_an_empty_sheet_is_an_empty_grid():
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    assert grid_from_worksheet(ws).rows == []
    ws["A1"] = "top"
    ws.cell(MAX_ROWS + 1, 1, "far down")
    ws.cell(2, MAX_COLS + 1, "far right")
    ws["B3"] = "last"
    ws.merge_cells(start_row=3, start_column=2, end_row=3, end_column=MAX_COLS + 5)
    ws.row_dimensions[MAX_ROWS + 1].hidden = True
    hidden = wb.create_sheet("Hidden")
    hidden.sheet_state = "hidden"
    grid = grid_from_worksheet(ws)
    assert grid.n_rows == 3 and grid.n_cols == MAX_COLS
    assert grid.rows[0][0] == "top" and grid.rows[1] == [None] * MAX_COLS
    assert grid.rows[2] == [None] + ["last"] * (MAX_COLS - 1)
    assert grid.hidden_rows == frozenset()
    assert grid_from_worksheet(hidden).hidden


def test_values_held_as_values_read_as_the_same_cells_would():
    """A sheet loaded with its cells held as values (load_master), read without making them:
    the same grid as the same values in cells. A merged range whose top-left value is held
    fills the range; a formula's result read in place of its text, one that shows nothing
    is an empty cell (and does not make the grid bigger, at its edge too); values past the
    limits are left out."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    held = [
        (1, 1, "Action", "s", 0),
        (1, 3, None, "n", 3),  # a styled empty cell: no value, no room in the grid
        (2, 1, "merged", "s", 0),
        (3, 2, 7, "n", 0),
        (MAX_ROWS + 1, 1, "far down", "s", 0),
        (2, MAX_COLS + 1, "far right", "s", 0),
    ]
    ws.merge_cells("A2:B2")
    ws["C3"] = "=B3*2"  # a made cell (formulas are), with its saved result below
    ws["D1"] = "=NA()"  # shows nothing (an error's result reads as "")
    ws["A9"] = '=""'  # shows nothing, below every value
    made = dict(ws._cells)
    shown = {(3, 3): 14, (1, 4): "", (9, 1): ""}
    grid = grid_from_worksheet(ws, made, held, shown, formulas=[(3, 3), (1, 4), (9, 1)])
    assert grid.rows == [
        ["Action", None, None],
        ["merged", "merged", None],
        [None, 7, 14],
    ]
    assert grid.worked_out == frozenset({(2, 2), (0, 3), (8, 0)})
    same = Workbook().active
    assert same is not None
    for r, c, value in ((1, 1, "Action"), (2, 1, "merged"), (3, 2, 7), (3, 3, 14)):
        same.cell(r, c, value)
    same.merge_cells("A2:B2")
    assert grid_from_worksheet(same).rows == grid.rows
