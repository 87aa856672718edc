"""A plan whose cells carry an empty style attribute (``s=""``) opens and refreshes.

Some tools write ``<c r="A1" t="s" s="">`` (calamine's tests/empty_s_attribute.xlsx, issue
420); LibreOffice and calamine read the empty style as the default one. openpyxl keeps the
text "" as the style's index and fails ("list indices must be integers or slices, not str"),
so edi_xl refused the file as "cannot open as an Excel workbook". The odd file here is an
XlsxWriter plan with ``s=""`` put on every cell (and a row) of the plan sheet.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

from conftest import AS_AT, seed_plan_rewritten, seed_rows

from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master import loading
from edi_xl.master.plan import load_master

SHEET = "xl/worksheets/sheet1.xml"


def empty_styles(data: bytes) -> bytes:
    """Every cell's style attribute made empty, ``s=""`` added where there was none (before
    ``t``, and after it, as writers put it in either place), and one row given ``s=""``."""
    text = data.decode("utf-8")
    text = re.sub(r'(<c r="[A-Z]+[0-9]+")( s="[0-9]+")?', r'\1 s=""', text)
    text = text.replace(' s="" t="s"', ' t="s" s=""', 3)
    text = text.replace('<row r="2"', '<row r="2" s="" customFormat="1"', 1)
    return text.encode("utf-8")


def build(path: Path) -> Path:
    seed_plan_rewritten(path, empty_styles, SHEET)
    with zipfile.ZipFile(path) as zf:
        assert zf.read(SHEET).count(b' s=""') > 100
    return path


def test_loaded_with_the_default_style(tmp_path: Path) -> None:
    wb = load_master(build(tmp_path / "plan.xlsx"))
    header = seed_rows()[0]
    assert loading.value_at(wb["Action Plan"], 1, 1) == header[0]


def test_openpyxls_own_reading_too(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A package the fast reader leaves to openpyxl (a sheet part too big for it) reads it
    alike."""
    monkeypatch.setattr(loading, "_fast_can_read", lambda data: False)
    wb = load_master(build(tmp_path / "plan.xlsx"))
    assert wb["Action Plan"].cell(1, 1).value == seed_rows()[0][0]


def test_refreshed_and_kept(tmp_path: Path) -> None:
    """Refreshed by patching: the plan's cells are kept as they were (their ``s=""`` too,
    which openpyxl's own load_workbook still cannot read: the file is read here as edi_xl
    reads it)."""
    plan = build(tmp_path / "plan.xlsx")
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    wb = load_master(plan)
    ws = wb["Action Plan"]
    header, rows = seed_rows()
    assert [loading.value_at(ws, 1, c + 1) for c in range(len(header))] == header
    assert loading.value_at(ws, 2, 2) == rows[0][1]
    assert "Settings" in wb.sheetnames and "Change Log" in wb.sheetnames
    with zipfile.ZipFile(plan) as zf:
        assert b' s=""' in zf.read(SHEET)
