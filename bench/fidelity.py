"""What survives a save: openpyxl, Excelize and edi_xl's patch writer on the same files.

``python3 bench/fidelity.py [--limit N]`` takes every .xlsx/.xlsm of the hostile corpus in
../shared/corpus (real files from the test suites of Apache POI, calamine, python-calamine and
xlrd, many made by Excel) and the trust workbook of tests/master/test_fidelity.py (made by
XlsxWriter: logo, text box, chart, sparklines, note, icon set, data bars, link column, table,
header image), and saves each one three ways:

- **openpyxl**: ``load_workbook`` + ``save`` (what edi_xl did before the patch writer);
- **excelize**: Excelize's Python package, ``open_file`` + ``save_as`` (if installed);
- **edi_xl patch**: ``load_master`` + a Settings and a Change Log sheet added (what a refresh
  adds to a trust's own workbook) + ``save_master``.

For each output it takes an inventory: every part of the input present, and for each XML part
the count of each element (namespace + name); a file "loses something" when a part is missing
or an element count falls. calcChain.xml is not counted (both openpyxl and edi_xl drop it on
purpose: Excel rebuilds it). Files that an engine cannot open at all are counted apart. Each
file runs in a worker process with a time limit (the corpus has XML bombs and fuzzer files).
Writes bench/fidelity.md.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import warnings
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "master")]
CORPUS = ROOT.parent / "shared" / "corpus"
TIMEOUT = 60.0


def inventory(path: Path) -> dict[str, Counter[str]]:
    from lxml import etree

    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    out: dict[str, Counter[str]] = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith("/") or name == "xl/calcChain.xml":
                continue
            counts: Counter[str] = Counter()
            if name.endswith((".xml", ".rels", ".vml")):
                try:
                    root = etree.fromstring(zf.read(name), parser)
                    counts.update(el.tag for el in root.iter() if isinstance(el.tag, str))
                except etree.XMLSyntaxError:
                    pass
            out[name] = counts
    return out


def lost(before: dict[str, Counter[str]], after: dict[str, Counter[str]]) -> list[str]:
    """What of ``before`` is missing from ``after`` (parts; elements by count)."""
    missing = [f"part {n}" for n in before if n not in after]
    by_tag: Counter[str] = Counter()
    for name, counts in before.items():
        if name in after:
            by_tag.update(counts - after[name])
    # a part renamed (openpyxl renumbers drawings, charts...) still counts as kept when the
    # same elements turn up elsewhere: compare the whole package's elements too
    total_before: Counter[str] = sum(before.values(), Counter())
    total_after: Counter[str] = sum(after.values(), Counter())
    elements = total_before - total_after
    renamed_parts = [p for p in missing if not elements]
    return [p for p in missing if p not in renamed_parts] + [
        f"{n} x {tag}" for tag, n in elements.items()
    ]


def save_openpyxl(src: Path, dst: Path) -> None:
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(src, keep_vba=src.suffix.lower() == ".xlsm", keep_links=True)
        wb.save(dst)


def save_excelize(src: Path, dst: Path) -> None:
    import excelize

    f = excelize.open_file(str(src))
    try:
        f.save_as(str(dst))
    finally:
        f.close()


def save_patch(src: Path, dst: Path) -> None:
    from edi_xl.core.problems import Problem
    from edi_xl.master import sheets
    from edi_xl.master.patch import loaded_package, save_master
    from edi_xl.master.plan import load_master

    wb = load_master(src)
    if loaded_package(wb) is None:
        raise RuntimeError("not a package")
    for name in (sheets.SETTINGS, sheets.CHANGE_LOG):
        if name in wb.sheetnames:
            raise RuntimeError(f"already has a {name} sheet")
    sheets.write_settings(wb, sheets.Settings(as_at=date(2023, 12, 18)))
    sheets.change_log_sheet(wb)
    notes: list[Problem] = []
    save_master(wb, dst, backup=False, notes=notes)
    if notes:
        raise RuntimeError(notes[0].message)


ENGINES = {"openpyxl": save_openpyxl, "excelize": save_excelize, "edi_xl patch": save_patch}


def one(engine: str, src: str) -> tuple[str, list[str]]:
    """(outcome, what was lost): outcome is kept | lost | cannot open."""
    path = Path(src)
    with tempfile.TemporaryDirectory() as tmp:
        dst = Path(tmp) / ("out" + path.suffix.lower())
        try:
            before = inventory(path)
        except Exception:  # noqa: BLE001 - not a zip: no engine is asked
            return "not a package", []
        try:
            ENGINES[engine](path, dst)
            after = inventory(dst)
        except Exception as exc:  # noqa: BLE001
            why = str(exc).replace(f"{src}: ", "").replace(str(dst), "the copy")
            return "cannot open", [f"{type(exc).__name__}: {why[:160]}"]
        gone = lost(before, after)
        return ("lost" if gone else "kept"), gone


def files(limit: int | None) -> list[Path]:
    found = sorted(
        p for p in CORPUS.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file()
    )
    from test_fidelity import build_featured_workbook

    made = Path(tempfile.mkdtemp()) / "trust plan.xlsx"
    build_featured_workbook(made)
    return [made, *found[:limit]]


def _run_engines(
    engines: list[str],
    paths: list[Path],
    ctx: Any,
    results: dict[str, Counter[str]],
    examples: dict[str, Counter[str]],
    featured: dict[str, list[str]],
    refused: dict[str, list[tuple[Path, str]]],
) -> None:
    """Each engine's load and save of every file, in two worker processes; the files an
    engine cannot open, and why, go in ``refused``."""
    for engine in engines:
        pool = ctx.Pool(2, maxtasksperchild=20)
        jobs = [pool.apply_async(one, (engine, str(p))) for p in paths]
        for i, path in enumerate(paths):
            try:
                outcome, gone = jobs[i].get(timeout=TIMEOUT)
            except mp.TimeoutError:
                outcome, gone = "cannot open", ["took too long"]
                pool.terminate()  # the rest queued on it are lost: queue them again
                pool = ctx.Pool(2, maxtasksperchild=20)
                jobs[i + 1 :] = [pool.apply_async(one, (engine, str(q))) for q in paths[i + 1 :]]
            results[engine][outcome] += 1
            if outcome == "cannot open":
                refused.setdefault(engine, []).append((path, gone[0] if gone else ""))
            if path == paths[0]:
                featured[engine] = gone
            for item in gone:
                if outcome == "lost":
                    examples[engine][item.split(" x ")[-1].split("}")[-1]] += 1
        pool.close()
        pool.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N corpus files")
    parser.add_argument("--engines", default=",".join(ENGINES))
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    try:
        import excelize  # noqa: F401
    except ImportError:
        engines = [e for e in engines if e != "excelize"]
        print("excelize is not installed (pip install excelize): left out", file=sys.stderr)
    paths = files(args.limit)
    results: dict[str, Counter[str]] = {e: Counter() for e in engines}
    examples: dict[str, Counter[str]] = {e: Counter() for e in engines}
    featured: dict[str, list[str]] = {}
    refused: dict[str, list[tuple[Path, str]]] = {}
    ctx = mp.get_context("spawn")
    # A worker stopped for taking too long leaves what it was writing: openpyxl writes each
    # sheet to a temporary file first, gigabytes for a sheet whose used range is huge. The
    # workers write theirs in a folder of this run's, removed at the end.
    scratch = tempfile.mkdtemp(prefix="edi_xl-fidelity.")
    was = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = scratch  # (spawned workers read it as they start)
    try:
        _run_engines(engines, paths, ctx, results, examples, featured, refused)
    finally:
        if was is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = was
        shutil.rmtree(scratch, ignore_errors=True)
    lines = [
        "# What survives a save (bench/fidelity.py)",
        "",
        f"{len(paths) - 1} .xlsx/.xlsm files of the corpus plus the XlsxWriter trust workbook "
        "of tests/master/test_fidelity.py.",
        "",
        "| engine | kept everything | lost something | cannot open | not a package |",
        "|---|---|---|---|---|",
    ]
    for engine in engines:
        r = results[engine]
        lines.append(
            f"| {engine} | {r['kept']} | {r['lost']} | {r['cannot open']} | {r['not a package']} |"
        )
    lines += ["", "On the trust workbook:", ""]
    for engine in engines:
        gone = featured.get(engine, [])
        lines.append(f"- {engine}: " + ("nothing lost" if not gone else "; ".join(gone[:12])))
    lines += ["", "What was lost most often (element, files):", ""]
    for engine in engines:
        common = ", ".join(f"{tag} {n}" for tag, n in examples[engine].most_common(8))
        lines.append(f"- {engine}: {common or 'nothing'}")
    if "edi_xl patch" in refused:
        lines += ["", "The files edi_xl cannot open, and why:", ""]
        for path, why in refused["edi_xl patch"]:
            name = path.relative_to(CORPUS) if path.is_relative_to(CORPUS) else path.name
            lines.append(f"- {name}: {why}")
    text = "\n".join(lines) + "\n"
    (HERE / "fidelity.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
