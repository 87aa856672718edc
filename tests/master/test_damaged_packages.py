"""A damaged workbook is refused saying what is damaged and what to do (session 27).

helper-151's hunt over Excel-made and other files from outside the project found two refused
with openpyxl's words alone: a drawing whose pictures were taken out of the file (xlrd's
err_cell_empty.xlsx: "There is no item named 'xl/media/image1.png' in the archive") and a
fuzzed sheet (LibreOffice's forcepoint107.xlsx: "Unable to read workbook: could not read
worksheets from None."). The refusal now names the missing part, or what could not be read
and why, and says to let Excel repair it. The files here are the same damage done to a plan
XlsxWriter writes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from conftest import AS_AT, add_seed_plan_sheet, tiny_png

from edi_xl.core.errors import DAMAGED, UnreadableFileError, cannot_open
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master.plan import load_master


def plan_with_a_picture(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.insert_image("N2", str(tiny_png(path.parent / "logo.png")))
    wb.close()
    return path


def rewritten(path: Path, change) -> Path:
    with zipfile.ZipFile(path) as zf:
        items = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            if (data := change(name, data)) is not None:
                zf.writestr(name, data)
    return path


def test_a_picture_missing_from_the_file_is_named(tmp_path: Path) -> None:
    plan = plan_with_a_picture(tmp_path / "plan.xlsx")
    load_master(plan)  # (whole, it opens)
    rewritten(plan, lambda name, data: None if name.startswith("xl/media/") else data)
    with pytest.raises(UnreadableFileError) as refused:
        refresh_workbook(plan, AS_AT)
    assert refused.value.reason == (
        "cannot open as an Excel workbook (a part it refers to, xl/media/image1.png, is not "
        f"in the file; {DAMAGED})"
    )


def test_a_sheet_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    plan = plan_with_a_picture(tmp_path / "plan.xlsx")
    rewritten(
        plan,
        lambda name, data: (
            data.replace(b'<c r="A2"', b'<c r="H"', 1)
            if name == "xl/worksheets/sheet1.xml"
            else data
        ),
    )
    with pytest.raises(UnreadableFileError) as refused:
        load_master(plan)
    reason = refused.value.reason
    assert reason.startswith("cannot open as an Excel workbook (its worksheets cannot be read (")
    assert reason.endswith(f"; {DAMAGED})") and "None" not in reason


def test_other_refusals_keep_openpyxls_first_line() -> None:
    assert cannot_open("x.xlsx", ValueError("expected Fill\nmore")).reason == (
        "cannot open as an Excel workbook (expected Fill)"
    )
    assert cannot_open("x.xlsx", IndexError()).reason == (
        "cannot open as an Excel workbook (IndexError)"
    )
