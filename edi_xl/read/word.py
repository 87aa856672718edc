"""Word (.docx) action plans as a grid: paragraphs and tables in the order they are written.

Trusts often keep the action plan as Word tables: a RAG key, then one or more tables; or a
numbered heading before each table. :func:`read_docx` reads the document body with
python-docx and turns it into one :class:`~edi_xl.read.grid.SheetGrid`: every non-empty paragraph
is a row with its text in the first column, every table row is a row (one column per layout
column of the table; a cell merged across columns repeats its text, a cell merged down rows
gives its text to every row it covers, as merged cells do in a spreadsheet grid), and a blank
row separates the blocks. The layouts then read it exactly as they read a sheet.

Safety: a .docx is a zip of XML. python-docx parses with lxml, with entity resolution off
(``resolve_entities=False``) and lxml's default limits (no ``huge_tree``), so an
entity-expansion bomb is not expanded; the zip is checked before it is opened (size of the
parts once unpacked, and how much they expand) so a zip bomb is refused, not unpacked.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edi_xl.core.errors import UnreadableFileError
from edi_xl.read.grid import MAX_COLS, MAX_ROWS, SheetGrid

#: A .docx whose parts unpack to more than this is refused (real plans are well under 5 MB).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
#: ... and so is one whose XML expands more than this many times (zip bombs expand >1000x).
MAX_RATIO = 200
SHEET_NAME = "Word document"


@dataclass(frozen=True)
class WordTable:
    """Where one Word table sits in the grid (0-based rows, ``last`` included)."""

    index: int  # 1-based, in document order
    first: int
    last: int


@dataclass(frozen=True)
class WordDocument:
    path: Path
    grid: SheetGrid
    tables: list[WordTable] = field(default_factory=list)

    def table_of(self, row: int) -> WordTable | None:
        """The table holding 0-based grid ``row`` (None for a paragraph)."""
        for table in self.tables:
            if table.first <= row <= table.last:
                return table
        return None


def check_zip(path: Path) -> None:
    """Refuse a .docx that is not a zip, or that would unpack to too much."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFileError(path, f"not a readable Word document ({exc})") from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNPACKED_BYTES:
        raise UnreadableFileError(
            path, f"the Word document unpacks to {total // (1024 * 1024)} MB; refusing to read it"
        )
    if total > 10 * 1024 * 1024 and total / packed > MAX_RATIO:
        raise UnreadableFileError(path, "the Word document looks like a zip bomb; not read")


def read_docx(path: str | Path) -> WordDocument:
    """The document's paragraphs and tables as one grid (see the module docstring)."""
    import docx  # python-docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    path = Path(path)
    check_zip(path)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds for a damaged file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreadableFileError(path, f"cannot open as a Word document ({reason})") from None
    rows: list[list[Any]] = []
    kinds: dict[int, str] = {}
    tables: list[WordTable] = []
    for block in document.iter_inner_content():
        if len(rows) >= MAX_ROWS:
            break
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if text:
                kind, text = paragraph_kind(block, text)
                kinds[len(rows)] = kind
                rows.append([text])
            continue
        if isinstance(block, Table):
            if rows and any(v is not None for v in rows[-1]):
                rows.append([])
            first = len(rows)
            rows.extend(_table_rows(block))
            tables.append(WordTable(index=len(tables) + 1, first=first, last=len(rows) - 1))
            rows.append([])
    while rows and not rows[-1]:
        rows.pop()
    grid = SheetGrid(name=SHEET_NAME, rows=rows, kinds=kinds)
    return WordDocument(path=path, grid=grid, tables=tables)


_BULLET_CHARS = "•·▪‣◦○●-–*"


def paragraph_kind(paragraph: Any, text: str) -> tuple[str, str]:
    """("heading" | "bullet" | "text", the text without a typed bullet character).

    A heading has a Heading or Title style, or is short and bold throughout; a bullet has a
    List style, Word numbering, or starts with a typed bullet ("• ", "- ").
    """
    style = (getattr(paragraph.style, "name", "") or "").lower()
    if style.startswith("heading") or style in ("title", "subtitle"):
        return "heading", text
    ppr = paragraph._p.pPr
    if "list" in style or (ppr is not None and ppr.numPr is not None):
        return "bullet", text
    if len(text) > 1 and text[0] in _BULLET_CHARS and text[1] in " \t":
        return "bullet", text[1:].strip()
    runs = [r for r in paragraph.runs if r.text.strip()]
    if runs and all(r.bold for r in runs) and len(text.split()) <= 20:
        return "heading", text
    return "text", text


def _table_rows(table: Any) -> list[list[Any]]:
    out: list[list[Any]] = []
    for row in table.rows:
        values: list[Any] = [None] * getattr(row, "grid_cols_before", 0)
        for cell in row.cells:
            text = cell.text.strip()
            values.append(text or None)
            if len(values) >= MAX_COLS:
                break
        out.append(values)
    return out
