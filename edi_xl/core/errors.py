"""Exceptions for what stops the work.

Problems found *in the data* (a missing owner, an unknown status word) are not
exceptions: they are :class:`edi_xl.core.problems.Problem` records in a report.
An exception here means edi_xl could not do what was asked at all.
"""

from __future__ import annotations


class EdiXlError(Exception):
    """Base class: something stopped edi_xl doing what was asked."""


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


class EncryptedFileError(UnreadableFileError):
    """The file is password protected (encrypted)."""


class NotASpreadsheetError(UnreadableFileError):
    """The file is something else: a Word document, a PDF, an image..."""


class LayoutNotFoundError(EdiXlError):
    """No action-plan table was found in a file."""


class WorkbookWriteError(EdiXlError):
    """A workbook could not be saved (locked, read-only, disk full); nothing was replaced."""


#: What edi_xl keeps on each of its sheets (for :class:`SheetNameTakenError`).
_KEPT_ON = {"Settings": "its settings", "Lists": "the dropdowns' lists", "Change Log": "its log"}


class SheetNameTakenError(EdiXlError):
    """A workbook gives one of edi_xl's sheet names (Settings, Lists, Change Log) to a sheet
    of its own: edi_xl would write into it."""

    def __init__(self, path: object, titles: list[str]) -> None:
        self.path = str(path)
        self.titles = list(titles)
        which = " and ".join(repr(t) for t in self.titles)
        kept = " and ".join(_KEPT_ON.get(t, "its work") for t in self.titles)
        one = len(self.titles) == 1
        super().__init__(
            f"{self.path}: the workbook has its own {'sheet' if one else 'sheets'} called "
            f"{which} (which edi_xl did not make), and edi_xl keeps {kept} on "
            f"{'a sheet of that name' if one else 'sheets of those names'}: it would write "
            "into yours. Rename yours (right-click the tab, Rename: Excel updates what refers "
            "to it) and try again; nothing was changed."
        )

    def __reduce__(self) -> tuple[type, tuple[str, list[str]], dict]:
        return (self.__class__, (self.path, self.titles), dict(self.__dict__))
