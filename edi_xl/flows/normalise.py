"""Normalise owner returns: every return, whatever its shape, rewritten as a clean return.

Owners send back their own layouts, CSVs, old .xls files, "G" and "done". ``edi-xl normalise``
reads them exactly as ``edi-xl merge`` does (:func:`edi_xl.flows.intake.read_returns`: same file
rules, same table finding, same header matching) and writes, for each file that holds actions,
one clean return in the canonical layout, without touching any master:

``# | Milestone | Action (think SMART) | Report / Action | Protected Characteristic |
Action Owner | Start Date | Due Date | Status | Update as at <date> | Status as written |
Source sheet | Source row``, then any other columns the return's table had, as they were.

- Status is the RAG word (``G`` -> ``On Track``, ``done`` -> ``Complete``; the default words,
  or the master's when one is given); a word that is no status stays as written and is
  flagged ``invalid_status``. "Status as written" keeps what the owner typed.
- The update column keeps the return's own "Update as at <date>" header, else gets the
  as-at date's.
- Every value is written as data: text from a return never becomes a formula (in CSV output
  it gets a leading apostrophe, see :mod:`edi_xl.master.csv_output`).
- A return made by ``edi-xl returns`` keeps its hidden record (master, owner, round, row
  fingerprints), and every clean return keeps the time the owner saved the original, so a
  merge of the clean returns works exactly like a merge of the originals.
- A return with a sensitivity label gives its clean copy (``.xlsx``) the same label
  (:mod:`edi_xl.master.labels`); a CSV has nowhere to hold one.

Outputs mirror the input folders (``Comms/louanna.csv`` -> ``OUT/Comms/louanna.xlsx``); names
that would clash get `` (2)``. The report has the shape of merge's (``changes`` is empty) with
outcome ``normalised``, ``skipped`` or ``rejected`` per file.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from edi_xl.core.filenames import unique_names
from edi_xl.core.problems import INVALID_STATUS_KEPT, Code, Outcome
from edi_xl.core.rounds import update_column_date, update_header, update_header_date
from edi_xl.core.status import DEFAULT_STATUS_WORDS, RAG
from edi_xl.flows.intake import (
    LAST_UPDATE,
    LAST_UPDATE_HEADER,
    PROVENANCE_HEADERS,
    READ,
    REJECTED,
    ReturnFile,
    ReturnRow,
    carried_on_flags,
    for_the_round,
    not_merged_flags,
    read_returns,
    returned_status,
    row_words,
    typed_formula_flags,
)
from edi_xl.flows.merge import FileOutcome, Flag, MergeReport, file_flags
from edi_xl.flows.owner_returns import META_SHEET, write_metadata
from edi_xl.master.cells import set_value
from edi_xl.master.csv_output import write_csv
from edi_xl.master.labels import with_label
from edi_xl.master.save import escaped_package, text_needs_escapes, write_atomic
from edi_xl.master.styles import WRAP_TOP, style_header
from edi_xl.read.isolation import FileReader

NORMALISED = Outcome.NORMALISED
SHEET = "Return"
FORMATS = ("xlsx", "csv")

#: (header, field read from the return, width). The update column's header is per file.
COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("#", "id", 8),
    ("Milestone", "theme", 18),
    ("Action (think SMART)", "action", 50),
    ("Report / Action", "references", 16),
    ("Protected Characteristic", "characteristics", 16),
    ("Action Owner", "owner", 24),
    ("Start Date", "start", 12),
    ("Due Date", "due", 12),
    ("Status", "status", 18),
    ("", "update", 50),
    ("Status as written", "status_as_written", 18),
    ("Source sheet", "source_sheet", 18),
    ("Source row", "source_row", 10),
)


@dataclass
class NormalisedFile:
    """One clean return written: where from and where to."""

    source: str  # the input's name, as in the report
    path: Path
    rows: int


@dataclass
class NormaliseResult(MergeReport):
    written: list[NormalisedFile] = field(default_factory=list)
    as_at_source: str = "given"  # edi_xl.flows.rounds: given | returns | today


def canonical_rows(
    file: ReturnFile, words: dict[RAG, str], as_at: date
) -> tuple[list[str], list[list[Any]], list[Flag]]:
    """The header and rows of ``file``'s clean return, and the flags for its rows."""
    extras = list(dict.fromkeys(h for row in file.rows for h in row.others))
    # the Last update an edi_xl return showed, as it came back: merge compares it with the
    # master, so the clean copy keeps it (first of the other columns)
    last = [LAST_UPDATE_HEADER] if any(LAST_UPDATE in row.locked for row in file.rows) else []
    header = [h for h, _, _ in COLUMNS] + last + extras
    update_col = [f for _, f, _ in COLUMNS].index("update")
    own = file.update_header
    header[update_col] = own if own and _is_dated(own, file, as_at) else update_header(as_at)
    rows: list[list[Any]] = []
    flags: list[Flag] = []
    for row in file.rows:
        word, invalid = returned_status(
            row, words, template=INVALID_STATUS_KEPT, action_id=row.id or None
        )
        # a word that is no status, or a colour with more words, stays as written
        remark = invalid is not None and invalid.kind is Code.STATUS_REMARK
        status = row.status if remark else word or row.status
        if invalid:
            flags.append(invalid)
        flags += typed_formula_flags(row, action_id=row.id or None)
        flags += carried_on_flags(row, action_id=row.id or None)
        flags += not_merged_flags(row, file.update_header, action_id=row.id or None)
        if not row.id and not row.locked.get("action"):
            flags.append(
                Flag(Code.NO_ID, file.name, sheet=row.sheet, row=row.row, value=row_words(row))
            )
        rows.append(
            [_value(row, fld, status) for _, fld, _ in COLUMNS]
            + [row.locked.get(LAST_UPDATE) for _ in last]
            + [row.others.get(h) for h in extras]
        )
    return header, rows, flags


def _is_dated(header: str, file: ReturnFile, as_at: date) -> bool:
    """Whether the owner's update column is headed with its date ("Update as at Sep 23", or
    "Update Sep 23" in a form of their own, with no record of its sending): the clean copy
    keeps the header, so that a merge of it reads the column as of its round, as a merge of
    the file itself does. (An edi_xl return's update column the owner renamed "Update Dec 23"
    is the round's, found by its place: its clean copy is headed as the round's, helper-143.)"""
    if file.metadata is not None:
        return update_header_date(header)[1] is not None
    return update_column_date(header, as_at) is not None


def _value(row: ReturnRow, fld: str, status: str | None) -> Any:
    match fld:
        case "id":
            return row.id or None
        case "status":
            return status
        case "update":
            return row.update
        case "status_as_written":
            return row.status
        case "source_sheet":
            return row.sheet
        case "source_row":
            return row.row
        case _:
            return row.locked.get(fld)


def _output_names(files: list[ReturnFile], out: Path, suffix: str) -> dict[str, Path]:
    """Where each normalised file goes: the input's folder under ``out``, a safe name."""
    by_folder: dict[Path, list[ReturnFile]] = defaultdict(list)
    for f in files:
        by_folder[Path(f.name).parent].append(f)
    targets: dict[str, Path] = {}
    for folder, group in by_folder.items():
        # (a spreadsheet attached to an email is named as the attachment is)
        names = unique_names([Path(f.file_name).stem for f in group], suffix)
        for f, name in zip(group, names, strict=True):
            targets[f.name] = out / folder / name
    return targets


def _workbook(file: ReturnFile, header: list[str], rows: list[list[Any]]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    widths = [width for _, _, width in COLUMNS] + [18.0] * (len(header) - len(COLUMNS))
    for col, (text, width) in enumerate(zip(header, widths, strict=True), start=1):
        cell = ws.cell(1, col)
        set_value(cell, text)
        style_header(cell)
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(r, col)
            set_value(cell, value, number_format="@" if col == 1 else None)
            cell.alignment = WRAP_TOP
    ws.freeze_panes = "B2"
    if file.metadata is not None:
        write_metadata(wb.create_sheet(META_SHEET), file.metadata)
    if file.stamp is not None:  # when the owner saved it: merge's "newest wins" needs it
        wb.properties.modified = file.stamp.astimezone(UTC).replace(tzinfo=None)
    return wb


def _writer(wb: Workbook) -> Callable[[BinaryIO], None]:
    """Save ``wb`` keeping its "modified" time (``Workbook.save`` sets it to now), its text
    escaped as Excel writes it where any needs it (:func:`~edi_xl.master.save.
    escaped_package`)."""

    def write(handle: BinaryIO) -> None:
        if not text_needs_escapes(wb):
            with ZipFile(handle, "w", ZIP_DEFLATED, allowZip64=True) as archive:
                ExcelWriter(wb, archive).write_data()
            return
        written = BytesIO()
        with ZipFile(written, "w", ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(wb, archive).write_data()
        handle.write(escaped_package(written.getvalue()))

    return write


def normalise_returns(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    as_at: date | None,
    words: dict[RAG, str] | None = None,
    fmt: str = "xlsx",
    reader: FileReader | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    fallback: date | None = None,
) -> NormaliseResult:
    """Write a clean return into ``out_dir`` for every return under ``inputs``.

    ``as_at`` names the update column of returns whose own update column has no date; with
    none, the round the returns were made for (their hidden record, when they agree), else
    ``fallback``.
    Files already under ``out_dir`` are not read (so a second run does not read its output).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    out = Path(out_dir)
    words = words or dict(DEFAULT_STATUS_WORDS)
    files = read_returns(inputs, reader=reader, progress=progress, exclude=out)
    source = "given"
    if as_at is None:
        from edi_xl.flows.merge import returns_round
        from edi_xl.flows.rounds import TODAY, RoundMismatchError

        try:
            as_at, source = returns_round(files, None, fallback, "returns")
        except RoundMismatchError:  # returns of several rounds: each keeps its own column
            if fallback is None:
                raise
            as_at, source = fallback, TODAY
    files = [for_the_round(f, as_at) for f in files]
    targets = _output_names([f for f in files if f.outcome == READ], out, f".{fmt}")
    outcomes: list[FileOutcome] = []
    flags: list[Flag] = []
    written: list[NormalisedFile] = []
    for file in files:
        if file.outcome != READ:
            outcomes.append(FileOutcome(file.name, file.outcome, file.problem, None, 0))
            continue
        header, rows, row_flags = canonical_rows(file, words, as_at)
        flags += file_flags(file, as_at, unread=False) + row_flags  # other columns are kept
        target = targets[file.name]
        target.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            write_csv(target, [header, *rows])
            if file.stamp is not None:  # a CSV's save time is its modified time
                os.utime(target, (file.stamp.timestamp(), file.stamp.timestamp()))
        else:
            # a labelled return's clean copy carries its label (a CSV cannot carry one)
            write = with_label(_writer(_workbook(file, header, rows)), file.label_of())
            write_atomic(target, write, backup=False)
        written.append(NormalisedFile(file.name, target, len(rows)))
        owner = file.owner or _single_owner(file.rows)
        outcomes.append(FileOutcome(file.name, NORMALISED, None, owner, len(rows)))
    return NormaliseResult(as_at, outcomes, [], flags, written=written, as_at_source=source)


def _single_owner(rows: list[ReturnRow]) -> str | None:
    owners = {" ".join(str(r.locked["owner"]).split()) for r in rows if r.locked.get("owner")}
    return owners.pop() if len(owners) == 1 else None


__all__ = [
    "COLUMNS",
    "NORMALISED",
    "PROVENANCE_HEADERS",
    "REJECTED",
    "NormaliseResult",
    "NormalisedFile",
    "canonical_rows",
    "normalise_returns",
]
