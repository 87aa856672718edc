"""What refresh and merge write on the benchmark's files, as a digest to compare before and
after a change that should not change it (a speed-up):

    python3 bench/same_output.py before.json      # on the code before the change
    python3 bench/same_output.py after.json       # on the code after it
    python3 bench/same_output.py --diff before.json after.json

Runs, in this process, a refresh of the benchmark's master at its as-at date and at the next
quarter's, and a merge of its returns, each on a copy and with a fixed clock (the Change Log
says when each line was written), and writes the SHA-256 of every part of each result (all but
``docProps/core.xml``, which says when the file was saved). ``--diff`` names the parts that
differ and exits 1 if any do. The files are the ones ``python3 bench/run.py`` makes (run it
once first). This checkout's edi_xl is the one measured.
"""

from __future__ import annotations

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


def digest(path: Path) -> dict[str, str]:
    """Each part of the package at ``path`` (but the save time's), by name: its SHA-256."""
    with zipfile.ZipFile(path) as zf:
        return {
            info.filename: hashlib.sha256(zf.read(info)).hexdigest()
            for info in zf.infolist()
            if info.filename != "docProps/core.xml"
        }


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
            result[name] = digest(master)
        shutil.copy(WORK / "master.xlsx", master)
        merge_returns(master, [WORK / "returned"], as_at=AS_AT, now=NOW)
        result["merge"] = digest(master)
    return result


def differences(a: dict[str, dict[str, str]], b: dict[str, dict[str, str]]) -> list[str]:
    """``task: part`` for each part that differs (or is in one only)."""
    out = []
    for task in sorted(set(a) | set(b)):
        parts_a, parts_b = a.get(task, {}), b.get(task, {})
        for part in sorted(set(parts_a) | set(parts_b)):
            if parts_a.get(part) != parts_b.get(part):
                out.append(f"{task}: {part}")
    return out


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--diff":
        a, b = (json.loads(Path(p).read_text()) for p in argv[1:])
        differ = differences(a, b)
        for line in differ:
            print(f"differs: {line}")
        print("the same" if not differ else f"{len(differ)} parts differ")
        return 1 if differ else 0
    if len(argv) != 1:
        print(__doc__)
        return 2
    Path(argv[0]).write_text(json.dumps(outputs(), indent=1))
    print(f"written {argv[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
