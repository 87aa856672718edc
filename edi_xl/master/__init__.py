"""Writing the master workbook, one Excel feature per module.

- :mod:`.cells` — writing values safely (text never becomes a formula)
- :mod:`.styles` — fonts, fills and the RAG colours
- :mod:`.conditional` — conditional formatting of Status and overdue due dates
- :mod:`.validation` — the Status and Protected Characteristic dropdowns
- :mod:`.printing` — landscape, fit to width, repeated header row, footer
- :mod:`.sheets` — the Settings, Lists and Change Log sheets
- :mod:`.save` — atomic save with a backup
- :mod:`.master` — the Action Plan sheet: write a new master, refresh one in place
"""
