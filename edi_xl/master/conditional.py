"""Conditional formatting: Status coloured by RAG, overdue due dates marked.

The rules are edi_xl's: each refresh removes the rules it owns (those on the Status, Due Date
and Overdue columns of the table) and adds them again, so a workbook whose formatting was
damaged by copy-paste repairs itself. Rules the user added, on
those columns or elsewhere, are kept.
"""

from __future__ import annotations

import re

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.status import RAG
from edi_xl.master.styles import OVERDUE_FILL, OVERDUE_FONT, RAG_COLOURS


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


_OWN_FORMULA = re.compile(r'^(OR\(TRIM\(\$[A-Z]{1,3}\d+\)=.*\)|\$[A-Z]{1,3}\d+="Yes")$')


def is_own_rule(rule: Rule) -> bool:
    """True for a rule edi_xl makes (by its formula): the RAG colours and the overdue mark."""
    formulas = rule.formula or []
    return (
        rule.type == "expression"
        and len(formulas) == 1
        and bool(_OWN_FORMULA.match(str(formulas[0])))
    )


def _columns_of(ws: Worksheet, cols: set[int]) -> ConditionalFormattingList:
    """The sheet's rules without edi_xl's own rules on ``cols`` (1-based); the user's rules,
    on those columns too, are kept."""
    kept = ConditionalFormattingList()
    for cf in ws.conditional_formatting:
        touches = any(rng.min_col <= c <= rng.max_col for rng in cf.sqref.ranges for c in cols)
        for rule in cf.rules:
            if touches and is_own_rule(rule):
                continue
            kept.add(str(cf.sqref), rule)
    return kept


def apply_rag_formatting(
    ws: Worksheet,
    *,
    status_col: int,
    due_col: int | None,
    overdue_col: int | None,
    first_row: int,
    last_row: int,
    words: dict[RAG, str],
) -> None:
    """(Re)apply the RAG colours on Status and the overdue mark on Due Date (1-based cols)."""
    owned = {status_col} | {c for c in (due_col, overdue_col) if c}
    ws.conditional_formatting = _columns_of(ws, owned)
    status = get_column_letter(status_col)
    rng = f"{status}{first_row}:{status}{last_row}"
    anchor = f"${status}{first_row}"
    for rag in (RAG.BLUE, RAG.RED, RAG.AMBER, RAG.GREEN):
        fill, font = RAG_COLOURS[rag]
        names = {words[rag], rag.value}
        test = ",".join(f"TRIM({anchor})={_quoted(n)}" for n in sorted(names))
        rule = Rule(
            type="expression",
            formula=[f"OR({test})"],
            stopIfTrue=True,
            dxf=DifferentialStyle(
                fill=PatternFill(bgColor=fill, fgColor=fill, fill_type="solid"),
                font=Font(color=font, bold=rag is RAG.RED),
            ),
        )
        ws.conditional_formatting.add(rng, rule)
    if overdue_col:
        overdue = get_column_letter(overdue_col)
        targets = [overdue_col] + ([due_col] if due_col else [])
        for col in targets:  # one Rule object per range: openpyxl numbers priorities per object
            mark = Rule(
                type="expression",
                formula=[f'${overdue}{first_row}="Yes"'],
                stopIfTrue=False,
                dxf=DifferentialStyle(
                    fill=PatternFill(bgColor=OVERDUE_FILL, fgColor=OVERDUE_FILL, fill_type="solid"),
                    font=Font(color=OVERDUE_FONT, bold=True),
                ),
            )
            letter = get_column_letter(col)
            ws.conditional_formatting.add(f"{letter}{first_row}:{letter}{last_row}", mark)
