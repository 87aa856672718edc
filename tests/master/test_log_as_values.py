"""The Change Log loaded as values (``load_master(log_as_values=True)``) and lines added below
it without parsing the sheet (``patch._append_in_place``).

A refresh or a merge reads the log only for the Summary's figures and adds lines under it. Its
lines are then read as values, never made openpyxl cells, and the save puts the new lines' text
in at the end of the sheet's rows. Each test here holds that to what the full load and the
parsed patch give, on masters built in the tests, on odd XML, and through LibreOffice.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from conftest import column_widths, rewrite_part, sheet_part, spanned_columns
from libreoffice import recalculated_copy, soffice_path
from lxml import etree
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Font

from edi_xl.flows.refresh import refresh_book, refresh_workbook
from edi_xl.master import patch, sheets
from edi_xl.master.loading import (
    bind_values,
    cells_but_new_lines,
    new_lines,
    rows_not_read,
    sheet_values,
)
from edi_xl.master.plan import load_master
from edi_xl.master.sheets import CHANGE_LOG

NEXT = date(2024, 3, 18)  # a quarter on: every overdue action's days change, and are logged
NOW = datetime(2024, 3, 18, 9, 30)


def _log_part(path: Path) -> str:
    """The name of the Change Log's part in the package at ``path``."""
    return sheet_part(path, CHANGE_LOG)


def _canonical(data: bytes) -> dict[str, bytes]:
    """Each part of a package, XML parts in their canonical form (C14N)."""
    out = {}
    with zipfile.ZipFile(BytesIO(data)) as zf:
        for info in zf.infolist():
            raw = zf.read(info)
            if info.filename.endswith((".xml", ".rels", ".vml")):
                raw = etree.tostring(etree.fromstring(raw), method="c14n")
            out[info.filename] = raw
    return out


def _saved(path: Path, *, as_values: bool, in_place: bool, monkeypatch: pytest.MonkeyPatch,
           as_at: date = NEXT) -> tuple[bytes, list[str]]:  # fmt: skip
    """The package a refresh of ``path`` as at ``as_at`` saves (not written), loaded with the
    Change Log as values or as cells, its new lines put in without a parse or by the parsed
    patch; and the parts the parsed patch went through."""
    parsed: list[str] = []
    real_patch_sheet = patch.patch_sheet

    def recording(pkg: Any, part: str, *args: Any) -> None:
        parsed.append(part)
        real_patch_sheet(pkg, part, *args)

    with monkeypatch.context() as m:
        m.setattr(patch, "patch_sheet", recording)
        if not in_place:
            m.setattr(patch, "_append_in_place", lambda *args: False)
        wb = load_master(path, remakes_summary=True, log_as_values=as_values)
        refresh_book(wb, as_at, now=NOW)
        data = patch.save_bytes(wb)
    assert data is not None
    return data, parsed


def _log_lines(path: Path) -> list[tuple[Any, ...]]:
    ws = load_workbook(path)[CHANGE_LOG]
    return [row[:6] for row in ws.iter_rows(min_row=2, values_only=True) if any(row)]


# --- loading ------------------------------------------------------------------------------------


@pytest.fixture
def odd_log(master: Path) -> Path:
    """The master with a Change Log holding what the scanner reads and what it leaves to
    openpyxl: a formula, a rich text, a comment, a hyperlink, a number, a date, a row's height,
    a bold cell, a note right of the six columns."""
    wb = load_workbook(master)
    ws = wb[CHANGE_LOG]
    row = ws.max_row + 1
    ws.cell(row, 1, datetime(2024, 1, 5, 14, 30)).number_format = "yyyy-mm-dd hh:mm"
    ws.cell(row, 2, "1.1").hyperlink = "https://example.org/wres"
    ws.cell(row, 3, "Status").comment = Comment("checked with the owner", "HR")
    ws.cell(row, 4, 42)
    ws.cell(row, 5, "=1+1")
    ws.cell(row, 6, "typed by hand").font = Font(bold=True)
    ws.row_dimensions[row].height = 33.0
    ws.cell(row + 1, 4, CellRichText(["partly ", TextBlock(InlineFont(b=True), "bold")]))
    ws.cell(row + 2, 8, "a note beside the log")
    wb.save(master)
    return master


def _cells_of(ws: Any) -> dict[tuple[int, int], tuple[Any, str, tuple[int, ...]]]:
    return {k: (c._value, c.data_type, tuple(c._style)) for k, c in ws._cells.items()}


def test_the_log_loaded_as_values_is_what_a_full_load_reads(odd_log: Path) -> None:
    """Each value, type and look is the cell a full load makes. Cells are made only where
    openpyxl binds a hyperlink or a comment, holding what the full load's hold (not the
    link's address, which openpyxl puts in an empty cell); the rows' heights are kept with
    the values; bind_values makes the very cells the full load made."""
    full = load_master(odd_log)
    fast = load_master(odd_log, log_as_values=True)
    expected = _cells_of(full[CHANGE_LOG])
    ws = fast[CHANGE_LOG]
    values = sheet_values(ws)
    assert values is not None
    styles = fast._cell_styles
    read = {(r, c): (v, t, tuple(styles[s])) for r, c, v, t, s in values.cells}
    made = _cells_of(ws)
    last = values.last_row
    assert last == full[CHANGE_LOG].max_row  # the note's row (the line is two rows above)
    # the hyperlink's, the comment's and the formula's (a command moving the plan's columns
    # moves the formulas among the cells)
    assert set(made) == {(last - 2, 2), (last - 2, 3), (last - 2, 5)}
    assert not read.keys() & made.keys()
    assert read | made == expected
    assert ws.row_dimensions.get(last - 2) is None
    assert rows_not_read(fast) == []  # (nothing to refuse: bind_values makes them)
    assert sheets.read_change_log(fast) == sheets.read_change_log(full)
    bind_values(fast)
    assert sheet_values(ws) is None
    assert _cells_of(ws) == expected
    heights = {r: d.ht for r, d in full[CHANGE_LOG].row_dimensions.items() if d.ht}
    assert {r: d.ht for r, d in ws.row_dimensions.items() if d.ht} == heights
    assert ws.cell(last - 2, 2).hyperlink is not None
    assert ws.cell(last - 2, 3).comment is not None


def test_a_cell_only_looked_at_takes_the_value_when_the_cells_are_made(master: Path) -> None:
    """``ws.cell`` does not see the values: looking makes an empty cell there. Made into
    cells for a whole write, the value is the file's, as a full load has it."""
    full = load_master(master)
    fast = load_master(master, log_as_values=True)
    assert fast[CHANGE_LOG]["B2"].value is None  # (looked at: an empty cell made)
    bind_values(fast)
    assert _cells_of(fast[CHANGE_LOG]) == _cells_of(full[CHANGE_LOG])


def test_rows_the_scanner_does_not_read_are_read_as_values_by_lxml(master: Path) -> None:
    """A comment among the rows sends them to lxml's reader: the same values."""
    part = _log_part(master)
    rewrite_part(master, part, lambda d: d.replace(b"</row>", b"</row><!-- a tool's note -->", 1))
    full = load_master(master)
    fast = load_master(master, log_as_values=True)
    assert sheet_values(fast[CHANGE_LOG]) is not None
    assert sheets.read_change_log(fast) == sheets.read_change_log(full) != []


def test_lines_are_added_below_the_lines_loaded_as_values(master: Path) -> None:
    wb = load_master(master, log_as_values=True)
    values = sheet_values(wb[CHANGE_LOG])
    assert values is not None and values.last_row > 1
    before = sheets.read_change_log(wb)
    line = sheets.Change("1.1", "Status", "On track", "Complete", "a test")
    sheets.append_changes(wb, [line], NOW)
    assert min(r for r, _ in wb[CHANGE_LOG]._cells) == values.last_row + 1
    assert sheets.read_change_log(wb) == [*before, (NOW, "1.1", "Status", "On track", "Complete",
                                                    "a test")]  # fmt: skip


def test_lines_added_are_kept_as_values_until_the_sheets_cells_are_used(master: Path) -> None:
    """On a log read as values, the lines added are kept as the values of their cells, not
    made cells (a merge adds thousands): the log reads them, a second append goes below
    them, and the first use of the sheet's cells makes them, the very cells added to a log
    read as cells (a formula-like text quoted, a date, a number, nothing)."""
    lines = [
        sheets.Change("1.1", "Status", "On track", "=1+1", "a test"),
        sheets.Change("1.2", "Due", date(2024, 1, 5), 42, "a test"),
        sheets.Change("1.3", "Notes", None, "#N/A", "a test"),
    ]
    more = [sheets.Change("1.4", "Status", "On track", "Complete", "a test")]
    full = load_master(master)
    sheets.append_changes(full, lines, NOW)
    sheets.append_changes(full, more, NOW)
    wb = load_master(master, log_as_values=True)
    ws = wb[CHANGE_LOG]
    values = sheet_values(ws)
    assert values is not None
    sheets.append_changes(wb, lines, NOW)
    sheets.append_changes(wb, more, NOW)
    first = values.last_row + 1
    assert [r for r, _ in new_lines(ws)] == list(range(first, first + 4))
    assert not any(r >= first for r, _ in cells_but_new_lines(ws))  # (none made)
    assert sheets.read_change_log(wb) == sheets.read_change_log(full)
    expected = {k: v for k, v in _cells_of(full[CHANGE_LOG]).items() if k[0] >= first}
    assert len(expected) == 4 * 6
    made = {k: v for k, v in _cells_of(ws).items() if k[0] >= first}  # (ws._cells: made)
    assert made == expected
    assert new_lines(ws) == []


# --- saving -------------------------------------------------------------------------------------


def test_a_refresh_saves_the_same_whichever_way_the_log_is_read_and_written(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Log as values and lines put in without a parse, or log as cells and the parsed patch:
    every part of the saved file is the same XML. Without a parse it is: the log's part is
    not among those the parsed patch went through."""
    part = _log_part(master)
    fast, parsed_fast = _saved(master, as_values=True, in_place=True, monkeypatch=monkeypatch)
    slow, parsed_slow = _saved(master, as_values=False, in_place=False, monkeypatch=monkeypatch)
    assert part in parsed_slow and part not in parsed_fast
    assert _canonical(fast) == _canonical(slow)


def _prefixed(data: bytes) -> bytes:
    """The sheet with its main namespace under the prefix x:."""
    data = re.sub(rb"<(/?)([A-Za-z]+)([ />])", rb"<\1x:\2\3", data)
    return data.replace(b'xmlns="http://schemas', b'xmlns:x="http://schemas', 1)


def _also_prefixed(data: bytes) -> bytes:
    """The sheet with the main namespace declared under the prefix x: as well."""
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return data.replace(main, main + b" " + main.replace(b"xmlns=", b"xmlns:x="), 1)


ODD_LOGS = {
    "prefixed": _prefixed,
    "comment in a row": lambda d: d.replace(b"</c></row>", b"</c><!--x--></row>", 1),
    "processing instruction": lambda d: d.replace(b"<sheetData>", b"<sheetData><?pi x?>", 1),
    "no filter": lambda d: re.sub(rb"<autoFilter[^>]*/>", b"", d),
    "custom views": lambda d: d.replace(
        b"</worksheet>",
        b'<customSheetViews><customSheetView guid="{00000000-0000-0000-0000-000000000001}">'
        b'<autoFilter ref="A1:F2"/></customSheetView></customSheetViews></worksheet>',
    ),
    "no dimension": lambda d: re.sub(rb"<dimension[^>]*/>", b"", d),
    "an empty dimension": lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref=""', d),
    "a dimension in single quotes": lambda d: re.sub(
        rb'<dimension ref="([^"]*)"', rb"<dimension ref='\1'", d
    ),
    "a filter in single quotes": lambda d: re.sub(
        rb'<autoFilter ref="([^"]*)"', rb"<autoFilter ref='\1'", d
    ),
    "the main namespace under a prefix too": lambda d: _also_prefixed(d).replace(
        b"<dimension ", b"<x:dimension ", 1
    ),
    "a last row with a prefix": lambda d: _also_prefixed(d).replace(
        b"</sheetData>", b'<x:row r="40" ht="30" customHeight="1"/></sheetData>', 1
    ),
    "an extension's filter": lambda d: d.replace(
        b"</worksheet>",
        b'<extLst><ext uri="{00000000-0000-0000-0000-00000000000A}">'
        b'<autoFilter xmlns="urn:example:tool" ref="A1:F3"/></ext></extLst></worksheet>',
    ),
    "a last row with no number": lambda d: re.sub(
        rb'<row r="(\d+)"([^>]*)>((?:(?!<row).)*)</row></sheetData>',
        lambda m: b"<row" + m.group(2) + b">" + m.group(3) + b"</row></sheetData>",
        d,
        flags=re.S,
    ),
}


@pytest.mark.parametrize("odd", list(ODD_LOGS))
def test_a_log_in_another_form_is_patched_as_before(
    odd: str, master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log part whose text is not in the plain form (or whose filter is not where it is
    looked for) goes through the parsed patch; either way the same XML is saved."""
    part = _log_part(master)
    with zipfile.ZipFile(master) as zf:
        before = zf.read(part)
    rewrite_part(master, part, ODD_LOGS[odd])
    with zipfile.ZipFile(master) as zf:
        assert zf.read(part) != before  # (the form the test is about)
    fast, parsed = _saved(master, as_values=True, in_place=True, monkeypatch=monkeypatch)
    slow, _ = _saved(master, as_values=False, in_place=False, monkeypatch=monkeypatch)
    assert _canonical(fast) == _canonical(slow)
    # put in without a parse only where that is sure: a sheet without a dimension has none
    # to stretch; an extension's filter is not the sheet's
    kept_to_text = ("no dimension", "an empty dimension", "an extension's filter")
    assert (part in parsed) is (odd not in kept_to_text)


def test_columns_saved_in_spans_keep_their_widths(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A master saved by Excel or LibreOffice has neighbouring columns of one width as one
    span: on the plan sheet (here the Problems column shares one with the column left of it)
    and on the Change Log (its Old and New columns). A refresh keeps every width, and still
    adds the log's lines without a parse. (Looking a width up used to make settings of
    openpyxl's default width, 13, for a column inside a span: saved, the column narrowed.)"""
    wb = load_workbook(master)
    plan = wb.sheetnames[0]
    ws = wb[plan]
    problems = ws.max_column
    letter = ws.cell(1, problems).column_letter
    left = ws.cell(1, problems - 1).column_letter
    ws.column_dimensions[left].width = ws.column_dimensions[letter].width
    wb.save(master)
    with zipfile.ZipFile(master) as zf:
        names = {n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")}
    for part in names:
        rewrite_part(master, part, spanned_columns)
    before = {title: column_widths(master, title) for title in (plan, CHANGE_LOG)}
    assert before[CHANGE_LOG][4] == before[CHANGE_LOG][5] == 40
    _, parsed = _saved(master, as_values=True, in_place=True, monkeypatch=monkeypatch)
    assert _log_part(master) not in parsed
    refresh_workbook(master, NEXT, now=NOW)
    assert {title: column_widths(master, title) for title in (plan, CHANGE_LOG)} == before


def test_a_line_xml_cannot_hold_is_saved_as_the_parsed_patch_saves_it(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Added lines holding text UTF-8 cannot write (a lone surrogate, which no typed text
    holds but a cell can be given) are not put in as text: they go the way they always went
    (the parsed patch), with the same outcome."""
    outcomes: list[Any] = []
    tried: list[bool] = []
    real = patch._append_in_place

    def spying(*args: Any) -> bool:
        tried.append(real(*args))
        return tried[-1]

    for in_place in (True, False):
        with monkeypatch.context() as m:
            m.setattr(patch, "_append_in_place", spying if in_place else lambda *args: False)
            wb = load_master(master, remakes_summary=True, log_as_values=in_place)
            sheets.append_changes(wb, [sheets.Change("1.1", "Note", None, "x", "y")], NOW)
            ws = wb[CHANGE_LOG]
            ws.cell(ws.max_row, 5)._value = "half a character \ud800"
            try:
                data = patch.save_bytes(wb)
            except Exception as exc:  # noqa: BLE001 - the outcome compared, whichever it is
                outcomes.append(type(exc))
            else:
                assert data is not None
                outcomes.append(_canonical(data))
    assert tried == [False]  # (the text was looked at, and left to the parsed patch)
    assert outcomes[0] == outcomes[1]


def test_an_empty_cell_with_a_hyperlink_reads_as_a_full_load_reads_it(master: Path) -> None:
    """openpyxl puts a hyperlink's address in a cell the file leaves empty: the log loaded as
    values gives that cell what the full load gives it."""
    wb = load_workbook(master)
    ws = wb[CHANGE_LOG]
    ws.cell(ws.max_row + 1, 8).hyperlink = "#'Action Plan'!A1"
    ws.cell(ws.max_row, 8).value = None
    wb.save(master)
    full, fast = load_master(master), load_master(master, log_as_values=True)
    assert sheets.read_change_log(fast) == sheets.read_change_log(full)
    assert _cells_of(fast[CHANGE_LOG]).items() <= _cells_of(full[CHANGE_LOG]).items()


def test_a_formula_in_the_log_moves_with_the_plan_when_a_round_starts(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starting a round inserts the round's column into the plan and moves every formula
    that points at what is right of it: a user's formula beside the Change Log too."""
    from openpyxl.utils import get_column_letter

    from edi_xl.flows import rounds

    wb = load_workbook(master)
    plan = wb.sheetnames[0]
    last = get_column_letter(wb[plan].max_column)
    log = wb[CHANGE_LOG]
    log.cell(log.max_row + 2, 8, f"='{plan}'!{last}5")
    wb.save(master)
    rounds.start_round(master, NEXT, now=NOW)
    moved = get_column_letter(wb[plan].max_column + 1)
    got = [c.value for row in load_workbook(master)[CHANGE_LOG].iter_rows(min_col=8, max_col=8)
           for c in row if c.value]  # fmt: skip
    assert got == [f"='{plan}'!{moved}5"]


def test_the_read_ahead_leaves_the_sheets_loaded_as_values_alone(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their rows are added without a parse: parsing them ahead would be time and memory for
    nothing."""
    from edi_xl.master.package import Package

    asked: list[list[str]] = []
    real = Package.parse_ahead

    def parse_ahead(self: Package, names: list[str]) -> None:
        asked.append(names)
        real(self, names)

    monkeypatch.setattr(Package, "parse_ahead", parse_ahead)
    part = _log_part(master)
    for as_values in (False, True):
        wb = load_master(master, remakes_summary=True, log_as_values=as_values)
        patch.read_ahead(wb)
        patch.drop_read_ahead(wb)
        assert (part in asked[-1]) is not as_values


def test_a_master_written_whole_keeps_the_log_loaded_as_values(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the file cannot be patched and openpyxl writes it whole, the lines loaded as
    values are made cells first: none is lost, the new ones follow them."""
    before = _log_lines(master)
    assert before

    def broken(*args: object) -> bytes:
        raise ValueError("a part it needs is broken")

    monkeypatch.setattr(patch, "apply_edits", broken)
    result = refresh_workbook(master, NEXT, now=NOW)
    assert any(n.code.value == "saved_by_rewrite" for n in result.notes)
    after = _log_lines(master)
    assert after[: len(before)] == before and len(after) > len(before)


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_every_line_of_a_log_added_to_without_a_parse(
    master: Path, tmp_path: Path
) -> None:
    """The saved master opened by a real spreadsheet program and saved again by it: the
    Change Log has every line, the old and the new, in order, and its filter spans them."""
    lines_before = _log_lines(master)
    refresh_workbook(master, NEXT, now=NOW)
    expected = _log_lines(master)
    assert expected[: len(lines_before)] == lines_before and len(expected) > len(lines_before)
    copy = recalculated_copy(master, tmp_path / "lo")
    ws = load_workbook(copy)[CHANGE_LOG]
    got = [row[:6] for row in ws.iter_rows(min_row=2, values_only=True) if any(row)]
    assert [line[1:] for line in got] == [line[1:] for line in expected]
    assert [line[0] for line in got] == [line[0] for line in expected]
    assert ws.auto_filter.ref == f"A1:F{len(expected) + 1}"
