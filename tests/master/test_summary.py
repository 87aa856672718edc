"""The Summary sheet: figures computed in Python, counts as live formulas, charts, coverage.

The seed 000 plan at 18 Dec 2023 is counted by hand below. LibreOffice (a real spreadsheet
program) recalculates the saved workbooks and its values must equal Python's, on seed 000 and
on a generated 300-action plan; a Status edited in the file changes the counts without edi_xl.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import zipfile
from copy import copy
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import (
    AS_AT,
    EDI_LEAD,
    FIONA,
    HAZEL,
    JIM,
    LOUANNA,
    VICTORIA,
    build_trust_workbook,
    seed_rows,
    trust_layout_book,
)
from libreoffice import (
    colour_pixels,
    colours_in_png,
    convert,
    pdf_pages_text,
    poppler_missing,
    recalculated_copy,
    render_png,
    soffice_path,
)
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from edi_xl.cli import cli
from edi_xl.core.problems import Code
from edi_xl.core.status import RAG
from edi_xl.core.summary import (
    Summary,
    format_summary,
    status_changes,
)
from edi_xl.flows.refresh import new_master, refresh_workbook, summarise_master
from edi_xl.master.columns import insert_column
from edi_xl.master.styles import ROW_POINTS
from edi_xl.master.summary_sheet import (
    KIND_COLUMN,
    MARKER_NAME,
    SUMMARY,
    countifs_safe,
    summary_names,
)
from edi_xl.tables.reader import read_plan

NOW = datetime(2023, 12, 18, 9, 0)
WORDS = {
    RAG.GREEN: "On Track",
    RAG.AMBER: "At Risk",
    RAG.RED: "Exceeded Timescales",
    RAG.BLUE: "Complete",
}
RAG_SECTIONS = ("RAG status", "RAG status by theme (Milestone)", "RAG status by action owner")

# --- the hand count of seed 000 at 18 Dec 2023 -------------------------------------------------
# Every action is "On Track" in September; 1.9 (due 30-Nov-23) and 6.3 (due 30/11/2023) are
# 18 days overdue on 18 Dec 2023, so Red. [Green, Amber, Red, Blue, Total]
HAND_OVERALL = [15, 0, 2, 0, 17]
HAND_THEMES = [
    ("Recruitment, promotion & appointments", [4, 0, 1, 0, 5]),  # 1.4 1.5 1.8 1.9(R) 1.11
    ("Bullying, harassment & discrimination", [3, 0, 0, 0, 3]),  # 2.1 2.2 2.3
    ("Discipline & poor conduct", [2, 0, 0, 0, 2]),  # 3.3 3.4
    ("Education & capability", [2, 0, 0, 0, 2]),  # 4.1 4.2
    ("Equal opportunities", [2, 0, 0, 0, 2]),  # 5.1 5.6
    ("Board representation", [2, 0, 1, 0, 3]),  # 6.3(R) 6.4 6.5
]
HAND_OWNERS = [
    (JIM, [3, 0, 0, 0, 3]),  # 1.4 1.5 1.8
    (FIONA, [2, 0, 1, 0, 3]),  # 1.9(R) 2.3 5.6
    (LOUANNA, [4, 0, 0, 0, 4]),  # 1.11 2.1 3.4 5.1
    (HAZEL, [1, 0, 0, 0, 1]),  # 2.2
    (EDI_LEAD, [3, 0, 0, 0, 3]),  # 3.3 4.1 4.2
    (VICTORIA, [2, 0, 1, 0, 3]),  # 6.3(R) 6.4 6.5
]
HAND_OVERDUE = [("1.9", FIONA, date(2023, 11, 30), 18), ("6.3", VICTORIA, date(2023, 11, 30), 18)]
# Not complete, due from 18 Dec 2023 to 17 Jan 2024: the six actions due 31-Dec-23.
HAND_DUE_SOON = ["1.5", "1.8", "2.1", "2.3", "3.4", "5.1"]
# From the Report / Action column; nothing is complete, so every action is live.
HAND_COVERAGE = {
    "WRES 1": "1.4, 1.5, 1.11, 4.2",
    "WRES 2": "1.8, 1.9",
    "WRES 3": "1.11",
    "WRES 4": "4.1",
    "WRES 5": "2.1",
    "WRES 6": "2.2",
    "WRES 7": "5.1, 5.6",
    "WRES 8": "2.2, 2.3",
    "WRES 9": "6.3, 6.4, 6.5",
    "WDES 1": "1.4, 1.5",
    "WDES 2": "1.8, 1.9",
    "WDES 3": "1.11, 4.2",
    "WDES 4a": "2.3, 3.3, 3.4, 4.1",
    "WDES 4b": "2.3, 3.3, 3.4, 4.1",  # "WDES 4": both parts
    "WDES 5": "2.1",
    "WDES 6": "2.2",
    "WDES 7": "5.1, 5.6",
    "WDES 8": "",
    "WDES 9a": "6.3, 6.4, 6.5",
    "WDES 9b": "6.3, 6.4, 6.5",
    "WDES 10": "",
    "HIA 1": "",
    "HIA 2": "",
    "HIA 3": "",
    "HIA 4": "",
    "HIA 5": "",
    "HIA 6": "",
}
HAND_GAPS = ["WDES 8", "WDES 10", "HIA 1", "HIA 2", "HIA 3", "HIA 4", "HIA 5", "HIA 6"]


# --- reading the Summary sheet back ------------------------------------------------------------


def rag_tables(ws: Any) -> dict[str, list[tuple[str, list[Any]]]]:
    """The three RAG tables of a Summary sheet: section -> [(label, [G, A, R, B, Total])]."""
    out: dict[str, list[tuple[str, list[Any]]]] = {}
    current = None
    for row in ws.iter_rows(min_row=1, max_col=8, values_only=True):
        first = row[0]
        if first in RAG_SECTIONS:
            current = first
            out[current] = []
        elif current is not None:
            if row[3] is None:
                current = None
            elif row[3] != "Green" and first != "As written in the Status column":
                out[current].append((first, list(row[3:8])))
    return out


def section_rows(ws: Any, prefix: str) -> list[tuple[Any, ...]]:
    """The data rows of the list section whose title starts with ``prefix``."""
    rows = list(ws.iter_rows(min_row=1, max_col=8, values_only=True))
    start = next(i for i, r in enumerate(rows) if isinstance(r[0], str) and r[0].startswith(prefix))
    out = []
    for row in rows[start + 1 :]:
        if all(v is None for v in row):
            break
        out.append(row)
    header = next(i for i, r in enumerate(out) if r[0] in ("#", "Ref"))
    return out[header + 1 :]


def python_tables(summary: Summary) -> dict[str, list[tuple[str, list[Any]]]]:
    def rows(rag_rows: Any) -> list[tuple[str, list[Any]]]:
        return [
            (r.label, [*(r.counts[g] for g in (RAG.GREEN, RAG.AMBER, RAG.RED, RAG.BLUE)), r.total])
            for r in rag_rows
        ]

    return {
        RAG_SECTIONS[0]: rows([summary.overall]),
        RAG_SECTIONS[1]: rows(summary.by_theme),
        RAG_SECTIONS[2]: rows(summary.by_owner),
    }


#: A conditional format's formula: the kind column holds one of some words.
_KIND_TEST = rf'\${KIND_COLUMN}4="[a-z-]+"'
_KIND_RULE = re.compile(rf"{_KIND_TEST}|OR\({_KIND_TEST}(?:,{_KIND_TEST})+\)")


def conditional_look(ws: Worksheet, row: int, col: int) -> Any:
    """The format the sheet's conditional formatting gives a cell (None when no rule holds).

    Every rule must be one of ours ("the kind column holds one of these words"), and at most
    one may hold for a cell: LibreOffice applies only the first.
    """
    coord = f"{get_column_letter(col)}{row}"
    kind = ws[f"{KIND_COLUMN}{row}"].value
    held = []
    for cf in ws.conditional_formatting:
        if coord not in cf.sqref:
            continue
        for rule in cf.rules:
            match = _KIND_RULE.fullmatch(rule.formula[0])
            assert rule.type == "expression" and match, rule.formula
            words = re.findall(r'"([a-z-]+)"', match.group(0))
            if isinstance(kind, str) and kind.casefold() in words:
                held.append(rule.dxf)
    assert len(held) <= 1, (coord, kind, held)
    return held[0] if held else None


def named_cells(wb: Any, name: str) -> list[Any]:
    """The values of the cells a workbook-level name points at (one column)."""
    sheet, cells = wb.defined_names[name].attr_text.split("!")
    ws = wb[sheet.strip("'")]
    block = ws[cells.replace("$", "")]
    rows = block if isinstance(block, tuple) else ((block,),)
    return [row[0].value if isinstance(row, tuple) else row.value for row in rows]


# --- LibreOffice -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lo() -> None:
    """Skip (fail under CI) when LibreOffice is not installed."""
    if soffice_path() is not None and not poppler_missing():
        return
    reason = (
        "LibreOffice or poppler-utils not installed: apt-get install -y "
        "--no-install-recommends libreoffice-calc-nogui poppler-utils"
    )
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI is set, so this must not be skipped: {reason}")
    pytest.skip(reason)


def recalculated_tables(path: Path, outdir: Path) -> dict[str, list[tuple[str, list[Any]]]]:
    copy = recalculated_copy(path, outdir)
    return rag_tables(load_workbook(copy, data_only=True)[SUMMARY])


# --- seed 000: the hand count --------------------------------------------------------------------


def test_seed_000_figures_match_the_hand_count(master: Path) -> None:
    summary = summarise_master(master)
    assert summary.as_at == AS_AT and summary.actions == len(seed_rows()[1]) == 17
    assert python_tables(summary) == {
        RAG_SECTIONS[0]: [("All actions", HAND_OVERALL)],
        RAG_SECTIONS[1]: HAND_THEMES,
        RAG_SECTIONS[2]: HAND_OWNERS,
    }
    assert summary.no_status == 0
    assert [(a.id, a.owner, a.due, a.days_overdue) for a in summary.overdue] == HAND_OVERDUE
    assert [a.id for a in summary.due_soon] == HAND_DUE_SOON
    assert {c.label: ", ".join(c.action_ids) for c in summary.coverage} == HAND_COVERAGE
    assert [c.label for c in summary.gaps] == HAND_GAPS
    # the demo's refresh made 1.9 and 6.3 Red; the previous round is "Update as at 18 Sep 23"
    assert summary.changes_since == date(2023, 9, 18)
    assert [(c.id, c.kind, c.old, c.new) for c in summary.changes] == [
        ("1.9", "newly_red", "On Track", "Exceeded Timescales"),
        ("6.3", "newly_red", "On Track", "Exceeded Timescales"),
    ]


def test_seed_000_summary_sheet_shows_the_hand_count(master: Path) -> None:
    wb = load_workbook(master)
    assert wb.sheetnames == ["Action Plan", SUMMARY, "Settings", "Lists", "Change Log"]
    ws = wb[SUMMARY]
    assert ws["A1"].value == (
        "Equality, Diversity & Inclusion Action Plan 2023/24: summary as at 18 December 2023"
    )
    # labels are values written by Python, counts are formulas
    tables = rag_tables(ws)
    assert [label for label, _ in tables[RAG_SECTIONS[1]]] == [t for t, _ in HAND_THEMES]
    assert [label for label, _ in tables[RAG_SECTIONS[2]]] == [o for o, _ in HAND_OWNERS]
    assert all(str(v).startswith("=") for rows in tables.values() for _, vs in rows for v in vs)
    overdue = section_rows(ws, "Overdue at 18 December 2023 (2)")
    assert [(r[0], r[2], r[3].date(), r[4]) for r in overdue] == HAND_OVERDUE
    assert overdue[0][1].startswith("Review the impact of the values recruitment")
    due_soon = section_rows(ws, "Due in the next 30 days, to 17 January 2024 (6)")
    assert [(r[0], r[4]) for r in due_soon] == [(i, 13) for i in HAND_DUE_SOON]
    changes = section_rows(ws, "Changes since the previous round (18 September 2023)")
    assert [(r[0], r[3], r[2]) for r in changes] == [
        ("1.9", "Newly Red", "On Track -> Exceeded Timescales"),
        ("6.3", "Newly Red", "On Track -> Exceeded Timescales"),
    ]
    coverage = section_rows(ws, "Coverage: WRES indicators")
    assert {r[0]: (r[3], r[2]) for r in coverage} == {
        label: (len(ids.split(", ")) if ids else 0, ids or "Gap: no live action")
        for label, ids in HAND_COVERAGE.items()
    }
    # gaps highlighted: the kind column says "gap" and a conditional format makes it red
    kinds = {
        ws.cell(r, 1).value: ws[f"{KIND_COLUMN}{r}"].value
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value in HAND_COVERAGE
    }
    assert [ref for ref, kind in kinds.items() if kind == "gap"] == HAND_GAPS
    assert set(kinds.values()) == {"gap", "line"}
    assert ws.column_dimensions[KIND_COLUMN].hidden
    gap_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "HIA 1")
    for col in (1, 3):  # the ref and "Gap: no live action": red fill, bold dark red text
        look = conditional_look(ws, gap_row, col)
        assert look is not None and look.fill.fgColor.rgb[-6:] == "FFC7CE"
        assert look.font.b and look.font.color.rgb[-6:] == "9C0006"
    assert conditional_look(ws, gap_row, 2).fill.fgColor.rgb[-6:] == "FFC7CE"
    assert ws.cell(gap_row, 3).value == "Gap: no live action"
    live_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "WRES 1")
    live = conditional_look(ws, live_row, 1)
    assert live is not None and live.fill is None and live.border.top.style == "thin"
    # print-ready: A4 landscape, one page wide, the title (trust, as-at) on every page
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    assert ws.oddFooter.center.text == "Page &P of &N" and ws.oddFooter.right.text == "&A"
    assert not ws.oddFooter.left.text  # no date a button could leave stale
    assert wb.defined_names[MARKER_NAME].attr_text == "Summary!$A$1"
    assert not ws.merged_cells.ranges


def test_formulas_count_over_the_plan_columns_and_settings_words(master: Path) -> None:
    ws = load_workbook(master)[SUMMARY]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Board representation")
    assert ws.cell(row, 6).value == (  # Red of "Board representation"
        f"=COUNTIFS('Action Plan'!$B$5:$B$221,$A{row},"
        "'Action Plan'!$I$5:$I$221,TRIM(Settings!$B$10))"
    )
    assert ws.cell(row, 8).value == f"=SUM(D{row}:G{row})"
    overall = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "All actions")
    assert ws.cell(overall, 7).value == "=COUNTIFS('Action Plan'!$I$5:$I$221,TRIM(Settings!$B$11))"
    assert ws.cell(overall - 1, 4).value == "=Settings!$B$8"  # the word counted, shown live


def test_formulas_follow_the_columns_where_they_are_now(master: Path) -> None:
    """A column inserted before Milestone moves theme, owner and status: formulas follow."""
    wb = load_workbook(master)
    insert_column(wb["Action Plan"], 2)
    wb["Action Plan"].cell(4, 2).value = "Priority"
    wb.save(master)
    refresh_workbook(master, AS_AT, now=NOW)
    ws = load_workbook(master)[SUMMARY]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == JIM)
    assert ws.cell(row, 4).value == (
        f"=COUNTIFS('Action Plan'!$G$5:$G$221,$A{row},"
        "'Action Plan'!$J$5:$J$221,TRIM(Settings!$B$8))"
    )


def test_second_refresh_rewrites_the_summary_identically(master: Path, tmp_path: Path) -> None:
    """Every part of the file, charts included, is the same byte for byte (but the save time)."""

    def parts(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}

    # the first refresh of a file openpyxl wrote itself renumbers styles: start after it
    refresh_workbook(master, AS_AT, now=datetime(2023, 12, 19, 10, 0))
    first = parts(master)
    assert any(n.startswith("xl/charts/chart") for n in first)
    refresh_workbook(master, AS_AT, now=datetime(2023, 12, 20, 10, 0))
    assert parts(master) == first


def test_charts_read_back_with_their_series_and_ranges(master: Path) -> None:
    """Every reference of the charts is a workbook-level name; the names hold the tables."""
    wb = load_workbook(master)
    ws = wb[SUMMARY]
    charts = ws._charts
    assert len(charts) == 3  # by theme, by owner, and the trend (tests/test_report.py)
    tables = rag_tables(ws)
    for chart, key, section in zip(charts, ("Theme", "Owner"), RAG_SECTIONS[1:], strict=False):
        assert chart.tagname == "barChart" and chart.type == "bar"
        assert chart.grouping == "stacked" and chart.overlap == 100
        colours = ("Green", "Amber", "Red", "Blue")
        assert [s.tx.strRef.f for s in chart.series] == [
            f"[0]!EdiXlSummaryTitle{c}" for c in colours
        ]
        assert [s.val.numRef.f for s in chart.series] == [
            f"[0]!EdiXlSummary{key}{c}" for c in colours
        ]
        assert {s.cat.strRef.f for s in chart.series} == {f"[0]!EdiXlSummary{key}Names"}
        # what the names hold: the series titles, the table's labels and its formulas
        assert [named_cells(wb, f"EdiXlSummaryTitle{c}") for c in colours] == [[c] for c in colours]
        assert named_cells(wb, f"EdiXlSummary{key}Names") == [label for label, _ in tables[section]]
        for i, c in enumerate(colours):
            assert named_cells(wb, f"EdiXlSummary{key}{c}") == [
                counts[i] for _, counts in tables[section]
            ]
        colours_drawn = [str(s.graphicalProperties.solidFill.srgbClr) for s in chart.series]
        assert colours_drawn == ["009639", "FFB81C", "DA291C", "005EB8"]
    assert wb.defined_names["EdiXlSummaryThemeNames"].attr_text == "Summary!$A$12:$A$17"
    assert wb.defined_names["EdiXlSummaryOwnerRed"].attr_text == "Summary!$F$21:$F$26"
    assert all(wb.defined_names[n].localSheetId is None for n in summary_names())
    with zipfile.ZipFile(master) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/"))
    assert len(re.findall(r'<(?:c:)?grouping val="stacked"/>', xml)) == 3
    assert len(re.findall(r'<(?:c:)?barDir val="bar"/>', xml)) == 2
    assert len(re.findall(r'<(?:c:)?barDir val="col"/>', xml)) == 1
    assert "Summary!$" not in xml  # no reference to the sheet's cells: only names


# --- LibreOffice: the formulas' values equal Python's --------------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_values_equal_python_on_seed_000(
    lo: None, master: Path, tmp_path: Path
) -> None:
    got = recalculated_tables(master, tmp_path / "lo")
    assert got == python_tables(summarise_master(master))
    assert got[RAG_SECTIONS[0]] == [("All actions", HAND_OVERALL)]
    assert got[RAG_SECTIONS[1]] == HAND_THEMES
    assert got[RAG_SECTIONS[2]] == HAND_OWNERS


@pytest.mark.libreoffice
def test_editing_status_in_the_file_changes_the_counts_without_edi_xl(
    lo: None, master: Path, tmp_path: Path
) -> None:
    """As a user would in Excel: pick Complete for 1.4 and rename the Amber word."""
    wb = load_workbook(master)
    ws = wb["Action Plan"]
    rows = {ws.cell(r, 1).value: r for r in range(5, ws.max_row + 1)}
    ws.cell(rows["1.4"], 9).value = "Complete"
    wb["Settings"]["B9"].value = "Slipping"  # the trust's own word for Amber...
    ws.cell(rows["5.6"], 9).value = "Slipping"  # ...picked for 5.6
    wb.save(master)
    got = recalculated_tables(master, tmp_path / "lo")
    assert got[RAG_SECTIONS[0]] == [("All actions", [13, 1, 2, 1, 17])]
    themes = dict(got[RAG_SECTIONS[1]])
    assert themes["Recruitment, promotion & appointments"] == [3, 0, 1, 1, 5]
    assert themes["Equal opportunities"] == [1, 1, 0, 0, 2]
    owners = dict(got[RAG_SECTIONS[2]])
    assert owners[JIM] == [2, 0, 0, 1, 3]
    assert owners[FIONA] == [1, 1, 1, 0, 3]


THEMES = [
    "Recruitment, promotion & appointments",
    "Bullying, harassment & discrimination",
    "Discipline & poor conduct",
    "Education & capability",
    "Equal opportunities",
    "Board representation",
    "Pay gaps * targets",
    "=Leadership",
]
OWNERS = [
    JIM,
    FIONA,
    LOUANNA,
    HAZEL,
    EDI_LEAD,
    VICTORIA,
    "Director of Nursing",
    "Chief People Officer",
    "Head of Resourcing",
    "Freedom to Speak Up Guardian",
    "Staff Network Chairs",
    "Head of Learning & Development",
]
REFS = [
    "WRES 1",
    "WRES 2",
    "WRES 3",
    "WRES 5",
    "WRES 7",
    "WRES 9",
    "WDES 1",
    "WDES 3",
    "WDES 4",
    "WDES 4a",
    "WDES 6",
    "WDES 9b",
    "WDES 10",
    "HIA 2",
    "HIA 3",
    "HIA 6",
    "Gender Pay Gap",
    "BAPIO Dignity at Work Report",
]
STATUSES = [
    "On Track",
    "Green",
    "At Risk",
    "delayed",
    "Complete",
    "Done",
    "Exceeded Timescales",
    None,
    "wibble",
]


def generated_plan(path: Path, n: int = 300, seed: int = 6) -> Path:
    """A trust-layout workbook of ``n`` random actions (seeded), with messy spellings."""
    rng = random.Random(seed)
    wb, ws = trust_layout_book("Generated action plan")
    for i in range(n):
        theme = THEMES[i] if i < len(THEMES) else rng.choice(THEMES)  # every theme is there
        if rng.random() < 0.1:  # the same theme typed differently: case and spacing
            theme = theme.upper() if rng.random() < 0.5 else theme.replace(" ", "  ", 1)
        owner = rng.choice(OWNERS) if rng.random() > 0.03 else None
        if owner and rng.random() < 0.1:
            owner = owner.lower()
        refs = " ".join(rng.sample(REFS, rng.randint(0, 3)))
        due = date(2023, 6, 1) + timedelta(days=rng.randint(0, 400))
        ws.append(
            [
                f"{i // 20 + 1}.{i % 20 + 1}",
                theme if rng.random() > 0.03 else None,
                f"Action number {i}",
                refs or None,
                "Race",
                owner,
                datetime(2023, 4, 1),
                datetime(due.year, due.month, due.day),
                rng.choice(STATUSES),
                f"Update {i}" if rng.random() > 0.2 else None,
            ]
        )
        for cell in ws[ws.max_row]:  # "=Leadership" is what someone typed: text, not a formula
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def generated_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    master = folder / "master.xlsx"
    new_master(master, read_plan(generated_plan(folder / "generated.xlsx")), AS_AT, now=NOW)
    return master


@pytest.mark.libreoffice
@pytest.mark.parametrize("spaced_status", [False, True], ids=["countifs", "sumproduct"])
def test_libreoffice_values_equal_python_on_a_generated_plan(
    lo: None, generated_master: Path, tmp_path: Path, spaced_status: bool
) -> None:
    master = tmp_path / "master.xlsx"
    shutil.copy(generated_master, master)
    if spaced_status:  # a Status typed with a trailing space: refresh leaves it as it is
        wb = load_workbook(master)
        cell = wb["Action Plan"]["I5"]
        cell.value = f"{cell.value} "
        wb.save(master)
        refresh_workbook(master, AS_AT, now=NOW)
    formulas = [
        c.value
        for row in load_workbook(master)[SUMMARY].iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith(("=COUNTIFS", "=SUMPRODUCT"))
    ]
    kinds = {f.split("(")[0] for f in formulas}
    assert kinds == ({"=SUMPRODUCT"} if spaced_status else {"=COUNTIFS", "=SUMPRODUCT"})

    summary = summarise_master(master)
    assert summary.actions == 300
    labels = [r.label for r in summary.by_theme]
    assert len(labels) == len(THEMES) + 1 and "(no milestone)" in labels  # spellings merged
    assert len(summary.by_owner) == len(OWNERS) + 1
    assert 0 < summary.no_status < 300 and summary.overall.counts[RAG.BLUE] > 0
    got = recalculated_tables(master, tmp_path / "lo")
    assert got == python_tables(summary)


# --- the figures' rules --------------------------------------------------------------------


def test_status_changes_net_per_action_since_the_previous_round() -> None:
    before, after = datetime(2023, 9, 1), datetime(2023, 12, 18, 9)
    log = [
        (before, "1.1", "Status", "On Track", "Exceeded Timescales", "refresh"),  # earlier round
        (after, "1.2", "Status", "On Track", "Exceeded Timescales", "refresh"),
        (after, "1.3", "Status", "At Risk", "Complete", "owner.xlsx"),
        (after, "1.4", "Status", "Complete", "On Track", "owner.xlsx"),  # reopened
        (after, "1.5", "Status", "On Track", "At Risk", "owner.xlsx"),
        (after, "1.6", "Status", "On Track", "At Risk", "owner.xlsx"),  # and back again
        (after, "1.6", "Status", "At Risk", "On Track", "owner.xlsx"),
        (after, "1.7", "Status", "At Risk", "On Track", "owner.xlsx"),  # better: not listed
        (after, "1.8", "Update as at 18 Dec 23", None, "done", "owner.xlsx"),
        (after, "", "Settings: As-at date", before, after, "refresh"),
        (after, "1.9", "Status", None, "Exceeded Timescales", "refresh"),  # blank, overdue
    ]
    got = status_changes(log, date(2023, 9, 18), WORDS)
    assert [(c.id, c.kind) for c in got] == [
        ("1.2", "newly_red"),
        ("1.3", "newly_blue"),
        ("1.4", "moved_back"),
        ("1.5", "moved_back"),
        ("1.9", "newly_red"),
    ]
    everything = status_changes(log, None, WORDS)
    assert [c.id for c in everything][0] == "1.1"


def test_complete_actions_are_not_live_and_blue_does_not_count_as_due(tmp_path: Path) -> None:
    source = build_trust_workbook(tmp_path / "plan.xlsx")
    wb = load_workbook(source)
    ws = wb["Action Plan"]
    for row in ws.iter_rows():
        if row[0].value in ("1.4", "1.5", "2.1"):  # 2.1 is due 31-Dec-23
            row[8].value = "Complete"
    wb.save(source)
    master = tmp_path / "master.xlsx"
    new_master(master, read_plan(source), AS_AT, now=NOW)
    summary = summarise_master(master)
    assert summary.overall.counts[RAG.BLUE] == 3
    cover = {c.label: c.action_ids for c in summary.coverage}
    assert cover["WRES 1"] == ("1.11", "4.2")  # 1.4 and 1.5 complete: no longer live
    assert cover["WDES 1"] == ()
    assert "WDES 1" in [c.label for c in summary.gaps]
    assert [a.id for a in summary.due_soon] == ["1.8", "2.3", "3.4", "5.1"]


def test_summary_at_a_later_date_without_changing_the_file(master: Path) -> None:
    before = master.read_bytes()
    later = summarise_master(master, date(2024, 2, 1))
    assert master.read_bytes() == before
    # the six actions due 31-Dec-23 and the three due 31-Jan-24 (1.11, 3.3, 6.4) now overdue too
    assert len(later.overdue) == 2 + 6 + 3
    assert later.overall.counts[RAG.RED] == 11


def test_countifs_safe_names() -> None:
    assert countifs_safe("Equal opportunities")
    for name in ("Pay * gaps", "Who?", "~x", "<5", ">5", "=Leadership", "", "x" * 256):
        assert not countifs_safe(name), name


def test_text_from_the_plan_never_becomes_a_formula(tmp_path: Path) -> None:
    source = generated_plan(tmp_path / "g.xlsx", n=20)
    master = tmp_path / "m.xlsx"
    new_master(master, read_plan(source), AS_AT, now=NOW)
    ws = load_workbook(master)[SUMMARY]
    cell = next(
        c for row in ws.iter_rows() for c in row if str(c.value).casefold() == "=leadership"
    )
    assert cell.data_type == "s" and cell.quotePrefix


def test_a_summary_sheet_of_the_trust_is_left_alone(tmp_path: Path) -> None:
    path = build_trust_workbook(tmp_path / "theirs.xlsx")
    wb = load_workbook(path)
    wb.create_sheet(SUMMARY)["A1"] = "Our own pivot tables"
    wb.save(path)
    result = refresh_workbook(path, AS_AT, now=NOW)
    [note] = result.notes
    assert (note.code, note.location.sheet) == (Code.SUMMARY_SHEET_NOT_OURS, SUMMARY)
    assert "left alone" in note.message
    assert load_workbook(path)[SUMMARY]["A1"].value == "Our own pivot tables"
    assert result.summary is not None and result.summary.overall.counts[RAG.RED] == 2


def test_empty_master_has_a_summary_with_every_gap(tmp_path: Path) -> None:
    master = tmp_path / "empty.xlsx"
    new_master(master, None, AS_AT, now=NOW)
    wb = load_workbook(master)
    ws = wb[SUMMARY]
    assert len(ws._charts) == 3  # in their places, over the "No actions yet." lines
    for key in ("Theme", "Owner"):
        assert named_cells(wb, f"EdiXlSummary{key}Names") == ["No actions yet."]
        assert named_cells(wb, f"EdiXlSummary{key}Green") == [None]
    assert [r[0] for r in section_rows(ws, "Coverage")] == list(HAND_COVERAGE)
    assert len(summarise_master(master).gaps) == 27


# --- the command -----------------------------------------------------------------------------


def test_cli_summary_json_is_the_library_figures(master: Path) -> None:
    result = CliRunner().invoke(cli, ["summary", str(master), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc == json.loads(json.dumps(summarise_master(master).to_dict()))
    assert doc["rag"] == {
        "label": "All actions",
        "Green": 15,
        "Amber": 0,
        "Red": 2,
        "Blue": 0,
        "total": 17,
        "no_status": 0,
        "red_not_due": 0,
    }
    assert [(a["id"], a["days_overdue"]) for a in doc["overdue"]] == [("1.9", 18), ("6.3", 18)]
    assert doc["gaps"] == HAND_GAPS
    assert [c["id"] for c in doc["changes"]["newly_red"]] == ["1.9", "6.3"]


def test_cli_summary_table(master: Path) -> None:
    result = CliRunner().invoke(cli, ["summary", str(master), "--as-at", "18/12/2023"])
    assert result.exit_code == 0, result.output
    first, rest = result.output.split("\n", 1)
    assert first == "As at 18 Dec 2023 (--as-at)."
    assert rest == format_summary(summarise_master(master, AS_AT)) + "\n"
    assert re.search(r"All actions\s+15\s+0\s+2\s+0\s+17", result.output)
    assert re.search(r"1\.9\s+30 Nov 2023\s+18\s+" + re.escape(FIONA), result.output)
    assert re.search(r"WDES 8\s+0\s+GAP", result.output)
    assert "Newly Red: 1.9, 6.3" in result.output


def test_cli_summary_of_a_missing_file_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["summary", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2
    assert "nope.xlsx: file not found" in result.output


@pytest.mark.libreoffice
def test_a_non_breaking_space_pasted_from_word_counts_the_same_in_excel(tmp_path: Path) -> None:
    """Python and the sheet's formulas agree on "Recruitment,\\u00a0promotion" (one theme)."""
    from edi_xl.flows.refresh import new_master, summarise_master

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    plan = read_plan(build_trust_workbook(tmp_path / "seed.xlsx"))
    first = plan.actions[0].theme
    assert first
    plan.actions[0].theme = first.replace(" ", "\u00a0", 1)
    new_master(tmp_path / "m.xlsx", plan, AS_AT, now=datetime(2023, 12, 18, 9))
    python = {r.label: r.total for r in summarise_master(tmp_path / "m.xlsx").by_theme}
    assert python[first] == 5
    ws = load_workbook(recalculated_copy(tmp_path / "m.xlsx", tmp_path / "lo"), data_only=True)[
        "Summary"
    ]
    sheet = {
        row[0]: row[7]
        for row in ws.iter_rows(values_only=True)
        if row[0] in python and isinstance(row[7], int | float)
    }
    assert sheet == python


# --- the look does not depend on the plan (what a button can rewrite) ---------------------------
# A button of a macro-enabled master rewrites the Summary through xlwings' VBA client: cell
# values (formulas as text), number formats and workbook-level names, nothing else. So two
# masters with different plans must have Summaries that differ in nothing else.

#: Every WRES indicator, WDES metric and High Impact Action, spread over the crafted plan.
ALL_REFS = [
    "WRES 1 WRES 2 WDES 1",
    "WRES 3 WDES 2 HIA 1",
    "WRES 4 WDES 3",
    "WRES 5 WDES 4",
    "WRES 6 WDES 5 HIA 2",
    "WRES 7 WDES 6",
    "WRES 8 WDES 7 HIA 3",
    "WRES 9 WDES 8",
    "WDES 9 HIA 4",
    "WDES 10 HIA 5",
    "HIA 6",
    "Gender Pay Gap",
]
CRAFTED_OWNERS = [
    "Chief People Officer",
    "Director of Nursing",
    "Head of Resourcing",
    "Freedom to Speak Up Guardian",
    "Staff Network Chairs",
    "Head of Learning & Development",
    "Medical Director",
    "Head of EDI",
    "Director of Estates",
]


def crafted_plan(path: Path) -> Path:
    """Another trust's plan: 3 themes, 9 owners, nothing overdue, every code covered, one
    action complete and one at risk, three due in the next 30 days (22 Dec, 31 Dec, 9 Jan)."""
    wb, ws = trust_layout_book("Another trust's action plan")
    themes = ["Workforce data", "Leadership & culture", "Health & wellbeing"]
    for i, refs in enumerate(ALL_REFS):
        due = AS_AT + timedelta(days=4 + 9 * i)  # 22 Dec 2023 onwards: nothing overdue
        status = "Complete" if i == 11 else "At Risk" if i == 3 else "On Track"
        ws.append(
            [
                f"A{i + 1}",
                themes[i % 3],
                f"Crafted action {i + 1}: " + "words " * (i * 4),
                refs,
                "Race",
                CRAFTED_OWNERS[i % 9],
                datetime(2023, 4, 1),
                datetime(due.year, due.month, due.day),
                status,
                f"Update {i}",
            ]
        )
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def masters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Masters of very different plans: seed 000, the crafted plan, the generated 300-action
    plan (dates written as text, a theme that looks like a formula aside), and no plan."""
    folder = tmp_path_factory.mktemp("looks")
    out = {}
    out["seed"] = folder / "seed.xlsx"
    new_master(
        out["seed"], read_plan(build_trust_workbook(folder / "seed_plan.xlsx")), AS_AT, now=NOW
    )
    out["crafted"] = folder / "crafted.xlsx"
    new_master(
        out["crafted"], read_plan(crafted_plan(folder / "crafted_plan.xlsx")), AS_AT, now=NOW
    )
    out["generated"] = folder / "generated.xlsx"
    new_master(
        out["generated"], read_plan(generated_plan(folder / "generated_plan.xlsx")), AS_AT, now=NOW
    )
    out["empty"] = folder / "empty.xlsx"
    new_master(out["empty"], None, date(2024, 3, 1), now=NOW)
    return out


def _style(cell_or_dim: Any) -> tuple[Any, ...]:
    """Every style property but the number format (copies: openpyxl's proxies of them do not
    compare equal to each other)."""
    return tuple(
        copy(getattr(cell_or_dim, name))
        for name in ("font", "fill", "border", "alignment", "protection")
    )


def effective_style(ws: Worksheet, row: int, col: int) -> tuple[Any, ...]:
    """A cell's style as Excel and LibreOffice show it: its own when the file has the cell,
    else its column's (a cell never written shows its column's style)."""
    cell = ws._cells.get((row, col))
    if cell is not None:
        return _style(cell)
    return _style(ws.column_dimensions[get_column_letter(col)])


def xml(obj: Any) -> str:
    """An openpyxl object as the XML it is written as (many have no equality of their own)."""
    return tostring(obj.to_tree()).decode()


def summary_look(path: Path) -> dict[str, Any]:
    """Everything about a saved master's Summary but cell values, per-cell number formats and
    where the charts' names point."""
    wb = load_workbook(path)
    ws = wb[SUMMARY]
    cells = {coord for coord in ws._cells}
    return {
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "conditional formats": [
            (str(cf.sqref), [(xml(r), xml(r.dxf)) for r in cf.rules])
            for cf in ws.conditional_formatting
        ],
        "columns": {
            k: (d.width, d.customWidth, d.hidden, d.min, d.max, _style(d), d.number_format)
            for k, d in sorted(ws.column_dimensions.items())
        },
        "cells": cells,  # replaced below by the styles of the union of both sheets' cells
        "charts": [
            (
                type(c.anchor).__name__,
                c.anchor._from.col,
                c.anchor._from.row,
                c.anchor._from.colOff,
                c.anchor._from.rowOff,
                c.anchor.ext.width,
                c.anchor.ext.height,
                c.tagname,
                c.grouping,
                c.title.tx.rich.p[0].r[0].t,
                [
                    (
                        s.tx.strRef.f,
                        s.cat.strRef.f,
                        s.val.numRef.f,
                        s.graphicalProperties.solidFill.srgbClr,
                    )
                    for s in c.series
                ],
                c.x_axis.scaling.orientation,
                c.y_axis.scaling.min,
                c.y_axis.majorUnit,
                c.y_axis.numFmt.formatCode,
            )
            for c in ws._charts
        ],
        "print": [
            xml(x)
            for x in (
                ws.page_setup,
                ws.print_options,
                ws.page_margins,
                ws.sheet_properties,
                ws.HeaderFooter,
            )
        ]
        + [ws.print_title_rows, ws.print_title_cols, ws.print_area],
        "view": [xml(x) for x in (ws.views, ws.sheet_format, ws.protection)]
        + [ws.freeze_panes, ws.auto_filter.ref, len(ws.data_validations.dataValidation)],
        "names": {
            name: d.attr_text
            if name in FIXED_NAMES or not name.startswith(MARKER_NAME)
            else "(where the data is)"
            for name, d in wb.defined_names.items()
        },
        "sheet names": (wb.sheetnames, list(ws.defined_names)),
        "ws": ws,
    }


#: The names whose targets are the same whatever the plan: the marker and the series titles.
FIXED_NAMES = {MARKER_NAME} | {f"{MARKER_NAME}Title{c}" for c in ("Green", "Amber", "Red", "Blue")}


def assert_same_look(one: dict[str, Any], two: dict[str, Any]) -> None:
    """Equal looks, the cells' styles compared over the union of both sheets' cells."""
    ws1, ws2 = one["ws"], two["ws"]
    union = one["cells"] | two["cells"]
    assert union, "no cells"
    different = [
        f"{get_column_letter(c)}{r}"
        for r, c in sorted(union)
        if effective_style(ws1, r, c) != effective_style(ws2, r, c)
    ]
    assert not different, f"cells styled differently: {different[:20]}"
    for key in one:
        if key not in ("cells", "ws"):
            assert one[key] == two[key], key


def summary_values(path: Path) -> dict[str, tuple[Any, str]]:
    """(value, number format) of every cell of the Summary that holds something."""
    ws = load_workbook(path)[SUMMARY]
    return {
        cell.coordinate: (cell.value, cell.number_format)
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    }


@pytest.mark.parametrize("other", ["crafted", "generated", "empty"])
def test_the_summary_look_does_not_depend_on_the_plan(masters: dict[str, Path], other: str) -> None:
    seed, theirs = summary_look(masters["seed"]), summary_look(masters[other])
    # the data differ a lot...
    assert len(theirs["cells"]) != len(seed["cells"])
    a, b = summary_values(masters["seed"]), summary_values(masters[other])
    assert sum(a.get(k) != b.get(k) for k in a.keys() | b.keys()) > 50
    names = [
        load_workbook(p).defined_names["EdiXlSummaryOwnerNames"].attr_text
        for p in (masters["seed"], masters[other])
    ]
    assert names[0] != names[1]
    # ...the look does not
    assert_same_look(seed, theirs)
    assert seed["merged"] == []
    assert len(seed["conditional formats"]) > 10 and len(seed["charts"]) == 3


def test_rows_of_wrapped_text_get_an_estimated_height(master: Path) -> None:
    """Row heights are the one thing besides values that follows the data (LibreOffice shows
    an unset row at one line; a button has Excel fit the rows)."""
    ws = load_workbook(master)[SUMMARY]
    overdue = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "1.9"]
    assert overdue, "action 1.9 is listed"
    for r in overdue:  # its action text takes three lines in column B
        assert ws.row_dimensions[r].height == 3 * ROW_POINTS
    one_line = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "WRES 2")
    assert ws.row_dimensions[one_line].height is None
    assert ws.row_dimensions[1].height == 24  # the title row, repeated on every page
    assert all(ws.row_dimensions[r].height is None for r in range(2, 5))


def test_the_other_plans_are_what_the_look_test_needs(masters: dict[str, Path]) -> None:
    """The masters compared above cover the cases: no overdue, no gaps, no themes/owners,
    many owners, dates as text."""
    crafted = summarise_master(masters["crafted"])
    assert not crafted.overdue and not crafted.gaps
    assert [a.id for a in crafted.due_soon] == ["A1", "A2", "A3"]
    assert (len(crafted.by_theme), len(crafted.by_owner)) == (3, 9)
    generated = summarise_master(masters["generated"])
    assert len(generated.overdue) > 50 and len(generated.by_owner) == len(OWNERS) + 1
    empty = summarise_master(masters["empty"])
    assert not empty.by_theme and not empty.by_owner and len(empty.gaps) == 27
    ws = load_workbook(masters["generated"])[SUMMARY]
    assert any(isinstance(c.value, datetime) for row in ws.iter_rows() for c in row)
    assert any(c.number_format == "dd mmm yyyy" for row in ws.iter_rows() for c in row)


def emulate_button(before: Path, after: Path, out: Path) -> Path:
    """What a button does to the Summary, done by hand with openpyxl on ``before``'s file:
    write ``after``'s values (formulas as text) and number formats, clear the contents of
    cells that became empty, point the names where ``after``'s point. A cell that did not
    exist is created with its column's style, as Excel gives a value typed into an empty
    cell. Nothing else (no styles, no conditional formats, no charts, no print setup)."""
    wb = load_workbook(before)
    ws = wb[SUMMARY]
    src_wb = load_workbook(after)
    src = src_wb[SUMMARY]
    for (r, c), cell in list(ws._cells.items()):
        if cell.value is not None and src._cells.get((r, c)) is None:
            cell.value = None  # clear contents: the cell keeps its format
    for (r, c), new in src._cells.items():
        if new.value is None:
            if (r, c) in ws._cells:
                ws._cells[(r, c)].value = None
            continue
        cell = ws._cells.get((r, c))
        if cell is None:
            cell = ws.cell(r, c)
            cell._style = copy(ws.column_dimensions[get_column_letter(c)]._style)
        cell.value = new.value
        cell.number_format = new.number_format
    for name, target in src_wb.defined_names.items():
        if name.startswith(MARKER_NAME):
            wb.defined_names[name].attr_text = target.attr_text
    wb.save(out)
    return out


@pytest.mark.parametrize(
    ("first", "second"),
    [("seed", "crafted"), ("crafted", "seed"), ("generated", "empty"), ("empty", "generated")],
)
def test_a_button_rewriting_values_formats_and_names_gives_the_cli_summary(
    masters: dict[str, Path], tmp_path: Path, first: str, second: str
) -> None:
    emulated = emulate_button(masters[first], masters[second], tmp_path / "emulated.xlsx")
    assert_same_look(summary_look(emulated), summary_look(masters[second]))
    assert summary_values(emulated) == summary_values(masters[second])
    wb, cli_wb = load_workbook(emulated), load_workbook(masters[second])
    assert {n: d.attr_text for n, d in wb.defined_names.items()} == {
        n: d.attr_text for n, d in cli_wb.defined_names.items()
    }
    # the charts read the second plan's rows through the names
    assert named_cells(wb, "EdiXlSummaryOwnerNames") == named_cells(
        cli_wb, "EdiXlSummaryOwnerNames"
    )


@pytest.mark.libreoffice
def test_libreoffice_draws_the_look_from_the_kind_column_and_the_charts_from_the_names(
    lo: None, masters: dict[str, Path], tmp_path: Path
) -> None:
    """Printed by LibreOffice: seed 000 has 8 gap lines in red and two Red bars; the crafted
    plan has no gap and no Red action. The section headers are blue in both."""

    def summary_colours(path: Path) -> Any:
        pdf = convert(path, "pdf", tmp_path / path.stem)
        pages = [
            i
            for i, text in enumerate(pdf_pages_text(pdf), start=1)
            if text.split()[-1:] == [SUMMARY]
        ]
        assert pages, "no Summary page"
        counter: Any = None
        for image in render_png(
            pdf, tmp_path / path.stem / "png", dpi=100, first=pages[0], last=pages[-1]
        ):
            found = colours_in_png(image, solid=True)
            counter = found if counter is None else counter + found
        return counter

    seed, crafted = summary_colours(masters["seed"]), summary_colours(masters["crafted"])
    for colours in (seed, crafted):
        assert colour_pixels(colours, "005EB8") > 2000  # blue table headers (and Blue bars)
        assert colour_pixels(colours, "009639") > 500  # Green bars: the names were read
    # gap lines (the Red header cells share the fill: 3 small cells in each)
    assert colour_pixels(seed, "FFC7CE") > 5 * colour_pixels(crafted, "FFC7CE")
    # Red bars (the legend's small swatches are in both)
    assert colour_pixels(seed, "DA291C") > 3 * colour_pixels(crafted, "DA291C")
    assert colour_pixels(crafted, "FFB81C") > colour_pixels(seed, "FFB81C")  # 1 At Risk vs 0


@pytest.mark.parametrize("n", [3, 12, 40, 90, 160])
def test_no_page_break_cuts_a_chart(tmp_path: Path, n: int) -> None:
    """The Summary's manual page breaks (the sheet prints one page wide, so a page holds
    a fixed height of rows) never fall inside one of the charts, whatever the plan's size:
    the trend chart, last, prints whole."""
    from edi_xl.master.summary_sheet import _chart_rows

    master = tmp_path / "master.xlsx"
    new_master(master, read_plan(generated_plan(tmp_path / "plan.xlsx", n=n)), AS_AT, now=NOW)
    ws = load_workbook(master)["Summary"]

    def height(r: int) -> float:
        return ws.row_dimensions[r].height or ROW_POINTS

    spans = _chart_rows(height)
    assert len(spans) == 3
    breaks = [b.id for b in ws.row_breaks.brk]
    cutting = [(b, span) for b in breaks for span in spans if span[0] <= b < span[1]]
    assert not cutting, f"breaks {breaks}, charts over rows {spans}"


def test_a_heading_is_never_left_alone_on_a_page_by_a_second_break() -> None:
    """The Summary of a 150-action master (helper-105): the owners' section went to a new page
    with its chart; the overdue list beside that chart began with rows 409 pt tall (2,000
    characters of action), and the break the list wanted went before the chart, one row after
    the first, leaving the heading "RAG status by action owner" alone on a page. The kinds
    and heights of that sheet's rows, at its print scale: the owners' section starts a page
    and keeps its table and chart, and no break cuts a chart."""
    from openpyxl import Workbook

    from edi_xl.master.summary_sheet import KIND_COLUMN, _chart_rows, _keep_sections_together

    ws = Workbook().active
    kinds = {4: "section", 5: "rag-header", 6: "rag-words", 7: "rag-total", 8: "note"}
    kinds |= {10: "section", 11: "rag-header"} | dict.fromkeys(range(12, 24), "rag-line")
    kinds |= {25: "section", 26: "rag-header"} | dict.fromkeys(range(27, 35), "rag-line")
    kinds |= {36: "section", 37: "list-header"} | dict.fromkeys(range(38, 90), "list-line")
    tall = {1: 24.0, 6: 30.0} | dict.fromkeys(range(38, 90), 30.0)
    tall |= dict.fromkeys((38, 39, 40, 42, 52), 409.0)
    for row, kind in kinds.items():
        ws[f"{KIND_COLUMN}{row}"] = kind
    for row, points in tall.items():
        ws.row_dimensions[row].height = points
    ws.page_setup.scale = 49
    _keep_sections_together(ws)
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks and breaks[0] == 24  # the owners' section and its chart: a page of their own
    assert all(b - a > 6 for a, b in zip(breaks, breaks[1:], strict=False)), breaks
    spans = _chart_rows(lambda r: tall.get(r, ROW_POINTS))
    assert not [(b, s) for b in breaks for s in spans if s[0] <= b < s[1]], (breaks, spans)
