"""Every file of the hostile corpus ends with an outcome: no crash, hang or runaway memory.

The corpus (964 real-world odd, broken, encrypted, Strict-OOXML, XML-bomb and fuzzer-made
files from the test suites of Apache POI, calamine, python-calamine and xlrd) lives in
shared/corpus beside the repository; the test skips, saying so, when it is absent (and fails
in CI, which must have it).

It runs ``edi-xl normalise`` over the whole corpus as a user would, in a child process, and
checks the JSON report: every file is accounted for, each file that is not read has a
one-line reason, nothing printed a traceback, and the peak memory of the command and its
reading workers stayed under 1 GB. The 30 s limit per file is enforced by the workers
(:mod:`edi_xl.read.isolation`): a file that takes longer ends "took longer than 30 s".
"""

from __future__ import annotations

import collections
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
REPO = Path(__file__).resolve().parents[2]
MEMORY_MB = 1024


def _category(entry: dict) -> str:
    """The outcome, with the kind of reason for files that were not read."""
    outcome, reason = entry["outcome"], entry["reason"] or ""
    if outcome != "rejected":
        return outcome
    for start, kind in (
        ("password protected", "encrypted"),
        ("encrypted", "encrypted"),
        ("took longer", "timed out"),
        ("needed more than", "out of memory"),
        ("the reader crashed", "reader crashed"),
        ("no action table", "no action table"),
        ("holds this round's update, so nothing was read", "update column unclear"),
        ("the action table has no rows", "no action table"),
    ):
        if reason.startswith(start) or start in reason:
            return f"rejected: {kind}"
    if "not a spreadsheet" in reason or "document" in reason:
        return "rejected: not a spreadsheet"
    return "rejected: unreadable"


@pytest.mark.slow
def test_normalise_gives_every_corpus_file_an_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"hostile-file corpus not found at {CORPUS}: CI must have it")
        pytest.skip(f"hostile-file corpus not found at {CORPUS} (shared/ is not beside the repo)")
    files = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file())
    assert len(files) > 900, "the corpus folder is incomplete"

    report = tmp_path / "report.json"
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "edi_xl",
            "normalise",
            str(CORPUS),
            "-o",
            str(tmp_path / "out"),
            "--as-at",
            "2023-12-18",
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    elapsed = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    doc = json.loads(report.read_text(encoding="utf-8"))
    entries = {e["file"]: e for e in doc["files"]}
    assert sorted(entries) == files  # every file accounted for, once
    for name, entry in entries.items():
        assert entry["outcome"] in ("normalised", "skipped", "rejected"), name
        if entry["outcome"] != "normalised":
            reason = entry["reason"]
            assert reason and reason.strip(), name
            assert "\n" not in reason and "Traceback" not in reason, (name, reason)
    if before < MEMORY_MB * 1024:  # an earlier child of this test run was not bigger already
        assert peak_mb < MEMORY_MB, f"peak memory {peak_mb:.0f} MB"

    counts = collections.Counter(_category(e) for e in entries.values())
    assert sum(counts.values()) == len(files)
    with capsys.disabled():
        print(
            f"\n\nedi-xl normalise over the corpus: {len(files)} files in {elapsed:.0f} s, "
            f"peak memory of a process {peak_mb:.0f} MB"
        )
        for outcome, n in sorted(counts.items()):
            print(f"  {outcome:<32} {n:4d}")
