"""Property: whatever owners send back, a merge only changes the cells it owns.

Hypothesis makes batches of returns (ids right, wrong, numeric or missing; any status word,
formula-looking text, edits to locked fields; several files updating the same action) and
merges them into a master that has a user's own column and sheet. After every merge:

- no master row is dropped or moved, and no row is added;
- every cell outside the Status column, the round's update column and edi_xl's computed
  columns is exactly as it was (columns right of a newly inserted round column moved by one);
- other sheets are untouched, the Change Log only grew;
- nothing written became a formula.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_AT, build_trust_workbook, edit_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from edi_xl.core.rounds import update_header
from edi_xl.flows.intake import READ, ReturnFile, ReturnRow
from edi_xl.flows.merge import merge_book
from edi_xl.flows.refresh import new_master
from edi_xl.tables.reader import read_plan

NEXT_ROUND = date(2024, 3, 18)
OWNED_HEADERS = {"Status", "Overdue", "Days overdue", "Problems"}
EDI_XL_SHEETS = {"Settings", "Lists", "Change Log", "Returns", "Summary"}


@pytest.fixture(scope="module")
def master_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("prop")
    seed = build_trust_workbook(folder / "seed.xlsx")
    path = folder / "master.xlsx"
    new_master(path, read_plan(seed), AS_AT, now=datetime(2023, 12, 18, 9))

    def add_users_own_things(wb: Any) -> None:
        ws = wb["Action Plan"]
        col = ws.max_column + 1
        ws.cell(4, col, "HR notes")
        for r in range(5, ws.max_row + 1):
            if ws.cell(r, 1).value:
                ws.cell(r, col, f"note {r}")
        notes = wb.create_sheet("Committee")
        notes["A1"] = "Board paper"
        notes["B2"] = 7
        notes["C2"] = "=B2*2"

    edit_workbook(path, add_users_own_things)
    return path


MASTER_IDS = ["1.4", "1.8", "1.9", "2.1", "5.6", "6.3", "1.10", "4.3"]
ids = st.one_of(
    st.sampled_from(MASTER_IDS),
    st.sampled_from(["9.9", "", "x"]),
    st.sampled_from(["1.4", "1.8", "2.1"]).map(lambda i: f"{float(i)}"),
)
words = st.sampled_from(["G", "done", "delayed", "Blocked", "R", "Complete", "=cmd()", "  "])
texts = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["=1+1", "+44 7700", "@SUM(A1)", "-minus", '=HYPERLINK("x")']),
)


@st.composite
def return_rows(draw: st.DrawFn, file: str) -> ReturnRow:
    action_id = draw(ids)
    locked: dict[str, Any] = {}
    if draw(st.booleans()):
        locked["action"] = draw(st.text(min_size=1, max_size=40))
    if draw(st.booleans()):
        locked["due"] = draw(st.sampled_from(["31-Mar-24", "Q4 2023/24", "never", "01/01/2025"]))
    return ReturnRow(
        file=file,
        sheet="Sheet",
        row=draw(st.integers(2, 60)),
        id=action_id,
        id_was_number=action_id.replace(".", "").isdigit() and draw(st.booleans()),
        status=draw(st.one_of(st.none(), words)),
        update=draw(texts),
        locked=locked,
    )


@st.composite
def batches(draw: st.DrawFn) -> list[ReturnFile]:
    files = []
    for i in range(draw(st.integers(1, 4))):
        name = f"return {i}.xlsx"
        rows = draw(st.lists(return_rows(name), min_size=1, max_size=6))
        stamp = datetime(2023, 12, 1 + draw(st.integers(0, 20)), tzinfo=UTC)
        files.append(ReturnFile(Path(name), name, READ, None, rows, stamp=stamp))
    return files


def _cells(wb: Any) -> dict[str, dict[tuple[int, int], Any]]:
    return {
        ws.title: {
            (c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None
        }
        for ws in wb.worksheets
    }


def _headers(cells: dict[tuple[int, int], Any]) -> dict[int, Any]:
    return {c: v for (r, c), v in cells.items() if r == 4}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=batches(), next_round=st.booleans())
def test_merge_changes_only_what_it_owns(
    master_file: Path, files: list[ReturnFile], next_round: bool
) -> None:
    as_at = NEXT_ROUND if next_round else AS_AT
    wb = load_workbook(master_file)
    before = _cells(wb)
    merge_book(wb, files, as_at, now=datetime(2024, 1, 1), path="master.xlsx")
    saved = io.BytesIO()
    wb.save(saved)
    reloaded = load_workbook(io.BytesIO(saved.getvalue()))
    after = _cells(reloaded)

    plan_before, plan_after = before["Action Plan"], after["Action Plan"]
    head_before, head_after = _headers(plan_before), _headers(plan_after)
    inserted = [c for c, h in head_after.items() if h not in head_before.values()]
    assert len(inserted) <= 1
    new_col = inserted[0] if inserted else None

    def moved(col: int) -> int:
        return col + 1 if new_col is not None and col >= new_col else col

    owned = {c for c, h in head_before.items() if h in OWNED_HEADERS}
    for (r, c), value in plan_before.items():
        if c in owned and r > 4:
            continue
        assert plan_after.get((r, moved(c))) == value, (r, c, value)
    # every row still there, in its place; no row added
    ids_before = {r: v for (r, c), v in plan_before.items() if c == 1 and r > 4}
    ids_after = {r: v for (r, c), v in plan_after.items() if c == 1 and r > 4}
    assert ids_after == ids_before
    # cells that changed are Status, the round's update, or computed
    # the round's column: there already, inserted by this merge, or absent (nothing matched)
    round_cols = {c for c, h in head_after.items() if h == update_header(as_at)}
    assert len(round_cols) <= 1
    allowed = {moved(c) for c in owned} | round_cols
    for (r, c), value in plan_after.items():
        if r > 4 and c not in allowed:
            back = c - 1 if new_col is not None and c > new_col else c
            assert plan_before.get((r, back)) == value, (r, c, value)

    assert after["Committee"] == before["Committee"]
    assert all(after["Change Log"].get(k) == v for k, v in before["Change Log"].items())
    for ws in reloaded.worksheets:
        if ws.title in ("Committee", "Summary"):  # the user's formula; edi_xl's own formulas
            continue
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    assert set(after) - set(before) <= EDI_XL_SHEETS
