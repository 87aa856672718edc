"""Every page edi_xl writes reads well on paper, checked by rendering (tests/render_check.py).

LibreOffice prints each workbook to PDF; pdftotext gives every word's box; the check finds
words printed over each other, cut off by their cell, run into their neighbour, header words
not printed whole, and pages holding only titles or a stranded row or two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from libreoffice import poppler_missing, soffice_path
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment
from render_check import overlaps, render_check

from edi_xl.cli import EXAMPLE_AS_AT, example_plan
from edi_xl.core.model import ActionPlan
from edi_xl.flows.owner_returns import RETURN_SHEET, make_owner_returns
from edi_xl.flows.refresh import new_master
from edi_xl.tables.reader import read_plan

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        soffice_path() is None or bool(poppler_missing()),
        reason="needs LibreOffice (soffice) and poppler-utils (pdftotext): "
        "apt-get install libreoffice-calc-nogui poppler-utils",
    ),
]

NOW = datetime(2023, 12, 18, 9, 30)


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("render") / "action_plan.xlsx"
    new_master(
        path,
        read_plan(example_plan()),
        EXAMPLE_AS_AT,
        trust_name="Example NHS Foundation Trust",
        now=NOW,
    )
    return path


@pytest.fixture(scope="module")
def owner_return(demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("returns")
    result = make_owner_returns(demo_master, out, now=NOW)
    # the owner with the most actions: several pages of long wrapped texts
    return max(result.files, key=lambda f: len(f.action_ids)).path


def test_the_checker_finds_overlapping_and_cut_text(tmp_path: Path) -> None:
    """A sheet of wrapped text with no row heights (what owner returns were): the lines run
    over the next rows, and the check says so."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 8
    long_text = "This action text is far too long to fit on one line of a narrow column. " * 2
    for r in range(1, 6):
        ws.cell(r, 1, long_text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(r, 2, f"r{r}")
    ws["A8"], ws["B8"] = "31-Mar-24", "On Track"  # text that runs into its neighbour
    ws.column_dimensions["A"].width = 20
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    report = render_check(path, tmp_path / "work")
    assert {"overlap", "cut"} <= report.kinds(), str(report)


def test_the_checker_catches_an_owner_return_as_it_was_written(
    owner_return: Path, tmp_path: Path
) -> None:
    """The same return with the row heights taken away, as edi_xl wrote returns before
    this check existed: its wrapped action and update texts print over each other."""
    wb = load_workbook(owner_return)
    ws = wb[RETURN_SHEET]
    for dim in ws.row_dimensions.values():
        dim.height = None
    bad = tmp_path / "old_return.xlsx"
    wb.save(bad)
    report = render_check(bad, tmp_path / "work")
    assert report.of("overlap") and report.of("cut"), str(report)


def test_overlap_needs_a_real_overlap() -> None:
    from render_check import Word

    a = Word(1, "a", 0, 0, 10, 10)
    assert overlaps(a, Word(1, "b", 5, 5, 15, 15))
    assert not overlaps(a, Word(1, "b", 10.5, 0, 20, 10))  # side by side
    assert not overlaps(a, Word(1, "b", 0, 9.5, 10, 19.5))  # the next line, touching


def test_every_page_of_the_demo_master_reads_well(demo_master: Path, tmp_path: Path) -> None:
    report = render_check(demo_master, tmp_path)
    assert not report.problems, str(report)
    for sheet in ("Action Plan", "Summary", "Settings", "Change Log"):
        assert report.pages_of(sheet), f"{sheet} is not printed: {report.pages}"
    assert not report.pages_of("Lists"), "the Lists sheet is a helper: not printed"


def test_an_owner_return_reads_well(owner_return: Path, tmp_path: Path) -> None:
    report = render_check(owner_return, tmp_path)
    assert not report.problems, str(report)
    assert report.pages_of(RETURN_SHEET)


@pytest.mark.slow
def test_a_300_action_master_reads_well(tmp_path: Path) -> None:
    example = read_plan(example_plan())
    actions = []
    for i in range(300):
        base = example.actions[i % len(example.actions)]
        actions.append(replace(base, id=f"{i // 10 + 1}.{i % 10 + 1}"))
    plan = ActionPlan(title=example.title, actions=actions, update_headers=example.update_headers)
    path = tmp_path / "big.xlsx"
    new_master(path, plan, EXAMPLE_AS_AT, now=NOW)
    report = render_check(path, tmp_path / "work")
    assert not report.problems, str(report)
    assert len(report.pages_of("Action Plan")) > 5


def test_reply_by_date_at_the_top(demo_master: Path, tmp_path: Path) -> None:
    given = make_owner_returns(demo_master, tmp_path / "a", now=NOW, reply_by=date(2024, 1, 5))
    ws = load_workbook(given.files[0].path)[RETURN_SHEET]
    assert ws["A3"].value.startswith("Please reply by 5 January 2024. Fill in")
    default = make_owner_returns(demo_master, tmp_path / "b", now=NOW)
    ws = load_workbook(default.files[0].path)[RETURN_SHEET]
    assert "Please reply by 1 January 2024 (14 days after the as-at date" in ws["A3"].value
    assert ws["A4"].value.startswith("Status: On Track (Green); At Risk (Amber)")
    assert "Exceeded Timescales (Red) — date passed" in ws["A4"].value
    assert "Complete (Blue) — complete, with evidence" in ws["A4"].value


def _merged_return(
    demo_master: Path, owner_return: Path, tmp_path: Path, edit: Callable[[Any, int, list], None]
) -> tuple[Path, Any]:
    """A copy of the demo master with ``owner_return`` merged into it, answered by
    ``edit(sheet, header row, headers)``: the master and the merge's result."""
    import shutil

    from edi_xl.flows.merge import merge_returns

    master = tmp_path / "merged.xlsx"
    shutil.copy2(demo_master, master)
    back = tmp_path / "back"
    back.mkdir()
    wb = load_workbook(owner_return)
    ws = wb[RETURN_SHEET]
    header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
    edit(ws, header_row, [c.value for c in ws[header_row]])
    wb.save(back / owner_return.name)
    return master, merge_returns(master, [back], now=datetime(2023, 12, 20, 9))


def _returns_sheet_printed(master: Path, tmp_path: Path) -> Any:
    """The Returns sheet of ``master`` on its own (the plan, two rounds wide, prints over
    pages across), rendered (:func:`render_check`)."""
    alone = load_workbook(master)
    for name in alone.sheetnames:
        if name != "Returns":
            del alone[name]
    alone.save(tmp_path / "returns_sheet.xlsx")
    return render_check(tmp_path / "returns_sheet.xlsx", tmp_path / "render")


def test_the_returns_sheet_after_a_merge_reads_well(
    demo_master: Path, owner_return: Path, tmp_path: Path
) -> None:
    """The Returns sheet (who returned what, the chase list with its reminders) prints whole."""

    def an_update(ws: Any, header_row: int, headers: list) -> None:
        update = next(i for i, h in enumerate(headers, 1) if str(h).startswith("Update as at"))
        ws.cell(
            header_row + 1, update
        ).value = "Panel guidance drafted and shared with the networks."

    master, _ = _merged_return(demo_master, owner_return, tmp_path, an_update)
    report = _returns_sheet_printed(master, tmp_path)
    assert not report.problems, str(report)
    assert report.pages_of("Returns"), f"the Returns sheet is not printed: {report.pages}"


def test_the_returns_sheets_flag_codes_print_whole(
    demo_master: Path, owner_return: Path, tmp_path: Path
) -> None:
    """Each flag's Kind is a code (``locked_field_changed``, ``status_words_not_taken``): on
    paper it prints on one line, not broken mid-word ("locked_field_change d", helper-99,
    session 20: the column was as narrow as "When"), and the sheet still prints one page wide."""
    from render_check import pdf_words

    def flagged(ws: Any, header_row: int, headers: list) -> None:
        names = [str(h) for h in headers]
        first, second = header_row + 1, header_row + 2
        ws.cell(first, names.index("Due Date") + 1).value = "30/06/2024"  # locked: flagged
        ws.cell(
            second, names.index("Status") + 1
        ).value = "Amber: slipped to May because of staffing"

    master, result = _merged_return(demo_master, owner_return, tmp_path, flagged)
    codes = {str(f.kind) for f in result.flags}
    assert {"locked_field_changed", "status_words_not_taken"} <= codes, codes
    report = _returns_sheet_printed(master, tmp_path)
    assert not report.problems, str(report)
    assert len(report.pages_of("Returns")) == 1, report.pages  # one page wide, as before
    printed = {w.text for page in pdf_words(report.pdf) for w in page}
    assert codes <= printed, f"codes broken over lines: {sorted(codes - printed)}"


# --- a plan some rounds wide -----------------------------------------------------------------


def _answer_every_return(master: Path, work: Path, now: datetime, text: str) -> None:
    """Owner returns made, every update cell answered, merged back: one more round's column
    on the plan, each row with a long update in it."""
    from edi_xl.flows.merge import merge_returns

    sent = make_owner_returns(master, work / "sent", now=now)
    back = work / "back"
    back.mkdir(parents=True)
    for made in sent.files:
        wb = load_workbook(made.path)
        ws = wb[RETURN_SHEET]
        header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
        headers = [c.value for c in ws[header_row]]
        col = next(i for i, h in enumerate(headers, 1) if str(h).startswith("Update as at"))
        for r in range(header_row + 1, ws.max_row + 1):
            if ws.cell(r, 1).value:
                ws.cell(r, col).value = (
                    f"{text} on action {ws.cell(r, 1).value}: progress reported to the EDI "
                    "steering group; next steps agreed with the staff networks."
                )
        wb.save(back / made.path.name)
    merge_returns(master, [back], now=now)


def _plan_rounds_wide(demo_master: Path, tmp_path: Path, rounds: int) -> Path:
    """The demo master (one update column) after ``rounds - 1`` rounds of returns merged and
    new rounds started: ``rounds`` update columns, all but the new round's filled in."""
    import shutil

    from edi_xl.flows.rounds import start_round

    master = tmp_path / f"plan_{rounds}_rounds.xlsx"
    shutil.copy2(demo_master, master)
    _answer_every_return(master, tmp_path / "round1", datetime(2023, 12, 20, 9), "December")
    starts = [date(2024, 3, 18), date(2024, 6, 18), date(2024, 9, 18)]
    for n, start in enumerate(starts[: rounds - 2], start=2):
        start_round(master, start, now=datetime(start.year, start.month, start.day, 9))
        when = datetime(start.year, start.month, start.day + 2, 9)
        _answer_every_return(master, tmp_path / f"round{n}", when, f"{start:%B}")
    ws = load_workbook(master)["Action Plan"]
    updates = [c.value for c in ws[4] if str(c.value).startswith("Update as at")]
    assert len(updates) == rounds, updates
    return master


@pytest.mark.parametrize("rounds", [2, 3])
def test_a_plan_rounds_wide_prints_on_one_a3_page_across(
    demo_master: Path, tmp_path: Path, rounds: int
) -> None:
    """Two or three rounds of updates make the plan too wide for one A4 page at a readable
    scale: it prints on A3, one page wide, every sheet of the workbook reading well."""
    master = _plan_rounds_wide(demo_master, tmp_path, rounds)
    ws = load_workbook(master)["Action Plan"]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A3)
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    report = render_check(master, tmp_path / "render")
    assert not report.problems, str(report)
    assert report.pages_of("Action Plan") == [1], report.pages
    assert report.pages_of("Returns"), report.pages


@pytest.mark.slow
def test_a_plan_four_rounds_wide_prints_over_two_a4_pages_across(
    demo_master: Path, tmp_path: Path
) -> None:
    """Past one A3 page: two A4 pages across, every page reading well (headers of the
    columns each page holds, nothing cut at the page edge)."""
    master = _plan_rounds_wide(demo_master, tmp_path, 4)
    ws = load_workbook(master)["Action Plan"]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.fitToWidth == 2
    report = render_check(master, tmp_path / "render")
    assert not report.problems, str(report)
    assert len(report.pages_of("Action Plan")) >= 2, report.pages


def test_a_round_with_settings_filled_in_reads_well(demo_master: Path, tmp_path: Path) -> None:
    """The master as HR have it after a round: the Owners table's addresses and the front
    sheet's rows typed on Settings, the round started, returns merged. Every sheet prints
    whole (helper-44, session 15: owners' names cut by their addresses on Settings; "109"
    and "18-Mar-24" run into the Change Log's next column; a Returns sheet's count run into
    the owner's address)."""
    import shutil

    from edi_xl.flows.rounds import start_round
    from edi_xl.master import sheets

    master = tmp_path / "plan.xlsx"
    shutil.copy2(demo_master, master)
    start_round(master, date(2024, 3, 18), now=datetime(2024, 3, 18, 9))
    wb = load_workbook(master)
    ws = wb[sheets.SETTINGS]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Action Owner")
    r = header + 1
    while ws.cell(r, 1).value:
        name = str(ws.cell(r, 1).value).split(",")[0].lower().replace(" ", ".")
        ws.cell(r, 2).value = f"{name}@example-trust.nhs.uk"
        ws.cell(r, 3).value = "hr.business.partners@example-trust.nhs.uk"
        r += 1
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    title = "Equality, diversity and inclusion action plan: Q4 progress report to the People"
    ws.cell(rows["Paper title"], 2).value = title + " Committee"
    wb.save(master)
    _answer_every_return(master, tmp_path / "round", datetime(2024, 3, 25, 9), "Done")
    report = render_check(master, tmp_path / "render")
    assert not report.problems, str(report)
    # a number or a date is left-aligned in the Change Log and on the Returns sheet, as
    # text is: right-aligned, it met the next column's text ("109round started", "1jim@...")
    done = load_workbook(master)
    numbers = [
        cell
        for name in ("Change Log", "Returns")
        for row in done[name].iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, int | float | datetime)
    ]
    assert len(numbers) > 20
    assert {c.alignment.horizontal for c in numbers} == {"left"}
