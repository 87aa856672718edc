"""The general table: any action plan whose columns are recognised by meaning.

When none of the five seed layouts claims a table, it is read here with the one table
understanding of :mod:`edi_xl.tables.engine` (header rows, columns by name and content). Around the
tables:

* title rows: the plan's title, and section headings ("Metric 4: Education and training",
  "Indicator 3 - Disciplinary", "A. Zero tolerance ...") written as paragraphs, as a merged
  row, or as a lone text in a row of the table. A heading is the theme of the rows under it
  and gives them its WRES indicator / WDES metric references; it never becomes an action;
* "Trust: ...", "Organisation: ...", "Year: ..." lines are the plan's metadata;
* fill-down: a blank cell takes the value above only in a key column (theme, indicator) of a
  grouped table, and never across a heading; "As above", "ditto" and ``"`` take the value
  above in any column; merged cells are already their value on every row they cover;
* a plan written as headings and bullet lists (Word): each bullet is an action (so is a line,
  or a row of a table with no header, that ends with its date in brackets); a trailing
  "(March 22)" is its due date; a "LEAD: ..." line is the owner (of its action when written
  inside the action's cell, of the section's actions when a paragraph of its own);
* multi-line owners keep their lines, joined with "; ";
* references: from headings, the theme and indicator columns (bare "1", "4a", "Metric 2"),
  the references column, and the WRES / WDES word of the document's title: an "Indicator 3"
  in a WRES plan is WRES 3, a "Metric 3" in a WDES plan WDES 3 (with both words about,
  indicators are WRES's and metrics WDES's). The indicator column is also kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from openpyxl.utils import get_column_letter

from edi_xl.core.dates import DateKind, DateValue, parse_date
from edi_xl.core.model import Action, ActionPlan, CellOrigin, PlanSource, ProgressUpdate
from edi_xl.core.references import (
    ReportRef,
    Scheme,
    parse_protected_characteristics,
    parse_report_refs,
    standards_with,
)
from edi_xl.core.status import RAG, parse_status
from edi_xl.core.text import cell_text, with_links
from edi_xl.core.unvalidated import made
from edi_xl.read.grid import SheetGrid, is_blank
from edi_xl.tables.engine import (
    META_KEYS,
    Column,
    Header,
    find_headers,
    left_of_plan_note,
    metadata_line,
    names_a_round,
    owner_text,
)
from edi_xl.tables.layouts.base import Detection
from edi_xl.tables.layouts.reading import TableRead, assign_ids, is_as_above, leading_number
from edi_xl.tables.layouts.tables import is_rag_key, lone_text, safe_extra_name
from edi_xl.tables.layouts.trust import (
    KEY_COLOUR,
    grid_totals_row,
    id_text,
    is_action_id,
    shown_id,
)
from edi_xl.tables.vocabulary import match_header

NAME = "general"
DESCRIPTION = "general table (columns recognised by their headers and content)"

#: Key columns of a grouped table: a blank cell there means the group's value above.
KEY_FIELDS = ("theme", "indicator")
_LEAD = re.compile(r"^\s*(?:exec(?:utive)?\s+)?lead(?:\(s\)|s)?\s*[:\-–]\s*(.+)$", re.IGNORECASE)
_BRACKET_DATE = re.compile(r"\s*\(([^()]{2,40})\)\s*\.?\s*$")
# A revised due date that says it is not revised ("No change", "Unchanged", "Same"): the
# original date stands, as where the revised cell is blank. ("As above" is the row above's
# revised date, as in any column.)
_NO_CHANGE = re.compile(
    r"\s*(?:no\s+(?:change|changes|revision|new\s+date)|unchanged|not\s+(?:changed|revised)"
    r"|same(?:\s+as\s+(?:the\s+)?(?:original|before|planned))?"
    r"|as\s+(?:per\s+)?(?:the\s+)?(?:original|planned|before)|original(?:\s+date)?|none|nil"
    r"|n/?a)"
    # "No change to date", "None required", "Not revised - see update", "N/A - complete"
    r"(?:\s+(?:to\s+(?:the\s+)?(?:due\s+)?date|required|needed|return))?"
    r"(?:\s*[.!]?\s*|\s*[-\u2013\u2014:;,(].*)",
    re.IGNORECASE | re.DOTALL,
)
_SECTION = re.compile(
    r"^\s*(?:(?:wres|wdes|nhse?|edi)\s+)?(?:indicator|metric|high\s+impact\s+action|hia|"
    r"objective|priority|theme|section|standard|outcome|goal|aim|area)\s*\d"
    r"|^\s*(?:\d{1,2}|[A-Za-z])\s*[.):]\s+\S",
    re.IGNORECASE,
)
#: A references column headed for the EDI Improvement Plan's High Impact Actions, and a
#: cell of it holding bare numbers ("3", "1, 4", "2 & 6").
_HIA_HEADER = re.compile(r"\bhias?\b|high\s+impact\s+actions?", re.IGNORECASE)
_BARE_HIAS = re.compile(r"\s*\d\s*(?:(?:,|&|/|\band\b)\s*\d\s*)*\.?\s*")
_CODE = r"\d{1,2}(?:\s*[a-c](?![a-z]))?(?!\d)"
#: "Indicator 2", "Metric 4a", "Indicators 5 & 6", "Metrics 4a/4b", "Indicators 5-7": the codes
#: a list or range names (a range written with spaces, "Indicator 2 - 5 staff", is not one)
_IND = re.compile(
    r"\b(?P<word>indicator|metric|ind\.?)(?P<plural>s)?\s*(?:no\.?\s*|number\s*)?[:#]?\s*"
    rf"(?P<code>{_CODE}(?:(?:\s*(?:,|&|/|\band\b)\s*|[-–]|\s+to\s+){_CODE})*)",
    re.IGNORECASE,
)
_FIRST_CODE = re.compile(_CODE)
#: A standard written right after a reference: "Metric 2 (WRES)", "Indicator 5 - WDES".
_STANDARD_BESIDE = re.compile(r"\s*[(\[\-–:,]?\s*(?P<standard>WRES|WDES)\b", re.IGNORECASE)
_SPACED_PART = re.compile(r"(\d)\s+([a-c])\b", re.IGNORECASE)
_IND_WORD = re.compile(r"\b(?:indicator|metric)")
_BARE_CODE = re.compile(r"^\s*(?P<code>\d{1,2}\s*[a-c]?)\s*\.?\s*$", re.IGNORECASE)
#: "1. Percentage of staff in each of the AfC Bands" in an indicator column
_LEADING_CODE = re.compile(r"^\s*(?P<code>\d{1,2}\s*[a-c]?)\s*[.):\-–]\s+\S", re.IGNORECASE)
_SCHEME_WORDS = (
    (Scheme.WRES, re.compile(r"\bWRES\b|workforce\s+race\s+equality", re.IGNORECASE)),
    (Scheme.WDES, re.compile(r"\bWDES\b|workforce\s+disability\s+equality", re.IGNORECASE)),
)


def schemes_in(texts: list[str]) -> set[Scheme]:
    """The standards (WRES / WDES) a document's titles name."""
    return {s for s, rx in _SCHEME_WORDS for t in texts if rx.search(t)}


def refs_in(
    text: str | None, schemes: set[Scheme], bare: bool = False, column: str = ""
) -> list[ReportRef]:
    """The references a heading, theme or indicator cell names, normalised, written kept.

    "WRES indicator 5", "WDES Metric 9b", "High Impact Action 2" are read as they are;
    "Indicator 2", "Metric 4: Education" (and, with ``bare``, a cell holding just "4a") take
    their standard from ``schemes``, the standards the document names (both named: a bare
    code under a ``column`` headed "Indicator" is WRES's, "Metric" WDES's), unless the text
    names its own (:func:`_named_by_the_cell`): "Indicator 5 (WRES)" is WRES 5 whatever the
    document names. A list ("Indicators 5 & 6") is read after a plural word only.
    """
    if not text:
        return []
    known = [r for r in parse_report_refs(text) if r.scheme is not Scheme.OTHER and r.code]
    if known:
        return known
    own = schemes_in([text])
    matches: list[tuple[str, str]] = []
    for found in _IND.finditer(text):
        beside = _STANDARD_BESIDE.match(text, found.end())  # "Metric 2 (WRES)": its own
        word = found.group("word")
        matches.append((f"{beside['standard']} {word}" if beside else word, _listed(found)))
    if not matches and bare:
        m = _BARE_CODE.match(text) or _LEADING_CODE.match(text)
        if m:  # (a bare "2" under "Indicator" is an indicator, under "Metric" a metric)
            named = _IND_WORD.search(column.lower())
            matches = [(named.group() if named else "", m.group("code"))]
    out = []
    for word, written in matches:
        code = _SPACED_PART.sub(r"\1\2", written).lower()  # "4 a" -> "4a"; a list as written
        scheme = _scheme_for(word, _named_by_the_cell(word, own) or schemes)
        if scheme is None and len(owners := _standards_with_all(code)) == 1:
            scheme = owners[0]  # "Metric 9b": only WDES has a 9b
        if scheme is None:
            # "Indicators 5 & 6" in a plan that names neither standard: WRES's or WDES's is
            # for a person to say; kept as written, and so flagged as a reference not known
            unknown = made(
                ReportRef, scheme=Scheme.OTHER, code=None, text=text.strip(), known=False
            )
            if unknown not in out:
                out.append(unknown)
            continue
        for ref in parse_report_refs(f"{scheme.value} {code}"):
            out.append(replace(ref, text=text.strip()))
    return out


def _listed(m: re.Match[str]) -> str:
    """The codes an :data:`_IND` match names: a list only after a plural word ("Indicators
    5 & 6"); after "Indicator 5, 12 month programme" the first alone (the rest is words)."""
    code = m.group("code")
    first = _FIRST_CODE.match(code)
    return code if m.group("plural") or first is None else first[0]


def _named_by_the_cell(word: str, own: set[Scheme]) -> set[Scheme]:
    """The standard a reference's own cell names ("Indicator 5 (WRES)": WRES's whatever the
    document names; helper-96): the one written right after it ("Metric 2 (WRES)", put
    before the word by :func:`refs_in`), else the one the cell names, when it names one and
    the word is not the other's ("Metric 3, compared with WRES": a metric is WDES's, the
    document decides); else none."""
    named = word.split()[0].upper() if " " in word else ""
    if named in ("WRES", "WDES"):
        return {Scheme(named)}
    if len(own) != 1 or (word.lower().startswith("metric") and Scheme.WRES in own):
        return set()
    return own


def _standards_with_all(codes: str) -> list[Scheme]:
    """The standards that have every code of ``codes`` ("9a", "4a/4b", "5 & 6")."""
    found = [standards_with(code) for code in re.findall(r"\d{1,2}[a-c]?", codes)]
    return [s for s in found[0] if all(s in f for f in found)] if found else []


def _scheme_for(word: str, schemes: set[Scheme]) -> Scheme | None:
    if len(schemes) == 1:
        return next(iter(schemes))
    if not schemes:
        return None
    # Both named: WRES has indicators, WDES metrics.
    if word.lower().startswith("metric"):
        return Scheme.WDES
    if word.lower().startswith("ind"):
        return Scheme.WRES
    return None


def detect(grid: SheetGrid, overrides: dict[str, str] | None = None) -> Detection | None:
    """A table with an action column and one more field, or a sectioned Word plan
    (``overrides``: ``--map``'s, so a table whose action column only --map names is one)."""
    headers = find_headers(grid, overrides)
    if headers:
        first = headers[0]
        return Detection(layout=NAME, score=0.3, header_row=first.rows[0], columns=first.fields)
    # A sectioned plan: section headings, and actions as bullets or as lines (paragraphs,
    # rows of a table without a header) that end with their date in brackets.
    if not any(_is_section(grid.rows[r][0], k) for r, k in grid.kinds.items()):
        return None
    if "bullet" in grid.kinds.values() or any(
        (text := lone_text(row)) is not None and split_action_text(text)[2] is not None
        for row in grid.rows
    ):
        return Detection(layout=NAME, score=0.2, header_row=0, columns={})
    return None


#: A line of more words than this is a paragraph of text, not a section heading.
MAX_SECTION_WORDS = 25


def is_section_line(text: str) -> bool:
    """ "Indicator 3 - Disciplinary", "Metric 4: ...", "A. Zero tolerance ...", "2. ..."."""
    return bool(_SECTION.match(text)) and len(text.split()) <= MAX_SECTION_WORDS


def _is_section_text(text: str, schemes: set[Scheme]) -> bool:
    """A section line, or a short line naming an indicator ("WRES indicator 5")."""
    return is_section_line(text) or (
        len(text.split()) <= MAX_SECTION_WORDS and bool(refs_in(text, schemes))
    )


def _is_section(text: Any, kind: str) -> bool:
    return isinstance(text, str) and (kind == "heading" or is_section_line(text))


@dataclass
class GeneralRead(TableRead):
    """The general reading: the TableRead, and what it understood, for the import report."""

    headers: list[Header] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    schemes: set[Scheme] = field(default_factory=set)  # the standards the sheet names


@dataclass
class _Section:
    text: str
    row: int
    refs: list[ReportRef]
    owner: str | None = None
    actions: list[Action] = field(default_factory=list)


@dataclass
class _State:
    grid: SheetGrid
    words: dict[RAG, str] | None
    schemes: set[Scheme]
    header: Header | None = None
    section: _Section | None = None
    title: str | None = None
    titles: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    drafts: list[tuple[Action, str | None]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    above: dict[int, tuple[str | None, Any]] = field(default_factory=dict)  # (text, value)
    extra_names: dict[str, str] = field(default_factory=dict)  # header -> master column name
    update_header: str | None = None
    headers: list[Header] = field(default_factory=list)
    tables: int = 0
    repeats: list[int] = field(default_factory=list)
    headings: int = 0
    filled: int = 0
    original_due: int = 0  # revised due dates in words ("No change"): the original taken
    not_placed: list[str] = field(default_factory=list)

    def meta(self, key: str, value: str) -> None:
        old = self.metadata.get(key)
        self.metadata[key] = f"{old}\n{value}" if old else value


def read_detail(
    grid: SheetGrid,
    detection: Detection | None = None,
    path: str | None = None,
    words: dict[RAG, str] | None = None,
    overrides: dict[str, str] | None = None,
    hints: tuple[str, ...] = (),
) -> GeneralRead:
    """Read every table (and sectioned list) of ``grid`` (see the module docstring)."""
    headers = {h.rows[0]: h for h in find_headers(grid, overrides)}
    first = min(headers, default=grid.n_rows)
    title_texts = [*hints, grid.name]
    for r in range(grid.n_rows):
        if r < first or r in grid.kinds:
            title_texts += [t for v in grid.rows[r] if (t := cell_text(v))]
        elif r > first and (title := lone_text(grid.rows[r])) is not None:
            title_texts.append(title)  # a later table's title ("WDES Action Plan 2025/26")
    for h in headers.values():
        title_texts += [c.header for c in h.columns]
    st = _State(grid=grid, words=words, schemes=schemes_in(title_texts))
    r = 0
    while r < grid.n_rows:
        row = grid.rows[r]
        if r in headers:
            _start_table(st, headers[r])
            r = headers[r].last + 1
            continue
        r += 1
        if all(is_blank(v) for v in row):
            continue
        if r - 1 in grid.kinds:
            _line(st, r - 1, str(row[0]), grid.kinds[r - 1])
        elif st.header is None:
            _preamble_row(st, r - 1)
        else:
            _table_row(st, r - 1)
    return _finish(st, path)


def read(
    grid: SheetGrid,
    detection: Detection,
    path: str | None = None,
    words: dict[RAG, str] | None = None,
) -> ActionPlan:
    return read_detail(grid, detection, path, words).plan


# --- tables -----------------------------------------------------------------------------------


def _start_table(st: _State, header: Header) -> None:
    previous = st.headers[-1] if st.headers else None
    if previous is not None and previous.signature() == header.signature():
        st.repeats.append(header.rows[0] + 1)
    else:
        st.tables += 1
        st.headers.append(header)
    st.header = header
    st.above = {}
    for r in header.rows:
        _beside_cells(st, r)
    for c in header.columns:
        if c.field == "update" and st.update_header is None:
            st.update_header = (
                c.header if match_header(c.header) == "update" else f"Update ({c.header})"
            )
        if c.how == "extra" or c.field == "indicator":
            st.extra_names.setdefault(c.header, "")


def _beside_cells(st: _State, r: int) -> None:
    """Row ``r``'s cells past the empty column that ends the table (``Header.beside``), or
    before the one it starts past (``Header.start``): a RAG key or a table of the trust's own
    beside the plan, listed as not placed, never read into the actions."""
    header = st.header
    if header is None:
        return
    line = st.grid.rows[r]
    # (left of the plan, another table's numbering of rows: the plan's own columns can look
    # so, a reference and an exec lead filled once per group, and --map keeps them)
    if left := left_of_plan_note(st.grid.name, r, line, header.start):
        st.not_placed.append(left)
    beside = [] if header.beside is None else line[header.beside :]
    if texts := [t for v in beside if (t := cell_text(v))]:
        gap = get_column_letter(header.beside or 0)  # (0-based: the empty column's letter)
        shown = " | ".join(repr(t) for t in texts)
        st.not_placed.append(
            f"{st.grid.name} row {r + 1}: {shown} (beside the table, past the empty column "
            f"{gap}: a RAG key or a table of its own, not read as actions)"
        )


def _table_row(st: _State, r: int) -> None:
    header = st.header
    assert header is not None
    grid = st.grid
    _beside_cells(st, r)
    # (what stands beside the table, either side, is none of it)
    row = [None] * header.start + grid.rows[r][header.start : header.beside]
    if all(is_blank(v) for v in row):
        return
    lone = lone_text(row)
    filled = [c for c, v in enumerate(row) if not is_blank(v)]
    action_col = header.fields.get("action")
    # One text across the row is a heading, unless it is only in the action column (an action
    # with nothing else filled in) and does not read as a section ("Metric 2: ...").
    only_action = len(filled) == 1 and filled[0] == action_col
    if lone is not None and (not only_action or _is_section_text(lone, st.schemes)):
        _heading(st, r, lone)
        return
    if _carries_on(st, r, filled, action_col):
        return
    read = sorted(c.col for c in header.columns if c.how != "ignored")
    if grid_totals_row(grid, r, read, action_col):
        return  # (a row of totals: "Total", "=COUNTA(...)")
    if _key_or_stray(row, header, read):
        shown = " | ".join(repr(t) for t in dict.fromkeys(cell_text(row[c]) for c in filled))
        st.not_placed.append(
            f"{grid.name} row {r + 1}: {shown} (a RAG key or a note: no action number, action "
            "text, owner or dates)"
        )
        return
    values: dict[int, str | None] = {}
    raws: dict[int, Any] = {}
    carried: set[int] = set()
    for c in header.columns:
        if c.how == "ignored":
            continue
        raw = grid.value(r, c.col)
        if c.field == "id":  # (1.1 shown "1.10" by its format: the tenth action, not the first)
            raw = shown_id(raw, grid.number_formats.get((r, c.col)))
        text = cell_text(raw)
        if is_as_above(text):
            text, raw = st.above.get(c.col, (None, None))
            st.filled += 1
        elif text is None and c.field in KEY_FIELDS and st.above.get(c.col, (None,))[0]:
            text, raw = st.above[c.col]
            carried.add(c.col)
        values[c.col], raws[c.col] = text, raw
    if not any(v for col, v in values.items() if col not in carried and _not_key(header, col)):
        return
    _put_links(st, grid, r, header, values)
    st.above = {col: (values[col], raws[col]) for col in values}
    _add_action(st, r, header, values, raws)


#: The fields whose cells' text is read as a date or a status: a link put on one goes after the
#: update's text (as a merge puts the address of a linked Status), not into the date or status.
_LINK_TO_UPDATE = frozenset({"status", "due", "start"})
#: The fields whose text is a name or a key (an owner, a theme, an id): a link on one is the
#: cell's, not text to add (an owner's mailto: would make another owner, a theme another theme).
_LINK_KEPT_OUT = frozenset({"id", "theme", "owner", "characteristics", "references", "indicator"})


def _holds(text: str | None, address: str) -> bool:
    """``text`` already says the ``address`` (Excel links a typed e-mail address or web
    address: "jane@nhs.net" -> mailto:jane@nhs.net, "www.nhs.uk" -> http://www.nhs.uk/)."""
    if not text:
        return False
    bare = re.sub(r"^(?:mailto:|https?://)", "", address, flags=re.IGNORECASE).rstrip("/")
    return bare.lower() in text.lower()


def _put_links(
    st: _State, grid: SheetGrid, r: int, header: Header, values: dict[int, str | None]
) -> None:
    """The addresses the row's cells link to (Insert > Link: the evidence), after the text of
    the cell linked, or of the update for a Status or a date; with no update column, listed
    among what the import could not place (never lost without a word)."""
    update = header.fields.get("update")
    for c in header.columns:
        address = grid.links.get((r, c.col)) if c.how != "ignored" else None
        if address is None or _holds(values.get(c.col), address):
            continue
        if c.field in _LINK_KEPT_OUT:
            st.not_placed.append(f"{grid.name} row {r + 1}: {c.header} links to {address}")
        elif c.field not in _LINK_TO_UPDATE:
            values[c.col] = with_links(values.get(c.col), [address])
        elif update is not None:
            values[update] = with_links(values.get(update), [address])
        else:
            st.not_placed.append(f"{grid.name} row {r + 1}: {c.header} links to {address}")


def _carries_on(st: _State, r: int, filled: list[int], action_col: int | None) -> bool:
    """Row ``r`` is the next line of the action above, printed over several rows (its number
    merged down them, and every other cell merged down too but its action text): the text
    joins the action's, and True. A row with anything of its own besides is left to be read
    as it is (nothing dropped)."""
    grid, header = st.grid, st.header
    assert header is not None
    id_col = header.fields.get("id")
    if id_col is None or action_col is None or not st.drafts:
        return False
    if (r, id_col) not in grid.filled_down or (r, action_col) in grid.filled_down:
        return False
    own = [c for c in filled if (r, c) not in grid.filled_down and (r, c) not in grid.filled_across]
    if own != [action_col]:
        return False
    action, _ = st.drafts[-1]
    more = cell_text(grid.value(r, action_col)) or ""
    action.action = f"{action.action} {more}".strip() if action.action else more
    return True


def _key_or_stray(row: list[Any], header: Header, read: list[int]) -> bool:
    """A row of a RAG key or a small table of the trust's own under the plan ("Green | On
    track", "RAG | Count"): no action number, no owner, no dates, and no action text or a
    RAG colour in its first cell."""
    fields = header.fields

    def blank(fld: str) -> bool:
        col = fields.get(fld)
        return col is None or col >= len(row) or is_blank(row[col])

    id_col = fields.get("id")
    if id_col is not None and id_col < len(row) and is_action_id(row[id_col]):
        return False
    if not all(blank(f) for f in ("owner", "start", "due")):
        return False
    if blank("action"):
        return True
    filled = [c for c in read if c < len(row) and not is_blank(row[c])]
    first = row[filled[0]]
    # a colour under the # or the Status column is an action's label or RAG, not a key's
    return (
        isinstance(first, str)
        and filled[0] != id_col
        and KEY_COLOUR.match(first) is not None
        and len(filled) <= 2
        and (
            filled[0] != fields.get("status")
            or (isinstance(last := row[filled[-1]], str) and parse_status(last) is not None)
        )
    )


def _not_key(header: Header, col: int) -> bool:
    return all(c.field not in KEY_FIELDS for c in header.columns if c.col == col)


def _add_action(
    st: _State, r: int, header: Header, values: dict[int, str | None], raws: dict[int, Any]
) -> None:
    by_field: dict[str, int] = header.fields

    def get(fld: str) -> str | None:
        col = by_field.get(fld)
        value = values.get(col) if col is not None else None
        for earlier in header.fallbacks.get(fld, ()) if value is None else ():
            if (value := values.get(earlier)) is not None:
                break  # (this quarter's left blank for the row: the latest it has)
        return value

    text, lead, bracket = split_action_text(get("action"))
    owner = owner_text(get("owner")) or lead
    due_col = by_field.get("due")
    due_raw = raws.get(due_col) if due_col is not None else None
    if isinstance(due_raw, str) and due_col is not None:
        due_raw = values.get(due_col)
    due = parse_date(due_raw)
    revised_words: str | None = None  # a revised cell that gave way to the original, as typed
    if due.kind is DateKind.EMPTY or (
        due.kind is DateKind.UNREADABLE and _NO_CHANGE.fullmatch(due.text)
    ):
        original = _original_due(header, values, raws)
        if original is not None:  # no revised date in this row: the original stands
            revised_words, due = due.text or None, original
    if due.kind is DateKind.EMPTY and bracket is not None:
        due = bracket
    start_col = by_field.get("start")
    start = parse_date(raws.get(start_col)) if start_col is not None else parse_date(None)
    ind_col = by_field.get("indicator")
    named = next((c.header for c in header.columns if c.col == ind_col), "")
    indicator_refs = refs_in(get("indicator"), st.schemes, bare=True, column=named)
    theme = get("theme")
    if theme is None and st.section is None:
        # the group's indicator is its theme when nothing else is
        theme = _indicator_theme(get("indicator"), indicator_refs)
    refs: list[ReportRef] = []
    refs += refs_in(theme, st.schemes)
    refs += indicator_refs
    ref_text = get("references")
    ref_col = by_field.get("references")
    ref_header = next((c.header for c in header.columns if c.col == ref_col), "")
    if ref_text and _HIA_HEADER.search(ref_header) and _BARE_HIAS.fullmatch(ref_text):
        # a "HIA" column's "3", "1, 4": the High Impact Actions, not WRES indicators 3 and 4
        ref_text = ", ".join(f"HIA {n}" for n in re.findall(r"\d+", ref_text))
    if ref_text:
        written = parse_report_refs(ref_text)
        inferred = refs_in(ref_text, st.schemes)
        if inferred and all(x.scheme is Scheme.OTHER and not x.known for x in written):
            written = inferred  # "Indicator 2" in a WRES plan: WRES 2, not an unknown report
        refs += written
    extra: dict[str, Any] = {}
    for c in header.columns:
        if c.how == "extra" or c.field == "indicator":
            extra[c.header] = (
                raws.get(c.col) if not isinstance(raws.get(c.col), str) else values.get(c.col)
            )
    if revised_words is not None and due_col is not None:
        # "No change" is kept (and counted for the import's report) under the revised column's
        # own header, as any column that is not the master's is
        revised = next(c.header for c in header.columns if c.col == due_col)
        st.extra_names.setdefault(revised, "")
        extra[revised] = revised_words
        st.original_due += 1
    update = get("update")
    _make_action(
        st,
        r,
        id_=id_text(raws.get(by_field["id"])) if "id" in by_field else "",
        theme=theme,
        text=text,
        refs=refs,
        pcs_text=get("characteristics"),
        owner=owner,
        start=start,
        due=due,
        status_text=get("status"),
        update=update,
        extra=extra,
    )
    st.rows.append(r)


def _indicator_theme(text: str | None, refs: list[ReportRef]) -> str | None:
    """The theme an indicator cell gives its action: as written, but a bare number ("2",
    "9b") is named with the standard it was read as ("WRES 2", "WDES 9b"), so that a plan's
    WRES 2 and WDES 2 (a sheet of each) are two themes, not one "2" (helper-96)."""
    if text is None or not _BARE_CODE.match(text):
        return text
    if refs and all(r.known and r.code for r in refs):
        return ", ".join(dict.fromkeys(r.label for r in refs))
    return text


def _original_due(
    header: Header, values: dict[int, str | None], raws: dict[int, Any]
) -> DateValue | None:
    """The original due date of a row whose revised due date is blank or "No change": the
    first of the header's other due-date columns with something in it, or None."""
    for fallback in header.fallbacks.get("due", ()):
        raw = raws.get(fallback)
        due = parse_date(values.get(fallback) if isinstance(raw, str) else raw)
        if due.kind is not DateKind.EMPTY:
            return due
    return None


def _make_action(
    st: _State,
    r: int,
    *,
    id_: str,
    theme: str | None,
    text: str | None,
    refs: list[ReportRef],
    pcs_text: str | None,
    owner: str | None,
    start: DateValue,
    due: DateValue,
    status_text: str | None,
    update: str | None,
    extra: dict[str, Any],
) -> Action:
    section = st.section
    if section is not None:
        section_refs = [x for x in section.refs if x not in refs]
        refs = section_refs + refs if not theme else refs + section_refs
        theme = theme or section.text
        owner = owner or section.owner
    if not refs and len(st.schemes) == 1:
        scheme = next(iter(st.schemes))
        refs = [ReportRef(scheme=scheme, code=None, text=scheme.value, known=True)]
    unique: dict[str, ReportRef] = {}
    for ref in refs:
        unique.setdefault(ref.label, ref)
    known_pcs, unknown_pcs = parse_protected_characteristics(pcs_text)
    action = Action(
        id=id_,
        theme=theme,
        action=text,
        references_text=", ".join(unique) or None,
        references=list(unique.values()),
        characteristics_text=pcs_text,
        characteristics=known_pcs,
        characteristics_unknown=unknown_pcs,
        owner=owner,
        start=start,
        due=due,
        status_text=status_text,
        status=parse_status(status_text, st.words),
        updates=(
            [ProgressUpdate(header=st.update_header, text=update)] if st.update_header else []
        ),
        extra=extra,
        origin=CellOrigin(sheet=st.grid.name, row=r + 1),
    )
    if section is not None:
        section.actions.append(action)
    st.drafts.append((action, theme))
    return action


# --- text lines: titles, headings, metadata, bullets -------------------------------------------


def _preamble_row(st: _State, r: int) -> None:
    """A row above the first table: a title, a heading, a "Key: value" pair or a note."""
    cells: list[str] = []
    for v in st.grid.rows[r]:
        t = cell_text(v)
        if t and (not cells or cells[-1] != t):
            cells.append(t)
    if len(cells) == 2 and len(cells[0]) <= 40:
        key = META_KEYS.get(cells[0].rstrip(":").strip().lower())
        if key:
            st.meta(key, cells[1])
            return
    if len(cells) == 1:
        _line(st, r, cells[0], "text")
        return
    st.meta("Notes", " | ".join(cells))


def _line(st: _State, r: int, text: str, kind: str) -> None:
    """A paragraph (or a lone text above the table)."""
    text = text.strip()
    pair = metadata_line(text) if kind != "bullet" else None
    if pair is not None:
        st.meta(*pair)
        return
    lead = _LEAD.match(text)
    if lead and "\n" not in text:
        owner = owner_text(lead.group(1))
        if st.section is not None:
            st.section.owner = owner
            for action in st.section.actions:
                action.owner = action.owner or owner
        else:
            st.meta("Lead", lead.group(1).strip())
        return
    if is_rag_key(text):
        st.meta("RAG key", text)
        return
    if kind == "bullet":
        _bullet(st, r, text)
        return
    if kind == "heading" or is_section_line(text):
        _heading(st, r, text)
        return
    if st.section is not None and split_action_text(text)[2] is not None:
        _bullet(st, r, text)  # "Review every case (March 22)" under a section heading
        return
    if st.title is None and not st.drafts:
        st.title = text
        st.titles.append(text)
        return
    st.meta("Notes", text)


def _heading(st: _State, r: int, text: str) -> None:
    """A title or a section heading: the theme (and references) of the rows under it."""
    st.titles.append(text)
    refs = refs_in(text, st.schemes)
    if not refs and not is_section_line(text) and st.title is None and not st.drafts:
        st.title = text  # the document's title, above everything
        return
    parent = st.section
    if not refs and parent is not None and not parent.actions:
        refs = list(parent.refs)  # a sub-heading right under "Indicator 3": still indicator 3
    st.section = _Section(text=text, row=r, refs=refs)
    st.headings += 1
    st.above = {}


def _bullet(st: _State, r: int, text: str) -> None:
    body, lead, bracket = split_action_text(text)
    _make_action(
        st,
        r,
        id_="",
        theme=None,
        text=body,
        refs=[],
        pcs_text=None,
        owner=lead,
        start=parse_date(None),
        due=bracket or parse_date(None),
        status_text=None,
        update=None,
        extra={},
    )
    st.rows.append(r)


def split_action_text(text: str | None) -> tuple[str | None, str | None, DateValue | None]:
    """(action, "LEAD:" owner, trailing "(March 22)" date) of an action cell or bullet.

    A "LEAD: ..." line inside the text is the owner; a date in brackets at the end is the due
    date (it is taken out of the action's text; a bracket holding no date stays).
    """
    if not text:
        return text, None, None
    lines = text.splitlines()
    owners: list[str] = []
    kept: list[str] = []
    for line in lines:
        m = _LEAD.match(line)
        if m and kept:
            owners.append(m.group(1).strip())
        else:
            kept.append(line)
    body = "\n".join(kept).strip()
    bracket = None
    m = _BRACKET_DATE.search(body)
    if m:
        parsed = parse_date(m.group(1))
        if parsed.kind not in (DateKind.UNREADABLE, DateKind.EMPTY):
            bracket = parsed
            body = body[: m.start()].rstrip()
    return body or None, owner_text("\n".join(owners)) if owners else None, bracket


# --- the plan ---------------------------------------------------------------------------------

_NUMBERED = re.compile(
    r"\b(?:indicator|metric|ind\.?|action|objective|priority|theme)\s*(\d{1,2})(?!\d)",
    re.I,
)
#: a theme that is an indicator's number alone, or with its standard: "2", "9b", "WDES 9b"
_CODE_THEME = re.compile(r"^\s*(?:(?:wres|wdes)\s+)?(\d{1,2})\s*[a-c]?\s*\.?\s*$", re.I)


def theme_number(theme: str) -> int | None:
    """The number a theme is written with: "3. Create ...", "Indicator 3 - ...", "WRES Ind
    3", "WDES 3" or a bare "3" or "3b" -> 3 (the ids of a metric 9b are 9.x, as of a
    "Metric 9b", not numbered in order: helper-96)."""
    n = leading_number(theme)
    if n is not None:
        return n
    m = _CODE_THEME.match(theme) or _NUMBERED.search(theme)
    return int(m.group(1)) if m else None


def _finish(st: _State, path: str | None) -> GeneralRead:
    names: dict[str, str] = {}
    for header_text in st.extra_names:
        names[header_text] = safe_extra_name(header_text, names.values())
    for action, _ in st.drafts:
        action.extra = {names[k]: action.extra.get(k) for k in names}
    generated = [not a.id for a, _ in st.drafts]
    assign_ids(st.drafts, theme_number)
    first: Header | None = st.headers[0] if st.headers else None
    source = PlanSource(
        path=path,
        layout=NAME,
        sheet=st.grid.name,
        header_row=(first.rows[0] + 1) if first else None,
        columns=dict(first.fields) if first else {},
        extra_columns={c.header: c.col for c in first.extras} if first else {},
        skipped_rows=st.repeats,
    )
    plan = ActionPlan(
        title=st.title,
        actions=[a for a, _ in st.drafts],
        update_headers=[st.update_header] if st.update_header else [],
        extra_columns=list(names.values()),
        metadata=st.metadata,
        source=source,
    )
    return GeneralRead(
        plan=plan,
        tables=max(st.tables, 1 if st.drafts else 0),
        headings=st.headings,
        rows=st.rows,
        themes=[t for _, t in st.drafts],
        generated=generated,
        number=theme_number,
        filled_from_above=st.filled,
        original_due=st.original_due,
        not_placed=st.not_placed,
        headers=st.headers,
        titles=st.titles,
        schemes=st.schemes,
    )


def columns_of(read: GeneralRead) -> list[Column]:
    """The mapping of every distinct table read, first table first."""
    return [c for h in read.headers for c in h.columns]


# --- a plan split into one sheet per theme ----------------------------------------------------

#: A sheet name a spreadsheet gives by itself, or a page of a plan: no theme ("Sheet1",
#: "Sheet 2 (2)", "Page 3", "Part 2", "Table 1", "Continued").
_NOT_A_THEME = re.compile(
    r"^\s*(?:(?:sheet|page|part|table|tab|blad|feuil|tabelle|hoja)\s*\d+(?:\s*\(\d+\))?"
    r"|cont(?:inued|\.|d)?|\d+)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SheetTheme:
    """The theme a sheet gives the actions on it, read from its title or its name."""

    sheet: str
    theme: str
    source: str  # "title" or "name": what on the sheet the theme was read from
    actions: int = 0

    def describe(self) -> str:
        """ "'Recruitment and progression' (sheet 'Recruitment', 5 actions)"."""
        noun = "action" if self.actions == 1 else "actions"
        return f"{self.theme!r} (sheet {self.sheet!r}, {self.actions} {noun})"


def has_own_themes(read: GeneralRead) -> bool:
    """The sheet's table gives its actions themes: a theme (or indicator) column, or
    section headings."""
    return any(a.theme for a in read.plan.actions)


def sheet_themes(reads: list[tuple[SheetGrid, GeneralRead]]) -> list[SheetTheme]:
    """The themes of a plan written as one sheet per theme ("Recruitment", "Culture", ...).

    A person reads each sheet's title ("Recruitment and progression"), or with none its name,
    as the theme of its actions when its table gives them none (no theme column, no section
    headings). Only across several sheets of actions, each its own theme: one sheet's title
    is the plan's ("WRES Action Plan 2025/26"), and so is a title every sheet repeats (the
    sheets are then named for their themes, or they are pages of one plan: "Sheet1",
    "Page 2" are no theme).
    """
    with_actions = [(g, r) for g, r in reads if r.plan.actions]
    if len(with_actions) < 2:
        return []
    # sheets named for a period ("Q1", "Q2", "2024-25"): a plan's rounds, not its themes
    if any(names_a_round(g.name) for g, _ in with_actions):
        return []
    titles = [r.plan.title.strip() for _, r in with_actions if r.plan.title]
    repeated = {
        t.casefold() for t in titles if sum(x.casefold() == t.casefold() for x in titles) > 1
    }
    out: list[SheetTheme] = []
    for grid, read in with_actions:
        if has_own_themes(read):
            continue
        title = (read.plan.title or "").strip()
        if title and title.casefold() not in repeated:
            out.append(SheetTheme(grid.name, title, "title", len(read.plan.actions)))
        elif grid.name.strip() and not _NOT_A_THEME.match(grid.name):
            out.append(SheetTheme(grid.name, grid.name.strip(), "name", len(read.plan.actions)))
    if len({t.theme.casefold() for t in out}) < len(out):
        return []  # two sheets would give one theme: a person could not tell them apart
    return out


def give_sheet_theme(read: GeneralRead, theme: SheetTheme) -> None:
    """Give every action of ``read`` the sheet's theme, and the references it names
    ("Indicator 3" as a sheet's name is WRES 3 in a WRES plan), as a section heading does.
    A title taken as the theme is no longer the plan's title."""
    refs = refs_in(theme.theme, read.schemes)
    for action in read.plan.actions:
        action.theme = theme.theme
        if refs:
            schemes = {r.scheme for r in refs}
            kept = [r for r in action.references if r.code or r.scheme not in schemes]
            unique: dict[str, ReportRef] = {}
            for ref in refs + kept:
                unique.setdefault(ref.label, ref)
            action.references = list(unique.values())
            action.references_text = ", ".join(unique) or None
    read.themes = [theme.theme for _ in read.plan.actions]
    if theme.source == "title":
        read.plan.title = None
        read.titles = [t for t in read.titles if t != theme.theme]
