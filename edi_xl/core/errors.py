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


#: What edi_xl keeps on each of its sheets (for :class:`NamesTakenError`).
_KEPT_ON = {
    "settings": "its settings",
    "lists": "the dropdowns' lists",
    "change log": "its log",
    "returns": "the round's record of returns",
    "imported from": "its record of what it imported",
}


class NamesTakenError(EdiXlError):
    """A workbook gives one of edi_xl's sheet names (Settings, Lists, Change Log) to a sheet
    of its own, or one of the names edi_xl defines (AsAtDate, StatusList,
    CharacteristicList) to a place of its own: edi_xl would write into them."""

    def __init__(
        self, path: object, titles: list[str], names: list[tuple[str, str]] | None = None
    ) -> None:
        self.path = str(path)
        self.titles = list(titles)
        self.names = list(names or [])
        parts = []
        if self.titles:
            which = " and ".join(repr(t) for t in self.titles)
            kept = " and ".join(_KEPT_ON.get(t.casefold(), "its work") for t in self.titles)
            one = len(self.titles) == 1
            parts.append(
                f"the workbook has its own {'sheet' if one else 'sheets'} called {which} "
                f"(which edi_xl did not make), and edi_xl keeps {kept} on "
                f"{'a sheet of that name' if one else 'sheets of those names'}: it would "
                "write into yours. Rename yours (right-click the tab, Rename: Excel updates "
                "what refers to it)"
            )
        if self.names:
            which = " and ".join(f"{name!r} (referring to {ref})" for name, ref in self.names)
            one = len(self.names) == 1
            parts.append(
                f"the workbook has its own {'name' if one else 'names'} {which}, which edi_xl "
                "uses for its own: it would point "
                f"{'it' if one else 'them'} at its sheets. Rename yours (Formulas > Name "
                "Manager)"
            )
        super().__init__(f"{self.path}: " + "; and ".join(parts) + ", and try again; nothing "
                         "was changed.")  # fmt: skip

    def __reduce__(self) -> tuple[type, tuple[str, list[str], list[tuple[str, str]]], dict]:
        return (self.__class__, (self.path, self.titles, self.names), dict(self.__dict__))
