"""The buttons inside the workbook (a door, beside the CLI): :mod:`.bridge` reads the open
workbook through xlwings and writes back what changed; :mod:`.entry` is what each button does
and the functions the macros call (named ``edi_xl.excel.*`` in the workbooks' VBA)."""
