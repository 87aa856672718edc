"""The plan as data (edi_xl.core.model): the current update and combining plans."""

from datetime import date

from edi_xl.core.model import Action, ActionPlan, PlanSource, ProgressUpdate, combine_plans


def test_the_current_update_is_the_latest_round() -> None:
    sep = ProgressUpdate(header="Update as at 18 Sep 23", as_at=date(2023, 9, 18), text="a")
    dec = ProgressUpdate(header="Update as at 18 Dec 23", as_at=date(2023, 12, 18), text="b")
    notes = ProgressUpdate(header="Progress", text="c")
    assert Action(updates=[dec, notes, sep]).current_update == dec
    assert Action(updates=[notes]).current_update == notes
    assert Action().current_update is None


def test_plans_combine_with_every_metadata_value_kept_once() -> None:
    a = ActionPlan(
        title="A",
        actions=[Action(id="1", extra={"Risk": "x"})],
        update_headers=["Update as at 18 Sep 23"],
        extra_columns=["Risk"],
        metadata={"Trust": "Northshire", "Year": "2023"},
    )
    b = ActionPlan(
        actions=[Action(id="2", extra={"Cost": 5})],
        update_headers=["Update as at 18 Sep 23", "Progress"],
        extra_columns=["Cost"],
        metadata={"Trust": "Northshire", "Year": "2024"},
    )
    source = PlanSource(layout="trust+general")
    plan = combine_plans([a, b], source)
    assert [x.id for x in plan.actions] == ["1", "2"]
    assert plan.title == "A" and plan.source == source
    assert plan.update_headers == ["Update as at 18 Sep 23", "Progress"]
    assert plan.extra_columns == ["Risk", "Cost"]
    assert [x.extra for x in plan.actions] == [
        {"Risk": "x", "Cost": None},
        {"Risk": None, "Cost": 5},
    ]
    assert plan.metadata == {"Trust": "Northshire", "Year": "2023\n2024"}
