"""Exceptions for what stops the work.

Problems found *in the data* (a missing owner, an unknown status word) are not
exceptions: they are :class:`edi_xl.core.problems.Problem` records in a report.
An exception here means edi_xl could not do what was asked at all.
"""

from __future__ import annotations

import re


class EdiXlError(Exception):
    """Base class: something stopped edi_xl doing what was asked."""


class RoundDateUnreadError(EdiXlError):
    """The Settings sheet's As-at date cell shows what is no date, and no date was given: the
    round cannot be told (:func:`edi_xl.master.sheets.unread_round_date` says so; the command
    line and the buttons each add how to give the date there)."""


class UnreadableFileError(EdiXlError):
    """A file could not be opened or read as a spreadsheet."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, str], dict]:
        # Pickle with (path, reason), not the formatted message: results cross process
        # boundaries (edi_xl.read.isolation) and the default would call __init__(message).
        return (self.__class__, (self.path, self.reason), dict(self.__dict__))


#: A part the package names and does not hold (zipfile's KeyError, through openpyxl).
_MISSING_PART = re.compile(r"""^["']?There is no item named '([^']+)' in the archive""")
#: openpyxl's word for any part it could not read ("... could not read worksheets from ...").
_NOT_READ = re.compile(r"^Unable to read workbook: could not read (\w[\w ]*?) from ")
#: What to do with a package a part of which is missing or cannot be read.
DAMAGED = "the file is damaged: open it in Excel, which offers to repair it, and save it again"


def cannot_open(path: object, error: BaseException) -> UnreadableFileError:
    """Why openpyxl could not open ``path`` (``error``, what it raised), in words: "cannot open
    as an Excel workbook (...)". Where its words say a part is missing ("There is no item
    named 'xl/media/image1.png' in the archive") or could not be read ("Unable to read
    workbook: could not read worksheets from None.", whose cause's first line says why), the
    part and what to do; else the first line of its message."""
    text = str(error)
    if missing := _MISSING_PART.match(text):
        reason = f"a part it refers to, {missing.group(1)}, is not in the file; {DAMAGED}"
    elif unread := _NOT_READ.match(text):
        cause = error.__cause__
        why = f" ({_first_line(cause)})" if cause is not None else ""
        reason = f"its {unread.group(1)} cannot be read{why}; {DAMAGED}"
    else:
        reason = _first_line(error)
    return UnreadableFileError(path, f"cannot open as an Excel workbook ({reason})")


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


class EncryptedFileError(UnreadableFileError):
    """The file is password protected (encrypted)."""


class NotASpreadsheetError(UnreadableFileError):
    """The file is something else: a Word document, a PDF, an image..."""


class LayoutNotFoundError(EdiXlError):
    """No action-plan table was found in a file."""


class WorkbookWriteError(EdiXlError):
    """A workbook could not be saved (locked, read-only, disk full); nothing was replaced."""


class StructureLockedError(WorkbookWriteError):
    """The workbook's structure is protected (Excel's Review > Protect Workbook) and the
    command would add, remove, hide or show a sheet; nothing was changed."""


#: What edi_xl keeps on each of its sheets, and how it knows the sheet as its own (for
#: :class:`NamesTakenError`), by title in lower case.
_SHEETS = {
    "settings": ("its settings", 'labels such as "As-at date" and "Trust name" in column A'),
    "lists": (
        "the dropdowns' lists",
        'its first row reading "Status" and "Protected Characteristic"',
    ),
    "change log": ("its log of changes", 'the headings "When", "#", "Field"... in its first row'),
    "returns": ("the round's record of returns", '"Round as at" in A2'),
    "imported from": ("its record of what it imported", "the title edi_xl gave it in A1"),
}


class NamesTakenError(EdiXlError):
    """A workbook gives one of edi_xl's sheet titles (Settings, Lists, Change Log, Returns,
    Imported from) to a sheet of its own, or one of the names edi_xl defines (AsAtDate,
    StatusList, CharacteristicList) to something of its own: edi_xl would write into them."""

    def __init__(
        self,
        path: object,
        titles: list[str],
        names: list[tuple[str, str]] | None = None,
        chart_sheets: list[str] | None = None,
    ) -> None:
        self.path = str(path)
        self.titles = list(titles)
        self.names = list(names or [])
        self.chart_sheets = list(chart_sheets or [])  # (among titles)
        parts = []
        for title in self.titles:
            kept, looks = _SHEETS.get(title.casefold(), ("its work", "its own headings"))
            if title in self.chart_sheets:
                parts.append(
                    f"the chart sheet called {title!r} has the title of the sheet edi_xl "
                    f"keeps {kept} on; rename it (right-click its tab, Rename)"
                )
                continue
            parts.append(
                f"the sheet called {title!r} does not look like the one edi_xl keeps {kept} on "
                f"({looks}), and edi_xl would write into it. If the sheet is yours, rename it "
                "(right-click its tab, Rename: Excel updates what refers to it); if it is "
                "edi_xl's, put that back"
            )
        for name, ref in self.names:
            parts.append(
                f"the workbook has a named range of its own called {name!r} (Formulas > Name "
                f"Manager: it refers to {ref}), a name edi_xl needs for its own; rename yours "
                "in the Name Manager"
            )
        super().__init__(f"{self.path}: " + "; and ".join(parts) + ". Then try again; nothing "
                         "was changed.")  # fmt: skip

    def __reduce__(
        self,
    ) -> tuple[type, tuple[str, list[str], list[tuple[str, str]], list[str]], dict]:
        return (
            self.__class__,
            (self.path, self.titles, self.names, self.chart_sheets),
            dict(self.__dict__),
        )
