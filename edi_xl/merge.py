"""Merge owner returns into the master: only status and update, everything else flagged.

The rules (issue 3): rows are matched to master actions by id (as text; a number that Excel
made of "7.10" is resolved by the action text), else by action text; only the Status and the
round's "Update as at <as-at>" cell are applied; a change to any other field is flagged
``locked_field_changed`` and not applied; the newest return wins and older ones are flagged
``superseded``; nothing from a return becomes a formula; the core refresh runs afterwards and
every change is logged in the Change Log with the file it came from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.dates import parse_date
from edi_xl.errors import EdiXlError
from edi_xl.grid import SheetGrid, grid_from_worksheet
from edi_xl.headers import update_header
from edi_xl.intake import READ, REJECTED, ReturnFile, ReturnRow, read_returns
from edi_xl.isolation import FileReader
from edi_xl.layouts import trust
from edi_xl.model import Action
from edi_xl.owner_returns import last_update_text, row_fingerprint
from edi_xl.status import RAG, parse_status
from edi_xl.workbook import sheets
from edi_xl.workbook.cells import comparable, set_value
from edi_xl.workbook.columns import insert_column
from edi_xl.workbook.master import (
    RefreshResult,
    gc_paused,
    load_master,
    read_master_plan,
    refresh_book,
    wrap_top_setter,
)
from edi_xl.workbook.patch import save_master
from edi_xl.workbook.save import backup_path
from edi_xl.workbook.sheets import Change
from edi_xl.workbook.styles import HEADER_ALIGN, HEADER_FILL, HEADER_FONT, WRAP_TOP

RETURNS_SHEET = "Returns"
TEXT_MATCH = 0.85  # how alike action texts must be to match a row with no (usable) id
FIELD_LABELS = {
    "action": "Action",
    "owner": "Action Owner",
    "due": "Due Date",
    "start": "Start Date",
    "theme": "Milestone",
    "references": "Report / Action",
    "characteristics": "Protected Characteristic",
}


@dataclass(frozen=True)
class Flag:
    """Something in a return that needs a person."""

    id: str | None
    file: str
    kind: str
    message: str


@dataclass(frozen=True)
class MergeChange:
    id: str
    field: str  # "status" | "update"
    old: Any
    new: Any
    file: str


@dataclass
class FileOutcome:
    file: str
    outcome: str  # merged | skipped | rejected | superseded
    reason: str | None
    owner: str | None
    rows: int


@dataclass
class MergeReport:
    """What became of each file of a batch, the changes made and the flags raised."""

    as_at: date
    files: list[FileOutcome]
    changes: list[MergeChange]
    flags: list[Flag]

    @property
    def needs_attention(self) -> bool:
        return bool(self.flags) or any(f.outcome == REJECTED for f in self.files)

    def report(self) -> dict[str, Any]:
        """The --report JSON, in exactly the shape issue 3 pins (normalise: no changes)."""
        return {
            "as_at": self.as_at.isoformat(),
            "files": [
                {
                    "file": f.file,
                    "outcome": f.outcome,
                    "reason": f.reason,
                    "owner": f.owner,
                    "rows": f.rows,
                }
                for f in self.files
            ],
            "changes": [
                {
                    "id": c.id,
                    "field": c.field,
                    "old": _json(c.old),
                    "new": _json(c.new),
                    "file": c.file,
                }
                for c in self.changes
            ],
            "flags": [
                {"id": f.id, "file": f.file, "kind": f.kind, "message": f.message}
                for f in self.flags
            ],
        }


@dataclass
class MergeResult(MergeReport):
    refresh: RefreshResult | None = None
    path: Path | None = None
    backup: Path | None = None


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _norm(text: Any) -> str:
    return " ".join(str(text).split()) if text is not None else ""


def _similar(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, _norm(a).lower(), _norm(b).lower()).ratio()


def _same_number(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def match_row(
    row: ReturnRow, actions: list[Action], by_id: dict[str, Action] | None = None
) -> tuple[Action | None, Flag | None]:
    """The master action a return row is about, or a flag saying why there is none.

    ``by_id`` is the master's id index, passed in when matching many rows.
    """
    by_id = by_id if by_id is not None else {a.id: a for a in actions if a.id}
    text = row.locked.get("action")
    text = _norm(text) if text else None
    if row.id:
        exact = by_id.get(row.id)
        if exact is not None and not row.id_was_number:
            return exact, None
        candidates = [a for a in actions if a.id and _same_number(a.id, row.id)]
        if exact is not None and exact not in candidates:
            candidates.append(exact)
        if len(candidates) == 1:
            return candidates[0], None
        if len(candidates) > 1:
            scored = sorted(
                ((_similar(text, a.action), a) for a in candidates),
                key=lambda t: t[0],
                reverse=True,
            )
            if text and scored[0][0] >= 0.6 and scored[0][0] - scored[1][0] >= 0.1:
                return scored[0][1], None
            ids = ", ".join(a.id for a in candidates)
            return None, Flag(
                row.id,
                row.file,
                "ambiguous_id",
                f"row {row.row}: id {row.id} could be any of {ids} (Excel turns "
                "7.10 into 7.1); the action text does not tell which",
            )
    if text:
        scored = sorted(
            ((_similar(text, a.action), a) for a in actions), key=lambda t: t[0], reverse=True
        )
        if (
            scored
            and scored[0][0] >= TEXT_MATCH
            and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.05)
        ):
            return scored[0][1], None
    what = f"id {row.id!r}" if row.id else "no id, and the action text matches no action"
    return None, Flag(
        row.id or None,
        row.file,
        "unknown_action",
        f"sheet {row.sheet!r} row {row.row}: {what} is not in the master; not added",
    )


def locked_changes(row: ReturnRow, action: Action) -> list[Flag]:
    """Edits the owner made to fields they may not change."""
    master: dict[str, Any] = {
        "action": action.action,
        "owner": action.owner,
        "theme": action.theme,
        "references": action.references_text,
        "characteristics": action.characteristics_text,
    }
    flags: list[Flag] = []
    for fld, value in row.locked.items():
        if fld in ("due", "start"):
            old = action.due if fld == "due" else action.start
            new = parse_date(value)
            same = (
                (new.date == old.date)
                if new.date and old.date
                else (_norm(new.text) == _norm(old.text))
            )
            old_text, new_text = old.text, new.text
        else:
            old_text, new_text = _norm(master.get(fld)), _norm(value)
            same = old_text == new_text
        if not same:
            flags.append(
                Flag(
                    action.id,
                    row.file,
                    "locked_field_changed",
                    f"row {row.row}: {FIELD_LABELS[fld]} changed from {old_text!r} to "
                    f"{new_text!r}; not applied (only Status and the update are "
                    "taken from returns)",
                )
            )
    return flags


def file_flags(
    file: ReturnFile, as_at: date, master: object = None, *, unread: bool = True
) -> list[Flag]:
    """What the whole file needs a person for: text not read (unless ``unread`` is False),
    and, for a return made by ``edi-xl returns``, another master or round named in it, or
    actions taken out of it."""
    flags = [
        Flag(
            None,
            file.name,
            "column_not_read",
            f"{where} not read: only the Status and the update are taken from returns",
        )
        for where in (file.unread if unread else [])
    ]
    meta = file.metadata
    if meta is None:
        return flags
    if meta.master and master and _same_master(meta.master, str(master)) is False:
        flags.append(
            Flag(
                None,
                file.name,
                "other_master",
                f"this return was made from {meta.master!r}, not {master!r}; merged "
                "by action number and text: check it belongs to this plan",
            )
        )
    if meta.as_at and meta.as_at != as_at:
        flags.append(
            Flag(
                None,
                file.name,
                "other_round",
                f"this return was sent for the round as at {meta.as_at:%d %b %Y}; "
                f"it is merged into the round as at {as_at:%d %b %Y}",
            )
        )
    returned = {r.id for r in file.rows}
    numbers = {r.id for r in file.rows if r.id_was_number}
    for sent in meta.rows:
        if sent.id not in returned and not any(_same_number(sent.id, n) for n in numbers):
            flags.append(
                Flag(
                    sent.id,
                    file.name,
                    "row_removed",
                    f"action {sent.id} was sent in this return but is not in it any "
                    "more; nothing taken for it",
                )
            )
    return flags


def _same_master(named: str, master: str) -> bool:
    """Is the master a return names this master (or its backup copy)?"""

    def key(name: str) -> str:
        stem = Path(name).stem.casefold()
        return stem.removesuffix(".backup")

    return key(named) == key(master)


def changed_since_sent(
    action: Action,
    row: ReturnRow,
    status_word: str,
    fingerprint: str,
    sent_as_at: date | None,
    words: dict[RAG, str],
) -> Flag | None:
    """A flag when the return would change a Status that changed in the master after the
    return was sent (the row fingerprint of what was sent tells what the master held then)."""
    if comparable(status_word) == comparable(action.status_text):
        return None  # the return changes nothing (also: a merge run twice)
    last = last_update_text(action, sent_as_at) if sent_as_at else None

    def sent_with(status: str | None) -> bool:
        return (
            row_fingerprint(action.id, action.action, action.due.text, status, last) == fingerprint
        )

    if sent_with(action.status_text):
        return None  # the master is as it was when the return was sent
    before = next((w for w in (*words.values(), None) if sent_with(w)), _UNKNOWN)
    if before is _UNKNOWN:
        return None  # the action itself changed since: locked_changes says what
    return Flag(
        action.id,
        row.file,
        "changed_since_sent",
        f"row {row.row}: Status was {before!r} when this return was sent and is now "
        f"{action.status_text!r} in the master; the return's {status_word!r} is applied "
        "(see the Change Log to undo)",
    )


_UNKNOWN = object()


@dataclass
class _Candidate:
    file: ReturnFile
    row: ReturnRow
    status: str | None  # the master's word for the owner's status
    update: str | None


def round_column(ws: Worksheet, header_row: int, as_at: date, grid: SheetGrid | None = None) -> int:
    """The 1-based column of the round's "Update as at <as-at>", inserted if missing.

    A new column goes right after the last update column; columns to its right move along.
    ``grid`` is the sheet's values, when the caller has them and nothing was written since.
    """
    columns = trust.map_columns(grid or grid_from_worksheet(ws), header_row - 1)
    for name, col in columns.updates.items():
        if columns.update_dates.get(name) == as_at:
            return col + 1
    anchor = max(columns.updates.values(), default=columns.fields.get("status", 0))
    new_col = anchor + 2  # 1-based, right after the last update column
    insert_column(ws, new_col)
    cell = ws.cell(header_row, new_col)
    set_value(cell, update_header(as_at))
    cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
    ws.column_dimensions[get_column_letter(new_col)].width = trust.UPDATE_WIDTH
    return new_col


def merge_book(
    wb: Workbook,
    files: list[ReturnFile],
    as_at: date,
    *,
    now: datetime | None = None,
    path: object = None,
) -> MergeResult:
    """Merge already-read returns into a loaded master, in memory."""
    master = read_master_plan(wb, path)
    ws, detection, words, plan = master.sheet, master.detection, master.words, master.plan
    header_row = master.header_row
    flags: list[Flag] = []
    candidates: dict[str, list[_Candidate]] = defaultdict(list)
    actions = {a.id: a for a in plan.actions if a.id}

    for file in files:
        if file.outcome != READ:
            continue
        flags.extend(file_flags(file, as_at, path))
        sent = file.metadata.by_id() if file.metadata else {}
        for row in file.rows:
            action, flag = match_row(row, plan.actions, actions)
            if flag:
                flags.append(flag)
                continue
            assert action is not None
            flags.extend(locked_changes(row, action))
            status_word = None
            if row.status:
                rag = parse_status(row.status, words)
                if rag is None:
                    flags.append(
                        Flag(
                            action.id,
                            file.name,
                            "invalid_status",
                            f"row {row.row}: {row.status!r} is not a RAG status; "
                            f"the master keeps {action.status_text!r}",
                        )
                    )
                else:
                    status_word = words[rag]
            sent_row = sent.get(action.id)
            if sent_row and sent_row.fingerprint and status_word is not None:
                flag = changed_since_sent(
                    action,
                    row,
                    status_word,
                    sent_row.fingerprint,
                    file.metadata.as_at if file.metadata else None,
                    words,
                )
                if flag:
                    flags.append(flag)
            candidates[action.id].append(_Candidate(file, row, status_word, row.update))

    grid = master.grid or grid_from_worksheet(ws)  # nothing written to the sheet yet
    status_col = trust.map_columns(grid, detection.header_row).fields["status"] + 1
    update_col = round_column(ws, header_row, as_at, grid) if candidates else None
    if update_col is not None and status_col >= update_col:  # moved along by the new column
        status_col += 1

    changes: list[MergeChange] = []
    log: list[Change] = []
    won: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    wrap_top = wrap_top_setter(wb)
    for action_id, cands in candidates.items():
        cands.sort(key=lambda c: (c.file.stamp or datetime.min.replace(tzinfo=UTC), c.file.name))
        winner = cands[-1]
        for older in cands[:-1]:
            lost[older.file.name] += 1
            flags.append(
                Flag(
                    action_id,
                    older.file.name,
                    "superseded",
                    f"row {older.row.row}: a newer return ({winner.file.name}) "
                    f"updates action {action_id}; this one was not applied",
                )
            )
        won[winner.file.name] += 1
        action = actions[action_id]
        assert action.origin is not None and update_col is not None
        sheet_row = action.origin.row
        for fld, col, new in (
            ("status", status_col, winner.status),
            ("update", update_col, winner.update),
        ):
            if new is None:
                continue
            cell = ws.cell(sheet_row, col)
            if comparable(cell.value) == comparable(new):
                continue
            old = cell.value
            if set_value(cell, new):
                wrap_top(cell)
                new = cell.value  # as the cell holds it (control characters made visible)
                changes.append(MergeChange(action_id, fld, old, new, winner.file.name))
                label = "Status" if fld == "status" else update_header(as_at)
                log.append(Change(action_id, label, old, new, winner.file.name))

    outcomes = [_outcome(f, won, lost, actions) for f in files]
    when = now or datetime.now().replace(microsecond=0)
    sheets.append_changes(wb, log, when)
    write_returns_sheet(wb, plan.owners, files, outcomes, flags, as_at)
    refreshed = refresh_book(wb, as_at, source=f"merge as at {as_at:%d %b %Y}", now=when, path=path)
    return MergeResult(as_at, outcomes, changes, flags, refreshed)


def _outcome(
    file: ReturnFile, won: Counter[str], lost: Counter[str], actions: dict[str, Action]
) -> FileOutcome:
    if file.outcome != READ:
        return FileOutcome(file.name, file.outcome, file.reason, None, 0)
    owners = Counter(
        actions[r.id].owner for r in file.rows if r.id in actions and actions[r.id].owner
    )
    owner = owners.most_common(1)[0][0] if owners else file.owner
    if won[file.name]:
        return FileOutcome(file.name, "merged", None, owner, won[file.name])
    if lost[file.name]:
        return FileOutcome(
            file.name, "superseded", "a newer return updates the same actions", owner, 0
        )
    return FileOutcome(file.name, REJECTED, "no row matched an action of the master", owner, 0)


def write_returns_sheet(
    wb: Workbook,
    owners: list[str],
    files: list[ReturnFile],
    outcomes: list[FileOutcome],
    flags: list[Flag],
    as_at: date,
) -> None:
    """The Returns sheet: who returned what, and who to chase (edi_xl owns this sheet)."""
    if RETURNS_SHEET in wb.sheetnames:
        del wb[RETURNS_SHEET]
    ws = wb.create_sheet(RETURNS_SHEET)
    stamps = {f.name: f.stamp for f in files}
    by_owner: dict[str, list[FileOutcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.owner:
            by_owner[outcome.owner].append(outcome)
    flag_count = Counter(f.file for f in flags)
    set_value(ws["A1"], f"Owner returns as at {as_at.day} {as_at:%B %Y}")
    headers = ("Action Owner", "Returned", "When", "File(s)", "Rows updated", "Flags")
    for c, text in enumerate(headers, start=1):
        cell = ws.cell(3, c)
        set_value(cell, text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    r = 4
    for owner in owners:
        got = [o for o in by_owner.get(owner, []) if o.outcome in ("merged", "superseded")]
        times = [t for o in got if (t := stamps.get(o.file)) is not None]
        latest = max(times, default=None)
        values = (
            owner,
            "Yes" if got else "No",
            latest.astimezone(UTC).replace(tzinfo=None) if latest else None,
            ", ".join(o.file for o in got) or None,
            sum(o.rows for o in got),
            sum(flag_count[o.file] for o in got),
        )
        for c, value in enumerate(values, start=1):
            set_value(ws.cell(r, c), value, number_format="yyyy-mm-dd hh:mm" if c == 3 else None)
        r += 1
    chase = [
        o
        for o in owners
        if not any(x.outcome in ("merged", "superseded") for x in by_owner.get(o, []))
    ]
    r += 1
    set_value(ws.cell(r, 1), f"Chase list: {len(chase)} owner(s) with no return")
    ws.cell(r, 1).font = Font(bold=True)
    for owner in chase:
        r += 1
        set_value(ws.cell(r, 1), owner)
        set_value(ws.cell(r, 2), reminder(owner, as_at))
        ws.cell(r, 2).alignment = WRAP_TOP
    for letter, width in zip("ABCDEF", (34, 60, 17, 40, 13, 8), strict=True):
        ws.column_dimensions[letter].width = width


def reminder(owner: str, as_at: date) -> str:
    name = owner.split(",")[0].strip()
    return (
        f"Dear {name}, we have not yet received your update on the equality action plan "
        f"as at {as_at.day} {as_at:%B %Y}. Please set a Status for each of your actions and add "
        "a short update in the return we sent you, and send it back to the EDI team. Thank you."
    )


def merge_returns(
    master: str | Path,
    inputs: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    as_at: date | None = None,
    now: datetime | None = None,
    reader: FileReader | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> MergeResult:
    """Merge every return under ``inputs`` into ``master`` (in place unless ``out``).

    ``progress(done, total, name)`` is called as each file has been read.
    """
    master = Path(master)
    wb = load_master(master)
    as_at = as_at or sheets.read_settings(wb).as_at
    if as_at is None:
        raise EdiXlError(f"{master.name}: no as-at date given and none on the Settings sheet")
    target = Path(out) if out else master
    not_returns = {  # a master kept in the returns folder is not a return
        target: "the merged master",
        backup_path(target): "the merged master's backup",
        master: "the master itself",
        backup_path(master): "the master's backup",
    }
    files = read_returns(inputs, reader=reader, progress=progress, not_returns=not_returns)
    with gc_paused():  # not while reading returns: a file read in this process leaves cycles
        result = merge_book(wb, files, as_at, now=now, path=master.name)
        result.backup = save_master(
            wb, target, notes=result.refresh.notes if result.refresh is not None else None
        )
    result.path = target
    return result
