"""Render a workbook as LibreOffice prints it and check every page reads well.

:func:`render_check` converts a workbook to PDF with LibreOffice (tests/libreoffice.py
:func:`~libreoffice.convert`), reads the box of every word on every page with
``pdftotext -bbox-layout`` (poppler-utils) and reports, as :class:`Problem` records:

- ``overlap``: two words drawn on top of each other;
- ``cut``: a word that crosses the line of its row (LibreOffice clips it: a wrapped cell whose
  row is too short) or leaves its cell for the area of the printed grid outside any cell;
- ``runs_into``: a word that runs from one filled cell into another (``31-Mar-24On`` where a
  due date meets the Status, ``22:191.9`` where a time meets an action number: pdftotext sees
  one word because the texts touch);
- ``hashes``: a number too wide for its column, printed as ``###``;
- ``header``: a word of a header cell (the sheet's repeated print-title row) missing from a
  page that prints that row, e.g. a long word broken in two because the column is too narrow;
- ``title_only`` / ``stranded``: a page of a sheet holding no rows of its own below the
  repeated titles, or only one or two while the sheet goes on over other pages; a block of
  rows (rows between blank rows) broken over two pages leaving one or two of its rows alone.

Where each cell lands on the page is measured, not guessed: a calibration copy of the workbook
(openpyxl, same column widths, row heights, fonts, merges and print setup) has every filled
cell's text replaced by a short marker word naming the cell, in the cell's font, top-left;
its PDF gives each cell's top-left corner on each page. Charts are not copied (a copied chart
would draw its cells' markers as its legend and labels, somewhere else on the page): an empty
chart of the same size in the same place keeps the printed area, and so the scale, the same;
words inside a chart are only checked for overlap.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from libreoffice import _run, convert
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.chart import BarChart
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

#: Points a word may stick out of its cell, or into another word, before it counts.
TOLERANCE = 0.8
#: Fewest rows of a sheet's own on a page, or of a block of rows left alone on a page.
MIN_ROWS = 3


@dataclass(frozen=True)
class Word:
    """A word on a page, as pdftotext reads it: text and box (points, y down)."""

    page: int  # 1-based
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def __str__(self) -> str:
        return f"{self.text!r} at ({self.x0:.0f}, {self.y0:.0f})"


@dataclass(frozen=True)
class Problem:
    kind: str
    page: int
    sheet: str | None
    message: str

    def __str__(self) -> str:
        return f"page {self.page} ({self.sheet or '?'}): {self.kind}: {self.message}"


@dataclass
class RenderReport:
    pdf: Path
    pages: list[str | None]  # the sheet printed on each page
    problems: list[Problem] = field(default_factory=list)

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    def of(self, kind: str) -> list[Problem]:
        return [p for p in self.problems if p.kind == kind]

    def pages_of(self, sheet: str) -> list[int]:
        return [i for i, s in enumerate(self.pages, start=1) if s == sheet]

    def __str__(self) -> str:
        lines = [f"{self.pdf.name}: {len(self.pages)} pages, {len(self.problems)} problems"]
        lines += [f"  {p}" for p in self.problems[:60]]
        if len(self.problems) > 60:
            lines.append(f"  ... and {len(self.problems) - 60} more")
        return "\n".join(lines)


# --- words of a PDF ------------------------------------------------------------------------


def pdf_words(pdf: Path) -> list[list[Word]]:
    """The words of each page of ``pdf`` with their boxes (``pdftotext -bbox-layout``)."""
    proc = _run(["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(pdf), "-"], 120)
    if proc.returncode != 0:
        raise AssertionError(f"pdftotext -bbox-layout {pdf} failed: {proc.stderr.strip()}")
    ns = "{http://www.w3.org/1999/xhtml}"
    root = ET.fromstring(proc.stdout)
    pages: list[list[Word]] = []
    for number, page in enumerate(root.iter(f"{ns}page"), start=1):
        pages.append(
            [
                Word(
                    number,
                    w.text or "",
                    float(w.get("xMin", 0)),
                    float(w.get("yMin", 0)),
                    float(w.get("xMax", 0)),
                    float(w.get("yMax", 0)),
                )
                for w in page.iter(f"{ns}word")
            ]
        )
    return pages


def overlaps(a: Word, b: Word, tolerance: float = TOLERANCE) -> bool:
    """Whether the boxes of ``a`` and ``b`` share more than ``tolerance`` points each way.

    A word's box runs from the top of its tallest letter to the foot of its lowest, so the
    boxes of two lines of one paragraph touch; they share far less than a line's height.
    """
    dx = min(a.x1, b.x1) - max(a.x0, b.x0)
    dy = min(a.y1, b.y1) - max(a.y0, b.y0)
    height = min(a.y1 - a.y0, b.y1 - b.y0)
    return dx > tolerance and dy > max(tolerance, 0.25 * height)


def overlapping_words(words: list[Word]) -> list[tuple[Word, Word]]:
    """Pairs of words of one page drawn over each other (a sweep down the page)."""
    found: list[tuple[Word, Word]] = []
    active: list[Word] = []
    for word in sorted(words, key=lambda w: w.y0):
        active = [a for a in active if a.y1 > word.y0]
        found += [(a, word) for a in active if overlaps(a, word)]
        active.append(word)
    return found


# --- the calibration copy ------------------------------------------------------------------


def _visible(ws: Worksheet) -> bool:
    return ws.sheet_state == "visible"


def _hidden_rows_cols(ws: Worksheet) -> tuple[set[int], set[int]]:
    rows = {r for r, d in ws.row_dimensions.items() if d.hidden}
    cols: set[int] = set()
    for _key, d in ws.column_dimensions.items():
        if d.hidden:
            lo, hi = d.min or 0, d.max or 0
            cols |= set(range(lo, hi + 1)) if lo and hi else set()
    return rows, cols


@dataclass(frozen=True)
class Drawing:
    """Where a chart sits: its first and last cells (1-based); its size in EMU when it is
    anchored by its first cell and a size."""

    r0: int
    c0: int
    r1: int
    c1: int
    cx: int = 0
    cy: int = 0

    def holds(self, row: int, col: int) -> bool:
        return self.r0 <= row <= self.r1 and self.c0 <= col <= self.c1


def _chart_anchors(xlsx: Path) -> dict[str, list[Drawing]]:
    """Sheet name -> (first row, first col, last row, last col), 1-based, of each drawing
    (a chart): from its two anchor cells, or from its first cell and its size."""
    rel_ns = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    xdr = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
    out: dict[str, list[Drawing]] = {}
    sizes: dict[str, tuple[dict[int, float], dict[int, float]]] = {}
    with zipfile.ZipFile(xlsx) as z:
        names = set(z.namelist())

        def rels(part: str) -> dict[str, str]:
            p = PurePosixPath(part)
            rel_part = str(p.parent / "_rels" / f"{p.name}.rels")
            if rel_part not in names:
                return {}
            found = {}
            for r in ET.fromstring(z.read(rel_part)).iter(f"{rel_ns}Relationship"):
                target = r.get("Target", "")
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else str(PurePosixPath(*_normalise((p.parent / target).parts)))
                )
                found[r.get("Id", "")] = path
            return found

        book_rels = rels("xl/workbook.xml")
        for sheet in ET.fromstring(z.read("xl/workbook.xml")).iter(f"{main}sheet"):
            part = book_rels.get(sheet.get(rid, ""))
            if not part or part not in names:
                continue
            root = ET.fromstring(z.read(part))
            drawing = root.find(f"{main}drawing")
            if drawing is None:
                continue
            dpart = rels(part).get(drawing.get(rid, ""))
            if not dpart or dpart not in names:
                continue
            wb_sheet = sheet.get("name", "")
            for anchor in ET.fromstring(z.read(dpart)):
                frm, to = anchor.find(f"{xdr}from"), anchor.find(f"{xdr}to")
                ext = anchor.find(f"{xdr}ext")
                if frm is None:
                    continue
                r0 = int(frm.findtext(f"{xdr}row") or 0) + 1
                c0 = int(frm.findtext(f"{xdr}col") or 0) + 1
                if to is not None:
                    r1 = int(to.findtext(f"{xdr}row") or 0) + 1
                    c1 = int(to.findtext(f"{xdr}col") or 0) + 1
                elif ext is not None:
                    sizes[wb_sheet] = sizes.get(wb_sheet) or _emu_sizes(xlsx, wb_sheet)
                    r1, c1 = _cell_after(sizes[wb_sheet], r0, c0, ext)
                    cx, cy = int(ext.get("cx", 0)), int(ext.get("cy", 0))
                    out.setdefault(wb_sheet, []).append(Drawing(r0, c0, r1, c1, cx, cy))
                    continue
                else:
                    continue
                out.setdefault(wb_sheet, []).append(Drawing(r0, c0, r1, c1))
    return out


def _emu_sizes(xlsx: Path, sheet: str) -> tuple[dict[int, float], dict[int, float]]:
    """Column widths and row heights of ``sheet`` in EMU, as Excel lays out a drawing."""
    ws = load_workbook(xlsx)[sheet]
    widths, heights = _sizes(ws)
    return (
        {c: (w * 7 + 5) * 9525 for c, w in widths.items()},  # 7 px a character, 96 dpi
        {r: h * 12700 for r, h in heights.items()},
    )


def _cell_after(
    sizes: tuple[dict[int, float], dict[int, float]], r0: int, c0: int, ext: ET.Element
) -> tuple[int, int]:
    """The cell where a drawing at (r0, c0) of size ``ext`` (EMU) ends."""
    widths, heights = sizes
    c, left = c0, float(ext.get("cx", 0))
    while left > widths.get(c, 64 * 9525) and c < c0 + 200:
        left -= widths.get(c, 64 * 9525)
        c += 1
    r, down = r0, float(ext.get("cy", 0))
    while down > heights.get(r, 15 * 12700) and r < r0 + 1000:
        down -= heights.get(r, 15 * 12700)
        r += 1
    return r, c


def _normalise(parts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part == "..":
            if out:
                out.pop()
        elif part not in (".", ""):
            out.append(part)
    return out


def _filled(ws: Worksheet) -> dict[tuple[int, int], Any]:
    """(row, col) -> value of every cell holding something (merged ranges by their anchor)."""
    return {
        (r, c): cell.value
        for (r, c), cell in ws._cells.items()
        if not isinstance(cell, MergedCell) and cell.value not in (None, "")
    }


_ALPHABET = "abcdeghjkmnopqrsuvwxyz"  # no f, i, l, t: no ligatures (pdftotext reads "ﬁ")


def _code(n: int) -> str:
    """A short word naming marker ``n``: three letters or more."""
    letters = ""
    for _ in range(3):
        n, d = divmod(n, len(_ALPHABET))
        letters = _ALPHABET[d] + letters
    while n:
        n, d = divmod(n, len(_ALPHABET))
        letters = _ALPHABET[d] + letters
    return letters


def _calibration_copy(
    xlsx: Path, target: Path, anchors: dict[str, list[Drawing]]
) -> dict[str, tuple[int, int, int]]:
    """A copy of ``xlsx`` with every filled cell's text replaced by a marker naming it.

    Markers keep the cell's font (LibreOffice sizes a row without a set height by the fonts
    in it) and are short, so that they stay inside their cells. Returns marker ->
    (sheet index, row, column).
    """
    wb = load_workbook(xlsx)
    markers: dict[str, tuple[int, int, int]] = {}
    top_left = Alignment(horizontal="left", vertical="top")
    top_left_wrapped = Alignment(horizontal="left", vertical="top", wrap_text=True)
    for s, ws in enumerate(wb.worksheets):
        hidden_rows, hidden_cols = _hidden_rows_cols(ws)
        filled = {(r, c) for r, c in _filled(ws) if r not in hidden_rows and c not in hidden_cols}
        targets = set(filled)
        if filled:  # the first row and column of the filled area: every row and column
            rows = [r for r, _ in filled]
            cols = [c for _, c in filled]
            top, left = min(rows), min(cols)
            targets |= {(r, left) for r in range(top, max(rows) + 1)}
            targets |= {(top, c) for c in range(left, max(cols) + 1)}
        # openpyxl reads charts back, and a copied chart draws the texts of the cells it names
        # (its series' titles, its categories) as they are in the copy: markers, in the middle
        # of another page, which would put their cells there. Stand-ins draw no text.
        ws._charts = []
        for d in anchors.get(ws.title, []):
            if d.cx and d.cy:  # a stand-in chart of the same size keeps the printed area
                stand_in = BarChart()
                stand_in.width, stand_in.height = d.cx / 360_000, d.cy / 360_000  # cm
                ws.add_chart(stand_in, f"{get_column_letter(d.c0)}{d.r0}")
            else:
                targets |= {(d.r0, d.c0), (d.r1, d.c1)}
        for r, c in sorted(targets):
            cell = ws.cell(r, c)
            # Hidden cells keep their values: conditional formats may read them (the
            # Summary's look is keyed on its hidden column T).
            if isinstance(cell, MergedCell) or r in hidden_rows or c in hidden_cols:
                continue
            code = _code(len(markers))
            markers[code] = (s, r, c)
            cell.value = code
            wrap = bool(cell.alignment.wrap_text)  # LibreOffice sizes wrapped rows apart
            cell.alignment = top_left_wrapped if wrap else top_left
            cell.number_format = "@"
    wb.save(target)
    return markers


# --- where each cell is on each page -------------------------------------------------------


@dataclass
class PageGrid:
    """Where the rows and columns of one sheet fall on one page."""

    sheet: int
    col_left: dict[int, float]
    row_top: dict[int, float]
    col_right: dict[int, float] = field(default_factory=dict)
    row_bottom: dict[int, float] = field(default_factory=dict)

    def col_at(self, x: float) -> int | None:
        for c, left in self.col_left.items():
            if left <= x < self.col_right[c]:
                return c
        return None

    def row_at(self, y: float) -> int | None:
        for r, top in self.row_top.items():
            if top <= y < self.row_bottom[r]:
                return r
        return None


def _edges(
    starts: dict[int, float], sizes: dict[int, float], pad: float
) -> tuple[dict[int, float], dict[int, float]]:
    """Start and end of each row (or column) from the markers' positions and the sizes."""
    order = sorted(starts)
    begin = {i: starts[i] - pad for i in order}
    ratios = [
        (starts[b] - starts[a]) / sizes[a]
        for a, b in zip(order, order[1:], strict=False)
        if b == a + 1 and sizes.get(a)
    ]
    ratio = statistics.median(ratios) if ratios else 1.0
    end: dict[int, float] = {}
    for i, nxt in zip(order, [*order[1:], None], strict=True):
        if nxt is not None and nxt == i + 1:
            end[i] = begin[nxt]
        else:
            end[i] = begin[i] + ratio * sizes.get(i, 0.0)
    return begin, end


def _sizes(ws: Worksheet) -> tuple[dict[int, float], dict[int, float]]:
    """Column widths (characters) and row heights (points) as the workbook gives them."""
    default_w = ws.sheet_format.defaultColWidth or 8.43
    default_h = ws.sheet_format.defaultRowHeight or 15.0
    widths: dict[int, float] = {}
    for c in range(1, ws.max_column + 60):
        d = ws.column_dimensions.get(get_column_letter(c))
        widths[c] = d.width if d is not None and d.width else default_w
    for d in ws.column_dimensions.values():
        if d.min and d.max and d.width:
            for c in range(d.min, d.max + 1):
                widths[c] = d.width
    heights: dict[int, float] = {}
    for r in range(1, ws.max_row + 60):
        d = ws.row_dimensions.get(r)
        heights[r] = d.height if d is not None and d.height else default_h
    return widths, heights


# --- the check -----------------------------------------------------------------------------

_HASHES = re.compile(r"^#{2,}$")


def _token(text: str) -> str:
    return text.strip(".,;:()[]\"'")


def render_check(xlsx: Path, workdir: Path | None = None) -> RenderReport:
    """Render ``xlsx`` and check every printed page (see the module docstring)."""
    xlsx = Path(xlsx)
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="render-check-")
        workdir = Path(tmp.name)
    workdir = Path(workdir)
    try:
        return _check(xlsx, workdir)
    finally:
        if tmp is not None:
            tmp.cleanup()


def _check(xlsx: Path, workdir: Path) -> RenderReport:
    pdf = convert(xlsx, "pdf", workdir / "render")
    anchors = _chart_anchors(xlsx)
    calib_xlsx = workdir / "calibration" / f"{xlsx.stem}.xlsx"
    calib_xlsx.parent.mkdir(parents=True, exist_ok=True)
    markers = _calibration_copy(xlsx, calib_xlsx, anchors)
    calib_pdf = convert(calib_xlsx, "pdf", workdir / "calibration-pdf")

    wb = load_workbook(xlsx)
    sheets = wb.worksheets
    pages = pdf_words(pdf)
    calib = pdf_words(calib_pdf)
    report = RenderReport(pdf=pdf, pages=[None] * len(pages))
    if len(calib) != len(pages):
        raise AssertionError(
            f"{xlsx.name}: the calibration copy prints {len(calib)} pages, the workbook "
            f"{len(pages)}: cannot tell where the cells are"
        )
    grids: list[PageGrid | None] = []
    for number, words in enumerate(calib, start=1):
        marks = [(m, w) for w in words if (m := markers.get(w.text))]
        if not marks:
            grids.append(None)
            continue
        s = marks[0][0][0]
        lefts: dict[int, list[float]] = {}
        tops: dict[int, list[float]] = {}
        for (_, r, c), w in marks:
            lefts.setdefault(c, []).append(w.x0)
            tops.setdefault(r, []).append(w.y0)
        ws = sheets[s]
        widths, heights = _sizes(ws)
        grid = PageGrid(
            s,
            {c: min(v) for c, v in lefts.items()},
            {r: min(v) for r, v in tops.items()},
        )
        grid.col_left, grid.col_right = _edges(grid.col_left, widths, 0.3)
        grid.row_top, grid.row_bottom = _edges(grid.row_top, heights, 0.3)
        grids.append(grid)
        report.pages[number - 1] = ws.title

    for number, (words, grid) in enumerate(zip(pages, grids, strict=True), start=1):
        sheet = report.pages[number - 1]
        for a, b in overlapping_words(words):
            report.problems.append(Problem("overlap", number, sheet, f"{a} and {b} overlap"))
        for w in words:
            if _HASHES.match(w.text):
                report.problems.append(
                    Problem("hashes", number, sheet, f"{w}: a number too wide for its column")
                )
        if grid is not None:
            _check_cells(report, number, words, grid, sheets[grid.sheet], anchors)
    for s, ws in enumerate(sheets):
        if _visible(ws):
            _check_pages(report, s, ws, grids)
            _check_header(report, ws, pages, grids)
    return report


def _cell_owner(
    ws: Worksheet, merged: dict[tuple[int, int], tuple[int, int, int, int]], r: int, c: int
) -> tuple[int, int]:
    if (r, c) in merged:
        r0, c0, _, _ = merged[(r, c)]
        return r0, c0
    return r, c


def _check_cells(
    report: RenderReport,
    number: int,
    words: list[Word],
    grid: PageGrid,
    ws: Worksheet,
    anchors: dict[str, list[Drawing]],
) -> None:
    sheet = ws.title
    filled = _filled(ws)
    merged: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for rng in ws.merged_cells.ranges:
        box = (rng.min_row, rng.min_col, rng.max_row, rng.max_col)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = box
    charts = anchors.get(sheet, [])
    if not grid.row_top or not grid.col_left:
        return
    top = min(grid.row_top.values())
    bottom = max(grid.row_bottom.values())
    left = min(grid.col_left.values())
    right = max(grid.col_right.values())

    def wrapped(r: int, c: int) -> bool:
        align = ws.cell(r, c).alignment
        return bool(align is not None and align.wrap_text)

    for w in words:
        if w.y1 < top - TOLERANCE or w.y0 > bottom + TOLERANCE:
            continue  # the page header or footer
        if w.x1 < left - TOLERANCE or w.x0 > right + TOLERANCE:
            continue
        r_top = grid.row_at(w.y0 + TOLERANCE)
        r_bottom = grid.row_at(w.y1 - TOLERANCE)
        c_first = grid.col_at(w.x0 + TOLERANCE)
        c_last = grid.col_at(w.x1 - TOLERANCE)
        rows = [r for r in (r_top, r_bottom) if r is not None]
        cols = [c for c in (c_first, c_last) if c is not None]
        if rows and cols and any(d.holds(rows[0], cols[0]) for d in charts):
            continue  # a chart's own text
        if r_top is None or r_bottom is None or c_first is None or c_last is None:
            report.problems.append(
                Problem("cut", number, sheet, f"{w} sticks out of the printed cells")
            )
            continue
        owners_top = _cell_owner(ws, merged, r_top, c_first)
        owners_bottom = _cell_owner(ws, merged, r_bottom, c_first)
        if owners_top[0] != owners_bottom[0]:
            report.problems.append(
                Problem(
                    "cut",
                    number,
                    sheet,
                    f"{w} crosses the line between rows {r_top} and {r_bottom} "
                    f"(column {get_column_letter(c_first)}): the row is too short for its text",
                )
            )
            continue
        spanned = {_cell_owner(ws, merged, r_top, c) for c in range(c_first, c_last + 1)}
        full = sorted(cell for cell in spanned if cell in filled)
        if len(full) > 1:
            names = " and ".join(f"{get_column_letter(c)}{r}" for r, c in full)
            report.problems.append(
                Problem("runs_into", number, sheet, f"{w}: the texts of {names} run together")
            )
            continue
        if full:
            r, c = full[0]
            if len(spanned) > 1 and wrapped(r, c):
                report.problems.append(
                    Problem(
                        "cut",
                        number,
                        sheet,
                        f"{w}: wider than its wrapped cell {get_column_letter(c)}{r}",
                    )
                )
            continue
        # In empty cells only: text spilling over from a filled cell of the same row that is
        # not wrapped (a title) is fine; anything else is a line cut off below its own row.
        row_cells = sorted(c for (r, c) in filled if r == owners_top[0])
        if not any(not wrapped(owners_top[0], c) for c in row_cells):
            report.problems.append(
                Problem(
                    "cut",
                    number,
                    sheet,
                    f"{w} is printed in the empty cell {get_column_letter(c_first)}{r_top}: "
                    "text spilling out of the row above",
                )
            )


def _title_rows(ws: Worksheet) -> set[int]:
    titles = ws.print_title_rows
    if not titles:
        return set()
    first, _, last = str(titles).replace("$", "").partition(":")
    return set(range(int(first), int(last or first) + 1))


def _check_pages(report: RenderReport, s: int, ws: Worksheet, grids: list[PageGrid | None]) -> None:
    mine = [(i + 1, g) for i, g in enumerate(grids) if g is not None and g.sheet == s]
    if not mine:
        return
    titles = _title_rows(ws)
    filled_rows = {r for (r, _) in _filled(ws)}
    per_page = [
        (n, sorted(r for r in g.row_top if r in filled_rows and r not in titles)) for n, g in mine
    ]
    body_total = sum(len(rows) for _, rows in per_page)
    for n, rows in per_page:
        if not rows:
            report.problems.append(
                Problem("title_only", n, ws.title, "the page holds only the repeated titles")
            )
        elif len(per_page) > 1 and len(rows) < min(MIN_ROWS, body_total):
            report.problems.append(
                Problem(
                    "stranded",
                    n,
                    ws.title,
                    f"only {len(rows)} row(s) of the sheet on this page (rows {rows})",
                )
            )
    # A block of rows (between blank rows) broken over a page end leaving few rows on a side.
    for (n, rows), (_, nxt) in zip(per_page, per_page[1:], strict=False):
        if not rows or not nxt:
            continue
        tail = _block_ending(rows, filled_rows)
        head = _block_starting(nxt, filled_rows)
        if tail and head and tail[-1] + 1 == head[0]:  # the block goes on over the break
            for side, part, page in (("foot", tail, n), ("top", head, n + 1)):
                if len(part) < MIN_ROWS and len(part) < len(tail) + len(head):
                    report.problems.append(
                        Problem(
                            "stranded",
                            page,
                            ws.title,
                            f"rows {part} stranded at the {side} of the page, apart from the "
                            "rest of their block",
                        )
                    )


def _block_ending(rows: list[int], filled: set[int]) -> list[int]:
    out: list[int] = []
    for r in reversed(rows):
        if out and r != out[0] - 1:
            break
        out.insert(0, r)
    return out


def _block_starting(rows: list[int], filled: set[int]) -> list[int]:
    out: list[int] = []
    for r in rows:
        if out and r != out[-1] + 1:
            break
        out.append(r)
    return out


def _check_header(
    report: RenderReport, ws: Worksheet, pages: list[list[Word]], grids: list[PageGrid | None]
) -> None:
    titles = _title_rows(ws)
    if not titles:
        return
    header = max(titles)
    _, hidden_cols = _hidden_rows_cols(ws)
    texts = [
        (c, str(v))
        for (r, c), v in sorted(_filled(ws).items())
        if r == header and c not in hidden_cols and isinstance(v, str)
    ]
    for n, (words, grid) in enumerate(zip(pages, grids, strict=True), start=1):
        if grid is None or ws.parent.worksheets[grid.sheet] is not ws:
            continue
        if header not in grid.row_top:
            report.problems.append(
                Problem("header", n, ws.title, f"the header row {header} is not repeated")
            )
            continue
        y0, y1 = grid.row_top[header], grid.row_bottom[header]
        seen = {_token(w.text) for w in words if w.y1 > y0 - 6 and w.y0 < y1 + 6}
        # a sheet printed over pages across shows the headers of the page's columns only
        for _, text in ((c, t) for c, t in texts if c in grid.col_left):
            missing = [t for t in map(_token, text.split()) if t and t not in seen]
            if missing:
                report.problems.append(
                    Problem(
                        "header",
                        n,
                        ws.title,
                        f"header {text!r}: {', '.join(map(repr, missing))} not printed whole",
                    )
                )
