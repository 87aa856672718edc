Attribute VB_Name = "EdiXlButtons"
' The macros of the edi_xl buttons above the table on the Action Plan sheet.
' Each runs edi_xl through xlwings' RunPython: the xlwings module in this workbook
' (macros/xlwings.bas + macros/Dictionary.cls) or the xlwings add-in (Tools >
' References > xlwings). `edi-xl new plan.xlsm` puts this module in the workbook; to
' add the buttons to another workbook by hand, import this file (macros/README.md).
Option Explicit

Sub RefreshStatus()
    RunPython "import edi_xl.excel; edi_xl.excel.refresh_status()"
End Sub

Sub CreateOwnerReturns()
    RunPython "import edi_xl.excel; edi_xl.excel.create_owner_returns()"
End Sub

Sub ImportReturns()
    RunPython "import edi_xl.excel; edi_xl.excel.import_returns()"
End Sub

Sub StartNewRound()
    RunPython "import edi_xl.excel; edi_xl.excel.start_new_round()"
End Sub

Sub BoardReport()
    RunPython "import edi_xl.excel; edi_xl.excel.board_report()"
End Sub
