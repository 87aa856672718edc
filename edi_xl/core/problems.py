"""Problems found in the data: records, not exceptions (collect all, then show them)."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Severity(StrEnum):
    ERROR = "error"  # the plan is wrong and the rules cannot be trusted for this action
    WARNING = "warning"  # needs a human to look
    INFO = "info"  # worth knowing; nothing to fix


class Code(StrEnum):
    """Stable problem codes: reports, tests and the Problems column use these."""

    MISSING_ID = "missing_id"
    MISSING_ACTION = "missing_action"
    MISSING_OWNER = "missing_owner"
    MISSING_DUE_DATE = "missing_due_date"
    UNREADABLE_DUE_DATE = "unreadable_due_date"
    UNREADABLE_START_DATE = "unreadable_start_date"
    DUE_BEFORE_START = "due_before_start"
    DUPLICATE_ID = "duplicate_id"
    MISSING_STATUS = "missing_status"
    UNKNOWN_STATUS = "unknown_status"
    COMPLETE_WITHOUT_EVIDENCE = "complete_without_evidence"
    OVERDUE_NOT_RED = "overdue_declared_on_track"
    NO_CURRENT_UPDATE = "no_current_update"
    UNKNOWN_REFERENCE = "unknown_report_reference"
    UNKNOWN_CHARACTERISTIC = "unknown_protected_characteristic"
    NO_FIXED_DEADLINE = "no_fixed_deadline"

    # Flags raised reading, merging or normalising owner returns (the Returns sheet's
    # "Flags this round", the ``flags`` of the --report JSON).
    AMBIGUOUS_ID = "ambiguous_id"
    UNKNOWN_ACTION = "unknown_action"
    NO_ID = "no_id"
    LOCKED_FIELD_CHANGED = "locked_field_changed"
    COLUMN_NOT_READ = "column_not_read"
    OTHER_MASTER = "other_master"
    OTHER_ROUND = "other_round"
    ROW_REMOVED = "row_removed"
    CHANGED_SINCE_SENT = "changed_since_sent"
    SUPERSEDED = "superseded"
    INVALID_STATUS = "invalid_status"
    VALUE_TRUNCATED = "value_truncated"
    STATUS_OVERRIDDEN = "status_overridden"


SEVERITY: dict[Code, Severity] = {
    Code.MISSING_ID: Severity.ERROR,
    Code.MISSING_ACTION: Severity.ERROR,
    Code.MISSING_OWNER: Severity.WARNING,
    Code.MISSING_DUE_DATE: Severity.WARNING,
    Code.UNREADABLE_DUE_DATE: Severity.ERROR,
    Code.UNREADABLE_START_DATE: Severity.WARNING,
    Code.DUE_BEFORE_START: Severity.ERROR,
    Code.DUPLICATE_ID: Severity.ERROR,
    Code.MISSING_STATUS: Severity.WARNING,
    Code.UNKNOWN_STATUS: Severity.ERROR,
    Code.COMPLETE_WITHOUT_EVIDENCE: Severity.WARNING,
    Code.OVERDUE_NOT_RED: Severity.WARNING,
    Code.NO_CURRENT_UPDATE: Severity.WARNING,
    Code.UNKNOWN_REFERENCE: Severity.WARNING,
    Code.UNKNOWN_CHARACTERISTIC: Severity.WARNING,
    Code.NO_FIXED_DEADLINE: Severity.INFO,
    # what a return asked for is not taken at all
    Code.AMBIGUOUS_ID: Severity.ERROR,
    Code.UNKNOWN_ACTION: Severity.ERROR,
    Code.NO_ID: Severity.ERROR,
    Code.INVALID_STATUS: Severity.ERROR,
    # taken, or partly taken, but a person should look
    Code.LOCKED_FIELD_CHANGED: Severity.WARNING,
    Code.COLUMN_NOT_READ: Severity.WARNING,
    Code.OTHER_MASTER: Severity.WARNING,
    Code.OTHER_ROUND: Severity.WARNING,
    Code.ROW_REMOVED: Severity.WARNING,
    Code.CHANGED_SINCE_SENT: Severity.WARNING,
    Code.VALUE_TRUNCATED: Severity.WARNING,
    Code.STATUS_OVERRIDDEN: Severity.WARNING,
    # a newer return says it instead
    Code.SUPERSEDED: Severity.INFO,
}


class Outcome(StrEnum):
    """What became of a file of a batch of returns (the ``outcome`` of a file in the
    --report JSON and on the Returns sheet). A str enum: ``Outcome.MERGED == "merged"``."""

    READ = "read"  # read, not yet merged (intake only)
    SKIPPED = "skipped"  # not a spreadsheet or not a return: left alone
    REJECTED = "rejected"  # a return that could not be used; the reason says why
    MERGED = "merged"  # at least one action updated from it
    SUPERSEDED = "superseded"  # a newer return from the same owner was taken instead
    UNCHANGED = "unchanged"  # sent back with no new status or update
    NORMALISED = "normalised"  # written out as a clean return (``edi-xl normalise``)


class Location(BaseModel):
    file: str | None = None
    sheet: str | None = None
    row: int | None = None  # 1-based, as Excel shows it
    column: str | None = None  # the column's header text
    cell: str | None = None  # "H12"

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.sheet and f"sheet {self.sheet!r}") if p]
        if self.cell:
            parts.append(f"cell {self.cell}")
        elif self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


class Problem(BaseModel):
    code: Code
    severity: Severity
    action_id: str | None = None
    location: Location = Field(default_factory=Location)
    value: Any = None
    message: str

    def __str__(self) -> str:
        where = str(self.location)
        who = f"action {self.action_id}" if self.action_id else "an action"
        return f"{self.severity.value}: {who}: {self.message}" + (f" [{where}]" if where else "")


class Report(BaseModel):
    """All problems found in a plan."""

    problems: list[Problem] = Field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        """True when anything other than information was found."""
        return any(p.severity != Severity.INFO for p in self.problems)

    def counts(self) -> dict[str, int]:
        return dict(Counter(p.severity.value for p in self.problems))


class Flag:
    """A problem found in an owner's return (merge, normalise): a view of a :class:`Problem`
    under the names the ``--report`` JSON and the Returns sheet use: ``id`` (the action),
    ``file``, ``kind`` (the code) and ``message``; where in the return it was, when known,
    is the problem's location (sheet, row, column)."""

    __slots__ = ("problem",)

    def __init__(
        self,
        id: str | None,
        file: str,
        kind: Code,
        message: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
    ) -> None:
        where = Location(file=file, sheet=sheet, row=row, column=column)
        self.problem = Problem(
            code=kind,
            severity=SEVERITY[kind],
            action_id=id,
            location=where,
            value=value,
            message=message,
        )

    @classmethod
    def of(cls, problem: Problem) -> Flag:
        """The flag of a problem found in a return (its location names the file)."""
        if problem.location.file is None:
            raise ValueError(f"a flag needs the file it was found in: {problem}")
        flag = cls.__new__(cls)
        flag.problem = problem
        return flag

    @property
    def id(self) -> str | None:
        return self.problem.action_id

    @property
    def file(self) -> str:
        assert self.problem.location.file is not None  # set by __init__ and of()
        return self.problem.location.file

    @property
    def kind(self) -> Code:
        return self.problem.code

    @property
    def message(self) -> str:
        return self.problem.message

    @property
    def severity(self) -> Severity:
        return self.problem.severity

    @property
    def location(self) -> Location:
        return self.problem.location

    def as_json(self) -> dict[str, Any]:
        """The flag as the --report JSON gives it."""
        return {"id": self.id, "file": self.file, "kind": self.kind.value, "message": self.message}

    def line(self) -> str:
        """The flag as the command line and the buttons print it."""
        action = f" (action {self.id})" if self.id else ""
        return f"{self.kind.value}: {self.file}{action}: {self.message}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Flag) and self.problem == other.problem

    __hash__ = None  # type: ignore[assignment]  # a Problem's value may be any cell value

    def __repr__(self) -> str:
        return f"Flag({self.id!r}, {self.file!r}, {self.kind.value!r}, {self.message!r})"
