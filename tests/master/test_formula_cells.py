"""A plan whose cells are worked out by the trust's own formulas: read as Excel shows them, kept.

Trusts work dates out (``=EDATE(G3,6)``: six months from the start), look owners up from a
list (``=VLOOKUP(...)``, ``=Owners!A2``) and set a Status from other cells (``=IF(...)``).
A master is read for what each cell shows: the result the spreadsheet program saved with the
file, as openpyxl reads it for a workbook loaded "data only". Before, such a cell was read as
its formula's text: a due date "=EDATE(G3,6)" was "not a date edi_xl can read" and an owner
"=Owners!A2" was listed as that text. A formula is the trust's own: edi_xl never writes over
it. A refresh whose rule gives another Status than the formula shows, and a return that
changes such a Status, leave the formula and say so.

The plans are built with XlsxWriter, which writes a formula with the result given to it, as
Excel saves one; and with openpyxl, which writes none, recalculated by LibreOffice, a real
spreadsheet program, which saves its own results.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import add_seed_plan_sheet, rewrite_part, seed_rows, with_formula_results
from docx import Document
from libreoffice import recalculated_copy, require_soffice
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel

from edi_xl.cli import cli
from edi_xl.core.problems import Code
from edi_xl.core.rounds import update_header
from edi_xl.core.status import RAG
from edi_xl.flows.merge import merge_returns
from edi_xl.flows.owner_returns import make_owner_returns
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master.loading import formula_result, load_workbook_fast, shown_values
from edi_xl.master.plan import load_master, read_master_plan

AS_AT = date(2023, 12, 18)
NOW = datetime(2023, 12, 18, 9)
PLAN_PART = "xl/worksheets/sheet1.xml"
PRIYA = "Priya Shah, Head of Inclusion"
#: action 1.5 (row 3): started 31 Jan 2023, due six months on (31 Jul 2023: overdue at AS_AT)
STARTED = datetime(2023, 1, 31)
DUE = date(2023, 7, 31)
DUE_FORMULA = "=EDATE(G3,6)"
STATUS_FORMULA = '=IF(H3>0,"On Track","At Risk")'
#: action 1.4 (row 2): its owner and Status looked up on the trust's Owners sheet
OWNER_FORMULA = "=Owners!A2"
LOOKED_UP_STATUS = "=Owners!B2"


def build_formula_plan(path: Path) -> Path:
    """Seed 000 (header on row 1), with action 1.5's due date and Status and action 1.4's
    owner and Status worked out by formulas, each saved with its result, as Excel saves."""
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    dated = wb.add_format({"num_format": "dd-mmm-yy"})
    ws.write_datetime("G3", STARTED, dated)
    ws.write_formula("H3", DUE_FORMULA, dated, to_excel(DUE))
    ws.write_formula("I3", STATUS_FORMULA, None, "On Track")
    ws.write_formula("F2", OWNER_FORMULA, None, PRIYA)
    ws.write_formula("I2", LOOKED_UP_STATUS, None, "On Track")
    owners = wb.add_worksheet("Owners")
    owners.write_row(0, 0, ["Owner", "Status"])
    owners.write_row(1, 0, [PRIYA, "On Track"])
    wb.close()
    return path


def _cell_xml(path: Path, ref: str) -> str:
    """The XML of the plan sheet's cell ``ref`` as the file holds it."""
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(PLAN_PART).decode()
    start = xml.index(f'<c r="{ref}"')
    return xml[start : xml.index("</c>", start) + 4]


def _edit_plan_xml(path: Path, edit: Callable[[str], str]) -> None:
    """Change the plan sheet's XML in the file, as ``edit`` changes its text."""
    rewrite_part(path, PLAN_PART, lambda data: edit(data.decode()).encode())


def _formulas(path: Path) -> dict[str, Any]:
    ws = load_workbook(path)["Action Plan"]
    return {ref: ws[ref].value for ref in ("F2", "I2", "H3", "I3")}


# --- reading ------------------------------------------------------------------------------


def test_the_loader_keeps_each_formulas_saved_result_beside_it(tmp_path: Path) -> None:
    """Text, a date, a number and True/False, as openpyxl reads them "data only"; an error
    as nothing to read; a formula saved with no result (openpyxl writes none) has none."""
    path = tmp_path / "kinds.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Action Plan")
    dated = wb.add_format({"num_format": "dd-mmm-yy"})
    ws.write_formula("A1", '="On "&"Track"', None, "On Track")
    ws.write_formula("B1", "=EDATE(DATE(2023,1,31),6)", dated, to_excel(DUE))
    ws.write_formula("C1", "=2*21", None, 42)
    ws.write_formula("D1", "=1=1", None, True)
    ws.write_formula("E1", "=1/0", None, "#DIV/0!")
    wb.close()

    loaded = load_workbook_fast(path.read_bytes())["Action Plan"]
    assert loaded["A1"].value == '="On "&"Track"'  # the cell keeps its formula
    assert shown_values(loaded) == {
        (1, 1): "On Track",
        (1, 2): datetime(2023, 7, 31),
        (1, 3): 42,
        (1, 4): True,
        (1, 5): "",  # (an error is nothing to read: no owner called "#DIV/0!")
    }
    data_only = load_workbook(path, data_only=True)["Action Plan"]
    for ref in "ABCD":
        assert formula_result(loaded[f"{ref}1"]) == data_only[f"{ref}1"].value, ref
    assert data_only["E1"].value == "#DIV/0!"
    resaved = load_workbook(path)  # openpyxl saves formulas with no results
    resaved.save(path)
    loaded = load_workbook_fast(path.read_bytes())["Action Plan"]
    assert shown_values(loaded) == {}
    assert formula_result(loaded["A1"]) is None


def test_the_results_are_kept_when_the_rows_are_read_by_lxml(tmp_path: Path) -> None:
    """A sheet whose rows the scanner leaves to lxml (here: an XML comment among them) gives
    the same results."""
    path = build_formula_plan(tmp_path / "plan.xlsx")
    scanned = shown_values(load_workbook_fast(path.read_bytes())["Action Plan"])
    _edit_plan_xml(path, lambda xml: xml.replace("<row ", "<!-- a note --><row ", 1))
    parsed = shown_values(load_workbook_fast(path.read_bytes())["Action Plan"])
    assert parsed == scanned
    assert parsed[(3, 8)] == datetime(2023, 7, 31)
    assert parsed[(2, 6)] == PRIYA


def test_the_plan_reads_what_the_formulas_show(tmp_path: Path) -> None:
    path = build_formula_plan(tmp_path / "plan.xlsx")
    plan = read_master_plan(load_master(path), path).plan
    by_id = {a.id: a for a in plan.actions}
    assert by_id["1.5"].due is not None and by_id["1.5"].due.date == DUE
    assert by_id["1.5"].status is RAG.GREEN and by_id["1.5"].status_text == "On Track"
    assert by_id["1.4"].owner == PRIYA
    assert PRIYA in plan.owners
    assert not any("=" in owner for owner in plan.owners)


def test_a_formula_saved_with_no_result_reads_as_its_text(tmp_path: Path) -> None:
    """A workbook no spreadsheet program has calculated holds no results: the formula's text
    is read, and the due date's problem names it, as before."""
    path = build_formula_plan(tmp_path / "plan.xlsx")
    wb = load_workbook(path)
    wb["Action Plan"]["H4"] = "=EDATE(G4,6)"  # (openpyxl saves no result)
    wb.save(path)
    result = refresh_workbook(path, AS_AT, now=NOW)
    (due,) = [p for p in result.report.problems if p.action_id == "1.8" and "date" in p.message]
    assert due.code is Code.UNREADABLE_DUE_DATE
    assert "=EDATE(G4,6)" in due.message


# --- refresh ------------------------------------------------------------------------------


def test_refresh_reads_the_due_date_a_formula_works_out_and_keeps_every_formula(
    tmp_path: Path,
) -> None:
    path = build_formula_plan(tmp_path / "plan.xlsx")
    result = refresh_workbook(path, AS_AT, now=NOW)
    assert not [p for p in result.report.problems if p.code is Code.UNREADABLE_DUE_DATE]
    overdue = {a.id: days for a, days in result.overdue}
    assert overdue["1.5"] == (AS_AT - DUE).days
    assert _formulas(path) == {
        "F2": OWNER_FORMULA,
        "I2": LOOKED_UP_STATUS,
        "H3": DUE_FORMULA,
        "I3": STATUS_FORMULA,
    }
    # each formula's cell as it was: its result kept for Excel to show until it recalculates
    assert "<v>On Track</v>" in _cell_xml(path, "I3") or 't="s"' in _cell_xml(path, "I3")
    assert load_workbook(path, data_only=True)["Action Plan"]["I3"].value == "On Track"
    ws = load_workbook(path)["Action Plan"]
    header = [c.value for c in ws[1]]
    assert ws.cell(3, header.index("Overdue") + 1).value == "Yes"


def test_refresh_does_not_write_over_a_status_formula_and_says_so(tmp_path: Path) -> None:
    """Action 1.5 is overdue: the rule gives "Exceeded Timescales", the formula shows "On
    Track". The formula stays; a note says what it shows and what the rule gives; the Change
    Log has no Status line for it. Action 1.4's looked-up Status agrees with the rule: no
    note."""
    path = build_formula_plan(tmp_path / "plan.xlsx")
    result = refresh_workbook(path, AS_AT, now=NOW)
    kept = [n for n in result.notes if n.code is Code.FORMULA_KEPT]
    assert [(n.action_id, n.location.row, n.location.column) for n in kept] == [
        ("1.5", 3, "Status")
    ]
    assert STATUS_FORMULA[1:] in kept[0].message or STATUS_FORMULA in kept[0].message
    assert "'On Track'" in kept[0].message and "'Exceeded Timescales'" in kept[0].message
    assert not [c for c in result.changes if c.id == "1.5" and c.field == "Status"]
    # other actions overdue and "On Track" are set to the rule's word, as ever
    ws = load_workbook(path)["Action Plan"]
    assert ws["I4"].value == "On Track"  # 1.8: due 31 Dec 2023, not overdue
    assert ws["I5"].value == "Exceeded Timescales"  # 1.9: due 30 Nov 2023
    # refreshed again: the same note, nothing else changes
    again = refresh_workbook(path, AS_AT, now=NOW)
    assert [n.message for n in again.notes if n.code is Code.FORMULA_KEPT] == [kept[0].message]
    assert _formulas(path)["I3"] == STATUS_FORMULA


def test_a_red_not_yet_due_is_counted_when_an_overdue_status_is_worked_out(
    tmp_path: Path,
) -> None:
    """1.5 is overdue, its Status a formula showing "On Track" (kept); 1.8, due later, is typed
    Red. The Summary's count of Red actions not yet due is 1: the Red count less the overdue
    count would be 0 (3 Red, 3 overdue), and the board paper would not say it."""
    path = build_formula_plan(tmp_path / "plan.xlsx")
    typed_red = '<c r="I4" t="inlineStr"><is><t>Exceeded Timescales</t></is></c>'
    typed = _cell_xml(path, "I4")  # 1.8's Status
    _edit_plan_xml(path, lambda xml: xml.replace(typed, typed_red))
    result = refresh_workbook(path, AS_AT, now=NOW)
    assert result.summary is not None
    assert {a.id for a, _ in result.overdue} == {"1.5", "1.9", "6.3"}
    assert result.summary.overall.counts[RAG.RED] == 3
    assert result.summary.red_not_due == 1
    assert result.summary.to_dict()["rag"]["red_not_due"] == 1
    paper = tmp_path / "paper.docx"
    said = CliRunner().invoke(cli, ["report", str(path), "-o", str(paper)])
    assert said.exit_code == 0, said.output
    text = " ".join(p.text for p in Document(str(paper)).paragraphs)
    assert "1 action marked Red has not yet passed its due date." in text


# --- merge --------------------------------------------------------------------------------


def _return_of(folder: Path, owner: str) -> Path:
    (found,) = [p for p in folder.glob("*.xlsx") if owner.split(",")[0] in p.name]
    return found


def _answer(returned: Path, action_id: str, status: str | None, update: str) -> int:
    """Fill in ``returned`` as its owner would in Excel: the Status (unless None) and the
    round's update of ``action_id``; the return's row of that action."""
    wb = load_workbook(returned)
    ws = wb["Your actions"]
    header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
    header = [c.value for c in ws[header_row]]
    row = next(r for r in range(header_row + 1, ws.max_row + 1) if ws.cell(r, 1).value == action_id)
    if status is not None:
        ws.cell(row, header.index("Status") + 1).value = status
    ws.cell(row, header.index(update_header(AS_AT)) + 1).value = update
    wb.save(returned)
    return row


def test_a_return_is_not_written_over_a_status_formula(tmp_path: Path) -> None:
    """Priya's return says "At Risk" for action 1.4, whose Status the master looks up with a
    formula: the formula stays, the merge flags it, and her update is taken."""
    path = build_formula_plan(tmp_path / "plan.xlsx")
    refresh_workbook(path, AS_AT, now=NOW)
    folder = tmp_path / "returns"
    make_owner_returns(path, folder, AS_AT)
    returned = _return_of(folder, PRIYA)
    row = _answer(returned, "1.4", "At Risk", "Panels trained in November.")

    result = merge_returns(path, [returned], as_at=AS_AT, now=NOW)
    (flag,) = [f for f in result.flags if f.kind is Code.FORMULA_NOT_OVERWRITTEN]
    assert flag.id == "1.4" and flag.file == returned.name
    assert flag.problem.location.row == row and flag.problem.location.column == "Status"
    assert "=Owners!B2" in flag.message and "'At Risk'" in flag.message
    ws = load_workbook(path)["Action Plan"]
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("Status") + 1).value == LOOKED_UP_STATUS
    assert ws.cell(2, header.index(update_header(AS_AT)) + 1).value == (
        "Panels trained in November."
    )
    assert [c.field for c in result.changes if c.id == "1.4"] == ["update"]


# --- a real spreadsheet program -------------------------------------------------------------


@pytest.mark.libreoffice
def test_results_libreoffice_worked_out_are_read(tmp_path: Path) -> None:
    """The formulas written by openpyxl (no results), calculated and saved by LibreOffice:
    the plan reads LibreOffice's results (an empty text too: a row made ready for the next
    action, its formulas showing nothing, is no action), and a refresh keeps the formulas."""
    require_soffice()
    source = build_formula_plan(tmp_path / "plan.xlsx")
    wb = load_workbook(source)
    ws = wb["Action Plan"]
    ws["H4"] = "=EDATE(G3,11)"  # action 1.8: due 31 Dec 2023
    ws["F4"] = "=Owners!A2"
    for col in "ACFI":  # a row made ready for the next action: it shows nothing
        ws[f"{col}19"] = f'=IF($B19="","",{col}18)'
    wb.save(source)
    assert formula_result(load_workbook_fast(source.read_bytes())["Action Plan"]["H4"]) is None
    calculated = recalculated_copy(source, tmp_path / "lo")

    plan = read_master_plan(load_master(calculated), calculated).plan
    by_id = {a.id: a for a in plan.actions}
    assert by_id["1.8"].due is not None and by_id["1.8"].due.date == date(2023, 12, 31)
    assert by_id["1.8"].owner == PRIYA
    assert by_id["1.5"].due is not None and by_id["1.5"].due.date == DUE
    assert len(plan.actions) == 17  # (the row made ready is not an action)
    assert shown_values(load_master(calculated)["Action Plan"])[(19, 1)] == ""
    result = refresh_workbook(calculated, AS_AT, now=NOW)
    assert not [p for p in result.report.problems if p.location.row == 19]
    assert [n.action_id for n in result.notes if n.code is Code.FORMULA_KEPT] == ["1.5"]
    after = load_workbook(calculated)["Action Plan"]
    assert after["H4"].value == "=EDATE(G3,11)"
    assert after["F4"].value == "=Owners!A2"


@pytest.mark.libreoffice
def test_the_summary_counts_an_owner_a_formula_looks_up(tmp_path: Path) -> None:
    """The Summary's row for Priya, whose name the plan looks up with a formula, counts with
    COUNTIFS (which reads the formula's result), and LibreOffice works it out to her one
    action, Green. Before, her row held fixed numbers: the plan's cell read as "=Owners!A2"
    did not match her name."""
    path = build_formula_plan(tmp_path / "plan.xlsx")
    refresh_workbook(path, AS_AT, now=NOW)
    ws = load_workbook(path)["Summary"]
    (row,) = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == PRIYA]
    counts = [ws.cell(row, c).value for c in range(4, 8)]
    assert all(str(v).startswith("=COUNTIFS(") for v in counts), counts
    require_soffice()
    calculated = load_workbook(recalculated_copy(path, tmp_path / "lo"), data_only=True)
    summary = calculated["Summary"]
    assert [summary.cell(row, c).value for c in range(4, 9)] == [1, 0, 0, 0, 1]


# --- Excel's filled-down ("shared") formulas, a round's new column ---------------------------


def share_formulas(path: Path, ref: str) -> None:
    """Make the formulas XlsxWriter wrote in the range ``ref`` one shared formula, as Excel
    saves a formula filled down or right: the first cell holds its text and the range, each
    other cell only ``<f t="shared" si="0"/>`` (and its result)."""
    left, top, right, bottom = range_boundaries(ref)
    cells = {
        f"{get_column_letter(c)}{r}" for r in range(top, bottom + 1) for c in range(left, right + 1)
    }
    first = f"{get_column_letter(left)}{top}"

    def share(found: re.Match[str]) -> str:
        if found.group(1) not in cells:
            return found.group(0)
        if found.group(1) == first:
            return found.group(0).replace("<f>", f'<f t="shared" ref="{ref}" si="0">')
        return re.sub(r"<f>.*?</f>", '<f t="shared" si="0"/>', found.group(0))

    pattern = r'<c r="([A-Z]+\d+)"[^>]*><f>.*?</f>(?:<v>.*?</v>|<v/>)?</c>'
    _edit_plan_xml(path, lambda xml: re.sub(pattern, share, xml))


def build_override_plan(path: Path) -> Path:
    """Seed 000 with Status filled down as one formula, ``=IF(K2="","On Track",K2)``,
    reading a "RAG override" column K right of the update column: 1.11 (row 6) "At Risk",
    2.3 (row 9) "Complete"."""
    wb = xlsxwriter.Workbook(str(path))
    ws, count = add_seed_plan_sheet(wb)
    ws.write("K1", "RAG override")
    overrides = {6: "At Risk", 9: "Complete"}
    for r in range(2, 2 + count):
        if r in overrides:
            ws.write(f"K{r}", overrides[r])
        shown = overrides.get(r, "On Track")
        ws.write_formula(f"I{r}", f'=IF(K{r}="","On Track",K{r})', None, shown)
    wb.close()
    share_formulas(path, f"I2:I{1 + count}")
    return path


def test_a_formula_moved_by_a_rounds_new_column_keeps_its_result(tmp_path: Path) -> None:
    """A merge inserts the round's column left of K: each Status formula is moved to read L,
    and keeps its result in the file, so the next command reads the Status as Excel shows it
    (before, the moved formulas were saved with no result and read as their text: "not a
    RAG status" for every action)."""
    path = build_override_plan(tmp_path / "plan.xlsx")
    refresh_workbook(path, AS_AT, now=NOW)
    folder = tmp_path / "returns"
    make_owner_returns(path, folder, AS_AT)
    returned = _return_of(folder, "Louanna Lubega")
    _answer(returned, "2.1", None, "Campaign launched.")
    merge_returns(path, [returned], as_at=AS_AT, now=NOW)

    assert 't="str"' in _cell_xml(path, "I2") and "<v>On Track</v>" in _cell_xml(path, "I2")
    assert load_workbook(path)["Action Plan"]["I6"].value == '=IF(L6="","On Track",L6)'
    plan = read_master_plan(load_master(path), path).plan
    statuses = {a.id: a.status_text for a in plan.actions}
    assert statuses["1.11"] == "At Risk" and statuses["2.3"] == "Complete"
    assert set(statuses.values()) == {"On Track", "At Risk", "Complete"}
    again = refresh_workbook(path, AS_AT, now=NOW)
    assert not [p for p in again.report.problems if p.code is Code.UNKNOWN_STATUS]


def _overdue_filled_down(path: Path) -> Path:
    """Seed 000 with edi_xl's grey columns' headers, and the trust's own formula filled
    down the Overdue column, K2:K30 (saved shared), showing "Check" on the actions' rows and
    "spare" below them."""
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_row(0, 10, ["Overdue", "Days overdue", "Problems"])
    for r in range(2, 31):
        shown = "spare" if r > 18 else "Check"
        ws.write_formula(f"K{r}", f'=IF(A{r}="","spare","Check")', None, shown)
    wb.close()
    share_formulas(path, "K2:K30")
    return path


@pytest.mark.libreoffice
def test_writing_over_the_first_cell_of_a_filled_down_formula_keeps_the_rest(
    tmp_path: Path,
) -> None:
    """The trust filled its own formula down edi_xl's Overdue column, K2:K30. A refresh
    writes K2:K18 (the actions' rows; edi_xl's column). The cells below keep their formula,
    each written out in full: before, they were left marking a shared formula whose text had
    gone with K2 (openpyxl read "=", LibreOffice dropped them, Excel asks to repair)."""
    path = _overdue_filled_down(tmp_path / "plan.xlsx")
    refresh_workbook(path, AS_AT, now=NOW)
    ws = load_workbook(path)["Action Plan"]
    assert ws["K2"].value in ("No", "Yes") and ws["K18"].value in ("No", "Yes")
    assert [ws[f"K{r}"].value for r in (19, 25, 30)] == [
        '=IF(A19="","spare","Check")',
        '=IF(A25="","spare","Check")',
        '=IF(A30="","spare","Check")',
    ]
    assert 't="shared"' not in _cell_xml(path, "K19")
    require_soffice()
    # LibreOffice works the formulas out: the cells below the actions hold theirs
    calculated = load_workbook(recalculated_copy(path, tmp_path / "lo"), data_only=True)
    assert [calculated["Action Plan"][f"K{r}"].value for r in (19, 25, 30)] == ["spare"] * 3


def test_no_note_when_the_formula_shows_the_rules_colour_in_other_words(tmp_path: Path) -> None:
    """A formula showing "Red" on an overdue action, or "Green" on one on track, agrees with
    the rule (which would write the Settings word): no note."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_formula("I2", '="Green"', None, "Green")  # 1.4: due 31 Mar 2024
    ws.write_formula("I5", '="Red"', None, "Red")  # 1.9: due 30 Nov 2023, overdue
    wb.close()
    result = refresh_workbook(path, AS_AT, now=NOW)
    assert not [n for n in result.notes if n.code is Code.FORMULA_KEPT]
    assert _formulas(path)["I2"] == '="Green"'


def test_the_rag_counts_printed_are_what_the_status_column_shows(tmp_path: Path) -> None:
    """1.5's formula shows "On Track" though it is overdue: the counts a refresh prints (and
    the buttons show) count it Green, as the saved sheet shows it, read again."""
    path = build_formula_plan(tmp_path / "plan.xlsx")
    counts = refresh_workbook(path, AS_AT, now=NOW).rag_counts()
    saved = read_master_plan(load_master(path), path).plan.actions
    assert next(a for a in saved if a.id == "1.5").status is RAG.GREEN
    assert counts == {rag.value: sum(1 for a in saved if a.status is rag) for rag in RAG}
    assert counts["Green"] > 0 and counts["Red"] > 0


def test_a_formula_showing_an_error_is_no_owner(tmp_path: Path) -> None:
    """An owner looked up by a formula that shows #N/A is no owner: the action has none (a
    warning), and no return is made for an owner called "#N/A"."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_formula("F2", '=VLOOKUP("x",Owners!A:A,1,FALSE)', None, "#N/A")
    wb.add_worksheet("Owners")
    wb.close()
    result = refresh_workbook(path, AS_AT, now=NOW)
    assert not [o for o in result.plan.owners if "#" in o]
    (missing,) = [p for p in result.report.problems if p.code is Code.MISSING_OWNER]
    assert missing.action_id == "1.4"
    made = make_owner_returns(path, tmp_path / "returns", AS_AT)
    assert not [f for f in made.files if "N A" in f.path.name or "#" in f.path.name]


def test_a_kept_status_formula_is_not_said_to_be_applied(tmp_path: Path) -> None:
    """Priya's Status changed in the master (its formula now shows "At Risk") after her
    return was sent; her return says "Complete". The merge says only that the formula was
    kept: not also that her word "is applied" (changed_since_sent), which it was not."""
    path = build_formula_plan(tmp_path / "plan.xlsx")
    refresh_workbook(path, AS_AT, now=NOW)
    folder = tmp_path / "returns"
    make_owner_returns(path, folder, AS_AT)
    # the looked-up Status changes in the master: its result, as Excel would save it
    looked_up = r'(<c r="I2"[^>]*><f>Owners!B2</f><v>)On Track(</v>)'
    _edit_plan_xml(path, lambda xml: re.sub(looked_up, r"\1At Risk\2", xml))
    assert "<v>At Risk</v>" in _cell_xml(path, "I2")
    _answer(_return_of(folder, PRIYA), "1.4", "Complete", "Done, evidence attached.")
    returned = _return_of(folder, PRIYA)
    result = merge_returns(path, [returned], as_at=AS_AT, now=NOW)
    kinds = [f.kind for f in result.flags if f.id == "1.4"]
    assert Code.FORMULA_NOT_OVERWRITTEN in kinds
    assert Code.CHANGED_SINCE_SENT not in kinds


def test_rows_made_ready_with_formulas_are_not_actions(tmp_path: Path) -> None:
    """Below the 17 actions, rows 19 to 60 are made ready for actions to come: a number
    counted by a formula and a Status filled down, showing "On Track". They are no actions
    (before, each was read as one, with no action text: 42 errors). A row where something is
    typed is read, as ever; so is a row whose action a formula brings in."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    for r in range(19, 61):
        ws.write_formula(f"A{r}", "=ROW()-1", None, r - 1)
        ws.write_formula(f"I{r}", f'=IF(J{r}="","On Track",J{r})', None, "On Track")
    ws.write(f"F{40}", "Typed Owner")  # typed: row 40 is read (and has no action)
    ws.write_formula("C45", "=Owners!A1", None, "An action another sheet holds")
    wb.add_worksheet("Owners").write("A1", "An action another sheet holds")
    wb.close()
    result = refresh_workbook(path, AS_AT, now=NOW)
    rows = sorted(a.origin.row for a in result.plan.actions if a.origin)
    assert rows == [*range(2, 19), 40, 45]
    missing = {p.location.row for p in result.report.problems if p.code is Code.MISSING_ACTION}
    assert {r for r in missing if r > 18} == {40}
    ws = load_workbook(path)["Action Plan"]
    assert ws["I30"].value == '=IF(J30="","On Track",J30)'  # kept, not refreshed


def _one_status_formula(path: Path, formula: str, shown: str | None) -> Path:
    """Seed 000 with action 1.9's Status (row 5; due 30 Nov 2023, so overdue at AS_AT) worked
    out by ``formula``, saved showing ``shown`` (None: saved with no result)."""
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_formula("I5", formula, None, shown if shown is not None else "")
    wb.close()
    cell = _cell_xml(path, "I5")
    if shown is None:  # as openpyxl saves a formula: no result
        fixed = re.sub(r"<v>.*?</v>|<v/>", "", cell).replace(' t="str"', "")
    elif shown == "":  # as Excel saves a formula showing no text
        fixed = re.sub(r"<v>.*?</v>|<v/>", "<v></v>", cell)
        if ' t="' not in fixed:
            fixed = fixed.replace('<c r="I5"', '<c r="I5" t="str"', 1)
    else:
        fixed = cell
    _edit_plan_xml(path, lambda xml: xml.replace(cell, fixed))
    return path


def test_the_formula_kept_note_says_what_the_formula_shows(tmp_path: Path) -> None:
    """Action 1.9 is overdue. Its Status formula showing a word that is no RAG status, or
    saved with no result, is kept with no note (the rule would not write over such a word
    either: it is reported as not a RAG status); one showing nothing gets a note saying so."""
    for shown in ("TBC", None):
        path = _one_status_formula(tmp_path / f"{shown}.xlsx", '=IF(K5="","TBC",K5)', shown)
        result = refresh_workbook(path, AS_AT, now=NOW)
        assert not [n for n in result.notes if n.code is Code.FORMULA_KEPT], shown
        assert load_workbook(path)["Action Plan"]["I5"].value == '=IF(K5="","TBC",K5)'
    path = _one_status_formula(tmp_path / "empty.xlsx", '=IF(K5="","",K5)', "")
    (note,) = [n for n in refresh_workbook(path, AS_AT, now=NOW).notes]
    assert note.code is Code.FORMULA_KEPT and note.action_id == "1.9"
    assert "action 1.9" in note.message and "which shows nothing" in note.message
    assert "'Exceeded Timescales'" in note.message


def test_a_formula_written_over_another_keeps_no_result(tmp_path: Path) -> None:
    """import --into fills the plan's Key formula (=A19&"-key") down into the rows made
    ready below it, over their own formula (=IF(A19="","",A19&"-key"), showing nothing). The
    new formula keeps no result of the one it replaced: the old one's "" would be read as
    the new action's Key."""
    from edi_xl.flows.importer import import_into

    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, count = add_seed_plan_sheet(wb)
    ws.write("K1", "Key")
    _, rows = seed_rows()
    for r in range(2, 2 + count):
        ws.write_formula(f"K{r}", f'=A{r}&"-key"', None, rows[r - 2][0] + "-key")
    for r in range(2 + count, 7 + count):
        ws.write_formula(f"K{r}", f'=IF(A{r}="","",A{r}&"-key")', None, "(spare)")
    wb.close()
    source = tmp_path / "source.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("Plan")
    header, _ = seed_rows()
    sheet.write_row(0, 0, header)
    sheet.write_row(1, 0, ["9.1", *rows[0][1:]])
    book.close()
    import_into([source], path, as_at=AS_AT, now=NOW)
    loaded = load_master(path)["Action Plan"]
    assert loaded["K19"].value == '=A19&"-key"'
    assert formula_result(loaded["K19"]) is None  # (not the "(spare)" of the formula it replaced)
    assert formula_result(loaded["K20"]) == "(spare)"  # a made-ready row's, untouched


def test_a_shared_formula_with_cells_written_without_references(tmp_path: Path) -> None:
    """The format lets a cell leave out its reference (the one after the cell before). The
    cells of a shared formula written so get their formula worked out from the first cell's,
    as Excel works it out (openpyxl misreads them), when edi_xl writes over the first."""
    path = _overdue_filled_down(tmp_path / "plan.xlsx")
    # rows 19 to 30: their cells A to J empty, K with no reference
    unreferenced = r'(<row r="(?:19|2\d|30)"[^>]*>)<c r="K\d+"'
    _edit_plan_xml(path, lambda xml: re.sub(unreferenced, r"\1" + "<c/>" * 10 + "<c", xml))
    result = refresh_workbook(path, AS_AT, now=NOW)
    assert not [n for n in result.notes if n.code is Code.SAVED_BY_REWRITE]
    ws = load_workbook(path)["Action Plan"]
    assert [ws[f"K{r}"].value for r in (19, 20, 30)] == [
        f'=IF(A{r}="","spare","Check")' for r in (19, 20, 30)
    ]


@pytest.mark.libreoffice
def test_a_formula_filled_right_across_the_rounds_new_column(tmp_path: Path) -> None:
    """A totals row, =COUNTA(A2:A18) filled right from C22 to M22 (saved shared). The round's
    column goes in at K: each cell keeps counting the column it counted (before, the cells
    right of K, still marks of the shared formula, were worked out from C22 at their new
    distance: L22 counted J, and M22 the new round's column)."""
    from edi_xl.flows.rounds import start_round

    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    for c in range(3, 14):  # C..M, each counting the column two to its left
        counted = get_column_letter(c - 2)
        ws.write_formula(21, c - 1, f"=COUNTA({counted}2:{counted}18)", None, 17)
    wb.close()
    share_formulas(path, "C22:M22")
    start_round(path, AS_AT, now=NOW)
    ws = load_workbook(path)["Action Plan"]
    assert ws["K1"].value == update_header(AS_AT)
    assert [ws.cell(22, c).value for c in (10, 12, 13, 14)] == [
        "=COUNTA(H2:H18)",
        "=COUNTA(I2:I18)",
        "=COUNTA(J2:J18)",
        "=COUNTA(L2:L18)",
    ]
    require_soffice()
    calculated = load_workbook(recalculated_copy(path, tmp_path / "lo"), data_only=True)
    # (I holds the 17 Statuses, J the 18 Sep updates, L, once K, nothing)
    assert [calculated["Action Plan"].cell(22, c).value for c in (12, 13, 14)] == [17, 17, 0]


def test_a_loaded_workbook_goes_when_it_is_dropped(tmp_path: Path) -> None:
    """What the loader keeps of a sheet's formulas goes with the sheet: a workbook loaded and
    dropped is freed (a table keyed weakly by the sheet, its cells referring to it, kept
    every workbook a process ever loaded)."""
    import gc
    import weakref

    path = build_formula_plan(tmp_path / "plan.xlsx")
    sheets = []
    for _ in range(3):
        wb = load_workbook_fast(path.read_bytes())
        assert shown_values(wb["Action Plan"])  # (its formulas' results are kept)
        sheets.append(weakref.ref(wb["Action Plan"]))
        del wb
    gc.collect()
    assert [ref() for ref in sheets] == [None, None, None]


def test_an_as_at_date_a_formula_works_out_is_kept_while_it_shows_the_round(
    master: Path,
) -> None:
    """The as-at date on Settings worked out by a formula of the trust's (=DATE(...),
    =TODAY()): read as the date it shows, and kept by a refresh at that date (before, every
    refresh wrote the date over it, so a =TODAY() was frozen the first time); a refresh at
    another date writes that date there, and logs it, as it does over a typed date."""
    from edi_xl.master import sheets

    wb = load_workbook(master)
    settings = wb[sheets.SETTINGS]
    row = next(r for r in range(1, 30) if settings.cell(r, 1).value == sheets.AS_AT_LABEL)
    settings.cell(row, 2).value = "=DATE(2023,12,18)"
    wb.save(master)
    with zipfile.ZipFile(master) as zf:  # (its result, as Excel saves it: openpyxl saves none)
        (part,) = [n for n in zf.namelist() if b"<f>DATE(2023,12,18)</f>" in zf.read(n)]
    with_formula_results(master, {f"B{row}": 45278}, part)
    result = refresh_workbook(master, now=NOW)  # (as at the round on Settings)
    assert result.as_at == AS_AT
    assert not [c for c in result.changes if "As-at" in c.field]
    assert load_workbook(master)[sheets.SETTINGS].cell(row, 2).value == "=DATE(2023,12,18)"
    later = refresh_workbook(master, date(2024, 3, 18), now=NOW)
    assert [c.new for c in later.changes if "As-at" in c.field] == [date(2024, 3, 18)]
    assert load_workbook(master)[sheets.SETTINGS].cell(row, 2).value == datetime(2024, 3, 18)


def test_a_picture_placed_in_a_cell_or_a_pasted_error_is_no_owner(tmp_path: Path) -> None:
    """Excel 365's Place in Cell keeps a picture in a cell as the error ``#VALUE!`` (with the
    picture beside it); a value pasted from a formula showing ``#N/A`` is that error alone.
    Neither is an owner, a theme or an update: they read as empty, as a formula showing an
    error does (helper-82: an owner "#VALUE!" was sent a return, the Summary listed a theme
    "#VALUE!" and an owner's return showed it as the last update). The cells stay as they
    were."""
    from test_fidelity import _png

    path = tmp_path / "plan.xlsx"
    picture = tmp_path / "photo.png"
    picture.write_bytes(_png())
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.embed_image("B2", str(picture))  # action 1.4's Milestone
    ws.embed_image("F3", str(picture))  # action 1.5's owner: a photo of them
    ws.write_formula("F4", "=NA()", None, "#N/A")  # (rewritten below as a pasted value)
    wb.close()
    rewrite_part(
        path,
        PLAN_PART,
        lambda data: re.sub(rb'(<c r="F4"[^>]*?)>\s*<f>NA\(\)</f>', rb"\1>", data),
    )
    assert "<f>" not in _cell_xml(path, "F4") and "#N/A" in _cell_xml(path, "F4")
    before = {ref: _cell_xml(path, ref) for ref in ("B2", "F3", "F4")}

    result = refresh_workbook(path, AS_AT, now=NOW)
    assert not [o for o in result.plan.owners if "#" in o]
    assert not [a.theme for a in result.plan.actions if a.theme and "#" in a.theme]
    missing = {p.action_id for p in result.report.problems if p.code is Code.MISSING_OWNER}
    assert {"1.5", "1.8"} <= missing  # (the actions of rows 3 and 4)
    made = make_owner_returns(path, tmp_path / "returns", AS_AT)
    assert not [f for f in made.files if "VALUE" in f.path.name or "#" in f.path.name]
    assert {ref: _cell_xml(path, ref) for ref in before} == before


@pytest.mark.parametrize("as_at", [date(2023, 12, 18), date(2024, 1, 15)])
def test_a_status_cell_holding_an_error_is_not_cleared(tmp_path: Path, as_at: date) -> None:
    """A Status cell holding a pasted ``#N/A`` (action 1.5) or a picture placed in it (1.8)
    reads as no Status; a refresh, which compared that with the cell's "#N/A", cleared the
    cell and logged "#N/A" -> nothing, and wrote "Exceeded Timescales" over the picture once
    the action was overdue (helper-85). Both cells are kept as they were, as a Status formula
    is, and where the rule gives a word (overdue at 15 January 2024) a note says so."""
    from test_fidelity import _png

    path = tmp_path / "plan.xlsx"
    picture = tmp_path / "photo.png"
    picture.write_bytes(_png())
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_formula("I3", "=NA()", None, "#N/A")  # (rewritten below as a pasted value)
    ws.embed_image("I4", str(picture))
    wb.close()
    rewrite_part(
        path,
        PLAN_PART,
        lambda data: re.sub(rb'(<c r="I3"[^>]*?)>\s*<f>NA\(\)</f>', rb"\1>", data),
    )
    before = {ref: _cell_xml(path, ref) for ref in ("I3", "I4")}

    result = refresh_workbook(path, as_at, now=NOW)
    assert {ref: _cell_xml(path, ref) for ref in before} == before
    assert not [c for c in result.changes if c.id in ("1.5", "1.8") and c.field == "Status"]
    kept = [n for n in result.notes if n.code is Code.STATUS_ERROR_KEPT]
    if as_at == date(2024, 1, 15):  # (both overdue then)
        assert [(n.action_id, n.location.row) for n in kept] == [("1.5", 3), ("1.8", 4)]
        assert "#N/A" in kept[0].message and "Exceeded Timescales" in kept[0].message
    else:
        assert not kept


def test_the_summary_libreoffice_works_out_counts_as_edi_xl_reads_error_cells(
    tmp_path: Path,
) -> None:
    """An owner cell holding a pasted ``#N/A``, a theme cell holding a picture placed in it
    and a Status cell holding ``#N/A``: edi_xl reads each as empty, and the Summary's live
    counts must agree once recalculated. Compared as they were, one error cell made its
    whole SUMPRODUCT count an error: the "(no owner)" and "(no milestone)" rows showed
    ``#N/A`` in Excel (helper-85)."""
    from test_fidelity import _png
    from test_summary import python_tables, rag_tables

    from edi_xl.flows.refresh import summarise_master
    from edi_xl.master.summary_sheet import SUMMARY

    require_soffice()
    path = tmp_path / "plan.xlsx"
    picture = tmp_path / "photo.png"
    picture.write_bytes(_png())
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_formula("F3", "=NA()", None, "#N/A")  # 1.5's owner (made a pasted value below)
    ws.write_formula("I6", "=NA()", None, "#N/A")  # a Status
    ws.embed_image("B4", str(picture))  # 1.8's theme
    ws.write_blank("F5", None)  # no owner
    wb.close()
    pasted = rb'(<c r="(?:F3|I6)"[^>]*?)>\s*<f>NA\(\)</f>'
    rewrite_part(path, PLAN_PART, lambda data: re.sub(pasted, rb"\1>", data))
    refresh_workbook(path, AS_AT, now=NOW)

    mine = python_tables(summarise_master(path))
    recalculated = recalculated_copy(path, tmp_path / "lo")
    assert rag_tables(load_workbook(recalculated, data_only=True)[SUMMARY]) == mine
    assert any(label == "(no owner)" for label, _ in mine["RAG status by action owner"])
