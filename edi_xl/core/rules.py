"""The rules, as pure functions of (action, as-at date).

Nothing here reads a clock: the as-at date is always passed in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from edi_xl.core import rounds
from edi_xl.core.dates import DateKind, DateValue
from edi_xl.core.model import Action, ActionPlan
from edi_xl.core.problems import Code, Problem, Report, problem
from edi_xl.core.status import DEFAULT_STATUS_WORDS, RAG
from edi_xl.core.text import has_words

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
    return _overdue(action.status, action.due, as_at)


def _overdue(status: RAG | None, due: DateValue, as_at: date) -> bool:
    deadline = due.deadline
    return status is not RAG.BLUE and deadline is not None and deadline < as_at


def days_overdue(action: Action, as_at: date) -> int | None:
    deadline = action.due.deadline
    if not is_overdue(action, as_at) or deadline is None:
        return None
    return (as_at - deadline).days


def rag_status(action: Action, as_at: date) -> RAG | None:
    """Blue stays Blue; overdue becomes Red; otherwise the declared status stands."""
    return ruled_status(action.status, action.due, as_at)


def ruled_status(status: RAG | None, due: DateValue, as_at: date) -> RAG | None:
    """:func:`rag_status` of an action declared ``status``, due ``due``: what the rule makes
    of a status an owner returns (a merge asks this of thousands, without copying each
    action to ask it)."""
    if status is RAG.BLUE:
        return RAG.BLUE
    if _overdue(status, due, as_at):
        return RAG.RED
    return status


def assess(action: Action, as_at: date) -> Assessment:
    return Assessment(
        status=rag_status(action, as_at),
        overdue=is_overdue(action, as_at),
        days_overdue=days_overdue(action, as_at),
        has_deadline=action.due.deadline is not None,
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

    def add(code: Code, field: str | None, value: Any, **fields: Any) -> None:
        out.append(_problem(code, action, field, value, file, **fields))

    if not action.id:
        add(Code.MISSING_ID, "id", None)
    if not has_words(action.action):
        add(Code.MISSING_ACTION, "action", action.action)
    if not has_words(action.owner):
        add(Code.MISSING_OWNER, "owner", action.owner)

    due = action.due
    if due.kind is DateKind.EMPTY:
        add(Code.MISSING_DUE_DATE, "due", None)
    elif due.kind is DateKind.UNREADABLE:
        add(Code.UNREADABLE_DUE_DATE, "due", due.text)
    elif due.kind in (DateKind.NO_DEADLINE, DateKind.START):
        add(Code.NO_FIXED_DEADLINE, "due", due.text)
    if action.start.kind is DateKind.UNREADABLE:
        add(Code.UNREADABLE_START_DATE, "start", action.start.text)
    start = action.start.date if action.start.kind is not DateKind.START else None
    if start and due.deadline and due.deadline < start:
        add(
            Code.DUE_BEFORE_START,
            "due",
            due.text,
            due=due.describe(),
            start=action.start.describe(),
        )

    if action.status is None:
        if action.status_text:
            add(
                Code.UNKNOWN_STATUS,
                "status",
                action.status_text,
                words=", ".join(words.values()),
            )
        else:
            add(Code.MISSING_STATUS, "status", None)
    elif action.status is RAG.BLUE and not action.has_any_update_text:
        add(Code.COMPLETE_WITHOUT_EVIDENCE, "status", action.status_text)
    if action.status in (RAG.GREEN, RAG.AMBER) and is_overdue(action, as_at):
        add(
            Code.OVERDUE_NOT_RED,
            "status",
            action.status_text,
            word=words[action.status],
            due=due.describe(),
        )

    if round_header is not None:
        update = next((u for u in action.updates if u.header == round_header), None)
        if action.status is not RAG.BLUE and (update is None or not has_words(update.text)):
            add(Code.NO_CURRENT_UPDATE, round_header, None)

    unknown_refs = [ref.text for ref in action.references if not ref.known]
    if unknown_refs:
        add(
            Code.UNKNOWN_REFERENCE,
            "references",
            action.references_text,
            unknown="; ".join(repr(t) for t in unknown_refs),
        )
    if action.characteristics_unknown:
        add(
            Code.UNKNOWN_CHARACTERISTIC,
            "characteristics",
            action.characteristics_text,
            unknown="; ".join(repr(t) for t in action.characteristics_unknown),
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


def check_plan(
    plan: ActionPlan, as_at: date, words: dict[RAG, str] | None = None, file: str | None = None
) -> Report:
    """All problems of a plan at the as-at date, in sheet order."""
    round_header = current_round(plan, as_at)
    problems = duplicate_id_problems(plan, file)
    for action in plan.actions:
        problems.extend(action_problems(action, as_at, round_header, words, file))
    problems.sort(key=lambda p: (p.location.row or 0, p.code != Code.DUPLICATE_ID))
    return Report(problems=problems)
