"""Layout 000: the trust's own tracker, the layout edi_xl reads and writes as the master.

``# | Milestone | Action (think SMART) | Report / Action | Protected Characteristic |
Action Owner | Start Date | Due Date | Status | Update as at <date> [| Update as at ...]``

Title rows above the header are normal; the header may be repeated further down (a printed
table's page headers); blank rows are skipped; merged cells read as their value; columns
nobody recognises are kept as extra columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from edi_xl.core.dates import DateValue, parse_date, short_date
from edi_xl.core.model import (
    Action,
    ActionPlan,
    CellOrigin,
    PlanSource,
    ProgressUpdate,
    RowNotRead,
)
from edi_xl.core.number_formats import as_shown
from edi_xl.core.references import ReportRef, parse_protected_characteristics, parse_report_refs
from edi_xl.core.rounds import update_header_date
from edi_xl.core.status import RAG, parse_status
from edi_xl.core.text import cell_text, one_line
from edi_xl.read.grid import SheetGrid, is_blank
from edi_xl.tables.engine import names_an_executive, plan_start
from edi_xl.tables.layouts.base import (
    Detection,
    count_header_matches,
    find_header_row,
    header_fields,
)
from edi_xl.tables.vocabulary import is_other_words, match_header

NAME = "trust"
DESCRIPTION = (
    "The trust's action-plan tracker (# | Milestone | Action | ... | Status | Update as at)"
)


@dataclass(frozen=True)
class Column:
    """A column of the trust layout: the model field and the header text written for it."""

    field: str
    header: str
    width: float


#: The columns of seed 000, in order, with their header texts.
COLUMNS: tuple[Column, ...] = (
    Column("id", "#", 7),
    Column("theme", "Milestone", 22),
    Column("action", "Action (think SMART)", 60),
    Column("references", "Report / Action", 20),
    Column("characteristics", "Protected Characteristic", 18),
    Column("owner", "Action Owner", 26),
    Column("start", "Start Date", 11),
    Column("due", "Due Date", 11),
    Column("status", "Status", 20),
)
UPDATE_WIDTH = 55

#: Columns edi_xl computes, written after the update columns. They are refresh's to overwrite.
COMPUTED: tuple[Column, ...] = (
    Column("overdue", "Overdue", 10),
    Column("days_overdue", "Days overdue", 10),
    Column("problems", "Problems", 45),
)

KEY_FIELDS = (
    "id",
    "theme",
    "action",
    "references",
    "characteristics",
    "owner",
    "start",
    "due",
    "status",
)
REQUIRED = ("action",)
_COMPUTED_FIELDS = {c.field for c in COMPUTED}


def detect(grid: SheetGrid) -> Detection | None:
    found = find_header_row(grid, KEY_FIELDS, REQUIRED)
    if found is None:
        return None
    row, fields, score = found
    if start := plan_start(grid, row):  # (a table of the trust's own left of the plan)
        fields = {f: c + start for f, c in header_fields(grid.rows[row][start:]).items()}
    if not ({"status", "due", "owner"} & fields.keys()):
        return None
    return Detection(layout=NAME, score=score, header_row=row, columns=fields)


def id_text(value: Any) -> str:
    """An action id as text. ``1.1`` stays ``"1.1"``; a whole number loses its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):  # Excel turned "1.4" into 1 April: keep what it shows
        return value.strftime("%d-%b")
    return one_line(value)


def shown_id(value: Any, number_format: str | None) -> Any:
    """An id cell's value as the cell showed it, when its number format shows more of the
    number than its digits: 1.1 under ``0.00`` is "1.10", the tenth action of theme 1 typed
    as a number, not the first (:func:`id_text` of 1.1 is "1.1"). A format that rounds the
    number (1.1 under ``0``, shown "1") or shows it as something else ("110%", "£1.10")
    leaves the value as it is: the number typed tells actions apart, what was shown would not.
    So does a whole number (2 under ``0.0``, shown "2.0": a column of ids formatted alike,
    whose actions and returns have always been 2; helper-101).
    """
    if not number_format or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if float(value).is_integer():
        return value
    shown = as_shown(value, number_format)
    if not isinstance(shown, str):
        return value
    try:
        same = float(shown) == value
    except ValueError:  # ("110%", "£1.10", "1,100")
        return value
    return shown.strip() if same else value


def clean_text(value: Any) -> str | None:
    """Text as written, outer whitespace trimmed; None for an empty cell. Not
    :func:`~edi_xl.core.text.cell_text` on purpose: a date cell reads as its ISO day and a
    float keeps its ".0", as the master's readers have always had them."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)


@dataclass(frozen=True)
class ColumnMap:
    """Where each field, update round and extra column sits in the sheet (0-based)."""

    fields: dict[str, int]
    updates: dict[str, int]  # header text -> column
    update_dates: dict[str, date | None]
    extras: dict[str, int]  # header text -> column
    computed: dict[str, int]
    #: the plan's first column: right of a table of the trust's own on its header row, past
    #: an empty column (:func:`~edi_xl.tables.engine.plan_start`), whose cells are not the
    #: plan's (never read, written or styled as its); 0 when the plan starts in column A
    start: int = 0

    def table_columns(self) -> list[int]:
        """The table's columns, in order (fields, rounds' updates, extras; not edi_xl's
        computed ones): the first filled in a row is its first cell, its label."""
        return sorted({*self.fields.values(), *self.updates.values(), *self.extras.values()})


def map_columns(grid: SheetGrid, header_row: int) -> ColumnMap:
    """Where each field sits in the table whose header is ``header_row``: the first column of
    each, from the plan's first column (a table of the trust's own left of it, past an empty
    column, gives none: its "Due Date" is not the actions')."""
    fields: dict[str, int] = {}
    updates: dict[str, int] = {}
    update_dates: dict[str, date | None] = {}
    extras: dict[str, int] = {}
    computed: dict[str, int] = {}
    start = plan_start(grid, header_row)
    for col in range(start, grid.n_cols):
        raw = grid.value(header_row, col)
        text = one_line(raw)
        fld = match_header(raw) if text else None
        if fld == "update":
            name = text if text not in updates else f"{text} ({_letter(col)})"
            updates[name] = col
            update_dates[name] = update_header_date(raw)[1]
        elif fld in _COMPUTED_FIELDS and fld not in computed:
            computed[fld] = col
        elif fld in KEY_FIELDS and fld not in fields:
            fields[fld] = col
        elif fld in KEY_FIELDS and _takes_over(fld, raw, grid.value(header_row, fields[fld])):
            # the column taken so far is kept as a column of the trust's
            was = one_line(grid.value(header_row, fields[fld]))
            extras[was if was not in extras else f"{was} ({_letter(fields[fld])})"] = fields[fld]
            fields[fld] = col
        elif text:
            extras[text if text not in extras else f"{text} ({_letter(col)})"] = col
        elif _column_has_data(grid, header_row, col):
            extras[f"Column {_letter(col)}"] = col  # data under a blank header is kept too
    return ColumnMap(fields, updates, update_dates, extras, computed, start)


def _takes_over(fld: str, header: Any, taken: Any) -> bool:
    """Whether a later column of field ``fld`` headed ``header`` is the field's, not the one
    headed ``taken`` that had it so far:

    * the lead who does the work, sent the returns, over the executive above the action
      ("Exec Lead" then "Action Owner"), as the general reader chooses
      (:func:`~edi_xl.tables.engine.names_an_executive`);
    * the plan's column headed in the vocabulary's usual words ("Status", "Action Owner")
      over a column of the trust's headed in other words left of it ("Overall status",
      "Project lead": :func:`~edi_xl.tables.vocabulary.is_other_words`), unless that would
      give the action to an executive over a working lead (helper-136).
    """
    text, was = one_line(header), one_line(taken)
    if fld == "owner" and names_an_executive(text) != names_an_executive(was):
        return names_an_executive(was)
    return is_other_words(taken) and not is_other_words(header)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


def _column_has_data(grid: SheetGrid, header_row: int, col: int) -> bool:
    return any(not is_blank(grid.value(r, col)) for r in range(header_row + 1, grid.n_rows))


def is_header_repeat(row: list[Any], id_value: Any = None) -> bool:
    """A page header repeated inside the table (even one garbled by OCR). A row whose id
    cell (``id_value``) holds an action number ("2.1", 7) is data: the costly check (fuzzy
    matching of every text) is left out."""
    if id_value is not None and _ACTION_NUMBER.match(str(id_value)):
        return False
    return count_header_matches(row) >= 4


_ACTION_NUMBER = re.compile(r"\s*\d+(?:\.\d+)*[a-z]?\s*\Z", re.I)


def data_rows(
    grid: SheetGrid, header_row: int, columns: ColumnMap
) -> tuple[list[tuple[int, bool]], list[int]]:
    """The rows below the header: (0-based row, is_repeat_header) for every non-blank row
    read as an action (or a repeated header), but for a row made ready for an action to come
    (:func:`_made_ready`) and a row of totals (:func:`grid_totals_row`); and the 0-based rows
    that are not actions (:func:`not_an_action`: headings, notes, a RAG key)."""
    watched = columns.table_columns()
    id_col = columns.fields.get("id")
    out: list[tuple[int, bool]] = []
    others: list[int] = []
    for r in range(header_row + 1, grid.n_rows):
        row = grid.rows[r]
        width = len(row)
        for c in watched:  # is_blank of each watched cell, written out: thousands of rows
            if (
                c < width
                and (value := row[c]) is not None
                and (not isinstance(value, str) or value.strip())
            ):
                break
        else:
            continue
        if (grid.worked_out and _made_ready(grid, r, watched, columns)) or (
            # (a label's first letter first: an action's first cell is most often its number)
            isinstance(value, str)
            and value.lstrip()[:1] in _TOTALS_INITIALS
            and grid_totals_row(grid, r, watched, columns.fields.get("action"))
        ):
            continue
        id_value = row[id_col] if id_col is not None and id_col < width else None
        numbered = is_action_id(id_value)
        if not_an_action(row, watched, columns, numbered):
            others.append(r)
            continue
        out.append((r, not numbered and is_header_repeat(row, id_value)))
    return out, others


def is_action_id(value: Any) -> bool:
    """Whether a cell of the # column reads as an action's number: a number, "2.1", "3a", or
    a short code with a digit in it ("EDI-07", "R1.2"; not "Theme 1", a heading's)."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, int | float | date):  # (a date: Excel turned "1.5" into 1 May)
        return True
    text = str(value).strip()
    return _ACTION_NUMBER.match(text) is not None or (
        len(text) <= 12
        and not any(ch.isspace() for ch in text)
        and any(ch.isdigit() for ch in text)
    )


#: A RAG colour as a key below a plan names it ("Green", "G", "Amber:").
KEY_COLOUR = re.compile(
    r"\s*(green|amber|red|blue|grey|gray|black|purple|[garb])\s*[:.\-–]?\s*\Z", re.I
)
#: A key's line in one cell: a colour, a dash, colon or equals sign, what it means.
_KEY_LINE = re.compile(r"\s*(green|amber|red|blue|grey|gray|black|purple)\s*[-–—:=]", re.I)
#: A key's label: "Key", "RAG key", "RAG rating key:", "Key to RAG".
_KEY_LABEL = re.compile(
    r"\s*(rag\s+)?(rating\s+|status\s+)?key(\s+to\s+rag(\s+ratings?)?)?\s*:?\s*\Z", re.I
)


def not_an_action(row: list[Any], watched: list[int], columns: ColumnMap, numbered: bool) -> bool:
    """Whether a row of the table is not an action but a heading, a note or a RAG key, around
    or inside the table:

    * one text across the row: a merged "Theme 1: Recruitment" or "Approved by the EDI
      Committee 12/10/2025", with a number before it or not ("2 | Bullying and harassment"
      merged across the rest of the row);

    and, for a row with no action number (``numbered``: :func:`is_action_id`):

    * a lone text in one cell but the Action column's ("Key", "Next review: March 2026"), or
      a key's label or line alone in the Action column ("Key", "Green - On track");
    * no action text: a RAG key's "Green | On track" under the Status and update columns, a
      line of notes, a row carrying on the action above ("Sarah Jones | 31 Oct 23");
    * a RAG key's row under the first columns ("Green | On track"), with no owner and no
      dates.
    """
    fields = columns.fields
    width = len(row)
    action, id_col = fields.get("action"), fields.get("id")
    if numbered and action is not None and action < width:  # (most rows: an action's)
        # (a heading merged across the row holds the same value in each of its cells: an
        # action's text differs from its number and its owner's name as they are)
        text = row[action]
        beside = fields.get("owner", fields.get("status"))
        if (
            isinstance(text, str)
            and text.strip()
            and id_col is not None
            and text != row[id_col]
            and (beside is None or beside >= width or row[beside] != text)
        ):
            return False
    filled = [(c, row[c]) for c in watched if c < width and not is_blank(row[c])]
    texts = _texts(v for _, v in filled)
    if len(texts) == 1 and not texts.pop().startswith("="):  # (a number, a date, a formula)
        if len(filled) > 1:
            return True  # one text across the row: a heading or a note
        if not numbered:
            lone = filled[0][1]
            return (
                filled[0][0] != action
                or _KEY_LABEL.match(lone) is not None
                or _KEY_LINE.match(lone) is not None  # "Green - On track", alone in Action
            )
    rest = [v for c, v in filled if c != id_col]  # ("2 | Bullying and harassment" merged B:J)
    if len(rest) > 1 and len(_texts(rest)) == 1:
        return isinstance(rest[0], str) and not rest[0].startswith("=")  # a numbered heading
    if numbered:
        return False

    def has(fld: str) -> bool:
        c = fields.get(fld)
        return c is not None and c < width and not is_blank(row[c])

    if action is not None and (action >= width or is_blank(row[action])):
        # no action text: a key, a note, a row carrying on the action above ("Sarah Jones |
        # 31 Oct 23"); but a row with an owner or a due date AND a Status of its own is
        # tracked by the trust (an action whose text is in another column or not typed yet,
        # the second row of an Action cell merged down in a file that does not fill merges)
        return not (has("status") and (has("owner") or has("due")))
    first_col, first = filled[0]
    # a key's colour is a label in the first columns: not a letter in the # column ("a.",
    # "B": an action's label) nor a colour in the Status column (an action's RAG); and a key
    # row is a colour and what it means, nothing more
    return (
        isinstance(first, str)
        and first_col != fields.get("id")
        and KEY_COLOUR.match(first) is not None
        and len(filled) <= 2
        and not any(has(f) for f in ("owner", "start", "due"))
        and (first_col != fields.get("status") or _reads_as_status(filled[-1][1]))
    )


def _texts(values: Iterable[Any]) -> set[str]:
    """The distinct texts of ``values`` on one line each, anything but text as "=" (a number,
    a date or a formula's result: never one text across a row)."""
    return {one_line(v) if isinstance(v, str) else "=" for v in values}


def _reads_as_status(text: Any) -> bool:
    """What a key says a colour means ("On track", "Complete with evidence"), not an action's
    text: beside a colour in the Status column, only a key's row says a status again."""
    return isinstance(text, str) and parse_status(text) is not None


def rows_not_read(grid: SheetGrid, rows: list[int], columns: ColumnMap) -> list[RowNotRead]:
    """What each row (0-based) that is not an action holds, for the reader's notes."""
    watched = columns.table_columns()
    looks = [columns.fields[f] for f in ("owner", "start", "due") if f in columns.fields]
    out: list[RowNotRead] = []
    for r in rows:
        row = grid.rows[r]
        texts: list[str] = []
        for c in watched:
            value = row[c] if c < len(row) else None
            text = short_date(value) if isinstance(value, date) else one_line(cell_text(value))
            if text and (not texts or texts[-1] != text):
                texts.append(text)
        like = any(c < len(row) and not is_blank(row[c]) for c in looks) and len(set(texts)) > 1
        out.append(RowNotRead(row=r + 1, texts=texts, like_an_action=like))
    return out


#: What a row of totals under a plan is labelled (compared trimmed, ignoring case and a colon).
TOTALS_LABELS = frozenset(
    {"total", "totals", "grand total", "sub-total", "subtotal", "sub total", "count", "sum"}
)
#: The first letters of :data:`TOTALS_LABELS` and of what :data:`_TOTALS_START` takes.
_TOTALS_INITIALS = frozenset("TtGgSsCc")
#: A label a row of totals starts with, in the number column: "Total actions", "Totals: 17".
_TOTALS_START = re.compile(r"(?:grand\s+|sub[\s-]?)?totals?\b", re.IGNORECASE)


def is_totals_label(text: Any, *, exact: bool = False) -> bool:
    """Whether ``text`` labels a row of totals: one of :data:`TOTALS_LABELS`, or (unless
    ``exact``) text starting "Total" ("Total actions", "Grand total: 17")."""
    if not isinstance(text, str):
        return False
    words = text.strip().rstrip(":").strip().casefold()
    return words in TOTALS_LABELS or (not exact and _TOTALS_START.match(words) is not None)


def totals_row(
    filled: list[tuple[int, Any]], action: int | None, worked_out: Callable[[int], bool]
) -> bool:
    """Whether a row whose filled cells are ``filled`` ((column, value), in column order) is
    a row of totals, not an action: its first cell reads "Total" (or "Totals", "Grand
    total", "Count", "Total actions"...), it has no action text, and all else in it is
    numbers or what formulas work out (``worked_out(column)``: ``=COUNTA(I2:I18)``). A label
    in the ``action`` column must be one of the exact labels, with only formulas beside it
    (typed numbers there may be an action's: it is read, and checked, as one)."""
    if not filled:
        return False
    (first, label), rest = filled[0], filled[1:]
    if first == action:  # the label stands where the action's text goes: formulas beside it
        return is_totals_label(label, exact=True) and all(worked_out(c) for c, _ in rest)

    # a count under the Action column too; text there is an action's ("Total reward"), and
    # so is text a formula brings in (a plan linked to another sheet): a formula with no
    # saved result reads as its own text ("=COUNTA(...)"), a count
    def counted(c: int, v: Any) -> bool:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return True
        if not worked_out(c):
            return False
        return c != action or (isinstance(v, str) and v.startswith("="))

    return is_totals_label(label) and all(counted(c, v) for c, v in rest)


def grid_totals_row(grid: SheetGrid, r: int, columns: list[int], action: int | None) -> bool:
    """:func:`totals_row` for row ``r`` (0-based) of ``grid``, read in a table's ``columns``
    (in order) whose Action column is ``action``: what every layout asks of a row."""
    filled = [(c, v) for c in columns if not is_blank(v := grid.value(r, c))]
    return totals_row(filled, action, lambda c: (r, c) in grid.worked_out)


def _made_ready(grid: SheetGrid, r: int, watched: list[int], columns: ColumnMap) -> bool:
    """Whether row ``r`` is made ready for an action to come: no action, and nothing in it
    but what the trust's formulas work out (a number counted by ``=ROW()-4``, a Status
    filled down below the table showing "On Track"). Anything typed makes it a row to read,
    and so does an action a formula brings in (a plan linked to another sheet)."""
    action = columns.fields.get("action")
    if action is not None and not is_blank(grid.value(r, action)):
        return False
    return all(is_blank(grid.value(r, c)) or (r, c) in grid.worked_out for c in watched)


def read(
    grid: SheetGrid,
    detection: Detection,
    path: str | None = None,
    words: dict[RAG, str] | None = None,
) -> ActionPlan:
    """The plan in the table under ``detection``; ``words`` are the trust's status words."""
    columns = map_columns(grid, detection.header_row)
    actions: list[Action] = []
    skipped: list[int] = []
    action = _row_reader(columns, grid, words)
    rows, others = data_rows(grid, detection.header_row, columns)
    for r, repeat in rows:
        if repeat:
            skipped.append(r + 1)
            continue
        actions.append(action(grid.rows[r], r))
    title = next(
        (
            clean_text(v)
            for row in grid.rows[: detection.header_row]
            for v in row
            if isinstance(v, str) and v.strip()
        ),
        None,
    )
    source = PlanSource(
        path=None if path is None else str(path),
        layout=NAME,
        sheet=grid.name,
        header_row=detection.header_row + 1,
        columns=columns.fields | {f"computed:{k}": v for k, v in columns.computed.items()},
        update_columns=dict(columns.updates),
        extra_columns=dict(columns.extras),
        skipped_rows=skipped,
        not_actions=rows_not_read(grid, others, columns),
    )
    return ActionPlan(
        title=title,
        actions=actions,
        update_headers=list(columns.updates),
        extra_columns=list(columns.extras),
        metadata={},
        source=source,
    )


def read_action(
    grid: SheetGrid, r: int, columns: ColumnMap, words: dict[RAG, str] | None = None
) -> Action:
    line = grid.rows[r] if 0 <= r < grid.n_rows else []
    return _row_reader(columns, grid, words)(line, r)


def _row_reader(
    columns: ColumnMap,
    grid: SheetGrid,
    words: dict[RAG, str] | None,
) -> Callable[[list[Any], int], Action]:
    """:func:`read_action` for the rows of one table: where each field sits worked out once (a
    plan has thousands of rows, and a merge reads them twice)."""
    read = [*columns.fields.values(), *columns.updates.values(), *columns.extras.values()]
    span = max(read, default=-1) + 1
    padding = [None] * (span + 1)  # index ``span``: a None for a field the table lacks
    at = {fld: columns.fields.get(fld, span) for fld in KEY_FIELDS}
    i_id, i_theme, i_action, i_refs, i_pcs = (at[f] for f in KEY_FIELDS[:5])
    i_owner, i_start, i_due, i_status = (at[f] for f in KEY_FIELDS[5:])
    updates = [(name, columns.update_dates.get(name), col) for name, col in columns.updates.items()]
    extras = list(columns.extras.items())
    formats = grid.number_formats

    def action(line: list[Any], r: int) -> Action:
        # the row's cells up to the last column read, None past the row's end, and the None
        line = line[:span]
        line += padding[len(line) :]
        refs_text = clean_text(line[i_refs])
        pcs_text = clean_text(line[i_pcs])
        known_pcs, unknown_pcs = _characteristics(pcs_text)
        status_text = clean_text(line[i_status])
        owner = clean_text(line[i_owner])
        return Action(
            id=id_text(shown_id(line[i_id], formats.get((r, i_id)))),
            theme=clean_text(line[i_theme]),
            action=clean_text(line[i_action]),
            references_text=refs_text,
            references=list(_report_refs(refs_text)),
            characteristics_text=pcs_text,
            characteristics=list(known_pcs),
            characteristics_unknown=list(unknown_pcs),
            owner=" ".join(owner.split()) if owner else None,
            start=cell_date(line[i_start]),
            due=cell_date(line[i_due]),
            status_text=status_text,
            status=parse_status(status_text, words),
            updates=[
                ProgressUpdate(header=name, as_at=when, text=clean_text(line[col]))
                for name, when, col in updates
            ],
            extra={name: line[col] for name, col in extras},
            origin=CellOrigin(sheet=grid.name, row=r + 1),
        )

    return action


# The same few reference texts, characteristics and dates recur down a plan, and a merge reads
# the plan twice: the parsers are pure and their results kept frozen (tuples; each action gets
# lists of its own), so each distinct cell is parsed once.


@lru_cache(maxsize=8192)
def _characteristics(text: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    known, unknown = parse_protected_characteristics(text)
    return tuple(known), tuple(unknown)


@lru_cache(maxsize=8192)
def _report_refs(text: str | None) -> tuple[ReportRef, ...]:
    return tuple(parse_report_refs(text))


def cell_date(value: Any) -> DateValue:
    """:func:`~edi_xl.core.dates.parse_date`, each distinct cell value parsed once."""
    try:
        return _date_of((type(value), value))  # the type too: 1 == 1.0 == True
    except TypeError:  # not hashable
        return parse_date(value)


@lru_cache(maxsize=16384)
def _date_of(key: tuple[type, Any]) -> DateValue:
    return parse_date(key[1])
