"""The Summary sheet: the board view of the plan, on one page.

Written by every refresh (so by ``new``, ``refresh`` and ``merge``), from scratch each time: edi_xl
owns this sheet, and the same plan at the same as-at date gives the same sheet.

- RAG counts overall, by theme and by owner are formulas (COUNTIFS over the Action Plan columns
  where they are found this time, the status words taken from the Settings sheet), so they stay
  right while people edit the plan in Excel. Theme and owner names are values written by
  Python; a name Excel's COUNTIFS would read as a pattern (``*``, ``?``, ``~``, a leading
  ``<``, ``>`` or ``=``, more than 255 characters) or whose cells differ from it in spacing
  is counted with an exact SUMPRODUCT instead.
- Two native stacked bar charts (RAG by theme, RAG by owner) over those cells.
- The overdue list, the due-in-30-days list, the changes since the previous round (from the
  Change Log) and the coverage map of WRES / WDES / High Impact Actions, with gaps highlighted,
  are values as at the as-at date.
- The trend, last: the RAG counts at the end of each earlier round (values: history does not
  change when the plan is edited) and now (formulas reading the RAG status table), with a
  stacked column chart.
- A4 landscape, one page wide; the title names the trust and the as-at date.

The look does not depend on the plan. The buttons of a macro-enabled master (edi_xl.buttons)
rewrite this sheet through xlwings' VBA client, which can write values (formulas as text),
number formats and workbook-level names, and autofit rows, and nothing else. So everything that
changes with the plan or the as-at date is one of those, and everything else is the same
whatever the plan:

- no merged cells, no direct fonts, fills or borders below the title block (rows 1-2, always
  the same cells); rows of wrapped text get an estimated height (the one thing besides values
  that follows the data: a button has Excel fit the rows instead);
- alignment from column styles, copied onto every written cell as Excel does when a value is
  typed into an empty cell of a styled column;
- how a row looks (section title, table header, table line, total, note, coverage gap) comes
  from conditional formatting over fixed ranges, driven by a word in the hidden kind column
  (:data:`KIND_COLUMN`, see :data:`ROW_LOOKS`);
- the charts sit at fixed places with fixed sizes, and read workbook-level names
  (``[0]!EdiXlSummaryThemeNames``, ...) that each write points at the current rows.

A sheet called "Summary" that edi_xl did not make is never overwritten: the workbook-level
name ``EdiXlSummary`` marks ours.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart
from openpyxl.chart.data_source import AxDataSource, NumDataSource, NumRef, StrRef
from openpyxl.chart.series import Series, SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.dates import long_date
from edi_xl.core.model import Action, ActionPlan
from edi_xl.core.problems import Code, Problem, problem
from edi_xl.core.rules import Assessment
from edi_xl.core.status import RAG
from edi_xl.core.summary import (
    NO_OWNER,
    NO_THEME,
    RAG_ORDER,
    ListedAction,
    RagRow,
    Summary,
    group_key,
    summarise,
)
from edi_xl.core.text import plural
from edi_xl.master import sheets
from edi_xl.master.cells import new_cell, set_formula, set_plain, set_value
from edi_xl.master.loading import column_values, formula_cells, formula_result
from edi_xl.master.printing import PAGE_POINTS, apply_print_setup, fit_scale
from edi_xl.master.styles import (
    CHARS_PER_WIDTH,
    HEADER_FONT,
    NHS_BLUE,
    RAG_COLOURS,
    ROW_POINTS,
    SUBTITLE_FONT,
    THIN,
    TITLE_FONT,
    row_height,
    row_height_setter,
)

SUMMARY = "Summary"
MARKER_NAME = "EdiXlSummary"

#: Columns of the sheet. RAG tables: the name in A (shown across the empty B:C), counts in
#: D..G, total in H. Lists: A id / ref, B action / description, C owner / ids, D.. the rest.
LABEL_COL = 1
COUNT_COLS = {rag: 4 + i for i, rag in enumerate(RAG_ORDER)}  # D, E, F, G
TOTAL_COL = 8  # H
LAST_COL = TOTAL_COL
#: Column widths: the tables (A:H), a gap (I), the charts (J:S).
WIDTHS = {
    "A": 9,
    "B": 50,
    "C": 32,
    "D": 13,
    "E": 13,
    "F": 13,
    "G": 13,
    "H": 13,
    "I": 2,
    **{get_column_letter(c): 9 for c in range(10, 20)},
}
#: Alignment per column: every written cell gets its column's (Excel gives a value typed into
#: an empty cell its column's style; LibreOffice shows a written cell's own).
TOP = Alignment(vertical="top")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTRE_WRAP_TOP = Alignment(horizontal="center", vertical="top", wrap_text=True)
COLUMN_ALIGNMENT = {
    "A": TOP,
    "B": WRAP_TOP,
    "C": WRAP_TOP,
    **{get_column_letter(c): CENTRE_WRAP_TOP for c in range(4, LAST_COL + 1)},
}
#: The hidden column holding each row's kind: right of the charts, so that printing (the used
#: range, hidden columns left out) takes in the tables and the charts and nothing more. (No
#: print area: a bounded one would follow the data, and openpyxl can neither write nor read
#: back a whole-column one such as $A:$S.)
KIND_COLUMN = "T"
#: Where the sheet's :func:`fingerprint` is kept: the kind column's first row (hidden).
FINGERPRINT_CELL = f"{KIND_COLUMN}1"
_FINGERPRINT_AT = (1, column_index_from_string(KIND_COLUMN))
TITLE_ROW, NOTE_ROW = 1, 2  # the title block: the only cells with fonts of their own
TITLE_ROW_POINTS = 24.0  # a 14-point title and a little room before the first row
FIRST_ROW = 4  # the first row of the sections (kind-driven look from here down)
MAX_ROW = 1048576
#: The RAG status section is always first: its header row names the charts' series.
RAG_HEADER_ROW = FIRST_ROW + 1
#: The charts: top right, one above the other, fixed places and sizes (room for ~15 bars).
#: The first is shorter than the 22 rows down to the second at their least height (15 pt), so
#: they never overlap; taller rows beside the first (wrapped list lines, in a small plan) leave
#: a gap between them.
CHART_ANCHORS = ("J4", "J26")
#: The trend chart: below the second chart (22 rows of at least 15 pt further down).
TREND_CHART_ANCHOR = "J48"
CHART_WIDTH_CM = 17.0
CHART_HEIGHT_CM = 11.0
#: Bar colours of the charts: the NHS identity's green, warm yellow, emergency red and blue.
CHART_COLOURS = {RAG.GREEN: "009639", RAG.AMBER: "FFB81C", RAG.RED: "DA291C", RAG.BLUE: "005EB8"}
DATE_FORMAT = "dd mmm yyyy"
#: Fewest rows of a block of rows (between blank rows) a page break may leave on either side.
MIN_BLOCK_ROWS = 3
#: Rows of wrapped text get an estimated height (styles.row_height): LibreOffice keeps a row an
#: .xlsx leaves unset at one line; a button's Rows.AutoFit makes Excel fit them.

#: Characters that make a COUNTIFS criterion a pattern or a comparison.
_PATTERN_CHARS = ("*", "?", "~")
_COMPARISON_START = ("<", ">", "=")


# --- the look: conditional formatting driven by the kind column --------------------------------

_NONE = Side()
#: Borders by which sides are open: a RAG table's name in A runs over B and C, so those three
#: cells are boxed as one.
_BORDERS = {
    "": Border(left=THIN, right=THIN, top=THIN, bottom=THIN),
    "<": Border(left=THIN, right=_NONE, top=THIN, bottom=THIN),
    "=": Border(left=_NONE, right=_NONE, top=THIN, bottom=THIN),
    ">": Border(left=_NONE, right=THIN, top=THIN, bottom=THIN),
}
_GREY = "595959"
_GAP_FILL, _GAP_TEXT = RAG_COLOURS[RAG.RED]


def _fill(colour: str) -> PatternFill:
    """A solid fill for a conditional format: Excel takes a format's solid colour from the
    background colour, LibreOffice from the foreground one, so both are set."""
    return PatternFill("solid", start_color=colour, end_color=colour)


#: Looks by name: (font, fill, boxed). A name ending in "<", "=" or ">" is the boxed look with
#: those sides open (see _BORDERS).
_LOOKS: dict[str, tuple[Font | None, PatternFill | None, bool]] = {
    "section": (Font(bold=True, color=NHS_BLUE), None, False),
    "note": (Font(italic=True, color=_GREY), None, False),
    "header": (HEADER_FONT, _fill(NHS_BLUE), True),
    **{
        f"{rag.value} header": (
            Font(bold=True, color=RAG_COLOURS[rag][1]),
            _fill(RAG_COLOURS[rag][0]),
            True,
        )
        for rag in RAG_ORDER
    },
    "box": (None, None, True),
    "bold box": (Font(bold=True), None, True),
    "note box": (Font(italic=True, color=_GREY), None, True),
    "gap": (None, _fill(_GAP_FILL), True),
    "gap bold": (Font(bold=True, color=_GAP_TEXT), _fill(_GAP_FILL), True),
}

#: Each kind of row (the word in the kind column) and how its cells look: (first column,
#: last column, look) runs. Rows with no kind (blank lines) have no look.
ROW_LOOKS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "section": (("A", "A", "section"),),  # a section's title
    "note": (("A", "A", "note"),),  # a line of explanation, or "nothing to list"
    "rag-header": (
        ("A", "A", "header<"),
        ("B", "B", "header="),
        ("C", "C", "header>"),
        *(
            (get_column_letter(COUNT_COLS[rag]),) * 2 + (f"{rag.value} header",)
            for rag in RAG_ORDER
        ),
        ("H", "H", "header"),
    ),
    "rag-words": (
        ("A", "A", "note box<"),
        ("B", "B", "note box="),
        ("C", "C", "note box>"),
        ("D", "G", "note box"),
        ("H", "H", "box"),
    ),  # the status word counted
    "rag-line": (
        ("A", "A", "box<"),
        ("B", "B", "box="),
        ("C", "C", "box>"),
        ("D", "G", "box"),
        ("H", "H", "bold box"),
    ),  # a theme or an owner
    "rag-total": (
        ("A", "A", "bold box<"),
        ("B", "B", "bold box="),
        ("C", "C", "bold box>"),
        ("D", "H", "bold box"),
    ),  # all actions
    "list-header": (("A", "E", "header"),),  # overdue / due soon: five columns
    "list-line": (("A", "E", "box"),),
    "header": (("A", "D", "header"),),  # changes, coverage: four columns
    "line": (("A", "D", "box"),),
    "gap": (
        ("A", "A", "gap bold"),
        ("B", "B", "gap"),
        ("C", "C", "gap bold"),
        ("D", "D", "gap"),
    ),  # a coverage line with no live action
}


def _look(name: str) -> tuple[Font | None, PatternFill | None, Border | None]:
    sides = name[-1] if name[-1] in "<=>" else ""
    font, fill, boxed = _LOOKS[name.removesuffix(sides)]
    return copy(font), copy(fill), copy(_BORDERS[sides]) if boxed else None


def conditional_rules() -> list[tuple[str, str, str]]:
    """(range, formula, look) of the sheet's conditional formatting, in the order written.

    One rule per look and run of columns where the same kinds have that look, over every row
    from :data:`FIRST_ROW` down; the rows' kinds never overlap and neither do a kind's runs,
    so at most one rule holds for a cell (LibreOffice applies only the first that holds).
    """
    where: dict[str, dict[int, list[str]]] = {}
    for kind, runs in ROW_LOOKS.items():
        for first, last, look in runs:
            for col in range(column_index_from_string(first), column_index_from_string(last) + 1):
                where.setdefault(look, {}).setdefault(col, []).append(kind)
    out = []
    for look, cols in where.items():
        spans: list[list[Any]] = []
        for col in sorted(cols):
            if spans and spans[-1][1] == col - 1 and spans[-1][2] == cols[col]:
                spans[-1][1] = col
            else:
                spans.append([col, col, cols[col]])
        for first, last, kinds in spans:
            tests = [f'${KIND_COLUMN}{FIRST_ROW}="{kind}"' for kind in kinds]
            formula = tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"
            out.append(
                (
                    f"{get_column_letter(first)}{FIRST_ROW}:{get_column_letter(last)}{MAX_ROW}",
                    formula,
                    look,
                )
            )
    return out


def _add_conditional_formats(ws: Worksheet) -> None:
    for cells, formula, look in conditional_rules():
        font, fill, border = _look(look)
        ws.conditional_formatting.add(
            cells, FormulaRule(formula=[formula], font=font, fill=fill, border=border)
        )


# --- the charts' names --------------------------------------------------------------------------

#: The workbook-level names the charts read, per chart: the categories and one per colour.
CHART_NAMES = {
    "Theme": (
        f"{MARKER_NAME}ThemeNames",
        {rag: f"{MARKER_NAME}Theme{rag.value}" for rag in RAG_ORDER},
    ),
    "Owner": (
        f"{MARKER_NAME}OwnerNames",
        {rag: f"{MARKER_NAME}Owner{rag.value}" for rag in RAG_ORDER},
    ),
    "Trend": (
        f"{MARKER_NAME}TrendNames",
        {rag: f"{MARKER_NAME}Trend{rag.value}" for rag in RAG_ORDER},
    ),
}
#: The series' titles: the RAG header of the first table ("Green", "Amber", ...).
TITLE_NAMES = {rag: f"{MARKER_NAME}Title{rag.value}" for rag in RAG_ORDER}


def summary_names() -> list[str]:
    """Every workbook-level name the Summary sets, the marker first."""
    out = [MARKER_NAME, *TITLE_NAMES.values()]
    for names, per_colour in CHART_NAMES.values():
        out += [names, *per_colour.values()]
    return out


def _set_name(wb: Workbook, name: str, cells: str) -> None:
    """Point the workbook-level ``name`` at ``cells`` (kept in its place when it exists)."""
    attr = f"{sheet_ref(SUMMARY)}!{cells}"
    existing = wb.defined_names.get(name)
    if existing is not None:
        existing.attr_text = attr
    else:
        wb.defined_names[name] = DefinedName(name, attr_text=attr)


def _col_range(col: int, first: int, last: int) -> str:
    letter = get_column_letter(col)
    return f"${letter}${first}:${letter}${last}"


@dataclass(frozen=True)
class PlanColumns:
    """Where the Summary's formulas look on the plan sheet (1-based columns)."""

    sheet: Worksheet
    first_row: int
    last_row: int
    status: int
    theme: int | None
    owner: int | None

    def range(self, col: int) -> str:
        letter = get_column_letter(col)
        return f"{sheet_ref(self.sheet.title)}!${letter}${self.first_row}:${letter}${self.last_row}"


# --- formulas ---------------------------------------------------------------------------------


def sheet_ref(name: str) -> str:
    """A sheet name as a formula names it: quoted when it is not a plain word."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and not re.fullmatch(
        r"[A-Za-z]{1,3}\d+", name
    ):
        return name
    return "'" + name.replace("'", "''") + "'"


def countifs_safe(text: str) -> bool:
    """Whether COUNTIFS matches ``text`` as itself (no pattern, no comparison, not too long)."""
    return (
        bool(text)
        and len(text) <= 255
        and not text.startswith(_COMPARISON_START)
        and not any(ch in text for ch in _PATTERN_CHARS)
    )


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _word_criteria(wb: Workbook, words: dict[RAG, str]) -> dict[RAG, tuple[str, str | None]]:
    """Per colour: (COUNTIFS criterion, formula showing the word or None to show it as text).

    The Settings cell holding the word when it is there (so a word changed on Settings is
    counted at once), else the word itself.
    """
    found: dict[str, int] = {}
    if sheets.SETTINGS in wb.sheetnames:
        ws = wb[sheets.SETTINGS]
        for (r, c), cell in ws._cells.items():
            if c == 1 and isinstance(cell.value, str):
                found.setdefault(cell.value.strip().lower(), r)
    out: dict[RAG, tuple[str, str | None]] = {}
    for rag in RAG_ORDER:
        row = found.get(rag.value.lower())
        cell = wb[sheets.SETTINGS].cell(row, 2).value if row else None
        if isinstance(cell, str) and cell.strip() == words[rag]:
            ref = f"{sheet_ref(sheets.SETTINGS)}!$B${row}"
            out[rag] = (f"TRIM({ref})", f"={ref}")
        else:
            out[rag] = (_quoted(words[rag]), None)
    return out


def _clean(expr: str) -> str:
    """A range's text as :func:`edi_xl.core.summary.group_key` reads it: line breaks, tabs and
    non-breaking spaces (pasted from Word) as spaces, runs of spaces squeezed. UNICHAR is
    newer than the file format, so it is written with its "_xlfn." prefix, as Excel does."""
    for char in ("CHAR(13)", "CHAR(10)", "CHAR(9)", "_xlfn.UNICHAR(160)"):
        expr = f'SUBSTITUTE({expr},{char}," ")'
    return f"TRIM({expr})"


def _count_formula(
    conditions: Sequence[tuple[str, str, str, bool]],
) -> str:
    """COUNTIFS over (range, criterion, exact comparison, countifs_ok) conditions.

    When any condition cannot be a COUNTIFS criterion, all are written as one SUMPRODUCT of
    exact comparisons (``exact`` is that condition's array expression), each counted 1 where
    it is TRUE and 0 where it is FALSE or an error: a plan cell holding an error (a pasted
    ``#N/A``, a picture placed in the cell), which edi_xl reads as empty, made the whole count
    an error, where COUNTIFS passes over it (helper-85). ``ISNUMBER(1/(...))`` does this in
    every Excel (1/FALSE is an error); IFERROR, as IF, needs an array formula before Excel 365.
    """
    if all(ok for *_, ok in conditions):
        return "=COUNTIFS(" + ",".join(f"{rng},{crit}" for rng, crit, _, _ in conditions) + ")"
    return (
        "=SUMPRODUCT(" + ",".join(f"--ISNUMBER(1/({exact}))" for *_, exact, _ in conditions) + ")"
    )


# --- writing ---------------------------------------------------------------------------------


class _Writer:
    """Writes the sheet top to bottom, ``row`` being the next free row.

    Every written cell gets its column's style (alignment only) and, for dates, a number format;
    each row's kind goes into the kind column. Styles are worked out once per (column, number
    format), and each cell is made with its own copy of that style: openpyxl looks up every
    style set on a cell in a list, and makes each cell asked for through ``ws.cell``, both slow
    for many cells.
    """

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = FIRST_ROW
        self._set_height = row_height_setter(ws)
        self._styles: dict[tuple[int, str | None], StyleArray | None] = {}
        self._made: dict[tuple[int, type, Any], tuple[Any, str, StyleArray | None]] = {}
        self._kind_col = column_index_from_string(KIND_COLUMN)

    def _style(self, col: int, number_format: str | None) -> StyleArray | None:
        """The style of a cell of ``col`` written with ``number_format``, worked out once
        (None: no style, as in the kind column)."""
        key = (col, number_format)
        if key not in self._styles:
            column = self.ws.column_dimensions[get_column_letter(col)]
            model = Cell(self.ws, style_array=column._style)
            if number_format:
                model.number_format = number_format
            self._styles[key] = model._style
        return self._styles[key]

    def _styled(self, row: int, col: int, number_format: str | None) -> Cell:
        """A new cell at (``row``, ``col``) with its column's style (a cell made anew: the
        writer writes each cell once, on a sheet made empty)."""
        return new_cell(self.ws, row, col, self._style(col, number_format))

    def value(self, row: int, col: int, value: Any) -> None:
        """``value`` as data (:func:`~edi_xl.master.cells.set_value`, so text never becomes a
        formula). A value written before in the same column is copied from what set_value
        made of it then (kinds, owners, dates and counts recur thousands of times)."""
        if value is None or value == "":
            return
        kind = type(value)
        key = (col, kind, value) if kind in _SAME_AS_WRITTEN else None
        made = self._made.get(key) if key else None
        if made is None:
            fmt = DATE_FORMAT if isinstance(value, date) else None
            cell = self._styled(row, col, fmt)
            set_plain(cell, value, fmt)  # what set_value stores, faster
            if key:
                style = None if cell._style is None else StyleArray(cell._style)
                self._made[key] = (cell._value, cell.data_type, style)
            return
        new_cell(self.ws, row, col, made[2], made[0], made[1])

    def formula(self, row: int, col: int, formula: str) -> None:
        """One of edi_xl's own formulas (never text from a file)."""
        set_formula(self._styled(row, col, None), formula)

    def kind(self, kind: str) -> None:
        self.value(self.row, self._kind_col, kind)

    def line(self, kind: str, values: Sequence[Any]) -> None:
        """A row of ``kind`` with ``values`` from column A, as tall as its wrapped text."""
        self.kind(kind)
        for col, value in enumerate(values, start=1):
            self.value(self.row, col, value)
        self.fit(values)
        self.row += 1

    def fit(self, values: Sequence[Any], first_col: int = 1) -> None:
        """Give the row the height its wrapped ``values`` (from ``first_col``) need, if taller
        than one line. Only text may take more than one line: text of more than one
        paragraph, or longer than a line of its column (else every word fits;
        styles.wrapped_lines)."""
        wrapped = [
            (value, _WRAP_WIDTHS[col])
            for col, value in enumerate(values, start=first_col)
            if isinstance(value, str)
            and col in _LINE_CHARS
            and (len(value) > _LINE_CHARS[col] or "\n" in value)
        ]
        if wrapped:
            height = row_height(wrapped)
            if height > ROW_POINTS:
                self._set_height(self.row, height)

    def section(self, title: str) -> None:
        self.line("section", [title])

    def note(self, text: str) -> None:
        self.line("note", [text])

    def blank(self) -> None:
        self.row += 1


#: Types of values the same value of which is always written the same way (by _Writer.value).
_SAME_AS_WRITTEN = frozenset((str, int, float, bool, date, datetime))
#: The width of each column whose text wraps, by column number.
_WRAP_WIDTHS = {
    column_index_from_string(letter): WIDTHS[letter]
    for letter, alignment in COLUMN_ALIGNMENT.items()
    if alignment.wrap_text
}
#: The most characters a wrapped column's line holds (styles.wrapped_lines).
_LINE_CHARS = {col: max(1, int(width * CHARS_PER_WIDTH) - 1) for col, width in _WRAP_WIDTHS.items()}


def _rag_header(w: _Writer, label: str) -> None:
    w.line("rag-header", [label, None, None, *(rag.value for rag in RAG_ORDER), "Total"])


def _rag_table(
    w: _Writer,
    rows: list[RagRow],
    col: int | None,
    cols: PlanColumns,
    criteria: dict[RAG, tuple[str, str | None]],
    exact_status: dict[RAG, str],
    status_ok: bool,
    cells_ok: dict[str, bool],
    *,
    kind: str = "rag-line",
) -> tuple[int, int]:
    """The RAG table of ``rows`` grouped on plan column ``col``; (first, last) data row.
    (What is the same on every row, worked out once.)"""
    first = w.row
    status_range = cols.range(cols.status)
    status_conds = {
        rag: (status_range, criteria[rag][0], exact_status[rag], status_ok) for rag in RAG_ORDER
    }
    rng = cols.range(col) if col is not None else ""
    cleaned = _clean(rng) if col is not None else ""
    green, blue = (get_column_letter(COUNT_COLS[rag]) for rag in (RAG.GREEN, RAG.BLUE))
    for rag_row in rows:
        r = w.row
        w.kind(kind)
        w.value(r, LABEL_COL, rag_row.label)
        if col is None:
            cond = None
        elif rag_row.blank:
            # (a cell holding an error reads as empty, and is counted here: not "not empty")
            cond = (rng, '""', f'NOT(ISNUMBER(1/({cleaned}<>"")))', False)
        else:
            label_ref = f"$A{r}"
            ok = countifs_safe(rag_row.label) and cells_ok.get(group_key(rag_row.label), False)
            cond = (rng, label_ref, f"{cleaned}={label_ref}", ok)
        for rag in RAG_ORDER:
            # no such column on the plan: every action is in the blank group
            conditions = [status_conds[rag]] if cond is None else [cond, status_conds[rag]]
            w.formula(r, COUNT_COLS[rag], _count_formula(conditions))
        w.formula(r, TOTAL_COL, f"=SUM({green}{r}:{blue}{r})")
        w.row += 1
    return first, w.row - 1


def _chart(title: str, chart_key: str, direction: str = "bar") -> BarChart:
    """A stacked bar chart of RAG counts whose every reference is a workbook-level name
    (``direction`` "col": stacked columns, first category on the left)."""
    names, per_colour = CHART_NAMES[chart_key]
    chart = BarChart()
    chart.type = direction
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 60
    chart.title = title
    chart.style = 10
    for i, rag in enumerate(RAG_ORDER):
        series = Series(
            idx=i,
            order=i,
            tx=SeriesLabel(strRef=StrRef(f"[0]!{TITLE_NAMES[rag]}")),
            cat=AxDataSource(strRef=StrRef(f"[0]!{names}")),
            val=NumDataSource(numRef=NumRef(f"[0]!{per_colour[rag]}")),
        )
        series.graphicalProperties = GraphicalProperties(solidFill=CHART_COLOURS[rag])
        series.graphicalProperties.line.solidFill = CHART_COLOURS[rag]
        chart.append(series)
    if direction == "bar":
        chart.x_axis.scaling.orientation = "maxMin"  # first theme at the top, as in the table
    chart.x_axis.tickLblSkip = 1  # every name, not every other one
    chart.y_axis.scaling.min = 0
    chart.y_axis.numFmt = "0"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.title = "Actions"
    chart.y_axis.majorGridlines = None
    chart.legend.position = "b"
    chart.width = CHART_WIDTH_CM
    chart.height = CHART_HEIGHT_CM
    return chart


def _list_lines(
    w: _Writer,
    items: list[ListedAction],
    last_header: str,
    last_value: Callable[[ListedAction], Any],
    empty: str,
) -> None:
    w.line("list-header", ["#", "Action", "Action Owner", "Due Date", last_header])
    if not items:
        w.note(empty)
        return
    for item in items:
        due: Any = item.due if item.due else item.due_text
        w.line("list-line", [item.id or "(no #)", item.action, item.owner, due, last_value(item)])


def _value_at(ws: Worksheet, row: int, col: int) -> Any:
    """The value of a cell of ``ws`` (None when it has none), making no cell where there is
    none (as ``ws.cell`` would, for nothing)."""
    cell = ws._cells.get((row, col))
    return None if cell is None else cell._value  # (a merged cell's is None too)


def _column_values(plan_ws: Worksheet, rows: Sequence[int], col: int) -> list[Any]:
    """The values of column ``col`` of the plan in ``rows`` (the actions' rows), as COUNTIFS
    reads them: a formula's cell by the result saved with the file, where it has one."""
    values = column_values(plan_ws, rows, col)  # (no cell made)
    formulas = formula_cells(plan_ws, col)
    if not formulas:
        return values
    shown = {r: formula_result(cell) for r, cell in formulas.items()}
    return [
        value if shown.get(r) is None else shown[r] for r, value in zip(rows, values, strict=True)
    ]


def _cells_match(plan_ws: Worksheet, rows: Sequence[int], col: int | None) -> dict[str, bool]:
    """Per group key: whether every cell of the group (in the actions' ``rows``) reads as its
    label in COUNTIFS."""
    out: dict[str, bool] = {}
    if col is None:
        return out
    labels: dict[str, str] = {}
    seen: set[str] = set()  # text met before: the same again changes nothing
    for raw in _column_values(plan_ws, rows, col):
        if isinstance(raw, str):
            if raw in seen:
                continue
            seen.add(raw)
        text = "" if raw is None else str(raw)
        key = group_key(text)
        label = labels.setdefault(key, " ".join(text.split()))
        same = text.casefold() == label.casefold() and isinstance(raw, str)
        out[key] = out.get(key, True) and same
    return out


def _status_cells_ok(plan_ws: Worksheet, rows: Sequence[int], col: int) -> bool:
    """Whether every Status cell (in the actions' ``rows``) holds its text with no outer
    spaces (COUNTIFS is exact)."""
    return not any(
        isinstance(raw, str) and raw != raw.strip() for raw in _column_values(plan_ws, rows, col)
    )


def _marks_summary(marker: str) -> bool:
    """Whether the marker name's reference (``'Summary'!$A$1``) is on the Summary sheet."""
    return marker.split("!")[0].strip("'") == SUMMARY


def _our_sheet(wb: Workbook) -> tuple[Worksheet | None, bool]:
    """(the existing Summary sheet, whether it is ours). A sheet titled so but for case
    ("summary") is the trust's: Excel's titles ignore case, so edi_xl cannot add its own."""
    ws = sheets.sheet_titled(wb, SUMMARY)
    if ws is None:
        return None, True
    name = wb.defined_names.get(MARKER_NAME)
    ours = ws.title == SUMMARY and name is not None and _marks_summary(name.attr_text or "")
    return ws, ours


#: ``summary_sheet_not_ours`` when the trust's sheet titled "Summary" is the plan's.
PLAN_ON_SUMMARY = (
    "the plan is on a sheet called {sheet!r}, the title of edi_xl's own summary sheet: no "
    "Summary was written (rename the plan's sheet to get one)"
)


def is_the_trusts_summary(wb: Workbook, ws: Worksheet) -> bool:
    """Whether ``ws``, titled "Summary", is the trust's own sheet, not edi_xl's (no marker
    name on it): a plan may be kept on it."""
    existing, ours = _our_sheet(wb)
    return existing is ws and not ours


def made_again(names: dict[str, str]) -> list[str]:
    """The sheets a refresh makes again whole, found by the workbook's names (what each
    refers to): the Summary, when it is edi_xl's (its marker name is on it)."""
    return [SUMMARY] if _marks_summary(names.get(MARKER_NAME, "")) else []


def write_summary_sheet(
    wb: Workbook, summary: Summary, plan: ActionPlan, cols: PlanColumns
) -> list[Problem]:
    """(Re)write the Summary sheet for ``summary``; notes of what could not be done."""
    existing, ours = _our_sheet(wb)
    if not ours:
        template = PLAN_ON_SUMMARY if existing is cols.sheet else None
        title = existing.title if existing else SUMMARY
        return [problem(Code.SUMMARY_SHEET_NOT_OURS, template=template, sheet=title)]
    code_name = None  # an .xlsm's VBA knows the sheet by its code name: keep it
    state = "visible"  # (a Summary the trust hid stays hidden)
    if existing is not None:
        index = wb.sheetnames.index(SUMMARY)
        selected = existing.sheet_view.tabSelected
        code_name = existing.sheet_properties.codeName
        state = existing.sheet_state
        del wb[SUMMARY]
    else:
        index = wb.sheetnames.index(cols.sheet.title) + 1
        selected = False
    active = wb.active.title if wb.active is not None else None
    ws = wb.create_sheet(SUMMARY, index)
    ws.sheet_state = state
    ws.sheet_view.tabSelected = selected
    if code_name:
        ws.sheet_properties.codeName = code_name
    if active is not None and active in wb.sheetnames:
        wb.active = wb.sheetnames.index(active)
    _set_name(wb, MARKER_NAME, "$A$1")
    for rag in RAG_ORDER:
        _set_name(wb, TITLE_NAMES[rag], f"${get_column_letter(COUNT_COLS[rag])}${RAG_HEADER_ROW}")
    _layout(ws)
    _write_sections(ws, wb, summary, plan, cols)
    ws[FINGERPRINT_CELL] = fingerprint(ws, wb)
    return []


def fingerprint(ws: Worksheet, wb: Workbook) -> str:
    """A digest of what the sheet holds (values, formulas, number formats, the names the
    charts read): the same text for the same content. It sits in :data:`FINGERPRINT_CELL`, so
    a button can tell that a rewrite would change nothing (it reads values, not formulas)."""
    digest = hashlib.sha256()
    formats: dict[int, str] = {}  # by number format id: openpyxl looks each one up
    # ``repr((row, col, value, format))``, the part of a cell, is written as its row and
    # column and the rest, worked out once for each value and format (they recur thousands
    # of times) where every value equal to it and of its type has its repr: text, whole
    # numbers, dates, times with no zone and no fold (not floats: 0.0 and -0.0)
    tails: dict[tuple[Any, ...], str] = {}
    cells = ws._cells
    parts = []
    for key in sorted(cells):
        cell = cells[key]
        value = cell._value  # (what ``cell.value`` gives; a merged cell's is None)
        if value is None or key == _FINGERPRINT_AT:
            continue
        style = cell._style
        fmt_id = style[3] if style is not None else 0  # (its numFmtId)
        kind = type(value)
        tail_key: tuple[Any, ...] | None = None
        tail = None
        if kind in _SAME_REPR or (kind is datetime and value.tzinfo is None and not value.fold):
            tail_key = (kind, value, fmt_id)
            tail = tails.get(tail_key)
        if tail is None:
            fmt = formats.get(fmt_id)
            if fmt is None:
                fmt = formats[fmt_id] = cell.number_format
            tail = f"{value!r}, {fmt!r})"
            if tail_key is not None:
                tails[tail_key] = tail
        parts.append(f"({key[0]}, {key[1]}, {tail}")
    digest.update("".join(parts).encode())  # (one update of it all: the same digest)
    for name in summary_names():
        if name in wb.defined_names:
            digest.update(repr((name, wb.defined_names[name].attr_text)).encode())
    return f"edi_xl summary {digest.hexdigest()[:24]}"


#: Types each of whose values has one ``repr`` for all values equal to it (:func:`fingerprint`).
_SAME_REPR = frozenset((str, int, bool, date))


def _layout(ws: Worksheet) -> None:
    """What does not depend on the plan: columns, conditional formats, charts, printing."""
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    for letter, alignment in COLUMN_ALIGNMENT.items():
        ws.column_dimensions[letter].alignment = alignment
    ws.column_dimensions[KIND_COLUMN].hidden = True
    ws.sheet_view.showGridLines = False
    _add_conditional_formats(ws)
    for anchor, (title, key) in zip(
        CHART_ANCHORS,
        (("RAG by theme (Milestone)", "Theme"), ("RAG by action owner", "Owner")),
        strict=True,
    ):
        ws.add_chart(_chart(title, key), anchor)
    ws.add_chart(_chart("RAG status at the end of each round", "Trend", "col"), TREND_CHART_ANCHOR)


def _write_sections(
    ws: Worksheet, wb: Workbook, summary: Summary, plan: ActionPlan, cols: PlanColumns
) -> None:
    for row, text, font in (
        (TITLE_ROW, summary.title, TITLE_FONT),
        (
            NOTE_ROW,
            "The RAG counts follow your edits to the Action Plan as you make them. The lists "
            f"and the coverage map are as at {long_date(summary.as_at)}: press Refresh "
            "status to bring them up to date.",
            SUBTITLE_FONT,
        ),
    ):
        cell = ws.cell(row, 1)
        cell._style = copy(ws.column_dimensions["A"]._style)
        cell.font = font
        set_value(cell, text)
    # The title, repeated at the top of every printed page, with room below it.
    ws.row_dimensions[TITLE_ROW].height = TITLE_ROW_POINTS
    w = _Writer(ws)

    criteria = _word_criteria(wb, summary.words)
    status_range = cols.range(cols.status)
    exact_status = {rag: f"TRIM({status_range})={criteria[rag][0]}" for rag in RAG_ORDER}
    plan_rows = [action.origin.row for action in plan.actions if action.origin is not None]
    status_ok = _status_cells_ok(cols.sheet, plan_rows, cols.status) and all(
        countifs_safe(summary.words[rag]) for rag in RAG_ORDER
    )

    w.section("RAG status")
    assert w.row == RAG_HEADER_ROW  # the charts' series titles are named there
    _rag_header(w, "")
    w.kind("rag-words")
    w.value(w.row, LABEL_COL, "As written in the Status column")
    for rag in RAG_ORDER:
        shown = criteria[rag][1]
        if shown is None:
            w.value(w.row, COUNT_COLS[rag], summary.words[rag])
        else:
            w.formula(w.row, COUNT_COLS[rag], shown)
    # the words are Settings cells (formulas): the row is as tall as the words are now
    w.fit([summary.words[rag] for rag in RAG_ORDER], first_col=COUNT_COLS[RAG_ORDER[0]])
    w.row += 1
    overall_row, _ = _rag_table(
        w, [summary.overall], None, cols, criteria, exact_status, status_ok, {}, kind="rag-total"
    )
    w.note(
        f"{plural(summary.actions, 'action')} in the plan at the as-at date; "
        f"{summary.no_status} with "
        "no RAG status (blank, or a word that is not one of the Settings words)."
    )
    w.blank()

    for title, rows, col, key in (
        ("RAG status by theme (Milestone)", summary.by_theme, cols.theme, "Theme"),
        ("RAG status by action owner", summary.by_owner, cols.owner, "Owner"),
    ):
        w.section(title)
        names, per_colour = CHART_NAMES[key]
        if rows:
            _rag_header(w, "Milestone" if key == "Theme" else "Action Owner")
            cells_ok = _cells_match(cols.sheet, plan_rows, col)
            first, last = _rag_table(
                w, rows, col, cols, criteria, exact_status, status_ok, cells_ok
            )
        else:  # the chart's names still point at real cells: this note and the empty D:G
            first = last = w.row
            w.note("No actions yet.")
        _set_name(wb, names, _col_range(LABEL_COL, first, last))
        for rag in RAG_ORDER:
            _set_name(wb, per_colour[rag], _col_range(COUNT_COLS[rag], first, last))
        w.blank()

    as_at = summary.as_at
    w.section(f"Overdue at {long_date(as_at)} ({len(summary.overdue)})")
    _list_lines(w, summary.overdue, "Days overdue", lambda a: a.days_overdue, "Nothing is overdue.")
    w.blank()
    horizon = as_at + timedelta(days=summary.due_within_days)
    w.section(
        f"Due in the next {summary.due_within_days} days, to {long_date(horizon)} "
        f"({len(summary.due_soon)})"
    )
    _list_lines(
        w,
        summary.due_soon,
        "Days to go",
        lambda a: a.days_to_go(as_at),
        f"Nothing else is due by {long_date(horizon)}.",
    )
    w.blank()

    since = (
        f"the previous round ({long_date(summary.changes_since)})"
        if summary.changes_since
        else "the start of the Change Log"
    )
    w.section(f"Changes since {since}")
    w.line("header", ["#", "Action", "Status: from -> to", "Change"])
    if not summary.changes:
        w.note("No action became Red or complete, or moved back.")
    for kind in ("newly_red", "newly_blue", "moved_back"):
        for change in summary.changes_of(kind):
            old = "(blank)" if change.old in (None, "") else str(change.old)
            new = "(blank)" if change.new in (None, "") else str(change.new)
            w.line("line", [change.id, change.action, f"{old} -> {new}", change.kind_label])
    w.blank()

    gaps = len(summary.gaps)
    w.section(
        f"Coverage: WRES indicators, WDES metrics and High Impact Actions "
        f"({gaps} with no live action)"
    )
    w.note(
        "Live actions: actions not complete (Blue) whose Report / Action names it. "
        "WDES 4 and WDES 9 with no letter count for both parts."
    )
    w.line("header", ["Ref", "Indicator / metric / action", "Actions (#)", "Live actions"])
    for line in summary.coverage:
        ids = ", ".join(line.action_ids) if line.action_ids else "Gap: no live action"
        w.line("gap" if line.gap else "line", [line.label, line.description, ids, line.live])

    w.blank()
    _trend_section(w, wb, summary, overall_row)

    # The title (trust, as-at date) on every page: a footer cannot follow the as-at date when
    # a button rewrites the sheet, so the footer says no date.
    apply_print_setup(ws, header_row=TITLE_ROW, as_at=as_at, min_scale=None)  # one page wide
    ws.oddFooter.left.text = ws.evenFooter.left.text = None
    _keep_sections_together(ws)


def _chart_rows(height: Callable[[int], float]) -> list[tuple[int, int]]:
    """(first row, last row) each chart covers: its anchor row down to the row its fixed
    height reaches, with the rows as tall as they are."""
    points = CHART_HEIGHT_CM / 2.54 * 72
    spans = []
    for anchor in (*CHART_ANCHORS, TREND_CHART_ANCHOR):
        first = int(re.sub(r"^[A-Z]+", "", anchor))
        last, covered = first, height(first)
        while covered < points:
            last += 1
            covered += height(last)
        spans.append((first, last))
    return spans


def summary_page_breaks(wb: Workbook) -> list[int] | None:
    """The rows that start a new page of edi_xl's Summary sheet (after the first), as
    :func:`write_summary_sheet` set them: what ``edi-xl refresh`` saves, and what a button
    puts into the open workbook (:func:`edi_xl.buttons.bridge.set_page_breaks`). None when
    the workbook has no Summary of edi_xl's."""
    if SUMMARY not in wb.sheetnames or MARKER_NAME not in wb.defined_names:
        return None
    return sorted(b.id + 1 for b in wb[SUMMARY].row_breaks.brk if b.id)


def _keep_sections_together(ws: Worksheet, min_rows: int = 6) -> None:
    """Page breaks before a section that would otherwise start with fewer than ``min_rows`` of
    its rows at the foot of a page, and before a chart that would otherwise be cut by the end
    of a page (estimated from the row heights and the print scale). A break that would cut
    a chart goes before it; one that would leave a few rows of a block (the rows between two
    blank rows) on either side goes before the block.

    A page begun by a break added here holds at least ``min_rows`` rows before the next one
    added here: what does not fit below so few would not fit on the next page either. (The
    owners' section, broken before with its chart, had the overdue list start beside the
    chart, its first rows 400 pt tall; the break that list wanted went before the chart, one
    row after the first, and left the heading "RAG status by action owner" alone on a
    page.) A chart is measured by the rows it covers, a tall one beside it whole: a row is
    never split between pages, so the chart's fixed height alone would let it be cut."""
    ws.row_breaks.brk = []
    scale = (ws.page_setup.scale or fit_scale(ws)) / 100
    # between the top and bottom margins, less a tenth: LibreOffice's columns are wider than
    # estimated, so it prints smaller and fits fewer rows than this counts
    page = 0.9 * (PAGE_POINTS - 2 * 0.6 * 72) / scale
    kind_col = column_index_from_string(KIND_COLUMN)
    last_row = ws.max_row
    kinds = {r: _value_at(ws, r, kind_col) for r in range(1, last_row + 1)}
    heights = {r: dim.ht or ROW_POINTS for r, dim in ws.row_dimensions.items()}

    def height(r: int) -> float:
        return heights.get(r, ROW_POINTS)

    charts = _chart_rows(height)
    last_row = max(last_row, *(last for _, last in charts))

    def in_block(r: int) -> bool:
        return r > FIRST_ROW and bool(kinds.get(r)) and bool(kinds.get(r - 1))

    def break_before(r: int, after: int) -> int:
        """Where to break for a page that must end before row ``r`` (a row after ``after``,
        the last break)."""
        for first, last in charts:
            if first < r <= last:
                r = first  # the whole chart on the next page
        if not in_block(r):
            return r
        start = r
        while in_block(start):
            start -= 1
        end = r
        while kinds.get(end + 1):
            end += 1
        few = r - start < min_rows or end - r + 1 < MIN_BLOCK_ROWS
        inside_chart = any(first < start <= last for first, last in charts)
        return start if few and start > after + 1 and not inside_chart else r

    used = 0.0
    last_break = last_manual = 0  # (the last break, the last one added here)
    r = 1
    while r <= last_row:
        wanted = None
        if kinds.get(r) == "section" and r > FIRST_ROW:
            block = [r]
            while block[-1] + 1 <= last_row and kinds.get(block[-1] + 1):
                block.append(block[-1] + 1)
            if used + sum(height(x) for x in block[: min_rows + 1]) > page:
                wanted = r
        for first, last in charts:
            if r == first and used + sum(height(x) for x in range(first, last + 1)) > page:
                wanted = r
        if wanted is not None and r > last_break + 1:
            at = break_before(wanted, last_break)
            begun_here = last_break == last_manual  # (the page began at a break of ours)
            if at > last_break + 1 and not (begun_here and at <= last_manual + min_rows):
                ws.row_breaks.append(Break(id=at - 1))
                last_break = last_manual = at - 1
                used = height(TITLE_ROW)
                r = at
        used += height(r)
        if used > page:  # the page ran over by itself
            last_break = r - 1
            used = height(TITLE_ROW) + height(r)
        r += 1


def _trend_section(w: _Writer, wb: Workbook, summary: Summary, overall_row: int) -> None:
    """The RAG counts at the end of each round (values) and now (the RAG status table's
    formulas), and the names the trend chart reads."""
    w.section("Trend: RAG status at the end of each round")
    w.note(
        "Earlier rounds: the status each action had on the round's date, worked back from the "
        "Change Log. The last line is now: it follows the RAG status table above."
    )
    _rag_header(w, "Round (as at)")
    first = w.row
    for point in summary.trend:
        r = w.row
        if point.current:
            w.kind("rag-total")
            w.value(r, LABEL_COL, point.label)
            for rag in RAG_ORDER:
                letter = get_column_letter(COUNT_COLS[rag])
                w.formula(r, COUNT_COLS[rag], f"={letter}{overall_row}")
        else:
            w.kind("rag-line")
            w.value(r, LABEL_COL, point.label)
            for rag in RAG_ORDER:
                w.value(r, COUNT_COLS[rag], point.counts[rag])
        w.formula(
            r,
            TOTAL_COL,
            f"=SUM({get_column_letter(COUNT_COLS[RAG.GREEN])}{r}:"
            f"{get_column_letter(COUNT_COLS[RAG.BLUE])}{r})",
        )
        w.row += 1
    names, per_colour = CHART_NAMES["Trend"]
    _set_name(wb, names, _col_range(LABEL_COL, first, w.row - 1))
    for rag in RAG_ORDER:
        _set_name(wb, per_colour[rag], _col_range(COUNT_COLS[rag], first, w.row - 1))


def write_summary(
    wb: Workbook,
    plan: ActionPlan,
    assessments: Sequence[tuple[Action, Assessment]],
    as_at: date,
    settings: sheets.Settings,
    cols: PlanColumns,
) -> tuple[Summary, list[Problem]]:
    """Work out the figures of a refreshed plan and (re)write the Summary sheet.

    Call after the refresh has written the Status cells and the Change Log lines.
    """
    summary = summarise(
        plan,
        assessments,
        sheets.read_change_log(wb),
        as_at,
        settings.words,
        trust_name=settings.trust_name,
    )
    return summary, write_summary_sheet(wb, summary, plan, cols)


__all__ = [
    "FINGERPRINT_CELL",
    "KIND_COLUMN",
    "MARKER_NAME",
    "is_the_trusts_summary",
    "NO_OWNER",
    "NO_THEME",
    "ROW_LOOKS",
    "SUMMARY",
    "PlanColumns",
    "conditional_rules",
    "countifs_safe",
    "fingerprint",
    "made_again",
    "summary_names",
    "summary_page_breaks",
    "write_summary",
    "write_summary_sheet",
]
