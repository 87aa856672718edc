"""The master workbook in a real spreadsheet program: LibreOffice Calc.

Excel is not available on these machines; LibreOffice is. These tests check that:

1. the master prints: converted to PDF, its pages show the RAG fills of the Status column and
   the overdue mark, the as-at footer with page numbers, and the header row on every page;
2. LibreOffice reads the master and saves it again as .xlsx keeping what edi_xl relies on:
   sheets, Status values, named ranges, dropdowns, conditional formatting;
3. edi_xl refreshes that LibreOffice-written file without changing anything (idempotent
   across writers).

Skipped, with the reason shown, when LibreOffice or poppler-utils is missing, except under CI
(the CI environment variable set), where missing tools fail the tests: CI installs them.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from libreoffice import (
    colour_pixels,
    colours_in_png,
    convert,
    has_colour,
    pdf_pages_text,
    poppler_missing,
    recalculated_copy,
    render_png,
    soffice_path,
)
from openpyxl import load_workbook

from edi_xl.cli import cli, example_plan
from edi_xl.flows.refresh import new_master, refresh_workbook
from edi_xl.tables.reader import read_plan

pytestmark = pytest.mark.libreoffice

AS_AT = date(2023, 12, 18)
FOOTER = "As at 18 December 2023"
HEADER_ROW = 4
GREEN, AMBER, RED, BLUE = "C6EFCE", "FFEB9C", "FFC7CE", "BDD7EE"
OVERDUE = "FF0000"
#: How many times the 17 example actions are repeated so the plan prints on 2+ pages.
COPIES = 8
INSTALL = "apt-get install -y --no-install-recommends libreoffice-calc-nogui poppler-utils"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def tools() -> None:
    """Skip (fail under CI) when LibreOffice or poppler-utils is not installed."""
    missing = []
    if soffice_path() is None:
        missing.append("LibreOffice (soffice) not installed")
    if poppler_missing():
        missing.append(f"poppler-utils ({', '.join(poppler_missing())}) not installed")
    if not missing:
        return
    reason = "; ".join(missing) + f": {INSTALL}"
    if _in_ci():
        pytest.fail(f"CI is set, so this must not be skipped: {reason}")
    pytest.skip(reason)


# --- workbooks ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_master(tools: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``edi-xl demo``: the example plan (17 actions, 1.9 and 6.3 overdue) as at 18 Dec 2023."""
    folder = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", str(folder)])
    assert result.exit_code == 0, result.output
    return folder / "action_plan.xlsx"


def _columns(ws: Any) -> dict[str, int]:
    """Header text -> 1-based column, from the master's header row."""
    return {str(c.value).strip(): c.column for c in ws[HEADER_ROW] if isinstance(c.value, str)}


def _row_of(ws: Any, action_id: str) -> int:
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(r, 1).value == action_id:
            return r
    raise AssertionError(f"no action {action_id!r} in column A")


@pytest.fixture(scope="module")
def rag_master(tools: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A master showing all four RAG colours that prints on more than one page.

    The example plan's 17 actions repeated COPIES times (ids renumbered: 1.4, 1.24, 1.44, ...),
    then, as a person would in Excel, action 1.4 set to "At Risk" and 1.5 to "Complete", and
    refreshed as at 18 Dec 2023.
    """
    folder = tmp_path_factory.mktemp("rag")
    with resources.as_file(example_plan()) as example_path:
        plan = read_plan(example_path)
    actions = []
    for k in range(COPIES):
        for action in plan.actions:
            major, _, minor = action.id.partition(".")
            assert major.isdigit() and minor.isdigit(), f"unexpected example id {action.id!r}"
            new_id = f"{major}.{int(minor) + 20 * k}"
            actions.append(replace(copy.deepcopy(action), id=new_id))
    path = folder / "action_plan.xlsx"
    new_master(path, replace(plan, actions=actions), AS_AT)

    wb = load_workbook(path)
    ws = wb["Action Plan"]
    status = _columns(ws)["Status"]
    ws.cell(_row_of(ws, "1.4"), status).value = "At Risk"  # due 31 Mar 2024: stays amber
    ws.cell(_row_of(ws, "1.5"), status).value = "Complete"  # has an update: stays blue
    wb.save(path)
    result = refresh_workbook(path, AS_AT, now=datetime(2023, 12, 18, 9, 0))
    assert result.rag_counts() == {
        "Green": 15 * COPIES - 2,
        "Amber": 1,
        "Red": 2 * COPIES,
        "Blue": 1,
    }
    return path


# --- what LibreOffice made of them ----------------------------------------------------------


class Printed:
    """A master converted to PDF: its text and pixel colours, page by page."""

    def __init__(self, xlsx: Path, outdir: Path) -> None:
        self.pdf = convert(xlsx, "pdf", outdir)
        self.texts = pdf_pages_text(self.pdf)
        # The Action Plan's pages are the ones with its footer (the other sheets have none but
        # the Summary, whose footer ends with its sheet name).
        self.plan_pages = [
            i
            for i, text in enumerate(self.texts, start=1)
            if FOOTER in text and text.split()[-1:] != ["Summary"]
        ]
        assert self.plan_pages, f"no page of {self.pdf} has the footer {FOOTER!r}"
        assert self.plan_pages == list(range(1, len(self.plan_pages) + 1)), (
            f"the Action Plan should print first, on consecutive pages: {self.plan_pages}"
        )
        # 120 dpi: a single Status cell is then a few hundred pixels of solid fill.
        images = render_png(self.pdf, outdir / "pages", dpi=120, first=1, last=self.plan_pages[-1])
        assert len(images) == len(self.plan_pages), images
        self.colours: Counter[tuple[int, int, int]] = Counter()
        for image in images:
            self.colours.update(colours_in_png(image, solid=True))

    def pixels(self) -> dict[str, int]:
        names = {"green": GREEN, "amber": AMBER, "red": RED, "blue": BLUE, "overdue": OVERDUE}
        return {name: colour_pixels(self.colours, rgb) for name, rgb in names.items()}


@pytest.fixture(scope="module")
def demo_pdf(demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Printed:
    return Printed(demo_master, tmp_path_factory.mktemp("demo_pdf"))


@pytest.fixture(scope="module")
def rag_pdf(rag_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Printed:
    return Printed(rag_master, tmp_path_factory.mktemp("rag_pdf"))


@pytest.fixture(scope="module")
def lo_copy(demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo master as LibreOffice saves it (loaded, recalculated, written again)."""
    return recalculated_copy(demo_master, tmp_path_factory.mktemp("lo_copy"))


# --- 1. printing ----------------------------------------------------------------------------


def test_demo_prints_with_rag_colours_and_footer(demo_pdf: Printed) -> None:
    pixels = demo_pdf.pixels()
    assert has_colour(demo_pdf.colours, GREEN), pixels
    assert has_colour(demo_pdf.colours, RED), pixels  # 1.9 and 6.3: Exceeded Timescales
    assert has_colour(demo_pdf.colours, OVERDUE), pixels  # their due dates and Overdue "Yes"
    # Nothing in the demo is At Risk or Complete: the colour check can tell colours apart.
    assert not has_colour(demo_pdf.colours, AMBER, min_pixels=1), pixels
    assert not has_colour(demo_pdf.colours, BLUE, min_pixels=1), pixels
    first = demo_pdf.texts[0]
    assert FOOTER in first
    assert "Page 1 of" in first
    assert "Action Owner" in first and "Exceeded Timescales" in first


def test_all_four_rag_colours_print(rag_pdf: Printed) -> None:
    pixels = rag_pdf.pixels()
    for name, rgb in (
        ("green", GREEN),
        ("amber", AMBER),
        ("red", RED),
        ("blue", BLUE),
        ("overdue", OVERDUE),
    ):
        assert has_colour(rag_pdf.colours, rgb), f"no {name} ({rgb}) on the page: {pixels}"
    # Fills are sized by how many cells hold each status: one amber and one blue cell,
    # 2 x COPIES red, many green.
    assert pixels["green"] > pixels["red"] > pixels["amber"], pixels
    assert pixels["green"] > pixels["red"] > pixels["blue"], pixels


def test_header_row_repeats_on_every_printed_page(rag_pdf: Printed) -> None:
    pages = rag_pdf.plan_pages
    assert len(pages) >= 2, f"{COPIES * 17} actions should print on 2+ pages, not {len(pages)}"
    for page in pages:
        text = rag_pdf.texts[page - 1]
        assert f"Page {page} of" in text, f"page {page}: no page number in the footer"
        assert "Action Owner" in text, f"page {page}: the header row (print titles) is missing"
    # The title rows above the header are not print titles: only on the first page.
    assert "Action Plan 2023/24" in rag_pdf.texts[0]
    assert "Action Plan 2023/24" not in rag_pdf.texts[1]


def test_pages_across_show_the_action_numbers(demo_master: Path, tmp_path: Path) -> None:
    """A year of rounds makes the plan two pages across: the right-hand pages (the rounds'
    updates, Overdue, Problems) print each line's action number too."""
    path = tmp_path / "plan.xlsx"
    shutil.copy2(demo_master, path)
    for start in ("2024-03-18", "2024-06-18", "2024-09-18", "2024-12-18"):
        result = CliRunner().invoke(cli, ["round", str(path), "--start", start])
        assert result.exit_code in (0, 1), result.output
    assert load_workbook(path)["Action Plan"].print_title_cols == "$A:$A"
    texts = pdf_pages_text(convert(path, "pdf", tmp_path / "pdf"))
    right = [t for t in texts if "Update as at 18 Dec 24" in t and "Problems" in t]
    assert right, "no page with the last round's updates and the Problems column"
    seen: set[str] = set()
    for text in right:
        numbers = re.findall(r"^\s*(\d\.\d+)\s", text, re.MULTILINE)
        assert len(numbers) >= 3, text[:2000]
        seen.update(numbers)
    assert {"1.9", "6.3"} <= seen, seen


# --- 2. LibreOffice reads and writes the master ---------------------------------------------


def _dxf_fills(ws: Any, column: str) -> list[str]:
    """The fill colours (RRGGBB) of the conditional-format rules whose range is ``column``."""
    fills = []
    for cf in ws.conditional_formatting:
        if any(r.min_col == r.max_col and r.coord.startswith(column) for r in cf.sqref.ranges):
            for rule in cf.rules:
                assert rule.type == "expression", rule.type
                fills.append(rule.dxf.fill.bgColor.rgb[-6:].upper())
    return fills


def test_libreoffice_resave_keeps_what_edi_xl_relies_on(demo_master: Path, lo_copy: Path) -> None:
    ours = load_workbook(demo_master)
    theirs = load_workbook(lo_copy)
    assert (
        theirs.sheetnames
        == ours.sheetnames
        == ["Action Plan", "Summary", "Settings", "Lists", "Change Log"]
    )
    ws, ws0 = theirs["Action Plan"], ours["Action Plan"]
    assert _columns(ws) == _columns(ws0)
    status = _columns(ws)["Status"]
    statuses = [ws.cell(r, status).value for r in range(HEADER_ROW + 1, ws0.max_row + 1)]
    assert statuses == [ws0.cell(r, status).value for r in range(HEADER_ROW + 1, ws0.max_row + 1)]
    assert Counter(statuses) == {"On Track": 15, "Exceeded Timescales": 2}
    ids = [ws.cell(r, 1).value for r in range(HEADER_ROW + 1, ws0.max_row + 1)]
    assert "1.11" in ids and "1.1" not in ids  # ids stay text: 1.11 is not the number 1.11

    for name in ("StatusList", "CharacteristicList", "AsAtDate"):
        assert name in theirs.defined_names, f"named range {name} lost"
        assert theirs.defined_names[name].attr_text == ours.defined_names[name].attr_text
    assert [c.value for c in theirs["Lists"]["A"][1:5]] == [
        "On Track",
        "At Risk",
        "Exceeded Timescales",
        "Complete",
    ]

    letter = ws.cell(HEADER_ROW, status).column_letter
    status_lists = [
        dv
        for dv in ws.data_validations.dataValidation
        if dv.type == "list" and f"{letter}{HEADER_ROW + 1}" in dv.sqref
    ]
    assert [dv.formula1 for dv in status_lists] == ["StatusList"]
    assert status_lists[0].errorStyle == "stop" and status_lists[0].showErrorMessage

    assert sorted(_dxf_fills(ws, letter)) == sorted([GREEN, AMBER, RED, BLUE])
    for header in ("Due Date", "Overdue"):
        column = ws.cell(HEADER_ROW, _columns(ws)[header]).column_letter
        assert _dxf_fills(ws, column) == [OVERDUE], header

    assert ws.print_title_rows == "$4:$4"
    assert ws.oddFooter.left.text == FOOTER
    assert theirs["Settings"]["B4"].value == datetime(2023, 12, 18)

    # edi_xl's own reader finds the same plan in LibreOffice's file.
    plan0, plan = read_plan(demo_master), read_plan(lo_copy)
    assert [(a.id, a.status, a.due.deadline) for a in plan.actions] == [
        (a.id, a.status, a.due.deadline) for a in plan0.actions
    ]


# --- 3. edi_xl refreshes what LibreOffice wrote ---------------------------------------------


def test_refresh_of_libreoffice_copy_changes_nothing(lo_copy: Path, tmp_path: Path) -> None:
    copy = tmp_path / "action_plan.xlsx"
    shutil.copy(lo_copy, copy)
    result = refresh_workbook(copy, AS_AT, now=datetime(2023, 12, 19, 9, 0))
    assert result.changes == []
    assert result.notes == []
    assert result.rag_counts() == {"Green": 15, "Amber": 0, "Red": 2, "Blue": 0}
    assert sorted(a.id for a, _ in result.overdue) == ["1.9", "6.3"]

    wb = load_workbook(copy)
    log = list(wb["Change Log"].iter_rows(min_row=2, values_only=True))
    assert [row[1:5] for row in log] == [  # the demo's two lines, nothing added
        ("1.9", "Status", "On Track", "Exceeded Timescales"),
        ("6.3", "Status", "On Track", "Exceeded Timescales"),
    ]
    ws = wb["Action Plan"]
    # What LibreOffice dropped on saving, refresh puts back.
    assert ws.freeze_panes == "B5"
    letter = ws.cell(HEADER_ROW, _columns(ws)["Status"]).column_letter
    status_rules = [
        rule
        for cf in ws.conditional_formatting
        for rule in cf.rules
        if str(cf.sqref).startswith(f"{letter}{HEADER_ROW + 1}:")
    ]
    assert len(status_rules) == 4 and all(rule.stopIfTrue for rule in status_rules)

    again = refresh_workbook(copy, AS_AT)
    assert again.changes == [] and again.notes == []
