"""A plan whose TRUE/FALSE cells hold "true" and "false" opens, refreshes and keeps them.

The file format writes a boolean cell's value as 1 or 0; some programs write "true" or
"false" (LibreOffice's test file sc/qa/unit/data/xlsx/tdf155046.xlsx, from its bug 155046),
which Excel and LibreOffice read. openpyxl refused the whole workbook ("invalid literal for
int() with base 10: 'true'"), so edi_xl said "cannot open as an Excel workbook". The odd file
here is an XlsxWriter plan with a column of TRUE/FALSE ticks of the trust's, rewritten so.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import xlsxwriter
from conftest import AS_AT, add_seed_plan_sheet, rewrite_part

from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master import loading
from edi_xl.master.plan import load_master

SHEET = "xl/worksheets/sheet1.xml"
TICKS = "Board approved"


def in_words(data: bytes) -> bytes:
    """Every boolean cell's 1 or 0 written "true" or "false"."""
    text = data.decode("utf-8")
    changed = re.sub(
        r'(<c [^>]*t="b"[^>]*><v>)([01])(</v>)',
        lambda m: m.group(1) + ("true" if m.group(2) == "1" else "false") + m.group(3),
        text,
    )
    assert changed.count(">true<") + changed.count(">false<") == 17
    return changed.encode("utf-8")


def build(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws, n = add_seed_plan_sheet(wb)
    ws.write(0, 10, TICKS)
    for r in range(1, n + 1):
        ws.write_boolean(r, 10, r % 2 == 1)
    wb.close()
    rewrite_part(path, SHEET, in_words)
    return path


def test_read_as_excel_reads_them(tmp_path: Path, either_reader: str) -> None:
    ws = load_master(build(tmp_path / "plan.xlsx"))["Action Plan"]
    assert loading.value_at(ws, 1, 11) == TICKS
    assert [loading.value_at(ws, r, 11) for r in (2, 3, 4)] == [True, False, True]


def test_refreshed_and_kept(tmp_path: Path) -> None:
    """edi_xl's columns go right of the ticks; the ticks' cells are kept as they were."""
    plan = build(tmp_path / "plan.xlsx")
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    ws = load_master(plan)["Action Plan"]
    assert loading.value_at(ws, 1, 12) == "Overdue"
    assert [loading.value_at(ws, r, 11) for r in (2, 3)] == [True, False]
    with zipfile.ZipFile(plan) as zf:
        assert zf.read(SHEET).count(b"<v>true</v>") == 9
