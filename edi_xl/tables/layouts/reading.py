"""Reading an imported layout's tables into the model, the same way for 001-004.

A layout module describes itself with a :class:`LayoutSpec` (its header signature, which of
its columns go to which model field, which columns mean "same as above" when blank) and two
small hooks (report references / protected characteristics, and the number of a theme).
:func:`read_tables` does the rest:

* every column that is not a model field is kept as an extra column, by its header text;
* "As above" (or "Same as above", "Ditto") in any cell means the value of the row above; a
  blank cell in a ``carry_down`` column (the indicator of a group) does too;
* a row with one text across it is a heading: the theme of the rows under it (layout 003's
  numbered sections, a group label elsewhere); a heading with no actions under it is
  reported as not placed;
* due dates go through :func:`edi_xl.core.dates.parse_date`, keeping the original text;
* ids: the source's own when it has an id column, else ``<theme number>.<sequence>``, where the
  theme number is the one written in the source ("3. Create a culturally inclusive...",
  "Actions Indicator 7: ...") or, for themes with no number, the next number after the
  highest written one, in order of first appearance. The same source always gives the same
  ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edi_xl.core.dates import DEADLINE_KINDS, DateKind, parse_date
from edi_xl.core.model import Action, ActionPlan, CellOrigin, PlanSource, ProgressUpdate
from edi_xl.core.references import parse_protected_characteristics, parse_report_refs
from edi_xl.core.status import RAG, parse_status
from edi_xl.core.text import cell_text, one_line
from edi_xl.read.grid import SheetGrid, is_blank
from edi_xl.tables.engine import owner_text
from edi_xl.tables.layouts.base import Detection
from edi_xl.tables.layouts.tables import (
    Row,
    Signature,
    Table,
    detect_with,
    lone_text,
    read_preamble,
    safe_extra_name,
    walk,
)
from edi_xl.tables.layouts.trust import grid_totals_row

#: Model fields a layout column can feed; any other layout field is an extra column.
MODEL_FIELDS = frozenset({"id", "theme", "action", "owner", "due", "status", "progress"})

_AS_ABOVE = re.compile(r"^\s*(?:as\s+above|same\s+as\s+above|ditto|\"|〃)\s*\.?\s*$", re.I)


def is_as_above(text: str | None) -> bool:
    return bool(text) and _AS_ABOVE.match(text or "") is not None


#: (references text, characteristics text) for an action, from its row's cells by field.
RefsHook = Callable[[dict[str, str | None]], tuple[str | None, str | None]]
#: The number written in a theme ("3. Create..." -> 3), or None.
NumberHook = Callable[[str], int | None]


def no_refs(_: dict[str, str | None]) -> tuple[str | None, str | None]:
    return None, None


_LEADING_NUMBER = re.compile(r"^\s*(\d{1,3})\s*[.):]\s*\S")


def leading_number(text: str) -> int | None:
    """``"3. Create a culturally inclusive organisation" -> 3``."""
    m = _LEADING_NUMBER.match(text)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class LayoutSpec:
    name: str
    signature: Signature
    carry_down: tuple[str, ...] = ("theme",)
    #: the layout field read for the due date when there is no "due" column (it stays an
    #: extra column too); only a text holding a date gives a due date then.
    due_from: str | None = None
    refs: RefsHook = no_refs
    theme_number: NumberHook = leading_number
    #: split "theme" cells at their first blank line: the first paragraph is the theme.
    theme_first_paragraph: bool = False

    # The registry's protocol (edi_xl.tables.layouts): a layout module exposes these three as its
    # ``detect``, ``read_detail`` and ``read``.
    def detect(self, grid: SheetGrid) -> Detection | None:
        return detect_with(grid, self.name, self.signature)

    def read_detail(
        self,
        grid: SheetGrid,
        detection: Detection,
        path: str | None = None,
        words: dict[RAG, str] | None = None,
    ) -> TableRead:
        return read_tables(grid, detection, self, path, words)

    def read(
        self,
        grid: SheetGrid,
        detection: Detection,
        path: str | None = None,
        words: dict[RAG, str] | None = None,
    ) -> ActionPlan:
        return self.read_detail(grid, detection, path, words).plan


@dataclass
class TableRead:
    """A layout's reading of one grid: the plan, and how it went, for the import report."""

    plan: ActionPlan
    tables: int = 1  # header rows that start a new table (not a page's repeated header)
    headings: int = 0
    not_placed: list[str] = field(default_factory=list)
    filled_from_above: int = 0
    #: revised due dates in words ("No change") that gave way to the original (kept as written)
    original_due: int = 0
    rows: list[int] = field(default_factory=list)  # 0-based grid rows of the actions
    themes: list[str | None] = field(default_factory=list)  # per action: the theme numbered
    generated: list[bool] = field(default_factory=list)  # per action: id made by edi_xl
    number: NumberHook = leading_number  # how this layout reads a theme's number


def _text(grid: SheetGrid, r: int, col: int | None) -> str | None:
    return cell_text(grid.value(r, col)) if col is not None else None


def read_tables(
    grid: SheetGrid,
    detection: Detection,
    spec: LayoutSpec,
    path: str | None = None,
    words: dict[RAG, str] | None = None,
) -> TableRead:
    """Read every table of ``spec``'s layout in ``grid`` (see the module docstring)."""
    w = walk(grid, spec.signature)
    preamble = [r for r in w.preamble if not blank_row(grid.rows[r])]
    first_heading: tuple[int, str] | None = None
    if preamble:  # "1. Ensure ..." just above the first table: the first section's heading
        text = lone_text(grid.rows[preamble[-1]])
        if text and leading_number(text) is not None:
            first_heading = (preamble[-1], text)
            preamble = preamble[:-1]
    title, metadata = read_preamble(grid, preamble)
    extra_names: dict[str, str] = {}  # layout field or header -> extra column name, in order
    update_header: str | None = None
    above: dict[str, str | None] = {}
    heading: str | None = first_heading[1] if first_heading else None
    heading_row: int | None = first_heading[0] if first_heading else None
    heading_used = first_heading is None
    not_placed: list[str] = []
    skipped: list[int] = []
    drafts: list[tuple[Action, str | None]] = []
    rows: list[int] = []
    filled = 0
    tables = 0
    headings = 1 if first_heading else 0

    def heading_done() -> None:
        if heading is not None and not heading_used:
            not_placed.append(
                f"{grid.name} row {(heading_row or 0) + 1}: {heading!r} "
                "(a line on its own with no actions under it)"
            )

    for event in w.events:
        table = event.table
        if event.kind == "header":
            if table.repeat:
                skipped.append(event.row + 1)
            else:
                tables += 1
            for fld, col in table.fields.items():
                if fld == "progress" and update_header is None:
                    update_header = one_line(grid.value(table.header_row, col))
                if fld not in MODEL_FIELDS:
                    extra_names.setdefault(fld, one_line(grid.value(table.header_row, col)))
            for name in table.extras:
                extra_names.setdefault(f"extra:{name}", name)
            continue
        if event.kind == "heading":
            heading_done()
            heading, heading_row, heading_used = event.text, event.row, False
            headings += 1
            for key in ("theme", *spec.carry_down):  # never carried across a heading
                above.pop(key, None)
            continue
        columns = sorted({*table.fields.values(), *table.extras.values()})
        if grid_totals_row(grid, event.row, columns, table.fields.get("action")):
            continue  # (a row of totals under the table: "Total", "=COUNTA(...)")
        values, n_filled = _row_values(grid, event, spec, above, heading)
        if not _is_action(values, table, spec):
            continue
        filled += n_filled
        heading_used = True
        above = dict(values)
        action, theme = _action(grid, event, values, table, spec, update_header, words)
        drafts.append((action, theme))
        rows.append(event.row)
    heading_done()

    names = _extra_columns(extra_names)
    for action, _ in drafts:
        action.extra = {names[k]: action.extra.get(k) for k in names}
    generated = [not a.id for a, _ in drafts]
    assign_ids(drafts, spec.theme_number)
    first = w.tables[0] if w.tables else None
    source = PlanSource(
        path=path,
        layout=spec.name,
        sheet=grid.name,
        header_row=detection.header_row + 1,
        columns=dict(first.fields) if first else {},
        extra_columns=dict(first.extras) if first else {},
        skipped_rows=skipped,
    )
    plan = ActionPlan(
        title=title,
        actions=[a for a, _ in drafts],
        update_headers=[update_header] if update_header else [],
        extra_columns=list(names.values()),
        metadata=metadata,
        source=source,
    )
    return TableRead(
        plan=plan,
        tables=tables,
        headings=headings,
        not_placed=not_placed,
        filled_from_above=filled,
        rows=rows,
        themes=[t for _, t in drafts],
        generated=generated,
        number=spec.theme_number,
    )


def _extra_columns(extra_names: dict[str, str]) -> dict[str, str]:
    """key -> the extra column's header in the master (never one the trust layout reads)."""
    out: dict[str, str] = {}
    for key, name in extra_names.items():
        out[key] = safe_extra_name(name, out.values())
    return out


def _row_values(
    grid: SheetGrid,
    event: Row,
    spec: LayoutSpec,
    above: dict[str, str | None],
    heading: str | None,
) -> tuple[dict[str, str | None], int]:
    """The row's cells by layout field (extras by "extra:<header>"), "As above" resolved."""
    table = event.table
    values: dict[str, str | None] = {}
    filled = 0
    cols = {**table.fields, **{f"extra:{k}": c for k, c in table.extras.items()}}
    # A row that names its own group (a new indicator) starts a new group: the group's other
    # columns (004's Performance) are not carried into it from the group above.
    key_col = table.fields.get(spec.carry_down[0]) if spec.carry_down else None
    own_key = _text(grid, event.row, key_col) if key_col is not None else None
    new_group = own_key is not None and not is_as_above(own_key)
    for key, col in cols.items():
        text = _text(grid, event.row, col)
        if is_as_above(text):
            text = above.get(key)
            filled += 1
        elif (
            text is None
            and key in spec.carry_down
            and key in above
            and not (new_group and key != spec.carry_down[0])
        ):
            text = above[key]
        values[key] = text
    if "theme" not in table.fields or values.get("theme") is None:
        values["theme"] = values.get("theme") or above.get("theme") or heading
    return values, filled


def _is_action(values: dict[str, str | None], table: Table, spec: LayoutSpec) -> bool:
    """A row with something of its own (not only what was carried down from above)."""
    carried = set(spec.carry_down) | {"theme"}
    return any(values.get(k) for k in values if k not in carried)


def _action(
    grid: SheetGrid,
    event: Row,
    values: dict[str, str | None],
    table: Table,
    spec: LayoutSpec,
    update_header: str | None,
    words: dict[RAG, str] | None,
) -> tuple[Action, str | None]:
    theme = values.get("theme")
    if theme and spec.theme_first_paragraph:
        # "Eliminate total pay gaps for race\n\nNHS England EDI Improvement Plan High Impact
        # Action 3": the first paragraph is the theme, the rest the report reference.
        parts = re.split(r"\n\s*\n", theme.strip(), maxsplit=1)
        rest = parts[1].strip() if len(parts) == 2 else ""
        refs = parse_report_refs(rest)
        if rest and refs and all(r.known for r in refs):
            theme, values = parts[0].strip(), {**values, "theme_rest": rest}
    numbered = theme
    if theme and leading_number(theme) is not None:  # "3. Create a culturally ..." heading
        theme = re.sub(r"^\s*\d{1,3}\s*[.):]\s*", "", theme)
    refs_text, pcs_text = spec.refs(values)
    known_pcs, unknown_pcs = parse_protected_characteristics(pcs_text)
    due_col = table.fields.get("due")
    if due_col is not None:
        raw = grid.value(event.row, due_col)
        due = parse_date(values.get("due") if isinstance(raw, str) or raw is None else raw)
    elif spec.due_from and values.get(spec.due_from):
        due = parse_date(values.get(spec.due_from))
        if due.kind not in DEADLINE_KINDS and due.kind is not DateKind.START:
            due = parse_date(None)  # no date in the text: it stays in its own column only
    else:
        due = parse_date(None)
    status_text = values.get("status")
    owner = values.get("owner")
    action = Action(
        id=values.get("id") or "",
        theme=theme,
        action=values.get("action"),
        references_text=refs_text,
        references=parse_report_refs(refs_text),
        characteristics_text=pcs_text,
        characteristics=known_pcs,
        characteristics_unknown=unknown_pcs,
        owner=owner_text(owner),
        due=due,
        status_text=status_text,
        status=parse_status(status_text, words),
        updates=(
            [ProgressUpdate(header=update_header, text=values.get("progress"))]
            if update_header
            else []
        ),
        extra={k: v for k, v in values.items() if k not in MODEL_FIELDS and k != "theme_rest"},
        origin=CellOrigin(sheet=grid.name, row=event.row + 1),
    )
    return action, numbered


def _theme_key(theme: str | None) -> str:
    return " ".join((theme or "").split()).casefold()


def assign_ids(drafts: list[tuple[Action, str | None]], number: NumberHook) -> None:
    """``<theme number>.<sequence>`` for every action without an id of its own."""
    numbers: dict[str, int | None] = {}
    for _, theme in drafts:
        key = _theme_key(theme)
        if key not in numbers:
            numbers[key] = number(theme) if theme else None
    written = [n for n in numbers.values() if n is not None]
    next_number = max(written, default=0) + 1
    for key, n in numbers.items():
        if n is None:
            numbers[key] = next_number
            next_number += 1
    taken = {a.id for a, _ in drafts if a.id}
    sequence: dict[int, int] = {}
    for action, theme in drafts:
        if action.id:
            continue
        n = numbers[_theme_key(theme)] or 0
        while True:
            sequence[n] = sequence.get(n, 0) + 1
            candidate = f"{n}.{sequence[n]}"
            if candidate not in taken:
                break
        action.id = candidate
        taken.add(candidate)


def blank_row(row: list[Any]) -> bool:
    return all(is_blank(v) for v in row)
