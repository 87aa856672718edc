"""Refresh: work out status, overdue and problems in a master, and write a new master.

Refresh owns a small, fixed set of cells and never touches anything else:

- the Status cells of the table (the RAG rule's result, in the Settings sheet's words);
- the computed columns Overdue, Days overdue and Problems (added at the right if missing);
- the as-at date on the Settings sheet, the whole Lists sheet, new lines of the Change Log;
- the whole Summary sheet (edi_xl.master.summary_sheet), rewritten from scratch;
- the conditional formatting and dropdowns of the Status / Due Date / Overdue /
  Protected Characteristic columns, the print setup and footer.

Every value it changes is logged in the Change Log (old -> new), so nothing is lost. The
master is saved by the patch writer (:mod:`edi_xl.master.patch`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook as WorkbookType
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.dates import short_date
from edi_xl.core.errors import EdiXlError
from edi_xl.core.model import Action, ActionPlan
from edi_xl.core.problems import Code, Problem, Report, Severity, problem
from edi_xl.core.rounds import ROUND_STARTED
from edi_xl.core.rules import Assessment, assess, check_plan
from edi_xl.core.status import RAG, parse_status, status_remark
from edi_xl.core.summary import Summary
from edi_xl.master import sheets
from edi_xl.master.cells import comparable, formula_text, merged_cell_note, set_value
from edi_xl.master.column_settings import set_column_width, shown_width
from edi_xl.master.conditional import apply_rag_formatting
from edi_xl.master.labels import read_label
from edi_xl.master.loading import PlacedCells, extent, formula_cells
from edi_xl.master.patch import reading_ahead, save_master, things_over_cells
from edi_xl.master.plan import (
    COMPUTED_NOTE,
    PLAN_SHEET,
    SPARE_ROWS,
    build_master_book,
    gc_paused,
    load_master,
    read_master_plan,
    sheet_grid,
)
from edi_xl.master.printing import apply_print_setup
from edi_xl.master.save import save_atomic
from edi_xl.master.sheets import Change
from edi_xl.master.styles import (
    COMPUTED_HEADER_FILL,
    COMPUTED_HEADER_FONT,
    HEADER_ALIGN,
    WRAP_TOP,
    alignment_index,
    row_height,
    wrap_top_setter,
)
from edi_xl.master.summary_sheet import PlanColumns, write_summary
from edi_xl.master.validation import apply_dropdowns
from edi_xl.tables.layouts import trust

OVERDUE_YES, OVERDUE_NO, NO_DEADLINE = "Yes", "No", "No deadline"


@dataclass
class RefreshResult:
    """What a refresh did and found."""

    as_at: date
    plan: ActionPlan
    assessments: list[tuple[Action, Assessment]]
    report: Report
    changes: list[Change] = field(default_factory=list)
    path: Path | None = None
    backup: Path | None = None
    notes: list[Problem] = field(default_factory=list)  # what refresh (or the save) could not do
    summary: Summary | None = None  # the figures of the Summary sheet

    @property
    def overdue(self) -> list[tuple[Action, int]]:
        return [(a, s.days_overdue or 0) for a, s in self.assessments if s.overdue]

    def rag_counts(self) -> dict[str, int]:
        """The actions of each RAG status, as the Status column shows them after the refresh
        (a Status worked out by the trust's formula as it shows, whatever the rule gives)."""
        counts = {rag.value: 0 for rag in RAG}
        for action, _ in self.assessments:
            if action.status:
                counts[action.status.value] += 1
        return counts


def _ensure_column(
    ws: Worksheet,
    header_row: int,
    col: int | None,
    header: str,
    width: float,
    last_row: int,
    beside: Callable[[], list[tuple[int, int, int, int]]],
) -> int:
    """The 1-based column holding ``header``; when missing, a new column right of the last
    column that holds anything in the header row or the table's rows (``header_row`` to
    ``last_row``), sparklines and pictures, shapes and text boxes over those rows included,
    so that a column of the user's, even one with no header, is never written over or hidden
    under the user's things (``beside()``: those, :func:`things_over_cells`, read once)."""
    if col is not None:
        return col + 1
    used = [
        c
        for (r, c), cell in ws._cells.items()
        if header_row <= r <= last_row and cell.value is not None
    ]
    # sparklines, and a text box or picture beside the table, are the trust's though no cell
    # holds a value there (read only when a column is placed: a first refresh)
    used += [
        right for top, _, bottom, right in beside() if top <= last_row and bottom >= header_row
    ]
    new_col = max(used, default=1) + 1
    # a merged box over those rows (a title or a notes box beside the table) is the trust's
    # across its width, though only its first cell holds a value (helper-127: the column went
    # into the box: a traceback in the header row, "inside merged cells" on the rows)
    boxes = [
        (m.min_col, m.max_col)
        for m in ws.merged_cells.ranges
        if m.min_row <= last_row and m.max_row >= header_row
    ]
    while (box_end := next((hi for lo, hi in boxes if lo <= new_col <= hi), None)) is not None:
        new_col = box_end + 1
    cell = ws.cell(header_row, new_col)
    cell.value = header
    cell.font, cell.fill, cell.alignment = COMPUTED_HEADER_FONT, COMPUTED_HEADER_FILL, HEADER_ALIGN
    cell.comment = Comment(COMPUTED_NOTE, "edi_xl")
    set_column_width(ws, new_col, width)
    return new_col


def row_fitter(ws: Worksheet, col: int) -> Callable[[int, str], None]:
    """A function making a row edi_xl gave a height tall enough for its text in column
    ``col`` (a row with no set height is left to the spreadsheet program; a row is never made
    shorter). The column's width is looked up once, when a row first needs it."""
    dims = ws.row_dimensions
    width: list[float] = []

    def fit(row: int, text: str) -> None:
        dim = dims[row]
        if not text or dim.height is None:
            return
        if not width:
            width.append(shown_width(ws, col))
        needed = row_height([(text, width[0])])
        if needed > dim.height:
            dim.height = needed

    return fit


def _status_cell_value(action: Action, assessment: Assessment, words: dict[RAG, str]) -> Any:
    """What the Status cell should hold after refresh."""
    if action.status is None and (action.status_text or assessment.status is None):
        return action.status_text  # a word we cannot read, or blank and not overdue: kept
    return words[assessment.status] if assessment.status else action.status_text


#: How the Change Log names the Status changes edi_xl's overdue rule made (a refresh, a merge's
#: refresh, a new round, an import, a new master); what an owner's return changed goes under
#: its file's name.
RULE_SOURCES = (
    "refresh as at ",
    "merge as at ",
    ROUND_STARTED,
    "imported from ",
    "new master",
)


class RuleMadeReds:
    """The actions edi_xl's overdue rule made Red, and the word each goes back to once its due
    date has moved out: from the Change Log's Status lines of each action, in the order of
    their times (a log sorted newest first keeps them), the last one the rule's. The word is
    the owner's latest one the rule did not let stand while the action was overdue
    (:data:`~edi_xl.master.sheets.STATUS_NOT_APPLIED`), else the word the rule replaced. The
    log is read when first asked (a refresh asks only for a Red action whose due date has
    not passed)."""

    def __init__(self, wb: WorkbookType, words: dict[RAG, str]) -> None:
        self._wb, self._words = wb, words
        #: action -> (its last Status line: old, new, source; the owner's word since)
        self._last: dict[str, tuple[tuple[Any, Any, Any], Any]] | None = None

    def _read(self) -> dict[str, tuple[tuple[Any, Any, Any], Any]]:
        last: dict[str, tuple[tuple[Any, Any, Any], Any]] = {}
        cell: dict[str, Any] = {}  # the word the Status cell held, as the log last saw it
        for key, fld, old, new, source in sheets.changes_in_order(
            self._wb, ("Status", sheets.STATUS_NOT_APPLIED)
        ):
            line, owner_said = last.get(key, ((None, None, None), None))
            if fld == sheets.STATUS_NOT_APPLIED:
                last[key] = (line, new)
                cell[key] = old  # (the cell's word when the owner's was not applied)
            elif isinstance(source, str) and source.startswith(RULE_SOURCES):
                # a word typed into the cell since the log last saw it (the rule replaced
                # another), or the owner's word already gone back to: the owner's is past
                typed = key in cell and comparable(old) != comparable(cell[key])
                back = parse_status(new, self._words) is not RAG.RED
                last[key] = ((old, new, source), None if typed or back else owner_said)
                cell[key] = new
            else:  # a word a return or a person gave: what the owner said before is past
                last[key] = ((old, new, source), None)
                cell[key] = new
        return last

    def word_before(self, action: Action) -> str | None:
        """The Green or Amber word ``action`` goes back to, when its Status is still the Red
        the rule wrote; None otherwise (a Red a person or a return gave)."""
        if self._last is None:
            self._last = self._read()
        (old, new, source), owner_said = self._last.get(
            action.id.strip(), ((None, None, None), None)
        )
        if not (isinstance(source, str) and source.startswith(RULE_SOURCES)):
            return None
        if comparable(new) != comparable(action.status_text):
            return None  # the cell was typed since
        if parse_status(new, self._words) is not RAG.RED:
            return None
        for word in (owner_said, old):
            if isinstance(word, str) and parse_status(word, self._words) in (RAG.GREEN, RAG.AMBER):
                return word
        return None


def _status_note(code: Code, action: Action, path: object, **fields: Any) -> Problem:
    """A note of ``code`` on ``action``'s Status cell (its file, sheet and row)."""
    origin = action.origin
    return problem(
        code,
        action_id=action.id,
        file=str(path) if path else None,
        sheet=origin.sheet if origin else None,
        row=origin.row if origin else None,
        column="Status",
        **fields,
    )


def _no_longer_overdue(action: Action, word: str, red: Any, path: object) -> Problem:
    """The note that ``action``'s Status goes back from ``red`` to ``word``."""
    return _status_note(
        Code.NO_LONGER_OVERDUE,
        action,
        path,
        value=red,
        word=word,
        red=red,
        due=action.due.describe(),
    )


def _words_logged(action: Action, word: Any, remark: str, path: object) -> Problem:
    """The note that ``action``'s Status is written as ``word``, its ``remark`` after the
    status word kept on the Change Log."""
    return _status_note(
        Code.STATUS_WORDS_LOGGED, action, path, value=action.status_text, word=word, remark=remark
    )


def _formula_kept(cell: Any, action: Action, status: Any, path: object) -> Problem:
    """The note that the Status ``cell``, worked out by a formula, keeps it and shows
    another word than the one refresh gives (``status``)."""
    return problem(
        Code.FORMULA_KEPT,
        action_id=action.id,
        file=str(path) if path else None,
        sheet=cell.parent.title,
        row=cell.row,
        column="Status",
        value=status,
        formula=formula_text(cell),
        shown=repr(action.status_text) if action.status_text else "nothing",
    )


def _error_kept(
    ws: Any, row: int, shown: Any, action: Action, status: Any, path: object
) -> Problem:
    """The note that the Status cell at ``row``, holding an error and no formula (``shown``),
    keeps it and is not given the word refresh gives (``status``)."""
    return problem(
        Code.STATUS_ERROR_KEPT,
        action_id=action.id,
        file=str(path) if path else None,
        sheet=ws.title,
        row=row,
        column="Status",
        value=status,
        shown=str(shown),
    )


def _overdue_text(assessment: Assessment) -> str:
    if assessment.overdue:
        return OVERDUE_YES
    return OVERDUE_NO if assessment.has_deadline or assessment.status is RAG.BLUE else NO_DEADLINE


def _filter_clear_of_tables(ws: Worksheet, ref: str, plan_last: int) -> str | None:
    """The sheet filter over the plan's range ``ref``, clear of the sheet's tables: a sheet
    filter over a table is invalid to Excel (its repair removes the table). A table beside
    the plan, right of its Status (1-based ``plan_last``), cuts the filter short of it,
    leaving out what is right of the table (edi_xl's columns, put right of all the table's
    rows hold): the trust's filter was taken away whole (helper-123). One over the plan's
    own columns (the plan kept as a table, which has the table's filter) leaves none."""
    left, top, right, bottom = range_boundaries(ref)
    for table in ws.tables.values():
        if not table.ref:
            continue
        t_left, t_top, t_right, t_bottom = range_boundaries(table.ref)
        if t_left <= right and left <= t_right and t_top <= bottom and top <= t_bottom:
            if t_left <= plan_last:
                return None
            right = t_left - 1
    return f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}"


def refresh_book(
    wb: WorkbookType,
    as_at: date | None = None,
    *,
    source: str | None = None,
    now: datetime | None = None,
    path: object = None,
) -> RefreshResult:
    """Refresh a loaded master in memory (see the module docstring for what it owns)."""
    master = read_master_plan(wb, path)
    ws, detection, settings, plan = master.sheet, master.detection, master.settings, master.plan
    previous, as_at = settings.as_at, as_at or settings.as_at
    if as_at is None:
        raise sheets.no_round_date_error(path or "workbook", settings)
    settings.as_at = as_at
    words = settings.words
    source = source or f"refresh as at {short_date(as_at)}"

    grid = master.grid if master.grid is not None else sheet_grid(ws)
    columns = trust.map_columns(grid, detection.header_row)
    header_row = master.header_row
    table_end = max([header_row] + [a.origin.row for a in plan.actions if a.origin])
    beside = cache(partial(things_over_cells, wb, ws.title))  # (the file read once)
    status_col = _ensure_column(
        ws, header_row, columns.fields.get("status"), "Status", 20, table_end, beside
    )
    computed_cols = {
        c.field: _ensure_column(
            ws, header_row, columns.computed.get(c.field), c.header, c.width, table_end, beside
        )
        for c in trust.COMPUTED
    }

    changes: list[Change] = sheets.write_settings(wb, settings, source=source)
    sheets.write_owners(wb, plan.owners)
    notes: list[Problem] = []
    if previous is not None and as_at < previous:  # (round --start refuses this)
        notes.append(
            problem(
                Code.ROUND_MOVED_BACK,
                file=str(path) if path else None,
                sheet=sheets.SETTINGS,
                value=short_date(as_at),
                previous=short_date(previous),
                previous_iso=previous.isoformat(),
                master=f'"{path}"' if path else "MASTER",
            )
        )
    theme_col, owner_col = columns.fields.get("theme"), columns.fields.get("owner")
    computed_columns = list(computed_cols.values())
    # the columns written here, and those the Summary reads: on a plan sheet loaded with its
    # cells made on use (load_master), a cell is made only where one is written
    placed = PlacedCells(
        ws,
        [status_col, *computed_columns] + [c + 1 for c in (theme_col, owner_col) if c is not None],
    )
    assessments: list[tuple[Action, Assessment]] = []
    # a Status worked out by the trust's own formula is read as it shows and never written
    status_formulas = formula_cells(ws, status_col)
    # nor is one holding an error and no formula, which reads as no Status: a pasted #N/A,
    # a picture placed in the cell (helper-85: refresh cleared it, or wrote over it)
    status_errors: set[int] = set()
    rule_reds = RuleMadeReds(wb, words)
    for action in plan.actions:
        assessment = assess(action, as_at)
        if (
            assessment.status is RAG.RED
            and not assessment.overdue
            and assessment.has_deadline
            and (action.origin is None or action.origin.row not in status_formulas)
            and (before := rule_reds.word_before(action)) is not None
        ):
            # Red only because it was overdue, and its due date has moved out since: back to
            # what it was (the Change Log has both changes)
            red = action.status_text
            action.status, action.status_text = parse_status(before, words), before
            assessment = assess(action, as_at)
            notes.append(
                _no_longer_overdue(action, _status_cell_value(action, assessment, words), red, path)
            )
        assessments.append((action, assessment))
        new_status = _status_cell_value(action, assessment, words)
        formula = status_formulas.get(action.origin.row) if action.origin else None
        if formula is None and action.origin and placed.is_error(action.origin.row, status_col):
            row = action.origin.row
            status_errors.add(row)
            if assessment.status is not None:  # (the rule gives a word: overdue)
                shown = placed.value(row, status_col)
                notes.append(_error_kept(ws, row, shown, action, new_status, path))
            continue
        if formula is not None:
            # (a note where the rule would write another word, and another colour: not for
            # a word the rule keeps anyway, nor "Red" for "Exceeded Timescales")
            if (
                comparable(new_status) != comparable(action.status_text)
                and assessment.status is not action.status
            ):
                notes.append(_formula_kept(formula, action, new_status, path))
            continue  # (the plan says what the sheet shows)
        if assessment.status is not None:  # the plan now says what the sheet will say
            if (remark := status_remark(action.status_text, words)) is not None:
                # "Complete - evidence on file" written "Complete": the words said, and kept
                # on the Change Log with the cell's old text
                notes.append(_words_logged(action, new_status, remark, path))
            action.status = assessment.status
            action.status_text = new_status
    report = check_plan(plan, as_at, words, file=str(path) if path else None)

    def write(
        row: int, col: int, value: Any, label: str, action: Action, *, computed: bool = False
    ) -> None:
        old = placed.value(row, col)
        if comparable(old) == comparable(value):
            return
        cell = placed.cell(row, col)
        if not set_value(cell, value):
            notes.append(merged_cell_note(cell, action.id, path, label))
            return
        # The first fill of an empty computed cell is not a change to anything a person wrote;
        # every other change, and every Status change, goes in the Change Log.
        if not (computed and comparable(old) is None):
            changes.append(Change(action.id, label, old, value, source))

    problems_by_row: dict[int | None, list[str]] = {}
    for p in report.problems:
        problems_by_row.setdefault(p.location.row, []).append(
            ("Note: " if p.severity is Severity.INFO else "") + p.message
        )
    wrap_top, wrapped = wrap_top_setter(wb), alignment_index(wb, WRAP_TOP)
    fit_row = row_fitter(ws, computed_cols["problems"])
    for action, assessment in assessments:
        assert action.origin is not None
        row = action.origin.row
        # (a Status the plan reads as it is written, a number, a date or TRUE too, is kept
        # as written: not made text; a formula's is never written, nor an error's)
        kept = row in status_formulas or row in status_errors
        if not kept and action.status_text != trust.clean_text(placed.value(row, status_col)):
            write(row, status_col, action.status_text, "Status", action)
        problems = "\n".join(problems_by_row.get(row, ()))
        write(
            row,
            computed_cols["overdue"],
            _overdue_text(assessment),
            "Overdue",
            action,
            computed=True,
        )
        write(
            row,
            computed_cols["days_overdue"],
            assessment.days_overdue,
            "Days overdue",
            action,
            computed=True,
        )
        write(
            row,
            computed_cols["problems"],
            problems or None,
            "Problems",
            action,
            computed=True,
        )
        for col in computed_columns:
            style = placed.style(row, col)
            if style is None or style.alignmentId != wrapped:
                wrap_top(placed.cell(row, col))
        fit_row(row, problems)

    sheets.write_lists(wb, words)
    sheets.change_log_sheet(wb)
    last_row = max([header_row + 1] + [a.origin.row for a in plan.actions if a.origin])
    fmt_last = last_row + SPARE_ROWS
    due_col = columns.fields.get("due")
    pcs_col = columns.fields.get("characteristics")
    apply_rag_formatting(
        ws,
        status_col=status_col,
        due_col=due_col + 1 if due_col is not None else None,
        overdue_col=computed_cols["overdue"],
        first_row=header_row + 1,
        last_row=fmt_last,
        words=words,
    )
    apply_dropdowns(
        ws,
        status_col=status_col,
        characteristics_col=pcs_col + 1 if pcs_col is not None else None,
        first_row=header_row + 1,
        last_row=fmt_last,
    )
    id_col = columns.fields.get("id")
    apply_print_setup(
        ws, header_row=header_row, as_at=as_at, title_col=id_col + 1 if id_col is not None else None
    )
    if ws.freeze_panes is None and ws.sheet_view.view != "pageLayout":
        # (Excel shows no frozen panes in Page Layout view: the trust's view is left as it is)
        ws.freeze_panes = f"B{header_row + 1}"
    last_col = get_column_letter(max(extent(ws)[1], *computed_cols.values()))
    if not ws.auto_filter.filterColumn:  # never drop a filter the user has set
        # (from the plan's first column: a table of the trust's own left of it is not filtered)
        ref = f"{get_column_letter(columns.start + 1)}{header_row}:{last_col}{last_row}"
        # a plan kept as a table has the table's filter: none is set over it, and one that
        # an earlier edi_xl set is taken away; a table beside the plan, the filter stops short
        ws.auto_filter.ref = _filter_clear_of_tables(ws, ref, status_col)
    sheets.append_changes(wb, changes, now or datetime.now().replace(microsecond=0))
    summary, summary_notes = write_summary(
        wb,
        plan,
        assessments,
        as_at,
        settings,
        PlanColumns(
            ws,
            header_row + 1,
            fmt_last,
            status_col,
            theme_col + 1 if theme_col is not None else None,
            owner_col + 1 if owner_col is not None else None,
        ),
    )
    return RefreshResult(
        as_at=as_at,
        plan=plan,
        assessments=assessments,
        report=report,
        changes=changes,
        notes=notes + summary_notes,
        summary=summary,
    )


def _moves_as_at(wb: WorkbookType, as_at: date | None) -> bool:
    """Whether a refresh of ``wb`` as at ``as_at`` moves its as-at date, and so has the
    overdue actions' cells to write in the plan sheet: worth reading the file ahead for its
    save (:func:`edi_xl.master.patch.read_ahead`: 0.94x the time of a refresh a quarter on,
    paired runs). A refresh at the date it already has finds little or nothing to write in
    the plan sheet, and reading ahead is then time and memory for nothing (1.04x)."""
    if as_at is None:
        return False
    try:
        return sheets.read_settings(wb).as_at != as_at
    except Exception:  # noqa: BLE001 - refresh_book reads the Settings itself, and says why
        return False


def refresh_workbook(
    path: str | Path,
    as_at: date | None = None,
    *,
    out: str | Path | None = None,
    now: datetime | None = None,
) -> RefreshResult:
    """Refresh the master at ``path``; in place (with a backup) unless ``out`` is given."""
    path = Path(path)
    with gc_paused():
        wb = load_master(path, remakes_summary=True, log_as_values=True)
        # the save's parsing of the sheets, on the other core meanwhile
        with reading_ahead(wb, _moves_as_at(wb, as_at)):
            result = refresh_book(wb, as_at, now=now, path=path.name)
            target = Path(out) if out else path
            result.backup = save_master(wb, target, notes=result.notes)
    result.path = target
    return result


def new_master(
    path: str | Path,
    plan: ActionPlan | None,
    as_at: date,
    *,
    trust_name: str | None = None,
    now: datetime | None = None,
    overwrite: bool = False,
) -> RefreshResult:
    """Write a new master at ``path`` holding ``plan`` (or no actions), refreshed. A plan read
    from a file with a sensitivity label gives the master the same label
    (:mod:`edi_xl.master.labels`)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise EdiXlError(f"{path}: already exists; refusing to overwrite it (use --force)")
    plan = plan or ActionPlan()
    start = None
    if path.suffix.lower() == ".xlsm":  # macro-enabled: with the buttons (edi_xl.master.vba)
        from edi_xl.master.vba import bind_document_modules, macro_enabled_start

        start = macro_enabled_start(PLAN_SHEET, [c.width for c in trust.COLUMNS])
    wb = build_master_book(plan, as_at, trust_name=trust_name, start=start)
    source = (
        f"new master from {Path(plan.source.path).name}"
        if plan.source and plan.source.path
        else "new master"
    ) + f" as at {short_date(as_at)}"  # the round its Change Log lines belong to
    result = refresh_book(wb, as_at, source=source, now=now, path=path.name)
    if start is not None:
        bind_document_modules(wb)
    # the trust's plan's sensitivity label goes with the master made from it
    label = read_label(plan.source.path) if plan.source and plan.source.path else None
    result.backup = save_atomic(wb, path, notes=result.notes, label=label)
    result.path = path
    return result


def summarise_master(path: str | Path, as_at: date | None = None) -> Summary:
    """The Summary figures of the master at ``path``, as a refresh at ``as_at`` would write them.

    ``as_at`` defaults to the as-at date on the master's Settings sheet. The refresh runs in
    memory only: the file is not changed.
    """
    path = Path(path)
    wb = load_master(path, remakes_summary=True, log_as_values=True)
    result = refresh_book(wb, as_at, path=path.name)
    assert result.summary is not None
    return result.summary
