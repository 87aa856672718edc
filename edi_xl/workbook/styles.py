"""Fonts, fills and the RAG colours used across the workbook."""

from __future__ import annotations

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
