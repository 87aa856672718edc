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
- A4 landscape, one page wide; the title names the trust and the as-at date.

A sheet called "Summary" that edi_xl did not make is never overwritten: the workbook-level
name ``EdiXlSummary`` marks ours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.model import Action, ActionPlan
from edi_xl.rules import Assessment
from edi_xl.status import RAG
from edi_xl.summary import (
    NO_OWNER,
    NO_THEME,
    RAG_ORDER,
    ListedAction,
    RagRow,
    Summary,
    group_key,
    summarise,
)
from edi_xl.workbook import sheets
from edi_xl.workbook.cells import set_value
from edi_xl.workbook.printing import apply_print_setup
from edi_xl.workbook.styles import (
    GRID_BORDER,
    HEADER_FILL,
    HEADER_FONT,
    NHS_BLUE,
    RAG_COLOURS,
    SUBTITLE_FONT,
    TITLE_FONT,
    WRAP_TOP,
)

SUMMARY = "Summary"
MARKER_NAME = "EdiXlSummary"

#: Columns of the sheet. RAG tables: the name across A:C, counts in D..G, total in H. Lists:
#: A id / ref, B action / description, C owner / ids, D.. the rest. Lists have no merged cells
#: (openpyxl is slow to load many).
LABEL_COL = 3
COUNT_COLS = {rag: 4 + i for i, rag in enumerate(RAG_ORDER)}  # D, E, F, G
TOTAL_COL = 8  # H
LAST_COL = TOTAL_COL
CHART_ANCHOR_COL = "J"
WIDTHS = {"A": 9, "B": 50, "C": 32, "D": 13, "E": 13, "F": 13, "G": 13, "H": 13, "I": 2}
#: Bar colours of the charts: the NHS identity's green, warm yellow, emergency red and blue.
CHART_COLOURS = {RAG.GREEN: "009639", RAG.AMBER: "FFB81C", RAG.RED: "DA291C",
                 RAG.BLUE: "005EB8"}
GAP_FILL = PatternFill("solid", fgColor=RAG_COLOURS[RAG.RED][0])
GAP_FONT = Font(bold=True, color=RAG_COLOURS[RAG.RED][1])
SECTION_FONT = Font(bold=True, size=12, color=NHS_BLUE)
NOTE_FONT = Font(italic=True, color="595959")
BOLD = Font(bold=True)
CENTRE = Alignment(horizontal="center")
CENTRE_TOP = Alignment(horizontal="center", vertical="top")
ROW_POINTS = 15.0  # a default row, in points
CM_PER_ROW = ROW_POINTS / 72 * 2.54

#: Characters that make a COUNTIFS criterion a pattern or a comparison.
_PATTERN_CHARS = ("*", "?", "~")
_COMPARISON_START = ("<", ">", "=")


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
        return (f"{sheet_ref(self.sheet.title)}!${letter}${self.first_row}:"
                f"${letter}${self.last_row}")


# --- formulas ---------------------------------------------------------------------------------


def sheet_ref(name: str) -> str:
    """A sheet name as a formula names it: quoted when it is not a plain word."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and not re.fullmatch(r"[A-Za-z]{1,3}\d+",
                                                                           name):
        return name
    return "'" + name.replace("'", "''") + "'"


def countifs_safe(text: str) -> bool:
    """Whether COUNTIFS matches ``text`` as itself (no pattern, no comparison, not too long)."""
    return (
        bool(text) and len(text) <= 255 and not text.startswith(_COMPARISON_START)
        and not any(ch in text for ch in _PATTERN_CHARS)
    )


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _word_criteria(wb: Workbook, words: dict[RAG, str]) -> dict[RAG, tuple[str, str]]:
    """Per colour: (COUNTIFS criterion, cell formula showing the word).

    The Settings cell holding the word when it is there (so a word changed on Settings is
    counted at once), else the word itself.
    """
    found: dict[str, int] = {}
    if sheets.SETTINGS in wb.sheetnames:
        ws = wb[sheets.SETTINGS]
        for (r, c), cell in ws._cells.items():
            if c == 1 and isinstance(cell.value, str):
                found.setdefault(cell.value.strip().lower(), r)
    out: dict[RAG, tuple[str, str]] = {}
    for rag in RAG_ORDER:
        row = found.get(rag.value.lower())
        cell = wb[sheets.SETTINGS].cell(row, 2).value if row else None
        if isinstance(cell, str) and cell.strip() == words[rag]:
            ref = f"{sheet_ref(sheets.SETTINGS)}!$B${row}"
            out[rag] = (f"TRIM({ref})", f"={ref}")
        else:
            out[rag] = (_quoted(words[rag]), _quoted(words[rag]))
    return out


def _clean(expr: str) -> str:
    """A range's text as :func:`edi_xl.summary.group_key` reads it: line breaks, tabs and
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
    exact comparisons (``exact`` is that condition's array expression).
    """
    if all(ok for *_, ok in conditions):
        return "=COUNTIFS(" + ",".join(f"{rng},{crit}" for rng, crit, _, _ in conditions) + ")"
    return "=SUMPRODUCT(" + ",".join(f"--({exact})" for _, _, exact, _ in conditions) + ")"


# --- writing ---------------------------------------------------------------------------------


class _Writer:
    """Writes the sheet top to bottom, ``row`` being the next free row.

    Styling cell by cell through openpyxl's attributes looks each style up in a list (slow
    for hundreds of cells), so each combination is applied once and then copied. The
    combinations are told apart by the style objects' identity: hashing openpyxl's style
    objects is itself slow (two objects that are equal only cost one more lookup).
    """

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 1
        self._styles: dict[tuple[tuple[str, int], ...], Any] = {}
        self._keep: list[Any] = []  # the style objects keyed by id(), kept alive

    def style(self, row: int, col: int, **style: Any) -> None:
        cell = self.ws.cell(row, col)
        if not style:
            return
        key = tuple(sorted((name, id(v)) for name, v in style.items()))
        proto = self._styles.get(key)
        if proto is None:
            for name, v in style.items():
                setattr(cell, name, v)
            self._styles[key] = copy(cell._style)
            self._keep.append(style)
        else:
            cell._style = copy(proto)

    def value(self, row: int, col: int, value: Any, **style: Any) -> None:
        self.style(row, col, **style)  # first: set_value may mark the cell as quoted text
        set_value(self.ws.cell(row, col), value, number_format=style.get("number_format"))

    def formula(self, row: int, col: int, formula: str, **style: Any) -> None:
        """One of edi_xl's own formulas (never text from a file)."""
        self.ws.cell(row, col).value = formula
        self.style(row, col, **style)

    def merge(self, row: int, first: int, last: int) -> None:
        """Merge before styling: openpyxl then has no borders to spread, which is slow."""
        if last > first:
            self.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)

    def section(self, title: str) -> None:
        self.value(self.row, 1, title, font=SECTION_FONT)
        self.row += 1

    def header(self, spans: Sequence[tuple[str, int, int]], fills: dict[int, PatternFill] | None
               = None, fonts: dict[int, Font] | None = None) -> None:
        for text, first, last in spans:
            self.merge(self.row, first, last)
            align = Alignment(wrap_text=True, vertical="center",
                              horizontal="center" if first > LABEL_COL else "left")
            self.value(self.row, first, text, font=(fonts or {}).get(first, HEADER_FONT),
                       fill=(fills or {}).get(first, HEADER_FILL), alignment=align,
                       border=GRID_BORDER)
            for col in range(first + 1, last + 1):
                self.style(self.row, col, border=GRID_BORDER)
        self.row += 1

    def line(self, values: Sequence[tuple[Any, int, int]], *,
             fill: PatternFill | None = None, fonts: dict[int, Font] | None = None,
             aligns: dict[int, Alignment] | None = None) -> None:
        lines = 1
        extra = {"fill": fill} if fill is not None else {}
        for value, first, last in values:
            self.merge(self.row, first, last)
            style: dict[str, Any] = {"alignment": (aligns or {}).get(first, WRAP_TOP),
                                     "border": GRID_BORDER, **extra}
            if isinstance(value, date):
                style["number_format"] = "dd mmm yyyy"
            if fonts and first in fonts:
                style["font"] = fonts[first]
            self.value(self.row, first, value, **style)
            for col in range(first + 1, last + 1):
                self.style(self.row, col, border=GRID_BORDER, **extra)
            if isinstance(value, str):
                width = sum(WIDTHS.get(get_column_letter(c), 12) for c in range(first, last + 1))
                per_line = max(1, int(width * 1.15))
                lines = max(lines, sum(-(-len(p) // per_line) or 1 for p in value.split("\n")))
        if lines > 1:
            self.ws.row_dimensions[self.row].height = min(409.0, ROW_POINTS * lines)
        self.row += 1

    def note(self, text: str) -> None:
        self.value(self.row, 1, text, font=NOTE_FONT)
        self.row += 1


def _rag_fills() -> dict[int, PatternFill]:
    return {COUNT_COLS[rag]: PatternFill("solid", fgColor=RAG_COLOURS[rag][0])
            for rag in RAG_ORDER}


def _rag_fonts() -> dict[int, Font]:
    return {COUNT_COLS[rag]: Font(bold=True, color=RAG_COLOURS[rag][1]) for rag in RAG_ORDER}


def _rag_header(w: _Writer, label: str) -> int:
    spans = [(label, 1, LABEL_COL)] + [(rag.value, COUNT_COLS[rag], COUNT_COLS[rag])
                                       for rag in RAG_ORDER] + [("Total", TOTAL_COL, TOTAL_COL)]
    row = w.row
    w.header(spans, fills=_rag_fills(), fonts=_rag_fonts())
    return row


def _rag_table(
    w: _Writer,
    rows: list[RagRow],
    col: int | None,
    cols: PlanColumns,
    criteria: dict[RAG, tuple[str, str]],
    exact_status: dict[RAG, str],
    status_ok: bool,
    cells_ok: dict[str, bool],
    *,
    bold: bool = False,
) -> tuple[int, int]:
    """The RAG table of ``rows`` grouped on plan column ``col``; (first, last) data row."""
    first = w.row
    status_range = cols.range(cols.status)
    for rag_row in rows:
        r = w.row
        w.merge(r, 1, LABEL_COL)
        w.value(r, 1, rag_row.label, alignment=WRAP_TOP, border=GRID_BORDER,
                **({"font": BOLD} if bold else {}))
        w.style(r, LABEL_COL, border=GRID_BORDER)
        for rag in RAG_ORDER:
            c = COUNT_COLS[rag]
            status_cond = (status_range, criteria[rag][0], exact_status[rag], status_ok)
            if col is None:  # no such column on the plan: every action is in the blank group
                formula = _count_formula([status_cond])
            else:
                rng = cols.range(col)
                label_ref = f"$A{r}"
                if rag_row.blank:
                    cond = (rng, '""', f'{_clean(rng)}=""', False)
                else:
                    ok = countifs_safe(rag_row.label) and cells_ok.get(group_key(rag_row.label),
                                                                       False)
                    cond = (rng, label_ref, f"{_clean(rng)}={label_ref}", ok)
                formula = _count_formula([cond, status_cond])
            w.formula(r, c, formula, border=GRID_BORDER, alignment=CENTRE)
        w.formula(r, TOTAL_COL, f"=SUM({get_column_letter(COUNT_COLS[RAG.GREEN])}{r}:"
                                f"{get_column_letter(COUNT_COLS[RAG.BLUE])}{r})",
                  border=GRID_BORDER, font=BOLD, alignment=CENTRE)
        w.row += 1
    return first, w.row - 1


def _chart(ws: Worksheet, title: str, header_row: int, first: int, last: int,
           biggest: int) -> BarChart:
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 60
    chart.title = title
    chart.style = 10
    data = Reference(ws, min_col=COUNT_COLS[RAG.GREEN], max_col=COUNT_COLS[RAG.BLUE],
                     min_row=header_row, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    for series, rag in zip(chart.series, RAG_ORDER, strict=True):
        series.graphicalProperties = GraphicalProperties(solidFill=CHART_COLOURS[rag])
        series.graphicalProperties.line.solidFill = CHART_COLOURS[rag]
    chart.x_axis.scaling.orientation = "maxMin"  # first theme at the top, as in the table
    chart.x_axis.tickLblSkip = 1  # every name, not every other one
    chart.y_axis.majorUnit = max(1, -(-biggest // 5))
    chart.y_axis.numFmt = "0"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.title = "Actions"
    chart.y_axis.majorGridlines = None
    chart.legend.position = "b"
    chart.width = 17.0
    chart.height = max(6.0, 3.5 + 1.0 * (last - first + 1))
    return chart


def _chart_rows(chart: BarChart) -> int:
    return int(chart.height / CM_PER_ROW) + 1


def _list_lines(w: _Writer, items: list[ListedAction], last_header: str, last_value: Any,
                empty: str) -> None:
    w.header([("#", 1, 1), ("Action", 2, 2), ("Action Owner", 3, 3), ("Due Date", 4, 4),
              (last_header, 5, 5)])
    if not items:
        w.note(empty)
        return
    for item in items:
        due: Any = item.due if item.due else item.due_text
        w.line([(item.id or "(no #)", 1, 1), (item.action, 2, 2), (item.owner, 3, 3),
                (due, 4, 4), (last_value(item), 5, 5)], aligns={5: CENTRE_TOP})


def _long_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _cells_match(plan_ws: Worksheet, actions: Sequence[Action], col: int | None) -> dict[str,
                                                                                          bool]:
    """Per group key: whether every cell of the group reads as its label in COUNTIFS."""
    out: dict[str, bool] = {}
    if col is None:
        return out
    labels: dict[str, str] = {}
    for action in actions:
        if action.origin is None:
            continue
        raw = plan_ws.cell(action.origin.row, col).value
        text = "" if raw is None else str(raw)
        key = group_key(text)
        label = labels.setdefault(key, " ".join(text.split()))
        same = text.casefold() == label.casefold() and isinstance(raw, str)
        out[key] = out.get(key, True) and same
    return out


def _status_cells_ok(plan_ws: Worksheet, actions: Sequence[Action], col: int) -> bool:
    """Whether every Status cell holds its text with no outer spaces (COUNTIFS is exact)."""
    for action in actions:
        if action.origin is None:
            continue
        raw = plan_ws.cell(action.origin.row, col).value
        if isinstance(raw, str) and raw != raw.strip():
            return False
    return True


def _our_sheet(wb: Workbook) -> tuple[Worksheet | None, bool]:
    """(the existing Summary sheet, whether it is ours)."""
    if SUMMARY not in wb.sheetnames:
        return None, True
    name = wb.defined_names.get(MARKER_NAME)
    ours = name is not None and (name.attr_text or "").split("!")[0].strip("'") == SUMMARY
    return wb[SUMMARY], ours


def write_summary_sheet(wb: Workbook, summary: Summary, plan: ActionPlan,
                        cols: PlanColumns) -> list[str]:
    """(Re)write the Summary sheet for ``summary``; notes of what could not be done."""
    existing, ours = _our_sheet(wb)
    if not ours:
        return [f"a sheet called {SUMMARY!r} that edi_xl did not make is in the workbook; "
                "it was left alone and no Summary was written (rename it to get one)"]
    code_name = None  # an .xlsm's VBA knows the sheet by its code name: keep it
    if existing is not None:
        index = wb.sheetnames.index(SUMMARY)
        selected = existing.sheet_view.tabSelected
        code_name = existing.sheet_properties.codeName
        del wb[SUMMARY]
    else:
        index = wb.sheetnames.index(cols.sheet.title) + 1
        selected = False
    active = wb.active.title if wb.active is not None else None
    ws = wb.create_sheet(SUMMARY, index)
    ws.sheet_view.tabSelected = selected
    if code_name:
        ws.sheet_properties.codeName = code_name
    if active is not None and active in wb.sheetnames:
        wb.active = wb.sheetnames.index(active)
    if MARKER_NAME in wb.defined_names:
        del wb.defined_names[MARKER_NAME]
    wb.defined_names[MARKER_NAME] = DefinedName(MARKER_NAME,
                                                attr_text=f"{sheet_ref(SUMMARY)}!$A$1")
    _fill(ws, wb, summary, plan, cols)
    return []


def _fill(ws: Worksheet, wb: Workbook, summary: Summary, plan: ActionPlan,
          cols: PlanColumns) -> None:
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.sheet_view.showGridLines = False
    w = _Writer(ws)
    w.value(1, 1, summary.title, font=TITLE_FONT)
    w.value(2, 1, "RAG counts are formulas over the Action Plan sheet: they follow your edits "
                  "in Excel. The lists and the coverage map are as at "
                  f"{_long_date(summary.as_at)}: run edi-xl refresh to bring them up to date.",
            font=SUBTITLE_FONT)
    w.row = 4

    criteria = _word_criteria(wb, summary.words)
    status_range = cols.range(cols.status)
    exact_status = {rag: f"TRIM({status_range})={criteria[rag][0]}" for rag in RAG_ORDER}
    status_ok = _status_cells_ok(cols.sheet, plan.actions, cols.status) and all(
        countifs_safe(summary.words[rag]) for rag in RAG_ORDER)

    w.section("RAG status")
    _rag_header(w, "")
    w.merge(w.row, 1, LABEL_COL)
    w.value(w.row, 1, "Status word counted", font=NOTE_FONT, border=GRID_BORDER)
    w.style(w.row, LABEL_COL, border=GRID_BORDER)
    for rag in RAG_ORDER:
        w.formula(w.row, COUNT_COLS[rag], criteria[rag][1], font=NOTE_FONT, border=GRID_BORDER,
                  alignment=Alignment(horizontal="center", wrap_text=True))
    w.row += 1
    _rag_table(w, [summary.overall], None, cols, criteria, exact_status, status_ok, {},
               bold=True)
    w.note(f"{summary.actions} actions in the plan at the as-at date; {summary.no_status} with "
           "no RAG status (blank, or a word that is not one of the Settings words).")
    w.row += 1

    for title, rows, col, attr in (
        ("RAG status by theme (Milestone)", summary.by_theme, cols.theme, "theme"),
        ("RAG status by action owner", summary.by_owner, cols.owner, "owner"),
    ):
        w.section(title)
        if not rows:
            w.note("No actions yet.")
            w.row += 1
            continue
        start = w.row - 1
        header_row = _rag_header(w, "Milestone" if attr == "theme" else "Action Owner")
        cells_ok = _cells_match(cols.sheet, plan.actions, col)
        first, last = _rag_table(w, rows, col, cols, criteria, exact_status, status_ok, cells_ok)
        chart = _chart(ws, title.replace("RAG status", "RAG"), header_row, first, last,
                       max(r.total for r in rows))
        ws.add_chart(chart, f"{CHART_ANCHOR_COL}{start}")
        w.row = max(w.row, start + _chart_rows(chart)) + 1

    as_at = summary.as_at
    w.section(f"Overdue at {_long_date(as_at)} ({len(summary.overdue)})")
    _list_lines(w, summary.overdue, "Days overdue", lambda a: a.days_overdue,
                "Nothing is overdue.")
    w.row += 1
    horizon = as_at + timedelta(days=summary.due_within_days)
    w.section(f"Due in the next {summary.due_within_days} days, to {_long_date(horizon)} "
              f"({len(summary.due_soon)})")
    _list_lines(w, summary.due_soon, "Days to go", lambda a: a.days_to_go(as_at),
                f"Nothing else is due by {_long_date(horizon)}.")
    w.row += 1

    since = (f"the previous round ({_long_date(summary.changes_since)})"
             if summary.changes_since else "the start of the Change Log")
    w.section(f"Changes since {since}")
    w.header([("#", 1, 1), ("Action", 2, 2), ("Status: from -> to", 3, 3), ("Change", 4, 4)])
    if not summary.changes:
        w.note("No action became Red or complete, or moved back.")
    for kind in ("newly_red", "newly_blue", "moved_back"):
        for change in summary.changes_of(kind):
            old = "(blank)" if change.old in (None, "") else str(change.old)
            new = "(blank)" if change.new in (None, "") else str(change.new)
            w.line([(change.id, 1, 1), (change.action, 2, 2), (f"{old} -> {new}", 3, 3),
                    (change.kind_label, 4, 4)])
    w.row += 1

    gaps = len(summary.gaps)
    w.section(f"Coverage: WRES indicators, WDES metrics and High Impact Actions "
              f"({gaps} with no live action)")
    w.note("Live actions: actions not complete (Blue) whose Report / Action names it. "
           "WDES 4 and WDES 9 with no letter count for both parts.")
    w.header([("Ref", 1, 1), ("Indicator / metric / action", 2, 2), ("Actions (#)", 3, 3),
              ("Live actions", 4, 4)])
    for line in summary.coverage:
        ids = ", ".join(line.action_ids) if line.action_ids else "Gap: no live action"
        w.line([(line.label, 1, 1), (line.description, 2, 2), (ids, 3, 3), (line.live, 4, 4)],
               fill=GAP_FILL if line.gap else None,
               fonts={1: GAP_FONT, 3: GAP_FONT} if line.gap else None,
               aligns={4: CENTRE_TOP})

    apply_print_setup(ws, header_row=None, as_at=as_at)


def write_summary(
    wb: Workbook,
    plan: ActionPlan,
    assessments: Sequence[tuple[Action, Assessment]],
    as_at: date,
    settings: sheets.Settings,
    cols: PlanColumns,
) -> tuple[Summary, list[str]]:
    """Work out the figures of a refreshed plan and (re)write the Summary sheet.

    Call after the refresh has written the Status cells and the Change Log lines.
    """
    summary = summarise(plan, assessments, sheets.read_change_log(wb), as_at, settings.words,
                        trust_name=settings.trust_name)
    return summary, write_summary_sheet(wb, summary, plan, cols)


__all__ = ["MARKER_NAME", "NO_OWNER", "NO_THEME", "SUMMARY", "PlanColumns", "countifs_safe",
           "write_summary", "write_summary_sheet"]
