"""`edi-xl import`: every layout into one master, and what is reported."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import AS_AT, all_cells, build_trust_workbook
from layout_fixtures import COUNTS, LAYOUT_NAMES, build_docx, build_xlsx, seed_blocks
from openpyxl import Workbook, load_workbook

from edi_xl.cli import cli
from edi_xl.flows.importer import IMPORT_SHEET, NothingImportedError, import_plans, source_prefix
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master import sheets
from edi_xl.tables.reader import read_plan

NOW = datetime(2023, 12, 18, 9, 0)


def invoke(*args: str):
    return CliRunner().invoke(cli, ["import", *args], catch_exceptions=False)


def check_code(master: Path) -> int:
    """The exit code of `edi-xl check` on a master: `import` exits the same (as `new` does)
    when every source imported whole."""
    return CliRunner().invoke(cli, ["check", str(master), "--as-at", "18/12/2023"]).exit_code


def seed_file(tmp_path: Path, n: int, fmt: str = "docx") -> Path:
    path = tmp_path / f"plan_00{n}.{fmt}"
    if n == 0:
        return build_trust_workbook(path.with_suffix(".xlsx"))
    if fmt == "docx":
        return build_docx(path, seed_blocks(n))
    return build_xlsx(path, seed_blocks(n))


def numbers_workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    for r in range(1, 12):
        for c in range(1, 6):
            ws.cell(r, c, r * 10 + c)
    wb.save(path)
    return path


def empty_table_docx(path: Path) -> Path:
    """The 001 header, and not one action under it."""
    import docx

    document = docx.Document()
    header = seed_blocks(1)[1].rows[0]  # type: ignore[union-attr]
    table = document.add_table(rows=2, cols=len(header))
    for j, text in enumerate(header):
        table.cell(0, j).text = text or ""
    document.save(str(path))
    return path


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_each_layout_imports_into_a_master_the_trust_layout_reads(tmp_path, n, fmt):
    source = seed_file(tmp_path, n, fmt)
    out = tmp_path / "master.xlsx"
    result = invoke(str(source), "-o", str(out), "--as-at", "18/12/2023")
    assert result.exit_code == check_code(out), result.output
    assert f"{source.name}: layout {LAYOUT_NAMES[n]}," in result.output
    assert f"actions {COUNTS[n]} (" in result.output
    back = read_plan(out)
    assert back.source.layout == "trust"
    imported = read_plan(source)
    assert [a.id for a in back.actions] == [a.id for a in imported.actions]
    assert [a.owner for a in back.actions] == [a.owner for a in imported.actions]
    assert [a.due.text for a in back.actions] == [a.due.text for a in imported.actions]
    # every extra column came through as an extra column, values and all
    assert back.extra_columns == imported.extra_columns
    for a, b in zip(back.actions, imported.actions, strict=True):
        assert a.extra == b.extra
        assert a.action == b.action and a.theme == b.theme


def test_importing_twice_gives_identical_ids_and_an_identical_master(tmp_path):
    sources = [seed_file(tmp_path, n) for n in (1, 2, 3, 4)]
    first, second = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    a = import_plans(sources, first, as_at=AS_AT, now=NOW)
    b = import_plans(sources, second, as_at=AS_AT, now=datetime(2024, 1, 2, 3, 4))
    assert [o.ids for o in a.sources] == [o.ids for o in b.sources]
    cells_a, cells_b = all_cells(first), all_cells(second)
    log_a = [k for k in cells_a if k[0] == sheets.CHANGE_LOG and k[1].startswith("A")]
    assert log_a, "the change log has entries"
    for key in log_a[1:]:  # the "When" column: the only thing allowed to differ
        assert cells_a.pop(key) != cells_b.pop(key)
    assert cells_a == cells_b


def test_several_sources_get_letter_prefixes_and_no_id_clashes(tmp_path):
    sources = [seed_file(tmp_path, n) for n in (0, 1, 2, 3, 4)]
    out = tmp_path / "all.xlsx"
    result = import_plans(sources, out, as_at=AS_AT, now=NOW)
    ids = [a.id for a in result.plan.actions]
    assert len(ids) == sum(COUNTS.values()) == len(set(ids))
    assert [o.prefix for o in result.sources] == ["A", "B", "C", "D", "E"]
    assert result.sources[0].ids[0] == "A1.4"  # the trust's own id, prefixed
    assert result.sources[2].ids[0] == "C1.1"
    assert not result.failed and not any(o.read.not_placed for o in result.sources if o.read)
    assert result.needs_attention == result.refresh.report.needs_attention
    assert len(read_plan(out).actions) == sum(COUNTS.values())
    assert source_prefix(26, 30) == "AA"


def test_metadata_and_report_are_kept_in_the_master(tmp_path):
    out = tmp_path / "wres.xlsx"
    import_plans([seed_file(tmp_path, 2)], out, as_at=AS_AT, now=NOW)
    wb = load_workbook(out)
    rows = {
        ws_row[0].value: ws_row[1].value
        for ws_row in wb[IMPORT_SHEET].iter_rows(min_row=3)
        if ws_row[0].value
    }
    assert rows["Source"] == "plan_002.docx"
    assert rows["Layout"].startswith("wres-template")
    assert rows["Actions read"] == "26 (1.1 to 10.2)"
    assert rows["Repeated header rows skipped"] == "3"
    assert rows["Year"] == "2022/2023"
    assert rows["Trust"] == "Bedfordshire Hospitals NHS Foundation Trust"
    assert sheets.read_settings(wb).trust_name == "Bedfordshire Hospitals NHS Foundation Trust"


def test_the_imported_master_refreshes_like_any_master(tmp_path):
    out = tmp_path / "sections.xlsx"
    import_plans([seed_file(tmp_path, 3)], out, as_at=AS_AT, now=NOW)
    result = refresh_workbook(out, AS_AT, now=NOW)
    assert len(result.plan.actions) == COUNTS[3]
    assert result.changes == []  # already refreshed at the same as-at date


@pytest.mark.parametrize("bad", ["numbers", "empty", "unknown"])
def test_a_bad_source_is_one_line_and_the_others_still_import(tmp_path, bad):
    if bad == "numbers":
        path = numbers_workbook(tmp_path / "numbers.xlsx")
        reason = "no action-plan table found (layouts tried: trust, wres-wdes"
    elif bad == "empty":
        path = empty_table_docx(tmp_path / "empty.docx")
        reason = "a edi-plan table was found (Word document) but it has no action rows"
    else:
        path = tmp_path / "notes.csv"
        path.write_text("Name,Team,Phone\nAnn,HR,123\nBob,OD,456\n", encoding="utf-8")
        reason = "no action-plan table found"
    good = seed_file(tmp_path, 4)
    out = tmp_path / "m.xlsx"
    result = invoke(str(path), str(good), "-o", str(out), "--as-at", "2023-12-18")
    assert result.exit_code == 1
    [line] = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert f"error: {path.name}: " in line and reason in line
    assert len(read_plan(out).actions) == COUNTS[4]

    alone = invoke(str(path), "-o", str(tmp_path / "none.xlsx"), "--as-at", "2023-12-18")
    assert alone.exit_code == 2
    assert reason in alone.output and "Traceback" not in alone.output
    assert not (tmp_path / "none.xlsx").exists()


def test_nothing_imported_raises_and_writes_nothing(tmp_path):
    with pytest.raises(NothingImportedError, match="missing.docx: file not found"):
        import_plans([tmp_path / "missing.docx"], tmp_path / "m.xlsx", as_at=AS_AT)
    assert not (tmp_path / "m.xlsx").exists()


def test_layout_option_overrides_detection_and_rejects_unknown_names(tmp_path):
    source = seed_file(tmp_path, 3, "xlsx")
    wrong = invoke(
        str(source),
        "-o",
        str(tmp_path / "a.xlsx"),
        "--layout",
        "wres-wdes",
        "--as-at",
        "2023-12-18",
    )
    assert wrong.exit_code == 2
    assert "layouts tried: wres-wdes" in wrong.output
    unknown = invoke(
        str(source), "-o", str(tmp_path / "b.xlsx"), "--layout", "nope", "--as-at", "2023-12-18"
    )
    assert unknown.exit_code == 2
    assert "unknown layout 'nope'" in unknown.output
    right = invoke(
        str(source), "-o", str(tmp_path / "c.xlsx"), "--layout", "sections", "--as-at", "2023-12-18"
    )
    assert right.exit_code == check_code(tmp_path / "c.xlsx")


def test_an_existing_master_is_not_overwritten_without_force(tmp_path):
    source = seed_file(tmp_path, 1)
    out = tmp_path / "m.xlsx"
    assert invoke(str(source), "-o", str(out), "--as-at", "2023-12-18").exit_code in (0, 1)
    again = invoke(str(source), "-o", str(out), "--as-at", "2023-12-18")
    assert again.exit_code == 2 and "already exists" in again.output
    forced = invoke(str(source), "-o", str(out), "--as-at", "2023-12-18", "--force")
    assert forced.exit_code == check_code(out)


def test_a_lone_line_under_the_table_is_reported_not_placed(tmp_path):
    blocks = seed_blocks(4)
    path = build_xlsx(tmp_path / "footnote.xlsx", blocks)
    wb = load_workbook(path)
    ws = wb.active
    ws.cell(ws.max_row + 2, 1, "* Figures from the 2022 staff survey")
    wb.save(path)
    result = invoke(str(path), "-o", str(tmp_path / "m.xlsx"), "--as-at", "2023-12-18")
    assert result.exit_code == 1
    assert "not placed: Plan row" in result.output
    assert "Figures from the 2022 staff survey" in result.output


def test_text_from_the_source_never_becomes_a_formula(tmp_path):
    blocks = seed_blocks(4)
    blocks[0].rows[1][2] = '=HYPERLINK("http://x")'  # type: ignore[union-attr]
    source = build_docx(tmp_path / "formula.docx", blocks)
    out = tmp_path / "m.xlsx"
    import_plans([source], out, as_at=AS_AT, now=NOW)
    ws = load_workbook(out)["Action Plan"]
    cell = ws.cell(5, 3)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_a_csv_export_of_a_plan_imports(tmp_path):
    import csv

    from layout_fixtures import TableBlock

    [table] = [b for b in seed_blocks(4) if isinstance(b, TableBlock)]
    path = tmp_path / "wres_wdes.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([[c or "" for c in row] for row in table.rows])
    out = tmp_path / "m.xlsx"
    result = import_plans([path], out, as_at=AS_AT, now=NOW)
    [outcome] = result.sources
    assert outcome.read is not None and outcome.read.format == "csv"
    assert outcome.layout == "wres-wdes" and len(outcome.ids) == COUNTS[4]


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
@pytest.mark.parametrize("n", [1, 3])
def test_old_excel_and_libreoffice_workbooks_import(tmp_path, n, fmt):
    """The same plan saved by a spreadsheet program as .xls (Excel 97-2003) or .ods imports
    with the same actions as the .xlsx."""
    from libreoffice import convert, soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: it writes the .xls / .ods here")
    xlsx = seed_file(tmp_path, n, "xlsx")
    source = convert(xlsx, fmt, tmp_path / "lo")
    result = import_plans([source], tmp_path / "m.xlsx", as_at=AS_AT, now=NOW)
    [outcome] = result.sources
    assert outcome.layout == LAYOUT_NAMES[n] and len(outcome.ids) == COUNTS[n]
    original = read_plan(xlsx)
    again = read_plan(source)
    assert [a.id for a in again.actions] == [a.id for a in original.actions]
    assert [a.owner for a in again.actions] == [a.owner for a in original.actions]
    assert [a.due.text for a in again.actions] == [a.due.text for a in original.actions]
