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

The schema's findings in a part depend on the part alone (its bytes, and its content type,
which says whether it is XML to check), so each process keeps them by the part's name,
content type and a digest of its bytes, and checks a part it has seen only once. The corpus
tests check four outputs of each file, most of whose parts (edi_xl's own sheets, the
workbook's charts and drawings) are the same bytes as in the input or another output:
openxml-audit's time on them is about halved (tests/master/test_excel_made_corpus.py took
807 s, now 626 s). Every other check (the semantic ones, which read other parts too: a style
index against the stylesheet) runs on every part of every file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any


@cache
def _validator() -> Any:
    from openxml_audit import OpenXmlValidator

    class SchemaOnceValidator(OpenXmlValidator):  # type: ignore[misc]
        """The SDK's checks, the schema's on a part of the same name, content type and bytes
        only once."""

        #: (part name, content type, digest of its bytes) -> the schema's findings in it
        seen: dict[tuple[str, str | None, bytes], list[Any]] = {}

        def _validate_schema(self, package: Any, *args: Any, **kwargs: Any) -> Any:
            keys = {
                uri: (
                    uri,
                    package.content_types.get_content_type(uri),
                    hashlib.sha256(package.get_part_content(uri) or b"").digest(),
                )
                for uri in package.list_parts()
            }
            known = {uri for uri, key in keys.items() if key in self.seen}
            errors = super()._validate_schema(_Without(package, known), *args, **kwargs)
            if len(errors) < self.max_errors:  # (the checks stop at max_errors)
                for uri, key in keys.items():
                    if uri not in known:
                        self.seen[key] = [e for e in errors if e.part_uri == uri]
            return [*errors, *(e for uri in sorted(known) for e in self.seen[keys[uri]])]

    return SchemaOnceValidator(max_errors=10_000)


class _Without:
    """A package whose :meth:`list_parts` leaves out the parts ``left_out``; everything else is
    the package's own."""

    def __init__(self, package: Any, left_out: set[str]) -> None:
        self._package = package
        self._left_out = left_out

    def list_parts(self) -> Iterator[str]:
        return (uri for uri in self._package.list_parts() if uri not in self._left_out)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._package, name)


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
