"""edi_xl.read.sources and edi_xl.read.isolation: any owner return ends as grids or a typed
error."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import random
import shutil
import signal
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from edi_xl.core.errors import EncryptedFileError, NotASpreadsheetError, UnreadableFileError
from edi_xl.read import isolation
from edi_xl.read.grid import MAX_COLS, MAX_ROWS, SheetGrid, grid_from_worksheet
from edi_xl.read.isolation import FileReader, read_grids_isolated
from edi_xl.read.sources import ENCRYPTED_REASON, WorkbookGrids, read_grids, sniff_format

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"hostile-file corpus not found at {CORPUS} (shared/ is not beside the repo)")
    return CORPUS


def corpus_file(corpus: Path, relative: str) -> Path:
    path = corpus / relative
    if not path.is_file():
        pytest.skip(f"corpus file {relative} is missing")
    return path


def expect_error(path: Path, cls: type[UnreadableFileError], reason: str) -> None:
    with pytest.raises(UnreadableFileError) as info:
        read_grids(path)
    assert type(info.value) is cls, f"{type(info.value).__name__}: {info.value.reason}"
    assert info.value.reason == reason
    assert info.value.path == str(path)


# -- files built here ------------------------------------------------------------------------


@pytest.fixture
def openpyxl_plan(tmp_path: Path) -> Path:
    """A realistic return: title rows above the table, merged title, hidden rows, 2 sheets."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Action plan"
    ws["B1"] = "WRES action plan 2024/25"
    ws.merge_cells("B1:E1")
    ws["B2"] = "Trust: Example NHS Foundation Trust"
    ws.append([])
    ws["B4"], ws["C4"], ws["D4"], ws["E4"] = "Ref", "Action", "Owner", "Due"
    ws["B5"], ws["C5"], ws["D5"], ws["E5"] = (
        1,
        "Reverse mentoring",
        "A. Patel",
        dt.date(2025, 3, 31),
    )
    ws["B6"], ws["C6"], ws["D6"], ws["E6"] = 2, "Fair recruitment", "B. Jones", 12.5
    ws["B7"] = "Merged note"
    ws.merge_cells("B7:B9")
    ws.row_dimensions[6].hidden = True
    ws.row_dimensions[8].hidden = True
    lists = wb.create_sheet("Lists")
    lists["A1"] = "Red"
    lists.sheet_state = "hidden"
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    return path


@pytest.fixture
def xlsxwriter_plan(tmp_path: Path) -> Path:
    path = tmp_path / "return.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Return")
    ws.merge_range("A1:D1", "Owner return: Q3")
    ws.write_row("A3", ["Ref", "Status", "Update", "RAG"])
    ws.write_row("A4", [7, "On track", "Training booked", "Green"])
    ws.write_row("A5", [8, "Late", "Waiting for data", "Red"])
    ws.set_row(4, None, None, {"hidden": True})  # row 5
    hidden = wb.add_worksheet("Old")
    hidden.write("C3", "kept")
    hidden.hide()
    wb.close()
    return path


def test_openpyxl_workbook(openpyxl_plan: Path) -> None:
    grids = read_grids(openpyxl_plan)
    assert grids.format == "xlsx"
    assert grids.encoding is None
    assert grids.path == openpyxl_plan
    assert grids.sheet_names == ["Action plan", "Lists"]
    plan = grids.sheets[0]
    assert plan.value(0, 1) == "WRES action plan 2024/25"
    assert [plan.value(0, c) for c in range(1, 5)] == ["WRES action plan 2024/25"] * 4
    assert plan.value(0, 0) is None and plan.value(0, 5) is None
    assert plan.rows[3][1:5] == ["Ref", "Action", "Owner", "Due"]
    assert plan.value(4, 1) == 1
    assert plan.value(4, 4) == dt.datetime(2025, 3, 31)
    assert plan.value(5, 4) == 12.5
    assert [plan.value(r, 1) for r in (6, 7, 8)] == ["Merged note"] * 3
    # the cells a merge across columns fills from another column's top-left cell (not the
    # cells below a merge down one column)
    assert plan.filled_across == {(0, 2), (0, 3), (0, 4)}
    assert plan.filled_down == {(7, 1), (8, 1)}  # B7:B9
    from_openpyxl = grid_from_worksheet(openpyxl.load_workbook(openpyxl_plan)["Action plan"])
    assert from_openpyxl.rows == plan.rows
    assert from_openpyxl.filled_across == plan.filled_across
    assert from_openpyxl.filled_down == plan.filled_down
    assert plan.hidden_rows == frozenset({5, 7})
    assert not plan.hidden
    assert grids.sheet("Lists").hidden
    assert grids.sheet("Lists").value(0, 0) == "Red"


def test_xlsxwriter_workbook(xlsxwriter_plan: Path) -> None:
    grids = read_grids(xlsxwriter_plan)
    assert grids.format == "xlsx"
    ret, old = grids.sheets
    assert (ret.name, old.name) == ("Return", "Old")
    assert ret.rows[0] == ["Owner return: Q3"] * 4
    assert ret.rows[1] == [None, None, None, None]
    assert ret.rows[2] == ["Ref", "Status", "Update", "RAG"]
    assert ret.rows[4] == [8, "Late", "Waiting for data", "Red"]
    assert ret.hidden_rows == frozenset({4})
    assert old.hidden and old.value(2, 2) == "kept" and old.value(0, 0) is None


def test_extension_is_ignored(openpyxl_plan: Path, tmp_path: Path) -> None:
    disguised = tmp_path / "plan.xls"
    shutil.copy(openpyxl_plan, disguised)
    assert sniff_format(disguised) == "xlsx"
    assert read_grids(disguised).sheets[0].value(0, 1) == "WRES action plan 2024/25"
    csv_named_xlsx = tmp_path / "export.xlsx"
    csv_named_xlsx.write_text("a,b\n1,2\n", encoding="utf-8")
    assert read_grids(csv_named_xlsx).format == "csv"


def test_xlsm_is_sniffed_by_macro_part(openpyxl_plan: Path, tmp_path: Path) -> None:
    xlsm = tmp_path / "macro.xlsx"
    with zipfile.ZipFile(openpyxl_plan) as src, zipfile.ZipFile(xlsm, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"\x00" * 16)
    assert sniff_format(xlsm) == "xlsm"
    grids = read_grids(xlsm)
    assert grids.format == "xlsm"
    assert grids.sheets[0].value(3, 2) == "Action"


def test_declared_huge_range_is_capped(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "top"
    ws.cell(row=MAX_ROWS + 10, column=1, value="far down")
    ws.cell(row=1, column=MAX_COLS + 10, value="far right")
    path = tmp_path / "big.xlsx"
    wb.save(path)
    sheet = read_grids(path).sheets[0]
    assert sheet.value(0, 0) == "top"
    assert sheet.n_rows <= MAX_ROWS and sheet.n_cols <= MAX_COLS


# -- csv -------------------------------------------------------------------------------------

CSV_ROWS = [["Ref", "Action", "Cost"], ["1", "Café review", "£250"], ["2", "", "£1,000"]]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("cp1252", "cp1252"),
    ],
)
def test_csv_encodings(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / f"return_{encoding}.csv"
    text = 'Ref,Action,Cost\r\n1,Café review,£250\r\n2,,"£1,000"\r\n'
    path.write_bytes(text.encode(encoding))
    grids = read_grids(path)
    assert grids.format == "csv"
    assert grids.encoding == expected
    (sheet,) = grids.sheets
    assert sheet.name == f"return_{encoding}"
    assert sheet.rows == [[c or None for c in row] for row in CSV_ROWS]
    assert sheet.value(1, 0) == "1"  # no type guessing: still a string


def test_csv_semicolon_and_latin1(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_bytes("Réf;Action;Statut\n1;Mentorat;à faire\n2;Données;fait\n".encode("cp1252"))
    grids = read_grids(path)
    assert grids.encoding == "cp1252"
    assert grids.sheets[0].rows[1] == ["1", "Mentorat", "à faire"]
    raw = tmp_path / "latin.csv"
    raw.write_bytes(b"a,b\n\x81x,\xe9\n")  # 0x81 is undefined in cp1252
    assert read_grids(raw).encoding == "latin-1"
    tabbed = tmp_path / "tabs.txt"
    tabbed.write_text("a\tb\tc\n1\t2\t3\n", encoding="utf-8")
    assert read_grids(tabbed).sheets[0].rows == [["a", "b", "c"], ["1", "2", "3"]]


@pytest.mark.parametrize(
    ("delimiter", "line_end", "last_end"),
    [
        (";", "\r\n", "\r\n"),  # European Excel: ";", a BOM and "\r\n"
        (";", "\n", ""),  # the quoted update last in a file with no line end after it
        ("\t", "\r\n", "\r\n"),
        ("|", "\r", "\r"),  # an old Mac's line ends
    ],
)
def test_csv_with_its_delimiter_inside_a_quoted_update(
    tmp_path: Path, delimiter: str, line_end: str, last_end: str
) -> None:
    # A quoted field only decides the delimiter where "\n" ends its line: read as a comma csv
    # of one column, the return had "no action table found".
    header = ["#", "Action", "Status (Red, Amber, Green)", "Update as at 18 Dec 23"]
    row = ["6.4", "Report to the Board", "Green", f"Report to Board{delimiter} minutes attached"]
    text = delimiter.join(header) + line_end + delimiter.join(row[:3] + [f'"{row[3]}"']) + last_end
    path = tmp_path / "return.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    assert read_grids(path).sheets[0].rows == [header, row]


def test_plain_text_is_not_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "note.xls"
    path.write_text("Attachment not found!\n", encoding="ascii")
    expect_error(path, NotASpreadsheetError, "a plain text file with no columns, not a spreadsheet")


# -- other kinds of file ---------------------------------------------------------------------


def test_encrypted_xlsx(tmp_path: Path, openpyxl_plan: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    path = tmp_path / "locked.xlsx"
    with open(openpyxl_plan, "rb") as f, open(path, "wb") as out:
        OOXMLFile(f).encrypt("s3cret", out)
    assert sniff_format(path) == "encrypted"
    expect_error(path, EncryptedFileError, ENCRYPTED_REASON)
    assert ENCRYPTED_REASON == (
        "password protected (encrypted); ask the sender for an unprotected copy"
    )


def test_docx(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "return.xlsx"
    document = docx.Document()
    document.add_paragraph("Please find my update below.")
    document.save(str(path))
    assert sniff_format(path) == "docx"
    expect_error(path, NotASpreadsheetError, "a Word document (.docx), not a spreadsheet")


def test_pdf_image_html(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert sniff_format(pdf) == "pdf"
    expect_error(pdf, NotASpreadsheetError, "a PDF, not a spreadsheet")
    png = tmp_path / "screenshot.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    expect_error(png, NotASpreadsheetError, "an image, not a spreadsheet")
    html = tmp_path / "report.xls"
    html.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    assert sniff_format(html) == "html"
    with pytest.raises(NotASpreadsheetError, match="web page"):
        read_grids(html)


def test_truncated_xlsx(tmp_path: Path, openpyxl_plan: Path) -> None:
    data = openpyxl_plan.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert sniff_format(path) == "xlsx"  # told by the local file headers
    expect_error(path, UnreadableFileError, "not a valid xlsx: the zip is truncated or damaged")


def test_xlsx_without_workbook_part(tmp_path: Path, openpyxl_plan: Path) -> None:
    path = tmp_path / "noworkbook.xlsx"
    with zipfile.ZipFile(openpyxl_plan) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            if item.filename != "xl/workbook.xml":
                dst.writestr(item, src.read(item))
    assert sniff_format(path) == "xlsx"
    expect_error(path, UnreadableFileError, "not a valid xlsx: missing xl/workbook.xml")


def test_zip_of_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    rng = random.Random(7)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data.bin", bytes(rng.randrange(256) for _ in range(4096)))
    assert sniff_format(path) == "zip"
    expect_error(
        path,
        NotASpreadsheetError,
        "a zip archive, not a spreadsheet; if the return is inside it, send the spreadsheet itself",
    )


def test_random_bytes_and_empty(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert sniff_format(empty) == "empty"
    expect_error(empty, UnreadableFileError, "empty file (0 bytes)")
    noise = tmp_path / "noise.xls"
    rng = random.Random(3)
    noise.write_bytes(bytes(rng.randrange(256) for _ in range(2048)))
    assert sniff_format(noise) == "unknown"
    with pytest.raises(NotASpreadsheetError, match="not a spreadsheet"):
        read_grids(noise)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    expect_error(tmp_path / "nope.xlsx", UnreadableFileError, "file not found")
    expect_error(tmp_path, UnreadableFileError, "a folder, not a file")


def test_openpyxl_uses_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_results_and_errors_pickle(openpyxl_plan: Path) -> None:
    grids = read_grids(openpyxl_plan)
    assert pickle.loads(pickle.dumps(grids)) == grids
    for error in (
        UnreadableFileError("/x/a.xlsx", "why"),
        EncryptedFileError("/x/b.xlsx", ENCRYPTED_REASON),
        NotASpreadsheetError(Path("/x/c.docx"), "a Word document (.docx), not a spreadsheet"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (copy.path, copy.reason, str(copy)) == (error.path, error.reason, str(error))


# -- corpus files (real .xls / .ods / broken files) ------------------------------------------


def test_xls_from_corpus(corpus: Path) -> None:
    grids = read_grids(corpus_file(corpus, "python-calamine/tests/data/base.xls"))
    assert grids.format == "xls"
    assert grids.sheet_names == ["Sheet1", "Sheet2", "Merged Cells"]
    sheet = grids.sheets[0]
    assert sheet.rows[0] == [None] * 10  # the data starts on row 2: rows stay aligned
    assert sheet.rows[1][:6] == ["String", 1, 1.1, True, False, dt.date(2010, 10, 10)]


def test_xls_merged_and_hidden_sheets(corpus: Path) -> None:
    merged = read_grids(corpus_file(corpus, "calamine/tests/merge_cells.xls")).sheets[0]
    assert merged.rows[0] == ["Row Merge", "Row Merge", "Not Merged", None]
    assert [merged.value(r, 0) for r in (1, 2, 3)] == ["Column Merge"] * 3
    assert merged.value(3, 3) == "Chunk Merged"
    sheets = read_grids(corpus_file(corpus, "calamine/tests/any_sheets.xls")).sheets
    assert [(s.name, s.hidden) for s in sheets] == [
        ("Visible", False),
        ("Hidden", True),
        ("VeryHidden", True),
    ]
    assert sheets[0].rows[:3] == [[1, 2], [3, 4], [5, 6]]


def test_ods_and_xlsb_from_corpus(corpus: Path) -> None:
    ods = read_grids(corpus_file(corpus, "python-calamine/tests/data/base.ods"))
    assert ods.format == "ods"
    assert ods.sheets[0].rows[1][:3] == ["String", 1, 1.1]
    hidden = read_grids(corpus_file(corpus, "calamine/tests/any_sheets.ods")).sheets
    assert [s.hidden for s in hidden][:3] == [False, True, True]
    xlsb = read_grids(corpus_file(corpus, "python-calamine/tests/data/base.xlsb"))
    assert xlsb.format == "xlsb"
    assert xlsb.sheet("Sheet3").rows[1] == [None, "line1", "line1", "line1"]


def test_calamine_fallback_for_xlsx(corpus: Path) -> None:
    strict = read_grids(corpus_file(corpus, "poi/test-data/spreadsheet/SimpleStrict.xlsx"))
    assert strict.format == "xlsx"  # Strict OOXML: openpyxl finds no sheet, calamine does
    assert strict.sheet_names == ["Sheet1", "Sheet Number 2"]
    no_content_types = read_grids(corpus_file(corpus, "poi/test-data/spreadsheet/49609.xlsx"))
    assert no_content_types.sheets


def test_encrypted_from_corpus(corpus: Path) -> None:
    for name in ("password.xls", "password.xlsx", "password.xlsb", "password.ods"):
        path = corpus_file(corpus, f"python-calamine/tests/data/{name}")
        expect_error(path, EncryptedFileError, ENCRYPTED_REASON)


def test_default_password_xls_is_read(corpus: Path) -> None:
    # Encrypted with Excel's built-in "VelvetSweatshop": opens in Excel without a password.
    grids = read_grids(corpus_file(corpus, "poi/test-data/spreadsheet/50833.xls"))
    assert grids.format == "xls"
    assert grids.sheets[0].value(0, 0) == "test cell value"


def test_hostile_corpus_files(corpus: Path) -> None:
    spreadsheet = "poi/test-data/spreadsheet/"
    expect_error(
        corpus_file(corpus, spreadsheet + "poc-xmlbomb.xlsx"),
        UnreadableFileError,
        "refused: the xlsx holds unsafe XML (an 'XML bomb'); it may be malicious",
    )
    expect_error(
        corpus_file(corpus, spreadsheet + "testEXCEL_4.xls"),
        UnreadableFileError,
        "an Excel 2.x-4.0 worksheet (.xls from before 1995), which cannot be read; "
        "open it in Excel and save it as .xlsx",
    )
    # calamine panics (PanicException, a BaseException) on this one.
    with pytest.raises(UnreadableFileError) as info:
        read_grids(corpus_file(corpus, spreadsheet + "Simple.xlsb"))
    assert info.value.reason.startswith("not a valid .xlsb: the file is damaged")
    with pytest.raises(UnreadableFileError) as info:
        read_grids(corpus_file(corpus, "calamine/tests/OOM_alloc3.xls"))
    assert info.value.reason.startswith("not a valid .xls: ")
    assert "Traceback" not in info.value.reason and "\n" not in info.value.reason
    big = read_grids(corpus_file(corpus, "calamine/tests/issue_174.xlsx"))
    assert all(s.n_rows <= MAX_ROWS and s.n_cols <= MAX_COLS for s in big.sheets)


# -- isolation -------------------------------------------------------------------------------

needs_fork = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the fake readers reach workers through fork"
)


def _fake_read_grids(path: str | Path) -> WorkbookGrids:
    """Stands in for read_grids in forked workers: misbehaves on request."""
    name = Path(path).name
    if name.startswith("hang"):
        time.sleep(60)
    if name.startswith("hog"):
        hog = bytearray(2 * 1024**3)  # more than the worker's address-space limit
        hog[-1] = 1
    if name.startswith("abort"):  # what a failed Rust allocation looks like
        os.write(2, b"memory allocation of 536870912 bytes failed\n")
        os.abort()
    if name.startswith("segv"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if name.startswith("limit"):
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
        return WorkbookGrids(Path(path), "csv", [SheetGrid("limit", [[soft]])])
    return read_grids(path)


@pytest.fixture
def fake_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "read_grids", _fake_read_grids)


def test_read_grids_isolated(openpyxl_plan: Path, tmp_path: Path) -> None:
    grids = read_grids_isolated(openpyxl_plan)
    assert grids == read_grids(openpyxl_plan)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableFileError) as info:
        read_grids_isolated(empty)
    assert type(info.value) is UnreadableFileError
    assert info.value.reason == "empty file (0 bytes)"


def test_read_many_keeps_order_and_types(
    openpyxl_plan: Path, xlsxwriter_plan: Path, tmp_path: Path
) -> None:
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    paths = [openpyxl_plan, pdf, xlsxwriter_plan, tmp_path / "missing.csv"] * 5
    with FileReader(workers=2) as reader:
        results = list(reader.read_many(paths))
        assert [p for p, _ in results] == paths
        kinds = [type(r).__name__ for _, r in results]
        assert (
            kinds
            == [
                "WorkbookGrids",
                "NotASpreadsheetError",
                "WorkbookGrids",
                "UnreadableFileError",
            ]
            * 5
        )
        assert results[2][1].sheet_names == ["Return", "Old"]
        with pytest.raises(NotASpreadsheetError, match="a PDF, not a spreadsheet"):
            reader.read(pdf)
        assert reader.read(openpyxl_plan).format == "xlsx"


@needs_fork
@pytest.mark.usefixtures("fake_reader")
def test_worker_limits(openpyxl_plan: Path, tmp_path: Path) -> None:
    names = ["hang.xlsx", "hog.xlsx", "abort.xlsx", "segv.xlsx", "limit.xlsx"]
    for name in names:
        shutil.copy(openpyxl_plan, tmp_path / name)
    paths = [tmp_path / n for n in names] + [openpyxl_plan]
    started = time.monotonic()
    with FileReader(timeout=2, memory_mb=512, workers=2) as reader:
        results = dict(reader.read_many(paths))
        # the pool recovered: workers were replaced
        assert reader.read(openpyxl_plan).sheet_names == ["Action plan", "Lists"]
    assert time.monotonic() - started < 20
    reasons = {p.name: getattr(r, "reason", None) for p, r in results.items()}
    assert reasons == {
        "hang.xlsx": "took longer than 2 s to read; skipped",
        "hog.xlsx": "needed more than 512 MB of memory to read; skipped",
        "abort.xlsx": "needed more than 512 MB of memory to read; skipped",
        "segv.xlsx": "the reader crashed on this file",
        "limit.xlsx": None,
        "plan.xlsx": None,
    }
    for name in ("hang.xlsx", "hog.xlsx", "abort.xlsx", "segv.xlsx"):
        assert type(results[tmp_path / name]) is UnreadableFileError
    assert results[tmp_path / "limit.xlsx"].sheets[0].value(0, 0) == 512 * 1024 * 1024


@needs_fork
@pytest.mark.usefixtures("fake_reader")
def test_abandoned_read_many_leaves_a_working_pool(openpyxl_plan: Path, tmp_path: Path) -> None:
    slow = tmp_path / "hang.xlsx"
    shutil.copy(openpyxl_plan, slow)
    with FileReader(timeout=30, workers=2) as reader:
        results = reader.read_many([openpyxl_plan, slow, openpyxl_plan])
        first_path, first = next(results)
        assert first_path == openpyxl_plan and isinstance(first, WorkbookGrids)
        started = time.monotonic()
        results.close()  # the hanging worker is killed, not waited for
        assert time.monotonic() - started < 10
        assert reader.read(openpyxl_plan).format == "xlsx"


@needs_fork
@pytest.mark.usefixtures("fake_reader")
def test_a_reading_stopped_from_another_thread_ends_without_waiting(
    openpyxl_plan: Path, tmp_path: Path
) -> None:
    """``stop`` set from another thread ends a reading: the hanging file is abandoned, not
    waited for (the reader would give it ten minutes here); the next reading is not
    affected, nor is a reading whose stop was set after it ended."""
    import threading

    slow = tmp_path / "hang.xlsx"
    shutil.copy(openpyxl_plan, slow)
    with FileReader(timeout=600, workers=2) as reader:
        stop = threading.Event()
        answers: list[object] = []
        jobs = [(p, None) for p in (openpyxl_plan, slow, openpyxl_plan)]
        thread = threading.Thread(
            target=lambda: answers.extend(reader.read_each(jobs, None, stop=stop))
        )
        thread.start()
        while not answers and thread.is_alive():  # the first file is read; then the hang
            thread.join(timeout=0.05)
        stop.set()
        thread.join(timeout=120)
        assert not thread.is_alive()  # ended long before the file's ten minutes
        assert [p for p, _ in answers] == [openpyxl_plan]
        assert [p for p, _ in reader.read_many([openpyxl_plan, openpyxl_plan])] == [
            openpyxl_plan,
            openpyxl_plan,
        ]


def test_closed_reader_refuses(openpyxl_plan: Path) -> None:
    reader = FileReader(workers=1)
    reader.close()
    with pytest.raises(RuntimeError):
        reader.read(openpyxl_plan)


def _sheet_count_in_worker(path: Path, extra: object, result: object) -> tuple[object, int, int]:
    """A ``then`` for read_each: what it was given, and the process it ran in."""
    if isinstance(path, Path) and path.name.startswith("bug"):
        raise ValueError("a bug in then")
    count = len(result.sheets) if isinstance(result, WorkbookGrids) else -1
    return extra, count, os.getpid()


@needs_fork
@pytest.mark.usefixtures("fake_reader")
def test_read_each_applies_then_in_the_worker(openpyxl_plan: Path, tmp_path: Path) -> None:
    segv = tmp_path / "segv.xlsx"
    shutil.copy(openpyxl_plan, segv)
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    jobs = [(openpyxl_plan, "a"), (pdf, "b"), (segv, "c"), (openpyxl_plan, "d")]
    with FileReader(workers=2) as reader:
        answers = list(reader.read_each(jobs, _sheet_count_in_worker))
    assert [p for p, _ in answers] == [p for p, _ in jobs]
    extras = [a[0] for _, a in answers]
    counts = [a[1] for _, a in answers]
    pids = [a[2] for _, a in answers]
    assert extras == ["a", "b", "c", "d"]
    assert counts == [2, -1, -1, 2]  # the PDF and the crash: then was given the error
    # read and answered in workers, except the file whose worker crashed: answered here
    assert pids[0] != os.getpid() and pids[1] != os.getpid() and pids[3] != os.getpid()
    assert pids[2] == os.getpid()


@needs_fork
def test_read_each_raises_a_bug_in_then(openpyxl_plan: Path, tmp_path: Path) -> None:
    bug = tmp_path / "bug.xlsx"
    shutil.copy(openpyxl_plan, bug)
    with FileReader(workers=1) as reader:
        with pytest.raises(isolation.WorkerBugError, match="(?s)bug.xlsx.*ValueError: a bug"):
            list(reader.read_each([(openpyxl_plan, 1), (bug, 2)], _sheet_count_in_worker))
        # the pool still works
        assert reader.read(openpyxl_plan).format == "xlsx"


@needs_fork
@pytest.mark.usefixtures("fake_reader")
def test_a_worker_is_replaced_only_when_allowed(openpyxl_plan: Path, tmp_path: Path) -> None:
    """While another thread works, a crashed worker is not replaced (fork then could copy a
    lock that thread holds); once allowed again, it is, and reading goes on."""
    import threading

    segv = tmp_path / "segv.xlsx"
    shutil.copy(openpyxl_plan, segv)
    reader = FileReader(workers=1)
    try:
        reader.start()
        first = reader._pool[0].process.pid
        reader.may_start_workers.clear()
        answers: list[object] = []
        thread = threading.Thread(
            target=lambda: answers.extend(reader.read_many([segv, openpyxl_plan]))
        )
        thread.start()
        thread.join(timeout=3)
        assert thread.is_alive()  # waiting to start a new worker
        assert [w.process.pid for w in reader._pool] == []  # the crashed one is gone
        reader.may_start_workers.set()
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert getattr(answers[0][1], "reason", None) == "the reader crashed on this file"  # type: ignore[index]
        assert isinstance(answers[1][1], WorkbookGrids)  # type: ignore[index]
        assert reader._pool[0].process.pid != first
    finally:
        reader.may_start_workers.set()
        reader.close()


def test_when_a_workbook_was_saved_is_read_with_its_sheets(tmp_path: Path) -> None:
    """The save time a workbook records (docProps/core.xml) comes with its sheets, as the
    intake reads it from the file on its own; a workbook that records none gives None, and
    the intake falls back to the file's time."""
    from datetime import UTC, datetime

    from edi_xl.flows.intake import saved_at

    stamped = tmp_path / "stamped.xlsx"
    book = xlsxwriter.Workbook(str(stamped))
    book.set_properties({"created": datetime(2023, 12, 11, 9, 30)})  # XlsxWriter: both dates
    book.add_worksheet().write_row(0, 0, ["#", "Status"])
    book.close()
    grids = read_grids(stamped)
    assert grids.saved == datetime(2023, 12, 11, 9, 30, tzinfo=UTC)
    assert saved_at(stamped, "xlsx") == grids.saved  # the same, read from the file alone

    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(stamped) as src, zipfile.ZipFile(bare, "w") as dst:
        for name in src.namelist():
            if name != "docProps/core.xml":
                dst.writestr(name, src.read(name))
    assert read_grids(bare).saved is None
    mtime = datetime.fromtimestamp(bare.stat().st_mtime, tz=UTC)
    assert saved_at(bare, "xlsx", read_grids(bare)) == mtime


@needs_fork
@pytest.mark.usefixtures("fake_reader")
def test_files_queued_behind_one_that_kills_its_worker_are_read(
    openpyxl_plan: Path, tmp_path: Path
) -> None:
    """A worker is given its next file before it answers the one it reads: when that one
    kills it, the files queued behind are read by its replacement, in their order."""
    segv = tmp_path / "segv.xlsx"
    shutil.copy(openpyxl_plan, segv)
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    paths = [segv, openpyxl_plan, pdf, segv, openpyxl_plan]
    with FileReader(workers=1) as reader:
        results = list(reader.read_many(paths))
    assert [p for p, _ in results] == paths
    assert [getattr(r, "reason", type(r).__name__) for _, r in results] == [
        "the reader crashed on this file",
        "WorkbookGrids",
        "a PDF, not a spreadsheet",
        "the reader crashed on this file",
        "WorkbookGrids",
    ]


@needs_fork
@pytest.mark.usefixtures("fake_reader")
def test_a_worker_holds_several_files_before_it_answers(
    openpyxl_plan: Path, tmp_path: Path
) -> None:
    """A worker is given the files it reads next before it answers the one it reads (a
    return takes it a millisecond; handed one at a time by a thread waiting for the
    interpreter's lock, it waited for them half the time): while it hangs on the first,
    it holds ``QUEUED`` files, and all are read, in their order."""
    hang = tmp_path / "hang.xlsx"
    shutil.copy(openpyxl_plan, hang)
    paths = [hang] + [openpyxl_plan] * 7
    with FileReader(timeout=3, workers=1) as reader:
        results = reader.read_many(paths)
        held: list[int] = []
        thread = threading.Thread(target=lambda: held.extend(_held_while_hanging(reader)))
        thread.start()
        answers = list(results)
        thread.join(timeout=30)
    assert held and max(held) == isolation.QUEUED > 2
    assert [p for p, _ in answers] == paths
    assert getattr(answers[0][1], "reason", None) == "took longer than 3 s to read; skipped"
    assert all(isinstance(r, WorkbookGrids) for _, r in answers[1:])


def _held_while_hanging(reader: FileReader) -> list[int]:
    """How many files the reader's worker holds, looked at while its first file hangs."""
    held = []
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        held.extend(len(w.tasks) for w in list(reader._pool))
        time.sleep(0.05)
    return held


def _frozen_in_worker(path: Path, extra: object, result: object) -> tuple[int, bool]:
    """A ``then`` for read_each: the objects left out of the worker's collections, and
    whether it collects."""
    import gc

    return gc.get_freeze_count(), gc.isenabled()


@needs_fork
def test_a_worker_leaves_what_it_was_forked_with_out_of_its_collections(
    openpyxl_plan: Path,
) -> None:
    """What the parent made before the fork (its modules, a loaded master) is no garbage of a
    file's: a worker's collections leave it out (walking it copied its memory), and collect
    what the reading makes."""
    with FileReader(workers=1) as reader:
        ((_path, (frozen, collects)),) = reader.read_each(
            [(openpyxl_plan, None)], _frozen_in_worker
        )
    assert frozen > 1000 and collects


def _link_on(path: Path, ref: str, cells: str) -> None:
    """The workbook's one link on ``ref`` put on ``cells`` instead (XlsxWriter writes a link
    on one cell; Excel saves one put on a range with the range)."""
    from conftest import rewrite_part

    def move(data: bytes) -> bytes:
        old, new = (f'<hyperlink ref="{r}"'.encode() for r in (ref, cells))
        assert data.count(old) == 1
        return data.replace(old, new)

    rewrite_part(path, "xl/worksheets/sheet1.xml", move)


def test_links_read_alike_by_both_ways_of_reading_an_xlsx(tmp_path: Path) -> None:
    """The addresses cells link to (Insert > Link), by (row, column): a link put on a range
    of cells is each cell's, a link to a place in a document keeps it ("#Item7"), a link to
    a place in the workbook itself is none; the fast reading (calamine, the sheet's
    ``<hyperlink>``s) and the careful one (openpyxl) give the same."""
    import xlsxwriter

    from edi_xl.read import sources

    path = tmp_path / "links.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Your actions")
    ws.write_row(0, 0, ["#", "Status", "Update"])
    for r in range(1, 5):
        ws.write_row(r, 0, [f"1.{r}", "Green", f"update {r}"])
    pack = "https://intranet.example.nhs.uk/evidence-pack.pdf"
    ws.write_url("C2", pack, string="the pack")
    ws.write_url("C4", "https://intranet.example.nhs.uk/board.docx#Item7", string="item 7")
    ws.write_url("C5", "internal:'Your actions'!A1", string="back to the top")
    wb.close()
    _link_on(path, "C2", "C2:C3")  # the pack's link put on C2:C3, as Excel saves one
    fast = sources._fast_ooxml_sheets(path)
    assert fast is not None
    careful = sources._openpyxl_sheets(path)
    expected = {
        (1, 2): pack,
        (2, 2): pack,
        (3, 2): "https://intranet.example.nhs.uk/board.docx#Item7",
    }
    assert fast[0][0].links == expected
    assert careful[0].links == expected


def test_a_link_put_on_whole_columns_is_the_cells_that_hold_something(tmp_path: Path) -> None:
    """A link put on whole columns (select them, Insert > Link): the cells holding a value
    link to it, not the millions of cells of the range (a merge rejected such a return for
    its memory)."""
    from edi_xl.read import sources

    path = tmp_path / "whole.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Your actions")
    ws.write_row(0, 0, ["#", "Status", "Update"])
    ws.write_row(1, 0, ["1.1", "Green", "see the pack"])
    ws.write_url("E1", "https://intranet.example.nhs.uk/pack.pdf", string="pack")
    wb.close()
    _link_on(path, "E1", "A1:Z1048576")
    fast = sources._fast_ooxml_sheets(path)
    assert fast is not None
    pack = "https://intranet.example.nhs.uk/pack.pdf"
    filled = [(0, 0), (0, 1), (0, 2), (0, 4), (1, 0), (1, 1), (1, 2)]
    assert fast[0][0].links == dict.fromkeys(filled, pack)


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_words_excel_took_for_a_formula_are_read_as_typed(tmp_path, monkeypatch, reader):
    """Words typed after "=", "-" or "+" ("-delayed to May") are saved by Excel as a formula
    showing #NAME?: calamine read the cell as empty and openpyxl as "#NAME?", so the words
    were lost (session 17). They are read as typed, and the grid says which cells they are;
    a formula with a result keeps it, and one showing another error is still empty."""
    from edi_xl.read import sources

    if reader == "openpyxl":
        monkeypatch.setattr(sources, "_fast_ooxml_sheets", lambda path, sniffed=None: None)
    path = tmp_path / "typed.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Return")
    ws.write_row(0, 0, ["#", "Update"])
    ws.write_row(1, 0, ["1.4"])
    ws.write_formula(1, 1, "= see notes", None, "#NAME?")
    ws.write_row(2, 0, ["1.5"])
    ws.write_formula(2, 1, "=-delayed to May", None, "#NAME?")
    ws.write_row(3, 0, ["1.8"])
    ws.write_formula(3, 1, '=A4&" done"', None, "1.8 done")
    ws.write_row(4, 0, ["1.9"])
    ws.write_formula(4, 1, "=NA()", None, "#N/A")
    ws.write_row(5, 0, ["2.1"])
    ws.write_formula(5, 2, "=+ new training booked", None, "#NAME?")  # past the last value
    wb.close()
    grid = read_grids(path).sheets[0]
    assert [grid.value(r, 1) for r in range(1, 5)] == [
        "= see notes",
        "-delayed to May",
        "1.8 done",
        None,
    ]
    assert grid.value(5, 2) == "+ new training booked"
    assert grid.typed_as_formula == {(1, 1): "#NAME?", (2, 1): "#NAME?", (5, 2): "#NAME?"}


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_notes_and_pictures_placed_in_cells_are_read(tmp_path, monkeypatch, reader):
    """An owner's note on a cell (Review > Note; Excel 365 keeps a threaded comment as a
    note too, after its own words about it) and a picture placed in a cell (Place in Cell:
    the cell holds #VALUE!) were read by neither way of reading an xlsx (helper-84, session
    19): the grid has each note's words by cell, and the cells holding a picture."""
    from conftest import tiny_png

    from edi_xl.read import sources

    if reader == "openpyxl":
        monkeypatch.setattr(sources, "_fast_ooxml_sheets", lambda path, sniffed=None: None)
    path = tmp_path / "noted.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Return")
    ws.write_row(0, 0, ["#", "Status", "Update"])
    ws.write_row(1, 0, ["1.4", "Green", "on track"])
    ws.write_row(2, 0, ["1.5", "Amber"])
    ws.write_comment("B2", "Jane Owner:\nSlipped: waiting on payroll data")
    threaded = (
        "[Threaded comment]\n\nYour version of Excel allows you to read this threaded "
        "comment; however, any edits to it will get removed if the file is opened in a newer "
        "version of Excel. Learn more: https://go.microsoft.com/fwlink/?linkid=870924\n\n"
        "Comment:\n    Panel list agreed\nReply:\n    Thanks"
    )
    ws.write_comment("A3", threaded)
    ws.embed_image("C3", str(tiny_png(tmp_path / "evidence.png")))
    wb.close()
    grid = read_grids(path).sheets[0]
    assert grid.notes == {
        (1, 1): "Jane Owner:\nSlipped: waiting on payroll data",
        (2, 0): "Panel list agreed\nReply:\n    Thanks",
    }
    assert grid.pictures == {(2, 2)}
    assert grid.value(2, 2) is None  # (#VALUE!, no text)


def test_the_parts_returns_share_are_read_once_and_each_reading_is_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Returns made from one master share their workbook, relationships and styles parts:
    each is parsed once per process (a parse for every return was a fifth of reading one).
    What each return gets is its own: a sheet whose part another file lacks is not found
    there, and a caller changing its number formats changes no other's."""
    from edi_xl.read import sources

    parsed: list[str] = []
    for name in ("_book_sheets", "_rel_targets", "_read_cell_formats"):
        real = getattr(sources, name)

        def counted(data: bytes, real=real, name=name):  # type: ignore[no-untyped-def]
            parsed.append(name)
            return real(data)

        monkeypatch.setattr(sources, name, counted)
    grids = []
    for n in (1, 2):
        path = tmp_path / f"return {n}.xlsx"
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("Your actions")
        ws.write_row(0, 0, ["#", "Due date", "Status"])
        ws.write(1, 0, "1.1")
        ws.write_datetime(
            1, 1, dt.datetime(2024, 3, 31), wb.add_format({"num_format": "dd mmm yyyy"})
        )
        ws.write(1, 2, "Green")
        wb.close()
        grids.append(read_grids(path).sheets[0])
    assert sorted(parsed) == ["_book_sheets", "_read_cell_formats", "_rel_targets"]  # once each
    assert grids[0].number_formats == grids[1].number_formats == {(1, 1): "dd mmm yyyy"}
    book = b'<workbook xmlns="m" xmlns:r="%s"><sheets>' % sources._REL_NS.encode()
    book += b'<sheet name="A" r:id="rId1"/><sheet name="B" r:id="rId2"/></sheets></workbook>'
    rels = (
        b'<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
        b'<Relationship Id="rId2" Target="/xl/worksheets/sheet2.xml"/></Relationships>'
    )
    parts = {"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": rels}
    both = {*parts, "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}
    assert sources._sheet_parts(parts.__getitem__, both) == {
        "A": "xl/worksheets/sheet1.xml",
        "B": "xl/worksheets/sheet2.xml",
    }
    assert sources._sheet_parts(parts.__getitem__, both - {"xl/worksheets/sheet2.xml"}) == {
        "A": "xl/worksheets/sheet1.xml"
    }
    styles = b"<styleSheet><cellXfs count='2'><xf numFmtId='0'/><xf numFmtId='14'/></cellXfs>"
    styles += b"</styleSheet>"
    mine = sources._cell_formats(styles)
    mine[1] = "changed"
    assert sources._cell_formats(styles) == {1: "mm-dd-yy"}


def test_the_cells_with_a_number_format_are_found_as_by_each_cell_tag() -> None:
    """The number formats of a sheet's cells (``_styled_cells``) are looked for only in the
    cells naming one of the formatted styles: the same as looking at every cell's tag and its
    first ``s=""`` (a style written "05", a prefix, the style before the reference, another
    attribute ending in "s", two ``s=""``)."""
    from edi_xl.read import sources

    def every_tag(data: bytes, formats: dict[int, str]) -> dict[tuple[int, int], str]:
        found = {}
        for match in sources._CELL_TAG.finditer(data):
            attrs = match.group(1)
            style = sources._CELL_STYLE.search(attrs)
            if style is None or (code := formats.get(int(style.group(1)))) is None:
                continue
            if (place := sources._cell_place(attrs)) is not None:
                found[place] = code
        return found

    pieces = [
        'r="A{n}"', 's="5"', 's="05"', 's="15"', 's="51"', "s='7'", 's="0"', 'cs="5"',
        'x:s="5"', 't="n"', 'r="AB{n}"',
    ]  # fmt: skip
    rng = random.Random(13)
    for n in range(1, 400):
        cells = []
        for _ in range(rng.randint(1, 4)):
            attrs = " ".join(p.format(n=n) for p in rng.sample(pieces, rng.randint(0, 4)))
            tag = rng.choice(["<c ", "<x:c ", "<col ", "<cf "])
            cells.append(f"{tag}{attrs}{rng.choice(['/>', '><v>1</v></c>'])}")
        data = f"<sheetData><row>{''.join(cells)}</row></sheetData>".encode()
        for formats in ({5: "0%"}, {0: "d-mmm", 7: "0.0"}, {15: "£#,##0", 51: "0%", 5: "@@"}):
            assert sources._styled_cells(data, formats) == every_tag(data, formats)


_ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
)


def _ods_cell(text: str, *, error: bool = False, across: int = 1) -> str:
    repeat = f' table:number-columns-repeated="{across}"' if across > 1 else ""
    kind = (  # (as LibreOffice writes it: no text for calamine)
        ' table:formula="of:=NA()" office:string-value="" calcext:value-type="error"'
        if error
        else ""
    )
    return (
        f'<table:table-cell office:value-type="string"{repeat}{kind}>'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def test_the_error_cells_of_an_ods_are_found_where_calamine_puts_its_cells(tmp_path):
    """python-calamine reads a cell showing an error as empty; the .ods's content.xml says
    which they are (LibreOffice's calcext:value-type="error": "Err:509" for words typed
    after "="). They are found at the places calamine gives the sheet's cells, counting
    empty rows above, and each place of a cell or a row repeated (another program's file:
    helper-167 found a repeated one said once)."""
    rows = [
        '<table:table-row table:number-rows-repeated="2">'
        '<table:table-cell table:number-columns-repeated="3"/></table:table-row>',
        "<table:table-row>"
        + "".join(_ods_cell(t) for t in ("#", "Status", "Update"))
        + "</table:table-row>",
        "<table:table-row>"
        + _ods_cell("1.4")
        + _ods_cell("Green")
        + _ods_cell("Err:509", error=True)
        + "</table:table-row>",
        '<table:table-row table:number-rows-repeated="2">'
        + _ods_cell("1.5")
        + _ods_cell("#N/A", error=True, across=2)
        + "</table:table-row>",
    ]
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NAMESPACES}>'
        '<office:body><office:spreadsheet><table:table table:name="Actions">'
        + "".join(rows)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "return.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml"/></manifest:manifest>',
        )
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    (sheet,) = read_grids(path).sheets
    assert sheet.value(2, 0) == "#" and sheet.value(3, 1) == "Green"
    assert sheet.value(3, 2) is None  # (calamine: the error is empty)
    assert sheet.errors == {
        (3, 2): "Err:509",
        (4, 1): "#N/A",
        (4, 2): "#N/A",
        (5, 1): "#N/A",
        (5, 2): "#N/A",
    }
