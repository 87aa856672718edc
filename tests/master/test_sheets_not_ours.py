"""A trust workbook with its own "Lists", "Settings", "Change Log", "Returns" or "Imported
from" sheet is refused, not written into.

edi_xl keeps its dropdowns' lists, its settings, its log, the round's record of returns
(which a merge deleted and made again) and what import read on sheets of those names. A
trust's plan often has a "Lists" sheet of its own (the choices of its dropdowns), and may
have the others: before, a refresh wrote edi_xl's lists over the trust's, and its settings and
log lines among the trust's rows. Now every command that opens a master refuses such a
workbook, naming the file and the sheet and saying how to go on (rename the sheet: Excel
updates what refers to it), and leaves it as it was. edi_xl's own sheets are known by the
names it defines on them or by their headings; an empty sheet of that name is taken.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import add_seed_plan_sheet
from openpyxl import load_workbook

from edi_xl.cli import cli
from edi_xl.core.errors import NamesTakenError
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master.plan import load_master

AS_AT = date(2023, 12, 18)


def build_plan(path: Path, own_sheets: dict[str, list[str]]) -> Path:
    """The trust's plan (seed 000) and its own sheets, each a column of text; the Status
    column's dropdown reads the trust's "Lists" when it has one (as trusts' plans do)."""
    wb = xlsxwriter.Workbook(str(path))
    ws, actions = add_seed_plan_sheet(wb)
    for title, texts in own_sheets.items():
        sheet = wb.add_worksheet(title)
        for r, text in enumerate(texts):
            sheet.write(r, 0, text)
    for title in own_sheets:
        if own_sheets[title]:
            source = f"='{title}'!$A$2:$A${len(own_sheets[title])}"
            ws.data_validation(1, 8, actions, 8, {"validate": "list", "source": source})
            break
    wb.close()
    return path


TRUST_LISTS = ["Status", "On Track", "Delayed", "Complete"]


@pytest.mark.parametrize("title", ["Lists", "Settings", "Change Log", "Returns", "Imported from"])
def test_refresh_refuses_a_workbook_with_its_own_sheet_of_edi_xls_name(
    tmp_path: Path, title: str
) -> None:
    plan = build_plan(tmp_path / "trust plan.xlsx", {title: TRUST_LISTS})
    before = plan.read_bytes()
    result = CliRunner().invoke(cli, ["refresh", str(plan), "--as-at", "2023-12-18"])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert f"{plan}: the sheet called '{title}' does not look like the one edi_xl keeps" in message
    assert "rename it (right-click its tab, Rename" in message and "nothing was changed" in message
    assert plan.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trust plan.xlsx"]  # no backup


def test_every_taken_name_is_said_at_once(tmp_path: Path) -> None:
    plan = build_plan(tmp_path / "plan.xlsx", {"Settings": ["Our settings"], "Lists": TRUST_LISTS})
    with pytest.raises(NamesTakenError) as caught:
        load_master(plan)
    assert caught.value.titles == ["Settings", "Lists"]
    message = str(caught.value)
    assert "sheet called 'Settings' does not look" in message
    assert "; and the sheet called 'Lists' does not look" in message


def test_merge_and_returns_refuse_it_too(tmp_path: Path) -> None:
    plan = build_plan(tmp_path / "plan.xlsx", {"Lists": TRUST_LISTS})
    for args in (
        ["returns", str(plan), "--as-at", "2024-03-20", "-o", str(tmp_path / "out")],
        ["merge", str(plan), str(tmp_path), "--as-at", "2024-03-20"],
        ["check", str(plan), "--as-at", "2023-12-18"],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "the sheet called 'Lists' does not look" in " ".join(result.output.split()), args


def test_renamed_as_the_message_asks_the_trusts_sheet_is_kept(tmp_path: Path) -> None:
    """What the message asks for: refused with the trust's "Lists"; renamed as Excel
    renames a sheet (its title, and the dropdown's source reading it), the refresh goes on,
    makes edi_xl's own Lists, and leaves the trust's sheet as it was (the Status column's
    dropdown is edi_xl's: it reads edi_xl's Lists)."""
    from conftest import rewrite_part

    plan = build_plan(tmp_path / "plan.xlsx", {"Lists": TRUST_LISTS})
    with pytest.raises(NamesTakenError):
        load_master(plan)
    rewrite_part(plan, "xl/workbook.xml", lambda d: d.replace(b'name="Lists"', b'name="Our lists"'))
    rewrite_part(plan, "xl/worksheets/sheet1.xml",
                 lambda d: d.replace(b"'Lists'!", b"'Our lists'!"))  # fmt: skip
    with zipfile.ZipFile(plan) as zf:
        trust_sheet = zf.read("xl/worksheets/sheet2.xml")
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    with zipfile.ZipFile(plan) as zf:
        assert zf.read("xl/worksheets/sheet2.xml") == trust_sheet
    wb = load_workbook(plan)
    assert [c.value for c in wb["Our lists"]["A"]] == TRUST_LISTS
    assert wb["Lists"]["A1"].value == "Status" and wb["Lists"]["A3"].value == "At Risk"


def test_an_empty_sheet_of_that_name_is_taken(tmp_path: Path) -> None:
    plan = build_plan(tmp_path / "plan.xlsx", {"Lists": []})
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    assert load_workbook(plan)["Lists"]["B1"].value == "Protected Characteristic"


def test_edi_xls_own_sheets_are_known_without_the_names_it_defines(master: Path) -> None:
    """A master whose names were deleted (by hand, or by another program): its Settings,
    Lists and Change Log are still known as edi_xl's by their headings."""
    wb = load_workbook(master)
    for name in ("AsAtDate", "StatusList", "CharacteristicList"):
        del wb.defined_names[name]
    wb.save(master)
    wb = load_master(master)
    assert {"Settings", "Lists", "Change Log"} <= set(wb.sheetnames)
    refresh_workbook(master, AS_AT, now=datetime(2023, 12, 18, 9))
    assert "AsAtDate" in load_workbook(master).defined_names  # put back


def test_a_master_whose_sheets_were_emptied_and_refilled_by_hand_is_refused(master: Path) -> None:
    """A Lists sheet with neither edi_xl's names nor its headings is the trust's."""
    wb = load_workbook(master)
    for name in ("StatusList", "CharacteristicList"):
        del wb.defined_names[name]
    lists = wb["Lists"]
    lists.delete_cols(1, 5)
    for r, text in enumerate(TRUST_LISTS, start=1):
        lists.cell(r, 1, text)
    wb.save(master)
    with pytest.raises(NamesTakenError, match="'Lists'"):
        load_master(master)


def test_the_trusts_own_lists_and_its_name_for_them_are_said_at_once(tmp_path: Path) -> None:
    """A trust's "Lists" with its own "StatusList" name on it (the name does not make the
    sheet edi_xl's): both in one message, so that one rename in Excel does."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    lists = wb.add_worksheet("Lists")
    lists.write_column(0, 0, TRUST_LISTS)
    wb.define_name("StatusList", "=Lists!$A$2:$A$4")
    wb.close()
    with pytest.raises(NamesTakenError) as caught:
        load_master(path)
    assert caught.value.titles == ["Lists"]
    assert caught.value.names == [("StatusList", "Lists!$A$2:$A$4")]
    message = str(caught.value)
    assert "sheet called 'Lists' does not look" in message
    assert "it refers to Lists!$A$2:$A$4)" in message


@pytest.mark.parametrize(
    ("name", "refers_to"),
    [
        ("StatusList", "=Dropdowns!$A$2:$A$4"),
        ("AsAtDate", "=DATE(2023,12,18)"),
        ("statuslist", "=Dropdowns!$A$2:$A$4"),  # another case: Excel's names ignore it
        ("StatusList", "=OFFSET(Dropdowns!$A$2,0,0,COUNTA(Dropdowns!$A:$A)-1,1)"),  # dynamic
        ("AsAtDate", '=INDIRECT("Dropdowns!B1")'),
    ],
)
def test_a_name_of_edi_xls_the_trust_uses_for_its_own_is_refused(
    tmp_path: Path, name: str, refers_to: str
) -> None:
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    wb.add_worksheet("Dropdowns").write_column(0, 0, TRUST_LISTS)
    wb.define_name(name, refers_to)
    wb.close()
    before = path.read_bytes()
    result = CliRunner().invoke(cli, ["refresh", str(path), "--as-at", "2023-12-18"])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert (
        f"called '{name}' (Formulas > Name Manager: it refers to {refers_to.lstrip('=')})"
        in message
    )
    assert path.read_bytes() == before


def test_a_name_of_edi_xls_left_broken_is_defined_again(master: Path) -> None:
    """edi_xl's name whose sheet was deleted (``#REF!``) is edi_xl's: put right, not refused."""
    wb = load_workbook(master)
    wb.defined_names["StatusList"].attr_text = "#REF!$A$2:$A$5"
    wb.save(master)
    refresh_workbook(master, AS_AT, now=datetime(2023, 12, 18, 9))
    assert load_workbook(master).defined_names["StatusList"].attr_text == "Lists!$A$2:$A$5"


def test_a_sheet_named_so_but_for_case_is_the_trusts(tmp_path: Path) -> None:
    """Excel's sheet titles ignore case: with the trust's "lists" in the workbook, edi_xl
    cannot add its "Lists" (openpyxl made "Lists1", then "Lists2" on the next refresh, while
    the dropdowns' name "Lists!..." read the trust's sheet). It is refused like "Lists"."""
    plan = build_plan(tmp_path / "plan.xlsx", {"lists": TRUST_LISTS})
    before = plan.read_bytes()
    with pytest.raises(NamesTakenError) as caught:
        load_master(plan)
    assert caught.value.titles == ["lists"]
    assert "sheet called 'lists' does not look" in str(caught.value)
    assert "the dropdowns' lists" in str(caught.value)
    assert plan.read_bytes() == before


def test_a_summary_named_so_but_for_case_is_left_alone(tmp_path: Path) -> None:
    """The trust's own "summary": left as it is, no Summary written beside it (it would be
    "Summary1"), and the note names the trust's sheet; a second refresh adds nothing."""
    plan = build_plan(tmp_path / "plan.xlsx", {"summary": ["Our own summary"]})
    result = refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    assert any("'summary'" in n.message and "left alone" in n.message for n in result.notes)
    names = load_workbook(plan).sheetnames
    assert "summary" in names and not any(n.startswith("Summary") for n in names)
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 10))
    assert load_workbook(plan).sheetnames == names
    assert load_workbook(plan)["summary"]["A1"].value == "Our own summary"


def test_a_plan_kept_on_a_sheet_the_trust_titled_summary_is_found(tmp_path: Path) -> None:
    """A trust keeps its plan on a sheet titled "Summary" (edi_xl's title for its own summary
    sheet, which it left out of its search for the plan): refresh found no plan, and said it
    had looked in sheet 'Summary' (the corpus test with the plan put into a workbook's first
    sheet, session 25). The plan is now found there and refreshed, no Summary is written, and
    the note says why; a second refresh changes nothing."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb, title="Summary")
    wb.close()
    result = refresh_workbook(path, AS_AT, now=datetime(2023, 12, 18, 9))
    assert result.plan.source is not None and result.plan.source.sheet == "Summary"
    assert [n.message for n in result.notes if n.code == "summary_sheet_not_ours"] == [
        "the plan is on a sheet called 'Summary', the title of edi_xl's own summary sheet: no "
        "Summary was written (rename the plan's sheet to get one)"
    ]
    names = load_workbook(path).sheetnames
    assert names == ["Summary", "Settings", "Lists", "Change Log"]
    assert load_workbook(path)["Summary"]["K1"].value == "Overdue"
    refresh_workbook(path, AS_AT, now=datetime(2023, 12, 18, 10))
    assert load_workbook(path).sheetnames == names


def test_the_trusts_summary_listing_actions_is_not_taken_for_the_plan(tmp_path: Path) -> None:
    """A trust's own "Summary" listing the actions as the plan does, beside the plan on a
    sheet of another title: the plan's sheet is the plan (a "Summary" is taken only when no
    other sheet holds one), and the trust's Summary is left as it was."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb, title="Summary")
    add_seed_plan_sheet(wb, title="EDI Plan 2023")
    wb.close()
    with zipfile.ZipFile(path) as zf:
        summary_part = zf.read("xl/worksheets/sheet1.xml")
    result = refresh_workbook(path, AS_AT, now=datetime(2023, 12, 18, 9))
    assert result.plan.source is not None and result.plan.source.sheet == "EDI Plan 2023"
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/worksheets/sheet1.xml") == summary_part


def test_edi_xls_own_returns_sheet_is_known_after_a_merge(master: Path, tmp_path: Path) -> None:
    """The Returns sheet a merge writes is edi_xl's: the master opens again, and a second
    merge of the round goes on."""
    from conftest import merge_one_update

    first = merge_one_update(master, tmp_path / "returns", date(2024, 3, 20), "Done",
                             datetime(2024, 3, 21, 9))  # fmt: skip
    assert [f.outcome for f in first.files] == ["merged"]
    assert "Returns" in load_master(master).sheetnames
    again = merge_one_update(master, tmp_path / "returns again", date(2024, 3, 20), "Done now",
                             datetime(2024, 3, 22, 9))  # fmt: skip
    assert [f.outcome for f in again.files] == ["merged"]


def test_a_chart_sheet_with_one_of_edi_xls_titles_is_the_trusts(tmp_path: Path) -> None:
    """A chart on its own tab called "Summary" is left alone (no "Summary1", "Summary2"... a
    refresh each); one called "Lists" is refused (it crashed with no message)."""
    for title in ("Summary", "Lists"):
        plan = tmp_path / f"{title}.xlsx"
        wb = xlsxwriter.Workbook(str(plan))
        ws, actions = add_seed_plan_sheet(wb)
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"values": f"='Action Plan'!$A$2:$A${actions + 1}"})
        wb.add_chartsheet(title).set_chart(chart)
        wb.close()
        if title == "Lists":
            with pytest.raises(NamesTakenError, match="the chart sheet called 'Lists' has the"):
                load_master(plan)
            continue
        for hour in (9, 10):
            result = refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, hour))
            assert any("'Summary'" in n.message for n in result.notes)
        names = load_workbook(plan).sheetnames
        assert names.count("Summary") == 1 and not any(n.startswith("Summary1") for n in names)


def test_edi_xls_own_sheets_edited_by_hand_are_still_known(master: Path) -> None:
    """Ordinary edits of edi_xl's own sheets do not make them the trust's: Lists' headings
    retyped or cleared (its lists kept), a Change Log heading renamed or a title row put
    above it, Settings' labels in capitals."""
    wb = load_workbook(master)
    lists, log, settings = wb["Lists"], wb["Change Log"], wb["Settings"]
    lists["A1"], lists["B1"] = " status ", None
    log["A1"] = "Date"
    log.insert_rows(1)
    log["A1"] = "Changes made by edi_xl"
    for row in settings.iter_rows(min_col=1, max_col=1):
        if isinstance(row[0].value, str):
            row[0].value = row[0].value.upper()
    wb.save(master)
    assert {"Settings", "Lists", "Change Log"} <= set(load_master(master).sheetnames)


@pytest.mark.parametrize(
    ("title", "first_row"),
    [
        ("Change Log", ["Date", "Changed by", "Field", "Old value", "New value", "Reason"]),
        ("Lists", ["Status", "Protected Characteristic"]),
    ],
)
def test_a_trusts_sheet_headed_much_as_edi_xls_is_the_trusts_before_edi_xl_saved_it(
    tmp_path: Path, title: str, first_row: list[str]
) -> None:
    """A trust's own log with three of edi_xl's headings, or its own lists under edi_xl's
    two headings, in a workbook edi_xl has not saved yet (no name of edi_xl's): the trust's.
    (In a master edi_xl saved, the headings tell edi_xl's sheets, edited, from the rest.)"""
    plan = build_plan(tmp_path / "plan.xlsx", {title: [first_row[0], "On Track", "Delayed"]})
    wb = load_workbook(plan)
    for c, heading in enumerate(first_row, start=1):
        wb[title].cell(1, c, heading)
    wb.save(plan)
    with pytest.raises(NamesTakenError, match=f"sheet called '{title}' does not look"):
        load_master(plan)


def test_a_trusts_returns_sheet_holding_only_a_chart_is_the_trusts(master: Path) -> None:
    """A merge makes its Returns sheet again whole: a trust's "Returns" holding only a
    chart (no value in a cell) is not taken for empty, and not deleted."""
    from openpyxl.chart import BarChart, Reference

    wb = load_workbook(master)
    chart = BarChart()
    chart.add_data(Reference(wb["Action Plan"], min_col=1, min_row=5, max_row=10))
    wb.create_sheet("Returns").add_chart(chart, "A1")
    wb.save(master)
    with pytest.raises(NamesTakenError, match="sheet called 'Returns' does not look"):
        load_master(master)


@pytest.mark.parametrize(
    "define",
    [
        lambda wb: wb.define_name("StatusList", "=[1]Lists!$A$2:$A$6"),  # another workbook
        lambda wb: wb.define_name("'Action Plan'!StatusList", "='Action Plan'!$Z$1:$Z$4"),
    ],
    ids=["of another workbook", "of one sheet"],
)
def test_a_name_of_edi_xls_for_another_workbook_or_one_sheet_is_the_trusts(
    tmp_path: Path, define: Any
) -> None:
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    add_seed_plan_sheet(wb)
    define(wb)
    wb.close()
    with pytest.raises(NamesTakenError) as caught:
        load_master(plan)
    assert [name for name, _ in caught.value.names][0].startswith("StatusList")
