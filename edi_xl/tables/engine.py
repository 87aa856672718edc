"""One table understanding: which row is the header, which column is which field.

Used by the general table reader (:mod:`edi_xl.tables.layouts.general`), by reading a master
(:func:`edi_xl.master.plan._find_plan_sheet` through the trust layout's header finder) and
by reading owner returns (:mod:`edi_xl.flows.intake`); the vocabulary is
:data:`edi_xl.tables.vocabulary.SYNONYMS`, the one table of field synonyms (with the headers
in other words, :data:`~edi_xl.tables.vocabulary.OTHER_WORDS`).

A column's field is decided, in this order:

1. ``--map "Header=field"`` (:func:`parse_overrides`), when the person said so;
2. its header, by meaning (:func:`header_field`): the synonym table, a fuzzy match for typos,
   then the words in it ("Accountable People / Team" holds "accountable": owner); a header
   written over several rows ("RAG" / "status" / "(R/A/G)") is read as one;
3. its content, when the header says nothing (:func:`content_field`): a column of dates is
   the due date, a column of R/A/G/B or RAG words the status, a column of names and job
   titles the owner.

A header may name the period it is for ("Progress update Q2", "RAG 2025/26", "Update
30/09/2025"), or sit under a group label that does ("Q1 update" merged over "RAG |
Commentary": the columns are named "RAG (Q1 update)", "Commentary (Q1 update)"). When several
columns give one status or update field (one per quarter), the latest is taken
(:func:`_latest`): by the periods their headers name, else the rightmost; the others are
kept as extra columns, and the import's listing says so.

Every other column with something in it is kept as an extra column; a column with no header
and nothing under it is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from edi_xl.core.dates import DEADLINE_KINDS, DateKind, parse_date
from edi_xl.core.errors import EdiXlError
from edi_xl.core.status import is_status_alone, parse_status
from edi_xl.core.text import cell_text
from edi_xl.read.grid import SheetGrid, is_blank
from edi_xl.tables.vocabulary import (
    is_other_words,
    match_header,
    match_source_header,
    normalise_header,
)

#: The fields a general table can give the master, in the master's column order.
MASTER_FIELDS: tuple[str, ...] = (
    "id",
    "theme",
    "action",
    "references",
    "indicator",
    "characteristics",
    "owner",
    "start",
    "due",
    "status",
    "update",
)
#: What ``--map`` accepts besides a field: keep the column as an extra one, or leave it out.
MAP_CHOICES: tuple[str, ...] = (*MASTER_FIELDS, "extra", "ignore")
#: Columns edi_xl computes in a master: never imported from a source.
COMPUTED_FIELDS = frozenset({"overdue", "days_overdue", "problems"})

#: Words that give a header its field when no synonym matched, tried in this order.
_FIELD_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("status", frozenset({"rag", "brag"})),  # "RAG / progress", "BRAG Q2" are the status
    ("update", frozenset({"progress", "update", "updates", "comment", "comments"})),
    ("status", frozenset({"status"})),
    (
        "owner",
        frozenset(
            {
                "owner",
                "owners",
                "lead",
                "leads",
                "responsible",
                "responsibility",
                "accountable",
                "accountability",
                "exec",
                "executive",
                "who",
                "whom",
                "sro",
            }
        ),
    ),
    ("start", frozenset({"start", "started", "begin"})),
    (
        "due",
        frozenset(
            {"date", "dates", "when", "deadline", "timescale", "timescales", "timeframe", "due"}
        ),
    ),
    ("indicator", frozenset({"indicator", "indicators", "metric", "metrics"})),
    ("characteristics", frozenset({"characteristic", "characteristics"})),
    ("action", frozenset({"action", "actions"})),
)
#: Words that, beside "date" (or as "updated"), make a header the date something happened to
#: the row ("Date raised", "Date of update", "Update date", "Last updated"): not the action's
#: due date nor its update text, so kept as an extra column.
_RECORD_DATE_WORDS = frozenset(
    {
        "raised",
        "added",
        "opened",
        "logged",
        "created",
        "identified",
        "entered",
        "submitted",
        "update",
        "updates",
        "updated",
        "progress",
        "comment",
        "comments",
    }
)
#: Words that, beside "date", make a header the date the action was done ("Date completed",
#: "Closed date", "Actual completion date"): no more its due date than "Date raised" is (a
#: "Date completed" left of "Due date" was the plan's due date, and an action past its due
#: date and not done was not overdue); "Date to be completed by" still is one
#: (:data:`_DUE_BY_WORDS`).
_DONE_WORDS = frozenset({"completed", "closed", "achieved", "actual", "delivered"})
_DUE_BY_WORDS = frozenset(
    {"by", "be", "expected", "planned", "proposed", "estimated", "forecast", "projected"}
    | {"anticipated", "scheduled", "intended"}
)
#: Words of a due-date header that name the date now in force, over the original one.
_REVISED_WORDS = frozenset(
    {"revised", "new", "current", "amended", "rescheduled", "latest", "agreed"}
    | {"extended", "updated", "adjusted", "moved"}  # ("Deadline | Extended deadline")
)


def _header_words(text: str) -> set[str]:
    """The words of a header as the vocabulary reads it (:func:`normalise_header`)."""
    return set(normalise_header(text).split())


def is_record_date_header(text: str) -> bool:
    """Whether a header is the date something happened to the row, or the action was done
    ("Date raised", "Last updated", "Date completed"): a column of dates, but not the due
    date (:func:`_is_record_date`)."""
    return _is_record_date(set(re.sub(r"\bto date\b", " ", normalise_header(text)).split()))


def _is_record_date(words: set[str]) -> bool:
    if words & {"due", "target", "deadline", "timescale", "timescales"}:
        return False
    dated = bool(words & {"date", "dated"}) or "updated" in words
    done = bool(words & _DONE_WORDS) and not words & _DUE_BY_WORDS
    return dated and (bool(words & _RECORD_DATE_WORDS) or done)


#: A header of more words than this is a sentence, not a header.
MAX_HEADER_WORDS = 8
#: How far down a sheet a master's or a return's header row may sit (title rows, logos, a
#: RAG key above it).
HEADER_SCAN_ROWS = 40


def header_field(text: object) -> str | None:
    """The field a header cell means, or None (see the module docstring, step 2)."""
    if not isinstance(text, str):
        return None
    return _short_header_field(text) if len(text) <= _REMEMBERED_LENGTH else _header_field(text)


#: Texts up to this long have their meaning as a header remembered (a return's headers and
#: instructions recur in every return); a longer one is worked out each time, so that what is
#: remembered stays small (at most a few megabytes).
_REMEMBERED_LENGTH = 1000


def _header_field(text: str) -> str | None:
    # ("Progress to date", "Comments to date": so far, not a date)
    if is_record_date_header(text):
        return None  # when the row was raised or last updated: neither its due date nor its update
    if "%" in text:
        return None  # "Progress %", "% complete": a number, not the update's text
    fld = match_header(text)
    if fld is not None:
        return None if fld in COMPUTED_FIELDS else fld
    raw = " ".join(text.split())
    key = normalise_header(raw)
    words = key.split()
    if not words or len(words) > MAX_HEADER_WORDS or raw.endswith("."):
        return None
    if re.search(r"\d", key):
        return None
    if _FOR_WHOM & set(words) and not _CHARACTERISTIC_WORDS & set(words):
        return None  # "Who benefits", "Staff affected": for whom the action is, not by whom
    # ("Characteristics affected", "Which protected characteristics are impacted": the
    # characteristics the action is for, as before)
    for fld, keys in _FIELD_WORDS:
        if keys & set(words):
            return fld
    return None


#: Words of a header naming for whom the action is ("Who benefits", "Groups impacted",
#: "Who is involved"), no field however much "who" or "lead" it says: "Who benefits" of
#: "BME staff" was the owner, the plan's "Lead" kept aside.
_FOR_WHOM = frozenset(
    {"benefit", "benefits", "benefiting", "benefitting", "affected", "impacted", "involved"}
)
_CHARACTERISTIC_WORDS = frozenset({"characteristic", "characteristics"})


# Every text cell of a return's rows down to its header row is asked about: mostly the same
# few texts in every return (the form's title, its instructions, its headers), each a few
# regular expressions; the benchmark's 492 returns ask 7,500 times about 423 texts, and the
# answers were half the time of finding and reading their tables. A pure function of the
# text: each is worked out once per process.
_short_header_field = lru_cache(maxsize=4096)(_header_field)


def row_fields(row: Sequence[Any]) -> dict[str, int]:
    """field -> the first 0-based column whose header means it ("update" columns excluded:
    a master has several, read by :func:`edi_xl.tables.layouts.trust.map_columns`)."""
    found: dict[str, int] = {}
    for col, value in enumerate(row):
        fld = header_field(value)
        if fld and fld != "update" and fld not in found:
            found[fld] = col
    return found


def scan_headers(
    grid: SheetGrid, min_cells: int = 2, rows: int = HEADER_SCAN_ROWS
) -> Iterator[tuple[int, dict[str, int]]]:
    """(0-based row, :func:`row_fields`) for the first ``rows`` rows holding at least
    ``min_cells`` values: where a master's (:func:`edi_xl.tables.layouts.base.find_header_row`) and
    a return's (:func:`edi_xl.flows.intake._find_table`) header row is looked for."""
    for r in range(min(grid.n_rows, rows)):
        row = grid.rows[r]
        if sum(1 for v in row if not is_blank(v)) >= min_cells:
            yield r, row_fields(row)


def owner_text(text: str | None) -> str | None:
    """An owner cell on one line: its lines (and bullets) kept apart with "; "."""
    if not text:
        return None
    parts = [re.sub(r"^[•·▪\-–*]\s*", "", line).strip() for line in text.splitlines()]
    parts = [" ".join(p.split()) for p in parts if p.strip()]
    return "; ".join(parts) or None


#: Metadata keys read from "Key: value" lines above or between tables.
META_KEYS = {
    "trust": "Trust",
    "trust name": "Trust",
    "name of trust": "Trust",
    "organisation": "Organisation",
    "organization": "Organisation",
    "year": "Year",
    "period": "Year",
    "reporting period": "Year",
    "author": "Author",
    "authors": "Author",
    "primary author": "Author",
    "primary authors": "Author",
    "prepared by": "Author",
    "approved by": "Approved by",
    "plan endorsed by": "Approved by",
    "endorsed by": "Approved by",
    "date": "Date",
    "version": "Version",
    "review date": "Review date",
}
_META = re.compile(r"^\s*([A-Za-z][A-Za-z ()]{1,30}?)\s*:\s*(.+)$", re.DOTALL)


def metadata_line(text: str) -> tuple[str, str] | None:
    """("Trust", "Barnet NHS Trust") for a "Trust: Barnet NHS Trust" line, else None."""
    m = _META.match(text)
    if m is None:
        return None
    key = META_KEYS.get(m.group(1).strip().lower())
    return (key, m.group(2).strip()) if key else None


# --- overrides ------------------------------------------------------------------------------


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """``["Accountable People / Team=owner"]`` -> {normalised header: field}.

    The field may be any of :data:`MAP_CHOICES` (or a header the synonyms know: "Lead" means
    owner); a bad item raises :class:`~edi_xl.core.errors.EdiXlError` naming it.
    """
    out: dict[str, str] = {}
    for item in items:
        header, sep, target = item.rpartition("=")
        if not sep or not header.strip() or not target.strip():
            raise EdiXlError(f'--map {item!r}: write it as "Column header=field"')
        wanted = target.strip().lower()
        fld = wanted if wanted in MAP_CHOICES else header_field(target)
        if fld not in MAP_CHOICES:
            raise EdiXlError(
                f"--map {item!r}: {target.strip()!r} is not a field; use one of "
                + ", ".join(MAP_CHOICES)
            )
        out[_override_key(header)] = fld
    return out


def _override_key(header: str) -> str:
    return " ".join(header.split()).casefold()


# --- the header ------------------------------------------------------------------------------


@dataclass
class Column:
    """One column of a table and what became of it."""

    col: int  # 0-based
    header: str  # as written, on one line (several header rows joined)
    field: str | None  # a master field, or None: kept as an extra column or ignored
    how: str  # "header", "content", "--map", "extra", "ignored"
    #: why, when one of several columns of a field was taken ("the latest of 2 status
    #: columns") or left as an extra ("an earlier status column: RAG (Q2) is taken")
    note: str = ""
    #: the header without the group label carried into it ("RAG" of "RAG (Q1 update)")
    plain: str = ""

    def to_dict(self) -> dict[str, Any]:
        from openpyxl.utils import get_column_letter

        out = {
            "column": get_column_letter(self.col + 1),
            "header": self.header,
            "field": self.field,
            "how": self.how,
        }
        return {**out, "note": self.note} if self.note else out


@dataclass
class Header:
    """A table's header: the rows it covers and the column mapping it gives."""

    rows: tuple[int, ...]  # 0-based grid rows (one, or several for a header over rows)
    columns: list[Column] = field(default_factory=list)
    #: field -> the columns read, in turn, for a row whose own column for it is blank (a
    #: "Revised due date" left blank where the original date stands; this quarter's RAG
    #: not given for an action completed last quarter)
    fallbacks: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: the first column of what stands beside the table, past a column empty in the header
    #: and in every row (a RAG key, a table of the trust's own): not the plan's, or None
    beside: int | None = None
    #: the table's first column: past a column empty in the header and in every row, left of
    #: which stands a table of the trust's own on the header's row (:func:`_plan_start`); 0
    #: when the table starts where its header does
    start: int = 0

    @property
    def last(self) -> int:
        return self.rows[-1]

    @property
    def fields(self) -> dict[str, int]:
        """field -> the first column mapped to it."""
        out: dict[str, int] = {}
        for c in self.columns:
            if c.field is not None:
                out.setdefault(c.field, c.col)
        return out

    @property
    def extras(self) -> list[Column]:
        return [c for c in self.columns if c.how == "extra"]

    def signature(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(self.fields.items()))


def _row_headers(row: Sequence[Any]) -> dict[int, str]:
    return {
        c: " ".join(str(v).split()) for c, v in enumerate(row) if isinstance(v, str) and v.strip()
    }


def _map_texts(
    texts: dict[int, str], overrides: dict[str, str], plain: dict[int, str] | None = None
) -> dict[int, tuple[str, str]]:
    """col -> (field, how) for header texts; an override wins over the vocabulary.

    ``plain``: col -> the header without its group label, for the columns that have one
    (``--map`` may name "RAG (Q1 update)" or just "RAG").
    """
    plain = plain or {}
    out: dict[int, tuple[str, str]] = {}
    for col, text in texts.items():
        wanted = overrides.get(_override_key(text))
        if wanted is None and col in plain:
            wanted = overrides.get(_override_key(plain[col]))
        if wanted is not None:
            out[col] = (wanted, "--map")
            continue
        fld = match_source_header(text) or header_field(text)
        # A header holds no numbers ("Action 1" is a data cell), but for a dated update
        # column ("Update as at 18 Dec 23") and the period a column is for ("RAG 2025/26").
        if fld is None or (fld != "update" and re.search(r"\d", _unbracketed(text))):
            fld = _period_field(text)
        if fld is not None:
            out[col] = (fld, "header")
    return _hias_as_the_action(texts, out)


def _hias_as_the_action(
    texts: dict[int, str], mapped: dict[int, tuple[str, str]]
) -> dict[int, tuple[str, str]]:
    """``mapped`` with a "High Impact Action" column as the action, when no column of the
    row is the action: a plan tracking the six High Impact Actions themselves, one a row
    ("High Impact Action | Lead | Timescale | Progress"), as it was read before such a
    column became the references (helper-140). Beside an action column it stays the
    references."""
    if any(fld == "action" for fld, _ in mapped.values()):
        return mapped
    hias = [
        c
        for c, (fld, how) in mapped.items()
        if fld == "references" and how == "header" and _HIA_WORDS & _header_words(texts[c])
    ]
    if len(hias) != 1:
        return mapped
    return {**mapped, hias[0]: ("action", "header")}


#: Words of a header naming the EDI Improvement Plan's High Impact Actions ("High Impact
#: Action", "HIA").
_HIA_WORDS = frozenset({"impact", "hia", "hias"})


#: The period a header is for: a quarter ("Q2", "Q2 2025/26"), a date ("30/09/2025", "30 Sep
#: 2025", "Sept 2025"), a financial year ("2025/26", "2025-26") or a year.
_PERIOD = re.compile(
    r"\bQ[1-4](?:\s*(?:19|20)\d\d(?:\s*[/-]\s*\d{2,4})?)?\b"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"
    r"|\b(?:\d{1,2}(?:st|nd|rd|th)?\s+)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?:19|20)?\d\d\b"
    r"|\b(?:19|20)\d\d(?:\s*[/-]\s*\d{2,4})?\b",
    re.IGNORECASE,
)
_QUARTER_ONLY = re.compile(r"^Q([1-4])$", re.IGNORECASE)
#: what joins a period to its field: "Update as at 30/09/2025", "RAG for 2025/26"
_PERIOD_JOIN = re.compile(r"\s+(?:as\s+(?:at|of)|at|for|on|in)\s*$", re.IGNORECASE)


def _period_field(text: str) -> str | None:
    """The field of a header that names its period ("Progress update Q2", "RAG 2025/26",
    "Status Q2", "Update 30/09/2025"): the field of the header without it; for a period
    under a group label ("Q1 (RAG status 2024/25)"), the label's."""
    bare = _PERIOD.sub(" ", text)
    if bare == text:
        return None
    bare = " ".join(re.sub(r"\(\s*\)", " ", bare).split())
    grouped = re.fullmatch(r"\((.*)\)", bare)
    if grouped:
        bare = grouped.group(1)  # "Q1 (RAG status 2024/25)": a quarter under its group's label
    bare = _PERIOD_JOIN.sub("", bare.strip())
    if not bare or re.search(r"\d", _unbracketed(bare)):
        return None
    fld = match_source_header(bare) or header_field(bare)
    # (a quarter under "Timescale 2024/25" or "Milestones 2024/25" is a Gantt chart's or a
    # plan's column of that quarter, not the due date or the theme: only a status or an update
    # is given once per period)
    return fld if not grouped or fld in PERIOD_FIELDS else None


def header_period(text: str) -> tuple[str, Any] | None:
    """The period a header (or its group label) names, comparable with another's of the same
    kind: ("date", the period's last day) or ("quarter", 1-4) for a quarter without its year;
    None when it names none."""
    for m in _PERIOD.finditer(text):
        token = " ".join(m.group(0).split())
        quarter = _QUARTER_ONLY.match(token)
        if quarter:
            return "quarter", int(quarter.group(1))
        parsed = parse_date(token)
        if parsed.date is not None:
            return "date", parsed.date
    return None


#: What a sheet named for a round says besides its period ("Q2 update", "FY 2024-25").
_ROUND_NAME_WORDS = frozenset(
    {"q", "quarter", "quarterly", "fy", "year", "yr", "round", "update", "updates", "progress",
     "rag", "brag", "status", "review", "as", "at", "of", "for", "to", "by", "in"}
)  # fmt: skip


def names_a_round(name: str) -> bool:
    """A sheet named for a period and nothing else ("Q1", "2024-25", "Q2 update", "Mar 2025"),
    not a theme with its year ("Workforce 2024-25", "WRES 2024")."""
    if header_period(name) is None:
        return False
    bare = re.sub(r"[^a-z]+", " ", _PERIOD.sub(" ", name).lower())
    bare = re.sub(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", " ", bare)
    return set(bare.split()) <= _ROUND_NAME_WORDS


def _unbracketed(text: str) -> str:
    return re.sub(r"\([^)]*\)", "", text)


def _is_header(texts: dict[int, str], mapped: dict[int, tuple[str, str]]) -> bool:
    """An action column in a row of two texts or more, most of them headers (the second
    field may come from a column's content: :func:`_has_field_by_content`)."""
    fields = {f for f, _ in mapped.values() if f not in ("extra", "ignore")}
    if len(set(texts.values())) < 2 or "action" not in fields:
        return False
    # A data row can hold a word or two that are headers elsewhere ("Date" in a cell); a
    # header row's texts are mostly headers.
    # ("Created date", "Date completed": headers of a column kept aside, still headers)
    known = len(mapped) + sum(
        1 for c, t in texts.items() if c not in mapped and len(t) <= 60 and is_record_date_header(t)
    )
    return known * 2 >= len(texts)


def _continues(texts: dict[int, str], joined: dict[int, str], overrides: dict[str, str]) -> bool:
    """Is a row the next line of a header written over several rows?

    Its texts are short (no digits outside brackets, no full stop), and joining them to the
    header above keeps every column's field while naming at least one column more or the same.
    """
    if not texts:
        return False
    for text in texts.values():
        bare = re.sub(r"\([^)]*\)", "", text)
        if len(text) > 40 or len(text.split()) > 5 or re.search(r"\d", bare):
            return False
        if text.rstrip().endswith(".") or parse_status(text) is not None and len(text) <= 2:
            return False
    before = _map_texts(joined, overrides)
    for col, text in texts.items():
        if col not in before or re.fullmatch(r"\([^)]*\)", text.strip()):
            continue  # a header under a blank one, or "(R/A/G)" under "RAG status"
        # "By" / "when", "RAG" / "status": together they are a synonym of the same field
        # (a data row's "Set targets" under "Action" is not).
        if match_header(f"{joined[col]} {text}") != before[col][0]:
            return False
    return True


def header_at(
    grid: SheetGrid,
    r: int,
    overrides: dict[str, str] | None = None,
    groups: dict[int, str] | None = None,
) -> Header | None:
    """The header starting at row ``r`` (with the rows that continue it), or None.

    ``groups``: col -> the group label written over the column (:func:`_group_labels`),
    carried into its name: "RAG (Q1 update)".
    """
    overrides = overrides or {}
    groups = groups or {}
    texts = _row_headers(grid.rows[r])
    # (a quarter is a header under its group's label: "Q1" under "RAG status 2024/25")
    labelled = {c: f"{t} ({groups[c]})" if c in groups else t for c, t in texts.items()}
    mapped = _map_texts(labelled, overrides, {c: texts[c] for c in groups if c in texts})
    if not _is_header(labelled, mapped):
        return None
    if len({f for f, _ in mapped.values()}) < 2 and not _has_field_by_content(grid, r, mapped):
        return None
    rows = [r]
    joined = dict(texts)
    plain: dict[int, str] = {}
    for nxt in range(r + 1, min(r + 3, grid.n_rows)):
        if nxt in grid.kinds:
            break
        more = _row_headers(grid.rows[nxt])
        periods = _periods_under(grid, nxt, more, joined, overrides)
        if periods:
            for col, label in periods.items():
                plain[col] = more[col]
                groups[col] = label
                joined[col] = more[col]
            rows.append(nxt)
            break  # (the periods are the header's last row)
        if not _continues(more, joined, overrides):
            break
        for col, text in more.items():
            joined[col] = f"{joined[col]} {text}" if col in joined else text
        rows.append(nxt)
    for col, label in groups.items():
        if col in joined:
            plain[col] = joined[col]
            joined[col] = f"{joined[col]} ({label})"
    return _header(grid, tuple(rows), joined, overrides, plain)


def _is_period(text: str) -> bool:
    """A header that is a period and nothing else: "Q1", "2024/25", "30/09/2025"."""
    return header_period(text) is not None and not _PERIOD.sub("", text).strip(" -–/()")


def _periods_under(
    grid: SheetGrid,
    r: int,
    texts: dict[int, str],
    joined: dict[int, str],
    overrides: dict[str, str],
) -> dict[int, str]:
    """Row ``r`` under a header is the periods of a status or update group ("RAG status
    2024/25" merged over, or written above the first of, "Q1 | Q2 | Q3"): col -> the group's
    label over each period; empty when it is not (a row of data, a header's next line).

    Every text of the row is a period, or a header cell merged down into it ("Ref"), and
    each period sits under its label: the header cell above it, or, blank, the nearest one
    to its left that is over a period too. A label must name a status or an update.
    """
    out: dict[int, str] = {}
    for col, text in texts.items():
        if (r, col) in grid.filled_down or text == joined.get(col):
            continue  # ("Ref" merged down both rows)
        if not _is_period(text):
            return {}
        over = col if col in joined else max((c for c in joined if c < col), default=None)
        if over is None or over not in texts or _is_period(joined[over]):
            return {}
        label = joined[over]
        if _map_texts({col: label}, overrides).get(col, ("", ""))[0] not in PERIOD_FIELDS:
            return {}
        out[col] = label
    return out


def _has_field_by_content(grid: SheetGrid, r: int, mapped: dict[int, tuple[str, str]]) -> bool:
    """Under an "Action" header with no other field named: a column whose content is one."""
    body = _body_rows(grid, r)
    width = max((len(grid.rows[b]) for b in body), default=0)
    return any(
        content_field([grid.value(b, col) for b in body]) is not None
        for col in range(width)
        if col not in mapped
    )


def _header(
    grid: SheetGrid,
    rows: tuple[int, ...],
    joined: dict[int, str],
    overrides: dict[str, str],
    plain: dict[int, str] | None = None,
) -> Header:
    mapped = _map_texts(joined, overrides, plain)
    width = max((len(grid.rows[r]) for r in rows), default=0)
    body = _body_rows(grid, rows[-1])
    start = _plan_start(grid, rows, joined, mapped)
    if start:  # (what stands left of the plan, past an empty column, is none of its columns)
        joined = {c: t for c, t in joined.items() if c >= start}
        mapped = {c: m for c, m in mapped.items() if c >= start}
    beside = _beside(grid, rows, joined, mapped)
    if beside is not None:  # (what stands beside the table is none of its columns)
        joined = {c: t for c, t in joined.items() if c < beside}
        mapped = {c: m for c, m in mapped.items() if c < beside}
    fallbacks: dict[str, tuple[int, ...]] = {}
    chosen = _choose(grid, body, joined, mapped, fallbacks)
    columns: list[Column] = []
    taken: set[str] = set(chosen)  # a field several columns give is its chosen column's
    # a field a header names is that column's, wherever it stands: a "Date raised" of dates
    # left of "Due date" is not the due date by its content (it was, and every action was
    # overdue from the day it was raised, the Due date kept aside)
    named: dict[str, list[int]] = {}
    for named_col, (named_field, _how) in sorted(mapped.items()):
        if named_col >= start and (beside is None or named_col < beside):
            named.setdefault(named_field, []).append(named_col)

    def holds(guess: str) -> bool:
        # a column the header names for the field holds it by its content ("Due date" of
        # dates); not one left empty, or of other words ("Status" of "In progress")
        return any(content_field([grid.value(r, c) for r in body]) == guess for c in named[guess])

    span = max(width, grid.n_cols if body else width)
    for col in range(start, span if beside is None else min(span, beside)):
        text = joined.get(col, "")
        fld, how = mapped.get(col, (None, ""))
        if fld in ("extra", "ignore"):
            columns.append(Column(col, text, None, "extra" if fld == "extra" else "ignored"))
            continue
        if fld in chosen:
            pick, note, others = chosen[fld]
            if col == pick:
                columns.append(Column(col, text or _letter_name(col), fld, how, note))
            else:
                columns.append(Column(col, text, None, "extra", others))
            continue
        if fld is not None and fld in taken and how != "--map":
            fld = None  # a second "Lead" column: kept as an extra column
        if fld is None:
            values = [grid.value(r, col) for r in body]
            if not any(not is_blank(v) for v in values):
                if text:
                    columns.append(Column(col, text, None, "extra"))
                continue
            guess = content_field(values)
            if guess == "due" and is_record_date_header(text):
                guess = None  # ("Date raised", "Date completed": dates, but no due date)
            # a column with no header at all still takes a field whose named column does not
            # hold it ("Due date" typed over the empty column beside its dates; a RAG column
            # with no header beside a "Status" of progress words), as before
            if (
                guess is not None
                and guess not in taken
                and (guess not in named or (not text and not holds(guess)))
            ):
                fld, how = guess, "content"
        if fld is None:
            columns.append(Column(col, text or _letter_name(col), None, "extra"))
            continue
        taken.add(fld)
        columns.append(Column(col, text or _letter_name(col), fld, how))
    for c in columns:
        c.plain = (plain or {}).get(c.col, "")
    _tell_apart(columns)
    return Header(rows=rows, columns=columns, fallbacks=fallbacks, beside=beside, start=start)


#: A key's label as a header: "Key", "RAG key", "BRAG rating key:", "Key to RAG", "Legend".
_KEY_LABEL = re.compile(
    r"\s*(b?rag\s+)?(rating\s+|status\s+)?(key|legend)(\s+to\s+b?rag(\s+ratings?)?)?\s*:?\s*\Z",
    re.IGNORECASE,
)


def _beside(
    grid: SheetGrid,
    rows: tuple[int, ...],
    joined: dict[int, str],
    mapped: dict[int, tuple[str, str]],
) -> int | None:
    """The first column of what stands beside a table rather than in it, or None.

    A column empty in the header and in every row under it (to the sheet's end or the next
    paragraph) ends the table when a header past it is a key's (:func:`_keys_heading`): a
    key's label ("RAG key | Meaning"), or a field the table already gives ("RAG |
    Meaning" beside its "RAG"). Past a narrow empty column between a plan's groups the plan
    goes on: a field the table does not give yet ("Status | Update" after "Action | Lead |
    Due"), a status or update for another period ("RAG Q2", "Commentary (Q2 update)"), a
    heading of no field ("Notes", an extra column).
    """
    if not joined:
        return None
    table = [*rows, *_table_rows(grid, rows[-1])]
    body = table[len(rows) :]
    used = {c for r in table for c, v in enumerate(_line(grid, r)) if not is_blank(v)}
    for gap in range(min(joined) + 1, max(joined)):
        if gap in joined or gap in used:
            continue
        given = {mapped[c][0] for c in mapped if c < gap}
        past = [c for c in joined if c > gap]
        if "action" not in given and any(mapped.get(c, ("",))[0] == "action" for c in past):
            continue  # (the plan's action is past it: what is left of it is no table alone)
        if any(_KEY_LABEL.match(joined[c]) for c in past):
            return gap + 1
        # a field the table gives already ("RAG | Meaning" beside its RAG) is a key's only
        # where its rows do not line up with the plan's: a "Comments", "Revised due date" or
        # "Exec lead" filled on every action's row, past a spacer, is the plan's
        if any(_keys_heading(joined[c], mapped.get(c), given) for c in past) and _rows_filled(
            grid, body, slice(0, gap)
        ) != _rows_filled(grid, body, slice(gap + 1, None)):
            return gap + 1
    return None


def plan_start(grid: SheetGrid, header_row: int) -> int:
    """The first 0-based column of the plan whose one-row header is ``header_row``: 0, or the
    column past the empty one that a table of the trust's own stands left of
    (:func:`_plan_start`). For the master's reading (:func:`~edi_xl.tables.layouts.trust.
    map_columns`), whose header is one row."""
    texts = _row_headers(_line(grid, header_row))
    return _plan_start(grid, (header_row,), texts, _map_texts(texts, {}))


def _plan_start(
    grid: SheetGrid,
    rows: tuple[int, ...],
    joined: dict[int, str],
    mapped: dict[int, tuple[str, str]],
) -> int:
    """The table's first column, when a table of the trust's own stands left of the plan on
    its header's row ("Item | Due Date | (empty) | # | Action | ... | Due Date | Status"):
    the column past the empty one between them; else 0. The mirror of :func:`_beside`.

    The column must be empty in the header and in every row under it (to the sheet's end or
    the next paragraph), the part right of it a plan by itself (an action column, and a
    status or a due date), and the part left of it number rows of its own
    (:func:`_all_given_again`: "Item | Due Date" beside the plan's "#" and "Due Date") on
    other rows than the plan's: read as one table, the other table's "Due Date" would be
    taken as the actions' (the first of two), its "Item" as their numbers. Anything less is
    read as the plan's own columns left of a spacer, as cutting them off would lose them
    ("Ref | (empty) | Action | Lead | Due", "Theme | Exec lead | (empty) | Action | Action
    Owner", "# | Exec lead" whose newest action has no number yet: helper-131 and -132); so
    is a column left of one ``--map`` names (the person said it is the plan's). Of several
    such columns, the rightmost."""
    if not joined:
        return 0
    fields = {c: m[0] for c, m in mapped.items() if m[0] not in ("extra", "ignore")}
    by_hand = min((c for c, (_, how) in mapped.items() if how == "--map"), default=None)
    gaps = [
        gap
        for gap in range(min(joined) + 1, max(joined))
        if gap not in joined
        and (by_hand is None or by_hand > gap)
        and _all_given_again(fields, gap)
    ]
    if not gaps:
        return 0
    table = [*rows, *_table_rows(grid, rows[-1])]
    body = table[len(rows) :]
    for gap in reversed(gaps):
        if not all(gap >= len(line := _line(grid, r)) or is_blank(line[gap]) for r in table):
            continue
        # (on the plan's very rows, a second numbering may be the plan's own: "Ref | Lead")
        if _rows_filled(grid, body, slice(0, gap)) != _rows_filled(
            grid, body, slice(gap + 1, None)
        ):
            return gap + 1
    return 0


#: Why the cells of a table of the trust's own left of the plan are not read
#: (:func:`_plan_start`), where they are listed as not placed.
LEFT_OF_PLAN = (
    "a table of its own numbering rows, not read as actions; if these are the plan's own "
    "columns, name one with --map to keep them"
)


def left_of_plan_note(sheet: str, row: int, line: Sequence[Any], start: int) -> str | None:
    """The not-placed line of row ``row`` (0-based, its cells ``line``) for what stands left
    of a plan starting at column ``start`` (past the empty column before it), the same from
    every reader; None when nothing does (or the plan starts at its header's first column)."""
    from openpyxl.utils import get_column_letter

    texts = [t for v in line[: max(start - 1, 0)] if (t := cell_text(v))]
    if not texts:
        return None
    shown = " | ".join(repr(t) for t in texts)
    gap = get_column_letter(start)  # (0-based start: the empty column's letter)
    return f"{sheet} row {row + 1}: {shown} (left of the table, before the empty column {gap}: " \
        f"{LEFT_OF_PLAN})"  # fmt: skip


def _all_given_again(fields: dict[int, str], gap: int) -> bool:
    """Whether the part left of column ``gap`` numbers rows of its own beside a plan: the part
    right of it is a plan by itself (an action, and a status or a due date), and the part
    left of it gives no action and two fields or more, a number ("Item", "ID") among them,
    each of which the plan gives again, the number too ("Item | Due Date" beside "# | ... |
    Due Date"). The plan's own columns left of a spacer give what the rest does not ("Theme
    | Lead" beside "Milestone | Action Owner", "# | Exec lead" beside a plan with no other
    number)."""
    left = [f for c, f in fields.items() if c < gap]
    right = {f for c, f in fields.items() if c > gap}
    if "action" not in right or not right & {"status", "due"} or "action" in left:
        return False
    return len(left) >= 2 and "id" in left and set(left) <= right


def _line(grid: SheetGrid, r: int) -> list[Any]:
    return grid.rows[r] if 0 <= r < len(grid.rows) else []


def _rows_filled(grid: SheetGrid, rows: list[int], cols: slice) -> set[int]:
    """The rows of ``rows`` holding a value in the columns ``cols``."""
    return {r for r in rows if any(not is_blank(v) for v in _line(grid, r)[cols])}


def _keys_heading(text: str, mapped: tuple[str, str] | None, given: set[str]) -> bool:
    """Whether a header past an empty column is a key's, not more of the plan
    (:func:`_beside`): a key's label, or a field the table already gives, for no other
    period ("RAG" again). A field it does not give yet, another period's status or update, a
    heading of no field ("Notes", an extra column, as before the gap) and a column ``--map``
    names are the plan's."""
    if _KEY_LABEL.match(text):
        return True
    if mapped is None or mapped[1] == "--map":
        return False
    fld = mapped[0]
    return fld in given and not (fld in PERIOD_FIELDS and header_period(text) is not None)


def _table_rows(grid: SheetGrid, header_last: int) -> Iterator[int]:
    """Every row under a header, up to the next paragraph (the sheet's end in a workbook)."""
    for r in range(header_last + 1, grid.n_rows):
        if r in grid.kinds:
            return
        yield r


def _tell_apart(columns: list[Column]) -> None:
    """Columns kept under one header ("Notes" | "Notes", or a "Notes" label merged over two
    columns) are two columns: each is named with its letter, "Notes (F)", "Notes (G)", as
    the trust layout names them, so that both reach the master (kept by one name, the first
    one's values would be lost under the second's). Its ``plain`` keeps the header as written.
    """
    kept = [c for c in columns if c.how == "extra" or c.field == "indicator"]
    seen = [c.header for c in kept]
    taken = set(seen)  # (a name given must not be another column's: "Notes (G)" written)
    for c in kept:
        if c.header and seen.count(c.header) > 1:
            c.plain = c.plain or c.header
            letter = _letter_name(c.col).removeprefix("Column ")
            name = f"{c.header} ({letter})"
            while name in taken:
                name = f"{name} ({letter})"
            c.header = name
            taken.add(name)


#: The fields a table may give in several columns, one per period (a RAG and an update
#: column for each quarter): the latest is the current one.
PERIOD_FIELDS = ("status", "update")


#: Words of a date header that say it is when the action is due ("Due date", "Target date",
#: "Deadline", "Completion date", "By when"), which a date header saying only "date" is not
#: ("Review date", "Baseline date", "Date of board approval").
_DUE_SAYING = frozenset(
    {"due", "target", "deadline", "timescale", "timescales", "completion", "by", "when"}
    | {"timeframe", "timeframes", "frame", "end", "finish", "complete"}
)


def _due_column(cols: list[int], joined: dict[int, str], grid: SheetGrid, body: list[int]) -> int:
    """Of several due-date columns, none of them the one revised date: the first whose
    header says when the action is due and not that it is an earlier one ("Review date |
    Due date": the Due date; "Original due date | Due date": the Due date, :func:`_says_earlier`),
    else the first not an earlier one, else the first."""

    def words(col: int) -> set[str]:
        return _header_words(joined.get(col, ""))

    # ("Date | Completed by" of names: who completed it, no date)
    def dates_or_nothing(col: int) -> bool:
        filled = [v for r in body if not is_blank(v := grid.value(r, col))]
        return sum(_is_date_value(v) for v in filled) * 2 >= len(filled)

    dated = [c for c in cols if dates_or_nothing(c)] or cols
    current = [c for c in dated if not _says_earlier(words(c), _EARLIER_WORDS - _AIM_WORDS)]
    return next((c for c in current if words(c) & _DUE_SAYING), (current or dated)[0])


def _choose(
    grid: SheetGrid,
    body: list[int],
    joined: dict[int, str],
    mapped: dict[int, tuple[str, str]],
    fallbacks: dict[str, tuple[int, ...]],
) -> dict[str, tuple[int, str, str]]:
    """field -> (the column taken, its note, the others' note) for each field that several
    columns give: a status or update column per period, a revised due date over the original
    (the original put in ``fallbacks``, for the rows with no revised date), the owner who
    does the work over an executive, or a field ``--map`` names twice.

    ``--map`` wins over a header: a field it names is taken from its columns only (a header
    meaning the same field is then kept as an extra column).
    """
    by_field: dict[str, list[int]] = {}
    mapped_by_hand: set[str] = set()
    for col, (fld, how) in sorted(mapped.items()):
        if fld in ("extra", "ignore"):
            continue
        by_field.setdefault(fld, []).append(col)
        if how == "--map":
            mapped_by_hand.add(fld)
    out: dict[str, tuple[int, str, str]] = {}
    for fld, cols in by_field.items():
        if fld in mapped_by_hand:
            candidates = [c for c in cols if mapped[c][1] == "--map"]
        elif fld in PERIOD_FIELDS:
            candidates = cols
        elif fld == "due" and len(cols) > 1:
            revised = [c for c in cols if _REVISED_WORDS & _header_words(joined.get(c, ""))]
            pick = revised[0] if len(revised) == 1 else _due_column(cols, joined, grid, body)
            if revised:  # the original, where no revised date is written
                fallbacks["due"] = tuple(c for c in cols if c != pick)
            name = joined.get(pick, _letter_name(pick))
            out[fld] = (
                pick,
                "the revised date, not the original"
                if revised
                else f"of {len(cols)} due-date columns",
                f"another due-date column: {name} is taken",
            )
            continue
        elif fld == "owner" and len(cols) > 1:
            if pick_owner := _working_owner(cols, joined):
                name = joined.get(pick_owner, _letter_name(pick_owner))
                out[fld] = (
                    pick_owner,
                    "the lead who does the work, not the executive's column",
                    f"an executive's column: {name} is taken as the owner",
                )
            continue
        elif fld in _PLAIN_WORDS_FIRST and len(cols) > 1:
            if (pick_plain := _in_plain_words(cols, joined)) is not None:
                name = joined.get(pick_plain, _letter_name(pick_plain))
                out[fld] = (
                    pick_plain,
                    f"of {len(cols)} {fld} columns, the one headed in the usual words"
                    if not is_other_words(name)
                    else f"of {len(cols)} {fld} columns, not the reply",
                    f"another {fld} column: {name} is taken",
                )
            continue
        else:
            continue
        if len(cols) < 2:
            continue
        pick, by_period = _latest(
            grid, body, fld, candidates, joined, by_hand=fld in mapped_by_hand
        )
        name = joined.get(pick, _letter_name(pick))
        n = len(candidates)
        if n == 1:
            out[fld] = (pick, "", f"--map gives {fld} to {name}")
        elif by_period:
            # a row with nothing in the latest takes the latest it has (an action completed
            # last quarter is not given this quarter's RAG)
            fallbacks[fld] = tuple(
                c for _, c in sorted(_periods(candidates, joined), reverse=True) if c != pick
            )
            out[fld] = (
                pick,
                f"the latest of {n} {fld} columns; an earlier one where blank",
                f"an earlier {fld} column: {name} is taken",
            )
        else:
            out[fld] = (pick, f"of {n} {fld} columns", f"another {fld} column: {name} is taken")
    return out


#: Fields whose column headed in the usual words ("Action", "Report") is taken over one of
#: the vocabulary's other words left of it ("Action plan", "Management response", "HIA"),
#: as a master's reader does (trust._takes_over); of other words alone, the action's own
#: ("Agreed action") over a reply to a recommendation ("Management response": "Accepted").
_PLAIN_WORDS_FIRST = frozenset({"action", "references"})
_REPLY_WORDS = frozenset({"response", "responses"})


def _in_plain_words(cols: list[int], joined: dict[int, str]) -> int | None:
    """Of several columns of one field, the first headed in its usual words, else the first
    that is no reply, when that is not the first column; None to keep the first."""

    def rank(c: int) -> int:
        text = joined.get(c, "")
        if not is_other_words(text):
            return 0
        return 2 if _REPLY_WORDS & _header_words(text) else 1

    best = min(cols, key=lambda c: (rank(c), c))
    return best if best != cols[0] else None


#: Words of an owner header that name the executive over the action ("Exec lead", "Exec
#: sponsor", "SRO"), not the lead who does it and sends its returns.
_EXECUTIVE_WORDS = frozenset({"exec", "executive", "sponsor", "sro", "director", "senior"})


def _working_owner(cols: list[int], joined: dict[int, str]) -> int | None:
    """Of several owner columns, the first that names no executive, when some do ("Exec lead"
    then "Operational lead": the operational lead); None when none or all do (the first is
    then the owner, as before)."""
    working = [c for c in cols if not names_an_executive(joined.get(c, ""))]
    return working[0] if working and len(working) < len(cols) else None


def names_an_executive(header: str) -> bool:
    """Whether an owner column's header names the executive over the action ("Exec lead",
    "SRO"), not the lead who does it and sends its returns."""
    return bool(_EXECUTIVE_WORDS & _header_words(header))


def _latest(
    grid: SheetGrid,
    body: list[int],
    fld: str,
    cols: list[int],
    joined: dict[int, str],
    by_hand: bool = False,
) -> tuple[int, bool]:
    """The column of several of one field a person reading the plan would take, and whether
    the periods their headers name decided it.

    A status column whose values mostly do not read as a status ("In Progress", "Not
    Started" beside a RAG column) gives way to one whose values do, and a column with nothing
    in it (next quarter's, laid out) to one with something; then the latest of the periods
    each header (or its group label) names, when every column names one of the same kind;
    else the one whose header says it is now ("Current RAG"), else a column headed RAG all
    of whose values are a status over the others ("Status" of progress words beside it),
    else the first not saying it is earlier ("Status | Previous status"), or, for what
    ``--map`` names twice (``by_hand``), the rightmost.
    """
    if fld == "status":
        reading = [c for c in cols if _reads_as_status([grid.value(r, c) for r in body])]
        cols = reading or cols
    # next quarter's columns, laid out and not filled in yet, give way to the quarter filled
    # in (one begun by a few leads is the latest: a row it leaves blank takes an earlier one)
    cols = [c for c in cols if any(not is_blank(grid.value(r, c)) for r in body)] or cols
    periods = _periods(cols, joined)
    if len(cols) > 1 and len(periods) == len(cols):
        return max(periods)[1], True
    # no period named: "Status | Previous status", "Update | Comments" are not one column per
    # period: the one whose header says it is now ("Current RAG", "Latest update"), else the
    # first of those not saying they are earlier or not the status ("Previous", "Target"), as
    # before (what --map names twice: the rightmost)
    words = {c: _header_words(joined.get(c, "")) for c in cols}
    now = [c for c in cols if words[c] & _NOW_WORDS]
    if len(now) == 1:
        return now[0], False
    if fld == "status" and not by_hand:
        cols = _rag_columns(grid, body, cols, words) or cols
    # ("Progress against target", "Progress on planned actions": the action's aim, not an
    # earlier update; "Target RAG", "Forecast RAG": no status now)
    earlier = _EARLIER_WORDS if fld == "status" else _EARLIER_WORDS - _AIM_WORDS
    # (all saying earlier: "Target RAG | RAG last quarter": the last quarter's is the
    # latest given, the target none)
    cols = (
        [c for c in cols if not _says_earlier(words[c], earlier)]
        or [c for c in cols if not words[c] & earlier]
        or cols
    )
    return (cols[-1] if by_hand else cols[0]), False


def _rag_columns(
    grid: SheetGrid, body: list[int], cols: list[int], words: dict[int, set[str]]
) -> list[int]:
    """Of several status columns naming no period, those headed RAG (or BRAG) every value of
    which reads as a status, when the others are not: Smartsheet's "Status" of progress words
    ("In Progress", "Not Started", "Complete": two of them read as Amber and Blue) beside its
    "RAG" of colours is the progress, the RAG the status a person reads. None when there is
    no such column, or when all are ("RAG | Previous RAG" is for the words of the headers)."""

    def filled(c: int) -> list[Any]:
        return [v for r in body if not is_blank(v := grid.value(r, c))]

    rag = [
        c
        for c in cols
        if words[c] & _RAG_WORDS
        and not words[c] & _EARLIER_WORDS
        and all(_is_status_value(v) for v in filled(c))
    ]
    others = [c for c in cols if c not in rag]
    if not rag or not others:
        return []
    # the others must be progress words (some value no status), and the RAG must be filled
    # wherever they are: a Status of RAG words beside a RAG typed on a row or two stays
    if all(all(_is_status_value(v) for v in filled(c)) for c in others):
        return []
    most = max(len(filled(c)) for c in others)
    return [c for c in rag if len(filled(c)) >= most]


#: Words of a header naming the RAG itself ("RAG", "RAG rating", "BRAG status").
_RAG_WORDS = frozenset({"rag", "brag"})
#: Words of a status or update header that say it is the one now ("Current RAG", "RAG this
#: quarter", "Latest update"), or an earlier one or no status at all ("Previous RAG",
#: "Original RAG", "Target RAG"). ("Last" is both: "Last update" is often the latest.)
_NOW_WORDS = frozenset({"current", "latest", "this", "now", "revised"})
_AIM_WORDS = frozenset({"target", "planned", "forecast", "expected", "projected"})
_EARLIER_WORDS = (
    frozenset({"previous", "prior", "old", "original", "baseline", "initial"}) | _AIM_WORDS
)
#: What "last" is said of when it means the one before ("RAG last quarter", "Last month's
#: update"), not the latest ("Last update").
_PERIOD_NOUNS = frozenset({"quarter", "quarters", "month", "months", "year", "round", "period"})


def _says_earlier(words: set[str], earlier: frozenset[str]) -> bool:
    """Whether a header's ``words`` say it is an earlier one than now: one of ``earlier``
    ("Previous RAG", "Original due date"), or "last" of a period ("RAG last quarter")."""
    return bool(words & earlier) or ("last" in words and bool(words & _PERIOD_NOUNS))


def _periods(cols: list[int], joined: dict[int, str]) -> list[tuple[Any, int]]:
    """(period, column) of each of ``cols`` whose header (or group label) names a period,
    when all that do name one of the same kind (quarters, or dates), else none."""
    named = [(header_period(joined.get(c, "")), c) for c in cols]
    found = [(p, c) for p, c in named if p is not None]
    if len({p[0] for p, _ in found}) != 1:
        return []
    return [(p[1], c) for p, c in found]


def _reads_as_status(values: Sequence[Any]) -> bool:
    """Do most (more than half) of a column's filled cells read as a status?"""
    filled = [v for v in values if not is_blank(v)]
    return bool(filled) and sum(_is_status_value(v) for v in filled) * 2 > len(filled)


def _letter_name(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"Column {get_column_letter(col + 1)}"


def _body_rows(grid: SheetGrid, header_last: int, limit: int = 60) -> list[int]:
    """The table rows under a header (up to the next paragraph), for content guessing."""
    out = []
    for r in range(header_last + 1, min(grid.n_rows, header_last + 1 + limit)):
        if r in grid.kinds:
            break
        out.append(r)
    return out


def find_headers(grid: SheetGrid, overrides: dict[str, str] | None = None) -> list[Header]:
    """Every header in the grid, in order (a header's continuation rows are not searched)."""
    out: list[Header] = []
    r = 0
    while r < grid.n_rows:
        if r in grid.kinds:
            r += 1
            continue
        found = header_at(grid, r, overrides)
        grouped = bool(out) and out[-1].last == r - 1
        if found is None and grouped:
            # "Lead" over "Name | Email", "RAG status 2024/25" over "Q1 | Q2 | Q3", the other
            # headers merged down both rows: the quarters are headers under their label
            sub = _row_headers(grid.rows[r])
            labels = _group_labels(grid, r - 1, sub)
            found = header_at(grid, r, overrides, labels) if labels else None
        if found is not None:
            if grouped:
                # "Action details" | "Monitoring" over the real header: a row of group labels,
                # carried into the names of the columns under them where they tell those apart
                group = out.pop()
                names = {c.col: c.plain or c.header for c in found.columns}
                labels = _group_labels(grid, r - 1, names)
                if labels:
                    found = header_at(grid, r, overrides, labels) or found
                    found.rows = (*group.rows, *found.rows)
            elif r > 0 and r - 1 not in grid.kinds and (labels := _labels_above(grid, r, found)):
                # the label merged over the quarters alone, in a row of its own
                found = header_at(grid, r, overrides, labels) or found
                found.rows = (r - 1, *found.rows)
            out.append(found)
            r = found.last + 1
            continue
        r += 1
    return out


def _group_labels(grid: SheetGrid, r: int, names: dict[int, str]) -> dict[int, str]:
    """col -> the group label in row ``r`` over a column named in ``names`` ("Q1 update"
    merged over "RAG | Commentary"), for the labels that tell columns apart: one naming a
    period, or one over a header written more than once in the row ("RAG" under "Q1 update"
    and under "Q2 update"). A cell merged down over both rows ("Ref") is no label."""
    texts = _row_headers(grid.rows[r])
    written = list(names.values())  # (as written: "Notes", not "Notes (F)")
    out: dict[int, str] = {}
    for col, name in names.items():
        label = texts.get(col)
        if label is None or normalise_header(label) == normalise_header(name):
            continue
        if header_period(label) is not None or written.count(name) > 1:
            out[col] = label
    return out


def _labels_above(grid: SheetGrid, r: int, header: Header) -> dict[int, str]:
    """col -> the label in the row above a header (``r``) that is no header itself, when
    that row holds nothing but labels over the header's periods ("RAG status 2024/25"
    merged over "Q1 | Q2 | Q3"), each naming a status or an update; else empty (a title
    row above a table is no label)."""
    above = _row_headers(grid.rows[r - 1])
    periods = {c.col for c in header.columns if _is_period(c.plain or c.header)}
    if not above or not set(above) <= periods:
        return {}
    fields = _map_texts(above, {})
    if any(fields.get(c, ("", ""))[0] not in PERIOD_FIELDS for c in above):
        return {}
    return above


# --- what a column holds ---------------------------------------------------------------------

_ROLE_WORDS = frozenset(
    [
        "manager",
        "managers",
        "director",
        "directors",
        "lead",
        "leads",
        "head",
        "heads",
        "team",
        "teams",
        "officer",
        "officers",
        "chief",
        "chair",
        "executive",
        "executives",
        "exec",
        "hr",
        "edi",
        "od",
        "partner",
        "partners",
        "board",
        "committee",
        "network",
        "networks",
        "group",
        "advisor",
        "adviser",
        "advisors",
        "specialist",
        "coordinator",
        "co-ordinator",
        "practitioner",
        "consultant",
        "deputy",
        "associate",
        "business",
        "recruitment",
        "people",
        "workforce",
        "nurse",
        "nursing",
        "medical",
        "ceo",
        "coo",
        "cfo",
        "cpo",
        "all",
        "staff",
    ]
)
_NAME = re.compile(r"^(?:[A-Z][a-z'’-]+|[A-Z]\.?)(?:\s+(?:[A-Z][a-z'’-]+|[A-Z]\.?)){1,3}$")


def _is_date_value(value: Any) -> bool:
    if isinstance(value, datetime | date):
        return True
    text = cell_text(value)
    if text is None or len(text) > 40:
        return False
    kind = parse_date(text).kind
    return kind in DEADLINE_KINDS or kind in (DateKind.START, DateKind.NO_DEADLINE)


def _is_status_value(value: Any) -> bool:
    text = cell_text(value)
    return text is not None and len(text) <= 20 and is_status_alone(text)


def _is_person_value(value: Any) -> bool:
    text = cell_text(value)
    if text is None or len(text) > 120 or text.endswith("."):
        return False
    for line in re.split(r"[\n;,/&]+|\band\b", text):
        line = line.strip()
        if not line:
            continue
        words = re.findall(r"[A-Za-z][\w'’-]*", line)
        if not words or len(words) > 8:
            return False
        if not ({w.lower() for w in words} & _ROLE_WORDS or _NAME.match(line)):
            return False
    return True


def content_field(values: Sequence[Any]) -> str | None:
    """The field a headerless (or unknown) column's values say it is, or None.

    Most (80%) of its non-blank cells must agree: dates -> due, RAG letters or words ->
    status, names and job titles -> owner.
    """
    filled = [v for v in values if not is_blank(v)]
    if len(filled) < 2:
        return None
    need = 0.8 * len(filled)
    if sum(_is_status_value(v) for v in filled) >= need:
        return "status"
    if sum(_is_date_value(v) for v in filled) >= need:
        return "due"
    if sum(_is_person_value(v) for v in filled) >= need:
        return "owner"
    return None
