"""The board paper: ``edi-xl report`` and the "Board report" button.

:func:`write_report` works out the figures of a master at an as-at date exactly as
``edi-xl summary`` does (the refresh runs in memory; the master is not changed), writes them as
a Word committee paper (:mod:`edi_xl.flows.report.paper`, charts from
:mod:`edi_xl.flows.report.charts`) and, when asked, converts it to PDF with LibreOffice.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from edi_xl.core.errors import EdiXlError
from edi_xl.core.problems import Code, Problem, problem
from edi_xl.core.summary import Summary, sheet_rag
from edi_xl.master.labels import read_label, with_label
from edi_xl.master.save import write_atomic

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

__all__ = ["ReportResult", "convert_to_pdf", "default_paper_path", "soffice", "write_report"]

#: Settings rows the front sheet reads; a missing or empty one is named in the notes.
_FRONT_SHEET = (
    ("Meeting", "meeting"),
    ("Meeting date", "meeting_date"),
    ("Report author", "author"),
    ("Executive lead", "executive_lead"),
)


@dataclass
class ReportResult:
    """What ``edi-xl report`` wrote and the figures it wrote."""

    path: Path
    summary: Summary
    pdf: Path | None = None
    notes: list[Problem] = field(default_factory=list)


def default_paper_path(master: Path, as_at: date) -> Path:
    """Next to the master: "<master> board report 2023-12-18.docx"."""
    return master.with_name(f"{master.stem} board report {as_at.isoformat()}.docx")


def soffice() -> str | None:
    """LibreOffice's program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(docx: Path, timeout: float = 180) -> Path:
    """Convert ``docx`` to PDF beside it with LibreOffice (its own throw-away profile)."""
    program = soffice()
    if program is None:
        raise EdiXlError(
            f"{docx}: LibreOffice is not installed, so no PDF was made (the Word paper is "
            "written: save it as PDF from Word, or install LibreOffice and add --pdf)"
        )
    docx = docx.resolve()
    target = docx.with_suffix(".pdf")
    with (
        tempfile.TemporaryDirectory(prefix="edi_xl-lo-") as profile,
        tempfile.TemporaryDirectory(prefix="edi_xl-pdf-") as out,
    ):
        args = [
            program,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            out,
            str(docx),
        ]
        try:
            subprocess.run(args, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise EdiXlError(f"{docx}: LibreOffice took over {timeout:.0f} s; no PDF") from exc
        made = Path(out) / f"{docx.stem}.pdf"
        if not made.exists():  # soffice exits 0 even when it failed
            raise EdiXlError(f"{docx}: LibreOffice did not convert it to PDF")
        shutil.move(str(made), target)
    return target


def write_report(
    master: str | Path,
    out: str | Path | None = None,
    as_at: date | None = None,
    *,
    pdf: bool = False,
    workbook: Workbook | None = None,
) -> ReportResult:
    """Write the board paper of ``master`` at ``as_at`` (default: the Settings as-at date).
    ``workbook``: the master already open (the buttons' workbook), read in place of the file
    at ``master`` (it is refreshed in memory, not saved). A master with a sensitivity label
    gives the paper the same label (:mod:`edi_xl.master.labels`)."""
    from edi_xl.flows.refresh import refresh_book
    from edi_xl.flows.report.paper import PaperData, build
    from edi_xl.master.plan import load_master, read_master_plan

    master = Path(master)
    wb = (  # (refreshed here)
        workbook
        if workbook is not None
        else load_master(master, remakes_summary=True, log_as_values=True)
    )
    result = refresh_book(wb, as_at, path=master.name)
    assert result.summary is not None
    summary = result.summary
    settings = read_master_plan(wb, master.name).settings
    data = PaperData(
        summary,
        result.plan,
        {a.id: sheet_rag(a.status_text, summary.words) for a in result.plan.actions},
        settings,
    )
    notes = [
        problem(Code.FRONT_SHEET_INCOMPLETE, file=master.name, sheet="Settings", label=label)
        for label, attr in _FRONT_SHEET
        if getattr(settings, attr) in (None, "")
    ]
    target = Path(out) if out else default_paper_path(master, summary.as_at)
    if target.suffix.lower() != ".docx":
        raise EdiXlError(f"{target}: the paper is a Word document: give a name ending .docx")
    document = build(data)
    # the master's sensitivity label goes with the paper made from it
    write_atomic(target, with_label(document.save, read_label(master)), backup=False)
    report = ReportResult(target, summary, notes=notes)
    if pdf:
        report.pdf = convert_to_pdf(target)
    return report
