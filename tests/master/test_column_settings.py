"""Column settings spanning several columns, as Excel and LibreOffice save them.

Every test builds a master, writes its plan sheet's ``<cols>`` as a spreadsheet program would,
runs what edi_xl does to columns (a new round's column, a computed column added back, a width
set), and reads the saved file's ``<cols>`` strictly (in order, not overlapping): the workbook
edi_xl holds, the file the patch writer saves and the file openpyxl would save whole agree.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import column_settings_in_file, rewrite_part, sheet_part
from openpyxl import load_workbook

from edi_xl.flows.refresh import refresh_workbook
from edi_xl.flows.rounds import start_round
from edi_xl.master import patch
from edi_xl.master.column_settings import (
    column_setting,
    column_width,
    set_column_width,
    shifted_span,
)
from edi_xl.master.plan import load_master

PLAN = "Action Plan"
NEXT = date(2024, 3, 18)
NOW = datetime(2024, 3, 18, 9, 30)
#: the master's plan columns: # .. Status (9), Update as at 18 Sep 23 (10), Overdue (11),
#: Days overdue (12), Problems (13); a new round's column goes in at 11
FIRST_NINE = (
    '<col min="1" max="1" width="6" customWidth="1"/><col min="2" max="2" width="15" '
    'customWidth="1"/><col min="3" max="3" width="42" customWidth="1"/><col min="4" max="6" '
    'width="16" customWidth="1"/><col min="7" max="9" width="12" customWidth="1"/>'
)


@pytest.mark.parametrize(
    ("lo", "hi", "col", "spans"),
    [
        (3, 5, 7, [(3, 5)]),  # left of the new column: stays
        (7, 9, 7, [(8, 10)]),  # at or right of it: one column right
        (5, 9, 7, [(5, 6), (8, 10)]),  # across it: cut there, the new column in neither
        (5, 16384, 7, [(5, 6), (8, 16384)]),  # to Excel's last column: still ends there
        (16384, 16384, 100, []),  # at Excel's last column: pushed out, gone
        (6, 6, 7, [(6, 6)]),
    ],
)
def test_where_a_span_goes_when_a_column_is_inserted(
    lo: int, hi: int, col: int, spans: list[tuple[int, int]]
) -> None:
    assert shifted_span(lo, hi, col) == spans


def _with_cols(master: Path, cols: str) -> str:
    """The master with its plan sheet's ``<cols>`` as given; the plan sheet's part."""
    part = sheet_part(master, PLAN)
    rewrite_part(
        master, part, lambda d: re.sub(rb"<cols>.*?</cols>", f"<cols>{cols}</cols>".encode(), d)
    )
    return part


def _unpatchable(*args: object) -> bytes:
    raise ValueError("a part the patch writer needs is broken")


def _whole_save(master: Path, act: Callable[[Path], object], out: Path) -> Path:
    """What openpyxl writes of the master after ``act(path)``, had it not been patched."""
    copy = out / master.name
    out.mkdir()
    shutil.copy(master, copy)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(patch, "apply_edits", _unpatchable)
        act(copy)
    return copy


@pytest.mark.parametrize("kind", ["hidden", "grouped", "narrow"])
def test_a_new_round_cuts_a_span_across_its_column(master: Path, tmp_path: Path, kind: str) -> None:
    """The previous round's column and Overdue share one span (hidden, grouped in an outline,
    or only alike in width): the round's column goes in between, as wide as the previous
    round's and neither hidden nor grouped; the span's columns keep their settings."""
    extra = {"hidden": ' hidden="1"', "grouped": ' outlineLevel="1"', "narrow": ""}[kind]
    part = _with_cols(
        master,
        FIRST_NINE
        + f'<col min="10" max="11" width="30" customWidth="1"{extra}/>'
        + '<col min="12" max="13" width="9" customWidth="1"/>',
    )
    before = column_settings_in_file(master, part)
    whole = _whole_save(master, lambda p: start_round(p, NEXT, now=NOW), tmp_path / "whole")
    start_round(master, NEXT, now=NOW)
    assert str(load_workbook(master)[PLAN]["K4"].value).startswith("Update as at 18 Mar")
    after = column_settings_in_file(master, part)
    assert after[11] == (30.0, False, "0")  # the round's column: its own settings
    assert {c: s for c, s in after.items() if c != 11} == {
        (c + 1 if c >= 11 else c): s for c, s in before.items()
    }
    assert column_settings_in_file(whole, part) == after


def test_spans_at_excels_last_column(master: Path) -> None:
    """A span to the last column (XFD) still ends there after the new column; a setting of
    the last column alone is pushed out, as Excel drops it."""
    part = _with_cols(
        master,
        FIRST_NINE
        + '<col min="10" max="13" width="20" customWidth="1"/>'
        + '<col min="20" max="16383" width="5" customWidth="1"/>'
        + '<col min="16384" max="16384" width="7" customWidth="1" hidden="1"/>',
    )
    start_round(master, NEXT, now=NOW)
    after = column_settings_in_file(master, part)
    assert after[14] == (20.0, False, "0") and 15 not in after and 20 not in after
    assert after[21] == after[16384] == (5.0, False, "0")  # (not the hidden one's)


def test_computed_columns_added_back_into_a_span(master: Path) -> None:
    """The computed columns deleted, and everything right of the table narrowed as one span
    to the last column (as Excel saves a selection to the end): the refresh adds them back
    with their widths, the rest keeps the span's, and the file gains a few ``<col>``, not one
    a column."""
    wb = load_workbook(master)
    wb[PLAN].delete_cols(11, 3)
    for letter in ("K", "L", "M"):
        del wb[PLAN].column_dimensions[letter]
    wb.save(master)
    part = _with_cols(master, FIRST_NINE + '<col min="10" max="16384" width="5" customWidth="1"/>')
    refresh_workbook(master, NEXT, now=NOW)
    header = [c.value for c in load_workbook(master)[PLAN][4]][9:13]
    assert header == ["Update as at 18 Sep 23", "Overdue", "Days overdue", "Problems"]
    after = column_settings_in_file(master, part)
    widths = [after[c][0] for c in (11, 12, 13, 14, 16384)]
    assert widths[3:] == [5.0, 5.0] and all(w != 5.0 for w in widths[:3])
    with zipfile.ZipFile(master) as zf:
        assert zf.read(part).count(b"<col ") < 20


def test_a_width_set_inside_a_span_in_the_workbook(master: Path) -> None:
    """In the workbook: the column gets settings of its own, the span's other columns keep
    theirs, and reading any column finds what covers it without making settings."""
    _with_cols(
        master, FIRST_NINE + '<col min="10" max="13" width="20" customWidth="1" hidden="1"/>'
    )
    wb = load_master(master)
    ws = wb[PLAN]
    keys = set(ws.column_dimensions)
    assert column_width(ws, 12) == 20 and set(ws.column_dimensions) == keys  # (made none)
    set_column_width(ws, 12, 33)
    settings = {c: column_setting(ws, c) for c in (10, 11, 12, 13)}
    assert [(s.width, s.hidden) for s in settings.values() if s is not None] == [
        (20, True),
        (20, True),
        (33, False),
        (20, True),
    ]


@pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")  # (the trust's)
def test_rows_imported_are_as_tall_as_their_text_in_columns_of_the_default_width(
    tmp_path: Path,
) -> None:
    """The trust's plan (XlsxWriter) sets no width for the Action Owner column: Excel shows it
    at its default width, 8.43, not openpyxl's 13, and an imported row is tall enough for the
    owner's name wrapped at that width (not cut on screen or on paper)."""
    from test_import_into import build_source, build_trust_master

    from edi_xl.flows.importer import import_into
    from edi_xl.master.styles import lines_height, wrapped_lines

    master = build_trust_master(tmp_path / "trust plan.xlsx")
    ws = load_workbook(master)[PLAN]
    owner_col = next(c.column for c in ws[4] if c.value == "Action Owner")
    assert column_width(ws, owner_col) is None
    source = build_source(tmp_path / "board actions.xlsx", "1.1")
    result = import_into([source], master, as_at=date(2023, 12, 18), now=NOW)
    ws = load_workbook(master)[PLAN]
    row = result.rows[0]
    owner = ws.cell(row, owner_col).value
    assert owner == "Jim Machon, Associate Director of HR"
    needed = lines_height(wrapped_lines(owner, 8.43))
    assert ws.row_dimensions[row].height >= needed > lines_height(wrapped_lines(owner, 13.0))


@pytest.mark.parametrize(
    "cols",
    [
        '<col min="11" max="12" width="12.7" customWidth="1" hidden="1"/>',  # a hidden pair
        '<col min="11" max="11" width="10" customWidth="1" hidden="1"/>',  # alone, same width
        '<col min="13" max="13" width="12" customWidth="1" hidden="1" style="1"/>',
        '<col min="11" max="12" width="12" customWidth="1" hidden="1" outlineLevel="1"/>',
    ],
    ids=["hidden-pair", "hidden-alone-same-width", "hidden-styled", "grouped"],
)
def test_a_column_edi_xl_takes_is_shown_whatever_it_was(
    master: Path, tmp_path: Path, cols: str
) -> None:
    """The trust's empty columns right of the plan hidden (a pair saved as one span, one
    column on its own, one styled) or grouped: the columns a refresh takes for Overdue, Days
    overdue and Problems get settings of their own, shown and not grouped, with no style,
    by either door (the patched file and the workbook written whole agree); before, a
    column hidden on its own, or the last of a hidden span, stayed hidden."""
    wb = load_workbook(master)
    wb[PLAN].delete_cols(11, 3)
    for letter in ("K", "L", "M"):
        del wb[PLAN].column_dimensions[letter]
    wb.save(master)
    part = _with_cols(master, FIRST_NINE + cols)
    whole = _whole_save(master, lambda p: refresh_workbook(p, NEXT, now=NOW), tmp_path / "whole")
    refresh_workbook(master, NEXT, now=NOW)
    header = [c.value for c in load_workbook(master)[PLAN][4]][10:13]
    assert header == ["Overdue", "Days overdue", "Problems"]
    after = column_settings_in_file(master, part)
    assert all(not after[c][1] and after[c][2] == "0" for c in (11, 12, 13)), after
    with zipfile.ZipFile(master) as zf:
        taken = re.findall(rb'<col min="1[123]" max="1[123]"[^>]*>', zf.read(part))
    assert len(taken) == 3 and not any(b"style=" in el for el in taken), taken
    assert column_settings_in_file(whole, part) == after


def test_a_macro_enabled_master_has_no_overlapping_columns(
    seed_workbook: Path, tmp_path: Path
) -> None:
    """A new .xlsm master is built on XlsxWriter's start, which saves neighbouring columns of
    one width as one span (G:H, both 12 wide): each width edi_xl then set made a second
    ``<col>`` inside that span, and Excel repairs such a file. Every sheet's columns are read
    strictly, and after a round too."""
    from edi_xl.flows.refresh import new_master
    from edi_xl.tables.reader import read_plan

    xlsm = tmp_path / "plan.xlsm"
    new_master(xlsm, read_plan(seed_workbook), date(2023, 12, 18), now=NOW)
    with zipfile.ZipFile(xlsm) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    widths = {part: column_settings_in_file(xlsm, part) for part in sheets}
    plan = widths[sheet_part(xlsm, PLAN)]
    assert plan[7] == plan[8] == (12.0, False, "0")
    start_round(xlsm, NEXT, now=NOW)
    for part in sheets:
        column_settings_in_file(xlsm, part)
