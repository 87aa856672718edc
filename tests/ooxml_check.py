"""What the Open XML SDK's checks find wrong in a file edi_xl wrote: a file Excel or Word would
offer to repair ("We found a problem with some content...").

The checks are openxml-audit's (a test dependency, MIT): a pure-Python port of the validator of
Microsoft's Open XML SDK (the schemas of ECMA-376 with Office's extensions, and the SDK's
semantic checks: unique ids, relationships that resolve, parts of the right type). Files Excel
makes pass it; a part edi_xl patches must pass it as well as it did before.

Two kinds of finding are left out, each because Office reads the file as it is:

- ``Excel_InlineStrCells`` (a warning): cells holding their text (``t="inlineStr"``), which
  edi_xl writes and Excel moves into the shared-strings table when it saves the file;
- the order of a font's settings in ``xl/styles.xml`` ("Unexpected element 'color'"): openpyxl
  writes them in an order of its own, which Excel has read in every openpyxl-made file.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any


@cache
def _validator() -> Any:
    from openxml_audit import OpenXmlValidator

    return OpenXmlValidator(max_errors=10_000)


def _office_reads_it(error: Any) -> bool:
    if getattr(error, "id", "") == "Excel_InlineStrCells":
        return True
    path = str(getattr(error, "path", "") or "")
    return (
        error.part_uri == "/xl/styles.xml"
        and re.search(r"/font\[\d+\]$", path) is not None
        and str(error.description).startswith("Unexpected element")
    )


#: An element's position in its parent, in the checks' paths (``/sheetData[1]/row[12]``).
_POSITIONS = re.compile(r"\[\d+\]")


def ooxml_errors(path: Path) -> list[str]:
    """What the checks find wrong in the file at ``path``, one line each: the part, where in
    it (the element's path, its positions left out: the same fault in two rows is one line)
    and what is wrong; sorted, without repeats."""
    result = _validator().validate(str(path))
    return sorted(
        {
            f"{e.part_uri} {_POSITIONS.sub('', str(e.path or ''))}: {e.description}"
            for e in result.errors
            if not _office_reads_it(e)
        }
    )


def new_ooxml_errors(before: Path | list[str], after: Path) -> list[str]:
    """What the checks find wrong in ``after`` that they did not in ``before`` (a file, or its
    :func:`ooxml_errors`): what a command that wrote ``after`` from ``before`` broke."""
    known = set(before if isinstance(before, list) else ooxml_errors(before))
    return [line for line in ooxml_errors(after) if line not in known]
