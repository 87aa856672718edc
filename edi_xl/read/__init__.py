"""Any file to grids: sniffing the format, spreadsheets (python-calamine first, openpyxl where
needed), Word tables, and reading in worker processes with time and memory limits."""
