Attribute VB_Name = "EdiXlButtons"
' The three edi_xl buttons as macros with no arguments, for adding the buttons to an
' existing workbook by hand (see macros/README.md). Each one runs edi_xl through xlwings'
' RunPython, which comes from the xlwings add-in (Tools > References > xlwings) or from the
' standalone xlwings module (macros/xlwings.bas + macros/Dictionary.cls).
'
' A master made by `edi-xl new plan.xlsm` does not need this module: its buttons call
' RunPython directly, with the same commands as below.
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
