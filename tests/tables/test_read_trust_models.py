"""The actions the trust layout reads hold values of the types their fields declare (the
models are dataclasses, which check no types): a date field a date, never a datetime; a status
its RAG member; an id text... field by field, on plans read from real workbooks."""

from datetime import date, datetime, time
from typing import Any

import pytest
from conftest import trust_layout_book
from model_check import assert_made_right, assert_same
from openpyxl import load_workbook

from edi_xl.core.model import ActionPlan, CellOrigin, PlanSource
from edi_xl.core.status import RAG
from edi_xl.core.unvalidated import made
from edi_xl.master.plan import read_master_plan
from edi_xl.read.grid import SheetGrid
from edi_xl.tables.layouts import trust
from edi_xl.tables.reader import read_plan


def assert_validated(actions: list[Any]) -> None:
    assert actions
    for action in actions:
        assert_made_right(action, f"row {action.origin.row}")


def assert_plan_validated(plan: ActionPlan) -> None:
    """The plan and its source are what their constructors make, of their fields' types."""
    assert plan.source is not None
    assert_made_right(plan.source, "source")
    assert_made_right(plan, "plan")


def test_the_seed_plans_actions_are_the_validated_models(seed_workbook):
    plan = read_plan(seed_workbook)
    assert_validated(plan.actions)
    assert_plan_validated(plan)


def test_a_masters_actions_of_every_kind_of_cell_are_the_validated_models(tmp_path):
    """Ids, texts, dates and statuses of every type a cell holds, the trust's own status
    words, two update columns, an extra column and data under a blank header."""
    wb, ws = trust_layout_book("Plan", updates=("Update as at 18 Sep 23", "Update as at 18 Dec 23"))
    ws.cell(3, 12, "Budget")
    rows: list[list[Any]] = [
        [1, "M", " Train managers ", "WRES 1, 2", "Race, Disability, widgets", " Jo  Bloggs "],
        [1.5, None, "Audit", "WDES 9a", "All", "Sam", datetime(2023, 4, 1), "March 2024", "Done"],
        ["2.1", "M", 42, "Other report", None, None, "Q3 23/24", 45000.0, "Doing well"],
        [True, "M", "Bool id", None, "Sex", "Al", date(2023, 1, 2), time(9, 30), "Red"],
        [datetime(2024, 4, 1), "M", "Date id", None, None, None, None, "not a date", None],
    ]
    for r, values in enumerate(rows, start=4):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value)
        ws.cell(r, 10, f"sep {r}")
        ws.cell(r, 12, r * 100)
    ws.cell(5, 11, "dec news")
    ws.cell(6, 14, "under no header")
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    wb = load_workbook(path)
    settings = wb.create_sheet("Settings")
    settings.append(["Green", "Doing well"])  # the trust's word for Green
    master = read_master_plan(wb, path.name)
    actions = master.plan.actions
    assert [a.id for a in actions] == ["1", "1.5", "2.1", "True", "01-Apr"]
    assert actions[2].status is RAG.GREEN and actions[2].action == "42"
    assert actions[0].owner == "Jo Bloggs" and actions[0].extra == {"Budget": 400, "Column N": None}
    assert actions[2].extra == {"Budget": 600, "Column N": "under no header"}
    assert [u.text for u in actions[1].updates] == ["sep 5", "dec news"]
    assert_validated(actions)
    assert_plan_validated(master.plan)
    assert isinstance(master.plan.source, PlanSource) and master.plan.source.skipped_rows == []


def test_a_ragged_grid_reads_missing_cells_and_missing_fields_as_empty():
    """Rows of a grid may end anywhere (calamine, csv); a field the table lacks is empty;
    data under no header is kept, as an extra column, even right of the computed columns."""
    header = ["#", "Action", "Action Owner", "Due Date", "Status", "Notes", "Overdue"]
    grid = SheetGrid(
        "Plan",
        [
            ["Title"],
            header,
            ["1", "Do it", "Jo", "31/03/2024", "Green", "n", "Yes", "stray"],
            ["2", "Short"],
            ["3", None, None, None, None, None, None, None, None, "far"],
        ],
    )
    detection = trust.detect(grid)
    assert detection is not None and detection.header_row == 1
    plan = trust.read(grid, detection)
    first, short, far = plan.actions
    assert (first.owner, first.due.date, first.status, first.extra) == (
        "Jo",
        date(2024, 3, 31),
        RAG.GREEN,
        {"Notes": "n", "Column H": "stray", "Column J": None},
    )
    assert first.theme is None and first.start.raw is None
    assert (short.action, short.owner, short.status_text, short.extra) == (
        "Short",
        None,
        None,
        {"Notes": None, "Column H": None, "Column J": None},
    )
    assert far.id == "3" and far.due.raw is None
    assert far.extra == {"Notes": None, "Column H": None, "Column J": "far"}
    assert_validated(plan.actions)
    assert_same(trust.read_action(grid, 2, trust.map_columns(grid, 1)), first)


def test_made_skips_the_checks_of_post_init() -> None:
    """made() is for values edi_xl's own parsers made: it does not run a model's checks
    (a problem's location refuses a path where the constructor does)."""
    from pathlib import Path

    from edi_xl.core.problems import Location

    with pytest.raises(TypeError, match="Location.file"):
        Location(file=Path("plan.xlsx"))  # type: ignore[arg-type]
    fields = {"file": "plan.xlsx", "sheet": None, "row": 3, "column": None, "cell": None}
    assert made(Location, **fields) == Location(file="plan.xlsx", row=3)


def test_made_refuses_fields_left_out_or_out_of_order() -> None:
    """A model made with a field missing would lack it (not hold its default): refused, by
    name, and so are the fields in another order (the model's dict would differ)."""
    with pytest.raises(TypeError, match="CellOrigin"):
        made(CellOrigin, sheet="Plan")
    with pytest.raises(TypeError, match="CellOrigin"):
        made(CellOrigin, row=3, sheet="Plan")
    assert made(CellOrigin, sheet="Plan", row=3) == CellOrigin(sheet="Plan", row=3)
