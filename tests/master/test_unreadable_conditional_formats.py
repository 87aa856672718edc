"""A workbook with a conditional format openpyxl cannot read opens, refreshes and keeps it.

LibreOffice before 4.1 wrote ``operator="expression"`` on its formula rules (LibreOffice's own
test file sc/qa/unit/data/xlsx/formats.xlsx has nine), a value outside the schema's list.
Excel reads such a rule as the formula rule it is; openpyxl refused the whole workbook
("Value must be one of ..."), so edi_xl said "cannot open as an Excel workbook". The rule is
now left unread, rule by rule (the rest of its block is read), and the patch writer keeps it
in the sheet as it was. The odd file here is an XlsxWriter plan with the user's own formula
rules, on the plan sheet and on another sheet, each given that operator.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import xlsxwriter
from conftest import AS_AT, add_seed_plan_sheet, rewrite_part

from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master.plan import load_master

PLAN = "xl/worksheets/sheet1.xml"
DASHBOARD = "xl/worksheets/sheet2.xml"
#: a cfRule element whole, in either form
RULE = re.compile(rb"<cfRule\b[^>]*?(?:/>|>.*?</cfRule>)", re.S)


def odd_operator(data: bytes) -> bytes:
    """Every formula rule of a sheet given ``operator="expression"``, as LibreOffice 4.0
    wrote them."""
    changed = data.replace(
        b'<cfRule type="expression"', b'<cfRule type="expression" operator="expression"'
    )
    assert changed != data
    return changed


def build(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    red = wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"})
    plan, n = add_seed_plan_sheet(wb)
    # the user's rules on the plan: a formula rule and a cell rule in one block (the same
    # range), and a formula rule alone in another
    plan.conditional_format(
        f"I2:I{n + 1}", {"type": "formula", "criteria": '=$I2="Delayed"', "format": red}
    )
    plan.conditional_format(
        f"I2:I{n + 1}", {"type": "cell", "criteria": "==", "value": '"Off Track"', "format": red}
    )
    plan.conditional_format(
        f"H2:H{n + 1}", {"type": "formula", "criteria": "=$H2<TODAY()", "format": red}
    )
    dashboard = wb.add_worksheet("Dashboard")
    dashboard.write_column("A1", [1, 2, 3])
    dashboard.conditional_format("A1:A3", {"type": "formula", "criteria": "=A1>1", "format": red})
    wb.close()
    rewrite_part(path, PLAN, odd_operator)
    rewrite_part(path, DASHBOARD, odd_operator)
    return path


def _rules(path: Path, part: str) -> list[bytes]:
    with zipfile.ZipFile(path) as zf:
        return RULE.findall(zf.read(part))


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_opened_with_the_rules_it_can_read(tmp_path: Path, either_reader: str) -> None:
    wb = load_master(build(tmp_path / "plan.xlsx"))
    read = [
        (str(cf.sqref), rule.type)
        for cf in wb["Action Plan"].conditional_formatting
        for rule in cf.rules
    ]
    # the cell rule of the first block is read; the two formula rules are not
    assert read == [("I2:I18", "cellIs")]
    assert not wb["Dashboard"].conditional_formatting


def test_refreshed_keeping_every_rule(tmp_path: Path) -> None:
    path = build(tmp_path / "plan.xlsx")
    before = _parts(path)
    plan_rules = _rules(path, PLAN)
    assert sum(b'operator="expression"' in r for r in plan_rules) == 2
    refresh_workbook(path, AS_AT, now=datetime(2023, 12, 18, 9))
    after = _parts(path)
    assert after[DASHBOARD] == before[DASHBOARD]
    kept = _rules(path, PLAN)
    # the user's three rules as they were (their own priorities), edi_xl's after them
    assert kept[: len(plan_rules)] == plan_rules
    assert len(kept) > len(plan_rules)
    wb = load_master(path)
    assert "Change Log" in wb.sheetnames
