"""edi_xl: keep an NHS equality (WRES/WDES/EDI) action plan workbook right.

The public API::

    read_plan(path, layout=None) -> ActionPlan       # any supported layout, detected
    check_plan(plan, as_at) -> Report                 # problems, as records
    new_master(path, plan, as_at) -> RefreshResult    # a new master workbook
    refresh_workbook(path, as_at) -> RefreshResult    # refresh in place, atomically

Each name is imported from its module when first used, so that ``import edi_xl`` alone
loads nothing heavy and the ``edi-xl`` command decides how its libraries are loaded
(:mod:`edi_xl.__main__`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: name -> the module that holds it
_API = {
    "DateKind": "edi_xl.core.dates",
    "DateValue": "edi_xl.core.dates",
    "parse_date": "edi_xl.core.dates",
    "EdiXlError": "edi_xl.core.errors",
    "Action": "edi_xl.core.model",
    "ActionPlan": "edi_xl.core.model",
    "Problem": "edi_xl.core.problems",
    "Report": "edi_xl.core.problems",
    "assess": "edi_xl.core.rules",
    "check_plan": "edi_xl.core.rules",
    "RAG": "edi_xl.core.status",
    "parse_status": "edi_xl.core.status",
    "RefreshResult": "edi_xl.flows.refresh",
    "new_master": "edi_xl.flows.refresh",
    "refresh_workbook": "edi_xl.flows.refresh",
    "read_plan": "edi_xl.tables.reader",
}

if TYPE_CHECKING:
    from edi_xl.core.dates import DateKind, DateValue, parse_date
    from edi_xl.core.errors import EdiXlError
    from edi_xl.core.model import Action, ActionPlan
    from edi_xl.core.problems import Problem, Report
    from edi_xl.core.rules import assess, check_plan
    from edi_xl.core.status import RAG, parse_status
    from edi_xl.flows.refresh import RefreshResult, new_master, refresh_workbook
    from edi_xl.tables.reader import read_plan


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'edi_xl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # asked for once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})


__all__ = [
    "RAG",
    "Action",
    "ActionPlan",
    "DateKind",
    "DateValue",
    "EdiXlError",
    "Problem",
    "RefreshResult",
    "Report",
    "__version__",
    "assess",
    "check_plan",
    "new_master",
    "parse_date",
    "parse_status",
    "read_plan",
    "refresh_workbook",
]
