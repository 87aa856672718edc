"""What the commands and buttons do, one flow per module: refresh and new masters, owner
returns, reading returns (intake) and merging them, normalise, import, rounds, chase and the
email drafts, the board report, add-buttons. Each takes paths or a workbook and returns a
result object; the two doors (:mod:`edi_xl.cli`, :mod:`edi_xl.buttons`) call them."""
