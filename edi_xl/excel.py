"""The buttons' door as the workbooks' VBA names it: ``RunPython "import edi_xl.excel; ..."``.

Every macro-enabled master and the shipped templates call ``edi_xl.excel.refresh_status()``
and its siblings, so this module keeps that name for them; the work is in
:mod:`edi_xl.buttons.entry` (what each button does) and :mod:`edi_xl.buttons.bridge` (reading
and writing the open workbook through xlwings).
"""

from edi_xl.buttons.entry import (
    board_report,
    create_owner_returns,
    import_returns,
    refresh_status,
    server_scripts,
    start_new_round,
)

__all__ = [
    "board_report",
    "create_owner_returns",
    "import_returns",
    "refresh_status",
    "server_scripts",
    "start_new_round",
]
