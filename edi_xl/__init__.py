"""edi_xl: keep an NHS equality (WRES/WDES/EDI) action plan workbook right.

The public API::

    read_plan(path, layout=None) -> ActionPlan       # any supported layout, detected
    check_plan(plan, as_at) -> Report                 # problems, as records
    new_master(path, plan, as_at) -> RefreshResult    # a new master workbook
    refresh_workbook(path, as_at) -> RefreshResult    # refresh in place, atomically
"""

__version__ = "0.1.0"

from edi_xl.core.dates import DateKind, DateValue, parse_date
from edi_xl.core.errors import EdiXlError
from edi_xl.core.model import Action, ActionPlan
from edi_xl.core.problems import Problem, Report
from edi_xl.core.rules import assess, check_plan
from edi_xl.core.status import RAG, parse_status
from edi_xl.flows.refresh import RefreshResult, new_master, refresh_workbook
from edi_xl.tables.reader import read_plan

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
