"""returns -> the owner edits only the open cells -> merge: exactly the edits; the only flags
say that an overdue action's Status stays Red whatever the owner said (issue 14)."""

from datetime import datetime

from conftest import AS_AT
from openpyxl import load_workbook

from edi_xl.flows.merge import merge_returns
from edi_xl.flows.owner_returns import make_owner_returns


def overdue_ids(master) -> set[str]:
    ws = load_workbook(master)["Action Plan"]
    header = [c.value for c in ws[4]]
    col = header.index("Overdue")
    return {str(r[0]) for r in ws.iter_rows(min_row=5, values_only=True) if r[col] == "Yes"}


def test_round_trip(master, tmp_path):
    overdue = overdue_ids(master)
    assert overdue == {"1.9", "6.3"}
    out = tmp_path / "returns"
    sent = make_owner_returns(master, out, AS_AT)
    expected = {}
    for i, owner_file in enumerate(sent.files):
        wb = load_workbook(owner_file.path)
        ws = wb["Your actions"]
        header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
        header = [c.value for c in ws[header_row]]
        status_col = header.index("Status") + 1
        update_col = header.index("Update as at 18 Dec 23") + 1
        for r in range(header_row + 1, ws.max_row + 1):
            action_id = ws.cell(r, 1).value
            if not action_id:
                continue
            ws.cell(r, update_col).value = f"Progress on {action_id} from {owner_file.owner}"
            expected[(action_id, "update")] = ws.cell(r, update_col).value
            if i % 2:  # every other owner also says "delayed"
                ws.cell(r, status_col).value = "delayed"
                expected[(action_id, "status")] = "At Risk"
        wb.save(owner_file.path)
    result = merge_returns(master, [out], as_at=AS_AT, now=datetime(2023, 12, 19))
    overridden = {k[0] for k in expected if k[1] == "status"} & overdue
    assert overridden, "an owner said 'delayed' on an overdue action"
    assert {(f.id, f.kind) for f in result.flags} == {(i, "status_overridden") for i in overridden}
    for action_id in overridden:  # recorded as a flag, not as a change and its undoing
        del expected[(action_id, "status")]
    assert {f.outcome for f in result.files if f.file.endswith(".xlsx")} == {"merged"}
    assert {f.outcome for f in result.files if f.file.endswith(".eml")} == {"skipped"}
    got = {(c.id, c.field): c.new for c in result.changes}
    assert got == expected
