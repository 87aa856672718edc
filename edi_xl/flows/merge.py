"""Merge owner returns into the master: only status and update, everything else flagged.

The rules (issue 3): rows are matched to master actions by id (as text; a number that Excel
made of "7.10" is resolved by the action text), else by action text; only the Status and the
round's "Update as at <as-at>" cell are applied; a change to any other field is flagged
``locked_field_changed`` and not applied; the newest return wins and older ones are flagged
``superseded``; nothing from a return becomes a formula; the core refresh runs afterwards and
every change is logged in the Change Log with the file it came from.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, NamedTuple

from openpyxl.cell.cell import MergedCell
from openpyxl.workbook.workbook import Workbook

from edi_xl.core.dates import short_date
from edi_xl.core.errors import EdiXlError, RoundDateUnreadError
from edi_xl.core.model import Action
from edi_xl.core.problems import (
    CHANGED_SINCE_MERGED_REPLACED,
    FILE_SUPERSEDED_EARLIER,
    FILE_SUPERSEDED_LATER,
    FILE_SUPERSEDED_SAME_ACTIONS,
    RETURN_UNCHANGED_NOT_MERGED,
    SINCE_SENT_FORMULA,
    SINCE_SENT_MERGED_BEFORE,
    SINCE_SENT_MERGED_CELLS,
    SINCE_SENT_MERGED_EARLIER,
    SINCE_SENT_OTHER_ROW,
    SINCE_SENT_OVERRIDDEN,
    SINCE_SENT_SUPERSEDED,
    Code,
    Flag,
    Outcome,
    Problem,
    problem,
)
from edi_xl.core.rounds import update_column_date, update_header, written_for_the_round
from edi_xl.core.rules import ruled_status
from edi_xl.core.status import RAG, parse_status
from edi_xl.core.text import has_words, one_line, plural
from edi_xl.flows.intake import (
    LAST_UPDATE,
    LAST_UPDATE_HEADER,
    READ,
    REJECTED,
    SKIPPED,
    ReturnFile,
    ReturnRow,
    ReturnsReading,
    carried_on_flags,
    for_the_round,
    not_merged_flags,
    returned_status,
    row_words,
    typed_formula_flags,
)
from edi_xl.flows.owner_returns import (
    META_SHEET,
    SentRow,
    group_by_owner,
    last_update_text,
    row_fingerprint,
)
from edi_xl.flows.refresh import RefreshResult, refresh_book, row_fitter
from edi_xl.master import sheets
from edi_xl.master.cells import comparable, formula_text, set_value, storable_text
from edi_xl.master.loading import PlacedCells, formula_cells, formula_result
from edi_xl.master.patch import reading_ahead, save_master
from edi_xl.master.plan import (
    MasterPlan,
    gc_paused,
    load_master,
    read_master_plan,
    round_column,
    sheet_grid,
)
from edi_xl.master.round_record import (
    FILE_UNCHANGED,
    MERGED,
    FileRecord,
    RoundRecord,
    files_by_owner,
    owner_status,
    read_record,
    stamp,
    with_flags,
    write_returns_sheet,
)
from edi_xl.master.save import backup_path
from edi_xl.master.sheets import STATUS_NOT_APPLIED, Change, owner_key
from edi_xl.master.styles import wrap_top_setter
from edi_xl.read.grid import is_blank
from edi_xl.read.isolation import FileReader
from edi_xl.tables.layouts import trust

TEXT_MATCH = 0.85  # how alike action texts must be to match a row with no (usable) id
FIELD_LABELS = {
    "action": "Action",
    "owner": "Action Owner",
    "due": "Due Date",
    "start": "Start Date",
    "theme": "Milestone",
    "references": "Report / Action",
    "characteristics": "Protected Characteristic",
    LAST_UPDATE: LAST_UPDATE_HEADER,
}


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
    outcome: Outcome
    problem: Problem | None  # why it was not merged (skipped, rejected, superseded...)
    #: the file's own owner: the one its name names (or its hidden record) when it holds an
    #: action of theirs, else the owner of most of its actions (:func:`_own_owner`)
    owner: str | None
    rows: int

    @property
    def reason(self) -> str | None:
        """Why it was not merged, in words (its problem's message)."""
        return self.problem.message if self.problem else None


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
            "flags": [f.as_json() for f in self.flags],
        }


@dataclass
class MergeResult(MergeReport):
    refresh: RefreshResult | None = None
    path: Path | None = None
    backup: Path | None = None
    #: where the as-at date came from (edi_xl.flows.rounds: given | settings | returns | today)
    as_at_source: str = "given"
    #: the round on Settings before the merge, when the merge moved it back to an earlier
    #: round (a late return merged into its own round, --as-at): the round to go back to
    moved_back_from: date | None = None
    #: the keys (:attr:`Flag.key`) of this merge's flags the Returns sheet listed already,
    #: raised by an earlier merge of the round (the same files merged again)
    said_before: frozenset[tuple[str, str | None, str, str]] = frozenset()

    def new_flags(self) -> list[Flag]:
        """The flags not said at an earlier merge of the round (:attr:`said_before`): what a
        merge of the folder again says; the others are on the Returns sheet (helper-165: each
        merge listed every flag again, and HR could not tell what was new)."""
        return [f for f in self.flags if f.key not in self.said_before]


def said_before(n: int, *, after_others: bool = True) -> str:
    """The line both doors say for the ``n`` flags of a merge an earlier merge of the round
    said (:meth:`MergeResult.new_flags`), after the flags listed (``after_others``) or
    alone."""
    return (
        f"({'and ' if after_others else ''}{plural(n, 'flag')} said at an earlier merge this "
        "round, not listed again: the Returns sheet lists them)"
    )


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _similar(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, _text_key(a), _text_key(b)).ratio()


def _text_key(text: object) -> str:
    """An action's text as texts are compared: on one line, in lower case (so the same text
    is the same whatever its case and spacing)."""
    return one_line(text).lower()


#: How much more alike than any other an action's text must be to match by text alone.
TEXT_MARGIN = 0.05


def _by_text(
    text: str, actions: list[Action], texts: dict[str, list[Action]] | None = None
) -> Action | None:
    """The action whose text is ``text``'s: the one action whose text is the same (case and
    spacing aside), else the one :data:`TEXT_MATCH` alike and :data:`TEXT_MARGIN` more alike
    than any other; else None. The same text wins over near ones: a plan's "Publish the WRES
    report" and "Publish the WDES report" are within the margin of each other, and a return
    row naming either exactly matched neither. An action whose text cannot come near
    (difflib's quick upper bounds of the ratio say so) is not compared in full: each row of a
    return that matches no action was compared in full with every action of the master."""
    mine = _text_key(text)
    texts = texts if texts is not None else texts_index(actions)
    if same := texts.get(mine):  # (two actions of the same text: nothing tells them apart)
        return same[0] if len(same) == 1 else None
    near = TEXT_MATCH - TEXT_MARGIN  # (below it, neither the match nor close to it)
    scored: list[tuple[float, Action]] = []
    for action in actions:
        if not action.action:
            continue
        matcher = SequenceMatcher(None, mine, _text_key(action.action))
        if matcher.real_quick_ratio() < near or matcher.quick_ratio() < near:
            continue
        scored.append((matcher.ratio(), action))
    scored.sort(key=lambda t: t[0], reverse=True)
    if (
        scored
        and scored[0][0] >= TEXT_MATCH
        and (len(scored) == 1 or scored[0][0] - scored[1][0] >= TEXT_MARGIN)
    ):
        return scored[0][1]
    return None


def texts_index(actions: list[Action]) -> dict[str, list[Action]]:
    """The actions by their text (one line, lower case): :func:`_by_text`'s same-text match,
    looked up once per row instead of a pass over every action of the master."""
    index: dict[str, list[Action]] = defaultdict(list)
    for action in actions:
        if action.action:
            index[_text_key(action.action)].append(action)
    return dict(index)


def _own_by_text(
    row: ReturnRow, sent: dict[str, SentRow], actions: dict[str, Action]
) -> Action | None:
    """The action of those sent in a return (``sent``) that a row with no usable number is
    about, by its text (:func:`_by_text`); of several sent with the same text, the one sent in
    the row's own place."""
    text = row.locked.get("action")
    if not text:
        return None
    ours = [actions[i] for i in sent if i in actions]
    texts = texts_index(ours)
    if (own := _by_text(text, ours, texts)) is not None:
        return own
    same = texts.get(_text_key(text), [])
    in_place = [a for a in same if sent[a.id].row == row.row]
    return in_place[0] if len(same) > 1 and len(in_place) == 1 else None


def _same_number(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def match_row(
    row: ReturnRow,
    actions: list[Action],
    by_id: dict[str, Action] | None = None,
    texts: dict[str, list[Action]] | None = None,
) -> tuple[Action | None, Flag | None]:
    """The master action a return row is about, or a flag saying why there is none.

    ``by_id`` is the master's id index, passed in when matching many rows.
    """
    by_id = by_id if by_id is not None else {a.id: a for a in actions if a.id}
    text = row.locked.get("action")
    text = one_line(text) if text else None
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
            # (the one of the same text wins, as it does with no number: _by_text)
            same = [a for a in candidates if text and _text_key(a.action) == _text_key(text)]
            if len(same) == 1:
                return same[0], None
            scored = sorted(
                ((_similar(text, a.action), a) for a in candidates),
                key=lambda t: t[0],
                reverse=True,
            )
            if text and scored[0][0] >= 0.6 and scored[0][0] - scored[1][0] >= 0.1:
                return scored[0][1], None
            ids = ", ".join(a.id for a in candidates)
            return None, _row_flag(
                Code.AMBIGUOUS_ID,
                row,
                action_id=row.id,
                value=row.id,
                ids=ids,
            )
    if text and (found := _by_text(text, actions, texts)) is not None:
        if not found.id:  # (a merge keys each action by its number: it has nowhere to go)
            return None, _row_flag(Code.ACTION_WITHOUT_ID, row, value=_shown(text))
        return found, None
    if not row.id and not text:  # (a row carrying on the one above: a Status, an update)
        return None, _row_flag(Code.NO_ID, row, value=row_words(row))
    what = f"id {row.id!r}" if row.id else f"the action {_shown(text)!r}, with no action number,"
    # (a row with a number of its own is said by its number)
    twins = (texts or texts_index(actions)).get(_text_key(text), []) if text and not row.id else []
    return None, _row_flag(
        Code.UNKNOWN_ACTION,
        row,
        action_id=row.id or None,
        value=row.id or text,
        what=what,
        ids=", ".join(a.id or "(no number)" for a in twins),
        **({"template": SAME_TEXT_TWICE} if len(twins) > 1 else {}),
    )


#: ``unknown_action`` for a row whose action text is the text of several actions of the master.
SAME_TEXT_TWICE = (
    "{at}: {what} is the text of several actions of the master ({ids}): nothing in the row "
    "tells which; not taken (put its action number back)"
)


def _shown(text: str | None) -> str:
    """An action's text as a flag quotes it: its first 60 characters."""
    text = text or ""
    return text if len(text) <= 60 else f"{text[:59]}…"


def _row_flag(code: Code, row: ReturnRow, **fields: Any) -> Flag:
    """A flag of ``code`` on the return row ``row`` (its file, sheet and row)."""
    return Flag(code, row.file, sheet=row.sheet, row=row.row, **fields)


def _not_sent_here(
    row: ReturnRow, action: Action, file: ReturnFile, actions: dict[str, Action]
) -> Flag:
    """The flag of a row of an edi_xl return that names an action not sent in it (its number
    changed by the owner): and which sent action its text is, when it is one."""
    text = row.locked.get("action")
    was = ""
    if text and file.metadata:
        score, sent_id = max(
            (
                (_similar(text, actions[r.id].action), r.id)
                for r in file.metadata.rows
                if r.id in actions
            ),
            default=(0.0, ""),
        )
        if score >= TEXT_MATCH:
            sent = file.metadata.by_id().get(sent_id)
            where = f", sent in row {sent.row}" if sent is not None and sent.row else ""
            was = f" (its action text is that of {sent_id}{where})"
    return _row_flag(
        Code.NOT_SENT_HERE,
        row,
        action_id=action.id,
        value=action.id,
        was=was,
        # (a row with no number was matched by its text: there is no number to put back)
        **({} if row.id else {"template": NOT_SENT_BY_TEXT}),
    )


#: ``not_in_this_return`` for a row with no action number, matched by its action text.
NOT_SENT_BY_TEXT = (
    "sheet {sheet!r} row {row}: its action text is that of action {value}, which was not sent "
    "in this return; nothing taken for it (check the row's action text, or send {value}'s "
    "update on its own return)"
)


def locked_changes(row: ReturnRow, action: Action, sent_as_at: date | None = None) -> list[Flag]:
    """Edits the owner made to fields they may not change. ``sent_as_at``: the round the
    return was made for, whose "Last update" (the update before it) the return showed; text
    typed over it (a new update written in the wrong column, most often) is flagged, never
    dropped silently."""
    master: dict[str, Any] = {
        "action": action.action,
        "owner": action.owner,
        "theme": action.theme,
        "references": action.references_text,
        "characteristics": action.characteristics_text,
    }
    if sent_as_at is not None:
        master[LAST_UPDATE] = last_update_text(action, sent_as_at)
    flags: list[Flag] = []
    for fld, value in row.locked.items():
        if fld not in master and fld not in ("due", "start"):
            continue  # (the Last update, when the round it showed is not known)
        if fld in ("due", "start"):
            old = action.due if fld == "due" else action.start
            new = trust.cell_date(value)  # parse_date, cached: due dates recur
            same = (
                (new.date == old.date)
                if new.date and old.date
                else (one_line(new.text) == one_line(old.text))
            )
            old_text, new_text = old.text, new.text
        else:
            old_text, new_text = one_line(master.get(fld)), one_line(value)
            same = old_text == new_text
        if not same:
            flags.append(
                _row_flag(
                    Code.LOCKED_FIELD_CHANGED,
                    row,
                    action_id=action.id,
                    column=FIELD_LABELS[fld],
                    value=value,
                    old=old_text,
                    new=new_text,
                    # (new text there is most often this round's update in the wrong column)
                    **({"template": LAST_UPDATE_CHANGED} if fld == LAST_UPDATE else {}),
                )
            )
    return flags


#: ``locked_field_changed`` for text typed over (or merged into) a return's "Last update".
LAST_UPDATE_CHANGED = (
    "{at}: Last update changed from {old!r} to {new!r}; not applied: it shows the update "
    "sent. If it is this round's update, copy it into the master's update column (or ask the "
    "owner to write it in theirs)"
)


def file_flags(
    file: ReturnFile, as_at: date, master: object = None, *, unread: bool = True
) -> list[Flag]:
    """What the whole file needs a person for: text not read (unless ``unread`` is False),
    columns read by their place as sent (their header renamed), rows past what a return is
    read up to, and, for a return made by
    ``edi-xl returns``, another master or round named in it, or actions taken out of it."""
    said = (file.unread if unread else []) + file.renamed + ([file.cut] if file.cut else [])
    flags = [Flag.of(p) for p in said]
    meta = file.metadata
    if meta is None:
        return flags
    if meta.damage:
        flags.append(
            Flag(Code.RECORD_DAMAGED, file.name, sheet=META_SHEET, detail="; ".join(meta.damage))
        )
    if meta.master and master and _same_master(meta.master, str(master)) is False:
        flags.append(Flag(Code.OTHER_MASTER, file.name, value=meta.master, master=master))
    if meta.as_at and meta.as_at != as_at:
        flags.append(
            Flag(
                Code.OTHER_ROUND,
                file.name,
                value=meta.as_at,
                sent=short_date(meta.as_at),
                merged=short_date(as_at),
            )
        )
    returned = {r.id for r in file.rows}
    numbers = {r.id for r in file.rows if r.id_was_number}
    for sent in meta.rows:
        if sent.id not in returned and not any(_same_number(sent.id, n) for n in numbers):
            flags.append(Flag(Code.ROW_REMOVED, file.name, action_id=sent.id))
    return flags


#: ``row_removed`` for an action sent in a return that a row without its number, its text
#: changed, was matched to by text.
TAKEN_BY_NEAR_TEXT = (
    "{at}: action {action} was sent in this return and its row is not there as sent (no "
    "action number, the action's text changed): this row, the nearest to it, was taken for "
    "it; check it is that action"
)


def _removed_but_matched(flags: list[Flag], matched: list[tuple[ReturnRow, Action]]) -> list[Flag]:
    """A file's flags, an action said removed from its return that a row matched by its text
    (the row's number gone) not said removed: with the action's own text, not said at all;
    with a changed one, said of that row, which was taken for it (a row deleted and another
    added near it reads alike)."""
    rows = {action.id: (row, action) for row, action in matched}
    kept: list[Flag] = []
    for flag in flags:
        found = rows.get(flag.id or "") if flag.kind == Code.ROW_REMOVED else None
        if found is None:
            kept.append(flag)
            continue
        row, action = found
        text = _text_key(row.locked.get("action"))
        if text and text == _text_key(action.action):
            continue
        kept.append(
            Flag(
                Code.ROW_REMOVED,
                flag.file,
                action_id=action.id,
                sheet=row.sheet,
                row=row.row,
                template=TAKEN_BY_NEAR_TEXT,
            )
        )
    return kept


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
    **said: Any,
) -> Flag | None:
    """A flag when the return would change a Status that changed in the master after the
    return was sent (the row fingerprint of what was sent tells what the master held then).
    ``said``: the template saying what became of the return's Status and its fields (none:
    it is applied), as :class:`Flag` takes them."""
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
    return _row_flag(
        Code.CHANGED_SINCE_SENT,
        row,
        action_id=action.id,
        column="Status",
        value=status_word,
        before=before,
        now=action.status_text,
        **said,
    )


_UNKNOWN = object()


@dataclass
class _Candidate:
    file: ReturnFile
    row: ReturnRow
    status: str | None  # the master's word for the owner's status
    update: str | None
    #: where its ``changed_since_sent`` flag is in the merge's flags, and what was sent (the
    #: row's fingerprint and the round): said again once what became of its Status is known
    since_sent: tuple[int, str, date | None] | None = None
    #: what edi_xl's record says was sent of the row (None: nothing recorded), and for which
    #: round
    sent: tuple[SentRow, date | None] | None = None

    def status_as_sent(self, action: Action) -> bool:
        """Is the row's Status the one it was sent with (told by the row's fingerprint)?"""
        if self.sent is None or not self.sent[0].fingerprint or self.status is None:
            return False
        return _as_sent(action, self.status, *self.sent)

    def flag(self, code: Code, action_id: str | None, **fields: Any) -> Flag:
        """A flag of ``code`` on this return's row for ``action_id`` (its file, sheet and
        row), with the template's ``fields``."""
        return Flag(
            code,
            self.file.name,
            action_id=action_id,
            sheet=self.row.sheet,
            row=self.row.row,
            **fields,
        )


#: The most characters an Excel cell holds; a longer update is cut there and flagged.
CELL_LIMIT = 32_767


def _owner_of(file: ReturnFile, actions: list[Action]) -> str | None:
    owners = Counter(a.owner for a in actions if a.owner)
    return owners.most_common(1)[0][0] if owners else file.owner


def _own_owner(file: ReturnFile, actions: list[Action], owners: dict[str, str]) -> str | None:
    """Whose return ``file`` is: the owner its name names (or its hidden record) when it
    holds an action of theirs, else the owner of most of its actions. A return of the whole
    plan named after Fiona is Fiona's, though Jim has more rows in it; "Hazel and the EDI
    lead" names two, and is the one of most of its actions. ``owners``:
    :func:`owners_file_names`."""
    named = _owner_by_name(file, owners)
    if named and any(a.owner and owner_key(a.owner) == owner_key(named) for a in actions):
        return next(a.owner for a in actions if a.owner and owner_key(a.owner) == owner_key(named))
    return _owner_of(file, actions)


def owners_file_names(owners: list[str]) -> dict[str, str]:
    """Each owner -> the name of their return as edi_xl names it, without ".xlsx", casefolded
    (made once a merge: :func:`_owner_by_name` looks each file up in it)."""
    from edi_xl.core.filenames import safe_filename

    return {owner: safe_filename(owner, suffix=".xlsx")[:-5].casefold() for owner in owners}


def _owner_by_name(file: ReturnFile, named: dict[str, str]) -> str | None:
    """The owner a file is named after (returns are named after their owner), if any: the
    one whose name is the file's, else the one owner whose name is in it, as people rename a
    return ("Copy of <owner>", "<owner> FINAL v2", "<owner> (2)"), else the owner its hidden
    record names. A rejected return so tied to its owner is said to them as such ("we could
    not read the file you sent"), not chased as no return at all. ``named``:
    :func:`owners_file_names`. A spreadsheet attached to an email goes by the attachment's
    own name, not the email's (whose subject may name anyone)."""
    stem = Path(file.file_name).stem.casefold()
    for owner, name in named.items():
        if name == stem:
            return owner
    if (one := _the_one_named_in(stem, named)) is not None:
        return one
    return file.metadata.owner if file.metadata else None


def _the_one_named_in(stem: str, named: dict[str, str]) -> str | None:
    """The owner of ``named`` (owner -> their file name, casefolded) whose name is in
    ``stem`` as whole words, when there is exactly one. A name inside another's found at the
    same place is the other's ("Head of EDI" in "Deputy Head of EDI v2"); "Ann Lee" is not in
    "Ann Leeson" (not a whole word); two owners named in one file are neither."""
    found: list[tuple[str, int, int]] = []
    for owner, name in named.items():
        # (a name not in the stem at all is not in it as whole words either: most of the
        # plan's owners are passed over here, without a pattern made for each of them)
        if not name.strip() or name not in stem:
            continue
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", stem):
            found.append((owner, m.start(), m.end()))
    left = {
        owner
        for owner, start, end in found
        if not any((s, e) != (start, end) and s <= start and end <= e for _, s, e in found)
    }
    return left.pop() if len(left) == 1 else None


def _earlier_round_of_column(header: str | None, as_at: date, rounds: set[date]) -> date | None:
    """The master's round a return's update column is dated for, when it is earlier than
    ``as_at`` (the trust's old form sent back: its only update column, "Update as at 18 Sep
    23", or "Update Sep 23" in a form of the owner's own, is still last round's); None for
    this round's column or an undated one. The column's date is the master's round of its
    month ("Update as at Sep 23", read as 30 Sep, is the round of 18 Sep; "Update as at 15 Dec
    23", the trust's own day, is the round of 18 Dec), else the nearest round before it
    (``rounds``: the master's rounds, ``as_at`` among them).
    For a return with no hidden record: one edi_xl made for another round is flagged
    ``other_round``."""
    dated = update_column_date(header, as_at)
    if dated is None:
        return None
    known = rounds | {as_at}
    same_month = [r for r in known if (r.year, r.month) == (dated.year, dated.month)]
    if as_at in same_month:
        return None
    before = [r for r in known if r <= dated]
    its = min(same_month) if same_month else max(before) if before else dated
    return its if its < as_at else None


def earlier_text(
    file: ReturnFile,
    matched: list[tuple[ReturnRow, Action]],
    as_at: date,
    rounds: set[date],
) -> list[Flag]:
    """``earlier_column_text`` for each cell of an earlier round's update column of ``file``
    (its ``earlier_columns``: "Update as at 18 Sep 23" left of the update) on a row matched
    to an action, whose text the master does not hold (:func:`_held`): an owner's own words
    there are said, never passed over as last round's (helper-148: an owner's own tracker,
    "Update Sep 23" of their own words beside an empty "Update Dec 23", came back
    "unchanged"; a monthly one's November words, the same). A column dated before the
    master's last round before ``as_at`` (``rounds``) is not looked at: what it held was
    said in that round (helper-149: a monthly tracker's October said again every round). A
    return edi_xl made is not looked at: an earlier round's column there is one it was sent
    with, locked, renamed by the owner (helper-149: its text, what was sent, was said once
    HR had edited the master's)."""
    if file.metadata is not None:
        return []
    before = [r for r in rounds if r < as_at]
    last = max(before) if before else None
    found: list[Flag] = []
    for sheet, header, letter in file.earlier_columns:
        dated = update_column_date(header, as_at)
        if last is not None and dated is not None and dated < last:
            continue
        for row, action in matched:
            value = row.others.get(header)
            if row.sheet != sheet or is_blank(value) or _held(value, row, action):
                continue
            found.append(
                Flag(
                    Code.EARLIER_COLUMN_TEXT,
                    file.name,
                    sheet=sheet,
                    row=row.row,
                    column=header,
                    cell=f"{letter}{row.row}",
                    action_id=action.id,
                )
            )
    return found


#: How alike an earlier round's text must be to one the master holds to be that one (HR's
#: later edits of the master's text: a typo put right, a word added; helper-149).
HELD_ALIKE = 0.8


def _held(value: object, row: ReturnRow, action: Action) -> bool:
    """Whether ``value``, in an earlier round's column of ``row``, is text the master holds:
    one of the action's updates (of any round), the row's update or its locked Last update,
    as text is compared (:func:`_text_key`: case, spacing and line breaks aside; curly quotes
    as straight ones; a link's address added after it, as merge writes one, aside; a full
    stop at the end aside), or :data:`HELD_ALIKE` alike."""
    mine = _held_key(value)
    held = {
        _held_key(text)
        for text in (*(u.text for u in action.updates), row.update, row.locked.get(LAST_UPDATE))
        if not is_blank(text)
    }
    return mine in held or any(
        SequenceMatcher(None, mine, other).ratio() >= HELD_ALIKE for other in held
    )


#: A link's address as merge adds it after an update's text: " (https://...)".
_ADDRESS_AFTER = re.compile(r"\s*\((?:https?|mailto|file):[^()\s]*\)\s*$")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _held_key(value: object) -> str:
    """``value`` as :func:`_held` compares it."""
    text = _text_key(value).translate(_QUOTES)
    return _ADDRESS_AFTER.sub("", text).rstrip(" .")


def _held_before(action: Action, as_at: date) -> set[str]:
    """The texts ``action``'s updates held before the round as at ``as_at`` (of any earlier
    round, or undated), as :func:`comparable` compares them."""
    return {comparable(u.text) for u in action.updates if u.as_at is None or u.as_at < as_at}


def _as_of_its_round(
    row: ReturnRow,
    action: Action,
    file: ReturnFile,
    round_: tuple[date, set[date]],
    flags: list[Flag],
) -> ReturnRow:
    """``row`` as an update column dated for an earlier round reads: the master's own update
    of any earlier round, left as it was, is no update (the old form's text, untouched, of
    its round or of one before, the form being older than its heading says); other text is
    the owner's, taken into this round and flagged ``earlier_round_column``, unless the
    column was written for this round (:func:`written_for_the_round`: "Update Q3 2023/24"
    in the round of 10 Jan, whose last round was 18 Sep; it was flagged on every row,
    session 29). ``round_``: the round's date, and the master's rounds."""
    as_at, rounds = round_
    if comparable(row.update) in _held_before(action, as_at):
        return replace(row, update=None)
    dated = update_column_date(file.update_header, as_at)
    if dated is not None and written_for_the_round(dated, as_at, rounds):
        return row
    flags.append(
        _row_flag(
            Code.EARLIER_ROUND_COLUMN,
            row,
            action_id=action.id,
            column=file.update_header or "update",
            header=update_header(as_at),
        )
    )
    return row


def _owner_changed(
    row: ReturnRow,
    action: Action,
    status_word: str | None,
    sent: Any,
    sent_as_at: date | None,
    words: dict[RAG, str],
    as_at: date,
    started: dict[str, dict[str, Any]] | None = None,
) -> bool:
    """Did the owner write anything new in this row: an update, or a Status other than the
    one sent (told by the row's fingerprint)? Without one (a return not made by edi_xl: the
    whole plan sent back), only what the master does not hold already: a Status other than
    its Status, an update other than its update of the round (another owner's rows copied as
    the master has them are no return of theirs, and take no action from a return that
    changed it), nor what it held when the round began (``started``:
    :func:`_held_when_the_round_began`; a copy made before another owner's return was merged
    would otherwise undo it when merged again: helper-108)."""
    if sent is None or not sent.fingerprint:
        held = next((u.text for u in action.updates if u.as_at == as_at), None)
        before = (started or {}).get(action.id, {})
        if row.update and comparable(row.update) not in (
            comparable(held),
            comparable(before.get("update", held)),
        ):
            return True
        return status_word is not None and comparable(status_word) not in (
            comparable(action.status_text),
            comparable(before.get("Status", action.status_text)),
        )
    if row.update:
        return True
    return status_word is not None and not _as_sent(action, status_word, sent, sent_as_at)


def _as_sent(action: Action, status_word: str, sent: SentRow, sent_as_at: date | None) -> bool:
    """Is ``status_word`` the Status the row was sent with (told by its fingerprint)?"""
    last = last_update_text(action, sent_as_at) if sent_as_at else None
    fingerprint = row_fingerprint(action.id, action.action, action.due.text, status_word, last)
    return fingerprint == sent.fingerprint


class _Taking(NamedTuple):
    """A return's row being taken: its file, the row, the master's action it is matched to,
    what edi_xl's record says was sent of it (None: nothing recorded) and for which round."""

    file: ReturnFile
    row: ReturnRow
    action: Action
    sent_row: SentRow | None
    sent_as_at: date | None


class _Merge:
    """A merge under way: what it read of the master and of the round's earlier merges, and
    what it has found in the returns taken so far: their flags, whose return each is, and per
    action the rows that would change it (its candidates, the newest return's the winner)."""

    def __init__(self, wb: Workbook, master: MasterPlan, as_at: date, path: object) -> None:
        self.wb, self.master, self.as_at, self.path = wb, master, as_at, path
        self.words, self.plan = master.words, master.plan
        self.flags: list[Flag] = []
        self.candidates: dict[str, list[_Candidate]] = defaultdict(list)
        self.actions = {a.id: a for a in self.plan.actions if a.id}
        self.texts = texts_index(self.plan.actions)
        record = read_record(wb)
        if record.as_at != as_at:
            record = RoundRecord(as_at, [], [])
        # the round's Status and update lines in the Change Log, read once when first wanted
        round_lines = functools.cache(lambda: _round_lines(wb, as_at))
        self.record = _with_actions(record, self.actions, round_lines)
        # per action, the files of earlier merges of the round that changed it (a file merged
        # again here too: what it changed then it changes now, though the master holds it now)
        self.claimed: dict[str, list[FileRecord]] = defaultdict(list)
        for line in self.record.files:
            for action_id in line.actions or ():
                self.claimed[action_id].append(line)
        self.owners: dict[str, str | None] = {}
        # what each action held when the round began, read when another owner's row in a return
        # without edi_xl's hidden record needs it (:func:`_owner_changed`; the file's own owner's
        # row is theirs to set back: only another's holding the round's start is a stale copy)
        self.held_then = functools.cache(lambda: _held_when_the_round_began(round_lines()))
        # per action's Status and update, the return of an earlier merge of the round that
        # wrote the cell last and what it wrote, read when a winner would write over a cell
        self.written_earlier = functools.cache(
            lambda: _written_by_returns(round_lines(), self.record) if self.record.files else {}
        )
        # (made once: each file is looked up in it)
        self.file_names = owners_file_names(self.plan.owners)
        # per file, the actions it changed (its rows with something new), whoever took them
        self.changed: dict[str, set[str]] = defaultdict(set)
        self.unchanged: set[str] = set()
        self.earlier: set[str] = set()
        # per file, the notes, pictures and TRUE / FALSE updates on its rows, not merged (a return
        # unchanged but for them is said so: the owner did send something)
        self.not_merged: dict[str, Counter[Code]] = defaultdict(Counter)

        self.grid = master.grid or sheet_grid(master.sheet)  # nothing written to the sheet yet
        columns = trust.map_columns(self.grid, master.detection.header_row).fields
        self.status_col = columns["status"] + 1
        # Status cells the trust's formula works out: kept, whatever a return says
        self.kept = formula_cells(master.sheet, self.status_col)
        # the master's rounds (an old form's update column is read against them)
        self.rounds = {u.as_at for a in self.plan.actions for u in a.updates if u.as_at is not None}

    def take(self, file: ReturnFile) -> None:
        """Take a return's rows: flag what they say that is not merged, and make each row that
        changes its action a candidate for it, unless a newer file merged earlier this round
        changed that action (``superseded``). A return whose rows changed nothing is
        unchanged; one whose changes newer files had all made, earlier."""
        of_file = file_flags(file, self.as_at, self.path)
        start = len(self.flags)
        self.flags.extend(of_file)
        # (notes off the action rows; text in columns merge does not read: an owner's words
        # under a header of their own, helper-143)
        if noted := [f.kind for f in of_file if f.kind in _SAID_OF_THE_FILE]:
            self.not_merged[file.name].update(noted)
        sent = file.metadata.by_id() if file.metadata else {}
        sent_as_at = file.metadata.as_at if file.metadata else None
        matched = self._matched(file, sent)
        if earlier := earlier_text(file, matched, self.as_at, self.rounds):
            self.flags.extend(earlier)
            # (said of the return as text in columns not read, a count of columns)
            columns = {f.problem.location.column for f in earlier}
            self.not_merged[file.name][Code.COLUMN_NOT_READ] += len(columns)
        if any(f.kind == Code.ROW_REMOVED for f in of_file):
            self.flags[start : start + len(of_file)] = _removed_but_matched(of_file, matched)
        self.owners[file.name] = _own_owner(file, [a for _, a in matched], self.file_names)
        rank = _rank(stamp(file.stamp), file.name)
        new_rows = taken_before = 0
        taken: list[str] = []
        for row, action in matched:
            at = _Taking(file, row, action, sent.get(action.id), sent_as_at)
            status_word = self._flag_row(at)
            if not self._changes_it(at, status_word):
                continue  # sent back as it was: nothing to take (and nothing to undo)
            new_rows += 1
            self.changed[file.name].add(action.id)
            if self._newer_claim_stands(file, row, action, rank):
                taken_before += 1
                continue
            taken.append(action.id)
            self._add_candidate(at, status_word)
        if matched and not new_rows:
            self.unchanged.add(file.name)
        elif new_rows and new_rows == taken_before:
            self.earlier.add(file.name)
        self._say_if_older(file, rank, taken)

    def _say_if_older(self, file: ReturnFile, rank: tuple[datetime, str], taken: list[str]) -> None:
        """A return saved before one of its owner's merged earlier this round has what it
        changed that the newer one did not (``taken``) applied (what both changed, the newer
        one's stands: superseded): said, for HR to check with the owner, as the newer return
        may mean the older one's changes are no longer meant (team question, session 20).
        Only a file merged after the newer one is: the Returns sheet lists files in the order
        they were first merged. Merged again, a file is said alike, from the actions the
        round's record says it stands for (one with no hidden record changes nothing the
        master holds by then), and the sheet is left as it was."""
        owner = self.owners[file.name]
        key = (file.name, stamp(file.stamp))
        lines = self.record.files
        # (merged before: its place in the record; the files merged before it are those above)
        place = next((i for i, line in enumerate(lines) if line.key == key), len(lines))
        newer = [
            line
            for line in lines[:place]
            if owner is not None
            and line.owner == owner
            and line.key != key
            and line.outcome != Outcome.REJECTED
            and _rank(line.saved, line.file) > rank
        ]
        if newer and not taken and place < len(lines):  # (merged again)
            stands = _claims(lines)
            taken = [a for a in lines[place].actions or () if stands[a].key == key]
        if newer and taken:
            newest = max(newer, key=lambda line: _rank(line.saved, line.file))
            order = {action_id: i for i, action_id in enumerate(self.actions)}  # (the plan's)
            in_order = sorted(set(taken), key=lambda a: order.get(a, len(order)))
            self.flags.append(
                Flag(
                    Code.OLDER_THAN_MERGED,
                    file.name,
                    newer=newest.file,
                    owner=owner,
                    actions=", ".join(in_order),
                )
            )

    def _matched(
        self, file: ReturnFile, sent: dict[str, SentRow]
    ) -> list[tuple[ReturnRow, Action]]:
        """``file``'s rows, each with the master's action it is matched to (:func:`match_row`);
        a row matched to none, or to an action its return was not sent with, is flagged and
        left out. A row of an update column dated for an earlier round reads as of its round
        (:func:`_as_of_its_round`)."""
        matched: list[tuple[ReturnRow, Action]] = []
        # (a return edi_xl made says its round in its record: another round's is other_round)
        column_round = (
            _earlier_round_of_column(file.update_header, self.as_at, self.rounds)
            if not file.metadata
            else None
        )
        for row in file.rows:
            action, flag = match_row(row, self.plan.actions, self.actions, self.texts)
            # a return edi_xl made holds its owner's actions: a text that is no one action of
            # the master's (another owner's action of the same text, or near it) may still be
            # one of this return's own
            if (
                flag
                and flag.kind == Code.UNKNOWN_ACTION
                and sent
                and (own := _own_by_text(row, sent, self.actions)) is not None
            ):
                action, flag = own, None
            # (the rows joined to it said whatever becomes of it: their words are in the row)
            self.flags.extend(carried_on_flags(row, action_id=action.id if action else None))
            if flag:
                self.flags.append(flag)
                continue
            assert action is not None
            if column_round is not None and row.update:
                row = _as_of_its_round(row, action, file, (self.as_at, self.rounds), self.flags)
            if sent and action.id not in sent:
                # a return made by edi-xl returns holds only its owner's actions: a row whose
                # number was changed to another action's must not update that action
                self.flags.append(_not_sent_here(row, action, file, self.actions))
                continue
            matched.append((row, action))
        return matched

    def _flag_row(self, at: _Taking) -> str | None:
        """Flag what the row says that is not merged: locked fields changed, formulas typed,
        notes, pictures and the like, a Status not one of the master's words, a Status sent
        and emptied. Its Status in the master's words (None: none to take)."""
        file, row, action, sent_row, sent_as_at = at
        self.flags.extend(locked_changes(row, action, sent_as_at or self.as_at))
        self.flags.extend(typed_formula_flags(row, action_id=action.id))
        left = not_merged_flags(row, file.update_header, action_id=action.id)
        if left:
            self.flags.extend(left)
            self.not_merged[file.name].update(f.kind for f in left)
        status_word, invalid = returned_status(
            row, self.words, action_id=action.id, kept=action.status_text
        )
        if invalid:
            self.flags.append(invalid)
        if (
            sent_row is not None
            and row.status_column
            and not row.status
            and has_words(action.status_text)
            and not row.emptied_by_the_file("Status")
        ):
            # the return went out with the Status filled in: emptied, it says nothing the
            # master can take, and the master keeps its own (said, not passed over; a
            # picture or an error in the cell is said as such)
            self.flags.append(
                _row_flag(
                    Code.STATUS_CLEARED,
                    row,
                    action_id=action.id,
                    column="Status",
                    kept=action.status_text,
                )
            )
        return status_word

    def _changes_it(self, at: _Taking, status_word: str | None) -> bool:
        """Does the row change its action (:func:`_owner_changed`)? Another owner's row in a
        return without edi_xl's record of it is read against what the action held when the
        round began too. A file merged before that changed the action then (the round's
        record says so) changes it now, though the master holds its words by now (a return
        with no hidden record, merged again, read as no change, was said "superseded: a newer
        return was merged earlier this round")."""
        file, row, action, sent_row, sent_as_at = at
        key = (file.name, stamp(file.stamp))
        if any(line.key == key for line in self.claimed.get(action.id, ())):
            return True
        unrecorded = sent_row is None or not sent_row.fingerprint
        stale = unrecorded and not _owner_is(action, self.owners[file.name])
        return _owner_changed(
            row,
            action,
            status_word,
            sent_row,
            sent_as_at,
            self.words,
            self.as_at,
            self.held_then() if stale else None,
        )

    def _newer_claim_stands(
        self, file: ReturnFile, row: ReturnRow, action: Action, rank: tuple[datetime, str]
    ) -> bool:
        """Did a newer file merged earlier this round change ``row``'s action (``rank``: the
        file's, :func:`_rank`)? Then it stands, and ``row`` is flagged ``superseded``."""
        newer = _newer_claim(self.claimed.get(action.id, []), (file.name, stamp(file.stamp)), rank)
        if newer is None:
            return False
        # a newer file merged earlier this round changed this action: it stands (the rule of
        # two returns of one merge, across merges)
        self.flags.append(_row_flag(Code.SUPERSEDED, row, action_id=action.id, newer=newer.file))
        return True

    def _add_candidate(self, at: _Taking, status_word: str | None) -> None:
        """The row a candidate for its action, with its ``changed_since_sent`` flag when the
        master's Status changed since the return was sent (said again once what became of the
        row's Status is known: :func:`_say_since_sent`)."""
        file, row, action, sent_row, sent_as_at = at
        origin = action.origin.row if action.origin else None
        since: tuple[int, str, date | None] | None = None
        if (
            sent_row
            and sent_row.fingerprint
            and status_word is not None
            and origin not in self.kept
        ):
            flag = changed_since_sent(
                action, row, status_word, sent_row.fingerprint, sent_as_at, self.words
            )
            if flag:
                since = (len(self.flags), sent_row.fingerprint, sent_as_at)
                self.flags.append(flag)  # (its words said again once the outcome is known)
        sent = (sent_row, sent_as_at) if sent_row is not None else None
        self.candidates[action.id].append(
            _Candidate(file, row, status_word, row.update, since, sent)
        )

    def outcomes(
        self, files: list[ReturnFile], won: Counter[str], lost: Counter[str]
    ) -> list[FileOutcome]:
        """What became of each of ``files`` (``won``, ``lost``: per file, the actions its
        rows won and lost, :class:`_Writing`)."""
        return [
            _outcome(f, won, lost, self.owners, self.unchanged, self.earlier, self.not_merged)
            for f in files
        ]

    def add_to_record(self, files: list[ReturnFile], outcomes: list[FileOutcome]) -> None:
        """Add this merge's files, their ``outcomes`` and its flags to the round's record
        (:func:`_add_to_record`)."""
        _add_to_record(
            self.record,
            files,
            outcomes,
            self.flags,
            self.file_names,
            set(self.not_merged),
            self.changed,
            self.actions,
        )


class _Writing:
    """The winners of a merge's actions written into the plan sheet (the round's update
    column added when there is one to write), with what was changed (``changes``), the
    Change Log's lines (``log``) and, per file, the actions it won and lost."""

    def __init__(self, merge: _Merge) -> None:
        self.merge = merge
        wb, ws, as_at = merge.wb, merge.master.sheet, merge.as_at
        self.update_col = (
            round_column(ws, merge.master.header_row, as_at, merge.grid)
            if merge.candidates
            else None
        )
        self.status_col = merge.status_col
        if self.update_col is not None and self.status_col >= self.update_col:
            self.status_col += 1  # moved along by the new column
        self.changes: list[MergeChange] = []
        self.log: list[Change] = []
        self.won: Counter[str] = Counter()
        self.lost: Counter[str] = Counter()
        self.wrap_top = wrap_top_setter(wb)
        # (a plan sheet loaded with its cells made on use makes only these columns' here)
        self.placed = PlacedCells(
            ws, [self.status_col] + ([self.update_col] if self.update_col is not None else [])
        )
        # an update merged in shows whole: its row grows as tall as its text needs (a row the
        # trust left to Excel's own height is left so)
        self.fit_update = row_fitter(ws, self.update_col) if self.update_col is not None else None
        # owners' words not applied, read once when first wanted
        self.logged = functools.cache(lambda: sheets.last_changes(wb, STATUS_NOT_APPLIED))
        # the round's update column was there before this merge (not made again by it)
        self.had_update_column = update_header(as_at) in merge.master.plan.update_headers

    def _repeats(self, action_id: str, winner: _Candidate, cands: list[_Candidate]) -> str | None:
        """The return merged earlier this round whose row for the action ``winner``'s row only
        repeats, in words (None: none): an owner's second return made from a copy of the
        first, the row left as it was, or a copy under another name. Its row is the same
        Status and update as that return's row, in the folder still; or, that return gone,
        every word of it is what that return last wrote into the action's cells (the round's
        Change Log), or a Status left as it was sent. A row with new words in it (a new
        update) is the owner's word now."""
        if (claimed := self.merge.claimed.get(action_id)) is None:
            return None
        merged = {line.key for line in claimed}
        for older in reversed(cands[:-1]):
            if (
                older.file is not winner.file
                and (older.file.name, stamp(older.file.stamp)) in merged
                and comparable(older.status) == comparable(winner.status)
                and comparable(older.update) == comparable(winner.update)
            ):
                return _earlier_return(older.file.name, winner)
        written = self.merge.written_earlier()
        wrote = {fld: written.get((action_id, logged)) for fld, logged in _LOGGED_AS.items()}
        sources = {w[0] for w in wrote.values() if w is not None}
        if len(sources) != 1 or not sources <= {line.file for line in claimed}:
            return None
        for fld, new in (("status", winner.status), ("update", winner.update)):
            if new is None:
                continue
            if (w := wrote[fld]) is not None:
                if comparable(w[1]) != comparable(new):
                    return None
            elif not (fld == "status" and winner.status_as_sent(self.merge.actions[action_id])):
                return None  # (a Status as sent: that return left it so too, the cell took none)
        return _earlier_return(sources.pop(), winner)

    def _say_replaced(
        self, action_id: str, fld: str, winner: _Candidate, label: str, value: str, held: Any
    ) -> None:
        """Say ``value`` is written over ``held`` where a return merged earlier this round
        wrote something else into the cell, changed since (HR's correction: helper-174)."""
        written = self.merge.written_earlier().get((action_id, _LOGGED_AS[fld]))
        if written is None or comparable(written[1]) == comparable(held):
            return
        self.merge.flags.append(
            winner.flag(
                Code.CHANGED_SINCE_MERGED,
                action_id,
                template=CHANGED_SINCE_MERGED_REPLACED,
                column=label,
                value=value,
                earlier=_earlier_return(written[0], winner),
                written=written[1],
                held=_held_words(held),
            )
        )

    def apply(self, action_id: str, cands: list[_Candidate]) -> None:
        """Apply the winner of an action's candidates (the newest return's row, of one return
        its last), flag the others ``superseded`` (or, of the winner's own return,
        ``action_on_two_rows``), and say what became of each one's ``changed_since_sent``."""
        flags = self.merge.flags
        cands.sort(key=lambda c: _rank(stamp(c.file.stamp), c.file.name))
        winner = cands[-1]
        for older in cands[:-1]:
            if older.file is winner.file:  # one return, the action on two rows of it
                if (older.status, older.update) != (winner.status, winner.update):
                    flags.append(_on_two_rows(older, winner, cands, action_id))
                continue
            self.lost[older.file.name] += 1
            flags.append(older.flag(Code.SUPERSEDED, action_id, newer=winner.file.name))
        self.won[winner.file.name] += 1
        action = self.merge.actions[action_id]
        assert action.origin is not None and self.update_col is not None
        # what became of the winner's Status: applied (no template), or not, and why; and what
        # the master's cell holds after it (for changed_since_sent)
        outcome: dict[str, Any] = {"held": action.status_text}
        # a return merged before this round (the same file, saved at the same time): what
        # HR changed since in the cells it went into stands (:meth:`_write`)
        key = (winner.file.name, stamp(winner.file.stamp))
        again = any(line.key == key for line in self.merge.claimed.get(action_id, ()))
        repeats = self._repeats(action_id, winner, cands)
        for fld, col, new in (
            ("status", self.status_col, winner.status),
            ("update", self.update_col, winner.update),
        ):
            if new is not None:
                outcome = self._write(
                    action, winner, fld, col, new, outcome, again=again, repeats=repeats
                )

        words = self.merge.words
        _say_since_sent(flags, winner, action, words, outcome)
        for older in cands[:-1]:
            superseded: dict[str, Any] = {
                "template": SINCE_SENT_SUPERSEDED,
                "newer": winner.file.name,
            }
            if older.file is winner.file:
                superseded = {"template": SINCE_SENT_OTHER_ROW, "taken": winner.row.row}
            _say_since_sent(flags, older, action, words, {**superseded, "held": outcome["held"]})

    def _write(
        self,
        action: Action,
        winner: _Candidate,
        fld: str,
        col: int,
        new: str,
        outcome: dict[str, Any],
        *,
        again: bool = False,
        repeats: str | None = None,
    ) -> dict[str, Any]:
        """Write the winner's ``new`` Status or update (``fld``) into its cell (column
        ``col``), logged, unless the RAG rule overrides the Status (logged as not applied), the
        trust's formula works the cell out (flagged when it would differ) or the cell holds it
        already; a value longer than a cell holds is cut, flagged. ``outcome``, what became
        of the Status (:meth:`apply`), as this leaves it. ``again``: the winner's return was
        merged before this round, when the cell took its value (written, or held already):
        what the cell holds now, when it is something else, is later work (HR's correction
        after the committee), never written over by merging the folder once more (helper-165:
        the owner's Amber went back over HR's On Track; helper-170: so it did where the
        return's Status was the master's). An empty cell is written as on the first merge: a
        Status its first merge could not write (a formula, merged cells, since mended), the
        round's update column deleted and made again (helper-169); not an update HR emptied
        in the round's column (helper-170: words HR took out came back)."""
        flags, as_at, action_id = self.merge.flags, self.merge.as_at, action.id
        assert action.origin is not None
        if fld == "status" and (ruled := _overridden(action, new, as_at, self.merge.words, winner)):
            flag, held = ruled
            flags.append(flag)  # the rule decides; the owner's word is recorded once
            outcome = {"template": SINCE_SENT_OVERRIDDEN, "held": held}
            # (and logged, once: their word once the due date moves out)
            said = (new, winner.file.name)
            if self.logged().get(action_id, (None, None, None))[1:] != said:
                self.log.append(Change(action_id, STATUS_NOT_APPLIED, action.status_text, *said))
            return outcome
        sheet_row = action.origin.row
        stored = whole = storable_text(new)  # control characters made visible
        cell = self.placed.cell(sheet_row, col)
        label = "Status" if fld == "status" else update_header(as_at)
        if cell.data_type == "f":  # the trust's own formula works the cell out: kept
            if fld == "status":
                outcome = {
                    "template": SINCE_SENT_FORMULA,
                    "formula": formula_text(cell),
                    "held": formula_result(cell),
                }
            if comparable(formula_result(cell)) != comparable(whole):
                flags.append(
                    winner.flag(
                        Code.FORMULA_NOT_OVERWRITTEN,
                        action_id,
                        column=label,
                        value=whole,
                        formula=formula_text(cell),
                    )
                )
            return outcome
        if len(stored) > CELL_LIMIT:
            flags.append(
                winner.flag(
                    Code.VALUE_TRUNCATED,
                    action_id,
                    column=update_header(as_at),
                    length=len(stored),
                    limit=CELL_LIMIT,
                )
            )
            stored = stored[:CELL_LIMIT]
        if comparable(cell.value) == comparable(stored):
            if fld == "status":
                outcome = {"held": cell.value}
            return outcome
        # a cell HR changed after a return wrote it is theirs (an update emptied too: not one
        # of a column this merge makes again)
        changed_since = not is_blank(cell.value) or (fld == "update" and self.had_update_column)
        if again and changed_since:
            if fld == "status":
                outcome = {"template": SINCE_SENT_MERGED_BEFORE, "held": cell.value}
                if repeats is not None and repeats != _earlier_return(winner.file.name, winner):
                    # (another return's words, kept out when this one was merged: said as then)
                    outcome = {
                        "template": SINCE_SENT_MERGED_EARLIER,
                        "held": cell.value,
                        "earlier": repeats,
                    }
            return outcome
        if repeats is not None and changed_since:
            # the owner's second return made from a copy of their first, the row left as it
            # was: not new, and HR's correction since stands (helper-171)
            if fld == "status":
                outcome = {
                    "template": SINCE_SENT_MERGED_EARLIER,
                    "held": cell.value,
                    "earlier": repeats,
                }
            if fld == "update" or winner.since_sent is None:  # (else said as changed since sent)
                flags.append(
                    winner.flag(
                        Code.CHANGED_SINCE_MERGED,
                        action_id,
                        column=label,
                        value=whole,
                        earlier=repeats,
                        held=_held_words(cell.value),
                    )
                )
            return outcome
        old = cell.value
        if changed_since and (fld == "update" or winner.since_sent is None):
            self._say_replaced(action_id, fld, winner, label, whole, old)
        if fld == "status":
            outcome = {"held": stored}
            if isinstance(cell, MergedCell):
                outcome = {"template": SINCE_SENT_MERGED_CELLS, "held": action.status_text}
        if set_value(cell, stored):
            self.wrap_top(cell)
            if fld == "update" and self.fit_update is not None and isinstance(cell.value, str):
                self.fit_update(sheet_row, cell.value)
            self.changes.append(MergeChange(action_id, fld, old, whole, winner.file.name))
            self.log.append(Change(action_id, label, old, cell.value, winner.file.name))
        return outcome


def merge_book(
    wb: Workbook,
    files: list[ReturnFile],
    as_at: date,
    *,
    now: datetime | None = None,
    path: object = None,
    master_plan: MasterPlan | None = None,
) -> MergeResult:
    """Merge already-read returns into a loaded master, in memory.

    What earlier merges of the same round found (the Returns sheet) is added to: a row of a
    return older than one already merged that changed the same action is superseded, not
    applied (the one rule, :func:`_add_to_record`).
    ``master_plan``: the master's plan as :func:`read_master_plan` read it from ``wb`` (read
    here if not given).
    """
    master = master_plan if master_plan is not None else read_master_plan(wb, path)
    files = earlier_rounds_left_out(
        wb, [for_the_round(f, as_at) for f in files], as_at, master.plan.actions
    )
    merge = _Merge(wb, master, as_at, path)
    for file in files:
        if file.outcome == READ:
            merge.take(file)
    writing = _Writing(merge)
    for action_id, cands in merge.candidates.items():
        writing.apply(action_id, cands)

    outcomes = merge.outcomes(files, writing.won, writing.lost)
    when = now or datetime.now().replace(microsecond=0)
    sheets.append_changes(wb, writing.log, when)
    # (a flag names its file by name only: one said before is of the same file, saved at the
    # same time, in the record already; an owner's file saved again says its own again)
    listed = {g.key for g in merge.record.flags}
    merged_before = {line.key for line in merge.record.files}
    saved = {f.name: stamp(f.stamp) for f in files}
    said = frozenset(
        g.key
        for g in merge.flags
        if g.key in listed and (g.file, saved.get(g.file)) in merged_before
    )
    merge.add_to_record(files, outcomes)
    owners = round_owners(master.plan.actions, master.plan.owners, merge.record)
    write_returns_sheet(wb, owners, merge.record, as_at, master.settings)
    refreshed = refresh_book(
        wb, as_at, source=f"merge as at {short_date(as_at)}", now=when, path=path
    )
    return MergeResult(as_at, outcomes, writing.changes, merge.flags, refreshed, said_before=said)


def round_owners(actions: list[Action], owners: list[str], record: RoundRecord) -> list[str]:
    """The owners of the round, as ``edi-xl returns`` and ``chase`` count them: those sent a
    return (an action of theirs not complete: :func:`edi_xl.flows.owner_returns.group_by_owner`)
    and those whose return came in and is not owed anything (it completed their last action),
    in the plan's order. An owner whose every action was complete was sent nothing and is not
    chased: the Returns sheet does not list them as owing a return."""
    groups, _ = group_by_owner(actions)
    sent = {owner_key(g.owner) for g in groups}
    by_owner = files_by_owner(record)
    return [o for o in owners if owner_key(o) in sent or not owner_status(o, record, by_owner).owed]


def earlier_rounds_left_out(
    wb: Workbook, files: list[ReturnFile], as_at: date, actions: Sequence[Action] = ()
) -> list[ReturnFile]:
    """``files``, each return made for a round before ``as_at`` and saved before the round as
    at ``as_at`` began (:func:`edi_xl.flows.rounds.round_began`) made ``skipped``
    (``earlier_round_return``, naming its round): it answers its own round. A folder of
    returns kept all year holds last quarter's too, and merging one again would write last
    quarter's update into this round's column and count its owner as having returned. A
    return made for an earlier round but saved since this round began (an owner who filled in
    last round's form again) is merged, flagged ``other_round``.

    The round a return was made for is its hidden record's. One with none (a return saved as
    CSV, the trust's old form) is taken as last round's return only when all of it says so
    (:func:`_earlier_form_round`) and the master or this round's returns record when the
    round began (:func:`edi_xl.flows.rounds.round_began_recorded`; a round never started,
    its date given to the merge, began when nobody knows): last round's CSV left in the
    folder had its statuses taken as this round's and its owner shown as having returned,
    not chased (helper-165)."""
    # each return made for an earlier round -> that round, as the message says it
    made_for: dict[int, str] = {
        id(f): short_date(f.metadata.as_at)
        for f in files
        if f.outcome == READ and f.metadata and f.metadata.as_at and f.metadata.as_at < as_at
    }
    forms: dict[int, str] = {}  # (with no record: taken if when the round began is recorded)
    if any(f.outcome == READ and f.metadata is None for f in files):
        by_id = {a.id: a for a in actions}
        rounds = {u.as_at for a in actions for u in a.updates if u.as_at is not None}
        for f in files:
            if f.outcome == READ and f.metadata is None:
                its = _earlier_form_round(f, as_at, rounds, by_id)
                if its is not None:
                    column = f"its update column, {f.update_header!r}, holds that round's text"
                    forms[id(f)] = f"{short_date(its)} ({column})"
    if not made_for and not forms:
        return files
    from edi_xl.flows.rounds import round_began, round_began_recorded

    made = [
        f.metadata.created
        for f in files
        if f.outcome == READ and f.metadata and f.metadata.as_at == as_at and f.metadata.created
    ]
    recorded = round_began_recorded(wb, as_at, made)
    if recorded is not None:
        made_for |= forms
    if not made_for:
        return files
    began = recorded if recorded is not None else round_began(wb, as_at, made)
    left_out: dict[int, ReturnFile] = {}
    for f in files:
        if id(f) not in made_for:
            continue
        saved = stamp(f.stamp)
        if saved is None or saved >= began:
            continue  # saved since the round began: this round's answer, on last round's form
        why = problem(
            Code.EARLIER_ROUND_RETURN,
            file=f.name,
            made=made_for[id(f)],
            saved=f"{saved:%Y-%m-%d %H:%M}",
            merged=short_date(as_at),
        )
        left_out[id(f)] = replace(f, outcome=SKIPPED, problem=why)
    return [left_out.get(id(f), f) for f in files]


def _earlier_form_round(
    file: ReturnFile, as_at: date, rounds: set[date], actions: dict[str, Action]
) -> date | None:
    """The earlier round a return with no record (``file``) is that round's return as it was
    merged, or None: its update column is dated for a round of the master before ``as_at``
    (:func:`_earlier_round_of_column`; ``rounds``, the master's), and the update on each of
    its rows is text the master holds for that action from before ``as_at`` (the round's own
    words, left as they were; or none). A row of an action the master does not have, or
    words the master does not hold (an owner's monthly tracker), make it no earlier round's:
    it is merged, its words said."""
    its = _earlier_round_of_column(file.update_header, as_at, rounds)
    if its is None:
        return None
    for row in file.rows:
        action = actions.get(row.id or "")
        if action is None:
            return None
        if row.update and comparable(row.update) not in _held_before(action, as_at):
            return None
    return its


def earlier_rounds_note(result: MergeReport) -> str | None:
    """What to do about the returns left out as an earlier round's (both doors say it after
    listing them), or None when there were none."""
    n = sum(1 for f in result.files if f.problem and f.problem.code is Code.EARLIER_ROUND_RETURN)
    if not n:
        return None
    return (
        f"{plural(n, 'return')} of an earlier round left out (listed above): "
        f"{'it was' if n == 1 else 'they were'} saved before this round began. A return that "
        "came in late for its own round: merge that file on its own with --as-at its round's "
        "date."
    )


def _on_two_rows(
    older: _Candidate, winner: _Candidate, cands: list[_Candidate], action_id: str
) -> Flag:
    """``action_on_two_rows`` on ``older``'s row: the owner copied the action's row in the
    same return and wrote other words in it. Which they meant cannot be told (one file, one
    save time): the last row is taken, as a later row in a return is read after the ones
    above it, and this row's Status and update are quoted, never dropped unsaid (before, the
    flag named the file itself "a newer return")."""
    rows = sorted(c.row.row for c in cands if c.file is winner.file)
    return older.flag(
        Code.ACTION_ON_TWO_ROWS,
        action_id,
        rows=" and ".join(str(r) for r in rows),
        taken=winner.row.row,
        status=older.row.status or "",
        update=older.row.update or "",
    )


def _overridden(
    action: Action, word: str, as_at: date, words: dict[RAG, str], winner: _Candidate
) -> tuple[Flag, str] | None:
    """A flag when the RAG rule would override the owner's Status (the due date passed), and
    the Status word the rule keeps."""
    rag = parse_status(word, words)
    if rag is None:
        return None
    ruled = ruled_status(rag, action.due, as_at)
    if ruled is None or ruled is rag:
        return None
    # what the master's cell holds once refreshed: the rule applied to the word it holds (a
    # Complete HR set stays Complete: Blue is never late), not to the owner's
    kept = parse_status(action.status_text, words)
    after = ruled_status(kept, action.due, as_at) if kept is not None else ruled
    held = words[after] if after is not None and after is not kept else action.status_text or ""
    flag = winner.flag(
        Code.STATUS_OVERRIDDEN,
        action.id,
        column="Status",
        value=word,
        rag=ruled.value,
        word=words[ruled],
        held=held,
    )
    return flag, held


def _say_since_sent(
    flags: list[Flag],
    cand: _Candidate,
    action: Action,
    words: dict[RAG, str],
    outcome: dict[str, Any],
) -> None:
    """Put in place of ``cand``'s ``changed_since_sent`` flag (if it has one) the flag saying
    what became of its Status (``outcome``: the template, none for applied, and its fields,
    what the master holds among them): "is applied" only for a Status written."""
    if cand.since_sent is None or cand.status is None:
        return
    at, fingerprint, sent_as_at = cand.since_sent
    said = outcome if "template" in outcome else {}
    flag = changed_since_sent(action, cand.row, cand.status, fingerprint, sent_as_at, words, **said)
    if flag is not None:
        flags[at] = flag


def _rank(saved: datetime | None, name: str) -> tuple[datetime, str]:
    """The order of returns for an action: the one saved last is the owner's last word (of
    two saved in the same second, the name decides, as it always has)."""
    return saved or datetime.min, name


def _newer_claim(
    lines: list[FileRecord], key: tuple[str, datetime | None], rank: tuple[datetime, str]
) -> FileRecord | None:
    """The newest of ``lines`` (those that changed an action) saved after the file of ``key``
    and ``rank``, not that file itself; None when it is the newest."""
    newer = [f for f in lines if f.key != key and _rank(f.saved, f.file) > rank]
    return max(newer, key=lambda f: _rank(f.saved, f.file), default=None)


def _claims(lines: list[FileRecord]) -> dict[str, FileRecord]:
    """Per action, the newest of ``lines`` that changed it: the file whose change stands."""
    newest: dict[str, FileRecord] = {}
    for f in lines:
        for action_id in f.actions or ():
            if action_id not in newest or _rank(f.saved, f.file) > _rank(
                newest[action_id].saved, newest[action_id].file
            ):
                newest[action_id] = f
    return newest


class _RoundLine(NamedTuple):
    """A Change Log line of the round's Status or update (:func:`_round_lines`)."""

    logged_at: datetime
    order: int  # its place in the log
    action_id: str
    field: str  # "Status" or "update"
    old: Any
    source: Any
    new: Any


def _round_lines(wb: Workbook, as_at: date) -> list[_RoundLine]:
    """The Change Log's lines, since the round as at ``as_at`` began, that changed an action's
    Status or its round's update, in the log's order."""
    from edi_xl.flows.rounds import _clock_time, round_began

    began = round_began(wb, as_at)
    fields = {"Status": "Status", update_header(as_at): "update"}
    lines = []
    for n, (when, action_id, fld, old, new, source) in enumerate(sheets.read_change_log(wb)):
        if fld not in fields or action_id in (None, ""):
            continue
        logged_at = _clock_time(when)
        if logged_at is not None and logged_at >= began:
            lines.append(
                _RoundLine(logged_at, n, str(action_id).strip(), fields[fld], old, source, new)
            )
    return lines


def _held_when_the_round_began(lines: list[_RoundLine]) -> dict[str, dict[str, Any]]:
    """Per action changed since the round began, what its Status and its round's update
    ("update") held then: the old value of the earliest of the round's ``lines``
    (:func:`_round_lines`) for each (by its time: a log sorted newest first keeps them), past
    the overdue rule's lines (the rule's word is the round's start, not an owner's:
    helper-109)."""
    from edi_xl.flows.refresh import RULE_SOURCES

    held: dict[str, dict[str, Any]] = defaultdict(dict)
    for line in sorted(lines, key=lambda line: (line.logged_at, line.order)):
        if isinstance(line.source, str) and line.source.startswith(RULE_SOURCES):
            continue  # (the rule's word, not an owner's: the round starts after it)
        held[line.action_id].setdefault(line.field, line.old)
    return held


#: A field of a return's row, as :func:`_round_lines` names its cell's Change Log lines.
_LOGGED_AS = {"status": "Status", "update": "update"}


def _held_words(value: Any) -> str:
    """What the master's cell holds, quoted, as a ``changed_since_merged`` flag says it."""
    return repr(value) if not is_blank(value) else "empty cell"


def _earlier_return(name: str, winner: _Candidate) -> str:
    """The return merged earlier named ``name``, in words, as ``winner``'s flag says it."""
    return "an earlier copy of this return" if name == winner.file.name else repr(name)


def _written_by_returns(
    lines: list[_RoundLine], record: RoundRecord
) -> dict[tuple[str, str], tuple[str, Any]]:
    """Per action and field ("Status", "update"), the return merged earlier this round that
    wrote the cell last, and what it wrote: where the round's last Change Log line of the
    cell (:func:`_round_lines`) is a return's (a file in ``record``), not a refresh's."""
    returns = {f.file for f in record.files}
    last: dict[tuple[str, str], _RoundLine] = {}
    for line in sorted(lines, key=lambda line: (line.logged_at, line.order)):
        last[(line.action_id, line.field)] = line
    return {key: (line.source, line.new) for key, line in last.items() if line.source in returns}


def _with_actions(
    record: RoundRecord,
    actions: dict[str, Action],
    round_lines: Callable[[], list[_RoundLine]],
) -> RoundRecord:
    """``record`` with the actions of each merged line whose Returns sheet did not keep them
    (written before it did): from the Change Log (``round_lines``: :func:`_round_lines`),
    the actions whose Status or round's update a file of that name changed since the round
    began (those of the line's owner, when the file is a line for each of several
    owners)."""
    unknown = {f.file for f in record.files if f.actions is None and f.outcome == MERGED}
    logged: dict[str, set[str]] = defaultdict(set)
    if unknown:
        for line in round_lines():
            if line.source in unknown:
                logged[line.source].add(line.action_id)
    lines = Counter(f.file for f in record.files)

    def known(f: FileRecord) -> FileRecord:
        if f.actions is not None:
            return f
        mine = logged.get(f.file, set()) if f.outcome == MERGED else set()
        if lines[f.file] > 1 and f.owner:
            mine = {a for a in mine if _owner_is(actions.get(a), f.owner)}
        return replace(f, actions=frozenset(mine))

    return replace(record, files=[known(f) for f in record.files])


def _owner_is(action: Action | None, owner: str | None) -> bool:
    """Is ``owner`` the owner of ``action`` (as owners are matched: case and spaces aside)?"""
    return bool(action and action.owner and owner and owner_key(action.owner) == owner_key(owner))


def _add_to_record(
    record: RoundRecord,
    files: list[ReturnFile],
    outcomes: list[FileOutcome],
    flags: list[Flag],
    owners: dict[str, str],
    not_merged: set[str],
    changed: dict[str, set[str]],
    actions: dict[str, Action],
) -> None:
    """Add this merge's files and flags to the round's record, and say again what each file
    of the round stands for. ``not_merged``: the files whose cells held notes, pictures or
    TRUE / FALSE updates, not merged (an unchanged one's reason says so); ``changed``: per
    file of this merge, the actions its rows changed (whoever took them).

    One rule, the merge's own: an action's change is the newest file's (saved last) of all
    the round's that changed it, whoever's file it is. A file is a line for its own owner
    (:func:`_own_owner`) and one for each other owner whose actions it changed (a colleague's
    rows forwarded with one's own; the others' rows of a whole plan sent back, as the master
    has them, are not theirs). A line is *merged* for the actions whose change is still its
    own, *superseded* when newer files took every one it changed, and *unchanged* (its own
    owner's) when it changed none. The line keeps those actions (the sheet's hidden column
    H), so the next merge decides by them: a file merged again, with nothing new, leaves the
    sheet as it was; a return saved over one of the same name is a line of its own."""
    by_name = {f.name: f for f in files}
    found: list[FileRecord] = []
    for o in outcomes:
        if o.outcome == SKIPPED:
            continue
        file = by_name[o.file]
        owner = o.owner or _owner_by_name(file, owners)
        # (an unchanged return's reason is kept when its cells held what was not merged)
        left = o.outcome == FILE_UNCHANGED and o.file in not_merged
        reason = o.reason if o.outcome == REJECTED or left else None
        saved = stamp(file.stamp)
        if o.outcome == REJECTED:
            found.append(FileRecord(o.file, owner, saved, o.outcome, o.rows, 0, reason))
            continue
        # a line per owner whose actions it changed, and its own owner's (what a file merged
        # before with the same name and save time changed is still what it changed)
        per_owner: dict[str, set[str]] = {owner_key(owner or ""): set()}
        names = {owner_key(owner or ""): owner}
        for f in record.files:
            if f.key == (o.file, saved) and f.actions:
                per_owner.setdefault(owner_key(f.owner or ""), set()).update(f.actions)
                names.setdefault(owner_key(f.owner or ""), f.owner)
        for action_id in changed.get(o.file, set()):
            action = actions.get(action_id)
            whose = action.owner if action and action.owner else owner
            per_owner.setdefault(owner_key(whose or ""), set()).add(action_id)
            names.setdefault(owner_key(whose or ""), whose)
        for k, mine in per_owner.items():
            line = FileRecord(o.file, names[k], saved, o.outcome, o.rows, 0, reason)
            found.append(replace(line, actions=frozenset(mine)))
    record.add(found, flags)
    here = {f.key for f in found}
    claims = _claims(record.files)

    def now(f: FileRecord) -> FileRecord:
        """``f`` as the round's files now leave it."""
        if f.outcome == REJECTED or f.actions is None:
            return f
        if not f.actions:  # (its own owner's line, nothing new of theirs)
            if f.key in here and f.outcome != FILE_UNCHANGED:
                return replace(f, outcome=FILE_UNCHANGED, rows=0, reason=None)
            return f
        stands = {a for a in f.actions if claims[a].key == f.key}
        if stands:
            return replace(f, outcome=MERGED, rows=len(stands), reason=None)
        if f.outcome == Outcome.SUPERSEDED and f.reason:
            return replace(f, rows=0)  # (as this merge or an earlier one said why)
        newer = max((claims[a] for a in f.actions), key=lambda g: _rank(g.saved, g.file))
        return replace(f, outcome=Outcome.SUPERSEDED, rows=0, reason=_later_came_in(f, newer.file))

    record.files = with_flags([now(f) for f in record.files], record.flags)


def _later_came_in(file: FileRecord, newer: str) -> str:
    """The reason on the Returns sheet of a file superseded by a newer one merged later."""
    return problem(
        Code.SUPERSEDED, template=FILE_SUPERSEDED_LATER, file=file.file, newer=newer
    ).message


def _outcome(
    file: ReturnFile,
    won: Counter[str],
    lost: Counter[str],
    owners: dict[str, str | None],
    unchanged: set[str],
    earlier: set[str],
    not_merged: dict[str, Counter[Code]],
) -> FileOutcome:
    if file.outcome != READ:
        return FileOutcome(file.name, file.outcome, file.problem, None, 0)
    owner = owners.get(file.name) or file.owner

    def outcome(
        what: Outcome, code: Code, template: str | None = None, **fields: Any
    ) -> FileOutcome:
        why = problem(code, template=template, file=file.name, **fields)
        return FileOutcome(file.name, what, why, owner, 0)

    if file.name in earlier:
        return outcome(Outcome.SUPERSEDED, Code.SUPERSEDED, FILE_SUPERSEDED_EARLIER)
    if won[file.name]:
        return FileOutcome(file.name, Outcome.MERGED, None, owner, won[file.name])
    if lost[file.name]:
        return outcome(Outcome.SUPERSEDED, Code.SUPERSEDED, FILE_SUPERSEDED_SAME_ACTIONS)
    if file.name in unchanged and (left := not_merged.get(file.name)):
        them = "it" if sum(left.values()) == 1 else "them"
        words = _not_merged_words(left)
        return outcome(
            FILE_UNCHANGED,
            Code.RETURN_UNCHANGED,
            RETURN_UNCHANGED_NOT_MERGED,
            left=words,
            them=them,
        )
    if file.name in unchanged:
        return outcome(FILE_UNCHANGED, Code.RETURN_UNCHANGED)
    return outcome(REJECTED, Code.NO_ROW_MATCHED)


#: What a return's cells held that was not merged, in words, by its flag's code.
_NOT_MERGED_WORDS = {
    Code.NOTE_NOT_MERGED: ("note", "notes"),
    Code.PICTURE_IN_CELL: ("picture", "pictures"),
    Code.ERROR_IN_CELL: ("error value", "error values"),
    Code.UPDATE_TRUE_FALSE: ("TRUE / FALSE update", "TRUE / FALSE updates"),
}


#: The flags of a whole return (not of a row) counted as what it held that was not merged.
_SAID_OF_THE_FILE = frozenset({Code.NOTE_NOT_MERGED, Code.COLUMN_NOT_READ})


def _not_merged_words(counts: Counter[Code]) -> str:
    """What a return held that was not merged, in words: "2 notes and 1 picture on its cells
    not merged", "text in 1 column not read"."""
    parts = [
        plural(counts[code], one, many)
        for code, (one, many) in _NOT_MERGED_WORDS.items()
        if counts[code]
    ]
    said = [f"{_listed(parts)} on its cells not merged"] if parts else []
    if columns := counts[Code.COLUMN_NOT_READ]:
        said.append(f"text in {plural(columns, 'column', 'columns')} not read")
    return " and ".join(said)


def _listed(parts: list[str]) -> str:
    """``parts`` as a list in words: "a, b and c"."""
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


def merge_returns(
    master: str | Path,
    inputs: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    as_at: date | None = None,
    now: datetime | None = None,
    reader: FileReader | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    fallback: date | None = None,
) -> MergeResult:
    """Merge every return under ``inputs`` into ``master`` (in place unless ``out``).

    With no ``as_at``, the returns go into the round they were made for, which must be the
    round on Settings (:func:`returns_round`); ``fallback`` is the date when neither says.
    ``progress(done, total, name)`` is called as each file has been read.
    """
    master = Path(master)
    target = Path(out) if out else master
    not_returns = {  # a master kept in the returns folder is not a return
        target: "merged master",
        backup_path(target): "merged master's backup",
        master: "master itself",
        backup_path(master): "master's backup",
    }
    # The workers read the returns (and find their tables) while the master loads here and
    # its plan is read.
    reading = ReturnsReading(inputs, reader=reader, not_returns=not_returns)
    try:
        wb = load_master(master, remakes_summary=True, log_as_values=True)
        with gc_paused():
            master_plan = read_master_plan(wb, master.name)
        if as_at is None and (unread := master_plan.settings.as_at_unread) is not None:
            raise RoundDateUnreadError(sheets.unread_round_date(master.name, unread))
    except BaseException:
        reading.stop()
        raise
    files = reading.result(progress)
    # the save's reading of the file, while the merge works (no more forks)
    with reading_ahead(wb):
        settings_date = sheets.read_settings(wb).as_at
        source = "given"
        if as_at is None:
            as_at, source = returns_round(files, settings_date, fallback, master.name)
        with gc_paused():  # not while reading returns: a file read here leaves cycles
            result = merge_book(
                wb, files, as_at, now=now, path=master.name, master_plan=master_plan
            )
            saved: list[Problem] = []
            result.backup = save_master(wb, target, notes=saved)
            if result.refresh is not None:
                result.refresh.notes += saved
    result.path = target
    result.as_at_source = source
    if settings_date is not None and as_at < settings_date:
        result.moved_back_from = settings_date
    return result


def returns_round(
    files: list[ReturnFile], settings_date: date | None, fallback: date | None, master: str
) -> tuple[date, str]:
    """The round to merge into when no date is given, and where it came from.

    The round on Settings. Returns made for an earlier round do not stop it (a folder kept all
    year holds last quarter's: :func:`earlier_rounds_left_out` leaves out those saved before
    the round began, and flags the rest ``other_round``); returns made for a later round than
    the one on Settings, or, with no Settings date, for several rounds, are a question for a
    person (:class:`edi_xl.flows.rounds.RoundMismatchError`), never a silent new column.
    With no Settings date, the round the returns were made for (their hidden record); with
    neither, ``fallback`` (the CLI's today).
    """
    from edi_xl.flows.rounds import RETURNS, SETTINGS, TODAY, RoundMismatchError

    made: dict[date, list[str]] = defaultdict(list)
    for f in files:
        if f.outcome == READ and f.metadata and f.metadata.as_at:
            made[f.metadata.as_at].append(f.name)
    if settings_date is not None:
        later = {d: names for d, names in made.items() if d > settings_date}
        if not later:
            # (said as the returns' own round only when every one was made for it)
            return settings_date, RETURNS if set(made) == {settings_date} else SETTINGS
        if len(later) > 1:
            raise RoundMismatchError(
                f"{master}: these returns were made for rounds after the round on the Settings "
                f"sheet, {short_date(settings_date)} ({_by_round(later)}). Nothing was merged. "
                "Start the round they are for (edi-xl round --start DATE) and merge again: "
                "returns of an earlier round saved before it began are left out."
            )
        ((made_for, _),) = later.items()
        iso, now_iso = made_for.isoformat(), settings_date.isoformat()
        raise RoundMismatchError(
            f"{master}: the returns were made for the round as at {short_date(made_for)}, but "
            f"the round on the Settings sheet is {short_date(settings_date)}. Nothing was "
            f"merged. Which round are they for? To put them in their own round's column: "
            f"--as-at {iso} (this moves the Settings date on to {short_date(made_for)}); "
            f"to take them into the round on Settings: --as-at {now_iso}."
        )
    if len(made) > 1:
        raise RoundMismatchError(
            f"{master}: these returns were made for different rounds ({_by_round(made)}) and "
            "the Settings sheet has no round date. Nothing was merged. Give the round to merge "
            "into with --as-at: returns of an earlier round saved before it began are left out."
        )
    if made:
        (made_for,) = made
        return made_for, RETURNS
    if fallback is not None:
        return fallback, TODAY
    raise EdiXlError(f"{master}: no as-at date given and none on the Settings sheet")


def _by_round(made: dict[date, list[str]]) -> str:
    """Each round and (the first three of) its returns' names, in words."""
    return "; ".join(
        f"{short_date(d)}: {', '.join(names[:3])}{' ...' if len(names) > 3 else ''}"
        for d, names in sorted(made.items())
    )
