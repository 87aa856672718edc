"""The VBA project and the buttons of a macro-enabled master.

A macro-enabled master (``edi-xl new plan.xlsm``, ``edi-xl add-buttons``) has buttons above
the table. Each one is bound to a macro with no arguments in the workbook's ``EdiXlButtons``
module, which calls Python through xlwings' classic ``RunPython`` (BSD licence, no key)::

    Sub RefreshStatus()
        RunPython "import edi_xl.excel; edi_xl.excel.refresh_status()"
    End Sub

The VBA project (:func:`vba_project`) is the Excel-made ``vbaProject.bin`` of the xlwings
wheel's standalone quickstart (``xlwings/quickstart_standalone.xlsm``: the ``xlwings`` module
with ``RunPython``), with the ``EdiXlButtons`` module (:func:`button_module_source`) added by
pyOpenVBA; the Excel-made modules are kept byte for byte. macros/ holds all of it as source and
the README explains the choice and its risk. What each button runs is in
:mod:`edi_xl.buttons.entry`.
"""

from __future__ import annotations

import functools
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook as WorkbookType

from edi_xl.core.errors import EdiXlError
from edi_xl.master.package import Package

#: The module every workbook's VBA calls (kept: workbooks in use name it).
MODULE = "edi_xl.excel"


@dataclass(frozen=True)
class Button:
    """A button above the table: its caption, its macro and the Python function it runs."""

    caption: str
    macro: str  # the Sub in the EdiXlButtons module (the button's OnAction)
    function: str

    @property
    def command(self) -> str:
        """What ``RunPython`` runs."""
        return f"import {MODULE}; {MODULE}.{self.function}()"


BUTTONS: tuple[Button, ...] = (
    Button("Refresh status", "RefreshStatus", "refresh_status"),
    Button("Create owner returns", "CreateOwnerReturns", "create_owner_returns"),
    Button("Import returns", "ImportReturns", "import_returns"),
    Button("Start new round", "StartNewRound", "start_new_round"),
    Button("Board report", "BoardReport", "board_report"),
)


#: A VML shape's Excel data (``<x:ClientData ObjectType="Button">...``; any prefix: "x" in
#: Excel's and XlsxWriter's files): its opening tag, prefix, contents and closing tag.
VML_CLIENT_DATA = re.compile(r"(<(\w+):ClientData\b[^>]*>)(.*?)(</\2:ClientData>)", re.S)
#: A form control's macro (its OnAction) in its VML shape's ``ClientData``.
_VML_MACRO = re.compile(r"<(\w+):FmlaMacro>([^<]*)</\1:FmlaMacro>")
#: A shape's placement flags set: ``MoveWithCells`` (there when it does NOT move with cells,
#: as Excel reads it) and ``SizeWithCells`` (there when it does NOT size with them); one
#: valued "False" or "f", as ClosedXML writes a flag not set, is none (group 2: its name).
VML_FLAGS = re.compile(
    r"<(\w+):(MoveWithCells|SizeWithCells)\b[^>]*?(?:/>|>\s*(?!(?i:f|false)\s*<)[^<]*</\1:\2>)"
)
#: A placement flag written at all, set or not (a person's choice, kept as it is).
_VML_ANY_FLAG = re.compile(r"<\w+:(?:MoveWithCells|SizeWithCells)\b")


def is_button_macro(macro: str) -> bool:
    """Whether a form button's macro (``FmlaMacro``) is one of edi_xl's buttons': XlsxWriter
    writes ``[0]!RefreshStatus``; Excel may name the workbook before the "!" or the module
    before the macro (``EdiXlButtons.RefreshStatus``)."""
    name = macro.rsplit("!", 1)[-1].strip().strip("'")
    return name.removeprefix(f"{BUTTON_MODULE}.") in {b.macro for b in BUTTONS}


def is_own_button(client_data: str) -> bool:
    """Whether a VML shape's ``ClientData`` (as :data:`VML_CLIENT_DATA` finds it: opening tag
    and contents) is one of edi_xl's buttons, known by its macro."""
    macro = _VML_MACRO.search(client_data)
    return 'ObjectType="Button"' in client_data and bool(macro and is_button_macro(macro[2]))


def buttons_unsized(vml: str) -> str:
    """The VML drawing ``vml`` with each of edi_xl's buttons that has no placement flags
    (XlsxWriter writes none: "Move and size with cells" to Excel) placed to move but not
    size with cells (``<x:SizeWithCells/>``), so that a column inserted under a button, by
    a round or by the user in Excel, moves it and leaves its width alone: the buttons are
    narrower than a column of the trust's narrow sheet only by chance, and one widened each
    round. A flag set on a button (in Excel's Format Control > Properties) is kept."""

    def unsized(m: re.Match[str]) -> str:
        if not is_own_button(m[1] + m[3]) or _VML_ANY_FLAG.search(m[3]):
            return m[0]
        return f"{m[1]}<{m[2]}:SizeWithCells/>{m[3]}{m[4]}"

    return VML_CLIENT_DATA.sub(unsized, vml)


QUICKSTART = "quickstart_standalone.xlsm"
#: Where the buttons sit: row 3 (blank, between the RAG key and the header), from column B.
BUTTON_ROW = 2  # 0-based, as XlsxWriter counts
BUTTON_ROW_HEIGHT = 30.0  # points
BUTTON_WIDTH, BUTTON_HEIGHT, BUTTON_GAP = 170, 30, 12  # pixels


def standalone_vba_project() -> bytes:
    """The Excel-made ``vbaProject.bin`` of the xlwings wheel's standalone quickstart.

    It holds the ``xlwings`` module (``RunPython``) and ``Module1.SampleCall``. It comes from
    the installed xlwings, so the VBA matches the Python package the buttons call.
    """
    try:
        source = resources.files("xlwings") / QUICKSTART
        data = source.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise EdiXlError(
            f"cannot make a macro-enabled master: xlwings' {QUICKSTART} was not found "
            f"({exc}); install xlwings (pip install xlwings)"
        ) from exc
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/vbaProject.bin")


BUTTON_MODULE = "EdiXlButtons"


def button_module_source() -> str:
    """The VBA of the ``EdiXlButtons`` module: one macro with no arguments per button.

    macros/EdiXlButtons.bas is this text (a test keeps them equal). Line ends are LF here;
    the module stream gets CRLF, as the Visual Basic editor writes.
    """
    lines = [
        f'Attribute VB_Name = "{BUTTON_MODULE}"',
        "' The macros of the edi_xl buttons above the table on the Action Plan sheet.",
        "' Each runs edi_xl through xlwings' RunPython: the xlwings module in this workbook",
        "' (macros/xlwings.bas + macros/Dictionary.cls) or the xlwings add-in (Tools >",
        "' References > xlwings). `edi-xl new plan.xlsm` puts this module in the workbook; to",
        "' add the buttons to another workbook by hand, import this file (macros/README.md).",
        "Option Explicit",
    ]
    for button in BUTTONS:
        lines += ["", f"Sub {button.macro}()", f'    RunPython "{button.command}"', "End Sub"]
    return "\n".join(lines) + "\n"


@functools.cache
def vba_project() -> bytes:
    """The master's ``vbaProject.bin``: :func:`standalone_vba_project` with the
    ``EdiXlButtons`` module added.

    pyOpenVBA adds the module (source only: Excel compiles it on first open, as it does the
    quickstart's modules, whose project carries no compiled cache for any Excel version) and
    leaves the Excel-made modules' streams byte for byte. The result is the same bytes for the
    same xlwings and pyOpenVBA, so a made master and the shipped template can be compared.
    """
    try:
        import xlsxwriter
        from pyopenvba import ExcelFile
    except ImportError as exc:  # pragma: no cover - dependencies
        raise EdiXlError(
            "cannot make a macro-enabled master: pip install pyOpenVBA XlsxWriter"
        ) from exc
    with tempfile.TemporaryDirectory(prefix="edi_xl-vba-") as tmp:
        path = Path(tmp) / "vba.xlsm"
        book = xlsxwriter.Workbook(str(path))
        book.add_worksheet()
        book.add_vba_project(io.BytesIO(standalone_vba_project()), is_stream=True)
        book.set_vba_name("ThisWorkbook")
        book.close()
        with ExcelFile(path) as wb:
            wb.vba_project().add_module(BUTTON_MODULE, button_module_source().replace("\n", "\r\n"))
            wb.save()
        with ExcelFile(path) as wb:
            problems = wb.validate()
            if problems or BUTTON_MODULE not in wb.module_names():
                raise EdiXlError(
                    "cannot make a macro-enabled master: the VBA project came out "
                    f"inconsistent ({'; '.join(problems) or 'module missing'})"
                )
            return wb.vba_project_bytes()


def macro_enabled_start(plan_sheet: str, column_widths: Iterable[float] = ()) -> WorkbookType:
    """An empty macro-enabled workbook to build a master in: the xlwings VBA project and
    the buttons on the plan sheet, named ``plan_sheet`` ("Action Plan": the caller names it,
    as the patch writer, which the plan's module uses, reads this module's buttons), loaded
    with openpyxl (``keep_vba=True``).

    ``column_widths`` are the widths the builder gives columns A, B, ...: the buttons are
    anchored to cells, so the shell is laid out with the final widths.
    """
    try:
        import xlsxwriter
    except ImportError as exc:  # pragma: no cover - a dependency
        raise EdiXlError("cannot make a macro-enabled master: pip install XlsxWriter") from exc
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(plan_sheet)
    book.add_vba_project(io.BytesIO(vba_project()), is_stream=True)
    book.set_vba_name("ThisWorkbook")
    sheet.set_vba_name("Sheet1")
    for col, width in enumerate(column_widths):
        sheet.set_column(col, col, width)
    sheet.set_row(BUTTON_ROW, BUTTON_ROW_HEIGHT)
    for i, button in enumerate(BUTTONS):
        sheet.insert_button(
            BUTTON_ROW,
            1,
            {
                "macro": button.macro,
                "caption": button.caption,
                "width": BUTTON_WIDTH,
                "height": BUTTON_HEIGHT,
                "x_offset": 4 + i * (BUTTON_WIDTH + BUTTON_GAP),
                "y_offset": 4,
            },
        )
    book.close()
    pkg = Package.read(buffer.getvalue())
    for name in [n for n in pkg.parts if n.endswith(".vml")]:  # (kept as bytes by openpyxl)
        pkg.put(name, buttons_unsized(pkg.parts[name].decode("utf-8")).encode("utf-8"))
    return load_workbook(io.BytesIO(pkg.to_bytes()), keep_vba=True, rich_text=False)


def bind_document_modules(wb: WorkbookType) -> None:
    """Give the first two sheets the code names of the VBA project's sheet modules.

    The Excel-made project has the document modules ThisWorkbook, Sheet1 and Sheet2; a file
    Excel saves has one sheet per sheet module, so the second sheet gets Sheet2.
    """
    for ws, name in zip(wb.worksheets, ("Sheet1", "Sheet2"), strict=False):
        ws.sheet_properties.codeName = name
