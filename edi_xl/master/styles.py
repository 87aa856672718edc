"""Fonts, fills, the RAG colours and row heights used across the workbook."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.status import RAG

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
LEFT_TOP = Alignment(horizontal="left", vertical="top")
#: A log's or a list's cells: wrapped, and left-aligned whatever they hold, so that a number or
#: a date (right-aligned by default) never runs into the text of the next column
WRAP_TOP_LEFT = Alignment(wrap_text=True, vertical="top", horizontal="left")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
THIN = Side(style="thin", color="BFBFBF")
GRID_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


#: A default row, in points.
ROW_POINTS = 15.0
#: Characters of an average line of text per unit of column width (a unit is the width of a
#: digit; text is narrower on average, but words wrap whole and bold is wider).
CHARS_PER_WIDTH = 1.1


def wrapped_lines(text: str, width: float, chars_per_width: float = CHARS_PER_WIDTH) -> int:
    """How many lines ``text`` takes in a wrapped cell of ``width``: words wrap whole, as
    Excel and LibreOffice wrap them; a word longer than a line is broken."""
    per_line = max(1, int(width * chars_per_width) - 1)  # less the cell's padding
    if len(text) <= per_line and "\n" not in text:
        return 1  # it fits: its words and the spaces between them are no longer than it
    lines = 0
    for paragraph in text.split("\n"):
        used = 0
        lines += 1
        for word in paragraph.split():
            need = len(word) if used == 0 else used + 1 + len(word)
            if need <= per_line:
                used = need
                continue
            if used:
                lines += 1
            lines += (len(word) - 1) // per_line
            used = len(word) % per_line or per_line
    return lines


def row_height(
    cells: Iterable[tuple[Any, float]],
    *,
    line_points: float = ROW_POINTS,
    chars_per_width: float = CHARS_PER_WIDTH,
) -> float:
    """A row height (points) that shows every wrapped value in full: ``cells`` are (value,
    column width) of the row's wrapped cells.

    Excel and LibreOffice do not grow rows to fit wrapped text in a file written by a
    program, so the height is estimated by wrapping the words (:func:`wrapped_lines`),
    ``line_points`` a line (15 for 11-point text).
    """
    lines = 1
    for value, width in cells:
        if not isinstance(value, str) or not value:
            continue
        lines = max(lines, wrapped_lines(value, width, chars_per_width))
    return lines_height(lines, line_points)


def lines_height(lines: int, line_points: float = ROW_POINTS) -> float:
    """The height (points) of a row showing ``lines`` lines: Excel's tallest row at most."""
    return min(409.0, line_points * lines)


class ColumnLines:
    """:func:`wrapped_lines` for the texts of a table's columns of ``widths``, each text's
    lines worked out once per column: what :func:`row_height` counts, for the thousands of
    rows of edi_xl's own sheets, where a field's name, a status or an owner recur."""

    def __init__(self, widths: Iterable[float]) -> None:
        self._widths = list(widths)
        self._known: list[dict[str, int]] = [{} for _ in self._widths]

    def lines(self, index: int, text: str) -> int:
        """The lines ``text`` (not empty) takes in the 0-based column ``index``."""
        known = self._known[index]
        n = known.get(text)
        if n is None:
            n = known[text] = wrapped_lines(text, self._widths[index])
        return n


def row_height_setter(ws: Worksheet) -> Callable[[int, float], None]:
    """A fast ``ws.row_dimensions[row].height = height`` for the thousands of rows of edi_xl's
    own sheets: a row with no dimension yet gets a copy of what openpyxl made for the first
    such row of that height (its constructor checks a dozen attributes; heights are a few
    values). A row that has a dimension has its height set, nothing else."""
    dims = ws.row_dimensions
    made: dict[float, dict[str, Any]] = {}  # height -> the attributes of a new row of it

    def put(row: int, height: float) -> None:
        attributes = made.get(height)
        if attributes is None or row in dims:
            new = row not in dims
            dim = dims[row]
            dim.height = height
            if new and dim._style is None:
                made.setdefault(height, dict(dim.__dict__))
            return
        dim = RowDimension.__new__(RowDimension)
        dim.__dict__.update(attributes)
        dim.parent, dim._style, dim.index = ws, None, row
        dims[row] = dim

    return put


def style_header(cell: Any) -> None:
    """The look of a table's header cell in the sheets edi_xl makes: white bold on NHS blue,
    centred and wrapped, in the grid."""
    cell.font, cell.fill, cell.alignment, cell.border = (
        HEADER_FONT,
        HEADER_FILL,
        HEADER_ALIGN,
        GRID_BORDER,
    )


def alignment_setter(wb: Workbook, alignment: Alignment) -> Callable[[Cell | MergedCell], None]:
    """A fast ``cell.alignment = alignment`` for many cells of ``wb``.

    openpyxl hashes and compares the whole style object on every assignment (seconds for
    thousands of cells); this looks up its index in the workbook's styles once and stores
    that, which is what the assignment stores.
    """
    index = alignment_index(wb, alignment)

    def apply(cell: Cell | MergedCell) -> None:
        if cell._style is None:  # no style yet: what openpyxl does on assignment
            cell._style = StyleArray()
        cell._style.alignmentId = index

    return apply


def alignment_index(wb: Workbook, alignment: Alignment) -> int:
    """The index of ``alignment`` among the workbook's (added if new): what a cell's style
    array holds as its ``alignmentId`` once aligned so."""
    return wb._alignments.add(alignment)  # type: ignore[no-any-return]


def alignment_style(wb: Workbook, alignment: Alignment) -> StyleArray:
    """The style of a cell whose only look is ``alignment``, to make many new cells with
    (``Cell(ws, row, column, style_array=...)`` copies it): the same trick as
    :func:`alignment_setter`."""
    style = StyleArray()
    style.alignmentId = alignment_index(wb, alignment)
    return style


def wrap_top_setter(wb: Workbook) -> Callable[[Cell | MergedCell], None]:
    """:func:`alignment_setter` for :data:`WRAP_TOP`, edi_xl's look for text in a table."""
    return alignment_setter(wb, WRAP_TOP)
