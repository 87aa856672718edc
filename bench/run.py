"""The benchmark: ``python3 bench/run.py`` (from the checkout, edi_xl installed).

1. Makes (once; the same every time; ``--fresh`` to make again) in ``bench/results/work``:
   a master of 5,000 actions with 500 owners (``new_master`` from a generated plan), the 500
   owner returns ``make_owner_returns`` writes for it, and those returns as owners send them
   back in mixed shapes (see ``bench/returns.py``).
2. Times, each in a fresh process, ``--repeat`` rounds of every task (median reported), with
   peak memory:
   ``edi-xl refresh`` of the master (at its own as-at date, and for information a quarter
   later, when a refresh has the overdue actions' cells to write, and a quarter later again
   on the master a year on: its returns merged and three quarters' refreshes, a Change Log of
   about 15,000 lines); ``edi-xl merge`` of the returned files; a naive pandas
   script (``bench/naive_pandas.py``, with the openpyxl engine, and for information with
   calamine, which pandas 3.1 says becomes its default for .xlsx); the two floors
   (``bench/floor.py``: the refresh floor reads every sheet of the master with
   python-calamine and re-packs its zip; the merge floor also reads every return with
   python-calamine).
3. Prints a markdown table and writes it to ``bench/results.md``.

The checkout's modules are compiled to bytecode before the runs, as ``pip install`` does for
a user: a process that compiles edi_xl from source each time (``PYTHONDONTWRITEBYTECODE`` is
set on some machines) spends about 0.15 s doing it, which no installed copy does.

Peak memory is measured two ways: the largest resident set of any one process of the run
(``ru_maxrss`` from ``os.wait4``, which covers worker processes the run started and waited
for), and the peak of the proportional set size (PSS) summed over the whole process tree,
sampled every 20 ms from ``/proc`` (forked workers share pages with their parent; PSS counts
each shared page once in total).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]  # this checkout's edi_xl, not an installed copy

AS_AT = date(2023, 12, 18)
#: task -> (times its floor at most, MB at most); None: no target. Issue 13's targets, as
#: ratios against floors measured in the same run (bench/floor.py), so that a busy or a slow
#: machine does not decide them. merge must also be at least 5x faster than naive pandas.
TARGETS = {
    "refresh": (4.0, 400.0),
    "refresh, next quarter": (None, None),
    "refresh, a year on": (None, None),
    "merge": (8.0, 400.0),
    "naive pandas": (None, None),
    "naive pandas, calamine": (None, None),
    "refresh floor": (None, None),
    "refresh floor, a year on": (None, None),
    "merge floor": (None, None),
}
FLOOR = {
    "refresh": "refresh floor",
    "refresh, next quarter": "refresh floor",
    "refresh, a year on": "refresh floor, a year on",
    "merge": "merge floor",
}
#: The as-at date of "refresh, next quarter": the next round's. The master was made at
#: AS_AT, so a refresh at AS_AT finds nothing to change in the plan sheet; one a quarter later
#: rewrites the Overdue and Days overdue cells of every action then overdue, as a trust's
#: refresh at the start of a round does. Timed for information: issue 13's target is on the
#: refresh above.
NEXT_QUARTER = AS_AT + timedelta(days=91)
#: "refresh, a year on": the master's returns merged at AS_AT, then refreshed at the start of
#: each of the next three rounds (each logs the days overdue it moves: a year's Change Log),
#: then refreshed at the fourth. Timed for information: what a refresh costs as the log grows.
YEAR_ROUNDS = [AS_AT + timedelta(days=91 * n) for n in (1, 2, 3)]
A_YEAR_ON = AS_AT + timedelta(days=91 * 4)
MERGE_VS_NAIVE = 5.0


@dataclass
class Run:
    seconds: float
    max_rss_mb: float
    tree_pss_mb: float
    returncode: int
    output: str


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
        except OSError:
            continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree_pss_kb(root: int) -> int:
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _pss_kb(pid)
        todo += _children(pid)
    return total


def measure(cmd: list[str], cwd: Path) -> Run:
    """Run ``cmd`` in a fresh process; wall time, peak memory, exit code, output."""
    start = time.perf_counter()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_pss_kb(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stdout is not None
    output = proc.stdout.read()  # until the child closes it: it is about to exit
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        seconds,
        usage.ru_maxrss / 1024,
        peak / 1024,
        proc.returncode,
        output.decode("utf-8", "replace"),
    )


# --- the files -------------------------------------------------------------------------------


def generate(work: Path, n_actions: int, n_owners: int, *, fresh: bool) -> dict[str, object]:
    """What is in ``work`` (see the module's docstring), made first when it is not what is
    wanted (or ``fresh``), in a process of its own, as :func:`generate_year_on`: a process
    forked from this one would count this one's growth in its own peak memory (every task of
    the run that made the files read 138 MB as its largest process, session 30)."""
    stamp = work / "stamp.json"
    wanted = _wanted(n_actions, n_owners)
    if not fresh and stamp.is_file():
        info = json.loads(stamp.read_text())
        if info.get("wanted") == wanted:
            return info
    args = [sys.executable, __file__, "--make-files", str(work), str(n_actions), str(n_owners)]
    subprocess.run(args, check=True)
    return json.loads(stamp.read_text())


def _wanted(n_actions: int, n_owners: int) -> dict[str, int]:
    """What the files in the work folder are made for (their stamp's "wanted")."""
    return {"actions": n_actions, "owners": n_owners, "version": 1}


def _make_files(work: Path, n_actions: int, n_owners: int) -> None:
    from plan import make_plan
    from returns import edit_returns

    from edi_xl.flows.owner_returns import make_owner_returns
    from edi_xl.flows.refresh import new_master

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    t0 = time.perf_counter()
    plan = make_plan(n_actions, n_owners)
    master = work / "master.xlsx"
    now = datetime(2023, 12, 18, 9, 0)
    new_master(master, plan, AS_AT, trust_name="Benchmark NHS Trust", now=now)
    made = make_owner_returns(master, work / "sent", AS_AT, now=now)
    shapes = edit_returns([f.path for f in made.files], work / "returned")
    info = {
        "wanted": _wanted(n_actions, n_owners),
        "returns_sent": len(made.files),
        "returned_files": len(list((work / "returned").iterdir())),
        "shapes": shapes,
        "generated_in_s": round(time.perf_counter() - t0, 1),
    }
    (work / "stamp.json").write_text(json.dumps(info, indent=2))


def generate_year_on(work: Path) -> Path:
    """The master a year on (see :data:`YEAR_ROUNDS`), made once from the master and its
    returns (``master_year.xlsx``; made again when they are), in a process of its own: a
    process forked from one that has grown counts that growth in its own peak memory."""
    year = work / "master_year.xlsx"
    if year.is_file() and year.stat().st_mtime >= (work / "stamp.json").stat().st_mtime:
        return year
    subprocess.run([sys.executable, __file__, "--make-year-on", str(work)], check=True)
    return year


def _make_year_on(work: Path) -> None:
    from edi_xl.flows.merge import merge_returns
    from edi_xl.flows.refresh import refresh_workbook

    year = work / "master_year.xlsx"
    made = work / "year" / "master.xlsx"
    made.parent.mkdir(exist_ok=True)
    shutil.copy2(work / "master.xlsx", made)
    merge_returns(made, [work / "returned"], as_at=AS_AT, now=datetime(2023, 12, 20, 9, 0))
    for as_at in YEAR_ROUNDS:
        refresh_workbook(made, as_at, now=datetime.combine(as_at, datetime.min.time()))
    shutil.copy2(made, year)
    shutil.rmtree(made.parent)


# --- the runs --------------------------------------------------------------------------------


def tasks(work: Path) -> dict[str, tuple[list[str], Path | None, Path | None]]:
    """task -> (command, a fresh copy to make before each run, of which master)."""
    py = sys.executable
    copy = work / "run" / "master.xlsx"
    master, year = work / "master.xlsx", work / "master_year.xlsx"
    return {
        "refresh": (
            [py, "-m", "edi_xl", "refresh", str(copy), "--as-at", AS_AT.isoformat()],
            copy,
            master,
        ),
        "refresh, next quarter": (
            [py, "-m", "edi_xl", "refresh", str(copy), "--as-at", NEXT_QUARTER.isoformat()],
            copy,
            master,
        ),
        "refresh, a year on": (
            [py, "-m", "edi_xl", "refresh", str(copy), "--as-at", A_YEAR_ON.isoformat()],
            copy,
            year,
        ),
        "merge": (
            [
                py,
                "-m",
                "edi_xl",
                "merge",
                str(copy),
                str(work / "returned"),
                "--as-at",
                AS_AT.isoformat(),
            ],
            copy,
            master,
        ),
        "naive pandas": ([py, str(HERE / "naive_pandas.py"), str(work / "returned")], None, None),
        # (pandas' next default engine for .xlsx: for information)
        "naive pandas, calamine": (
            [py, str(HERE / "naive_pandas.py"), str(work / "returned"), "calamine"],
            None,
            None,
        ),
        "refresh floor": ([py, str(HERE / "floor.py"), "refresh", str(copy)], copy, master),
        "refresh floor, a year on": (
            [py, str(HERE / "floor.py"), "refresh", str(copy)],
            copy,
            year,
        ),
        "merge floor": (
            [py, str(HERE / "floor.py"), "merge", str(copy), str(work / "returned")],
            copy,
            master,
        ),
    }


def machine() -> str:
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in lscpu.splitlines()
                if line.startswith("Model name")
            ),
            "",
        )
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}; {model or '?'}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average at start {load}"
    )


def table(results: dict[str, list[Run]]) -> str:
    lines = [
        "| Task | Time, median (s) | Min (s) | Peak memory, largest process (MB) "
        "| Peak memory, all processes (PSS, MB) | x its floor | Target | Met |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    median = {name: statistics.median(r.seconds for r in runs) for name, runs in results.items()}

    def paired(name: str, other: str) -> float:
        """The median over rounds of ``name``'s time over ``other``'s in the same round."""
        pairs = zip(results[name], results[other], strict=True)
        return statistics.median(a.seconds / b.seconds for a, b in pairs)

    for name, runs in results.items():
        secs = median[name]
        rss = max(r.max_rss_mb for r in runs)
        pss = max(r.tree_pss_mb for r in runs)
        limit_x, limit_mb = TARGETS[name]
        target, met = "", ""
        times = paired(name, FLOOR[name]) if FLOOR.get(name) in results else None
        ratio = "" if times is None else f"{times:.1f}x"
        if times is not None and limit_x is not None and limit_mb is not None:
            target = f"<= {limit_x:g}x floor, < {limit_mb:g} MB"
            parts = [("floor", times <= limit_x), ("memory", max(rss, pss) < limit_mb)]
            if name == "merge":
                target += f", {MERGE_VS_NAIVE:g}x faster than naive pandas"
                parts.append(("naive pandas", paired("naive pandas", name) >= MERGE_VS_NAIVE))
            # each part of the target said apart, when not all are met
            met = (
                "yes"
                if all(ok for _, ok in parts)
                else ", ".join(f"{part} {'yes' if ok else '**no**'}" for part, ok in parts)
            )
        lines.append(
            f"| {name} | {secs:.2f} | {min(r.seconds for r in runs):.2f} | {rss:.0f} "
            f"| {pss:.0f} | {ratio} | {target} | {met} |"
        )
    lines.append("")
    lines.append(
        f"refresh / its floor = {paired('refresh', 'refresh floor'):.1f}x; "
        f"merge / its floor = {paired('merge', 'merge floor'):.1f}x; "
        f"naive pandas / merge = {paired('naive pandas', 'merge'):.2f}x "
        "(each the median over rounds of the two times in the same round)"
    )
    if "naive pandas, calamine" in results:
        lines.append("")
        lines.append(
            "naive pandas with the calamine engine (pandas' next default for .xlsx) / merge = "
            f"{paired('naive pandas, calamine', 'merge'):.2f}x; / merge floor = "
            f"{paired('naive pandas, calamine', 'merge floor'):.2f}x"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--make-year-on"]:  # (generate_year_on's own process)
        _make_year_on(Path(argv[1]))
        return 0
    if argv[:1] == ["--make-files"]:  # (generate's own process)
        _make_files(Path(argv[1]), int(argv[2]), int(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of every task (default 3)")
    parser.add_argument("--fresh", action="store_true", help="make the files again")
    parser.add_argument("--actions", type=int, default=5000)
    parser.add_argument("--owners", type=int, default=500)
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE / "results",
        help="where the files are made (default bench/results, ignored by git)",
    )
    parser.add_argument(
        "--only", action="append", choices=list(TARGETS), help="run only this task (repeatable)"
    )
    args = parser.parse_args(argv)

    work = args.out / "work"
    info = generate(work, args.actions, args.owners, fresh=args.fresh)
    generate_year_on(work)
    about = machine()
    print(
        f"Files: master of {args.actions} actions; {info['returns_sent']} returns sent; "
        f"{info['returned_files']} files returned {info['shapes']}",
        flush=True,
    )
    results: dict[str, list[Run]] = {}
    (work / "run").mkdir(exist_ok=True)
    for folder in (ROOT / "edi_xl", HERE):  # as installed: bytecode ready (see above)
        compileall.compile_dir(folder, quiet=1, workers=0)
    chosen = {n: t for n, t in tasks(work).items() if not args.only or n in args.only}
    # In rounds, every task once a round: a machine that speeds up or slows down during the
    # run moves a task and its floor alike, and the ratios stay fair.
    for _ in range(args.repeat):
        for name, (cmd, copy, source) in chosen.items():
            if copy is not None and source is not None:
                shutil.copy2(source, copy)
                for stale in copy.parent.glob("*.backup.xlsx"):
                    stale.unlink()
            run = measure(cmd, work / "run")
            if run.returncode not in (0, 1):
                print(run.output, file=sys.stderr)
                raise SystemExit(f"{name} failed with exit code {run.returncode}")
            results.setdefault(name, []).append(run)
            print(
                f"  {name}: {run.seconds:.2f} s, {run.max_rss_mb:.0f} MB "
                f"(all processes {run.tree_pss_mb:.0f} MB)",
                flush=True,
            )
    if args.only:
        return 0
    text = table(results)
    report = (
        "# Benchmark results\n\n"
        f"`python3 bench/run.py --repeat {args.repeat}` on {datetime.now():%Y-%m-%d %H:%M}.\n\n"
        f"Machine: {about}.\n\n"
        f"Files: a master of {args.actions} actions and {args.owners} owners; "
        f"{info['returns_sent']} owner returns sent, {info['returned_files']} files back "
        f"(shapes: {', '.join(f'{k} {v}' for k, v in info['shapes'].items())}; "  # type: ignore[attr-defined]
        "xlsx and csv only).\n\n"
        f"{text}\n\n"
        "Merge output (last run):\n\n```\n"
        + "\n".join(results["merge"][-1].output.splitlines()[:3])
        + "\n```\n"
    )
    print()
    print(text)
    (HERE / "results.md").write_text(report, encoding="utf-8")
    print(f"\nWritten to {HERE / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
