"""edi_xl: keep an NHS equality (WRES/WDES/EDI) action plan workbook right."""

__version__ = "0.1.0"
