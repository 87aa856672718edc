"""A master saved as Strict Open XML is refused with a message saying how to save it.

Excel can save a workbook as "Strict Open XML Spreadsheet (*.xlsx)": the same file
extension, but other namespaces. openpyxl reads such a file as a workbook without sheets, so a
command would find no plan, and a save would write the trust's workbook back with none of its
sheets. edi_xl refuses it before reading, naming the file and the way back (Save As "Excel
Workbook"). The Strict workbook here is an XlsxWriter plan with its namespaces changed to
Strict's, as Excel writes them; the corpus has five that Excel saved.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import SHARED, add_seed_plan_sheet, seed_rows
from openpyxl import load_workbook

from edi_xl.cli import cli
from edi_xl.core.errors import UnreadableFileError
from edi_xl.master.plan import is_strict_ooxml, load_master

#: Transitional namespaces and Strict's, as Excel's "Strict Open XML Spreadsheet" writes them.
TO_STRICT = (
    (
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    ),
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    ),
    (
        b"http://schemas.openxmlformats.org/drawingml/2006/main",
        b"http://purl.oclc.org/ooxml/drawingml/main",
    ),
)


def build_plan(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    wb.close()
    return path


def as_strict(path: Path) -> Path:
    """``path`` saved again with Strict Open XML's namespaces (package relationships keep
    their own namespace, as in Strict)."""
    with zipfile.ZipFile(path) as zf:
        package = {n: zf.read(n) for n in zf.namelist()}
    for name, data in package.items():
        if name.endswith((".xml", ".rels")):
            for transitional, strict in TO_STRICT:
                data = data.replace(transitional, strict)
            if name == "xl/workbook.xml":
                data = data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
            package[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in package.items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def strict_plan(tmp_path: Path) -> Path:
    return as_strict(build_plan(tmp_path / "trust plan.xlsx"))


def test_openpyxl_reads_a_strict_workbook_as_one_without_sheets(strict_plan: Path) -> None:
    """Why it is refused: what openpyxl would hand a command."""
    with pytest.warns(UserWarning, match="invalid specification"):  # (each sheet, dropped)
        assert load_workbook(strict_plan).sheetnames == []


def test_a_strict_master_is_refused_with_the_way_to_save_it(strict_plan: Path) -> None:
    with pytest.raises(UnreadableFileError) as caught:
        load_master(strict_plan)
    message = str(caught.value)
    assert str(strict_plan) in message
    assert (
        "Strict Open XML" in message and 'Save As and choose "Excel Workbook (*.xlsx)"' in message
    )


def test_refresh_of_a_strict_master_says_why_and_leaves_the_file(strict_plan: Path) -> None:
    before = strict_plan.read_bytes()
    result = CliRunner().invoke(cli, ["refresh", str(strict_plan), "--as-at", "2023-12-18"])
    assert result.exit_code != 0
    assert "Strict Open XML" in result.output and strict_plan.name in result.output
    assert strict_plan.read_bytes() == before
    assert sorted(p.name for p in strict_plan.parent.iterdir()) == ["trust plan.xlsx"]


def test_a_transitional_workbook_is_not_taken_for_strict(tmp_path: Path) -> None:
    plan = build_plan(tmp_path / "plan.xlsx")
    assert not is_strict_ooxml(plan.read_bytes())
    assert load_master(plan).sheetnames == ["Action Plan"]
    assert not is_strict_ooxml(b"not a zip")


STRICT_CORPUS = [
    SHARED / "corpus" / "poi" / "test-data" / "spreadsheet" / name
    for name in ("SimpleStrict.xlsx", "sample.strict.xlsx", "SampleSS.strict.xlsx", "57914.xlsx")
] + [SHARED / "corpus" / "calamine" / "tests" / "strict_iso_paths.xlsx"]


@pytest.mark.skipif(
    not all(p.exists() for p in STRICT_CORPUS),
    reason="../shared/corpus is not here (a user's clone): Excel's Strict workbooks are absent",
)
@pytest.mark.parametrize("path", STRICT_CORPUS, ids=lambda p: p.name)
def test_excels_own_strict_workbooks_are_refused(path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="Strict Open XML"):
        load_master(path)


def test_import_reads_a_strict_plan_as_it_reads_the_same_plan_saved_as_xlsx(
    strict_plan: Path,
) -> None:
    """What the message offers besides Save As: import reads a Strict file as it is."""
    plain = build_plan(strict_plan.with_name("plain plan.xlsx"))
    outcomes = []
    for source in (strict_plan, plain):
        out = source.with_name(f"master from {source.stem}.xlsx")
        result = CliRunner().invoke(
            cli, ["import", str(source), "-o", str(out), "--as-at", "2023-12-18"]
        )
        ws = load_master(out)["Action Plan"]
        cells = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_col=10)]
        outcomes.append((result.exit_code, cells))
    assert outcomes[0] == outcomes[1]
    _, rows = seed_rows()
    assert [r[0] for r in outcomes[0][1][1:]] == [row[0] for row in rows]
