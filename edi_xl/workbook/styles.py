"""Fonts, fills, the RAG colours and row heights used across the workbook."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from edi_xl.status import RAG

NHS_BLUE = "005EB8"
COMPUTED_GREY = "D9D9D9"

#: (fill, font colour) per RAG colour: Excel's own "good / neutral / bad" shades, plus blue.
RAG_COLOURS: dict[RAG, tuple[str, str]] = {
    RAG.GREEN: ("C6EFCE", "006100"),
    RAG.AMBER: ("FFEB9C", "9C5700"),
    RAG.RED: ("FFC7CE", "9C0006"),
    RAG.BLUE: ("BDD7EE", "1F4E78"),
}
OVERDUE_FILL = "FF0000"
OVERDUE_FONT = "FFFFFF"

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor=NHS_BLUE)
COMPUTED_HEADER_FONT = Font(bold=True, color="000000")
COMPUTED_HEADER_FILL = PatternFill("solid", fgColor=COMPUTED_GREY)
TITLE_FONT = Font(bold=True, size=14, color=NHS_BLUE)
SUBTITLE_FONT = Font(italic=True, color="595959")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
THIN = Side(style="thin", color="BFBFBF")
GRID_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


#: A default row, in points.
ROW_POINTS = 15.0


def row_height(cells: Iterable[tuple[Any, float]]) -> float:
    """A row height (points) that shows every wrapped value in full: ``cells`` are (value,
    column width) of the row's wrapped cells.

    Excel and LibreOffice do not grow rows to fit wrapped text in a file written by a
    program, so the height is estimated: about 1.15 characters per unit of column width,
    15 points a line.
    """
    lines = 1
    for value, width in cells:
        if not isinstance(value, str) or not value:
            continue
        per_line = max(1, int(width * 1.15))
        lines = max(lines, sum(-(-len(part) // per_line) or 1 for part in value.split("\n")))
    return min(409.0, ROW_POINTS * lines)
