"""Fixtures: real workbooks built by the tests from the seed text."""

from __future__ import annotations

import csv
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

DATA = Path(__file__).parent / "data"
SEED_000 = DATA / "seed_000.txt"  # our own copy of shared/seeds/000_*.txt
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
AS_AT = date(2023, 12, 18)
#: The six action owners of seed 000, as written there (the OCR slips included).
JIM = "Jim Machon, Associate Director of HR"
FIONA = "Fiona MacDonald, Director of Culture & OD"
LOUANNA = "Louanna Lubega, Head of Communicati ons"
HAZEL = "Hazel Rawdon- Smith, Associate Director of OD"
EDI_LEAD = "Equality & Diversity Lead"
VICTORIA = "Victoria Parsons, Associate Director of Corporate Governance"


def seed_rows() -> tuple[list[str], list[list[str]]]:
    """The seed 000 header and its 17 action rows (page-header repeats dropped)."""
    lines = SEED_000.read_text(encoding="utf-8").splitlines()
    rows = list(csv.reader(lines, delimiter="\t"))
    header = rows[0]
    actions = [r for r in rows[1:] if r and re.fullmatch(r"\d+\.\d+", r[0])]
    return header, actions


def seed_lines_with_repeats() -> list[list[str]]:
    """The seed as printed: header, rows, blank lines and the repeated (garbled) headers."""
    lines = SEED_000.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") if line else [] for line in lines]


def _cell(text: str, col: int, real_dates: bool) -> Any:
    if not text:
        return None
    if real_dates and col in (6, 7) and re.fullmatch(r"\d\d-[A-Z][a-z]{2}-\d\d", text):
        return datetime.strptime(text, "%d-%b-%y")
    return text


def build_trust_workbook(
    path: Path,
    *,
    title_rows: int = 2,
    repeats: bool = True,
    real_dates: bool = True,
    extra_column: str | None = None,
    extra_sheet: bool = False,
    merge_milestones: bool = False,
) -> Path:
    """The trust's workbook as HR keep it: title rows, the seed table as printed."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Action Plan"
    for i in range(title_rows):
        ws.cell(i + 1, 1, "Equality, Diversity & Inclusion Action Plan 2023/24" if i == 0 else None)
    r = title_rows + 1
    lines = seed_lines_with_repeats() if repeats else [seed_rows()[0], *seed_rows()[1]]
    header_seen = False
    theme_start: dict[str, int] = {}
    for values in lines:
        if values and values[0] == "#" and header_seen and not repeats:
            continue
        for c, text in enumerate(values):
            ws.cell(r, c + 1, _cell(text, c, real_dates))
        if values and values[0] == "#":
            if extra_column:
                ws.cell(r, len(values) + 1, extra_column)
            header_seen = True
        elif values and extra_column:
            ws.cell(r, len(values) + 1, f"note for {values[0]}")
        if values and values[0] != "#" and merge_milestones:
            theme_start.setdefault(values[1], r)
        r += 1
    if merge_milestones:  # merge each theme's first two rows, as people do
        for start in theme_start.values():
            if ws.cell(start + 1, 2).value == ws.cell(start, 2).value:
                ws.cell(start + 1, 2).value = None
                ws.merge_cells(start_row=start, start_column=2, end_row=start + 1, end_column=2)
    if extra_sheet:
        other = wb.create_sheet("Notes")
        other["A1"] = "Committee notes"
        other["B3"] = 42
        other["C4"] = "=B3*2"
    wb.save(path)
    return path


@pytest.fixture
def seed_workbook(tmp_path: Path) -> Path:
    return build_trust_workbook(tmp_path / "trust_plan.xlsx")


@pytest.fixture(scope="session")
def master_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The master of the seed workbook, made once per test run (tests get copies)."""
    from edi_xl.flows.refresh import new_master
    from edi_xl.tables.reader import read_plan

    folder = tmp_path_factory.mktemp("master-once")
    seed = build_trust_workbook(folder / "trust_plan.xlsx")
    path = folder / "master.xlsx"
    new_master(path, read_plan(seed), AS_AT, now=datetime(2023, 12, 18, 9, 0))
    return path


@pytest.fixture
def master(tmp_path: Path, seed_workbook: Path, master_once: Path) -> Path:
    """A master made by edi_xl from the seed workbook, as at 18 Dec 2023 (a fresh copy)."""
    path = tmp_path / "master.xlsx"
    shutil.copy2(master_once, path)
    return path


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared/ not found at {SHARED}: CI must have it")
        pytest.skip(f"shared/ not found at {SHARED} (it sits beside the project in CI)")
    return SHARED


def all_cells(path: Path) -> dict[tuple[str, str], Any]:
    """Every cell value of every sheet, keyed by (sheet, coordinate)."""
    wb = load_workbook(path)
    out: dict[tuple[str, str], Any] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    out[(ws.title, cell.coordinate)] = cell.value
    return out


WorkbookEditor = Callable[[Path, Callable[[Any], None]], None]


def edit_workbook(path: Path, edit: Callable[[Any], None]) -> None:
    """Open, change, save: as a user would in Excel."""
    wb = load_workbook(path)
    edit(wb)
    wb.save(path)


def plan_rows(path: Path) -> dict[str, dict[str, Any]]:
    """The Action Plan's rows of the master at ``path``: action id -> {header: value}."""
    ws = load_workbook(path)["Action Plan"]
    header = [c.value for c in ws[4]]
    return {
        str(r[0]): dict(zip(header, r, strict=False))
        for r in ws.iter_rows(min_row=5, values_only=True)
        if r[0]
    }


#: The trust layout's header row (seed 000), without its round columns.
TRUST_HEADERS = (
    "#",
    "Milestone",
    "Action (think SMART)",
    "Report / Action",
    "Protected Characteristic",
    "Action Owner",
    "Start Date",
    "Due Date",
    "Status",
)


def trust_layout_book(
    title: str, updates: tuple[str, ...] = ("Update as at 18 Sep 23",)
) -> tuple[Workbook, Any]:
    """A workbook whose "Action Plan" sheet has a title row and the trust's header row, with
    the round columns ``updates``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Action Plan"
    ws.append([title])
    ws.append([])
    ws.append([*TRUST_HEADERS, *updates])
    return wb, ws


def rewrite_part(path: Path, part: str, change: Any) -> None:
    """The package at ``path`` with ``part``'s bytes given by ``change(bytes)``."""
    with zipfile.ZipFile(path) as zf:
        items = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, change(data) if info.filename == part else data)


def seed_plan_rewritten(path: Path, change: Any, part: str = "xl/worksheets/sheet1.xml") -> Path:
    """An XlsxWriter workbook at ``path`` of seed 000's plan alone (:func:`add_seed_plan_sheet`),
    its sheet's part then given by ``change(bytes)`` (:func:`rewrite_part`): a file as some
    other program writes it."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    wb.close()
    rewrite_part(path, part, change)
    return path


def with_formula_results(
    path: Path, results: dict[str, Any], part: str = "xl/worksheets/sheet1.xml"
) -> None:
    """The formula cells in ``results`` (reference -> what Excel would show) of the sheet
    ``part`` (the first sheet's by default) given that result in the file, as Excel saves
    one (openpyxl saves none)."""

    def add(data: bytes) -> bytes:
        text = data.decode("utf-8")
        for ref, value in results.items():
            kind = ' t="str"' if isinstance(value, str) else ""
            text, n = re.subn(
                rf'<c r="{ref}"([^>]*?)(?: t="\w+")?><f>(.*?)</f><v\s*/?>(?:</v>)?</c>',
                rf'<c r="{ref}"\1{kind}><f>\2</f><v>{value}</v></c>',
                text,
            )
            assert n == 1, ref
        return text.encode("utf-8")

    rewrite_part(path, part, add)


def spanned_columns(data: bytes) -> bytes:
    """The sheet with neighbouring columns of the same settings saved as one span, as Excel
    and LibreOffice save them."""
    cols = re.search(rb"<cols>(.*?)</cols>", data, re.S)
    assert cols is not None
    spans: list[list[Any]] = []  # [min, max, the other attributes]
    for col in re.findall(rb"<col [^>]*/>", cols.group(1)):
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', col))
        lo, hi = int(attrs.pop(b"min")), int(attrs.pop(b"max"))
        if spans and spans[-1][1] == lo - 1 and spans[-1][2] == attrs:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi, attrs])
    text = b"".join(
        b'<col min="%d" max="%d" ' % (lo, hi)
        + b" ".join(b'%s="%s"' % item for item in sorted(attrs.items()))
        + b"/>"
        for lo, hi, attrs in spans
    )
    return data[: cols.start(1)] + text + data[cols.end(1) :]


def column_widths(path: Path, title: str) -> dict[int, float]:
    """Each column's width as the saved sheet gives it, span or not."""
    ws = load_workbook(path)[title]
    return {
        col: float(dim.width)
        for dim in ws.column_dimensions.values()
        for col in range(dim.min, dim.max + 1)
    }


def column_settings_in_file(path: Path, part: str) -> dict[int, tuple[float | None, bool, str]]:
    """Each column's (width, hidden, outline level) as the sheet ``part`` of the package at
    ``path`` sets it, read from its ``<cols>`` as a spreadsheet program reads them; fails when
    the ``<col>`` elements are out of order or overlap (Excel repairs such a file)."""
    from lxml import etree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read(part))
    out: dict[int, tuple[float | None, bool, str]] = {}
    last = 0
    for el in root.iterfind(f"{main}cols/{main}col"):
        lo, hi = int(el.get("min", "0")), int(el.get("max", "0"))
        assert last < lo <= hi <= 16384, f"<col min={lo} max={hi}> after column {last}"
        last = hi
        width = el.get("width")
        setting = (
            float(width) if width else None,
            el.get("hidden") in ("1", "true"),
            el.get("outlineLevel", "0"),
        )
        out.update(dict.fromkeys(range(lo, hi + 1), setting))
    return out


def column_edges(sheet_xml: bytes) -> list[int]:
    """The left edge of each column (0-based; the last one's right edge after it) of the sheet
    XML ``sheet_xml``, in pixels from its left, as Excel draws its ``<cols>`` in Calibri 11
    (a digit 7 pixels wide): a width of w characters is trunc((256 w + 18) / 256 * 7)
    pixels, a hidden column none, one the sheet gives no width 64 pixels."""
    from lxml import etree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    widths = [64] * 16384
    for el in etree.fromstring(sheet_xml).iterfind(f"{main}cols/{main}col"):
        width = el.get("width")
        pixels = int((256 * float(width) + 18) / 256 * 7) if width else 64
        for col in range(int(el.get("min", "1")) - 1, int(el.get("max", "1"))):
            widths[col] = 0 if el.get("hidden") in ("1", "true") else pixels
    edges = [0]
    for pixels in widths:
        edges.append(edges[-1] + pixels)
    return edges


def pixel_box(edges: list[int], corners: list[tuple[int, int]], unit: int = 1) -> tuple[int, int]:
    """(left, width) in pixels of an object whose corners are ``corners`` (0-based column,
    offset into it in ``unit``: 9525 for a drawing's EMU, 1 for a VML anchor's pixels), on a
    sheet whose columns run as ``edges`` (:func:`column_edges`) say; an offset past its
    column's right edge is at that edge, as Excel draws it."""

    def x(col: int, offset: int) -> float:
        return edges[col] + min(offset / unit, edges[col + 1] - edges[col])

    (first, first_off), (last, last_off) = corners
    left = x(first, first_off)
    return round(left), round(x(last, last_off) - left)


def sheet_part(path: Path, title: str) -> str:
    """The name of the part of sheet ``title`` in the package at ``path``."""
    from lxml import etree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(path) as zf:
        book = etree.fromstring(zf.read("xl/workbook.xml"))
        rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    rid = next(s.get(rel_id) for s in book.iterfind(f"{main}sheets/{main}sheet")
               if s.get("name") == title)  # fmt: skip
    target = next(r.get("Target", "") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def merge_one_update(master: Path, folder: Path, as_at: date, text: str, now: datetime) -> Any:
    """Make the round's owner returns for ``as_at`` in ``folder``, type ``text`` as the first
    action's update in the first owner's return (as the owner would, in Excel), and merge
    that return into ``master``: the merge's result."""
    from edi_xl.core.rounds import update_header
    from edi_xl.flows.merge import merge_returns
    from edi_xl.flows.owner_returns import make_owner_returns

    returned = make_owner_returns(master, folder, as_at).files[0].path
    wb = load_workbook(returned)
    ws = wb["Your actions"]
    header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
    header = [c.value for c in ws[header_row]]
    ws.cell(header_row + 1, header.index(update_header(as_at)) + 1).value = text
    wb.save(returned)
    return merge_returns(master, [returned], as_at=as_at, now=now)


def add_seed_plan_sheet(
    wb: Any, header_row: int = 1, title: str = "Action Plan"
) -> tuple[Any, int]:
    """An XlsxWriter workbook's sheet ``title`` holding seed 000 with its header on row
    ``header_row`` (1-based, as Excel numbers rows), every value as text as the seed has it:
    (the sheet, the number of actions)."""
    header, rows = seed_rows()
    ws = wb.add_worksheet(title)
    ws.write_row(header_row - 1, 0, header)
    for r, values in enumerate(rows, start=header_row):
        ws.write_row(r, 0, values)
    return ws, len(rows)


def tiny_png(path: Path) -> Path:
    """A 1 x 1 PNG picture at ``path``."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


@pytest.fixture(params=["edi_xl's reader", "openpyxl's reader"])
def either_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A test taking it runs twice: loading masters with edi_xl's fast reader, and with
    openpyxl's own reader (the one a package the fast reader does not take is read with)."""
    if request.param == "openpyxl's reader":
        from edi_xl.master import loading

        monkeypatch.setattr(loading, "_fast_can_read", lambda data: False)
    return str(request.param)
