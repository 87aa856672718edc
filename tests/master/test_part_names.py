"""Zip entries named other than as the package names its parts are found, as Excel finds
them.

- ``xl/SharedStrings.xml`` where the content types and the workbook's relationships say
  ``xl/sharedStrings.xml`` (calamine's issue_419.xlsx): a part's name is matched without
  case (ECMA-376 part 2, part name equivalence). openpyxl looked for the exact name:
  "There is no item named 'xl/sharedStrings.xml' in the archive", refused as "cannot open".
- ``xl\\worksheets\\sheet1.xml``: folders separated by ``\\``, as some Windows programs zip
  (calamine's issue_530.xlsx, whose owner opens it in Office): the same refusal.
- A shared-strings part the content types name and the package does not hold, its strings
  all in its cells (xlsx2csv's formatted_inline_string.xlsx): the same refusal; Excel and
  calamine read no shared strings.

The odd files are an XlsxWriter plan with its zip entries renamed; after a refresh the
file's entries are named as the package names them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter
from conftest import AS_AT, add_seed_plan_sheet, rewrite_part, seed_rows

from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master import loading
from edi_xl.master.package import canonical_package
from edi_xl.master.patch import loaded_package
from edi_xl.master.plan import load_master


def build(path: Path, rename: Callable[[str], str]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    wb.close()
    with zipfile.ZipFile(path) as zf:
        items = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(rename(info.filename), data)
    return path


def check_plan(path: Path) -> None:
    wb = load_master(path)
    assert loaded_package(wb) is not None  # saved by patching
    ws = wb["Action Plan"]
    header, rows = seed_rows()
    assert [loading.value_at(ws, 1, c + 1) for c in range(len(header))] == header
    assert loading.value_at(ws, 2, 3) == rows[0][2]


def refreshed_names(path: Path) -> list[str]:
    refresh_workbook(path, AS_AT, now=datetime(2023, 12, 18, 9))
    check_plan(path)
    assert "Settings" in load_master(path).sheetnames
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


@pytest.mark.parametrize(
    ("rename", "odd", "named"),
    [
        (lambda n: n.replace("sharedStrings", "SharedStrings"), "xl/SharedStrings.xml",
         "xl/sharedStrings.xml"),
        (lambda n: n.replace("/", "\\"), "xl\\workbook.xml", "xl/workbook.xml"),
        # (xlrd's issue150.xlsx, POI's 49609.xlsx; helper-151, session 27: "There is no item
        # named '[Content_Types].xml' in the archive")
        (lambda n: n.replace("[Content_Types]", "[content_types]"), "[content_types].xml",
         "[Content_Types].xml"),
        (lambda n: n.replace("_rels/.rels", "_RELS/.rels") if n == "_rels/.rels" else n,
         "_RELS/.rels", "_rels/.rels"),
    ],
    ids=["shared strings named in another case", "folders separated by backslashes",
         "content types in lower case", "package relationships in capitals"],
)  # fmt: skip
def test_parts_named_otherwise_are_found(
    tmp_path: Path, rename: Callable[[str], str], odd: str, named: str
) -> None:
    plan = build(tmp_path / "plan.xlsx", rename)
    with zipfile.ZipFile(plan) as zf:
        assert odd in zf.namelist()
    check_plan(plan)
    names = refreshed_names(plan)
    assert named in names and odd not in names and not [n for n in names if "\\" in n]


def test_a_package_named_as_it_says_is_left_as_it_is(tmp_path: Path) -> None:
    plan = build(tmp_path / "plan.xlsx", lambda n: n)
    data = plan.read_bytes()
    assert canonical_package(data) is data
    assert canonical_package(b"not a zip") == b"not a zip"


def test_shared_strings_named_and_not_there(tmp_path: Path) -> None:
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan), {"constant_memory": True})  # (strings in the cells)
    add_seed_plan_sheet(wb)
    wb.close()
    override = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    rewrite_part(plan, "[Content_Types].xml", lambda d: d.replace(b"</Types>", override.encode()))
    with zipfile.ZipFile(plan) as zf:
        assert "xl/sharedStrings.xml" not in zf.namelist()
        assert b"/xl/sharedStrings.xml" in zf.read("[Content_Types].xml")
    check_plan(plan)
    refreshed_names(plan)
