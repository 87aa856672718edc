"""Sheets whose cells are made on use (``load_workbook_fast(cells_on_use=True)``, which
``load_master`` uses for every sheet but the Change Log and a Summary made again).

The plan sheet's cells are read as values; a refresh or a merge makes the cells of the few
cells it writes (``loading.PlacedCells``) and reads the rest as values, and anything else that
uses the sheet's cells through openpyxl makes them all first. Each test here holds the result to
what the same work gives on the same master loaded with every cell made: what openpyxl reads,
and the package the patch writer saves, part by part (XML compared in canonical form).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from conftest import build_trust_workbook, rewrite_part, sheet_part
from lxml import etree
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Border, Font, Side
from openpyxl.worksheet.hyperlink import Hyperlink

from edi_xl.flows.refresh import new_master, refresh_book
from edi_xl.flows.rounds import start_round_book
from edi_xl.master import loading, patch
from edi_xl.master import plan as plan_module
from edi_xl.master.edits import baseline_of, describe
from edi_xl.master.loading import (
    PlacedCells,
    extent,
    made_cells,
    makes_cells_on_use,
    sheet_values,
)
from edi_xl.master.plan import PLAN_SHEET, load_master, read_master_plan, round_column
from edi_xl.tables.layouts import trust
from edi_xl.tables.reader import read_plan

AS_AT = date(2023, 12, 18)
NEXT = date(2024, 3, 18)  # a quarter on: the overdue actions' cells change
NOW = datetime(2024, 3, 18, 9, 30)


def _canonical(data: bytes) -> dict[str, bytes]:
    """Each part of a package (but the save time's), XML parts in canonical form (C14N)."""
    out = {}
    with zipfile.ZipFile(BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.filename == "docProps/core.xml":
                continue
            raw = zf.read(info)
            if info.filename.endswith((".xml", ".rels", ".vml")):
                raw = etree.tostring(etree.fromstring(raw), method="c14n")
            out[info.filename] = raw
    return out


def _load(path: Path, *, on_use: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``load_master(path)`` as commands load it, with the cells made on use or all made."""
    real = loading.load_workbook_fast

    def every_cell_made(data: bytes, **options: Any) -> Any:
        options["cells_on_use"] = False
        return real(data, **options)

    with monkeypatch.context() as m:
        if not on_use:
            m.setattr(plan_module, "load_workbook_fast", every_cell_made)
        return load_master(path, remakes_summary=True, log_as_values=True)


def _both(path: Path, work: Callable[[Any], None], monkeypatch: pytest.MonkeyPatch
          ) -> tuple[dict[str, bytes], dict[str, bytes]]:  # fmt: skip
    """The packages saved after ``work`` on ``path`` loaded both ways (made on use first)."""
    out = []
    for on_use in (True, False):
        wb = _load(path, on_use=on_use, monkeypatch=monkeypatch)
        work(wb)
        data = patch.save_bytes(wb)
        assert data is not None
        out.append(_canonical(data))
    return out[0], out[1]


def _assert_same(on_use: dict[str, bytes], made: dict[str, bytes]) -> None:
    assert sorted(on_use) == sorted(made)
    differ = [part for part in made if on_use[part] != made[part]]
    assert not differ, f"parts differ: {differ}"


@pytest.fixture
def trust_master(tmp_path: Path) -> Path:
    """A master made by edi_xl, then given what a trust adds in Excel: a note, a link in a
    column of its own, a formula reading the plan, and a sheet of its own (a merged range:
    :func:`banner_master`)."""
    seed = build_trust_workbook(tmp_path / "trust.xlsx")
    path = tmp_path / "master.xlsx"
    new_master(path, read_plan(seed), AS_AT, now=datetime(2023, 12, 18, 9, 0))
    wb = load_workbook(path)
    ws = wb[PLAN_SHEET]
    ws["B6"].comment = Comment("Check with the network chairs", "HR")
    ws["P5"] = "WRES guidance"
    ws["P5"].hyperlink = Hyperlink(ref="P5", target="https://www.england.nhs.uk/")
    ws["P6"] = "=LEN(C6)"
    ws["P7"] = "kept"
    ws["P7"].font = Font(bold=True)
    notes = wb.create_sheet("Notes")
    notes.append(["Committee notes", None, None, "=COUNTA('Action Plan'!A:A)"])
    notes.append(["Quarter", 42])
    wb.save(path)
    return path


def test_a_plan_sheet_reads_as_a_full_load_reads_it(
    trust_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every openpyxl way of reading a sheet made on use gives what the full load gives."""
    lazy = _load(trust_master, on_use=True, monkeypatch=monkeypatch)
    full = _load(trust_master, on_use=False, monkeypatch=monkeypatch)
    for title in (PLAN_SHEET, "Notes"):
        ws_lazy, ws_full = lazy[title], full[title]
        assert makes_cells_on_use(ws_lazy) and sheet_values(ws_lazy) is not None
        assert extent(ws_lazy) == (ws_full.max_row, ws_full.max_column)
        assert makes_cells_on_use(ws_lazy)  # (extent made no cells)
        assert ws_lazy.max_row == ws_full.max_row  # (this use makes them all)
        assert not makes_cells_on_use(ws_lazy) and sheet_values(ws_lazy) is None
        assert ws_lazy.dimensions == ws_full.dimensions
        assert [[(c.value, c.data_type, c.style_id, c.coordinate) for c in row]
                for row in ws_lazy.iter_rows()] == [
                [(c.value, c.data_type, c.style_id, c.coordinate) for c in row]
                for row in ws_full.iter_rows()]  # fmt: skip
    assert lazy[PLAN_SHEET]["P5"].hyperlink.target == "https://www.england.nhs.uk/"
    assert lazy[PLAN_SHEET]["B6"].comment.text == "Check with the network chairs"


def test_the_plan_is_read_without_making_its_cells(
    trust_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lazy = _load(trust_master, on_use=True, monkeypatch=monkeypatch)
    full = _load(trust_master, on_use=False, monkeypatch=monkeypatch)
    a, b = read_master_plan(lazy), read_master_plan(full)
    assert a.plan.actions == b.plan.actions
    assert a.grid == b.grid
    assert makes_cells_on_use(lazy[PLAN_SHEET])


def test_a_refresh_makes_only_the_cells_it_writes(
    trust_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The speed of a refresh of a big plan rests on this: if something on its way uses the
    plan sheet's cells through openpyxl, every cell is made again (and this fails). At the
    master's own date it writes nothing in the plan, and makes no cell; a quarter on, it makes
    those whose value changes."""
    wb = _load(trust_master, on_use=True, monkeypatch=monkeypatch)
    ws = wb[PLAN_SHEET]
    at_load = set(made_cells(ws))
    refresh_book(wb, AS_AT, now=NOW)
    assert makes_cells_on_use(ws)
    assert set(made_cells(ws)) == at_load

    wb = _load(trust_master, on_use=True, monkeypatch=monkeypatch)
    ws = wb[PLAN_SHEET]
    baseline = baseline_of(wb)
    assert baseline is not None
    refresh_book(wb, NEXT, now=NOW)
    assert makes_cells_on_use(ws)
    made = set(made_cells(ws)) - at_load
    assert made and made == set(describe(baseline, wb).sheets[PLAN_SHEET].cells)
    values = sheet_values(ws)
    assert values is not None
    assert {1, 3}.issubset({plain[1] for plain in values.cells})  # ids, actions: never made


def test_placed_cells_read_what_the_cells_hold(
    trust_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values and looks by place, as the full load's cells hold them, without making them;
    a cell asked for is made as the load would have made it."""
    wb = _load(trust_master, on_use=True, monkeypatch=monkeypatch)
    full = _load(trust_master, on_use=False, monkeypatch=monkeypatch)[PLAN_SHEET]
    ws = wb[PLAN_SHEET]
    at_load = set(made_cells(ws))
    columns = [2, 9, 16]  # theme, status, and the trust's own column (a link, a formula)
    placed = PlacedCells(ws, columns)
    for r in range(1, full.max_row + 2):
        for c in columns:
            cell = full._cells.get((r, c))
            assert placed.value(r, c) == (cell._value if cell is not None else None)
            style = placed.style(r, c)
            assert (tuple(style) if style is not None else None) == (
                tuple(cell._style) if cell is not None else None
            )
    rows = range(1, full.max_row + 2)
    for c in columns:  # a column at once, as each place gives it
        assert placed.values(rows, c) == [placed.value(r, c) for r in rows]
    assert set(made_cells(ws)) == at_load
    cell = placed.cell(6, 9)
    assert (cell.value, cell.style_id) == (full.cell(6, 9).value, full.cell(6, 9).style_id)
    assert placed.cell(full.max_row + 5, 9).value is None  # made empty, as ws.cell makes it
    assert placed.cell(6, 3).value == full.cell(6, 3).value  # another column: ws.cell's
    assert not makes_cells_on_use(ws)


@pytest.mark.parametrize("as_at", [AS_AT, NEXT])
def test_a_refresh_saves_the_same_package(
    trust_master: Path, as_at: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_same(*_both(trust_master, lambda wb: refresh_book(wb, as_at, now=NOW), monkeypatch))


def test_a_new_round_saves_the_same_package(
    trust_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new round inserts its column: the cells are all made first, where they were."""
    _assert_same(*_both(trust_master, lambda wb: start_round_book(wb, NEXT, now=NOW), monkeypatch))


def _merge_like(wb: Any) -> None:
    """A merge's order: a few cells of Status made and written (one cleared), then the
    round's column inserted left of the computed columns, then a refresh."""
    master = read_master_plan(wb)
    ws = master.sheet
    columns = trust.map_columns(master.grid, master.detection.header_row)
    status = columns.fields["status"] + 1
    placed = PlacedCells(ws, [status])
    first = master.plan.actions[0].origin
    assert first is not None
    placed.cell(first.row, status).value = "Blue"
    placed.cell(first.row + 1, status).value = None  # cleared
    assert round_column(ws, master.header_row, NEXT) < extent(ws)[1]
    refresh_book(wb, NEXT, now=NOW)


def test_cells_written_then_a_column_inserted(
    trust_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cells made and the values move with the insert, and cells made after it are
    noted where they were at load: the package saved is the full load's."""
    _assert_same(*_both(trust_master, _merge_like, monkeypatch))
    wb = _load(trust_master, on_use=True, monkeypatch=monkeypatch)
    _merge_like(wb)
    assert makes_cells_on_use(wb[PLAN_SHEET])


def test_rows_appended_go_below_the_last_row(
    trust_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ws.append`` reads the sheet's last row before it uses the cells."""

    def append(wb: Any) -> None:
        wb[PLAN_SHEET].append(["99.1", "Added in a script"])
        wb["Notes"].append(["added"])

    on_use, made = _both(trust_master, append, monkeypatch)
    _assert_same(on_use, made)
    wb = load_workbook(BytesIO(_package(on_use)))
    ws = wb[PLAN_SHEET]
    assert ws.cell(ws.max_row, 2).value == "Added in a script"
    assert ws.max_row > 5


def _package(parts: dict[str, bytes]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_placed_cells_make_each_cell_once(
    trust_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cells asked for are made as the full load makes them; a cell made already is not
    made again (what was written in it stays); the other columns stay values."""
    wb = _load(trust_master, on_use=True, monkeypatch=monkeypatch)
    full = _load(trust_master, on_use=False, monkeypatch=monkeypatch)[PLAN_SHEET]
    ws = wb[PLAN_SHEET]
    expected = {key: cell for key, cell in full._cells.items() if key[1] == 3}
    placed = PlacedCells(ws, [3])
    made = {key: placed.cell(*key) for key in expected}
    cells = made_cells(ws)
    assert sorted(key for key in cells if key[1] == 3) == sorted(expected)
    for key, cell in made.items():
        assert (cell.value, cell.data_type, cell.style_id) == (
            expected[key].value,
            expected[key].data_type,
            expected[key].style_id,
        )
    row = max(r for r, _ in made)
    made[(row, 3)].value = "changed"
    again = PlacedCells(ws, [3, 4])
    assert again.cell(row, 3).value == "changed" and cells[(row, 3)].value == "changed"
    again.cell(row, 4)
    assert any(c == 4 for _, c in cells)
    values = sheet_values(ws)
    assert values is not None
    assert {plain[1] for plain in values.cells}.isdisjoint({3, 4})
    assert 1 in {plain[1] for plain in values.cells}


def test_a_whole_write_makes_every_cell(
    trust_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the file cannot be patched, openpyxl writes the workbook whole: every cell held as
    a value is made first, and written."""
    wb = _load(trust_master, on_use=True, monkeypatch=monkeypatch)
    refresh_book(wb, NEXT, now=NOW)
    loading.bind_values(wb)
    assert not any(makes_cells_on_use(ws) for ws in wb.worksheets)
    out = tmp_path / "whole.xlsx"
    wb.save(out)
    full = _load(trust_master, on_use=False, monkeypatch=monkeypatch)
    refresh_book(full, NEXT, now=NOW)
    written = load_workbook(out)
    for title in (PLAN_SHEET, "Notes"):
        assert [[c.value for c in row] for row in written[title].iter_rows()] == [
            [c.value for c in row] for row in full[title].iter_rows()
        ]


@pytest.mark.parametrize("looked_before", [True, False])
def test_the_extent_after_a_column_is_inserted(
    trust_master: Path, looked_before: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last row and column (worked out before the insert or after it) are the full
    load's after the same insert."""
    wb = load_workbook(trust_master)
    wb[PLAN_SHEET]["T9"] = "a note of the trust's, in the last column"  # (a value, not made)
    wb.save(trust_master)
    lazy = _load(trust_master, on_use=True, monkeypatch=monkeypatch)
    full = _load(trust_master, on_use=False, monkeypatch=monkeypatch)
    if looked_before:
        assert extent(lazy[PLAN_SHEET]) == (full[PLAN_SHEET].max_row, full[PLAN_SHEET].max_column)
    for wb in (lazy, full):
        master = read_master_plan(wb)
        round_column(master.sheet, master.header_row, NEXT)
    assert makes_cells_on_use(lazy[PLAN_SHEET])
    assert extent(lazy[PLAN_SHEET]) == (full[PLAN_SHEET].max_row, full[PLAN_SHEET].max_column)


@pytest.fixture
def banner_master(trust_master: Path) -> Path:
    """The trust's master with a boxed banner merged across A1:F1 as Excel writes one: each
    cell of the range saved with its own sides of the box, the range merged in the file
    (openpyxl would give the merged cells their first cell's look as it merges them)."""
    wb = load_workbook(trust_master)
    ws = wb[PLAN_SHEET]
    edge = Side(style="medium")
    for c in range(1, 7):
        ws.cell(1, c).border = Border(
            top=edge, bottom=edge, left=edge if c == 1 else None, right=edge if c == 6 else None
        )
    wb.save(trust_master)
    rewrite_part(
        trust_master,
        sheet_part(trust_master, PLAN_SHEET),
        lambda data: data.replace(
            b"</sheetData>",
            b'</sheetData><mergeCells count="1"><mergeCell ref="A1:F1"/></mergeCells>',
            1,
        ),
    )
    return trust_master


def test_the_cells_of_merged_ranges_are_made_at_load(
    banner_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl gives a merged range's cells the borders of its first cell as it binds them:
    with that cell still a value, the banner's right edge was lost on the next new round. The
    cells of merged ranges are made at load, the others held; each command saves what the
    full load saves."""
    wb = _load(banner_master, on_use=True, monkeypatch=monkeypatch)
    ws = wb[PLAN_SHEET]
    assert makes_cells_on_use(ws)
    assert {(1, c) for c in range(1, 7)} <= set(made_cells(ws))
    values = sheet_values(ws)
    assert values is not None and all(plain[0] != 1 or plain[1] > 6 for plain in values.cells)
    for work in (
        lambda wb: refresh_book(wb, NEXT, now=NOW),
        lambda wb: start_round_book(wb, NEXT, now=NOW),
        _merge_like,
    ):
        _assert_same(*_both(banner_master, work, monkeypatch))
    wb = _load(banner_master, on_use=True, monkeypatch=monkeypatch)
    start_round_book(wb, NEXT, now=NOW)
    saved = load_workbook(BytesIO(patch.save_bytes(wb) or b""))[PLAN_SHEET]
    assert saved["F1"].border.right.style == "medium"


def test_merged_ranges_too_big_to_list_make_every_cell(
    banner_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A range over many rows (more places than loading lists) has every cell made at load,
    as before: what is saved is the full load's."""
    rewrite_part(
        banner_master,
        sheet_part(banner_master, PLAN_SHEET),
        lambda data: data.replace(
            b'<mergeCell ref="A1:F1"/>', b'<mergeCell ref="A1:F1"/><mergeCell ref="T20:T120000"/>'
        ),
    )
    wb = _load(banner_master, on_use=True, monkeypatch=monkeypatch)
    assert not makes_cells_on_use(wb[PLAN_SHEET])
    _assert_same(*_both(banner_master, lambda wb: refresh_book(wb, NEXT, now=NOW), monkeypatch))


def test_placed_cells_refuse_to_be_used_after_a_column_is_inserted(
    trust_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What they look at has moved: a value read or a cell made then would be another's."""
    wb = _load(trust_master, on_use=True, monkeypatch=monkeypatch)
    master = read_master_plan(wb)
    columns = [3, extent(master.sheet)[1]]  # left of the new column, and the last one
    placed = PlacedCells(master.sheet, columns)
    before = [placed.value(6, c) for c in columns]
    new = round_column(master.sheet, master.header_row, NEXT)
    for use in (placed.value, placed.style, placed.cell):
        with pytest.raises(RuntimeError, match="inserted"):
            use(6, columns[0])
    with pytest.raises(RuntimeError, match="inserted"):
        placed.values([6], columns[0])
    moved = [c + (c >= new) for c in columns]
    assert moved[0] == 3 and moved[1] == columns[1] + 1
    assert [PlacedCells(master.sheet, moved).value(6, c) for c in moved] == before


def test_a_cell_whose_style_the_workbook_lacks_loads_and_is_made_alike(
    trust_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cell whose style the workbook does not have (``s="9999"``) failed the full load
    ("list index out of range"), and this test held that it failed the load made on use
    too, not later, in the middle of a command, when its cell was made. Both loads now read
    such a cell in the first style, as LibreOffice does (test_styles_not_in_the_stylesheet.py):
    the cell made on use is made so too, and a refresh saves the same package both ways.
    (An empty style, ``s=""``, is the default style: test_empty_style_attribute.py.)"""
    rewrite_part(
        trust_master,
        sheet_part(trust_master, "Notes"),
        lambda data: (
            data.replace(b'<c r="B2" t="n"', b'<c r="B2" t="n" s="9999"', 1)
            if b'<c r="B2" t="n"' in data
            else data.replace(b'<c r="B2"', b'<c r="B2" t="n" s="9999"', 1)
        ),
    )
    for on_use in (True, False):
        wb = _load(trust_master, on_use=on_use, monkeypatch=monkeypatch)
        cell = wb["Notes"]["B2"]
        assert tuple(cell._style) == tuple(wb._cell_styles[0])
    as_at = date(2023, 12, 18)
    _assert_same(*_both(trust_master, lambda wb: refresh_book(wb, as_at, now=NOW), monkeypatch))
