"""A workbook saved by a pre-release (beta) of Excel 2007 is refused, and left as it was.

Excel 2007's beta wrote the workbook and its sheets in the namespace
``http://schemas.microsoft.com/office/excel/2006/2`` (POI's sample-beta.xlsx), not
``http://schemas.openxmlformats.org/spreadsheetml/2006/main``. openpyxl reads such a file's
sheet names but none of its cells; the patch writer then failed (an assert on the workbook's
sheets) and the workbook was written whole, its sheets empty (the backup kept them). The
odd file here is an XlsxWriter plan with its namespace changed to the beta's.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter
from conftest import AS_AT, add_seed_plan_sheet

from edi_xl.core.errors import UnreadableFileError
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master.plan import is_prerelease_ooxml, load_master

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
BETA = b"http://schemas.microsoft.com/office/excel/2006/2"


def build(path: Path, beta: bool = True) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    wb.add_worksheet("Notes").write(0, 0, "kept")
    wb.close()
    if beta:
        with zipfile.ZipFile(path) as zf:
            items = [(info, zf.read(info)) for info in zf.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, data in items:
                zf.writestr(info, data.replace(MAIN, BETA))
    return path


def test_refused_saying_why(tmp_path: Path) -> None:
    plan = build(tmp_path / "plan.xlsx")
    assert is_prerelease_ooxml(plan.read_bytes())
    with pytest.raises(UnreadableFileError, match="pre-release"):
        load_master(plan)


def test_a_refresh_leaves_it_as_it_was(tmp_path: Path) -> None:
    plan = build(tmp_path / "plan.xlsx")
    before = plan.read_bytes()
    with pytest.raises(UnreadableFileError, match="pre-release"):
        refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    assert plan.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_a_workbook_excel_saves_is_not(tmp_path: Path) -> None:
    assert not is_prerelease_ooxml(build(tmp_path / "plan.xlsx", beta=False).read_bytes())
    assert not is_prerelease_ooxml(b"not a zip")
