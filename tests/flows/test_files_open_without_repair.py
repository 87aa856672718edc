"""Every kind of file edi_xl writes passes the Open XML SDK's checks (tests/ooxml_check.py):
Excel and Word open it without offering to repair it.

New masters, macro-enabled masters (buttons and notes in one drawing), owner returns,
normalised copies and the committee paper must pass outright; a trust's own workbook, which
edi_xl patches (refresh, merge of a new round, add-buttons), must have nothing wrong that it
did not have before.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from ooxml_check import new_ooxml_errors, ooxml_errors
from openpyxl import Workbook, load_workbook
from test_fidelity import build_featured_workbook

from edi_xl.cli import cli
from edi_xl.flows.merge import merge_returns
from edi_xl.flows.owner_returns import make_owner_returns
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master.save import save_atomic

AS_AT = date(2023, 12, 18)
NEXT = date(2024, 3, 20)


def _run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output  # (1: the plan has problems to fix)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output


def _vml_shape_ids(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [
            m
            for name in z.namelist()
            if name.endswith(".vml")
            for m in re.findall(r'\bid="(_x0000_s\d+)"', z.read(name).decode())
        ]


def _with_sheet_xml(
    source: Path, target: Path, old: bytes, new: bytes, content_type: str | None = None
) -> Path:
    """A copy of ``source`` whose first sheet's XML has ``old`` replaced by ``new``, and its
    content type made ``content_type`` when given."""
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == sheet:
                assert old in data
                data = data.replace(old, new)
            elif info.filename == "[Content_Types].xml" and content_type:
                data, n = re.subn(
                    rb'(PartName="/' + sheet.encode() + rb'" ContentType=")[^"]*',
                    rb"\g<1>" + content_type.encode(),
                    data,
                )
                assert n == 1
            zout.writestr(info, data)
    return target


def test_the_checks_find_a_fault_in_a_part_each_time_they_see_it(tmp_path: Path) -> None:
    """The schema's findings in a part are kept by its name, content type and bytes
    (tests/ooxml_check.py): a part seen again, in the same file or another, gives the same
    findings without being read again; a part whose bytes or content type differ is read."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "Action"
    good = tmp_path / "good.xlsx"
    wb.save(good)
    fault = "/xl/worksheets/sheet1.xml /worksheet/sheetData: Unexpected element 'stray' found"
    bad = _with_sheet_xml(good, tmp_path / "bad.xlsx", b"<sheetData>", b"<sheetData><stray/>")
    again = shutil.copy(bad, tmp_path / "bad again.xlsx")
    assert fault in ooxml_errors(bad)
    assert fault in ooxml_errors(again)  # the part seen before: its findings kept
    assert new_ooxml_errors(good, bad) == [fault]
    assert fault not in ooxml_errors(good)
    other = _with_sheet_xml(good, tmp_path / "other.xlsx", b"<sheetData>", b"<sheetData><odd/>")
    assert new_ooxml_errors(bad, other) == [fault.replace("stray", "odd")]
    # the same part, first where it is typed as no XML (not checked), then as a sheet: its
    # findings are not the unchecked part's (helper-164: they were, and none was found)
    unusual = (b"<sheetData>", b"<sheetData><unusual/>")
    untyped = _with_sheet_xml(good, tmp_path / "untyped.xlsx", *unusual, "application/octet-stream")
    typed = _with_sheet_xml(good, tmp_path / "typed.xlsx", *unusual)
    assert not any("'unusual'" in line for line in ooxml_errors(untyped))
    assert new_ooxml_errors(good, typed) == [fault.replace("stray", "unusual")]


@pytest.mark.parametrize("name", ["plan.xlsx", "plan.xlsm"])
def test_a_new_master_passes_the_checks(seed_workbook: Path, tmp_path: Path, name: str) -> None:
    master = tmp_path / name
    _run("new", str(master), "--from", str(seed_workbook), "--as-at", AS_AT.isoformat())
    assert ooxml_errors(master) == []


def test_the_buttons_and_notes_of_a_macro_enabled_master_have_ids_of_their_own(
    seed_workbook: Path, tmp_path: Path
) -> None:
    """openpyxl writes the notes of edi_xl's columns into the buttons' drawing from id 1026 on,
    which three of the five buttons had; then again each time the master is saved whole."""
    master = tmp_path / "plan.xlsm"
    _run("new", str(master), "--from", str(seed_workbook), "--as-at", AS_AT.isoformat())
    ids = _vml_shape_ids(master)
    assert len(ids) == 8 and len(set(ids)) == 8  # five buttons, three notes
    # saved whole by openpyxl (what save_master falls back to), the notes written again
    wb = load_workbook(master, keep_vba=True)
    again = tmp_path / "again.xlsm"
    save_atomic(wb, again)
    ids = _vml_shape_ids(again)
    assert len(ids) == 8 and len(set(ids)) == 8
    assert ooxml_errors(again) == []


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_refresh_merge_and_add_buttons_break_nothing_in_the_trusts_workbook(
    tmp_path: Path,
) -> None:
    featured = build_featured_workbook(tmp_path / "trust plan.xlsx")
    before = ooxml_errors(featured)
    refresh_workbook(featured, AS_AT, now=datetime(2023, 12, 18, 9))
    assert new_ooxml_errors(before, featured) == []
    # a new round: the owner's return merged, its column inserted through the trust's things
    sent = make_owner_returns(featured, tmp_path / "returns", NEXT)
    back = sent.files[0].path
    wb = load_workbook(back)
    ws = wb["Your actions"]
    header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
    update = [c.value for c in ws[header_row]].index("Update as at 20 Mar 24") + 1
    ws.cell(header_row + 1, update).value = "Done: the panel met in February"
    wb.save(back)
    result = merge_returns(featured, [back], as_at=NEXT, now=datetime(2024, 3, 21))
    assert [f.outcome for f in result.files] == ["merged"]
    assert new_ooxml_errors(before, featured) == []
    _run("add-buttons", str(featured), "--as-at", NEXT.isoformat())
    assert new_ooxml_errors(before, featured.with_suffix(".xlsm")) == []


def test_owner_returns_and_their_normalised_copies_pass_the_checks(
    master: Path, tmp_path: Path
) -> None:
    sent = make_owner_returns(master, tmp_path / "returns", AS_AT)
    clean = tmp_path / "clean"
    _run("normalise", str(tmp_path / "returns"), "-o", str(clean))
    written = [f.path for f in sent.files[:3]] + sorted(clean.glob("*.xlsx"))[:3]
    assert len(written) == 6
    assert {p.name: ooxml_errors(p) for p in written} == {p.name: [] for p in written}


def test_the_committee_paper_passes_the_checks(master: Path, tmp_path: Path) -> None:
    """python-docx's template left as it was gave Word's checks a stale copy of the styles
    (stylesWithEffects.xml), rows marked w:val="true" and a table layout out of its place."""
    paper = tmp_path / "paper.docx"
    _run("report", str(master), "-o", str(paper))
    assert ooxml_errors(paper) == []
