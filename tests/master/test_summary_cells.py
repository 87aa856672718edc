"""The Summary sheet, cell by cell, against what writing each cell the plain way gives.

The sheet writer makes its cells directly and copies a value written before in the same
column from what it made of it then (edi_xl.master.summary_sheet._Writer). Here every cell of
freshly written Summary sheets is made again in a scratch sheet the plain way (the column's
style copied, then :func:`edi_xl.master.cells.set_value`, or the formula assigned) and the two
must agree on value, type, number format, quote prefix, font, fill, border, alignment and
protection; row heights are worked out again from the cells' text with every wrapped value;
the fingerprint is worked out again cell by cell. The plans are built to hit what a shortcut
could get wrong: text that looks like a formula or an error (each written several times),
dates written again and again, text exactly as long as a line and one
character longer, short text with a line break, and a Change Log with rounds.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from copy import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_AT, build_trust_workbook, trust_layout_book
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.status import RAG, parse_status
from edi_xl.core.summary import _status_reader
from edi_xl.flows.refresh import new_master, refresh_book
from edi_xl.master.cells import set_value
from edi_xl.master.plan import load_master
from edi_xl.master.styles import ROW_POINTS, row_height
from edi_xl.master.summary_sheet import (
    COLUMN_ALIGNMENT,
    DATE_FORMAT,
    FINGERPRINT_CELL,
    FIRST_ROW,
    KIND_COLUMN,
    SUMMARY,
    WIDTHS,
    summary_names,
)
from edi_xl.tables.reader import read_plan

NOW = datetime(2023, 12, 18, 9, 0)
LATER = date(2024, 2, 1)
#: Owners written many times each: text that a spreadsheet would read as a formula or an
#: error, COUNTIFS pattern characters, text exactly a line of column C (34 characters) and one more,
#: a line break in short text, plain names.
OWNERS = [
    "=Board",
    "+44 Chair of the board",
    "-HR lead",
    "@EDI team",
    "#N/A",
    "Owner? *",
    "x" * 34,
    "y" * 35,
    "Two\nlines",
    None,
    "Jim Machon",
]
#: Action texts: exactly a line of column B (54 characters), one more, words past a line,
#: a short line break, a long paragraph, outer spaces, a formula look.
ACTIONS = [
    "a" * 54,
    "b" * 55,
    "word " * 11,
    "short\nbreak",
    "Review the recruitment data by band and site, and report to the board " * 4,
    "  spaced out  ",
    "=SUM(A1:A3)",
]
THEMES = ["Workforce *data*", "=Formula theme", "Leadership", None, "leadership "]
STATUSES = ["On Track", "At Risk", "Exceeded Timescales", "Complete", None, "Nonsense"]
DUES = [date(2023, 11, 30), date(2024, 1, 5), None, "end of March", date(2024, 1, 5)]
REFS = ["WRES 1", "WDES 4a", None, "HIA 2", "WRES 9 WDES 9"]


def edge_plan(path: Path, n: int = 60) -> Path:
    """A trust-layout plan of ``n`` actions cycling through the values above (two rounds)."""
    wb, ws = trust_layout_book(
        "Edge cases action plan", ("Update as at 18 Sep 23", "Update as at 18 Dec 23")
    )
    for i in range(n):
        due = DUES[i % len(DUES)]
        ws.append(
            [
                f"{i // 10 + 1}.{i % 10 + 1}",
                THEMES[i % len(THEMES)],
                ACTIONS[i % len(ACTIONS)],
                REFS[i % len(REFS)],
                "Race",
                OWNERS[i % len(OWNERS)],
                datetime(2023, 4, 1),
                datetime(due.year, due.month, due.day) if isinstance(due, date) else due,
                STATUSES[i % len(STATUSES)],
                f"September update {i}",
                f"December update {i}" if i % 3 else None,
            ]
        )
        for cell in ws[ws.max_row]:  # what someone typed: text, not a formula or an error
            if isinstance(cell.value, str) and cell.value.startswith(("=", "#")):
                cell.data_type = "s"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def masters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, date]]:
    """(master, as-at date of its next refresh): the edge-case plan (after a refresh a round
    later, so with Change Log lines and a trend), seed 000, and no plan."""
    folder = tmp_path_factory.mktemp("summary-cells")
    edge = folder / "edge.xlsx"
    new_master(edge, read_plan(edge_plan(folder / "edge_plan.xlsx")), AS_AT, now=NOW)
    wb = load_workbook(edge)  # people edit their Status cells between rounds
    ws = wb["Action Plan"]
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "#")
    status = next(c for c in range(1, ws.max_column + 1) if ws.cell(header, c).value == "Status")
    for r in range(header + 1, ws.max_row + 1, 4):
        ws.cell(r, status).value = "Exceeded Timescales" if r % 3 else "Complete"
    wb.save(edge)
    seed = folder / "seed.xlsx"
    new_master(seed, read_plan(build_trust_workbook(folder / "seed_plan.xlsx")), AS_AT, now=NOW)
    empty = folder / "empty.xlsx"
    new_master(empty, None, AS_AT, now=NOW)
    return {"edge": (edge, LATER), "seed": (seed, AS_AT), "empty": (empty, AS_AT)}


def refreshed(path: Path, as_at: date) -> Worksheet:
    """The Summary sheet as a refresh leaves it in memory (before saving)."""
    wb = load_master(path)
    refresh_book(wb, as_at, now=datetime.combine(as_at, datetime.min.time()), path=path.name)
    return wb[SUMMARY]


def look(cell: Any) -> tuple[Any, ...]:
    """What a cell holds and how it looks (copies: openpyxl's style proxies do not compare)."""
    return (
        cell.value,
        cell.data_type,
        cell.number_format,
        cell.quotePrefix,
        *(copy(getattr(cell, name)) for name in ("font", "fill", "border", "alignment")),
        copy(cell.protection),
    )


def plain_cell(scratch: Worksheet, ws: Worksheet, row: int, col: int, written: Any) -> Any:
    """The cell ``written`` at (row, col) of ``ws``, written again the plain way."""
    cell = scratch.cell(row, col)
    cell._style = copy(ws.column_dimensions[get_column_letter(col)]._style)
    if written.data_type == "f":  # one of edi_xl's formulas
        cell.value = written.value
    else:
        value = written.value
        fmt = DATE_FORMAT if isinstance(value, date) else None
        set_value(cell, value, number_format=fmt)
    return cell


def plain_fingerprint(ws: Worksheet) -> str:
    """summary_sheet.fingerprint as first written: every cell's number format looked up."""
    digest = hashlib.sha256()
    for (r, c), cell in sorted(ws._cells.items()):
        if cell.value is not None and cell.coordinate != FINGERPRINT_CELL:
            digest.update(repr((r, c, cell.value, cell.number_format)).encode())
    wb = ws.parent
    for name in summary_names():
        if name in wb.defined_names:
            digest.update(repr((name, wb.defined_names[name].attr_text)).encode())
    return f"edi_xl summary {digest.hexdigest()[:24]}"


@pytest.mark.parametrize("which", ["edge", "seed", "empty"])
def test_every_cell_is_what_writing_it_the_plain_way_gives(
    masters: dict[str, tuple[Path, date]], which: str
) -> None:
    ws = refreshed(*masters[which])
    scratch = ws.parent.create_sheet("scratch")
    checked = 0
    for (r, c), cell in sorted(ws._cells.items()):
        assert cell.value is not None, f"an empty cell {cell.coordinate}: looked at, not written"
        if r < FIRST_ROW or cell.coordinate == FINGERPRINT_CELL:
            continue  # the title block has fonts of its own; the fingerprint is checked below
        assert look(cell) == look(plain_cell(scratch, ws, r, c, cell)), cell.coordinate
        checked += 1
    assert checked > (200 if which != "empty" else 80)
    assert ws[FINGERPRINT_CELL].value == plain_fingerprint(ws)
    assert not ws.merged_cells.ranges
    widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
    assert widths == {**WIDTHS, KIND_COLUMN: 13} and ws.column_dimensions[KIND_COLUMN].hidden


@pytest.mark.parametrize("which", ["edge", "seed", "empty"])
def test_row_heights_are_worked_out_from_every_wrapped_value(
    masters: dict[str, tuple[Path, date]], which: str
) -> None:
    ws = refreshed(*masters[which])
    wrapped = [c for c, align in enumerate(COLUMN_ALIGNMENT.values(), 1) if align.wrap_text]
    kind_col = column_index_from_string(KIND_COLUMN)
    tall = 0
    for r in range(FIRST_ROW, ws.max_row + 1):
        if getattr(ws._cells.get((r, kind_col)), "value", None) == "rag-words":
            continue  # formulas showing the Settings words: checked in test_summary.py
        cells = [ws._cells.get((r, c)) for c in wrapped]
        height = row_height(  # values only: a formula's text is not what the cell shows
            (cell.value, WIDTHS[get_column_letter(c)])
            for c, cell in zip(wrapped, cells, strict=True)
            if cell is not None and cell.data_type != "f"
        )
        expected = height if height > ROW_POINTS else None
        got = ws.row_dimensions[r].height if r in ws.row_dimensions else None
        assert got == expected, f"row {r}"
        tall += expected is not None
    assert tall > (5 if which != "empty" else 0)


def test_the_edge_plan_writes_what_the_shortcuts_could_get_wrong(
    masters: dict[str, tuple[Path, date]],
) -> None:
    """The cases above are there, each several times: else the comparison proves little."""
    ws = refreshed(*masters["edge"])
    values = Counter(c.value for c in ws._cells.values())
    for text in ("=Board", "+44 Chair of the board", "-HR lead", "@EDI team", "=SUM(A1:A3)"):
        cells = [c for c in ws._cells.values() if c.value == text]
        assert len(cells) >= 2, text
        assert all(c.data_type == "s" and c.quotePrefix for c in cells), text
    assert values["#N/A"] >= 2 and values["Owner? *"] >= 2
    assert values["x" * 34] >= 2 and values["y" * 35] >= 2 and values["Two lines"] >= 2
    assert values["a" * 54] >= 2 and values["b" * 55] >= 2 and values["short\nbreak"] >= 2
    dates = [c for c in ws._cells.values() if isinstance(c.value, datetime)]
    assert len(dates) > len({c.value for c in dates}) >= 2
    assert all(c.number_format == DATE_FORMAT for c in dates)
    kinds = Counter(c.value for (_, col), c in ws._cells.items() if col == 20)
    assert KIND_COLUMN == "T" and kinds["list-line"] > 5 and kinds["line"] > 5
    assert kinds["rag-line"] > 6  # themes, owners and an earlier round of the trend
    change_rows = [r for (r, col), c in ws._cells.items() if col == 4 and c.value == "Newly Red"]
    assert change_rows, "changes since the previous round are listed"


def test_reading_statuses_once_per_value_reads_as_parse_status() -> None:
    words = {
        RAG.GREEN: "On Track",
        RAG.AMBER: "At Risk",
        RAG.RED: "Exceeded Timescales",
        RAG.BLUE: "Complete",
    }
    rich = CellRichText(TextBlock(InlineFont(b=True), "Complete"))
    values: list[Any] = [
        "On Track",
        " on track ",
        "G",
        "green - on track",
        "Complete",
        "Nonsense",
        "",
        None,
        1,
        1.0,
        True,
        datetime(2023, 12, 18),
        date(2023, 12, 18),
        rich,
        timedelta(days=1),
    ]
    read = _status_reader(words)
    for value in values * 2:  # the second time from what was read the first
        expected = parse_status(None if value is None else str(value), words)
        assert read(value) == expected, value
    assert read("Complete") is RAG.BLUE and read(rich) is RAG.BLUE and read("G") is RAG.GREEN


def test_the_fingerprint_tells_apart_equal_values_written_differently() -> None:
    """The fingerprint works out each value's part once and uses it again for the same value:
    values that are equal but written differently (0.0 and -0.0, 1, 1.0, True and "1", a
    time and the same time folded or in another zone) each still get their own, in every
    number format, as the fingerprint worked out cell by cell gives."""
    from datetime import timezone

    from openpyxl import Workbook

    from edi_xl.master.summary_sheet import fingerprint

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    utc = datetime(2024, 1, 1, 12, tzinfo=UTC)
    paris = datetime(2024, 1, 1, 13, tzinfo=timezone(timedelta(hours=1)))
    values: list[Any] = [0.0, -0.0, 1, 1.0, True, "1", datetime(2024, 1, 1), date(2024, 1, 1)]
    values += [datetime(2024, 11, 3, 1, 30), datetime(2024, 11, 3, 1, 30, fold=1), utc, paris]
    for r in range(1, 6):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c)._value = value  # (as openpyxl holds it: a zone kept)
            ws.cell(r, c).number_format = ("General", "0.00", DATE_FORMAT)[(r + c) % 3]
    ws[FINGERPRINT_CELL] = "left out"
    before = fingerprint(ws, wb)
    assert before == plain_fingerprint(ws)
    ws.cell(3, 2)._value = 0.0  # -0.0 written as 0.0: another fingerprint
    assert fingerprint(ws, wb) == plain_fingerprint(ws) != before
