"""Rebuild the blank master template shipped in workbook_templates/.

    python workbook_templates/build_templates.py

The recipe itself is code: ``edi_xl.master.plan.build_master_book`` lays out the
Action Plan sheet and edi_xl's own sheets, and ``refresh_book`` adds the conditional
formatting, dropdowns and print setup (one Excel feature per module in edi_xl/master/).
This script runs that recipe on an empty plan, so the template is exactly what
``edi-xl new`` makes (``.xlsx``, and ``.xlsm`` with the buttons).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from edi_xl.flows.refresh import new_master

HERE = Path(__file__).parent
TEMPLATE = HERE / "action_plan_template.xlsx"
#: The macro-enabled master with the three buttons (edi_xl.master.vba.macro_enabled_start): the
#: Excel-made VBA project of the installed xlwings, the buttons, then the same recipe.
MACRO_TEMPLATE = HERE / "action_plan_template.xlsm"
#: A fixed as-at date and clock so that rebuilding gives the same cells every time.
TEMPLATE_AS_AT = date(2024, 4, 1)


def build(target: Path = TEMPLATE) -> Path:
    new_master(target, None, TEMPLATE_AS_AT, overwrite=True, now=datetime(2024, 4, 1, 9, 0))
    backup = target.with_name(f"{target.stem}.backup{target.suffix}")
    backup.unlink(missing_ok=True)
    return target


if __name__ == "__main__":
    print(build())
    print(build(MACRO_TEMPLATE))
