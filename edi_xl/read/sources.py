"""Read an owner return, whatever it is, into plain grids.

Owner returns are untrusted: any format, whatever the extension says, some broken, some
password protected, some not spreadsheets at all. :func:`read_grids` decides what a file is by
its *content* (:func:`sniff_format`), reads it with the right reader and hands back one
:class:`~edi_xl.read.grid.SheetGrid` per sheet. Anything that goes wrong ends as one of the
:mod:`edi_xl.core.errors` exceptions, with a short reason written for the person who has to reply
to the sender ("password protected (encrypted); ask the sender for an unprotected copy").

Readers:

* xlsx / xlsm: openpyxl (not read-only: merged cells and hidden rows are needed), through
  :func:`~edi_xl.read.grid.grid_from_worksheet`. openpyxl parses XML with defusedxml when it is
  installed (``openpyxl.DEFUSEDXML``), so entity-expansion bombs are refused. When openpyxl
  fails on a file calamine can read (Strict OOXML loads with zero sheets; a missing
  sharedStrings part; odd styles) python-calamine is used instead.
* xls / xlsb / ods: python-calamine. Its Rust code can *panic* on broken files; the panic
  reaches Python as ``pyo3_runtime.PanicException``, which derives from ``BaseException``,
  so it is caught explicitly. Merged cells are filled where calamine reports them (xls,
  and the xlsx fallback); hidden sheets are flagged; calamine does not report hidden rows,
  so ``hidden_rows`` is empty for these formats. Numbers that are whole (every .xls number
  is a double) become ``int``, as openpyxl gives them. calamine reads a cell showing an
  error (words taken for a formula, "#N/A") as empty: the cells of an .xls showing one are
  found with xlrd, those of an .ods in its ``content.xml`` (``SheetGrid.errors``), so that
  they are said, not passed over. An .xls encrypted with Excel's
  built-in default password ("VelvetSweatshop", used when a workbook is protected without
  an open password) is decrypted in memory and read; any other encryption is refused.
* csv: the standard library; cell values stay strings. Text with no column separator
  (",", ";", tab, "|") at all is a plain text file, not a csv.

Reading a hostile file can still take too long or too much memory (a 42 kB .xls made calamine
use 1.5 GB); :mod:`edi_xl.read.isolation` runs this module in worker processes with limits.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast
from xml.etree.ElementTree import ParseError

from edi_xl.core.errors import EncryptedFileError, NotASpreadsheetError, UnreadableFileError
from edi_xl.read import zipped
from edi_xl.read.grid import MAX_COLS, MAX_ROWS, SheetGrid, grid_from_worksheet
from edi_xl.read.sniff import BIFF_BOF, Sniffed, decode_all, sniff, sniff_format

__all__ = ["WorkbookGrids", "read_grids", "sniff_format", "SPREADSHEET_FORMATS"]

#: The formats :func:`read_grids` can read.
SPREADSHEET_FORMATS = frozenset({"xlsx", "xlsm", "xls", "xlsb", "ods", "csv"})

ENCRYPTED_REASON = "password protected (encrypted); ask the sender for an unprotected copy"

_CSV_SAMPLE_CHARS = 32 * 1024
#: Reasons for files that are something other than a spreadsheet.
_NOT_A_SPREADSHEET = {
    "docx": "a Word document (.docx), not a spreadsheet",
    "doc": "a Word document (.doc), not a spreadsheet",
    "pptx": "a PowerPoint presentation (.pptx), not a spreadsheet",
    "ppt": "a PowerPoint presentation (.ppt), not a spreadsheet",
    "odt": "an OpenDocument text document (.odt), not a spreadsheet",
    "odp": "an OpenDocument presentation (.odp), not a spreadsheet",
    "msg": "an Outlook email message (.msg), not a spreadsheet; save the attachment itself",
    "pdf": "a PDF, not a spreadsheet",
    "image": "an image, not a spreadsheet",
    "rtf": "a Rich Text document (.rtf), not a spreadsheet",
    "html": ("a web page (HTML), not a real spreadsheet; open it in Excel and save it as .xlsx"),
    "xml": "an XML file, not a spreadsheet",
    "text": "a plain text file with no columns, not a spreadsheet",
    "xml-spreadsheet": (
        "an Excel 2003 XML spreadsheet, which cannot be read; open it in Excel and save it as .xlsx"
    ),
    "zip": (
        "a zip archive, not a spreadsheet; if the return is inside it, send the spreadsheet itself"
    ),
    "unknown": (
        "not a spreadsheet: the content is not a format that can be read "
        "(xlsx, xlsm, xls, xlsb, ods or csv)"
    ),
}


@dataclass(frozen=True)
class WorkbookGrids:
    """Every sheet of one file, as grids. Picklable: it crosses process boundaries."""

    path: Path
    format: str  # "xlsx", "xlsm", "xls", "xlsb", "ods", "csv"
    sheets: list[SheetGrid]
    encoding: str | None = None  # for csv: the encoding used
    #: when the workbook says it was last saved (its docProps/core.xml), where it was read
    #: with the sheets (None: not read; see :func:`core_modified`)
    saved: _dt.datetime | None = None

    def sheet(self, name: str) -> SheetGrid:
        """The sheet called ``name`` (KeyError when there is none)."""
        for grid in self.sheets:
            if grid.name == name:
                return grid
        raise KeyError(name)

    @property
    def sheet_names(self) -> list[str]:
        return [grid.name for grid in self.sheets]


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_grids(path: str | Path) -> WorkbookGrids:
    """Read every sheet of a spreadsheet file into grids.

    The reader is chosen by :func:`sniff_format`, not by the extension. Raises
    :class:`~edi_xl.core.errors.EncryptedFileError` for password-protected files,
    :class:`~edi_xl.core.errors.NotASpreadsheetError` for other kinds of file and
    :class:`~edi_xl.core.errors.UnreadableFileError` for anything else that stops the reading;
    ``MemoryError``, ``KeyboardInterrupt`` and ``SystemExit`` pass through.
    """
    path = Path(path)
    try:
        return _read(path)
    except (UnreadableFileError, KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except FileNotFoundError:
        raise UnreadableFileError(path, "file not found") from None
    except IsADirectoryError:
        raise UnreadableFileError(path, "a folder, not a file") from None
    except PermissionError:
        raise UnreadableFileError(path, "cannot be opened: permission denied") from None
    except OSError as exc:
        raise UnreadableFileError(
            path, f"cannot be opened: {_short(exc.strerror or exc)}"
        ) from None
    except BaseException as exc:  # noqa: BLE001 - last safety net, panics included
        raise UnreadableFileError(path, f"could not be read: {_describe(exc, path)}") from None


def _read(path: Path) -> WorkbookGrids:
    # (a zip the fast path would read into memory is read once, and opened once)
    sniffed = sniff(path, keep=_FAST_IN_MEMORY)
    fmt = sniffed.format
    if fmt == "empty":
        raise UnreadableFileError(path, "empty file (0 bytes)")
    if fmt == "encrypted":
        return _read_encrypted(path)
    if fmt in ("xlsx", "xlsm"):
        return _read_ooxml(path, fmt, sniffed)
    if fmt in ("xls", "xlsb", "ods"):
        return _read_with_calamine(path, fmt)
    if fmt == "csv":
        return _read_csv(path)
    raise NotASpreadsheetError(path, _NOT_A_SPREADSHEET.get(fmt, _NOT_A_SPREADSHEET["unknown"]))


_T = TypeVar("_T")


def _short(message: object, limit: int = 120) -> str:
    """The first line of an error message, shortened: no tracebacks in reasons."""
    text = str(message).strip()
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = " ".join(line.split())
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line or "unknown error"


def _guarded(call: Callable[[], _T]) -> tuple[_T | None, BaseException | None]:
    """Run ``call``; any failure, Rust panics included, comes back as the exception.

    KeyboardInterrupt, SystemExit, GeneratorExit and MemoryError are re-raised: they are
    not about the file (or, for MemoryError, the caller decides what running out means).
    """
    try:
        return call(), None
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException as exc:  # noqa: BLE001 - pyo3's PanicException is a BaseException
        return None, exc


def _describe(exc: BaseException, path: Path) -> str:
    """A reader's error message, short, without file paths (the reason says which file)."""
    name = type(exc).__name__
    text = str(exc)
    for where in {str(path), str(path.resolve()) if path.exists() else str(path)}:
        text = text.replace(where, path.name)
    message = _short(text)
    if name == "PanicException":
        return f"the file is damaged (the reader stopped: {message})"
    return message if message != "unknown error" else name


# ---- xlsx / xlsm -------------------------------------------------------------------------


def _read_ooxml(path: Path, fmt: str, sniffed: Sniffed | None = None) -> WorkbookGrids:
    fast, _error = _guarded(lambda: _fast_ooxml_sheets(path, sniffed))
    if fast:
        grids, saved = fast
        return WorkbookGrids(path=path, format=fmt, sheets=grids, saved=saved)
    sheets, error = _guarded(lambda: _openpyxl_sheets(path))
    if error is None and sheets:
        return WorkbookGrids(path=path, format=fmt, sheets=sheets)
    if error is not None and _is_xml_bomb(error):
        raise UnreadableFileError(
            path, f"refused: the {fmt} holds unsafe XML (an 'XML bomb'); it may be malicious"
        )
    if error is not None and _is_password_error(error):  # pragma: no cover - sniffed before
        raise EncryptedFileError(path, ENCRYPTED_REASON)
    # openpyxl failed or found no worksheet (Strict OOXML): try calamine before giving up.
    fallback, fallback_error = _guarded(lambda: _calamine_sheets(path))
    if fallback_error is None and fallback:
        return WorkbookGrids(path=path, format=fmt, sheets=fallback)
    if error is None:
        if fallback_error is not None and not _is_password_error(fallback_error):
            raise UnreadableFileError(path, f"not a valid {fmt}: {_describe(fallback_error, path)}")
        raise UnreadableFileError(path, f"not a valid {fmt}: it has no worksheets")
    raise UnreadableFileError(path, _ooxml_reason(fmt, error, path))


# The fast path. openpyxl builds a whole styled workbook to hand back a few values: about 20 ms
# an owner return, most of a merge's reading time. python-calamine reads the same values in
# about 1 ms. It is used first for ordinary files only; anything unusual (a DTD, which is
# where XML bombs live; a part that inflates enormously; a zip or workbook calamine cannot
# read) goes the careful way below, so what is refused and why stays the same.
_FAST_MAX_PART = 64 * 1024 * 1024  # uncompressed bytes of any one part
_FAST_MAX_RATIO = 200  # uncompressed / compressed of a part larger than 1 MB
_FAST_IN_MEMORY = 16 * 1024 * 1024  # a file up to this size is read into memory at once
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_HEAD = 4096  # bytes of each XML part looked at for one
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb"\br=[\"'](\d+)[\"']")
_ROW_HIDDEN = re.compile(rb"\bhidden=[\"'](?:1|true)[\"']")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _fast_ooxml_sheets(
    path: Path, sniffed: Sniffed | None = None
) -> tuple[list[SheetGrid], _dt.datetime | None] | None:
    """Every worksheet read by calamine, hidden rows from the sheet XML, and when the
    workbook says it was saved; None: not ordinary. ``sniffed``: the file as :func:`sniff`
    kept it (its bytes, the zip opened over them), not read again."""
    # the file in memory, its parts looked at from there (zipped.head); a big one is read as
    # it streams, without holding it whole
    data = sniffed.data if sniffed is not None else None
    if data is None:
        data = path.read_bytes() if path.stat().st_size <= _FAST_IN_MEMORY else None
    package = sniffed.package if sniffed is not None else None
    if package is None:
        package = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
    with package as zf:
        infos = zf.infolist()
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            return None
        whole: dict[str, bytes] = {}  # the small parts, read whole by the check
        for info in infos:
            if info.file_size > _FAST_MAX_PART or (
                info.file_size > 1024 * 1024
                and info.file_size > _FAST_MAX_RATIO * max(1, info.compress_size)
            ):
                return None
            if info.filename.endswith((".xml", ".rels", ".vml")):
                # taken from the bytes in memory: a tenth of the time of zipfile's reading
                head = zipped.head(data, info, _DTD_HEAD) if data is not None else None
                if head is None:  # (zipfile's reading says what is wrong with it)
                    with zf.open(info) as member:
                        head = member.read(_DTD_HEAD)
                if b"<!" in head and _DTD.search(head):  # (the bytes first: no regex)
                    return None
                if len(head) == info.file_size:
                    whole[info.filename] = head

        def read(name: str) -> bytes:
            if name in whole:
                return whole[name]
            # (a sheet's part, from the bytes in memory: half the time of zipfile's reading)
            part = zipped.whole(data, zf.getinfo(name)) if data is not None else None
            return part if part is not None else zf.read(name)

        parts = _sheet_parts(read, names)
        formats = _cell_formats(read(_STYLES)) if _STYLES in names else {}
        recalculate = bool(_FULL_CALC.search(read("xl/workbook.xml")))
        hidden: dict[str, set[int]] = {}
        links: dict[str, list[_Link]] = {}
        styled: dict[str, dict[tuple[int, int], str]] = {}
        formulas: dict[str, _FormulaCells] = {}
        totals: dict[str, list[_Range]] = {}
        notes: dict[str, dict[tuple[int, int], str]] = {}
        pictures: dict[str, frozenset[tuple[int, int]]] = {}
        errors: dict[str, dict[tuple[int, int], str]] = {}
        for name, part in parts.items():
            xml = read(part)
            hidden[name] = _hidden_rows(xml)
            links[name] = _links(xml, part, read, names)
            styled[name] = _styled_cells(xml, formats)
            formulas[name] = _formula_cells(xml, recalculate)
            totals[name] = _table_totals(xml, part, read, names)
            notes[name] = _notes(part, read, names)
            pictures[name] = _pictures(xml)
            errors[name] = _errors(xml)
        saved = core_modified(read(_CORE)) if _CORE in names else None
    grids = _calamine_sheets(path)
    if not grids:
        return None
    out = []
    for grid in grids:
        if grid.name not in hidden:
            return None  # a sheet we cannot place in the zip: let openpyxl read it
        # openpyxl gives every date cell as a datetime; calamine gives a date at midnight
        rows = [
            [_dt.datetime(v.year, v.month, v.day) if type(v) is _dt.date else v for v in row]
            for row in grid.rows
        ]
        formula = formulas[grid.name]
        no_result = _put_texts(rows, formula.texts)
        _put_texts(rows, formula.typed)  # (calamine read them as empty cells)
        no_result -= _clear(rows, totals[grid.name])  # (a table's Total Row: not actions)
        out.append(
            SheetGrid(
                name=grid.name,
                rows=rows,
                hidden=grid.hidden,
                hidden_rows=frozenset(r for r in hidden[grid.name] if r < len(rows)),
                worked_out=frozenset(formula.texts),
                no_result=no_result,
                links=_links_of_cells(links[grid.name], rows) | _shown(formula.linked, rows),
                filled_across=grid.filled_across,
                filled_down=grid.filled_down,
                typed_as_formula=dict.fromkeys(formula.typed, _NAME_ERROR),
                number_formats=_of_numbers(styled[grid.name], rows),
                notes=notes[grid.name],
                pictures=pictures[grid.name],
                errors=_shown_errors(errors[grid.name], formula.typed, pictures[grid.name]),
            )
        )
    return out, saved


#: The error Excel shows for a formula naming what does not exist: what words typed after
#: "=", "-" or "+" become ("-delayed to May": the names "delayed", "to" and "May").
_NAME_ERROR = "#NAME?"


def _typed_text(formula: str) -> str:
    """What a person typed, from the formula Excel made of it: Excel keeps a leading "-" or
    "+" in the formula and drops the "=" ("-delayed to May"; "= see notes" is " see notes")."""
    return formula if formula[:1] in ("-", "+") else f"={formula}"


_STYLES = "xl/styles.xml"
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*)>")
_CELL_STYLE = re.compile(rb"\bs=[\"'](\d+)[\"']")


def _cell_formats(data: bytes) -> dict[int, str]:
    """Cell style (``s=""``) -> its number format, for the styles of a workbook's styles part
    (``data``) whose format is not General nor text (``@``), each caller's own (read once
    for the styles parts returns share: :func:`_remembered`)."""
    return dict(_remembered(_read_cell_formats, data))


def _read_cell_formats(data: bytes) -> dict[int, str]:
    """:func:`_cell_formats` read from the part.

    Read with lxml, entities left unexpanded and nothing fetched (a styles part is a few kB,
    read for every return: defusedxml's parser took 8 times as long, more than calamine's
    reading of the whole return)."""
    from lxml import etree
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return {}
    codes: dict[int, str] = dict(BUILTIN_FORMATS)
    for fmt in root.iterfind("{*}numFmts/{*}numFmt"):
        if (number := fmt.get("numFmtId", "")).isdigit():
            codes[int(number)] = fmt.get("formatCode") or "General"
    xfs: list[str | None] = []
    for xf in root.iterfind("{*}cellXfs/{*}xf"):
        number = xf.get("numFmtId", "0")
        xfs.append(codes.get(int(number)) if number.isdigit() else None)
    return {i: code for i, code in enumerate(xfs) if code and code not in ("General", "@")}


def _styled_cells(data: bytes, formats: dict[int, str]) -> dict[tuple[int, int], str]:
    """0-based (row, column) -> the number format of each cell of a worksheet part (``data``)
    with a style of ``formats``."""
    found: dict[tuple[int, int], str] = {}
    if not formats:
        return found
    # (only the cells that name one of those styles are looked at: a return's other cells,
    # nine in ten, were each matched and looked up in Python; and a part with no prefixed
    # tag, ``<x:c>``, is searched for ``<c`` alone, which the regex finds twice as fast)
    for match in _tags_styled(tuple(sorted(formats)), prefixed=b":c" in data).finditer(data):
        attrs = match.group(1)
        style = _CELL_STYLE.search(attrs)
        if style is None or (code := formats.get(int(style.group(1)))) is None:
            continue
        if (place := _cell_place(attrs)) is not None:
            found[place] = code
    return found


@lru_cache(maxsize=16)
def _tags_styled(styles: tuple[int, ...], *, prefixed: bool = True) -> re.Pattern[bytes]:
    """What :data:`_CELL_TAG` finds, of the cells with a ``s=""`` of ``styles`` among their
    attributes (its attributes the same group; whether the first ``s=""`` is one of them is
    still :func:`_styled_cells`'s to say). Not ``prefixed``: only where no tag is prefixed
    (no ":c" in the part, so that the prefix could match nothing)."""
    ids = b"|".join(str(style).encode() for style in styles)
    prefix = rb"(?:[A-Za-z_][\w.-]*:)?" if prefixed else b""
    return re.compile(rb"<" + prefix + rb"c\b([^>]*?\bs=[\"']0*(?:" + ids + rb")[\"'][^>]*)>")


def _of_numbers(
    formats: dict[tuple[int, int], str], rows: list[list[Any]]
) -> dict[tuple[int, int], str]:
    """``formats`` of the cells of ``rows`` that hold a number or a date (a text's format
    shows nothing of it)."""
    held: dict[tuple[int, int], str] = {}
    for (r, c), code in formats.items():
        if r < len(rows) and c < len(rows[r]) and _is_number_or_date(rows[r][c]):
            held[(r, c)] = code
    return held


def _is_number_or_date(value: Any) -> bool:
    return isinstance(value, int | float | _dt.date | _dt.datetime) and not isinstance(value, bool)


_HYPERLINK = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?hyperlink\b")
_TABLE_PART = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?tablePart\b")
#: (first row, last row, first column, last column) of cells, 0-based and inclusive
_Range = tuple[int, int, int, int]


def _table_totals(
    data: bytes, part: str, read: Callable[[str], bytes], names: set[str]
) -> list[_Range]:
    """The totals rows of the tables ("Format as Table" with "Total Row" ticked) on a
    worksheet part (``data``), as a master's are found (:func:`edi_xl.master.plan.table_totals`)."""
    if b"tablePart" not in data or not _TABLE_PART.search(data):
        return []
    from defusedxml import ElementTree as SafeTree
    from openpyxl.utils.cell import range_boundaries

    out: list[_Range] = []
    for table in _related(part, "table", read, names):
        root = SafeTree.fromstring(read(table))
        try:
            count = int(root.get("totalsRowCount") or 0)
            left, _, right, last = range_boundaries(root.get("ref") or "")
        except (TypeError, ValueError):
            continue
        if count and left and right and last:
            out.append((last - count, last - 1, left - 1, right - 1))
    return out


def _related(part: str, kind: str, read: Callable[[str], bytes], names: set[str]) -> list[str]:
    """The parts of the package (``names``) the relationships of ``part`` name as of type
    ``kind`` ("table", "comments"), each as its name in the zip."""
    from defusedxml import ElementTree as SafeTree

    rels = zipped.rels_name(part)
    if rels not in names:
        return []
    found = []
    for rel in SafeTree.fromstring(read(rels)):
        target = rel.get("Target") or ""
        if not (rel.get("Type") or "").endswith(f"/{kind}") or not target:
            continue
        name = zipped.resolve(part, target)
        if name in names:
            found.append(name)
    return found


def _clear(rows: list[list[Any]], ranges: list[_Range]) -> frozenset[tuple[int, int]]:
    """Empty the cells of ``rows`` in ``ranges``; the places emptied."""
    out = []
    for first, last, left, right in ranges:
        for r in range(first, min(last + 1, len(rows))):
            line = rows[r]
            for c in range(left, min(right + 1, len(line))):
                line[c] = None
                out.append((r, c))
    return frozenset(out)


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*?)(?:/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?c>)", re.DOTALL
)
_CELL_REF = re.compile(rb"\br=[\"']([A-Za-z]{1,3})(\d+)[\"']")
_CELL_TYPE = re.compile(rb"\bt=[\"'](\w+)[\"']")
_FORMULA = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?f\b[^>]*?(?:/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?f>)", re.DOTALL
)
_RESULT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>(.*?)</(?:[A-Za-z_][\w.-]*:)?v>", re.DOTALL)
_VALUE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v[\s/>]")
#: the workbook asks to be worked out again when opened: the results in it were not (what
#: xlsxwriter and openpyxl write; Excel clears it once it has calculated)
_FULL_CALC = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?calcPr\b[^>]*\bfullCalcOnLoad=[\"'](?:1|true)")


class _FormulaCells(NamedTuple):
    """A worksheet part's formula cells, read in one pass (:func:`_formula_cells`)."""

    #: 0-based (row, column) of each -> None where the file holds its result, else the
    #: formula's text
    texts: dict[tuple[int, int], str | None]
    #: the cells showing ``#NAME?`` -> the words typed (Excel took them for a formula)
    typed: dict[tuple[int, int], str]
    #: the cells of a ``=HYPERLINK("https://...", "evidence here")`` -> the address it links
    #: to, which no value of the cell holds (:func:`_hyperlink_address`)
    linked: dict[tuple[int, int], str]


#: A formula that is a link: ``HYPERLINK("address"`` (Excel's "" for a quote in it), then
#: the text it shows or nothing.
_HYPERLINK_FORMULA = re.compile(r'\s*HYPERLINK\(\s*"((?:[^"]|"")+)"\s*[,)]', re.IGNORECASE)


def _hyperlink_address(formula: str) -> str | None:
    """The address a ``=HYPERLINK("https://...", "evidence here")`` formula (its text, no
    "=") links to; None for another formula, or an address worked out from cells (there is
    no address to read in its text)."""
    link = _HYPERLINK_FORMULA.match(formula)
    return link.group(1).replace('""', '"').strip() or None if link else None


def _shown(places: dict[tuple[int, int], str], rows: list[list[Any]]) -> dict[tuple[int, int], str]:
    """The items of ``places`` whose cell of ``rows`` holds a value."""
    return {
        (r, c): v
        for (r, c), v in places.items()
        if r < len(rows) and c < len(rows[r]) and rows[r][c] is not None
    }


def _formula_cells(data: bytes, recalculate: bool) -> _FormulaCells:
    """The formula cells of a worksheet part (``data``).

    ``texts``: None where the file holds the result, else the formula's text
    ("=DATE(2023,12,31)"; "=" for one shared from another cell): no result saved (``<v></v>``
    or none: openpyxl; but a text result, ``t="str"``, may be empty: Excel's ``<v/>`` for the
    "" of an IF), or, in a workbook to be worked out again when opened (``recalculate``), the
    0 xlsxwriter writes for a result it was not given.

    ``typed``: the words of a cell whose formula shows ``#NAME?``, words Excel took for a
    formula because they began with "=", "-" or "+" (calamine reads such a cell as empty and
    openpyxl as "#NAME?": the owner's words are only in the formula).

    ``linked``: the address of each ``=HYPERLINK("https://...", "evidence here")``: the cell's
    value is its text, "evidence here"; the address, the owner's evidence, is only in the
    formula (a link put on with Insert > Link is read by :func:`_links`)."""
    found = _FormulaCells({}, {}, {})
    if not _may_hold_formulas(data) or not _FORMULA_TAG.search(data):
        return found
    import html

    from openpyxl.utils.cell import column_index_from_string

    for cell in _CELL.finditer(data):
        body = cell.group(2) or b""
        formula = _FORMULA.search(body)
        ref = _CELL_REF.search(cell.group(1))
        if formula is None or ref is None:
            continue
        place = (int(ref.group(2)) - 1, column_index_from_string(ref.group(1).decode()) - 1)
        result = _RESULT.search(body)
        typed = _CELL_TYPE.search(cell.group(1))
        value = result.group(1).strip() if result is not None else b""
        if typed is not None and typed.group(1) == b"str":
            # a text result, worked out: Excel writes an empty one ("" of an IF) as <v/>
            saved = _VALUE_TAG.search(body) is not None
        else:  # (xlsxwriter's 0 for a result it was not given)
            saved = value != b"" and not (recalculate and typed is None and value == b"0")
        text = html.unescape((formula.group(1) or b"").decode("utf-8", "replace"))
        found.texts[place] = None if saved else f"={text}"
        if (address := _hyperlink_address(text)) is not None:
            found.linked[place] = address
        if (
            typed is not None
            and typed.group(1) == b"e"
            and value == _NAME_ERROR.encode()
            and text
            and place[0] < MAX_ROWS
            and place[1] < MAX_COLS
        ):
            found.typed[place] = _typed_text(text)
    return found


def _may_hold_formulas(data: bytes) -> bool:
    """Whether a worksheet part (``data``) can hold a formula's tag (:data:`_FORMULA_TAG`,
    ``<f>`` or ``<x:f>``): the bytes it needs looked for before the regex, which takes as long
    as reading the sheet's values to find none (so for its tables, links and the like: a
    return has none of them, and each was looked for by a regex over the whole sheet)."""
    return b"<f" in data or b":f" in data


def _put_texts(
    rows: list[list[Any]], texts: Mapping[tuple[int, int], str | None]
) -> frozenset[tuple[int, int]]:
    """Put each text of ``texts`` (None: none) in its cell of ``rows``, which may end before
    it (calamine gives an empty cell no value), and give their places: a formula's text the
    file holds no result for (as a master reads them: what the cell holds, not an empty cell
    blamed on the plan), or words Excel took for a formula."""
    places = []
    for (r, c), text in texts.items():
        if text is None or r >= MAX_ROWS or c >= MAX_COLS:
            continue
        while len(rows) <= r:
            rows.append([])
        line = rows[r]
        line.extend([None] * (c + 1 - len(line)))
        line[c] = text
        places.append((r, c))
    return frozenset(places)


#: A link read from a sheet: (first row, last row, first column, last column), 0-based and
#: inclusive, and its address.
_Link = tuple[int, int, int, int, str]


def _links(data: bytes, part: str, read: Callable[[str], bytes], names: set[str]) -> list[_Link]:
    """The links of a worksheet part (``data``) to outside the workbook (its relationships'
    targets; a link to a place in the workbook itself means nothing once its text is
    elsewhere), each with the cells it was put on: a range of them ("F2:F4"), or as many
    as a whole sheet selected, which :func:`_links_of_cells` gives only the cells holding
    a value."""
    if b"hyperlink" not in data or not _HYPERLINK.search(data):
        return []
    from defusedxml import ElementTree as SafeTree
    from openpyxl.utils.cell import range_boundaries

    rels = zipped.rels_name(part)
    targets: dict[str, str] = {}
    if rels in names:
        for rel in SafeTree.fromstring(read(rels)):
            if (rel.get("Type") or "").endswith("/hyperlink") and rel.get("Target"):
                targets[rel.get("Id") or ""] = rel.get("Target") or ""
    out: list[_Link] = []
    for element in SafeTree.fromstring(data).iter():
        if element.tag.rsplit("}", 1)[-1] != "hyperlink":
            continue
        target = targets.get(element.get(f"{{{_REL_NS}}}id") or "")
        if not target:
            continue
        location = element.get("location")
        try:
            left, top, right, bottom = range_boundaries(element.get("ref") or "")
        except (TypeError, ValueError):
            continue
        top, left = top or 1, left or 1
        out.append((top - 1, (bottom or MAX_ROWS) - 1, left - 1, (right or MAX_COLS) - 1,
                    f"{target}#{location}" if location else target))  # fmt: skip
    return out


def _links_of_cells(links: list[_Link], rows: list[list[Any]]) -> dict[tuple[int, int], str]:
    """0-based (row, column) -> the address a cell holding a value links to: each link's
    cells within the sheet's values (a link put on the whole sheet is the few cells that
    hold something, not millions)."""
    out: dict[tuple[int, int], str] = {}
    for first, last, left, right, address in links:
        for r in range(first, min(last + 1, len(rows))):
            row = rows[r]
            for c in range(left, min(right + 1, len(row))):
                if row[c] is not None:
                    out[(r, c)] = address
    return out


#: a worksheet's relationship to its notes (``xl/commentsN.xml``; Excel 365 mirrors each
#: threaded comment there as a note, which is what is read of it)
_COMMENTS_REL = re.compile(rb"/comments[\"']")
#: a cell whose value is kept elsewhere (``vm=""``, value metadata): what Excel 365 writes for
#: a picture placed in a cell
_CELL_VALUE_META = re.compile(rb"\bvm=[\"']\d+[\"']")
#: what Excel 365 writes before the words of a threaded comment it mirrors as a note
_THREADED = "[Threaded comment]"


def _notes(part: str, read: Callable[[str], bytes], names: set[str]) -> dict[tuple[int, int], str]:
    """0-based (row, column) -> the text of each note on the cells of a worksheet part, from
    the notes part its relationships name (a sheet with none: its relationships, when it has
    any, are looked at, and nothing is parsed)."""
    rels = zipped.rels_name(part)
    if rels not in names or not _COMMENTS_REL.search(read(rels)):
        return {}
    from defusedxml import ElementTree as SafeTree
    from openpyxl.utils.cell import coordinate_to_tuple

    found: dict[tuple[int, int], str] = {}
    for comments in _related(part, "comments", read, names):
        for element in SafeTree.fromstring(read(comments)).iter():
            if element.tag.rsplit("}", 1)[-1] != "comment":
                continue
            try:
                row, col = coordinate_to_tuple(element.get("ref") or "")
            except (TypeError, ValueError):
                continue
            text = note_text(_rich_text(element))
            if text and row <= MAX_ROWS and col <= MAX_COLS:
                found[(row - 1, col - 1)] = text
    return found


def _rich_text(comment: Any) -> str:
    """The text of a note's ``<text>``: its runs' texts (``<t>``, or ``<r><t>``), not the
    phonetic guides (``<rPh>``) Japanese text may carry."""
    out: list[str] = []
    for text in comment:
        if text.tag.rsplit("}", 1)[-1] != "text":
            continue
        for child in text:
            kind = child.tag.rsplit("}", 1)[-1]
            if kind == "t":
                out.append(child.text or "")
            elif kind == "r":
                out.extend(t.text or "" for t in child if t.tag.rsplit("}", 1)[-1] == "t")
    return "".join(out)


def note_text(text: str) -> str:
    """The words of a note as a person wrote them. A threaded comment Excel 365 mirrors as a
    note starts with Excel's own words about it ("[Threaded comment] Your version of Excel
    allows you to read this threaded comment; ... Comment:"): left out, the comment and its
    replies ("Reply:") kept."""
    text = text.strip()
    if text.startswith(_THREADED):
        _, said, rest = text.partition("Comment:")
        if said:
            text = rest.strip()
    return text


def _errors(data: bytes) -> dict[tuple[int, int], str]:
    """0-based (row, column) -> the error each cell of a worksheet part (``data``) showing one
    holds ("#N/A", "#REF!"; a picture placed in a cell shows "#VALUE!"). A sheet with none is
    not read cell by cell."""
    if b't="e"' not in data and b"t='e'" not in data:
        return {}
    import html

    found: dict[tuple[int, int], str] = {}
    for cell in _CELL.finditer(data):
        attrs = cell.group(1)
        typed = _CELL_TYPE.search(attrs)
        if typed is None or typed.group(1) != b"e" or (place := _cell_place(attrs)) is None:
            continue
        result = _RESULT.search(cell.group(2) or b"")
        shown = html.unescape(result.group(1).decode("utf-8", "replace")) if result else ""
        found[place] = shown.strip() or "#VALUE!"
    return found


def _shown_errors(
    errors: Mapping[tuple[int, int], str],
    typed: Mapping[tuple[int, int], str],
    pictures: frozenset[tuple[int, int]],
) -> dict[tuple[int, int], str]:
    """The errors cells show (``SheetGrid.errors``): not where the cell holds words Excel
    took for a formula (``typed``: read as those words) or a picture (said as one)."""
    return {p: e for p, e in errors.items() if p not in typed and p not in pictures}


def _pictures(data: bytes) -> frozenset[tuple[int, int]]:
    """0-based (row, column) of the cells of a worksheet part (``data``) whose value is kept
    elsewhere (``vm=""``): a picture placed in the cell (Excel 365), or another of the values
    Excel keeps so (a linked data type), none of them text. A sheet with none is not read
    cell by cell."""
    if b"vm=" not in data:
        return frozenset()
    found: list[tuple[int, int]] = []
    for match in _CELL_TAG.finditer(data):
        attrs = match.group(1)
        if _CELL_VALUE_META.search(attrs) and (place := _cell_place(attrs)) is not None:
            found.append(place)
    return frozenset(found)


def _cell_place(attrs: bytes) -> tuple[int, int] | None:
    """The 0-based (row, column) of a worksheet cell by its attributes (``r="F7"``); None
    when it has no reference or lies past the rows and columns read."""
    from openpyxl.utils.cell import column_index_from_string

    ref = _CELL_REF.search(attrs)
    if ref is None:
        return None
    row, col = int(ref.group(2)), column_index_from_string(ref.group(1).decode().upper())
    return (row - 1, col - 1) if row <= MAX_ROWS and col <= MAX_COLS else None


_CORE = "docProps/core.xml"


def core_modified(data: bytes) -> _dt.datetime | None:
    """When a workbook's core properties (``docProps/core.xml``) say it was last saved, in
    UTC when they give no zone; None when they do not say or cannot be read."""
    from xml.etree import ElementTree

    from defusedxml import ElementTree as SafeTree

    # defusedxml differs from the standard parser only in refusing what a DTD declares, and
    # its parser, in Python, takes nearly twice as long as the standard one, in C: used
    # where there may be a DTD ("<!", in an encoding that keeps "<" and "!" as ASCII does,
    # as every one expat reads does but UTF-16, which has a NUL in each of them)
    parse = SafeTree.fromstring if b"<!" in data or b"\x00" in data else ElementTree.fromstring
    try:
        root = parse(data)
        for element in root:
            if element.tag.endswith("}modified") and element.text:
                stamp = _dt.datetime.fromisoformat(element.text.replace("Z", "+00:00"))
                return stamp if stamp.tzinfo else stamp.replace(tzinfo=_dt.UTC)
    except (ValueError, ParseError):
        pass
    return None


def _sheet_parts(read: Callable[[str], bytes], names: set[str]) -> dict[str, str]:
    """Worksheet name -> its part in the zip, from the workbook and its relationships
    (``read(name)``: a part's bytes)."""
    sheets = _remembered(_book_sheets, read("xl/workbook.xml"))
    rels_name = "xl/_rels/workbook.xml.rels"
    targets = _remembered(_rel_targets, read(rels_name)) if rels_name in names else {}
    parts: dict[str, str] = {}
    for name, rid in sheets:
        part = targets.get(rid)
        if part is not None and part in names:
            parts[name] = part
    return parts


def _book_sheets(book: bytes) -> tuple[tuple[str, str], ...]:
    """(name, relationship id) of each named sheet of the workbook part ``book``, in its
    order."""
    from defusedxml import ElementTree as SafeTree

    sheets: list[tuple[str, str]] = []
    for element in SafeTree.fromstring(book).iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        name = element.get("name")
        if name:
            sheets.append((name, element.get(f"{{{_REL_NS}}}id") or ""))
    return tuple(sheets)


def _rel_targets(rels: bytes) -> dict[str, str]:
    """Relationship id -> the part it points at, of the workbook's relationships ``rels``."""
    from defusedxml import ElementTree as SafeTree

    targets: dict[str, str] = {}
    for rel in SafeTree.fromstring(rels):
        target = rel.get("Target") or ""
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id") or ""] = target
    return targets


_R = TypeVar("_R")
#: The largest part whose reading :func:`_remembered` keeps (a return's workbook, its
#: relationships and its styles are a few kB each), so that what is kept stays small.
_REMEMBERED_PART = 64 * 1024


def _remembered(read: Callable[[bytes], _R], data: bytes) -> _R:
    """``read(data)``, worked out once per process for each part of up to
    :data:`_REMEMBERED_PART` bytes: returns made from one master share their workbook,
    relationships and styles parts (the benchmark's 424 workbooks have three or four of
    each), and each was parsed for every return. ``read`` is a pure function of the bytes;
    what it gives is not changed by its callers (:func:`_cell_formats` copies its own)."""
    if len(data) > _REMEMBERED_PART:
        return read(data)
    return cast("_R", _read_once(read, data))


@lru_cache(maxsize=64)
def _read_once(read: Callable[[bytes], Any], data: bytes) -> Any:
    return read(data)


def _hidden_rows(data: bytes) -> set[int]:
    """0-based indexes of the rows a worksheet part (``data``) marks hidden."""
    hidden: set[int] = set()
    if b"hidden" not in data:
        return hidden
    row = 0  # a row with no r="" follows the one before it
    for match in _ROW_TAG.finditer(data):
        attrs = match.group(1)
        number = _ROW_NUMBER.search(attrs)
        row = int(number.group(1)) if number else row + 1
        if row > MAX_ROWS:
            break
        if _ROW_HIDDEN.search(attrs):
            hidden.add(row - 1)
    return hidden


def _openpyxl_sheets(path: Path) -> list[SheetGrid]:
    import openpyxl

    with warnings.catch_warnings(), open(path, "rb") as f:
        warnings.simplefilter("ignore")
        # A file object, not the path: openpyxl refuses names not ending .xlsx/.xlsm, and
        # the content has been checked already.
        wb = openpyxl.load_workbook(f, data_only=True, keep_links=False)
        try:
            grids = []
            typed: dict[str, _FromXml] | None = None  # read when needed
            linked: dict[str, dict[tuple[int, int], str]] | None = None
            for ws in wb.worksheets:
                grid = _clean_grid(grid_from_worksheet(ws))
                grid.notes.update(
                    ((r - 1, c - 1), text)
                    for (r, c), cell in ws._cells.items()
                    if (note := cell.comment) is not None and (text := note_text(note.text or ""))
                )
                grid.links.update(
                    ((r - 1, c - 1), _address(link))
                    for (r, c), cell in ws._cells.items()
                    if (link := cell.hyperlink) is not None and link.target
                )
                if linked is None:  # (openpyxl reads a formula's result, not its text)
                    linked = _hyperlinks_in_file(path)
                grid.links.update(_shown(linked.get(ws.title, {}), grid.rows))
                grid.number_formats.update(
                    ((r - 1, c - 1), cell.number_format)
                    for (r, c), cell in ws._cells.items()
                    if cell.number_format not in ("General", "@")
                    and _is_number_or_date(cell._value)
                )
                errors = {
                    (r - 1, c - 1): str(cell.value)
                    for (r, c), cell in ws._cells.items()
                    if cell.data_type == "e"
                }
                if errors:  # (a picture placed in a cell is one: #VALUE!)
                    if typed is None:
                        typed = _typed_in_file(path)
                    found = typed.get(ws.title, _FromXml({}, frozenset()))
                    _errors_as_read(grid, list(errors), found.typed)
                    grid = replace(
                        grid,
                        pictures=found.pictures,
                        errors=_shown_errors(errors, found.typed, found.pictures),
                    )
                grids.append(grid)
            return grids
        finally:
            wb.close()


class _FromXml(NamedTuple):
    """What openpyxl does not read of a worksheet's cells showing an error, read from its
    part (:func:`_typed_in_file`)."""

    #: the words typed that Excel took for formulas (the ``typed`` of :func:`_formula_cells`)
    typed: dict[tuple[int, int], str]
    #: the cells holding a picture placed in the cell (:func:`_pictures`)
    pictures: frozenset[tuple[int, int]]


def _typed_in_file(path: Path) -> dict[str, _FromXml]:
    """Sheet name -> the words typed that Excel took for formulas on it and its pictures
    placed in cells, for an .xlsx / .xlsm at ``path`` (nothing when its parts cannot be
    found)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            found = {}
            for name, part in _sheet_parts(zf.read, names).items():
                xml = zf.read(part)
                found[name] = _FromXml(_formula_cells(xml, recalculate=False).typed, _pictures(xml))
            return found
    except (KeyError, OSError, ValueError, ParseError, zipfile.BadZipFile):
        return {}


def _hyperlinks_in_file(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> the addresses its ``=HYPERLINK(...)`` formulas link to (the ``linked``
    of :func:`_formula_cells`), for an .xlsx / .xlsm at ``path`` (nothing when its parts
    cannot be found)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            return {
                name: _formula_cells(zf.read(part), recalculate=False).linked
                for name, part in _sheet_parts(zf.read, names).items()
            }
    except (KeyError, OSError, ValueError, ParseError, zipfile.BadZipFile):
        return {}


def _errors_as_read(
    grid: SheetGrid, errors: list[tuple[int, int]], typed: dict[tuple[int, int], str]
) -> None:
    """The cells of ``grid`` showing an error (openpyxl reads "#N/A") read as calamine reads
    them, empty, or, where a person's words were taken for a formula, as the text typed."""
    for r, c in errors:
        if r < len(grid.rows) and c < len(grid.rows[r]):
            grid.rows[r][c] = typed.get((r, c))
    for place in errors:
        if place in typed:
            grid.typed_as_formula[place] = _NAME_ERROR
    _put_texts(grid.rows, {p: t for p, t in typed.items() if p in grid.typed_as_formula})


def _address(link: Any) -> str:
    """Where an openpyxl hyperlink leads: its target, and the place in it (a bookmark)."""
    return f"{link.target}#{link.location}" if link.location else str(link.target)


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _is_xml_bomb(exc: BaseException) -> bool:
    """defusedxml (or libxml2, when openpyxl uses lxml) refused entity expansion."""
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a dependency
        DefusedXmlException = ()  # type: ignore[assignment]  # noqa: N806
    for link in _exception_chain(exc):
        if DefusedXmlException and isinstance(link, DefusedXmlException):
            return True
        message = str(link).lower()
        if "entity" in message and ("amplification" in message or "loop" in message):
            return True
    return False


def _is_password_error(exc: BaseException) -> bool:
    return type(exc).__name__ == "PasswordError"


def _ooxml_reason(fmt: str, exc: BaseException, path: Path) -> str:
    """Why openpyxl could not read an xlsx/xlsm, in plain words."""
    chain = _exception_chain(exc)
    for link in chain:
        if isinstance(link, (zipfile.BadZipFile, zlib.error, EOFError)):
            return f"not a valid {fmt}: the zip is truncated or damaged"
        if isinstance(link, KeyError):
            missing = re.search(r"named '([^']+)'", str(link))
            if missing:
                return f"not a valid {fmt}: missing {missing.group(1)}"
            return f"not a valid {fmt}: a part is missing ({_describe(link, path)})"
        if isinstance(link, ParseError) or type(link).__name__ in (
            "XMLSyntaxError",
            "ExpatError",
        ):
            return f"not a valid {fmt}: broken XML inside ({_describe(link, path)})"
        if isinstance(link, (NotImplementedError, RuntimeError)) and "compression" in str(link):
            return f"not a valid {fmt}: the zip uses a compression method that cannot be read"
    return f"not a valid {fmt}: {_describe(exc, path)}"


_PLAIN_TYPES = (str, int, float, bool, _dt.datetime, _dt.date, _dt.time, _dt.timedelta)


def _clean_grid(grid: SheetGrid) -> SheetGrid:
    """Replace cell values of unexpected types (formula objects...) by their text."""
    dirty = False
    for row in grid.rows:
        for value in row:
            if value is not None and not isinstance(value, _PLAIN_TYPES):
                dirty = True
                break
        if dirty:
            break
    if not dirty:
        return grid
    rows = [
        [v if v is None or isinstance(v, _PLAIN_TYPES) else str(v) for v in row]
        for row in grid.rows
    ]
    return SheetGrid(
        name=grid.name,
        rows=rows,
        hidden_rows=grid.hidden_rows,
        hidden=grid.hidden,
        links=grid.links,
        filled_across=grid.filled_across,
        filled_down=grid.filled_down,
    )


# ---- calamine: xls / xlsb / ods (and the xlsx fallback) ----------------------------------

_CALAMINE_LABEL = {"xls": ".xls", "xlsb": ".xlsb", "ods": ".ods"}


def _read_with_calamine(
    path: Path, fmt: str, source: Path | io.BytesIO | None = None
) -> WorkbookGrids:
    label = _CALAMINE_LABEL[fmt]
    if fmt == "xls" and _is_bare_biff(path):
        raise UnreadableFileError(
            path,
            "an Excel 2.x-4.0 worksheet (.xls from before 1995), which cannot be read; "
            "open it in Excel and save it as .xlsx",
        )
    sheets, error = _guarded(lambda: _calamine_sheets(source if source is not None else path))
    if error is not None:
        if _is_password_error(error):
            raise EncryptedFileError(path, ENCRYPTED_REASON)
        raise UnreadableFileError(path, _calamine_reason(label, error, path))
    if not sheets:
        raise UnreadableFileError(path, f"not a valid {label}: it has no sheets")
    if fmt in _ERROR_CELLS:
        # (what calamine reads as empty: a formula that failed, words taken for a formula)
        errors, _ = _guarded(lambda: _ERROR_CELLS[fmt](source if source is not None else path))
        sheets = [
            replace(s, errors={p: e for p, e in found.items() if s.value(*p) is None})
            if (found := (errors or {}).get(s.name))
            else s
            for s in sheets
        ]
    return WorkbookGrids(path=path, format=fmt, sheets=sheets)


def _xls_error_cells(source: Path | io.BytesIO) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> 0-based (row, column) -> the error each cell of an .xls showing one
    shows ("#VALUE!", "#NAME?": words an owner typed starting with "=", which Excel or
    LibreOffice took for a formula; "#N/A"), read with xlrd: python-calamine reads them as
    empty cells, and the owner's words would be passed over unsaid (helper-165). xlrd does
    not decode a cell's formula, so the words themselves are not read."""
    import os

    import xlrd  # type: ignore[import-untyped]

    data = source.getvalue() if isinstance(source, io.BytesIO) else source.read_bytes()
    found: dict[str, dict[tuple[int, int], str]] = {}
    with open(os.devnull, "w") as quiet:  # (xlrd writes its warnings to stdout)
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=quiet)
        try:
            for name in book.sheet_names():
                sheet = book.sheet_by_name(name)
                cells: dict[tuple[int, int], str] = {}
                for r in range(min(sheet.nrows, MAX_ROWS)):
                    for c, kind in enumerate(sheet.row_types(r)[:MAX_COLS]):
                        if kind == xlrd.XL_CELL_ERROR:
                            code = sheet.cell_value(r, c)
                            cells[(r, c)] = xlrd.error_text_from_code.get(code, "#VALUE!")
                if cells:
                    found[name] = cells
                book.unload_sheet(name)
        finally:
            book.release_resources()
    return found


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
#: a content.xml bigger than this is not looked through for error cells
_ODS_MAX_CONTENT = 64 * 1024 * 1024


def _ods_error_cells(source: Path | io.BytesIO) -> dict[str, dict[tuple[int, int], str]]:
    """:func:`_xls_error_cells` for an .ods: the cells LibreOffice saved as showing an error
    (``calcext:value-type="error"``: "#DIV/0!", "Err:509" for words typed after "="), which
    python-calamine reads as empty, from ``content.xml``, their places counted as calamine
    counts them (repeated rows and columns, covered cells)."""
    from lxml import etree

    with zipfile.ZipFile(source) as zf:
        info = zf.getinfo("content.xml")
        if info.file_size > _ODS_MAX_CONTENT:
            return {}
        data = zf.read(info)
    if b'value-type="error"' not in data:
        return {}
    found: dict[str, dict[tuple[int, int], str]] = {}
    table, row = f"{_ODS_TABLE}table", f"{_ODS_TABLE}table-row"
    cells = (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell")
    name, r, c, depth = "", 0, 0, 0
    in_row: dict[int, str] = {}  # the row's cells showing an error: column -> what it shows
    for event, element in etree.iterparse(
        io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True
    ):
        tag = element.tag
        if tag == table:  # (a table inside a cell is no sheet's: not counted)
            depth += 1 if event == "start" else -1
            if event == "start" and depth == 1:
                name, r = element.get(f"{_ODS_TABLE}name", ""), 0
        elif depth != 1:
            continue
        elif tag == row:
            if event == "start":
                c, in_row = 0, {}
                continue
            repeated = _repeated(element, "number-rows-repeated")
            for at in range(r, min(r + repeated, MAX_ROWS)) if in_row else ():
                found.setdefault(name, {}).update(((at, col), e) for col, e in in_row.items())
            r += repeated
            element.clear()
        elif tag in cells and event == "end":
            repeated = _repeated(element, "number-columns-repeated")
            if element.get(f"{_ODS_CALCEXT}value-type") == "error":
                shown = " ".join(
                    "".join(p.itertext()) for p in element.iterchildren(f"{_ODS_TEXT}p")
                ).strip()
                places = range(c, min(c + repeated, MAX_COLS))
                in_row.update(dict.fromkeys(places, shown or "#VALUE!"))
            c += repeated
    return found


def _repeated(element: Any, attribute: str) -> int:
    """How many rows or columns an .ods row or cell stands for (1 unless repeated)."""
    value = element.get(f"{_ODS_TABLE}{attribute}")
    return int(value) if value and value.isdigit() else 1


_ERROR_CELLS: dict[str, Callable[[Path | io.BytesIO], dict[str, dict[tuple[int, int], str]]]] = {
    "xls": _xls_error_cells,
    "ods": _ods_error_cells,
}


_DAMAGED_ZIP_WORDS = ("zip", "deflate", "checksum", "larger than its declared")


def _calamine_reason(label: str, error: BaseException, path: Path) -> str:
    message = str(error).lower()
    if label != ".xls" and (
        type(error).__name__ == "ZipError" or any(word in message for word in _DAMAGED_ZIP_WORDS)
    ):
        return f"not a valid {label}: the zip is truncated or damaged"
    return f"not a valid {label}: {_describe(error, path)}"


def _is_bare_biff(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) in BIFF_BOF


def _read_encrypted(path: Path) -> WorkbookGrids:
    """An encrypted file: readable only when it uses Excel's built-in default password.

    Excel encrypts an .xls with the fixed password "VelvetSweatshop" when the workbook is
    protected without an open password; Excel opens such files without asking, so the
    sender does not know they are "encrypted". Anything else needs the sender's help.
    """
    decrypted, _error = _guarded(lambda: _decrypt_default_password(path))
    if decrypted is None:
        raise EncryptedFileError(path, ENCRYPTED_REASON)
    return _read_with_calamine(path, "xls", source=decrypted)


_EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"


def _decrypt_default_password(path: Path) -> io.BytesIO | None:
    import msoffcrypto
    from msoffcrypto.format.xls97 import Xls97File

    with open(path, "rb") as f:
        office = msoffcrypto.OfficeFile(f)
        if not isinstance(office, Xls97File):
            return None
        office.load_key(password=_EXCEL_DEFAULT_PASSWORD)
        out = io.BytesIO()
        office.decrypt(out)
    out.seek(0)
    return out


def _calamine_sheets(source: Path | io.BytesIO) -> list[SheetGrid]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    grids = []
    opened = (
        CalamineWorkbook.from_filelike(source)
        if isinstance(source, io.BytesIO)
        else CalamineWorkbook.from_path(str(source))
    )
    with opened as wb:
        for meta in wb.sheets_metadata:
            if meta.typ in (SheetTypeEnum.ChartSheet, SheetTypeEnum.Vba):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            grids.append(_calamine_grid(sheet, hidden=meta.visible != SheetVisibleEnum.Visible))
    return grids


def _calamine_value(value: Any) -> Any:
    if value == "":
        return None
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        # .xls and calamine store every number as a double; openpyxl gives 3 for 3.0.
        return int(value)
    return value


def _calamine_grid(sheet: Any, *, hidden: bool) -> SheetGrid:
    start = sheet.start
    if start is None:  # an empty sheet
        return SheetGrid(name=sheet.name, rows=[], hidden=hidden)
    top, left = start
    if top >= MAX_ROWS or left >= MAX_COLS:
        return SheetGrid(name=sheet.name, rows=[], hidden=hidden)
    n_rows = min(sheet.height, MAX_ROWS - top)
    n_cols = min(sheet.width, MAX_COLS - left)
    # skip_empty_area=True gives the used range from ``start``: (top, left) is its origin.
    data = sheet.to_python(skip_empty_area=True, nrows=n_rows)

    # the values by row, as far as the last one of each (a row at a time, not a cell: most
    # of the reading of a return in Python was this loop, cell by cell)
    lines: list[list[Any]] = []
    max_r = max_c = -1
    for r, line in enumerate(data[:n_rows]):
        values = [_calamine_value(raw) for raw in line[:n_cols]]
        while values and values[-1] is None:
            values.pop()
        lines.append(values)
        if values:
            max_r, max_c = top + r, max(max_c, left + len(values) - 1)
    del data
    filled: dict[tuple[int, int], Any] = {}  # what the merged ranges fill in, in order
    across: set[tuple[int, int]] = set()
    down: set[tuple[int, int]] = set()
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
        value = filled.get((r0, c0))
        if value is None and 0 <= r0 - top < len(lines):
            line = lines[r0 - top]
            value = line[c0 - left] if 0 <= c0 - left < len(line) else None
        if value is None:
            continue
        for r in range(r0, min(r1 + 1, MAX_ROWS)):
            for c in range(c0, min(c1 + 1, MAX_COLS)):
                filled[(r, c)] = value
                max_r, max_c = max(max_r, r), max(max_c, c)
                if c != c0:
                    across.add((r, c))
                elif r != r0:
                    down.add((r, c))
    rows: list[list[Any]] = [[None] * (max_c + 1) for _ in range(max_r + 1)]
    for r, values in enumerate(lines, start=top):
        if values:
            rows[r][left : left + len(values)] = values
    for (r, c), value in filled.items():
        rows[r][c] = value
    return SheetGrid(
        name=sheet.name,
        rows=rows,
        hidden=hidden,
        filled_across=frozenset(across),
        filled_down=frozenset(down),
    )


# ---- csv ---------------------------------------------------------------------------------


def _read_csv(path: Path) -> WorkbookGrids:
    data = path.read_bytes()
    text, encoding = decode_all(data)
    del data
    if encoding in ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be") and text.startswith("\ufeff"):
        text = text[1:]
    delimiter = _sniff_delimiter(text[:_CSV_SAMPLE_CHARS], cut=len(text) > _CSV_SAMPLE_CHARS)
    rows: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                break
            rows.append([cell if cell != "" else None for cell in row[:MAX_COLS]])
    except csv.Error as exc:
        raise UnreadableFileError(path, f"not a valid csv: {_short(exc)}") from None
    while rows and not any(cell is not None for cell in rows[-1]):
        rows.pop()
    return WorkbookGrids(
        path=path,
        format="csv",
        sheets=[SheetGrid(name=path.stem, rows=rows)],
        encoding=encoding,
    )


_CSV_DELIMITERS = ",;\t|"


def _sniff_delimiter(sample: str, *, cut: bool = False) -> str:
    """The delimiter of a csv whose first characters are ``sample`` (``cut``: the file goes
    on after them). The sniffer decides by a quoted field first, and it sees one only where
    "\n" ends its line: Excel writes "\r\n" (an old Mac "\r"), and a semicolon csv whose
    update was quoted for the ";" in it ("Report to Board; minutes attached") was then read
    by its count of ";" on each line, uneven, and taken for a comma csv of one column."""
    sample = sample.replace("\r\n", "\n").replace("\r", "\n")
    # Whole lines only: a line cut short confuses the sniffer. (The last line of a file with
    # no line end after it is whole: kept.)
    end = sample.rfind("\n")
    if cut and 0 < end < len(sample) - 1:
        sample = sample[:end]
    try:
        delimiter = _Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","
    return delimiter if delimiter in (",", ";", "\t", "|") else ","


class _Sniffer(csv.Sniffer):
    """``csv.Sniffer``, with its count of each character on each line (where a quote does not
    decide) made for the delimiters it may choose only: it counts all 127 ASCII characters
    and keeps only those (2.5 ms for a return of ten lines; the same answer in a tenth of
    it, checked against ``csv.Sniffer`` in tests/read)."""

    def _guess_delimiter(self, data: str, delimiters: str | None) -> tuple[str, int]:
        if delimiters is None:  # (not edi_xl's: every character may be one)
            return super()._guess_delimiter(data, delimiters)  # type: ignore[no-any-return, misc]
        # csv.Sniffer._guess_delimiter (Python 3.11), its characters those of ``delimiters``
        lines = [line for line in data.split("\n") if line]
        candidates = [c for c in delimiters if ord(c) < 127]
        chunk = min(10, len(lines))
        frequencies: dict[str, dict[int, int]] = {}
        delims: dict[str, tuple[int, int]] = {}
        start, end, iteration = 0, chunk, 0
        while start < len(lines):
            iteration += 1
            for line in lines[start:end]:
                for char in candidates:
                    counts = frequencies.setdefault(char, {})
                    freq = line.count(char)
                    counts[freq] = counts.get(freq, 0) + 1
            modes: dict[str, tuple[int, int]] = {}
            for char, counts in frequencies.items():
                items = list(counts.items())
                if len(items) == 1 and items[0][0] == 0:
                    continue
                if len(items) > 1:
                    mode = max(items, key=lambda item: item[1])
                    items.remove(mode)
                    modes[char] = (mode[0], mode[1] - sum(item[1] for item in items))
                else:
                    modes[char] = items[0]
            total = float(min(chunk * iteration, len(lines)))
            consistency = 1.0
            while not delims and consistency >= 0.9:
                for char, (freq, rows) in modes.items():
                    if freq > 0 and rows > 0 and rows / total >= consistency:
                        delims[char] = (freq, rows)
                consistency -= 0.01
            if len(delims) == 1:
                delim = next(iter(delims))
                return delim, lines[0].count(delim) == lines[0].count(f"{delim} ")
            start = end
            end += chunk
        if not delims:
            return "", 0
        for delim in self.preferred:
            if delim in delims:
                return delim, lines[0].count(delim) == lines[0].count(f"{delim} ")
        delim = max((v, k) for k, v in delims.items())[1]
        return delim, lines[0].count(delim) == lines[0].count(f"{delim} ")
