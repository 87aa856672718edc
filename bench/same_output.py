"""What refresh and merge write on the benchmark's files, as a digest to compare before and
after a change that should not change it (a speed-up):

    python3 bench/same_output.py before.json      # on the code before the change
    python3 bench/same_output.py after.json       # on the code after it
    python3 bench/same_output.py --diff before.json after.json

Runs, in this process, a refresh of the benchmark's master at its as-at date and at the next
quarter's, and a merge of its returns, each on a copy and with a fixed clock (the Change Log
says when each line was written), and writes the SHA-256 of every part of each result (all but
``docProps/core.xml``, which says when the file was saved), and of each XML part's canonical
form (C14N: the same XML written another way, such as without its declaration, reads the
same). ``--diff`` names the parts that differ, says whether they differ as XML or only in
their bytes, and exits 1 if any differ as XML. The files are the ones ``python3 bench/run.py``
makes (run it once first). This checkout's edi_xl is the one measured.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # this checkout's edi_xl, not an installed copy

from run import AS_AT, NEXT_QUARTER  # noqa: E402

WORK = HERE / "results" / "work"
NOW = datetime(2024, 1, 2, 3, 4, 5)


AS_XML = " (as XML)"  # the task's digests of its parts' canonical XML


def digest(path: Path, *, as_xml: bool = False) -> dict[str, str]:
    """Each part of the package at ``path`` (but the save time's), by name: its SHA-256; with
    ``as_xml``, that of its canonical XML (C14N), for a part that parses as XML."""
    from lxml import etree

    out = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename == "docProps/core.xml":
                continue
            data = zf.read(info)
            if as_xml:
                with contextlib.suppress(etree.XMLSyntaxError):  # (not XML: as it is)
                    data = etree.tostring(etree.fromstring(data), method="c14n")
            out[info.filename] = hashlib.sha256(data).hexdigest()
    return out


def _both(path: Path) -> dict[str, dict[str, str]]:
    return {"": digest(path), AS_XML: digest(path, as_xml=True)}


def outputs() -> dict[str, dict[str, str]]:
    from edi_xl.flows.merge import merge_returns
    from edi_xl.flows.refresh import refresh_workbook

    if not (WORK / "master.xlsx").exists():
        raise SystemExit(f"{WORK}: no benchmark files; run python3 bench/run.py once first")
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        master = Path(tmp) / "run" / "master.xlsx"  # named as bench/run.py names its copy
        master.parent.mkdir()
        for name, as_at in (("refresh", AS_AT), ("refresh, next quarter", NEXT_QUARTER)):
            shutil.copy(WORK / "master.xlsx", master)
            refresh_workbook(master, as_at, now=NOW)
            for kind, parts in _both(master).items():
                result[name + kind] = parts
        shutil.copy(WORK / "master.xlsx", master)
        merge_returns(master, [WORK / "returned"], as_at=AS_AT, now=NOW)
        for kind, parts in _both(master).items():
            result["merge" + kind] = parts
    return result


def differences(a: dict[str, dict[str, str]], b: dict[str, dict[str, str]]) -> list[str]:
    """``task: part`` for each part that differs (or is in one only); a digest written before
    the XML ones were is compared by its bytes only."""
    out = []
    for task in sorted(set(a) | set(b)):
        if task.endswith(AS_XML) and (task not in a or task not in b):
            continue
        parts_a, parts_b = a.get(task, {}), b.get(task, {})
        for part in sorted(set(parts_a) | set(parts_b)):
            if parts_a.get(part) != parts_b.get(part):
                out.append(f"{task}: {part}")
    return out


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--diff":
        a, b = (json.loads(Path(p).read_text()) for p in argv[1:])
        xml_known = any(t.endswith(AS_XML) for t in a) and any(t.endswith(AS_XML) for t in b)
        differ = differences(a, b)
        in_bytes = [line for line in differ if AS_XML not in line]
        as_xml = {line.replace(AS_XML, "") for line in differ if AS_XML in line}
        for line in in_bytes:
            kind = "" if not xml_known else " (as XML)" if line in as_xml else " (bytes only)"
            print(f"differs{kind}: {line}")
        if not differ:
            print("the same")
            return 0
        if xml_known and not as_xml:
            print(f"the same as XML; {len(in_bytes)} parts differ in their bytes only")
            return 0
        print(f"{len(in_bytes)} parts differ")
        return 1
    if len(argv) != 1:
        print(__doc__)
        return 2
    Path(argv[0]).write_text(json.dumps(outputs(), indent=1))
    print(f"written {argv[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
