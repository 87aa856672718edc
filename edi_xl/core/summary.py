"""The board view: the figures of the Summary sheet, computed in Python.

Before every Workforce Committee and Board meeting the EDI lead needs one page: RAG counts
overall, by theme and by owner; what is overdue and by how long; what is due in the next 30
days; what changed since the previous round; and which WRES indicators, WDES metrics and High
Impact Actions have no live action at all. :func:`summarise` works these out from a refreshed
plan, its assessments and the Change Log. The Summary sheet
(:mod:`edi_xl.master.summary_sheet`) writes the same figures, the counts as formulas, and
``edi-xl summary`` prints them.

How things are counted:

- An action's RAG colour is the Settings word its Status cell holds (compared ignoring case
  and outer spaces), exactly what the sheet's COUNTIFS formulas count. After a refresh every
  status edi_xl can read holds its Settings word; a word it cannot read, or a blank, has no
  colour and is counted under "no RAG status".
- Themes (Milestone) and owners are grouped ignoring case and runs of spaces, as Excel's
  comparisons do; the label shown is the first spelling met.
- Overdue and due-in-30-days come from the rules at the as-at date (never from the clock).
- Changes since the previous round: the Status lines of the Change Log written after the date
  of the latest "Update as at" round before the as-at date (all of them when there is none),
  netted per action (first old value -> last new value). Newly Red: now Red, was not; newly
  Blue: now complete, was not; moved back: any other step down Blue > Green > Amber > Red
  (a complete action reopened, an action that went from on track to at risk).
- The trend: the RAG counts at the end of each round (every "Update as at" date before the
  as-at date), then now. The status an action had at the end of a round is worked back from
  its Status cell today through the Status lines of the Change Log written for a later round:
  the old value of the first of them, else today's status. Each Change Log line belongs to the
  as-at date of the command that wrote it (its Source "... as at 18 Dec 2023", the as-at date it
  set on Settings, or the round of the "Update as at" column it wrote, shared by every line
  written at the same moment; an import's line naming none, written before imports named
  theirs, the first round a later line names), else to the day it was written. A status
  typed into the sheet by hand is not in the Change Log: the trend counts it from the round
  edi_xl first saw it.
- Coverage: every WRES indicator, WDES metric and High Impact Action with the live (not Blue)
  actions whose Report / Action cell names it. "WDES 4" and "WDES 9" with no letter name the
  whole metric, so they count for 4a and 4b, 9a and 9b.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from edi_xl.core.dates import long_date, read_short_date, short_date
from edi_xl.core.model import Action, ActionPlan
from edi_xl.core.references import Scheme
from edi_xl.core.rounds import rounds_before, update_header_date
from edi_xl.core.rules import Assessment
from edi_xl.core.status import RAG, parse_status
from edi_xl.core.text import plural

#: How far ahead "due soon" looks, in days from the as-at date (inclusive).
DUE_WITHIN_DAYS = 30

#: The RAG colours in the order the Summary shows them.
RAG_ORDER: tuple[RAG, ...] = (RAG.GREEN, RAG.AMBER, RAG.RED, RAG.BLUE)

#: Better to worse, for "moved back".
_RANK = {RAG.BLUE: 3, RAG.GREEN: 2, RAG.AMBER: 1, RAG.RED: 0}

NO_THEME = "(no milestone)"
NO_OWNER = "(no owner)"

#: Every code NHS England asks about, with a short description for the coverage map.
COVERAGE_CODES: tuple[tuple[Scheme, str, str], ...] = (
    (Scheme.WRES, "1", "Staff in each pay band"),
    (Scheme.WRES, "2", "Shortlisting to appointment"),
    (Scheme.WRES, "3", "Entering the formal disciplinary process"),
    (Scheme.WRES, "4", "Access to non-mandatory training and CPD"),
    (Scheme.WRES, "5", "Harassment, bullying or abuse from patients and the public"),
    (Scheme.WRES, "6", "Harassment, bullying or abuse from staff"),
    (Scheme.WRES, "7", "Equal opportunities for career progression"),
    (Scheme.WRES, "8", "Discrimination from a manager or colleague"),
    (Scheme.WRES, "9", "Board representation"),
    (Scheme.WDES, "1", "Staff in each pay band"),
    (Scheme.WDES, "2", "Shortlisting to appointment"),
    (Scheme.WDES, "3", "Entering the formal capability process"),
    (Scheme.WDES, "4a", "Harassment, bullying or abuse (public, managers, colleagues)"),
    (Scheme.WDES, "4b", "Reporting harassment, bullying or abuse"),
    (Scheme.WDES, "5", "Equal opportunities for career progression"),
    (Scheme.WDES, "6", "Pressure to come to work when unwell"),
    (Scheme.WDES, "7", "Feeling the organisation values their work"),
    (Scheme.WDES, "8", "Adequate reasonable adjustments"),
    (Scheme.WDES, "9a", "Staff engagement score"),
    (Scheme.WDES, "9b", "Facilitating the voices of disabled staff"),
    (Scheme.WDES, "10", "Board representation"),
    (Scheme.HIA, "1", "Board and executive accountability for EDI"),
    (Scheme.HIA, "2", "Recruitment and talent management"),
    (Scheme.HIA, "3", "Pay gaps"),
    (Scheme.HIA, "4", "Health inequalities within the workforce"),
    (Scheme.HIA, "5", "Internationally recruited staff"),
    (Scheme.HIA, "6", "Bullying, harassment, discrimination and violence"),
)

#: A reference with no letter names the whole metric: it covers every part.
_WHOLE_METRIC = {(Scheme.WDES, "4"): ("4a", "4b"), (Scheme.WDES, "9"): ("9a", "9b")}


#: What the Summary's formulas turn into spaces before TRIM (summary_sheet._clean).
_SPACES = re.compile(r"[ \t\r\n\u00a0]+")


def group_key(text: str | None) -> str:
    """What two themes or owners must share to be counted together (as Excel compares):
    spaces, tabs, line breaks and non-breaking spaces are one space; case is ignored."""
    return _SPACES.sub(" ", text or "").strip(" ").casefold()


@dataclass(frozen=True)
class RagRow:
    """One line of a RAG table: a theme, an owner, or all actions."""

    label: str
    counts: dict[RAG, int]
    blank: bool = False  # the row of actions with no theme / no owner

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            **{r.value: self.counts[r] for r in RAG_ORDER},
            "total": self.total,
        }


@dataclass(frozen=True)
class ListedAction:
    """An action on the overdue or due-soon list."""

    id: str
    action: str | None
    owner: str | None
    due: date | None
    due_text: str | None
    days_overdue: int | None
    status: str | None  # the Status cell's text

    def days_to_go(self, as_at: date) -> int | None:
        return (self.due - as_at).days if self.due else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "due_text": self.due_text,
            "days_overdue": self.days_overdue,
            "status": self.status,
        }


@dataclass(frozen=True)
class StatusChange:
    """The net change of one action's status since the previous round."""

    KINDS = {
        "newly_red": "Newly Red",
        "newly_blue": "Newly complete (Blue)",
        "moved_back": "Moved back",
    }

    id: str
    action: str | None
    kind: str  # a key of KINDS
    old: Any
    new: Any
    when: datetime | None

    @property
    def kind_label(self) -> str:
        return self.KINDS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "kind": self.kind,
            "old": _text(self.old),
            "new": _text(self.new),
            "when": self.when.isoformat(sep=" ") if self.when else None,
        }


@dataclass(frozen=True)
class CoverageLine:
    """One WRES indicator, WDES metric or High Impact Action and its live actions."""

    scheme: Scheme
    code: str
    description: str
    action_ids: tuple[str, ...]  # live actions naming it, in sheet order

    @property
    def label(self) -> str:
        return f"{self.scheme.value} {self.code}"

    @property
    def live(self) -> int:
        return len(self.action_ids)

    @property
    def gap(self) -> bool:
        return not self.action_ids

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme.value,
            "code": self.code,
            "label": self.label,
            "description": self.description,
            "live_actions": self.live,
            "action_ids": list(self.action_ids),
            "gap": self.gap,
        }


@dataclass(frozen=True)
class TrendPoint:
    """The RAG counts at the end of one round (or now, at the as-at date)."""

    as_at: date
    counts: dict[RAG, int]
    no_status: int
    current: bool  # the as-at date itself: today's Status cells

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def label(self) -> str:
        return short_date(self.as_at) + (" (now)" if self.current else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_at": self.as_at.isoformat(),
            "label": self.label,
            "current": self.current,
            **{r.value: self.counts[r] for r in RAG_ORDER},
            "total": self.total,
            "no_status": self.no_status,
        }


@dataclass
class Summary:
    """Every figure of the Summary sheet."""

    as_at: date
    title: str
    actions: int
    overall: RagRow
    no_status: int
    by_theme: list[RagRow]
    by_owner: list[RagRow]
    overdue: list[ListedAction]
    due_soon: list[ListedAction]
    changes_since: date | None
    changes: list[StatusChange]
    coverage: list[CoverageLine]
    due_within_days: int = DUE_WITHIN_DAYS
    words: dict[RAG, str] = field(default_factory=dict)
    trend: list[TrendPoint] = field(default_factory=list)
    #: actions whose Status is Red though their due date has not passed (a person or a
    #: return gave the Red: the rule gives it only to overdue actions)
    red_not_due: int = 0

    @property
    def gaps(self) -> list[CoverageLine]:
        return [c for c in self.coverage if c.gap]

    def changes_of(self, kind: str) -> list[StatusChange]:
        return [c for c in self.changes if c.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data (what ``edi-xl summary --json`` prints)."""
        return {
            "title": self.title,
            "as_at": self.as_at.isoformat(),
            "actions": self.actions,
            "status_words": {r.value: self.words.get(r) for r in RAG_ORDER},
            "rag": self.overall.to_dict()
            | {"no_status": self.no_status, "red_not_due": self.red_not_due},
            "by_theme": [r.to_dict() for r in self.by_theme],
            "by_owner": [r.to_dict() for r in self.by_owner],
            "overdue": [a.to_dict() for a in self.overdue],
            "due_within_days": self.due_within_days,
            "due_soon": [a.to_dict() for a in self.due_soon],
            "changes_since": self.changes_since.isoformat() if self.changes_since else None,
            "changes": {
                kind: [c.to_dict() for c in self.changes_of(kind)] for kind in StatusChange.KINDS
            },
            "coverage": [c.to_dict() for c in self.coverage],
            "gaps": [c.label for c in self.gaps],
            "trend": [p.to_dict() for p in self.trend],
        }


# --- the figures -----------------------------------------------------------------------------


def sheet_rag(status_text: str | None, words: dict[RAG, str]) -> RAG | None:
    """The colour a Status cell counts as on the Summary: its Settings word, or none."""
    key = (status_text or "").strip().casefold()
    if not key:
        return None
    return next((rag for rag in RAG_ORDER if words[rag].strip().casefold() == key), None)


def _rag_rows(
    actions: Iterable[tuple[Action, RAG | None]], attr: str, blank_label: str
) -> list[RagRow]:
    labels: dict[str, str] = {}
    counts: dict[str, dict[RAG, int]] = {}
    keys: dict[str | None, str] = {}  # group_key of each text, worked out once
    for action, rag in actions:
        text = getattr(action, attr)
        key = keys.get(text)
        if key is None:
            key = keys[text] = group_key(text)
        if key not in labels:
            labels[key] = " ".join(text.split()) if key else blank_label
            counts[key] = {r: 0 for r in RAG_ORDER}
        if rag is not None:
            counts[key][rag] += 1
    return [RagRow(labels[k], counts[k], blank=not k) for k in labels]


def _listed(action: Action, assessment: Assessment) -> ListedAction:
    return ListedAction(
        id=action.id,
        action=action.action,
        owner=action.owner,
        due=action.due.deadline,
        due_text=action.due.text,
        days_overdue=assessment.days_overdue,
        status=action.status_text,
    )


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return None


def _text(value: Any) -> str | None:
    # a Change Log value exactly as logged (not trimmed like cell_text: the log shows it as was)
    return None if value is None else str(value)


_SOURCE_AS_AT = re.compile(r"\bas at (\d{1,2} [A-Za-z]{3,9} \d{4})\b")


#: How an import's lines begin; before session 20 they named no as-at date.
_IMPORTED_FROM = "imported from "


def _named_as_at(line: Sequence[Any]) -> date | None:
    """The as-at date a Change Log line names: in its Source ("merge as at 18 Dec 2023"), as
    the new as-at date on Settings, or as the round of the "Update as at" column it wrote."""
    _, _, fld, _, new, source = (list(line) + [None] * 6)[:6]
    if isinstance(source, str) and (m := _SOURCE_AS_AT.search(source)):
        day = read_short_date(m.group(1))
        if day is not None:
            return day
    if _is_as_at_line(fld):
        stamp = _as_datetime(new)
        if stamp is not None:
            return stamp.date()
    if isinstance(fld, str):
        is_update, when = update_header_date(fld)
        if is_update and when is not None:
            return when
    return None


def line_dates(change_log: Sequence[Sequence[Any]]) -> list[date | None]:
    """The as-at date each Change Log line belongs to (see the module docstring): the one named
    by a line written at the same moment, else the day it was written (None: no time).

    An import's lines naming no date (written before imports named theirs, session 20) are of
    the first round a later line names (the refresh, round or merge that followed the import
    names the round the master was in), not of the day the command ran, which is after every
    round when the import was as at an earlier date; of that day when no later line names
    one. (Not the master's first update column's: a plan imported with last round's column
    is a round past it, helper-108.)"""
    named: dict[datetime, date] = {}
    imported: set[datetime] = set()
    for line in change_log:
        stamp = _as_datetime(line[0] if line else None)
        if stamp is None or stamp in named:
            continue
        if (d := _named_as_at(line)) is not None:
            named[stamp] = d
        elif _imported(line):
            imported.add(stamp)
    for stamp in sorted(imported - named.keys()):
        later = [d for when, d in named.items() if when > stamp]
        if later:
            named[stamp] = min(later)
    out: list[date | None] = []
    for line in change_log:
        stamp = _as_datetime(line[0] if line else None)
        out.append(None if stamp is None else named.get(stamp, stamp.date()))
    return out


def _imported(line: Sequence[Any]) -> bool:
    """Whether a Change Log line is an import's (its Source "imported from plan.xlsx")."""
    source = line[5] if len(line) > 5 else None
    return isinstance(source, str) and source.startswith(_IMPORTED_FROM)


#: Types of Change Log values read once each (hashable).
_READ_ONCE = frozenset((str, int, float, bool, datetime, date, type(None)))


def _status_reader(words: dict[RAG, str]) -> Callable[[Any], RAG | None]:
    """:func:`edi_xl.core.status.parse_status` of a Change Log value or Status text with
    ``words``, each different value read once (the same few words recur thousands of times)."""
    seen: dict[tuple[type, Any], RAG | None] = {}

    def read(value: Any) -> RAG | None:
        if type(value) not in _READ_ONCE:  # maybe not hashable
            return parse_status(_text(value), words)
        key = (type(value), value)  # (1 and 1.0 and True read differently)
        if key not in seen:
            seen[key] = parse_status(_text(value), words)
        return seen[key]

    return read


def status_changes(
    change_log: Sequence[Sequence[Any]],
    since: date | None,
    words: dict[RAG, str],
    actions: dict[str, Action] | None = None,
    *,
    dates: Sequence[date | None] | None = None,
) -> list[StatusChange]:
    """Net Status changes per action in Change Log lines (when, #, field, old, new, ...).
    ``dates``: the lines' :func:`line_dates`, when the caller has them."""
    first_old: dict[str, Any] = {}
    last: dict[str, tuple[Any, datetime | None]] = {}
    if dates is None:
        dates = line_dates(change_log)
    for line, belongs in zip(change_log, dates, strict=True):
        when, action_id, fld, old, new = (list(line) + [None] * 5)[:5]
        if fld != "Status" or not action_id:
            continue
        stamp = _as_datetime(when)
        if since is not None and (belongs is None or belongs <= since):
            continue
        key = str(action_id)
        first_old.setdefault(key, old)
        last[key] = (new, stamp)
    out: list[StatusChange] = []
    read = _status_reader(words)
    for key, (new, stamp) in last.items():
        old = first_old[key]
        was, now = read(old), read(new)
        if now is RAG.RED and was is not RAG.RED:
            kind = "newly_red"
        elif now is RAG.BLUE and was is not RAG.BLUE:
            kind = "newly_blue"
        elif was is not None and now is not None and _RANK[now] < _RANK[was]:
            kind = "moved_back"
        else:
            continue
        action = (actions or {}).get(key)
        out.append(StatusChange(key, action.action if action else None, kind, old, new, stamp))
    return out


def _is_as_at_line(fld: Any) -> bool:
    """Whether a Change Log line's Field is the Settings as-at date's ("Settings: As-at date")."""
    return isinstance(fld, str) and fld.startswith("Settings:") and fld.endswith("As-at date")


def rounds_of(plan: ActionPlan, change_log: Sequence[Sequence[Any]], as_at: date) -> list[date]:
    """The dates of the rounds before ``as_at``, oldest first: each "Update as at" column's,
    and each as-at date the Settings date moved on from (its Change Log line: a round's
    start, or a command given a later ``--as-at``, which moves the round as the README says),
    a round though no return was merged in it and it has no column (a master made as at
    18 Dec 2023 from a plan whose last column is September's, then its round of March
    started: December was a round, and its paper the one the Committee saw last)."""
    ended: set[date] = set()
    for line in change_log:
        if len(line) > 4 and _is_as_at_line(line[2]):
            old, new = _as_datetime(line[3]), _as_datetime(line[4])
            if old is not None and new is not None and old < new:
                ended.add(old.date())
    return sorted({*rounds_before(plan.update_headers, as_at), *(d for d in ended if d < as_at)})


def trend(
    plan: ActionPlan,
    change_log: Sequence[Sequence[Any]],
    as_at: date,
    words: dict[RAG, str],
    now: tuple[dict[RAG, int], int],
    *,
    dates: Sequence[date | None] | None = None,
    rounds: Sequence[date] | None = None,
) -> list[TrendPoint]:
    """RAG counts at the end of each round before ``as_at``, then ``now`` (counts, no status).

    An action's status at the end of a round is the old value of its first Status line in the
    Change Log that belongs to a later date, else its Status cell today. Past statuses are read
    as a person reads them (:func:`edi_xl.core.status.parse_status`: "On track", "G"), since the
    Settings words may have changed since. ``dates``: the lines' :func:`line_dates`, when the
    caller has them; ``rounds``: the rounds' dates (:func:`rounds_of`), when it has them.
    """
    if dates is None:
        dates = line_dates(change_log)
    if rounds is None:
        rounds = rounds_of(plan, change_log, as_at)
    status_lines: list[tuple[date, str, Any]] = [
        (belongs, str(line[1]), line[3])
        for line, belongs in zip(change_log, dates, strict=True)
        if belongs is not None and len(line) > 3 and line[2] == "Status" and line[1]
    ]
    out: list[TrendPoint] = []
    read = _status_reader(words)
    for round_date in rounds:
        then: dict[str, Any] = {}
        for belongs, action_id, old in status_lines:
            if belongs > round_date:
                then.setdefault(action_id, old)
        counts = {r: 0 for r in RAG_ORDER}
        no_status = 0
        for action in plan.actions:
            text = then.get(action.id, action.status_text)
            rag = read(text)
            if rag is None:
                no_status += 1
            else:
                counts[rag] += 1
        out.append(TrendPoint(round_date, counts, no_status, current=False))
    counts, no_status = now
    out.append(TrendPoint(as_at, dict(counts), no_status, current=True))
    return out


def coverage(actions: Iterable[tuple[Action, RAG | None]]) -> list[CoverageLine]:
    """Live (not Blue) actions per WRES indicator, WDES metric and High Impact Action."""
    ids: dict[tuple[Scheme, str], list[str]] = {(s, c): [] for s, c, _ in COVERAGE_CODES}
    # the lines each reference names, worked out once for each (scheme, code): the same few
    # recur thousands of times
    lines: dict[tuple[Scheme, str], tuple[tuple[Scheme, str], ...]] = {}
    for action, rag in actions:
        if rag is RAG.BLUE:
            continue
        named: set[tuple[Scheme, str]] = set()
        for ref in action.references:
            if ref.code is None:
                continue
            ref_key = (ref.scheme, ref.code)
            found = lines.get(ref_key)
            if found is None:
                code = ref.code.lower()
                parts = _WHOLE_METRIC.get((ref.scheme, code), (code,))
                found = lines[ref_key] = tuple(
                    (ref.scheme, part) for part in parts if (ref.scheme, part) in ids
                )
            named.update(found)
        for key in named:  # (each list still in the actions' order)
            ids[key].append(action.id or "(no #)")
    return [CoverageLine(s, c, text, tuple(ids[(s, c)])) for s, c, text in COVERAGE_CODES]


def summarise(
    plan: ActionPlan,
    assessments: Sequence[tuple[Action, Assessment]],
    change_log: Sequence[Sequence[Any]],
    as_at: date,
    words: dict[RAG, str],
    *,
    trust_name: str | None = None,
    due_within_days: int = DUE_WITHIN_DAYS,
) -> Summary:
    """The Summary's figures for a refreshed plan at the as-at date.

    ``assessments`` are the rules' results per action at ``as_at`` (as refresh makes them);
    the actions' Status text is what the sheet holds after the refresh.
    """
    rag_of: dict[str | None, RAG | None] = {}  # sheet_rag of each Status text, once
    coloured = []
    for a, _ in assessments:
        if a.status_text not in rag_of:
            rag_of[a.status_text] = sheet_rag(a.status_text, words)
        coloured.append((a, rag_of[a.status_text]))
    overall = {r: sum(1 for _, rag in coloured if rag is r) for r in RAG_ORDER}
    red_not_due = sum(
        1
        for (_, rag), (_, s) in zip(coloured, assessments, strict=True)
        if rag is RAG.RED and not s.overdue
    )
    overdue = sorted(
        (_listed(a, s) for a, s in assessments if s.overdue),
        key=lambda x: -(x.days_overdue or 0),
    )
    horizon = as_at + timedelta(days=due_within_days)
    due_soon = sorted(
        (
            _listed(a, s)
            for a, s in assessments
            if s.status is not RAG.BLUE
            and not s.overdue
            and (d := a.due.deadline) is not None
            and as_at <= d <= horizon
        ),
        key=lambda x: x.due or as_at,
    )
    rounds = rounds_of(plan, change_log, as_at)
    since = rounds[-1] if rounds else None
    name = trust_name or plan.title or "Equality action plan"
    no_status = sum(1 for _, rag in coloured if rag is None)
    # (the log's lines, read once for both)
    dates = line_dates(change_log)
    return Summary(
        as_at=as_at,
        title=f"{name}: summary as at {long_date(as_at)}",
        actions=len(assessments),
        overall=RagRow("All actions", overall),
        no_status=no_status,
        by_theme=_rag_rows(coloured, "theme", NO_THEME),
        by_owner=_rag_rows(coloured, "owner", NO_OWNER),
        overdue=overdue,
        due_soon=due_soon,
        changes_since=since,
        changes=status_changes(change_log, since, words, plan.by_id(), dates=dates),
        coverage=coverage(coloured),
        due_within_days=due_within_days,
        words=dict(words),
        trend=trend(
            plan, change_log, as_at, words, (overall, no_status), dates=dates, rounds=rounds
        ),
        red_not_due=red_not_due,
    )


# --- as text, for the terminal ---------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "  ") -> list[str]:
    cells = [[str(v) for v in header]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    numeric = [
        i > 0 and all(isinstance(r[i], int) or r[i] is None for r in rows)
        for i in range(len(header))
    ]
    out = []
    for r in cells:
        parts = [
            v.rjust(w) if num else v.ljust(w) for v, w, num in zip(r, widths, numeric, strict=True)
        ]
        out.append(indent + "  ".join(parts).rstrip())
    return out


def _rag_lines(rows: Sequence[RagRow], label: str) -> list[str]:
    return _table(
        [label, *(r.value for r in RAG_ORDER), "Total"],
        [[_short(r.label, 48), *(r.counts[g] for g in RAG_ORDER), r.total] for r in rows],
    )


def _short(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 3] + "..."


def format_summary(summary: Summary) -> str:
    """The Summary as readable text: what ``edi-xl summary`` prints."""
    s = summary
    lines = [
        s.title,
        f"{plural(s.actions, 'action')}; {s.no_status} with no RAG status.",
        "",
        "RAG status",
        *_rag_lines([s.overall], ""),
        "",
        "By theme (Milestone)",
        *_rag_lines(s.by_theme, "Milestone"),
        "",
        "By action owner",
        *_rag_lines(s.by_owner, "Action Owner"),
        "",
    ]
    lines.append(f"Overdue at {short_date(s.as_at)}: {len(s.overdue)}")
    lines += _table(
        ["#", "Due", "Days overdue", "Action Owner"],
        [[a.id, short_date(a.due), a.days_overdue, _short(a.owner, 50)] for a in s.overdue],
    )
    lines.append("")
    lines.append(f"Due in the next {s.due_within_days} days: {len(s.due_soon)}")
    lines += _table(
        ["#", "Due", "Days to go", "Action Owner"],
        [[a.id, short_date(a.due), a.days_to_go(s.as_at), _short(a.owner, 50)] for a in s.due_soon],
    )
    lines.append("")
    since = short_date(s.changes_since) if s.changes_since else "the start of the Change Log"
    lines.append(f"Changes since {since}:")
    for kind, label in StatusChange.KINDS.items():
        found = s.changes_of(kind)
        lines.append(f"  {label}: " + (", ".join(c.id for c in found) if found else "none"))
    lines.append("")
    lines.append(f"Coverage (live actions, not complete): {len(s.gaps)} gaps")
    lines += _table(
        ["Ref", "Live", "Actions (#)"],
        [[c.label, c.live, ", ".join(c.action_ids) or "GAP"] for c in s.coverage],
    )
    lines.append("")
    lines.append("Trend: RAG status at the end of each round")
    lines += _table(
        ["Round", *(r.value for r in RAG_ORDER), "Total"],
        [[p.label, *(p.counts[g] for g in RAG_ORDER), p.total] for p in s.trend],
    )
    return "\n".join(lines)
