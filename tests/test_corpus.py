"""Every file of the hostile corpus ends as grids or a typed error: no crash, hang or leak.

The corpus (964 real-world test files of Apache POI, calamine, python-calamine and xlrd) lives
in shared/corpus beside the repository; the test skips, saying so, when it is absent.
"""

from __future__ import annotations

import collections
import resource
import time
from pathlib import Path

import pytest

from edi_xl.errors import EncryptedFileError, NotASpreadsheetError, UnreadableFileError
from edi_xl.isolation import FileReader
from edi_xl.sources import WorkbookGrids

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
TIMEOUT_S = 30.0
MEMORY_MB = 1024


def _outcome(result: object) -> str:
    if isinstance(result, WorkbookGrids):
        return f"read {result.format}"
    if isinstance(result, EncryptedFileError):
        return "encrypted"
    if isinstance(result, NotASpreadsheetError):
        return "not a spreadsheet"
    assert isinstance(result, UnreadableFileError)
    if result.reason.startswith("took longer"):
        return "unreadable: timed out"
    if result.reason.startswith("needed more than"):
        return "unreadable: out of memory"
    if result.reason.startswith("the reader crashed"):
        return "unreadable: reader crashed"
    return "unreadable"


@pytest.mark.slow
def test_every_corpus_file_ends_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"hostile-file corpus not found at {CORPUS} (shared/ is not beside the repo)")
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p != CORPUS / "README.md")
    assert files, "the corpus folder is empty"

    counts: collections.Counter[str] = collections.Counter()
    gaps: list[tuple[float, str]] = []
    seen = []
    started = last = time.monotonic()
    with FileReader(timeout=TIMEOUT_S, memory_mb=MEMORY_MB, workers=2) as reader:
        for path, result in reader.read_many(files):
            now = time.monotonic()
            gaps.append((now - last, str(path.relative_to(CORPUS))))
            last = now
            seen.append(path)
            assert isinstance(result, (WorkbookGrids, UnreadableFileError)), (path, result)
            if isinstance(result, UnreadableFileError):
                assert result.reason.strip(), path
                assert "Traceback" not in result.reason, (path, result.reason)
                assert "\n" not in result.reason, (path, result.reason)
                assert result.path == str(path)
            else:
                assert result.path == path
            counts[_outcome(result)] += 1
    elapsed = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    assert seen == files
    assert sum(counts.values()) == len(files)
    with capsys.disabled():
        print(
            f"\n\ncorpus: {len(files)} files in {elapsed:.1f} s with 2 workers;"
            f" peak worker RSS {peak_mb:.0f} MB"
        )
        for outcome, n in sorted(counts.items()):
            print(f"  {outcome:<28} {n:4d}")
        print("  slowest (time between results, approx.):")
        for gap, name in sorted(gaps, reverse=True)[:5]:
            print(f"    {gap:6.1f} s  {name}")
