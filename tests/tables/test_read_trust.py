"""Reading the trust's own layout (seed 000) from real workbooks."""

from datetime import date, datetime

import pytest
from conftest import build_trust_workbook, seed_rows
from openpyxl import Workbook, load_workbook

from edi_xl.core.dates import DateKind
from edi_xl.core.errors import LayoutNotFoundError
from edi_xl.core.problems import Code
from edi_xl.core.references import Scheme
from edi_xl.core.status import RAG
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.tables.reader import read_plan

SEED_IDS = [
    "1.4",
    "1.5",
    "1.8",
    "1.9",
    "1.11",
    "2.1",
    "2.2",
    "2.3",
    "3.3",
    "3.4",
    "4.1",
    "4.2",
    "5.1",
    "5.6",
    "6.3",
    "6.4",
    "6.5",
]


def test_reads_all_17_seed_actions_with_title_rows_and_repeated_headers(seed_workbook):
    plan = read_plan(seed_workbook)
    assert [a.id for a in plan.actions] == SEED_IDS
    src = plan.source
    assert src.layout == "trust"
    assert src.sheet == "Action Plan"
    assert src.header_row == 3  # two title rows above it
    # the two page-header repeats (one garbled by OCR) are skipped, not read as actions
    assert len(src.skipped_rows) == 2
    assert plan.title == "Equality, Diversity & Inclusion Action Plan 2023/24"
    assert plan.update_headers == ["Update as at 18 Sep 23"]


def test_every_field_of_every_row_matches_the_seed(seed_workbook):
    plan = read_plan(seed_workbook)
    _, rows = seed_rows()
    for action, row in zip(plan.actions, rows, strict=True):
        assert action.id == row[0]
        assert action.theme == row[1]
        assert (action.action or "") == row[2]
        assert action.references_text == row[3]
        assert action.characteristics_text == row[4]
        assert action.owner == row[5]
        assert action.status_text == row[8] == "On Track"
        assert action.status is RAG.GREEN
        assert action.updates[0].text == row[9]
        assert action.updates[0].as_at == date(2023, 9, 18)
        assert action.due.date is not None and action.start.date is not None


def test_fields_are_parsed(seed_workbook):
    plan = {a.id: a for a in read_plan(seed_workbook).actions}
    a = plan["1.4"]
    assert [r.label for r in a.references] == ["WRES 1", "Gender Pay Gap", "WDES 1"]
    assert a.references[0].scheme is Scheme.WRES
    assert a.due.date == date(2024, 3, 31) and a.due.kind is DateKind.EXACT
    assert isinstance(a.due.raw, datetime)  # a real date cell stays a date
    assert plan["1.11"].characteristics == ["All", "Race", "Disability"]
    assert plan["6.3"].characteristics == ["Race", "Disability", "Age"]
    # 01/06/2023 typed as text: day first, the text kept
    assert plan["6.3"].start.date == date(2023, 6, 1)
    assert plan["6.3"].start.raw == "01/06/2023"
    assert plan["6.3"].due.date == date(2023, 11, 30)
    assert plan["1.5"].action is None
    assert plan["6.4"].action == ", ,"  # kept as written, flagged by the rules


def test_ids_are_text_110_is_not_11(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["#", "Milestone", "Action", "Action Owner", "Due Date", "Status"])
    ws.append(["1.1", "T", "first", "A", "31/03/2024", "G"])
    ws.append(["1.10", "T", "tenth", "A", "31/03/2024", "G"])
    ws.append([2, "T", "whole number id", "A", "31/03/2024", "G"])
    ws.append([3.5, "T", "numeric id", "A", "31/03/2024", "G"])
    wb.save(tmp_path / "ids.xlsx")
    assert [a.id for a in read_plan(tmp_path / "ids.xlsx").actions] == ["1.1", "1.10", "2", "3.5"]


def test_a_number_id_is_read_as_its_format_shows_it(tmp_path):
    """1.10 typed as a number is stored 1.1: a ``0.00`` format on the cell shows "1.10", the
    tenth action, not the first. A format that rounds (1.25 under ``0.0``, shown "1.3") or
    shows something else (``0%``) leaves the number typed, and so does a whole number (2
    under ``0.0`` stays "2", as its returns have it)."""
    wb = Workbook()
    ws = wb.active
    ws.append(["#", "Milestone", "Action", "Action Owner", "Due Date", "Status"])
    ids: list[tuple[object, str]] = [
        (1.1, "General"),
        (1.2, "General"),
        (1.1, "0.00"),
        (1.25, "0.0"),
        (2, "0.0"),
        (3.5, "0%"),
    ]
    for n, (value, number_format) in enumerate(ids, 2):
        ws.append([value, "T", f"action {n}", "A", "31/03/2024", "G"])
        ws.cell(n, 1).number_format = number_format
    wb.save(tmp_path / "ids.xlsx")
    assert [a.id for a in read_plan(tmp_path / "ids.xlsx").actions] == [
        "1.1", "1.2", "1.10", "1.25", "2", "3.5"
    ]  # fmt: skip


def test_loose_headers_blank_rows_merged_cells_and_extra_columns(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Plan 2023"
    ws["B2"] = "Some trust - EDI tracker"
    ws["B3"] = "RAG key: Green on track..."
    headers = [
        "#",
        "MILESTONE",
        "Action\n(think SMART)",
        "Report/ action",
        "Protected characteristic",
        "Action\nOwner",
        "Start date",
        "Due date",
        "Status ",
        "Budget",
        "Update as at 18 Sep 23",
        "Update as at 18 Dec 23",
    ]
    for c, h in enumerate(headers, start=2):
        ws.cell(6, c, h)
    ws.append([])
    ws.cell(7, 2, "1.1")
    ws.cell(7, 3, "Recruitment")
    ws.cell(7, 4, "Do a thing")
    ws.cell(7, 9, "March 2024")
    ws.cell(7, 10, "Amber")
    ws.cell(7, 11, "£5k")
    ws.cell(7, 12, "old news")
    ws.cell(7, 13, "new news")
    # row 8 blank; row 9 continues the merged Milestone from row 9 to 10
    ws.cell(9, 2, "1.2")
    ws.cell(9, 3, "Bullying")
    ws.merge_cells("C9:C10")
    ws.cell(9, 4, "Second")
    ws.cell(10, 2, "1.3")
    ws.cell(10, 4, "Third")
    ws.cell(12, 5, "stray text under a blank header")
    wb.save(tmp_path / "loose.xlsx")
    plan = read_plan(tmp_path / "loose.xlsx")
    assert plan.source.header_row == 6 and plan.source.sheet == "Plan 2023"
    assert [a.id for a in plan.actions] == ["1.1", "1.2", "1.3"]
    # a lone text under the table, with no action number or action text: no action, said
    (stray,) = plan.source.not_actions
    assert (stray.row, stray.texts, stray.like_an_action) == (
        12,
        ["stray text under a blank header"],
        False,
    )
    first = plan.actions[0]
    assert first.status is RAG.AMBER and first.due.date == date(2024, 3, 31)
    assert first.extra == {"Budget": "£5k"}
    assert [u.text for u in first.updates] == ["old news", "new news"]
    assert first.current_update.text == "new news"
    assert plan.actions[2].theme == "Bullying"  # merged cell read as its value
    assert plan.extra_columns == ["Budget"]


@pytest.mark.parametrize("owner_header", ["Action Lead", "SRO"])
def test_a_trust_workbook_names_its_owner_in_its_own_words(tmp_path, owner_header):
    """A trust's own workbook headed "Action Lead" (read as the action number before: a near
    miss of "Action ref") or "SRO": the column is the owner's, and each action has one."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Action Plan"
    ws.append(["Ref", "Action", owner_header, "Due Date", "Status"])
    ws.append(["1", "Diverse panels", "Head of Resourcing", "31/03/2026", "Green"])
    ws.append(["2", "Reverse mentoring", "Chief Nurse", "30/06/2026", "Amber"])
    wb.save(tmp_path / "plan.xlsx")
    owners = [("1", "Head of Resourcing"), ("2", "Chief Nurse")]
    assert [(a.id, a.owner) for a in read_plan(tmp_path / "plan.xlsx").actions] == owners
    # the workbook as a master: refresh read no owner ("No action owner is named" twice)
    result = refresh_workbook(tmp_path / "plan.xlsx", date(2025, 12, 1))
    assert [(a.id, a.owner) for a in result.plan.actions] == owners
    assert not [p for p in result.report.problems if p.code is Code.MISSING_OWNER]


@pytest.mark.parametrize(
    ("header", "before", "value"),
    [
        ("Progress status", "Status", "Amber"),
        ("Overall status", "Status", "Awaiting sign-off"),
        ("Action status", "Status", "Complete"),
        ("Project lead", "Action Owner", "Programme Office"),
        ("Operational lead", "Action Owner", "Programme Office"),
        ("Senior Responsible Owner", "Action Owner", "Director of People"),
        ("Staus", "Status", "Amber"),  # a typo of the trust's own
    ],
)
def test_a_column_of_the_trusts_left_of_the_plans_own_gives_way_to_it(
    tmp_path, header, before, value
):
    """A column the trust adds left of the plan's Status or Action Owner, headed in other
    words the vocabulary also reads as that field, is kept as theirs: a refresh reads and
    writes the plan's own column and leaves theirs as typed (helper-136: refresh rewrote
    the trust's "Progress status" as the plan's Status, and returns went to the "Project
    lead")."""
    path = build_trust_workbook(tmp_path / "plan.xlsx")
    expected = [(a.id, a.owner, a.status_text) for a in read_plan(path).actions]
    wb = load_workbook(path)
    ws = wb["Action Plan"]
    header_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "#")
    at = next(c for c in range(1, ws.max_column + 1) if ws.cell(header_row, c).value == before)
    ws.insert_cols(at)
    ws.cell(header_row, at, header)
    rows = [r for r in range(header_row + 1, ws.max_row + 1) if ws.cell(r, 1).value]
    for r in rows:
        if ws.cell(r, 1).value != "#":  # (the seed's repeated page headers)
            ws.cell(r, at, value)
    wb.save(path)
    assert [(a.id, a.owner, a.status_text) for a in read_plan(path).actions] == expected
    result = refresh_workbook(path, date(2023, 12, 18))
    assert [a.owner for a in result.plan.actions] == [owner for _, owner, _ in expected]
    ws = load_workbook(path)["Action Plan"]
    assert {ws.cell(r, at).value for r in rows if ws.cell(r, 1).value != "#"} == {value}


def test_extra_column_is_kept(tmp_path):
    path = build_trust_workbook(tmp_path / "x.xlsx", extra_column="RAG last quarter")
    plan = read_plan(path)
    assert plan.extra_columns == ["RAG last quarter"]
    assert plan.actions[0].extra == {"RAG last quarter": "note for 1.4"}


def test_no_table_is_a_clear_error(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "Instructions: fill in the form"
    wb.save(tmp_path / "none.xlsx")
    with pytest.raises(LayoutNotFoundError, match=r"none.xlsx: no action-plan table found"):
        read_plan(tmp_path / "none.xlsx")


def test_a_workbook_without_a_worksheet_says_so(tmp_path):
    """A workbook whose only sheet's part is missing (tealeg/xlsx's badfile_noWorksheets.xlsx:
    openpyxl leaves such a sheet out) said it had looked in "sheets  for a header row",
    naming none."""
    import zipfile

    from edi_xl.master.plan import load_master, read_master_plan

    made = tmp_path / "made.xlsx"
    wb = Workbook()
    wb.active.title = "Plan"
    wb.save(made)
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, src.read(info))
    with pytest.raises(
        LayoutNotFoundError,
        match=r"damaged.xlsx: no action-plan table found: no worksheet could be read from the "
        r"workbook$",
    ):
        read_master_plan(load_master(path), path)


def test_reads_xlsm(tmp_path):
    path = build_trust_workbook(tmp_path / "plan.xlsx")
    xlsm = tmp_path / "plan.xlsm"
    xlsm.write_bytes(path.read_bytes())
    assert len(read_plan(xlsm).actions) == 17


def test_rows_shorter_than_the_header_and_repeated_characteristics_read_whole(
    tmp_path,
):
    """A row that ends before the last columns reads those cells as empty, and actions whose
    characteristics are written alike each get lists of their own (the parse is cached)."""
    from conftest import trust_layout_book

    from edi_xl.master.plan import read_master_plan

    wb, ws = trust_layout_book("Plan", updates=("Update as at 18 Sep 23", "Notes"))
    ws.append(["1", "M", "Train managers", None, "Race, Disability, widgets", "Jo"])
    ws.append(
        [
            "2",
            "M",
            "Audit panels",
            None,
            "Race, Disability, widgets",
            "Jo",
            None,
            None,
            "Amber",
            "done half",
            "see file",
        ]
    )
    ws.append(["3"])  # an id alone: still a row of the table
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    plan = read_plan(path)
    first, second, third = plan.actions
    assert (first.status_text, first.updates[0].text, first.extra) == (None, None, {"Notes": None})
    assert (second.status, second.updates[0].text, second.extra) == (
        RAG.AMBER,
        "done half",
        {"Notes": "see file"},
    )
    assert third.id == "3" and third.action is None and third.updates[0].text is None
    assert first.characteristics == second.characteristics == ["Race", "Disability"]
    assert first.characteristics_unknown == ["widgets"]
    first.characteristics.append("Sex")
    first.characteristics_unknown.clear()
    again = read_master_plan(load_workbook(path)).plan.actions
    assert second.characteristics == again[0].characteristics == ["Race", "Disability"]
    assert again[1].characteristics_unknown == ["widgets"]


def test_what_reads_as_a_row_of_totals() -> None:
    """totals_row, which every layout asks of a row under its table: a totals label first,
    then only counts (typed numbers, or what formulas work out), under the Action column
    too; text anywhere else, or a label in the Action column with typed numbers beside it,
    is an action's row."""
    from edi_xl.tables.layouts.trust import totals_row

    def formulas(*cols: int):
        return lambda c: c in cols

    action = 2
    assert totals_row([(0, "Total"), (2, 17), (5, 4)], action, formulas())
    assert totals_row([(0, "Grand total:"), (2, "=COUNTA(C2:C9)")], action, formulas(2))
    assert totals_row([(2, "Total"), (5, 4)], action, formulas(5))
    assert not totals_row([(2, "Total"), (5, 4)], action, formulas())  # typed beside it
    assert not totals_row([(0, "Total reward"), (2, "Review pay"), (5, 4)], action, formulas())
    # an action a formula brings in (=Objectives!A1, showing its text): an action's row
    assert not totals_row([(0, "Total reward"), (2, "Review pay")], action, formulas(2))
    assert totals_row([(0, "Total"), (2, "=COUNTA(C2:C9)")], action, formulas(2))  # no result
    assert not totals_row([(0, "Total"), (4, "Ade Khan")], action, formulas())
    assert not totals_row([(0, "Theme 1"), (2, 17)], action, formulas())
    assert not totals_row([], action, formulas())
