"""The rules, as pure functions of (action, as-at date).

Nothing here reads a clock: the as-at date is always passed in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from edi_xl.core import rounds
from edi_xl.core.dates import DateKind, DateValue, is_a_timescale
from edi_xl.core.model import Action, ActionPlan, RowNotRead
from edi_xl.core.problems import Code, Problem, Report, problem
from edi_xl.core.status import DEFAULT_STATUS_WORDS, RAG
from edi_xl.core.text import has_words, names_someone

#: Column header named in a problem's location, per field.
FIELD_HEADERS = {
    "id": "#",
    "action": "Action (think SMART)",
    "owner": "Action Owner",
    "start": "Start Date",
    "due": "Due Date",
    "status": "Status",
    "references": "Report / Action",
    "characteristics": "Protected Characteristic",
}


@dataclass(frozen=True)
class Assessment:
    """What the rules say about one action at one as-at date."""

    status: RAG | None  # the RAG the action should show (None: blank or unreadable word)
    overdue: bool
    days_overdue: int | None
    has_deadline: bool


def is_overdue(action: Action, as_at: date) -> bool:
    """Not complete, and the due date is before the as-at date."""
    return _late(action.status, action.due.deadline, as_at)


def _late(status: RAG | None, deadline: date | None, as_at: date) -> bool:
    """The overdue rule, for an action declared ``status`` whose due date's deadline is
    ``deadline`` (the one definition every rule below asks)."""
    return status is not RAG.BLUE and deadline is not None and deadline < as_at


def _days_late(deadline: date | None, as_at: date, late: bool) -> int | None:
    return (as_at - deadline).days if late and deadline is not None else None


def _status_after(status: RAG | None, late: bool) -> RAG | None:
    """Blue stays Blue (it is never late); late becomes Red; otherwise ``status`` stands."""
    return RAG.RED if late else status


def days_overdue(action: Action, as_at: date) -> int | None:
    deadline = action.due.deadline
    return _days_late(deadline, as_at, _late(action.status, deadline, as_at))


def rag_status(action: Action, as_at: date) -> RAG | None:
    """Blue stays Blue; overdue becomes Red; otherwise the declared status stands."""
    return ruled_status(action.status, action.due, as_at)


def ruled_status(status: RAG | None, due: DateValue, as_at: date) -> RAG | None:
    """:func:`rag_status` of an action declared ``status``, due ``due``: what the rule makes
    of a status an owner returns (a merge asks this of thousands, without copying each
    action to ask it)."""
    return _status_after(status, _late(status, due.deadline, as_at))


def assess(action: Action, as_at: date) -> Assessment:
    """:func:`rag_status`, :func:`is_overdue`, :func:`days_overdue` and whether the action has
    a deadline, at once (a refresh asks this of every action: the due date's deadline is
    worked out once, not four times)."""
    status, deadline = action.status, action.due.deadline
    late = _late(status, deadline, as_at)
    return Assessment(
        status=_status_after(status, late),
        overdue=late,
        days_overdue=_days_late(deadline, as_at, late),
        has_deadline=deadline is not None,
    )


def status_word(rag: RAG | None, words: dict[RAG, str] | None = None) -> str | None:
    return (words or DEFAULT_STATUS_WORDS)[rag] if rag else None


def current_round(plan: ActionPlan, as_at: date) -> str | None:
    """The header of the plan's update column for the round at ``as_at``
    (:func:`edi_xl.core.rounds.current_round`)."""
    return rounds.current_round(plan.update_headers, as_at)


# --- problems ---------------------------------------------------------------------------


def _problem(
    code: Code, action: Action, field: str | None, value: Any, file: str | None, **fields: Any
) -> Problem:
    origin = action.origin
    return problem(
        code,
        action_id=action.id or None,
        file=file,
        sheet=origin.sheet if origin else None,
        row=origin.row if origin else None,
        column=FIELD_HEADERS.get(field or "", field),
        value=value,
        **fields,
    )


def action_problems(
    action: Action,
    as_at: date,
    round_header: str | None = None,
    words: dict[RAG, str] | None = None,
    file: str | None = None,
) -> list[Problem]:
    """Everything wrong with one action, at the as-at date."""
    words = words or DEFAULT_STATUS_WORDS
    out: list[Problem] = []

    # (a check plan asks this of thousands of actions, most of them without a problem: each
    # test below reads what it needs once, and a problem is made only when there is one)
    if not action.id:
        out.append(_problem(Code.MISSING_ID, action, "id", None, file))
    if not has_words(action.action):
        out.append(_problem(Code.MISSING_ACTION, action, "action", action.action, file))
    if not names_someone(action.owner):  # (empty, ", ,", "N/A")
        out.append(_problem(Code.MISSING_OWNER, action, "owner", action.owner, file))
    elif is_a_timescale(action.owner or ""):  # ("Business as usual" under Responsibility)
        out.append(_problem(Code.OWNER_NOT_NAMED, action, "owner", action.owner, file))

    due, start_value, status = action.due, action.start, action.status
    due_kind, start_kind = due.kind, start_value.kind
    if due_kind is DateKind.EMPTY:
        out.append(_problem(Code.MISSING_DUE_DATE, action, "due", None, file))
    elif due_kind is DateKind.UNREADABLE:
        out.append(_problem(Code.UNREADABLE_DUE_DATE, action, "due", due.text, file))
    elif due_kind is DateKind.NO_DEADLINE or due_kind is DateKind.START:
        out.append(_problem(Code.NO_FIXED_DEADLINE, action, "due", due.text, file))
    if start_kind is DateKind.UNREADABLE:
        out.append(_problem(Code.UNREADABLE_START_DATE, action, "start", start_value.text, file))
    start = start_value.date if start_kind is not DateKind.START else None
    deadline = due.deadline
    if start and deadline and deadline < start:
        out.append(
            _problem(
                Code.DUE_BEFORE_START,
                action,
                "due",
                due.text,
                file,
                due=due.describe(),
                start=start_value.describe(),
            )
        )

    if status is None:
        if action.status_text:
            out.append(
                _problem(
                    Code.UNKNOWN_STATUS,
                    action,
                    "status",
                    action.status_text,
                    file,
                    words=", ".join(words.values()),
                )
            )
        else:
            out.append(_problem(Code.MISSING_STATUS, action, "status", None, file))
    elif status is RAG.BLUE:
        if not action.has_any_update_text:
            out.append(
                _problem(Code.COMPLETE_WITHOUT_EVIDENCE, action, "status", action.status_text, file)
            )
    elif status is RAG.RED and deadline is not None and not _late(status, deadline, as_at):
        # Red is "exceeded timescales": a due date still to come says otherwise (moved out
        # since, or typed Red for a risk, which is Amber)
        out.append(
            _problem(
                Code.RED_NOT_OVERDUE,
                action,
                "status",
                action.status_text,
                file,
                word=action.status_text or words[status],
                due=due.describe(),
            )
        )
    elif (status is RAG.GREEN or status is RAG.AMBER) and _late(status, deadline, as_at):
        # overdue, yet not Red
        out.append(
            _problem(
                Code.OVERDUE_NOT_RED,
                action,
                "status",
                action.status_text,
                file,
                word=words[status],
                due=due.describe(),
            )
        )

    if round_header is not None and status is not RAG.BLUE:
        for update in action.updates:
            if update.header == round_header:
                current: str | None = update.text
                break
        else:
            current = None
        if not has_words(current):
            out.append(_problem(Code.NO_CURRENT_UPDATE, action, round_header, None, file))

    references = action.references
    if references:
        unknown_refs = [ref.text for ref in references if not ref.known]
        if unknown_refs:
            out.append(
                _problem(
                    Code.UNKNOWN_REFERENCE,
                    action,
                    "references",
                    action.references_text,
                    file,
                    unknown="; ".join(repr(t) for t in unknown_refs),
                )
            )
    if action.characteristics_unknown:
        out.append(
            _problem(
                Code.UNKNOWN_CHARACTERISTIC,
                action,
                "characteristics",
                action.characteristics_text,
                file,
                unknown="; ".join(repr(t) for t in action.characteristics_unknown),
            )
        )
    return out


def duplicate_id_problems(plan: ActionPlan, file: str | None = None) -> list[Problem]:
    rows: dict[str, list[Action]] = defaultdict(list)
    for action in plan.actions:
        if action.id:
            rows[action.id].append(action)
    out: list[Problem] = []
    for action_id, actions in rows.items():
        if len(actions) < 2:
            continue
        where = ", ".join(str(a.origin.row) for a in actions if a.origin)
        for action in actions:
            out.append(_problem(Code.DUPLICATE_ID, action, "id", action_id, file, rows=where))
    return out


def rows_not_read_problems(plan: ActionPlan, file: str | None = None) -> list[Problem]:
    """A note for each run of rows the reader took as headings, notes or a RAG key, and a
    warning for each row that holds an owner or a date but no action number or text (see
    :func:`edi_xl.tables.layouts.trust.not_an_action`): nothing in a plan's table goes
    unread without a word."""
    source = plan.source
    if source is None:
        return []
    out: list[Problem] = []
    runs: list[list[RowNotRead]] = []
    for row in source.not_actions:
        if row.like_an_action:
            runs.append([row])
            runs.append([])  # (a warning of its own: the next row starts again)
        elif (
            runs and runs[-1] and not runs[-1][0].like_an_action and runs[-1][-1].row == row.row - 1
        ):
            runs[-1].append(row)
        else:
            runs.append([row])
    for run in filter(None, runs):
        first, last = run[0].row, run[-1].row
        texts = list(dict.fromkeys(t for r in run for t in r.texts))
        shown = ", ".join(repr(t if len(t) <= 40 else t[:39] + "…") for t in texts[:6])
        if len(texts) > 6:
            shown += ", ..."
        out.append(
            problem(
                Code.ROW_WITHOUT_ACTION if run[0].like_an_action else Code.NOT_AN_ACTION,
                file=file,
                sheet=source.sheet,
                row=first,
                rows=_rows_are(first, last, run[0].like_an_action),
                shown=shown,
            )
        )
    return out


def _rows_are(first: int, last: int, has: bool) -> str:
    """ "row 6 is", "rows 16 to 20 are" ("row 8 has" when ``has``)."""
    if first == last:
        return f"row {first} {'has' if has else 'is'}"
    return f"rows {first} to {last} are"


def check_plan(
    plan: ActionPlan, as_at: date, words: dict[RAG, str] | None = None, file: str | None = None
) -> Report:
    """All problems of a plan at the as-at date, in sheet order."""
    round_header = current_round(plan, as_at)
    problems = duplicate_id_problems(plan, file) + rows_not_read_problems(plan, file)
    for action in plan.actions:
        problems.extend(action_problems(action, as_at, round_header, words, file))
    problems.sort(key=lambda p: (p.location.row or 0, p.code != Code.DUPLICATE_ID))
    return Report(problems=problems)
