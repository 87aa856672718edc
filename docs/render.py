"""Render the pictures of the example master shown in the README, as LibreOffice prints them.

    python docs/render.py

Builds the example master (the trust's 17-action plan as at 18 December 2023, what
``edi-xl demo`` makes, with a trust name on Settings), converts it with LibreOffice headless to
PDF (recalculating every formula on loading), finds each sheet's pages by the sheet name in the
page footer, and renders them with pdftoppm:

- docs/action_plan.png, docs/action_plan-2.png, ...: the Action Plan sheet, page by page;
- docs/summary-1.png, docs/summary-2.png, ...: the Summary sheet, page by page;
- docs/settings-1.png, ..., docs/change_log-1.png, ...: the Settings and Change Log sheets;
- docs/owner_return.png, docs/owner_return-2.png, ...: an owner return, page by page.

Needs LibreOffice (soffice) and poppler-utils (pdftoppm, pdftotext).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TRUST_NAME = "Example NHS Foundation Trust"
#: When the example master is made (its Change Log's time): on its as-at date, so that the
#: pictures stay the same from one run to the next.
MADE_AT = datetime(2023, 12, 18, 9, 30)


def _run(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["timeout", "-k", "10", str(timeout), *args],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )


def to_pdf(workbook: Path, outdir: Path) -> Path:
    """The PDF LibreOffice prints of ``workbook`` (every formula recalculated on loading):
    the tests' own LibreOffice helper (tests/libreoffice.py), so there is one way to run it."""
    sys.path.insert(0, str(ROOT / "tests"))
    from libreoffice import convert, soffice_path

    if soffice_path() is None:
        raise SystemExit("needs LibreOffice (soffice)")
    return convert(workbook, "pdf", outdir, timeout=120)


def pages_of(pdf: Path) -> dict[str, list[int]]:
    """Sheet name -> its page numbers, from the footer ("... Page 2 of 6  Summary")."""
    proc = _run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"])
    if proc.returncode != 0:
        raise SystemExit(f"pdftotext failed: {proc.stderr}")
    out: dict[str, list[int]] = {}
    sheet = ""
    for number, text in enumerate(proc.stdout.split("\f")[:-1], start=1):
        lines = [line for line in text.splitlines() if line.strip()]
        footer = lines[-1] if lines else ""
        if "Page" in footer:
            sheet = footer.split("Page")[-1].split(" of ")[-1].split(maxsplit=1)[-1].strip()
        elif lines and lines[0].strip().startswith("Settings"):
            sheet = "Settings"  # edi_xl's helper sheets print without a footer
        elif lines and "Old value" in lines[0] and "New value" in lines[0]:
            sheet = "Change Log"
        out.setdefault(sheet, []).append(number)  # no mark: the sheet of the page before
    return out


def _page_count(pdf: Path) -> int:
    proc = _run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"])
    if proc.returncode != 0:
        raise SystemExit(f"pdftotext failed: {proc.stderr}")
    return len(proc.stdout.split("\f")[:-1])


def png(pdf: Path, page: int, target: Path, dpi: int) -> Path:
    stem = target.with_suffix("")
    proc = _run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(stem),
        ]
    )
    if proc.returncode != 0 or not target.is_file():
        raise SystemExit(f"pdftoppm failed on page {page}: {proc.stderr}")
    return target


def render(outdir: Path = HERE, dpi: int = 80) -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from edi_xl.cli import EXAMPLE_AS_AT, example_plan
    from edi_xl.flows.owner_returns import make_owner_returns
    from edi_xl.flows.refresh import new_master
    from edi_xl.tables.reader import read_plan

    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        raise SystemExit("needs poppler-utils (pdftoppm, pdftotext)")
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="edi-xl-docs-") as tmp:
        work = Path(tmp)
        master = work / "action_plan.xlsx"
        new_master(
            master,
            read_plan(example_plan()),
            EXAMPLE_AS_AT,
            trust_name=TRUST_NAME,
            overwrite=True,
            now=MADE_AT,
        )
        pdf = to_pdf(master, work)
        pages = pages_of(pdf)
        if not pages.get("Action Plan") or not pages.get("Summary"):
            raise SystemExit(f"could not find the sheets' pages in the PDF: {pages}")
        for old in [*outdir.glob("summary-*.png"), *outdir.glob("action_plan-*.png")]:
            old.unlink()
        for i, page in enumerate(pages["Action Plan"], start=1):
            name = "action_plan.png" if i == 1 else f"action_plan-{i}.png"
            written.append(png(pdf, page, outdir / name, dpi))
        for i, page in enumerate(pages["Summary"], start=1):
            written.append(png(pdf, page, outdir / f"summary-{i}.png", dpi))
        for sheet, name in (("Settings", "settings"), ("Change Log", "change_log")):
            for old in outdir.glob(f"{name}-*.png"):
                old.unlink()
            for i, page in enumerate(pages.get(sheet, []), start=1):
                written.append(png(pdf, page, outdir / f"{name}-{i}.png", dpi))
        # an owner return, as the owner prints it
        sent = make_owner_returns(master, work / "returns", EXAMPLE_AS_AT, drafts=False)
        first = next(f for f in sent.files if len(f.action_ids) > 1)
        return_pdf = to_pdf(first.path, work)
        for old in outdir.glob("owner_return-*.png"):
            old.unlink()
        for page in range(1, _page_count(return_pdf) + 1):
            name = "owner_return.png" if page == 1 else f"owner_return-{page}.png"
            written.append(png(return_pdf, page, outdir / name, dpi))
    return written


if __name__ == "__main__":
    for path in render():
        print(path)
