"""Print setup: landscape, one page wide (never tiny), header rows on every page, footer.

A sheet prints on landscape A4 one page wide when that keeps its text at :data:`MIN_SCALE` or
more. A wider sheet (an action plan two or three rounds wide) prints on landscape A3 one page
wide while that keeps the scale; a wider one still on A4, over as few pages across as keep
it. The paper size and "fit to N pages wide" decide the scale: both survive every save of the
master (the patch writer keeps them), and Excel and LibreOffice work the scale out from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.dates import long_date
from edi_xl.master.column_settings import column_setting, shown_width
from edi_xl.master.loading import extent

#: The smallest print scale (percent) edi_xl lets "one page wide" shrink a sheet to: below it,
#: text is too small to read, so a wider sheet prints at this scale over more pages across.
MIN_SCALE = 50
#: Width of landscape A4 and of landscape A3, in points.
_A4_LANDSCAPE_WIDTH = 841.9
_A3_LANDSCAPE_WIDTH = 1190.6
#: Height of landscape A4, in points.
PAGE_POINTS = 595.3
_SIDE_MARGIN = 0.4  # inches

#: The footer's centre and right as edi_xl writes them: "Page 2 of 5", the sheet's name.
PAGE_OF = "Page &P of &N"
SHEET_NAME = "&A"
#: The footer's left as :func:`footer_text` writes it, for any date.
_AS_AT_TEXT = re.compile(r"As at \d{1,2} \w+ \d{4}")
#: Codes in a footer's text that change how it looks, not what it says (openpyxl takes a
#: font, size and colour out of the text, but not these).
_FORMAT_CODES = re.compile(r"&[BIUESXY]")


def footer_text(as_at: date) -> str:
    return f"As at {long_date(as_at)}"


def _is_ours(place: str, text: str | None) -> bool:
    """Whether a footer section (``place``: left, center, right) holding ``text`` is free
    for edi_xl's text: empty, or holding what edi_xl writes there. What the trust typed there
    (a protective marking such as OFFICIAL-SENSITIVE, its logo, the file's name) is kept
    (helper-82: refresh wrote over the whole footer)."""
    if not text or not text.strip():
        return True
    # (as it reads on paper: without the codes that only format it, bold "&B" or
    # underline "&U" as a macro or another program writes them, nor outer spaces; an
    # as-at date a person made bold is still edi_xl's, and moves on with the round)
    shown = _FORMAT_CODES.sub("", text).strip()
    if place == "left":
        return _AS_AT_TEXT.fullmatch(shown) is not None
    return shown == (PAGE_OF if place == "center" else SHEET_NAME)


def printed_width(ws: Worksheet) -> float:
    """The width of the sheet's used columns at 100%, in points: Excel gives a character 7
    pixels at 96 dpi plus 5 pixels a column; LibreOffice about a sixth more, which is what
    is counted here, so that the estimate holds in both."""
    total = 0.0
    for col in range(1, extent(ws)[1] + 1):
        dim = column_setting(ws, col)
        if dim is not None and dim.hidden:
            continue
        width = shown_width(ws, col)
        total += (width * 8.2 + 5) * 0.75
    return total


def fit_scale(ws: Worksheet, *, paper_width: float = _A4_LANDSCAPE_WIDTH, pages: int = 1) -> int:
    """The scale (percent) that fits the used columns of ``ws`` on ``pages`` pages across of
    landscape paper ``paper_width`` points wide (A4 unless told)."""
    return _scale(printed_width(ws), paper_width, pages)


def _scale(printed: float, paper_width: float = _A4_LANDSCAPE_WIDTH, pages: int = 1) -> int:
    """:func:`fit_scale` for a sheet ``printed`` points wide at 100%."""
    usable = pages * (paper_width - 2 * _SIDE_MARGIN * 72)
    return max(10, min(100, int(100 * usable / max(printed, 1.0))))


@dataclass(frozen=True)
class Paper:
    """How a sheet prints: paper size (openpyxl's code), pages across and the scale that
    gives."""

    size: int
    width: float  # points, landscape
    pages_across: int
    scale: int


def choose_paper(ws: Worksheet, min_scale: int | None = MIN_SCALE) -> Paper:
    """A4 one page wide if that keeps ``min_scale``, else A3 one page wide if that does, else
    A4 over as few pages across as keep it (None: A4, always one page wide).

    Past one A3 page a reader turns pages either way: A4, which every printer has, then
    prints larger (two A4 pages across hold what one A3 page would at 70%)."""
    a4, a3 = int(ws.PAPERSIZE_A4), int(ws.PAPERSIZE_A3)
    printed = printed_width(ws)  # once: it goes through every cell of the sheet
    for size, width in ((a4, _A4_LANDSCAPE_WIDTH), (a3, _A3_LANDSCAPE_WIDTH)):
        scale = _scale(printed, paper_width=width)
        if min_scale is None or scale >= min_scale:
            return Paper(size, width, 1, scale)
    pages = 2
    while (scale := _scale(printed, pages=pages)) < (min_scale or 0):
        pages += 1
    return Paper(a4, _A4_LANDSCAPE_WIDTH, pages, scale)


def fit_to_width(
    ws: Worksheet,
    *,
    header_row: int | None = None,
    title_rows: str | None = None,
    min_scale: int | None = MIN_SCALE,
    title_col: int | None = None,
) -> None:
    """Landscape, as many pages tall as it takes and as few across as keep the text at
    ``min_scale`` or more (:func:`choose_paper`; None: A4, always one page wide).
    ``header_row`` (or the rows ``title_rows``, "1:4") is printed at the top of every page;
    the column ``title_col`` (1-based: the action numbers) at the left of every page when the
    sheet prints more than one page across, unless the sheet repeats columns of its own."""
    paper = choose_paper(ws, min_scale)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = paper.size
    ws.page_margins = PageMargins(
        left=_SIDE_MARGIN, right=_SIDE_MARGIN, top=0.6, bottom=0.6, header=0.3, footer=0.3
    )
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.page_setup.fitToWidth = paper.pages_across
    ws.page_setup.fitToHeight = 0
    ws.page_setup.scale = None
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    elif header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"
    if title_col is not None and paper.pages_across > 1 and not ws.print_title_cols:
        # (a page of update columns says which action each line is)
        letter = get_column_letter(title_col)
        ws.print_title_cols = f"{letter}:{letter}"


def apply_print_setup(
    ws: Worksheet,
    *,
    header_row: int | None,
    as_at: date,
    title_rows: str | None = None,
    min_scale: int | None = MIN_SCALE,
    title_col: int | None = None,
) -> None:
    """Fit to width (repeating ``header_row``, or ``title_rows``, on every page, and
    ``title_col`` on every page across) and the as-at / page / sheet footer, each in its
    section of the footer unless the trust has put something of its own there
    (:func:`_is_ours`)."""
    fit_to_width(
        ws, header_row=header_row, title_rows=title_rows, min_scale=min_scale, title_col=title_col
    )
    ours = {"left": footer_text(as_at), "center": PAGE_OF, "right": SHEET_NAME}
    for footer in (ws.oddFooter, ws.evenFooter):
        for place, text in ours.items():
            section = getattr(footer, place)
            if _is_ours(place, section.text):
                # (edi_xl's text made bold or underlined keeps those codes round it)
                had = section.text or ""
                section.text = _AS_AT_TEXT.sub(text, had) if _AS_AT_TEXT.search(had) else text


#: A range's bounds, 1-based: (first column, top row, last column, bottom row).
Bounds = tuple[int, int, int, int]


def grow_print_area(ws: Worksheet, grow: Callable[[Bounds], Bounds | None]) -> None:
    """Each range of the sheet's print area that ``grow`` gives new bounds takes them (the
    trust's print area over the plan takes the rows ``import --into`` adds under it, the
    round's new column beside it). A range of whole rows or columns ("$A:$J"), which
    openpyxl reads as no print area, is not here: the file keeps it as it is."""
    if not ws.print_area:
        return
    areas = [area.coord for area in ws._print_area]  # (a sheet's title may hold a comma)
    grown = []
    for ref in areas:
        first, top, last, bottom = range_boundaries(ref)
        if first is not None and top is not None and last is not None and bottom is not None:
            new = grow((first, top, last, bottom))
            if new is not None:
                a, t, b, e = new
                ref = f"{get_column_letter(a)}{t}:{get_column_letter(b)}{e}"
        grown.append(ref)
    if grown != areas:
        ws.print_area = grown
