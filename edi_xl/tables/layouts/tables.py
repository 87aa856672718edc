"""What the imported layouts (001-004) share: header vocabularies, and walking a grid.

A plan that came from Word or from a template is a grid of rows: title and metadata rows, a
header row, action rows, section headings, header rows repeated on every printed page (or at
the top of the next Word table, with columns renamed or re-ordered), blank rows. :func:`walk`
turns such a grid into a list of :class:`Row` events; each layout module decides what the
events mean (a heading is a theme for layout 003, a group label for the others).

Headers are matched by each layout's own :class:`Vocabulary` of what only it has (exact
phrases, then "all these words" sets, so the NHS England template's "Please specify KPIs and
timelines for monitoring the actions" is the KPI column), then by the one shared vocabulary
(:func:`edi_xl.tables.engine.header_field`) for the common fields, then a fuzzy match for
typos. Word sets are only tried on short cells with no digits and no closing full stop, so
a sentence in a data row is not taken for a header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from edi_xl.core.status import parse_status
from edi_xl.core.text import cell_text, one_line
from edi_xl.read.grid import SheetGrid, is_blank
from edi_xl.tables.engine import header_field, metadata_line
from edi_xl.tables.layouts.base import Detection
from edi_xl.tables.vocabulary import closest, match_header, normalise_header

#: A header cell longer than this (in words) is a sentence, not a header.
MAX_HEADER_WORDS = 16
FUZZY_THRESHOLD = 0.85


#: The common fields a seed layout takes from the shared vocabulary: shared field -> the
#: layout's name for it (the seed layouts call the update column "progress").
COMMON_FIELDS: dict[str, str] = {
    "owner": "owner",
    "due": "due",
    "status": "status",
    "update": "progress",
    "action": "action",
}


@dataclass(frozen=True)
class Vocabulary:
    """A layout's own header words on top of the shared vocabulary.

    A layout names only what is its own (004's WRES / WDES / Other PCs flags, 002's KPIs and
    sustainability, 001's Milestones as the due date...): field -> exact phrases and word
    sets, tried in order. The common fields (owner, due, status, action, update) come from
    the one shared vocabulary (:func:`edi_xl.tables.engine.header_field`), renamed to the layout's
    field where it calls them otherwise (``shared={"update": "progress"}``).
    """

    #: (field, exact normalised phrases, word sets); the first field that matches wins.
    entries: tuple[tuple[str, tuple[str, ...], tuple[frozenset[str], ...]], ...]
    #: (shared field, the layout's field) for the common fields the layout takes
    shared: tuple[tuple[str, str], ...] = ()
    #: text -> what :meth:`match` said (every row of every sheet is asked, per layout)
    _seen: dict[str, str | None] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def of(
        cls, spec: Iterable[tuple[str, str]], shared: Iterable[str] | dict[str, str] = ()
    ) -> Vocabulary:
        """Build from ``(field, "phrase | phrase | +word word")`` pairs and the shared fields
        taken (a list, or shared field -> the layout's name for it).

        A ``+`` entry is a word set: a header holding all those words means the field.
        """
        entries = []
        for fld, text in spec:
            phrases: list[str] = []
            sets: list[frozenset[str]] = []
            for part in text.split("|"):
                part = part.strip()
                if part.startswith("+"):
                    sets.append(frozenset(part[1:].split()))
                elif part:
                    phrases.append(normalise_header(part))
            entries.append((fld, tuple(phrases), tuple(sets)))
        renames = shared if isinstance(shared, dict) else {f: f for f in shared}
        return cls(tuple(entries), tuple(renames.items()))

    def match(self, value: Any) -> str | None:
        """The field a header cell means, or None."""
        if not isinstance(value, str):
            return None
        try:
            return self._seen[value]
        except KeyError:
            pass
        fld = self._match(value)
        if len(self._seen) < 65536:
            self._seen[value] = fld
        return fld

    def _match(self, value: str) -> str | None:
        raw = " ".join(value.split())
        key = normalise_header(raw)
        if not key or len(key.split()) > MAX_HEADER_WORDS:
            return None
        for fld, phrases, _ in self.entries:
            if key in phrases:
                return fld
        words = set(key.split())
        if not re.search(r"\d", key) and not raw.rstrip().endswith("."):
            for fld, _, sets in self.entries:
                if any(s <= words for s in sets):
                    return fld
        common = header_field(raw)
        for shared_field, fld in self.shared:
            if common == shared_field:
                return fld
        if len(key) < 5:
            return None
        return closest(
            key,
            (
                (phrase, fld)
                for fld, phrases, _ in self.entries
                for phrase in phrases
                if len(phrase) >= 5
            ),
            FUZZY_THRESHOLD,
        )

    def fields(self, row: list[Any]) -> dict[str, int]:
        """field -> first 0-based column of ``row`` whose header means it."""
        found: dict[str, int] = {}
        for col, value in enumerate(row):
            fld = self.match(value)
            if fld and fld not in found:
                found[fld] = col
        return found


@dataclass(frozen=True)
class Signature:
    """What makes a row this layout's header: its vocabulary and the fields it must have.

    ``key_fields``: the layout's columns (the score is the share found); ``required``: all of
    these; ``any_of``: each tuple needs at least one of its fields; ``min_fields``: at least
    this many key fields in all.
    """

    vocabulary: Vocabulary
    key_fields: tuple[str, ...]
    required: tuple[str, ...] = ()
    any_of: tuple[tuple[str, ...], ...] = ()
    min_fields: int = 3

    def header(self, row: list[Any]) -> dict[str, int] | None:
        """The columns of ``row`` when it is a header of this layout, else None."""
        if sum(1 for v in row if not is_blank(v)) < self.min_fields:
            return None
        found = self.vocabulary.fields(row)
        hits = [f for f in self.key_fields if f in found]
        if len(hits) < self.min_fields:
            return None
        if any(f not in found for f in self.required):
            return None
        if any(not any(f in found for f in group) for group in self.any_of):
            return None
        return found

    def score(self, found: dict[str, int]) -> float:
        return sum(1 for f in self.key_fields if f in found) / len(self.key_fields)


def header_rows(grid: SheetGrid, signature: Signature) -> list[tuple[int, dict[str, int]]]:
    """Every row of the grid that is a header of this layout, in order."""
    out = []
    for r, row in grid.iter_rows():
        found = signature.header(row)
        if found is not None:
            out.append((r, found))
    return out


def detect_with(grid: SheetGrid, name: str, signature: Signature) -> Detection | None:
    """The first header row of this layout, scored by the best header row's key-field share."""
    found = header_rows(grid, signature)
    if not found:
        return None
    row, fields = found[0]
    score = max(signature.score(f) for _, f in found)
    return Detection(layout=name, score=score, header_row=row, columns=fields)


# --- walking a grid ------------------------------------------------------------------------


@dataclass
class Table:
    """One header row and the mapping it gives: field -> column, extra header -> column."""

    header_row: int
    fields: dict[str, int]
    extras: dict[str, int]  # header text (as written, on one line) -> column
    repeat: bool = False  # the same table's header again (a new page, a new Word table)


@dataclass
class Row:
    """One event of a walk: a data row, a heading (one text across the row), or a header."""

    kind: str  # "header", "heading", "data"
    row: int  # 0-based grid row
    table: Table
    text: str | None = None  # the heading's text


@dataclass
class Walk:
    """A grid read as tables: the rows above the first header, and the events below it."""

    preamble: list[int]
    events: list[Row] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [e.table for e in self.events if e.kind == "header"]


def lone_text(row: list[Any]) -> str | None:
    """The text of a row whose non-blank cells all hold the same text (a merged heading)."""
    texts = {cell_text(v) for v in row if not is_blank(v)}
    texts.discard(None)
    if len(texts) != 1:
        return None
    return texts.pop()


def _lone_column(row: list[Any]) -> int | None:
    cols = [c for c, v in enumerate(row) if not is_blank(v)]
    return cols[0] if cols else None


def walk(grid: SheetGrid, signature: Signature, data_field: str = "action") -> Walk:
    """Read ``grid`` as this layout's tables (see the module docstring).

    A row holding one text (across merged cells, or in one cell) is a heading, unless that
    one cell is in the ``data_field`` column (an action with nothing else filled in).
    """
    headers = dict(header_rows(grid, signature))
    if not headers:
        return Walk(preamble=list(range(grid.n_rows)))
    first = min(headers)
    out = Walk(preamble=list(range(first)))
    current: Table | None = None
    seen: dict[str, str] = {}  # extra field name by the column's header word, first wins
    for r in range(first, grid.n_rows):
        row = grid.rows[r]
        if r in headers:
            current = _table(grid, r, headers[r], signature, current, seen)
            out.events.append(Row("header", r, current))
            continue
        assert current is not None
        if all(is_blank(v) for v in row):
            continue
        lone = lone_text(row)
        col = _lone_column(row)
        data_col = current.fields.get(data_field)
        single_cell = sum(1 for v in row if not is_blank(v)) == 1
        if lone is not None and not (single_cell and col == data_col):
            out.events.append(Row("heading", r, current, lone))
            continue
        out.events.append(Row("data", r, current))
    return out


def _table(
    grid: SheetGrid,
    r: int,
    fields: dict[str, int],
    signature: Signature,
    previous: Table | None,
    seen: dict[str, str],
) -> Table:
    """The mapping of the header at row ``r``; unknown columns become extras by header text."""
    extras: dict[str, int] = {}
    taken = set(fields.values())
    for col, value in enumerate(grid.rows[r]):
        if col in taken:
            continue
        text = one_line(value)
        if not text:
            if _column_has_data(grid, r, col):
                text = f"Column {_letter(col)}"
            else:
                continue
        # The same header in a later table keeps the first table's name for the column.
        key = normalise_header(text) or text
        name = seen.setdefault(key, text)
        if name in extras:
            name = f"{name} ({_letter(col)})"
        extras[name] = col
    repeat = previous is not None and set(previous.fields) == set(fields)
    return Table(header_row=r, fields=fields, extras=extras, repeat=repeat)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


def _column_has_data(grid: SheetGrid, header_row: int, col: int) -> bool:
    return any(not is_blank(grid.value(r, col)) for r in range(header_row + 1, grid.n_rows))


# --- the rows above the table --------------------------------------------------------------

_RAG_KEY_LINE = re.compile(r"^\s*(green|amber|red|blue)\b", re.IGNORECASE)


def is_rag_key(text: str) -> bool:
    """ "Green - On track / Amber - Risks... / Red - ... / Blue - ...": the key, not a title."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) >= 2 and all(
        _RAG_KEY_LINE.match(line) and parse_status(line) is not None for line in lines
    )


def read_preamble(grid: SheetGrid, rows: list[int]) -> tuple[str | None, dict[str, str]]:
    """The title and metadata above a table.

    ``Key: | value`` rows are metadata (a row with no key continues the previous value); a
    lone text in a column to the right labels the texts below it in that column (the NHS
    England template's "SMART PRINCIPLES"); a RAG key is kept as "RAG key"; the first other
    one-line text is the title and any further text is kept under "Notes".
    """
    title: str | None = None
    meta: dict[str, str] = {}
    column_label: dict[int, str] = {}
    last_key: str | None = None

    def add(key: str, text: str) -> None:
        meta[key] = f"{meta[key]}\n{text}" if key in meta else text

    lines: list[list[tuple[int, str]]] = []
    for r in rows:
        deduped: list[tuple[int, str]] = []
        for c, v in enumerate(grid.rows[r]):
            t = cell_text(v)
            if t and (not deduped or deduped[-1][1] != t):  # merged cells: the text once
                deduped.append((c, t))
        if deduped:
            lines.append(deduped)
    # The key column: the leftmost column of the rows holding a key and a value.
    base = min((line[0][0] for line in lines if len(line) >= 2), default=0)
    for line in lines:
        first_col, first = line[0]
        if len(line) == 1:
            pair = metadata_line(first)
            if pair is not None:  # "Trust: Barnet NHS Trust" in one cell or paragraph
                add(*pair)
            elif is_rag_key(first):
                add("RAG key", first)
            elif first_col >= base + 2:
                column_label[first_col] = first
            elif title is None and "\n" not in first and len(first) <= 150:
                title = first
            elif first_col == base + 1 and last_key:
                add(last_key, first)
            else:
                add("Notes", first)
            continue
        rest = line
        if first_col == base and len(first) <= 80:
            last_key = first.rstrip(":").strip()
            values = [t for c, t in line[1:] if c == base + 1]
            if values:
                add(last_key, values[0])
            rest = [(c, t) for c, t in line[1:] if c > base + 1]
        elif first_col == base + 1 and last_key:
            add(last_key, first)
            rest = line[1:]
        for c, t in rest:
            add(column_label.get(c, "Notes"), t)
    return title, meta


def safe_extra_name(name: str, taken: Iterable[str] = ()) -> str:
    """An extra column's header that the trust layout will not read as one of its own fields.

    A source's "Milestone" or "Progress" column must stay an extra column in the master, so
    such a header is written as "Source milestone" ("RAG" and "WRES indicator" keep their
    capitals: "Source RAG").
    """
    taken = set(taken)
    out = name
    if match_header(out) is not None:
        first = name.split(maxsplit=1)[0] if name.strip() else name
        acronym = len(first) > 1 and first[1:2].isupper()
        out = f"Source {name if acronym else name[:1].lower() + name[1:]}"
    n = 2
    base = out
    while out in taken:
        out = f"{base} ({n})"
        n += 1
    return out
