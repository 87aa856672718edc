"""Fixtures for the imported layouts: real .xlsx and .docx files built from the seed texts.

The seeds (tests/data/seed_001..004.txt, our own copies of shared/seeds/) are text extracted
from the trusts' documents. Two shapes:

* 002 is tab-separated lines, like 000: a metadata block, then the table, its header repeated
  after each blank line (a page break);
* 001, 003 and 004 are Word tables as text: every cell starts a line with a tab, a cell's
  further lines follow without one; 003 has a numbered heading before each table.

:func:`seed_blocks` turns a seed into paragraphs and tables (lists of rows of cell texts);
:func:`build_xlsx` and :func:`build_docx` write them as a workbook or a Word document, the way
people keep these plans. The expected actions are read from the same blocks by
:func:`expected_actions`, with the plain rules a person would use reading the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
SEEDS = {n: DATA / f"seed_00{n}.txt" for n in range(5)}
#: Columns of the Word-style seeds' tables.
WORD_COLUMNS = {1: 10, 3: 7, 4: 8}
COUNTS = {0: 17, 1: 6, 2: 26, 3: 11, 4: 29}
LAYOUT_NAMES = {0: "trust", 1: "edi-plan", 2: "wres-template", 3: "sections", 4: "wres-wdes"}


@dataclass
class Para:
    text: str


@dataclass
class TableBlock:
    rows: list[list[str | None]]
    #: (first row, last row, column) ranges to merge down (the indicator of a group)
    merges: list[tuple[int, int, int]] = field(default_factory=list)


Block = Para | TableBlock
_HEADING = re.compile(r"^\s*\d+\.\s+\S")
_TAGS = re.compile(r"</?i>")


def _clean(text: str) -> str | None:
    text = _TAGS.sub("", text).strip()
    return text or None


def _word_cells(text: str, ncols: int) -> list[Para | list[str]]:
    """Cells (lists of lines) and headings, in order."""
    out: list[Para | list[str]] = []
    cells = 0
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(" \t"):
            line = line[1:]
        if line.startswith("\t"):
            current = [line[1:]]
            out.append(current)
            cells += 1
            continue
        at_boundary = cells % ncols == 0 or (cells == 1 and ncols == 10)
        if _HEADING.match(line) and at_boundary:
            out.append(Para(line.strip()))
            current = None
            continue
        if current is not None:
            current.append(line)
        elif line.strip():
            out.append(Para(line.strip()))
    return out


def seed_blocks(n: int) -> list[Block]:
    """The seed as paragraphs and tables."""
    text = SEEDS[n].read_text(encoding="utf-8")
    if n == 2:
        return _tsv_blocks(text)
    ncols = WORD_COLUMNS[n]
    items = _word_cells(text, ncols)
    blocks: list[Block] = []
    cells: list[str | None] = []
    if n == 1:  # the RAG key: a one-cell table above the plan
        key = items.pop(0)
        assert isinstance(key, list)
        blocks.append(TableBlock([[_clean("\n".join(key))]]))

    def flush() -> None:
        if cells:
            assert len(cells) % ncols == 0, (n, len(cells))
            rows = [cells[i : i + ncols] for i in range(0, len(cells), ncols)]
            blocks.append(TableBlock(rows))
            cells.clear()

    for item in items:
        if isinstance(item, Para):
            flush()
            blocks.append(item)
            continue
        cell = _clean("\n".join(item))
        if n == 1 and len(cells) % ncols == 0 and len(cells) and cell in ("Source", "Objective"):
            flush()  # 001: a second table starts with its own header
        cells.append(cell)
    flush()
    return blocks


def _tsv_blocks(text: str) -> list[Block]:
    """002: the metadata block (a paragraph title, a 3-column table), then the plan table."""
    lines = [line.split("\t") for line in text.splitlines()]
    start = next(i for i, cells in enumerate(lines) if cells[0] == "WRES ACTION INDICATOR")
    blocks: list[Block] = []
    meta: list[list[str | None]] = []
    for cells in lines[:start]:
        values = [_clean(c) for c in cells][:3]
        if not any(values):
            continue
        if values[0] and not any(values[1:]) and not meta:
            blocks.append(Para(values[0]))  # "WRES Race Action Plan"
            continue
        meta.append(values + [None] * (3 - len(values)))
    blocks.append(TableBlock(meta))
    rows: list[list[str | None]] = []
    merges: list[tuple[int, int, int]] = []
    group_start: int | None = None
    for cells in lines[start:]:
        if not any(c.strip() for c in cells):
            continue
        values = [_clean(c) for c in cells][:4]
        values += [None] * (4 - len(values))
        if values[0] == "WRES ACTION INDICATOR" or values[0]:
            if group_start is not None and len(rows) - 1 > group_start:
                merges.append((group_start, len(rows) - 1, 0))
            group_start = None if values[0] == "WRES ACTION INDICATOR" else len(rows)
        rows.append(values)
    if group_start is not None and len(rows) - 1 > group_start:
        merges.append((group_start, len(rows) - 1, 0))
    blocks.append(TableBlock(rows, merges))
    return blocks


# --- writing -------------------------------------------------------------------------------


def build_xlsx(
    path: Path,
    blocks: list[Block],
    *,
    top: int = 0,
    left: int = 0,
    merge: bool = True,
    sheet: str = "Plan",
    column_order: list[int] | None = None,
) -> Path:
    """The blocks on one sheet, one below the other with a blank row between, starting ``top``
    rows down and ``left`` columns across; indicator groups merged when ``merge``."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    write_blocks(ws, blocks, top=top, left=left, merge=merge, column_order=column_order)
    wb.save(path)
    return path


def write_blocks(
    ws: Any,
    blocks: list[Block],
    *,
    top: int = 0,
    left: int = 0,
    merge: bool = True,
    column_order: list[int] | None = None,
) -> None:
    r = top + 1
    for block in blocks:
        if isinstance(block, Para):
            ws.cell(r, left + 1, block.text)
            r += 2
            continue
        first = r
        for values in block.rows:
            order = column_order if column_order and len(values) > 3 else range(len(values))
            for c, i in enumerate(order):
                if i < len(values) and values[i] is not None:
                    ws.cell(r, left + c + 1, values[i])
            r += 1
        if merge:
            for a, b, col in block.merges:
                ws.merge_cells(
                    start_row=first + a,
                    start_column=left + col + 1,
                    end_row=first + b,
                    end_column=left + col + 1,
                )
        r += 1


def build_docx(path: Path, blocks: list[Block], *, merge: bool = True) -> Path:
    """The blocks as a Word document: paragraphs, and tables with vertically merged groups."""
    import docx

    document = docx.Document()
    for block in blocks:
        if isinstance(block, Para):
            document.add_paragraph(block.text)
            continue
        ncols = max(len(r) for r in block.rows)
        table = document.add_table(rows=len(block.rows), cols=ncols)
        for i, values in enumerate(block.rows):
            for j, value in enumerate(values):
                if value is not None:
                    table.cell(i, j).text = value
        if merge:
            for a, b, col in block.merges:
                table.cell(a, col).merge(table.cell(b, col))
                table.cell(a, col).text = block.rows[a][col] or ""
        document.add_paragraph("")
    document.save(str(path))
    return path


# --- what a person reads in each seed ------------------------------------------------------


@dataclass
class Expected:
    action: str | None
    owner: str | None
    due_text: str | None
    theme: str | None
    status_text: str | None = None
    cells: list[str | None] = field(default_factory=list)


def _plan_tables(n: int) -> list[tuple[str | None, list[list[str | None]]]]:
    """(heading above it, rows without the header) for each table of the plan."""
    out = []
    heading = None
    for block in seed_blocks(n):
        if isinstance(block, Para):
            heading = block.text
            continue
        if len(block.rows[0]) < 4:
            continue
        out.append((heading, block.rows[1:]))
    return out


def expected_actions(n: int) -> list[Expected]:
    """The actions of seed ``n`` as a person reads them (layout 000 is conftest's)."""
    out: list[Expected] = []
    for heading, rows in _plan_tables(n):
        theme: str | None = None
        for row in rows:
            if n == 2 and row[0] == "WRES ACTION INDICATOR":
                continue
            if not any(row):
                continue
            if n == 1:
                out.append(Expected(row[2], row[6], row[7], row[0], None, row))
            elif n == 2:
                theme = row[0] or theme
                out.append(Expected(row[1], None, row[2], theme, None, row))
            elif n == 3:
                title = re.sub(r"^\s*\d+\.\s*", "", heading or "")
                out.append(Expected(row[1], row[2], row[3], title, row[6], row))
            elif n == 4:
                if row[0] and row[0].lower() != "as above":
                    theme = row[0]
                out.append(Expected(row[2], row[6], row[7], theme, None, row))
    return out
