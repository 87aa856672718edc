"""Real Excel-made workbooks keep every part edi_xl does not own through its commands.

A trust's master is a workbook Excel made, often years ago, holding much more than the plan:
charts, pivot tables, names, comments, custom XML, other sheets. The tests elsewhere build
their workbooks with XlsxWriter and openpyxl; this one takes the workbooks Excel itself saved
in the hostile-file corpus (shared/corpus beside the repository: Apache POI's and calamine's
test files) and gives each an action plan, to find what the patch writer does not yet keep.

For each ``.xlsx``/``.xlsm`` of the corpus that Excel saved (docProps/app.xml's Application
starts "Microsoft Excel" or "Microsoft Macintosh Excel") and that is at most 400 KB:

1. an "Action Plan" sheet of seed 000's actions is put in as a new worksheet part, touching
   only the workbook part, its relationships and ``[Content_Types].xml`` (every other entry is
   copied byte for byte), so whatever is wrong in the result is edi_xl's doing;
2. ``refresh``, ``merge`` of one filled owner return (a new round: the round's column is
   inserted), ``add-buttons`` and ``import --into`` of a second plan each run on a copy, as a
   user runs them (through click's CliRunner);
3. each output must keep every part of the input (``xl/calcChain.xml`` excepted: edi_xl drops
   it on purpose and sets fullCalcOnLoad), every part edi_xl does not own must be the same
   byte for byte (``add-buttons`` may give a sheet a code name, which its VBA needs), the merge
   and the import must have put their text in, and openxml-audit must find nothing wrong that
   it did not find in the input (:mod:`ooxml_check`).

A refusal with a clear message is an outcome, not a failure: a workbook with its own VBA
project (``add-buttons``), a protected workbook structure, a sheet of its own called "Lists",
Strict Open XML or a pre-release of Excel 2007, or a package that is broken (a bad CRC, an XML
bomb). Any other refusal, a traceback, a hang or a file not kept is a failure; all of them are
collected and reported at once, each naming the corpus file and the command.

openxml-audit takes time quadratic in a sheet's size on some sheets (two minutes on POI's
53105.xlsx, 16,385 cells in one row of a 390 KB part), so it runs only on files whose XML
parts are each at most ``VALIDATE_BELOW`` bytes: 341 of the 358 files, the same ones every
run, POI's bug66675.xlsx (whose ``add-buttons`` once typed an .xlsm as an .xlsx) among them;
the parts of the others are still compared. The files run in two processes, one file at a
time to whichever is free: about two and a half minutes on two free cores, a third of it
openxml-audit's, which checks the schema of a part it has seen before (the same bytes: edi_xl's
own sheets, the workbook's charts) only once (:mod:`ooxml_check`).
The test skips, saying so, when the corpus is absent (and fails in CI, which must have it).

The same check runs on Excel::Writer::XLSX's 825 regression files (:mod:`excel_writer_xlsx`:
Excel-made workbooks, one Excel feature each, from outside the corpus and the project), which
CI fetches before the tests; about four minutes on two cores. And once more on
those of them whose first sheet carries the feature, with the plan put into that sheet
(:func:`with_plan_rows`) instead of a sheet of its own: a trust's plan sheet carries its own
pictures, notes and rules, and a new round's column moves what is right of it. About three
minutes.
"""

from __future__ import annotations

import collections
import concurrent.futures
import multiprocessing
import os
import posixpath
import re
import shutil
import signal
import traceback
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import excel_writer_xlsx
import pytest
from click.testing import CliRunner
from conftest import JIM, seed_rows
from lxml import etree
from ooxml_check import new_ooxml_errors, ooxml_errors
from openpyxl import Workbook
from openpyxl.utils import column_index_from_string

from edi_xl.cli import cli
from edi_xl.master.sheets import CHANGE_LOG, IMPORT_SHEET, LISTS, RETURNS_SHEET, SETTINGS
from edi_xl.master.summary_sheet import SUMMARY

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
AS_AT = "2023-12-18"
EXCEL = ("Microsoft Excel", "Microsoft Macintosh Excel")
LARGEST_FILE = 400_000
#: openpyxl and the patch writer take a few seconds on the largest files; a file one command
#: takes longer than this on has hung.
COMMAND_SECONDS = 120
#: openxml-audit runs on the inputs and outputs of files whose XML parts are all this small.
VALIDATE_BELOW = 300_000
PROCESSES = 2
#: :func:`with_plan_rows` puts the plan into a sheet whose rows end at most here.
LAST_ROW_ABOVE_PLAN = 30

#: The sheets edi_xl puts in whole: their parts are its own.
EDI_XL_SHEETS = {
    s.lower() for s in (SETTINGS, LISTS, CHANGE_LOG, RETURNS_SHEET, IMPORT_SHEET, SUMMARY)
}
#: What a user sees when a command refuses a workbook on purpose: (the commands, the words).
REFUSALS = (
    (("add-buttons",), "the workbook already has macros (a VBA project)"),
    (None, "the workbook's structure is protected"),
    (None, "the sheet called 'lists' does not look like the one edi_xl keeps"),
    (None, "saved as a Strict Open XML Spreadsheet"),
    (None, "saved by a pre-release (beta) of Excel 2007"),
)
#: The refusal of a package that cannot be read, accepted only when it is broken.
UNREADABLE = "cannot open as an Excel workbook"
#: What the merge and the import write into the master, found in its parts after them.
RETURN_UPDATE = "panel review under way"
SECOND_PLAN = "Second plan: "

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


# -- the corpus ------------------------------------------------------------------------------


def excel_made(corpus: Path) -> list[Path]:
    """The ``.xlsx``/``.xlsm`` files of ``corpus`` Excel saved, at most ``LARGEST_FILE`` bytes,
    in a fixed order. The rest of the corpus was made by other programs or fuzzers, whose
    oddities tests/read/test_corpus.py covers."""
    found = []
    for path in sorted(corpus.rglob("*")):
        if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
            continue
        if path.stat().st_size > LARGEST_FILE:
            continue
        try:
            with zipfile.ZipFile(path) as zf:
                app = zf.read("docProps/app.xml").decode("utf-8", "replace")
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError):
            continue
        found_app = re.search(r"<(?:\w+:)?Application>([^<]*)<", app)
        if found_app and found_app.group(1).strip().startswith(EXCEL):
            found.append(path)
    return found


def broken(path: Path) -> str | None:
    """Why the package at ``path`` cannot be read as it is (a bad CRC, a part that declares
    XML entities: a "billion laughs" bomb, a picture its relationships name and it does not
    hold: xlrd's err_cell_empty.xlsx), or None: a refusal to open it is then expected."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = {n.replace("\\", "/").lower() for n in zf.namelist()}
            for info in zf.infolist():
                data = zf.read(info)
                if info.filename.endswith((".xml", ".rels")) and b"<!ENTITY" in data[:4096]:
                    return f"{info.filename} declares XML entities"
                gone = _pictures_not_held(info.filename.replace("\\", "/"), data, names)
                if gone is not None:
                    return f"{info.filename} names {gone}, which the package does not hold"
    except (zipfile.BadZipFile, OSError, ValueError, etree.XMLSyntaxError) as error:
        return f"broken package ({error})"
    return None


def _pictures_not_held(name: str, data: bytes, names: set[str]) -> str | None:
    """The first picture the relationships part ``name`` (``data``) names that the package
    (its entries ``names``, in lower case) does not hold; None for a part of another kind."""
    if not name.endswith(".rels"):
        return None
    folder = posixpath.dirname(posixpath.dirname(name))
    source = posixpath.join(folder, posixpath.basename(name)[: -len(".rels")])
    for rel in etree.fromstring(data):
        if rel.get("Type", "").endswith("/image") and rel.get("TargetMode") != "External":
            target = _resolve(source, rel.get("Target", ""))
            if target.lower() not in names:
                return target
    return None


# -- the plan sheet put in -------------------------------------------------------------------


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def plan_sheet(rows: list[list[str]], main: str) -> bytes:
    """A worksheet part of ``rows`` (the header first) as text cells, in the workbook's own
    namespace ``main`` (Strict's, or a pre-release's, for those: edi_xl must refuse them)."""
    cells = []
    for r, row in enumerate(rows, start=1):
        cells.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            if value:
                cells.append(
                    f'<c r="{_column(c)}{r}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{escape(value)}</t></is></c>"
                )
        cells.append("</row>")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{main}"><dimension ref="A1:J{len(rows)}"/>'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><sheetData>{"".join(cells)}</sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/></worksheet>'
    ).encode()


def with_a_plan_sheet(source: Path, target: Path, rows: list[list[str]]) -> str:
    """``source`` saved as ``target`` with a new sheet "Action Plan" (or "Action Plan 2"...)
    holding ``rows``, last in the tab order: the new sheet's part name. Only the workbook
    part, its relationships and ``[Content_Types].xml`` are written again, so every other part
    is the Excel-made one a user's master would have."""
    with zipfile.ZipFile(source) as zf:
        infos = zf.infolist()
        data = {info.filename: zf.read(info) for info in infos}
    book_part = next(
        r.get("Target", "").lstrip("/")
        for r in etree.fromstring(data["_rels/.rels"])
        if r.get("Type", "").endswith("/officeDocument")
    )
    book = etree.fromstring(data[book_part])
    main = etree.QName(book).namespace or MAIN
    rel_ns = book.nsmap.get("r", REL)
    sheets = book.find(f"{{{main}}}sheets")
    taken = {s.get("name", "").lower() for s in sheets}
    name, n = "Action Plan", 2
    while name.lower() in taken:
        name, n = f"Action Plan {n}", n + 1
    names = {p.lower() for p in data}
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in names:
        n += 1
    part = f"xl/worksheets/sheet{n}.xml"
    rels = etree.fromstring(data[_rels_part(book_part)])
    ids = {r.get("Id") for r in rels}
    n = 1
    while f"rId{n}" in ids:
        n += 1
    rel = etree.SubElement(rels, f"{{{PACKAGE_REL}}}Relationship", Id=f"rId{n}")
    rel.set("Type", rel_ns + "/worksheet")
    rel.set("Target", posixpath.relpath(part, posixpath.dirname(book_part) or "."))
    sheet = etree.SubElement(sheets, f"{{{main}}}sheet", name=name)
    sheet.set("sheetId", str(max(int(s.get("sheetId", "0")) for s in sheets) + 1))
    sheet.set(f"{{{rel_ns}}}id", f"rId{n}")
    types = etree.fromstring(data["[Content_Types].xml"])
    etree.SubElement(types, f"{{{TYPES}}}Override", PartName="/" + part, ContentType=WORKSHEET_TYPE)
    written = {
        book_part: book,
        _rels_part(book_part): rels,
        "[Content_Types].xml": types,
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out, warnings.catch_warnings():
        # a package holding a part twice (POI's duplicate-filename.xlsx) is copied as it is
        warnings.filterwarnings("ignore", "Duplicate name", UserWarning)
        for info in infos:
            if info.filename in written:
                xml = written[info.filename]
                out.writestr(
                    info,
                    etree.tostring(xml, xml_declaration=True, encoding="UTF-8", standalone=True),
                )
            else:
                out.writestr(info, data[info.filename])
        out.writestr(part, plan_sheet(rows, main))
    return part


def first_worksheet(parts: dict[str, bytes]) -> str | None:
    """The part (lower case) of the workbook's first worksheet in tab order, or None."""
    book_part = _workbook_part(parts)
    book = etree.fromstring(parts[book_part])
    rels = {r.get("Id"): r for r in etree.fromstring(parts[_rels_part(book_part)])}
    for sheet in book.iter(f"{{{MAIN}}}sheet"):
        rel = rels.get(sheet.get(f"{{{REL}}}id"))
        if rel is not None and rel.get("Type", "").endswith("/worksheet"):
            return _resolve(book_part, rel.get("Target", ""))
    return None


def with_plan_rows(source: Path, target: Path, rows: list[list[str]]) -> str | None:
    """``source`` saved as ``target`` with ``rows`` (the header first) as text cells in
    columns A on of its first worksheet, from the second row below the last it holds: the
    plan is then on a sheet carrying the workbook's own pictures, notes, tables, rules and
    the rest, and a new round's column moves whatever is right of it. Only that sheet's part
    is written again. The sheet part's name (lower case); None when the sheet's rows go past
    :data:`LAST_ROW_ABOVE_PLAN` (edi_xl looks for the header in the first 40 rows) or it is
    not in the transitional namespace."""
    with zipfile.ZipFile(source) as zf:
        infos = zf.infolist()
        data = {info.filename: zf.read(info) for info in infos}
    lower = {name.lower(): name for name in data}
    part = first_worksheet({n.lower(): d for n, d in data.items()})
    if part is None:
        return None
    root = etree.fromstring(data[lower[part]])
    sheet_data = root.find(f"{{{MAIN}}}sheetData")
    if sheet_data is None:
        return None
    numbers = [int(r.get("r", "0")) for r in sheet_data.iter(f"{{{MAIN}}}row")]
    # (and below any merged range: a header typed into the hidden half of one, as xlsx2csv's
    # input-weird.xlsx would have it, is no header a person could write: helper-151)
    for merge in root.iter(f"{{{MAIN}}}mergeCell"):
        numbers += [int(n) for n in re.findall(r"\d+", merge.get("ref", ""))]
    first = max(numbers, default=0) + 2
    if first - 2 > LAST_ROW_ABOVE_PLAN:
        return None
    for r, values in enumerate(rows, start=first):
        row = etree.SubElement(sheet_data, f"{{{MAIN}}}row", r=str(r))
        for c, value in enumerate(values):
            if value:
                cell = etree.SubElement(row, f"{{{MAIN}}}c", r=f"{_column(c)}{r}", t="inlineStr")
                etree.SubElement(
                    etree.SubElement(cell, f"{{{MAIN}}}is"), f"{{{MAIN}}}t"
                ).text = value
    dimension = root.find(f"{{{MAIN}}}dimension")
    if dimension is not None:  # (as Excel writes it: the used range, the plan's cells in it)
        start, _, end = dimension.get("ref", "A1").partition(":")
        end_column = re.sub(r"\d", "", end or start) or "A"
        width = max(column_index_from_string(end_column), len(rows[0]))
        start = "A" + (re.sub(r"\D", "", start) or "1")
        dimension.set("ref", f"{start}:{_column(width - 1)}{first + len(rows) - 1}")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            if info.filename == lower[part]:
                out.writestr(
                    info,
                    etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True),
                )
            else:
                out.writestr(info, data[info.filename])
    return part


def filled_return(path: Path) -> Path:
    """Jim Machon's return for the round of ``AS_AT``, every one of his actions updated."""
    _, rows = seed_rows()
    return _one_sheet(
        path,
        "Return",
        ["#", "Action", "Action Owner", "Due Date", "Status", "Update as at 18 Dec 23"],
        (
            [row[0], row[2], row[5], row[7], "At Risk", f"{row[0]}: {RETURN_UPDATE}."]
            for row in rows
            if row[5] == JIM
        ),
    )


def second_plan(path: Path) -> Path:
    """Another plan in the trust's layout, its actions numbered from 11 on, to import."""
    header, rows = seed_rows()
    return _one_sheet(
        path,
        "Plan",
        header,
        (
            [f"{int(float(row[0])) + 10}.{i}", row[1], SECOND_PLAN + (row[2] or "action"), *row[3:]]
            for i, row in enumerate(rows[:6], start=1)
        ),
    )


def _one_sheet(path: Path, title: str, header: list[Any], rows: Iterable[list[Any]]) -> Path:
    """A workbook of one sheet, ``title``, holding ``header`` and ``rows``, saved at ``path``."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


# -- one file --------------------------------------------------------------------------------


class _TookTooLong(Exception):
    pass


def _alarm(*_: Any) -> None:
    raise _TookTooLong


@dataclass
class Outcome:
    """What became of one corpus file: per command, "kept" or "refused: ..."; the failures."""

    name: str
    commands: dict[str, str] = field(default_factory=dict)
    validated: bool = False
    failures: list[str] = field(default_factory=list)


def _run(args: list[str]) -> tuple[int | None, str, str | None]:
    """The command's exit code, its output and the traceback it ended with, if any."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(COMMAND_SECONDS)
    try:
        result = CliRunner().invoke(cli, args)
    except _TookTooLong:
        return None, "", f"took longer than {COMMAND_SECONDS} s"
    finally:
        signal.alarm(0)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return (
            result.exit_code,
            result.output,
            "".join(traceback.format_exception(result.exception)),
        )
    return result.exit_code, result.output, None


def _parts(path: Path) -> dict[str, bytes]:
    """The package's parts by name in lower case (part names ignore case)."""
    with zipfile.ZipFile(path) as zf:
        return {n.lower(): zf.read(n) for n in zf.namelist() if not n.endswith("/")}


def _workbook_part(parts: dict[str, bytes]) -> str:
    """The name of the package's workbook part (lower case), from its relationships."""
    rels = etree.fromstring(parts["_rels/.rels"])
    target = next(
        r.get("Target", "") for r in rels if r.get("Type", "").endswith("/officeDocument")
    )
    return _resolve("", target)


def _resolve(source: str, target: str) -> str:
    """The part (lower case) a relationship of the part ``source`` to ``target`` names."""
    if target.startswith("/"):
        return target[1:].lower()
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target)).lower()


def _owned(parts: dict[str, bytes], plan_part: str) -> set[str]:
    """The parts of an output edi_xl writes: the plan sheet, the workbook, the styles, the
    strings, the document properties and edi_xl's own sheets (lower case)."""
    owned = {
        "[content_types].xml",
        "xl/styles.xml",
        "xl/sharedstrings.xml",
        plan_part,
        _rels_part(plan_part),
    }
    owned |= {n for n in parts if n.startswith("docprops/")}
    book_part = _workbook_part(parts)
    owned |= {book_part, _rels_part(book_part)}
    book = etree.fromstring(parts[book_part])
    rels = etree.fromstring(parts[_rels_part(book_part)])
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    # (the styles and strings where the workbook names them: "styles.xml" beside a workbook
    # part at the package's root, as readxl's los-angeles-arrests-xlsx.xlsx has it)
    owned |= {
        _resolve(book_part, r.get("Target", ""))
        for r in rels
        if r.get("Type", "").endswith(("/styles", "/sharedStrings"))
    }
    for sheet in book.iter(f"{{{MAIN}}}sheet"):
        if sheet.get("name", "").lower() in EDI_XL_SHEETS:
            part = _resolve(book_part, targets.get(sheet.get(f"{{{REL}}}id"), ""))
            owned |= {part, _rels_part(part)}
    return owned


def _related(parts: dict[str, bytes], part: str) -> set[str]:
    """The parts ``part`` has relationships to, and theirs in turn (a drawing's charts and
    pictures), with their relationship parts (lower case)."""
    found: set[str] = set()
    todo = [part]
    while todo:
        source = todo.pop()
        rels = _rels_part(source)
        if rels not in parts:
            continue
        found.add(rels)
        for r in etree.fromstring(parts[rels]):
            target = _resolve(source, r.get("Target", ""))
            if r.get("TargetMode") != "External" and target in parts and target not in found:
                found.add(target)
                todo.append(target)
    return found


#: What a sheet carries that names its cells, counted in the sheet part (by local name).
_SHEET_FEATURES = (
    "hyperlink", "mergeCell", "cfRule", "dataValidation", "tablePart", "drawing",
    "legacyDrawing", "control", "oleObject", "protectedRange", "ignoredError", "brk",
    "sparkline",
)  # fmt: skip
#: ... and in the parts it relates to: drawings' anchors, notes, threaded comments, the
#: legacy drawings' shapes, tables' columns.
_RELATED_FEATURES = re.compile(
    rb"<(?:\w+:)?(twoCellAnchor|oneCellAnchor|absoluteAnchor|comment|threadedComment|"
    rb"tableColumn)\b|<v:(shape)\b"
)


def features(parts: dict[str, bytes], part: str) -> collections.Counter[str]:
    """How many of each thing of :data:`_SHEET_FEATURES` and :data:`_RELATED_FEATURES` the
    sheet ``part`` carries (the Excel 2010 extensions' rules and dropdowns among them)."""
    found: collections.Counter[str] = collections.Counter()
    for el in etree.fromstring(parts[part]).iter():
        if isinstance(el.tag, str) and etree.QName(el).localname in _SHEET_FEATURES:
            found[etree.QName(el).localname] += 1
    for name in _related(parts, part):
        if name.endswith((".xml", ".vml")):
            for m in _RELATED_FEATURES.finditer(parts[name]):
                found[(m.group(1) or m.group(2)).decode()] += 1
    return found


def _without_source_range(data: bytes) -> bytes | None:
    """A pivot cache definition without the range of its source sheet (which a new round's
    column on that sheet widens, as Excel's Insert Column does: liborcus's many-fields.xlsx
    with the plan in its pivot's source sheet); None for any other part."""
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError:
        return None
    if root.tag != f"{{{MAIN}}}pivotCacheDefinition":
        return None
    for source in root.iter(f"{{{MAIN}}}worksheetSource"):
        source.attrib.pop("ref", None)
    return etree.tostring(root, method="c14n")


def _without_code_name(data: bytes) -> bytes:
    """A worksheet part without its code name (what ``add-buttons`` gives a sheet for VBA)."""
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError:
        return data
    for pr in root.iter(f"{{{MAIN}}}sheetPr"):
        pr.attrib.pop("codeName", None)
        if not len(pr) and not pr.attrib:
            pr.getparent().remove(pr)
    return etree.tostring(root, method="c14n")


def _refusal(command: str, output: str, package_broken: str | None) -> str | None:
    """The refusal's reason, when ``output`` is one of the refusals expected of ``command``."""
    lines = [line for line in output.splitlines() if line.startswith("Error: ")]
    if len(lines) != 1:
        return None
    for commands, words in REFUSALS:
        if (commands is None or command in commands) and words in lines[0]:
            return words
    if package_broken and UNREADABLE in lines[0]:
        return f"{UNREADABLE} ({package_broken})"
    return None


def _kept(
    command: str, before: dict[str, bytes], out: Path, plan_part: str, in_sheet: bool = False
) -> list[str]:
    """What ``command`` lost, or changed without owning it, of the input's parts ``before``.
    ``in_sheet``: the plan was put into a sheet of the workbook's own (:func:`with_plan_rows`),
    whose drawings, notes and tables a new round's column may move: they may change, but the
    sheet must carry as many of each thing (:func:`features`) as before."""
    after = _parts(out)
    problems = [
        f"lost {name}" for name in sorted(set(before) - set(after)) if name != "xl/calcchain.xml"
    ]
    owned = _owned(after, plan_part)
    if in_sheet:
        owned |= _related(before, plan_part) | _related(after, plan_part)
        was, now = features(before, plan_part), features(after, plan_part)
        fewer = {name: f"{was[name]} -> {now[name]}" for name in was if now[name] < was[name]}
        if fewer:
            problems.append(f"fewer on the plan sheet: {fewer}")
    for name in sorted(set(before) & set(after) - owned):
        if before[name] == after[name]:
            continue
        if command == "add-buttons" and _without_code_name(before[name]) == _without_code_name(
            after[name]
        ):
            continue
        was = _without_source_range(before[name]) if in_sheet else None
        if was is not None and was == _without_source_range(after[name]):
            continue  # (a pivot fed from the plan's sheet: its range follows a new column)
        problems.append(f"changed {name}")
    text = {"merge": RETURN_UPDATE, "import --into": SECOND_PLAN}.get(command)
    if text and not any(text.encode() in data for data in after.values()):
        problems.append(f"wrote no {text!r} into the master")
    return problems


def check_file(
    source: Path, root: Path, folder: Path, owner_return: Path, plan: Path, in_sheet: bool = False
) -> Outcome:
    """Put a plan sheet into ``source`` (a file under ``root``, which names it), run the four
    commands on copies in ``folder`` and check each output. ``in_sheet``: the plan goes into
    the first sheet, below what it holds (:func:`with_plan_rows`), not a sheet of its own; a
    file whose first sheet cannot take it is left out (no commands run)."""
    outcome = Outcome(source.relative_to(root).as_posix())
    ext = source.suffix.lower()
    injected = folder / f"injected{ext}"
    header, rows = seed_rows()
    plan_part: str | None
    reason: str | None
    try:
        if in_sheet:
            plan_part = with_plan_rows(source, injected, [header, *rows])
            if plan_part is None:
                return outcome
        else:
            plan_part = with_a_plan_sheet(source, injected, [header, *rows]).lower()
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError) as error:
        # what the injector cannot read, edi_xl gets as it is, and must refuse
        reason = broken(source) or f"not a package the test can add a sheet to ({error!r})"
        injected, plan_part = source, ""
    else:
        reason = broken(injected)
    before = _parts(injected) if plan_part else {}
    validate = bool(plan_part) and all(
        len(data) <= VALIDATE_BELOW
        for name, data in before.items()
        if name.endswith((".xml", ".rels"))
    )
    known = ooxml_errors(injected) if validate else []
    outcome.validated = validate

    outputs = {
        "refresh": folder / f"refresh{ext}",
        "merge": folder / f"merge{ext}",
        "add-buttons": folder / "buttons.xlsm",
        "import --into": folder / f"into{ext}",
    }
    shutil.copy(injected, outputs["import --into"])
    merge_copy = shutil.copy(injected, folder / f"to_merge{ext}")
    arguments = {
        "refresh": ["refresh", str(injected), "-o", str(outputs["refresh"])],
        "merge": ["merge", str(merge_copy), str(owner_return), "-o", str(outputs["merge"])],
        "add-buttons": ["add-buttons", str(injected), "-o", str(outputs["add-buttons"])],
        "import --into": ["import", str(plan), "--into", str(outputs["import --into"])],
    }
    for command, args in arguments.items():
        code, output, crash = _run([*args, "--as-at", AS_AT])
        where = f"{outcome.name}: {command}"
        if crash:
            outcome.failures.append(f"{where}: crashed: {crash.strip().splitlines()[-1]}")
            continue
        if code not in (0, 1):
            refused = _refusal(command, output, reason)
            outcome.commands[command] = f"refused: {refused}"
            if refused is None:
                outcome.failures.append(f"{where}: exit {code}: {output.strip()[-500:]}")
            continue
        if not plan_part:
            outcome.failures.append(f"{where}: read a package that is not one ({reason})")
            continue
        outcome.commands[command] = "kept"
        problems = _kept(command, before, outputs[command], plan_part, in_sheet)
        if validate:
            problems += [
                f"new openxml-audit error: {line}"
                for line in new_ooxml_errors(known, outputs[command])
            ]
        if problems:
            outcome.commands[command] = "not kept"
            outcome.failures += [f"{where}: {problem}" for problem in problems]
    return outcome


# -- the test --------------------------------------------------------------------------------


def check_all(files: list[Path], root: Path, tmp_path: Path, in_sheet: bool = False) -> None:
    """:func:`check_file` on each of ``files`` (under ``root``), in :data:`PROCESSES`
    processes; every failure reported at once."""
    owner_return = filled_return(tmp_path / "return_jim.xlsx")
    plan = second_plan(tmp_path / "second_plan.xlsx")
    folders = [tmp_path / f"{i:03d}" for i in range(len(files))]
    for folder in folders:
        folder.mkdir()
    # one file at a time to whichever process is free, so that the slow files spread out
    spawn = multiprocessing.get_context("spawn")
    n = len(files)
    with concurrent.futures.ProcessPoolExecutor(PROCESSES, mp_context=spawn) as pool:
        outcomes = list(
            pool.map(
                check_file,
                files,
                [root] * n,
                folders,
                [owner_return] * n,
                [plan] * n,
                [in_sheet] * n,
            )
        )

    tally = collections.Counter(
        f"{command}: {result}" for o in outcomes for command, result in o.commands.items()
    )
    print(f"\n{len(outcomes)} files, {sum(o.validated for o in outcomes)} checked by openxml-audit")
    if in_sheet:
        print(
            f"{sum(not o.commands for o in outcomes)} left out: the plan would start below row 40"
        )
    for outcome, count in sorted(tally.items()):
        print(f"{count:4d} {outcome}")
    failures = [failure for o in outcomes for failure in o.failures]
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


@pytest.mark.slow
def test_excel_made_workbooks_keep_what_edi_xl_does_not_own(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"hostile-file corpus not found at {CORPUS}: CI must have it")
        pytest.skip(f"hostile-file corpus not found at {CORPUS} (shared/ is not beside the repo)")
    files = excel_made(CORPUS)
    assert len(files) > 250, f"only {len(files)} Excel-made workbooks in the corpus"
    check_all(files, CORPUS, tmp_path)


@pytest.mark.slow
def test_excel_writer_xlsx_regression_files_keep_what_edi_xl_does_not_own(
    tmp_path: Path,
) -> None:
    """The same on Excel::Writer::XLSX's 825 regression files (:mod:`excel_writer_xlsx`):
    Excel-made, one feature each, none of them in the corpus. About four minutes on two cores."""
    root = excel_writer_xlsx.required_files()
    files = excel_made(root)
    assert len(files) == excel_writer_xlsx.COUNT, f"{len(files)} of them made by Excel"
    check_all(files, root, tmp_path)


def _first_sheet_carries_features(path: Path) -> bool:
    """Whether the first worksheet of ``path`` carries more than cells (:func:`features`, or
    an Excel 2010 extension)."""
    parts = _parts(path)
    part = first_worksheet(parts)
    return part is not None and bool(features(parts, part) or b"<extLst" in parts[part])


@pytest.mark.slow
def test_excel_writer_xlsx_features_on_the_plan_sheet_itself_are_kept(tmp_path: Path) -> None:
    """The same check with the plan put into the sheet that carries the feature: the first
    sheet of each of Excel::Writer::XLSX's files whose first sheet carries more than cells
    (pictures, charts, notes, tables, rules, dropdowns, links, sparklines...), below what it
    holds (:func:`with_plan_rows`). A trust's plan sheet carries such things, and the merge's
    new round column moves those right of it. Besides every part kept, the plan sheet must
    carry as many of each as before (:func:`features`). About three minutes on two cores."""
    root = excel_writer_xlsx.required_files()
    files = [path for path in excel_made(root) if _first_sheet_carries_features(path)]
    assert len(files) > 600, f"only {len(files)} files carry features on their first sheet"
    check_all(files, root, tmp_path, in_sheet=True)


#: Excel::Writer::XLSX's files with form buttons and legacy drawings of their own, the ones
#: edi_xl's buttons go beside; and every fiftieth of the others.
OWN_BUTTONS = ("button", "vml")


@pytest.mark.slow
def test_libreoffice_binds_the_buttons_added_to_excel_writer_xlsx_files(tmp_path: Path) -> None:
    """``add-buttons`` on Excel-made workbooks (:mod:`excel_writer_xlsx`): LibreOffice, a real
    spreadsheet program, opens each result with edi_xl's buttons, after the workbook's own,
    each bound to its macro in the VBA project. Run over all 821 once (session 24): every one
    bound; here those with buttons or legacy drawings of their own and every fiftieth other
    (about a minute)."""
    from libreoffice import convert, require_soffice

    from edi_xl.master import vba

    root = excel_writer_xlsx.required_files()
    require_soffice()
    files = [
        path
        for i, path in enumerate(excel_made(root))
        if path.suffix == ".xlsx" and (path.name.startswith(OWN_BUTTONS) or i % 50 == 0)
    ]
    assert len(files) > 25
    header, rows = seed_rows()
    captions = [b.caption for b in vba.BUTTONS]
    macros = [b.macro for b in vba.BUTTONS]
    failures = []
    for path in files:
        plan = tmp_path / path.name
        with_a_plan_sheet(path, plan, [header, *rows])
        out = plan.with_suffix(".xlsm")
        code, output, crash = _run(["add-buttons", str(plan), "-o", str(out), "--as-at", AS_AT])
        if crash or code not in (0, 1):
            failures.append(f"{path.name}: add-buttons: {crash or output}")
            continue
        fods = convert(out, "fods", tmp_path / "lo").read_text("utf-8")
        labels = re.findall(r'<form:button [^>]*form:label="([^"]*)"', fods)
        bound = re.findall(
            r'xlink:href="vnd\.sun\.star\.script:VBAProject\.EdiXlButtons\.(\w+)\?', fods
        )
        own = len(labels) - len(captions)
        if labels[own:] != captions or bound != macros:
            failures.append(f"{path.name}: buttons {labels}, bound to {bound}")
        elif path.name.startswith("button") and own < 1:
            failures.append(f"{path.name}: its own button was not kept: {labels}")
    assert not failures, "\n".join(failures)
