"""A plan whose cells name styles its stylesheet does not have opens, refreshes and merges.

A damaged file may number a cell's style (``s="57"``) or a row's past the styles its
stylesheet lists (LibreOffice's test file sc/qa/unit/data/xlsx/tdf100709.xlsx, trimmed by
hand). LibreOffice reads such a cell in the first style; Excel offers to repair the file.
edi_xl said only "cannot open as an Excel workbook (list index out of range)", both readers.
The cells keep their ids as they were: edi_xl changes only what it owns.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

from conftest import AS_AT, seed_plan_rewritten

from edi_xl.flows.merge import merge_returns
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master import loading
from edi_xl.master.plan import load_master

SHEET = "xl/worksheets/sheet1.xml"


def damaged(data: bytes) -> bytes:
    """Cell B2 and row 3 naming style 57, which the stylesheet does not have."""
    text = data.decode("utf-8")
    text, cells = re.subn(r'<c r="B2"( s="\d+")?', '<c r="B2" s="57"', text, count=1)
    text, rows = re.subn(r'<row r="3"', '<row r="3" s="58" customFormat="1"', text, count=1)
    assert cells == rows == 1
    return text.encode("utf-8")


def build(path: Path) -> Path:
    seed_plan_rewritten(path, damaged, SHEET)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/styles.xml").count(b"<xf ") < 57
    return path


def test_read_in_the_first_style(tmp_path: Path, either_reader: str) -> None:
    wb = load_master(build(tmp_path / "plan.xlsx"))
    ws = wb["Action Plan"]
    assert loading.value_at(ws, 2, 1) not in (None, "")
    assert loading.styles_named(build(tmp_path / "again.xlsx").read_bytes()) == 59


def test_refreshed_and_merged_with_the_cells_kept(tmp_path: Path) -> None:
    plan = build(tmp_path / "plan.xlsx")
    action = loading.value_at(load_master(plan)["Action Plan"], 2, 2)
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    (tmp_path / "returns").mkdir()
    result = merge_returns(plan, [tmp_path / "returns"], as_at=AS_AT)
    assert result.files == []
    ws = load_master(plan)["Action Plan"]
    assert loading.value_at(ws, 2, 2) == action  # (B2, read)
    with zipfile.ZipFile(plan) as zf:
        sheet = zf.read(SHEET).decode("utf-8")
    assert re.search(r'<c r="B2" s="57"', sheet)  # as it was
    assert re.search(r'<row r="3"[^>]* s="58"', sheet)
