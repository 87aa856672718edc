"""The ``edi-xl`` command: thin over the library. Each command parses options, makes one
library call and prints what happened.

Exit codes: 0 done and nothing needs attention; 1 done, but problems were found that need a
human; 2 usage error or unreadable input (a one-line message naming the file, no traceback).
"""

from __future__ import annotations

import gc
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from edi_xl import __version__
from edi_xl.core.dates import parse_as_at, short_date
from edi_xl.core.errors import EdiXlError, RoundDateUnreadError
from edi_xl.core.problems import Code, Outcome, Report, Severity, problems_json
from edi_xl.core.rounds import today
from edi_xl.core.rules import check_plan
from edi_xl.core.text import plural
from edi_xl.flows.refresh import RefreshResult, new_master, refresh_workbook
from edi_xl.flows.rounds import STARTED, RoundDate, round_date
from edi_xl.master.plan import load_master, read_master_plan

if TYPE_CHECKING:
    from edi_xl.flows.importer import ImportResult
    from edi_xl.flows.merge import MergeReport
    from edi_xl.tables.engine import Column
    from edi_xl.tables.reader import SourceRead

EXAMPLE_PLAN = "trust_action_plan.xlsx"
EXAMPLE_AS_AT = date(2023, 12, 18)


class InputError(click.ClickException):
    """Unreadable input or a request that cannot be done: exit code 2."""

    exit_code = 2


class AsAtDate(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_as_at(str(value))
        except ValueError as exc:
            # parse_as_at's message names the value and says how to write a date: once
            self.fail(str(exc), param, ctx)


AS_AT = click.option(
    "--as-at",
    "as_at",
    type=AsAtDate(),
    default=None,
    help="The date status is worked out for: 2023-12-18 or 18/12/2023. Default: the round "
    "on the master's Settings sheet (today when there is none).",
)


#: --as-at of the commands that only work figures out (summary, report)
FIGURES_AS_AT = click.option(
    "--as-at",
    "as_at",
    type=AsAtDate(),
    default=None,
    help="Work the figures out for this date: 2023-12-18 or 18/12/2023. Default: the "
    "as-at date on the master's Settings sheet.",
)


def _today() -> date:
    return today()  # edi_xl.core.rounds.today: the one place that reads the clock


#: Set by :func:`main`: this process runs one command and ends (not a test, not a library).
_ENDS_AFTER_COMMAND = False


@contextmanager
def _one_master() -> Iterator[None]:
    """Around a command that works on one master, in a process that ends after it.

    The master loaded is hundreds of thousands of long-lived objects (openpyxl's cells and
    styles), which Python's cycle collector would walk again and again to find no garbage,
    once more after the save and again as the process ends: about a tenth of a refresh of a
    big plan. So no collection while the command runs, and what is left is frozen after it,
    out of every later walk (the memory goes back to the system with the process). Commands
    that make many workbooks one after another (returns, normalise) collect as usual, and so
    do worker processes (:mod:`edi_xl.read.isolation`).
    """
    if not _ENDS_AFTER_COMMAND:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _run_on_master(func: Any, *args: Any, **kwargs: Any) -> Any:
    """:func:`_run` for a library call that loads one master (:func:`_one_master`)."""
    with _one_master():
        return _run(func, *args, **kwargs)


def _run(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the library; what stops the work becomes a one-line message and exit code 2."""
    try:
        return func(*args, **kwargs)
    except RoundDateUnreadError as exc:
        raise InputError(f"{exc}{_how_to_give_the_round()}. Nothing was changed.") from exc
    except EdiXlError as exc:
        raise InputError(str(exc)) from exc
    except OSError as exc:
        name = getattr(exc, "filename", None) or ""
        raise InputError(f"{name}: {exc.strerror or exc}".lstrip(": ")) from exc


def _how_to_give_the_round() -> str:
    """The end of :class:`RoundDateUnreadError`'s message on the command line: ", or give it
    with --as-at" for a command that has the option (``chase`` has not)."""
    context = click.get_current_context(silent=True)
    if context is not None and any(p.name == "as_at" for p in context.command.params):
        return ", or give it with --as-at"
    return ""


def _round(as_at: date | None, master: Path | None) -> RoundDate:
    """The date a command works for: --as-at, else the round on Settings, else today."""
    return _run(round_date, as_at, master, _today())


def _say_round(when: RoundDate | date, source: str | None = None) -> None:
    """The first line of a command's output: the date it worked for, and why that date."""
    if isinstance(when, date):
        when = RoundDate(when, source or "given")
    click.echo(when.describe()[:1].upper() + when.describe()[1:] + ".")


def _summary(result: RefreshResult, verb: str) -> None:
    plan = result.plan
    src = plan.source
    where = f"sheet {src.sheet!r}, header row {src.header_row}" if src else ""
    click.echo(
        f"{verb} {result.path} as at {short_date(result.as_at)} "
        f"({where}, {plural(len(plan.actions), 'action')})."
    )
    counts = result.rag_counts()
    click.echo("RAG: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    overdue = result.overdue
    click.echo(f"Overdue: {len(overdue)}")
    _echo_lines(
        f"  {action.id:<6} due {action.due.describe()}, {plural(days, 'day')} overdue - "
        f"{action.owner or '(no owner)'}"
        for action, days in overdue
    )
    click.echo(f"Changes logged on the Change Log sheet: {len(result.changes)}")
    _problem_counts(result.report, result.path)
    for note in result.notes:
        click.echo(f"Note: {note.message}")
    if result.backup:
        click.echo(f"Previous version kept as {result.backup}")


def _echo_lines(lines: Iterable[str]) -> None:
    """Print ``lines``, each a line, as one ``click.echo`` (none: nothing): the same text,
    written and flushed once, where a call for each line writes and flushes each (the 1,239
    overdue actions of the benchmark's master, or the 1,300 files and flags of its merge,
    were 15 to 30 ms of the command)."""
    text = list(lines)
    if text:
        click.echo("\n".join(text))


def _problem_counts(report: Report, path: object) -> None:
    counts = report.counts()
    click.echo(
        "Problems: "
        + ", ".join(plural(counts.get(s.value, 0), s.noun) for s in Severity)
        + (f" (details: edi-xl check {path})" if report.problems and path else "")
    )


class _Commands(click.Group):
    """A group whose ``--help`` lists each command's whole one-line description (click cuts
    them to the width left beside the names, with "...")."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edi-xl")
def cli() -> None:
    """Keep the trust's equality (WRES/WDES/EDI) action plan workbook right.

    \b
    Example:
      edi-xl demo
      edi-xl new plan.xlsx --from "EDI action plan 2023.xlsx" --as-at 18/12/2023
      edi-xl refresh plan.xlsx
      edi-xl check plan.xlsx
    """


@cli.command()
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The trust's existing action-plan workbook to take the actions from.",
)
@AS_AT
@click.option("--trust-name", help="The trust's name, shown on the Settings sheet.")
@click.option("--force", is_flag=True, help="Overwrite MASTER if it exists.")
def new(
    master: Path, source: Path | None, as_at: date | None, trust_name: str | None, force: bool
) -> None:
    """Make a new master workbook, empty or from the trust's existing one.

    A name ending .xlsm makes a macro-enabled master with five buttons on the Action Plan
    sheet (Refresh status, Create owner returns, Import returns, Start new round, Board
    report) that run edi_xl through xlwings: see "Buttons in Excel" in the README.

    \b
    Example:
      edi-xl new plan.xlsx --from "EDI action plan 2023.xlsx" --as-at 2023-12-18
      edi-xl new plan.xlsm --from "EDI action plan 2023.xlsx"
    """
    if master.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError(
            f"{master}: a master is an .xlsx workbook (or .xlsm, with buttons); "
            "give a name ending .xlsx or .xlsm"
        )
    from edi_xl.tables.reader import read_source

    read = _run(read_source, source) if source else None
    when = _round(as_at, source)
    if read is not None:  # (a column the master keeps as the round's is said so)
        from edi_xl.flows.importer import name_round_columns

        name_round_columns([read.mapping], read.plan, when.as_at)
    result = _run_on_master(
        new_master,
        master,
        read.plan if read else None,
        when.as_at,
        trust_name=trust_name,
        overwrite=force,
    )
    _say_round(when)
    if read is not None and source is not None and read.mapping:
        click.echo(f"Columns of {source.name}:")  # (which of the trust's became which)
        _column_mapping(read.mapping)
        _say_reading(read)
    _summary(result, "Created")
    for hint in read.formula_hints if read else []:
        click.echo(f"note: {source.name if source else ''}, {hint}")
    not_taken = read.not_placed if read else []
    if not_taken:  # (rows of the trust's workbook the new master does not hold: said)
        assert source is not None
        click.echo(
            f"Rows of {source.name} not taken into {master.name} (not actions; "
            f"{source.name} is unchanged):"
        )
        for text in not_taken:
            click.echo(f"  {text}")
    if master.suffix.lower() == ".xlsm":
        from edi_xl.master.vba import BUTTONS

        click.echo(
            f"Buttons on the Action Plan sheet: {', '.join(b.caption for b in BUTTONS)} "
            "(they need Python, edi-xl and xlwings on the PC)."
        )
    # (headings, notes and a key left out are notes; a row that looks like an action's is
    # for a person to look at)
    looks = any(n.like_an_action for n in (read.plan.source.not_actions if read else []))
    unsaved = bool(read and read.formula_hints)  # (values read as formulas' text)
    sys.exit(1 if result.report.needs_attention or looks or unsaved else 0)


@cli.command()
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@AS_AT
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the refreshed workbook here instead of updating MASTER in place.",
)
def refresh(master: Path, as_at: date | None, output: Path | None) -> None:
    """Work out RAG status and overdue actions, and mark problems, in the workbook.

    Rewrites only the Status cells and edi_xl's own columns and sheets; every change is
    logged on the Change Log sheet and the previous file is kept as a backup.

    \b
    Example:
      edi-xl refresh plan.xlsx --as-at 18/12/2023
    """
    when = _round(as_at, master)
    result = _run_on_master(refresh_workbook, master, when.as_at, out=output)
    _say_round(when)
    _summary(result, "Refreshed")
    sys.exit(1 if result.report.needs_attention else 0)


@cli.command(name="add-buttons")
@click.argument("plan", type=click.Path(dir_okay=False, path_type=Path))
@AS_AT
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .xlsm to write (default: PLAN with the .xlsm extension).",
)
def add_buttons(plan: Path, as_at: date | None, output: Path | None) -> None:
    """Add the buttons to the trust's own workbook: PLAN.xlsx -> PLAN.xlsm, all else kept.

    The plan is refreshed as `edi-xl refresh` does, then the VBA project and the five
    buttons (Refresh status, Create owner returns, Import returns, Start new round, Board
    report) are put in the nearest row above the table with nothing where they go (beside
    its header, right of the table, when there is none). Every sheet, picture, chart and
    format of the workbook is kept; PLAN itself is not changed.

    \b
    Example:
      edi-xl add-buttons "EDI action plan.xlsx" --as-at 18/12/2023
    """
    from openpyxl.utils import get_column_letter

    from edi_xl.flows.add_buttons import add_buttons as add

    when = _round(as_at, plan)
    target, result, where = _run_on_master(add, plan, output, when.as_at)
    _say_round(when)
    _summary(result, "Refreshed")
    click.echo(f"Buttons added: {target} (open it in Excel and enable macros).")
    if where.beside:
        header = where.header_row
        why = (
            "The table's header is in row 1"
            if header == 1
            else f"Every row above the table's header (row {header}) holds something where "
            "the buttons would go"
        )
        click.echo(
            f"{why}, so the buttons are beside it, from column "
            f"{get_column_letter(where.column + 1)} (right of the table), not over its "
            "headings. To have them above the table: insert a row above the header in the "
            f".xlsx (right-click the row number {header}, Insert) and run add-buttons again."
        )
    elif where.row + 2 < where.header_row:
        click.echo(
            f"The buttons are in row {where.row + 1}, the nearest row above the table with "
            "nothing where they go."
        )
    sys.exit(1 if result.report.needs_attention else 0)


@cli.command()
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@AS_AT
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def check(master: Path, as_at: date | None, as_json: bool) -> None:
    """List the problems in the plan without changing the file.

    Exit code 0 when nothing needs attention (notes only), 1 when problems were found.

    \b
    Example:
      edi-xl check plan.xlsx --as-at 2023-12-18 --json
    """
    when = _round(as_at, master)
    as_at = when.as_at
    report, plan = _run_on_master(_check, master, as_at)
    if as_json:
        import json  # (where JSON is written: not a part of every command's start)

        doc = {
            "file": str(master),
            "as_at": as_at.isoformat(),
            "as_at_from": when.source,
            "actions": len(plan.actions),
            "counts": report.counts(),
            "problems": problems_json(report.problems),
        }
        click.echo(json.dumps(doc, indent=2, default=str))
    else:
        _say_round(when)
        if master.suffix.lower() not in (".xlsx", ".xlsm"):
            click.echo(
                f"{master.name} is not a master: checked as read. To keep it as a master, "
                f'use edi-xl import "{master.name}" -o plan.xlsx or edi-xl new plan.xlsx '
                f'--from "{master.name}".'
            )
        for problem in report.problems:
            click.echo(str(problem))
        click.echo(
            f"{master}: {plural(len(plan.actions), 'action')} checked as at {short_date(as_at)}."
        )
        _problem_counts(report, None)
    sys.exit(1 if report.needs_attention else 0)


def _check(path: Path, as_at: date) -> tuple[Report, Any]:
    """Check a master with its own Settings words, or any readable plan."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from edi_xl.flows.emails import owners_table_problems

        wb = load_master(path, remakes_summary=True, log_as_values=True)
        master = read_master_plan(wb, path.name)
        report = check_plan(master.plan, as_at, master.words, file=path.name)
        # (and the addresses the round's email drafts will use)
        report.problems += owners_table_problems(master.settings, master.plan.owners, path.name)
        return report, master.plan
    from edi_xl.tables.reader import read_plan

    plan = read_plan(path)
    return check_plan(plan, as_at, file=path.name), plan


@cli.command()
@click.argument(
    "directory",
    required=False,
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("edi_xl_demo"),
)
def demo(directory: Path) -> None:
    """Build the example master from the trust's sample plan and refresh it.

    The example is the trust's action plan as it stood in September 2023; the demo works
    out its status as at 18 December 2023 and writes DIRECTORY/action_plan.xlsx
    (default directory: ./edi_xl_demo).

    \b
    Example:
      edi-xl demo
      edi-xl demo /tmp/try-edi-xl
    """
    from edi_xl.tables.reader import read_plan

    directory.mkdir(parents=True, exist_ok=True)
    with resources.as_file(example_plan()) as example_path:
        plan = _run(read_plan, example_path)
    target = directory / "action_plan.xlsx"
    result = _run(new_master, target, plan, EXAMPLE_AS_AT, overwrite=True)
    click.echo(
        f"Example plan: {EXAMPLE_PLAN} ({plural(len(plan.actions), 'action')}, "
        f"layout {plan.source.layout if plan.source else '?'})."
    )
    _summary(result, "Built")
    click.echo(
        f"Open {target.resolve()} in Excel: see the Action Plan, Summary, Settings "
        "and Change Log sheets."
    )


@cli.command()
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the returns and their email drafts (made if missing). A folder that "
    "already holds returns of the same round is refused unless --force.",
)
@click.option(
    "--as-at",
    "as_at",
    type=AsAtDate(),
    default=None,
    help="The round's date: 2023-12-18 or 18/12/2023. Default: the as-at date on the "
    "master's Settings sheet.",
)
@click.option(
    "--password", default=None, help="Protect the sheets with this password (default: none)."
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace returns of the same round already in the folder (owners may have edited them).",
)
def returns(
    master: Path, out_dir: Path, as_at: date | None, password: str | None, force: bool
) -> None:
    """Write one owner return (.xlsx) per action owner, asking for a status and an update,
    and beside each an email draft (.eml) to the owner with the return attached.

    The drafts go to the addresses in the Owners table of the Settings sheet, with its
    subject, message and Reply by date; a mail program opens them ready to send.

    \b
    Example:
      edi-xl returns plan.xlsx -o "returns Dec 2023" --as-at 18/12/2023
    """
    from edi_xl.flows.emails import no_address_note
    from edi_xl.flows.owner_returns import make_owner_returns

    when = _round(as_at, master)
    result = _run(make_owner_returns, master, out_dir, when.as_at, password=password, force=force)
    _say_round(when)
    for f in result.files:
        n = len(f.action_ids)
        click.echo(
            f"{f.path}: {f.owner} ({n} action{'s' if n != 1 else ''}: {', '.join(f.action_ids)})"
        )
    for p in result.not_sent:
        click.echo(f"not sent: {p.action_id or '(no #)'}: {p.message}")
    for line in result.kept_lines():
        click.echo(line)
    click.echo(
        f"{plural(len(result.files), 'file')} as at {short_date(result.as_at)}; "
        f"{plural(len(result.not_sent), 'action', 'actions')} not sent."
    )
    if result.drafts:
        click.echo(
            f"{plural(len(result.drafts.drafts), 'email draft')} (.eml) beside the returns: open "
            "each in Outlook (or another mail program), check it and send."
        )
        if note := no_address_note(result.drafts):
            click.echo(note)
    mend = result.drafts is not None and result.drafts.settings_to_mend
    sys.exit(1 if result.needs_attention or mend else 0)


@cli.command()
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("returns", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the merged workbook here instead of updating MASTER in place.",
)
@AS_AT
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write what happened to every file, change and flag as JSON.",
)
def merge(
    master: Path,
    returns: tuple[Path, ...],
    output: Path | None,
    as_at: date | None,
    report_path: Path | None,
) -> None:
    """Merge owners' returned spreadsheets (files or folders) into the master.

    Only Status and the round's update are taken from a return; anything else an owner
    changed, rows that match no action, unreadable files and older versions are listed for
    a person to look at. With no --as-at, the returns go into the round on Settings: a return
    made for an earlier round and saved before this round began is left out (listed with its
    round), returns made for a later round are a question (exit 2). The Returns sheet adds up
    every merge of the round. Exit code 1 when anything needs a person.

    \b
    Example:
      edi-xl merge plan.xlsx returns/ --as-at 18/12/2023 --report merge.json
    """
    from edi_xl.flows.merge import earlier_rounds_note, merge_returns

    _check_report_path(report_path)  # before the master is changed
    with _progress("Reading returns") as progress:
        result = _run_on_master(
            merge_returns,
            master,
            returns,
            out=output,
            as_at=as_at,
            progress=progress,
            fallback=_today(),
        )
    if report_path:
        _write_report(report_path, result.report())
    _say_round(result.as_at, result.as_at_source)
    outcomes = Counter(f.outcome for f in result.files)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
    click.echo(
        f"Merged into {result.path} as at {short_date(result.as_at)}: "
        f"{plural(len(result.files), 'file')}{f' ({kinds})' if kinds else ''}; "
        f"{plural(len(result.changes), 'change')}."
    )
    _what_needs_a_person(result, done=Outcome.MERGED)
    if note := earlier_rounds_note(result):
        click.echo(note)
    if result.refresh:
        click.echo(
            f"Overdue after merge: {len(result.refresh.overdue)}; see the Returns sheet "
            "for who still has to reply."
        )
        for note in result.refresh.notes:
            if note.code is not Code.ROUND_MOVED_BACK:  # (said below, for a merge)
                click.echo(f"Note: {note.message}")
    if result.moved_back_from is not None:
        click.echo(
            f"The round on Settings is now {short_date(result.as_at)}, the round merged into "
            f"(it was {short_date(result.moved_back_from)}): every command works as at "
            f"{short_date(result.as_at)} until you go back to the current round with: "
            f"edi-xl round {result.path} --start {result.moved_back_from.isoformat()}"
        )
    if result.backup:
        click.echo(f"Previous version kept as {result.backup}")
    sys.exit(1 if result.needs_attention else 0)


@cli.command()
@click.argument("returns", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the clean returns (made if missing; input folders are mirrored).",
)
@click.option(
    "--as-at",
    "as_at",
    type=AsAtDate(),
    default=None,
    help="The round's date, for the update column of returns whose own has no date: "
    "2023-12-18 or 18/12/2023. Default: the round the returns were made for (today when "
    "they do not say).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv"]),
    default="xlsx",
    show_default=True,
    help="Write clean returns as workbooks or as CSV files.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write what was read from every file, and the flags, as JSON.",
)
def normalise(
    returns: tuple[Path, ...], out_dir: Path, as_at: date | None, fmt: str, report_path: Path | None
) -> None:
    """Rewrite owners' returns (files or folders), whatever their shape, as clean returns.

    Reads every file as merge does and writes one clean return per file that holds actions,
    in one layout (# | Milestone | Action | ... | Status | Update as at <date> | Status as
    written | Source sheet | Source row), status words made RAG words. No master is read or
    changed. Exit code 1 when a file was rejected or something needs a person.

    \b
    Example:
      edi-xl normalise returns/ -o clean/ --report normalise.json
    """
    from edi_xl.flows.normalise import normalise_returns

    _check_report_path(report_path)
    with _progress("Reading returns") as progress:
        result = _run(
            normalise_returns,
            returns,
            out_dir,
            as_at=as_at,
            fmt=fmt,
            progress=progress,
            fallback=_today(),
        )
    if report_path:
        _write_report(report_path, result.report())
    _say_round(result.as_at, result.as_at_source)
    for written in result.written:
        click.echo(f"{written.source} -> {written.path} ({plural(written.rows, 'row')})")
    _what_needs_a_person(result, done=Outcome.NORMALISED)
    outcomes = Counter(f.outcome for f in result.files)
    click.echo(
        f"{plural(len(result.files), 'file')}: "
        + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
        + "."
    )
    sys.exit(1 if result.needs_attention else 0)


def _what_needs_a_person(result: MergeReport, *, done: Outcome) -> None:
    """The files that were not ``done`` (with the reason) and every flag of a batch, but
    those an earlier merge of the round said (a merge's :meth:`MergeResult.new_flags`),
    which are counted."""
    _echo_lines(
        f"  {f.outcome}: {f.file}" + (f" - {f.reason}" if f.reason else "")
        for f in result.files
        if f.outcome != done
    )
    new_flags = getattr(result, "new_flags", None)  # (a merge's; normalise's are all new)
    flags = new_flags() if new_flags is not None else result.flags
    _echo_lines(f"  {flag.line()}" for flag in flags)
    if said := len(result.flags) - len(flags):
        from edi_xl.flows.merge import said_before

        listed = bool(flags) or any(f.outcome != done for f in result.files)
        click.echo(f"  {said_before(said, after_others=listed)}")


def _check_report_path(path: Path | None) -> None:
    if path is not None and not path.resolve().parent.is_dir():
        raise InputError(
            f"{path}: the folder {path.resolve().parent} does not exist; nothing was done"
        )


def _write_report(path: Path, report: dict[str, Any]) -> None:
    import json

    from edi_xl.master.save import write_atomic

    data = json.dumps(report, indent=2).encode("utf-8")
    _run(write_atomic, path, lambda handle: handle.write(data), backup=False)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int, str], None] | None]:
    """A progress bar on stderr while files are read, when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    bars: list[Any] = []

    def update(done: int, total: int, name: str) -> None:
        if not bars:
            bars.append(
                click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
            )
            bars[0].__enter__()
        bars[0].update(done - bars[0].pos)

    try:
        yield update
    finally:
        if bars:
            bars[0].__exit__(None, None, None)


@cli.command()
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@FIGURES_AS_AT
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def summary(master: Path, as_at: date | None, as_json: bool) -> None:
    """Print the figures of the Summary sheet: RAG counts, overdue, due soon, coverage.

    RAG counts overall, by theme and by owner; what is overdue and by how long; what is due
    in the next 30 days; changes since the previous round; WRES / WDES / High Impact Action
    coverage and gaps. The file is not changed.

    \b
    Example:
      edi-xl summary plan.xlsx --as-at 18/12/2023
      edi-xl summary plan.xlsx --json > summary.json
    """
    import json

    from edi_xl.core.summary import format_summary
    from edi_xl.flows.refresh import summarise_master

    when = _round(as_at, master)
    figures = _run_on_master(summarise_master, master, when.as_at)
    if not as_json:
        _say_round(when)
    click.echo(json.dumps(figures.to_dict(), indent=2) if as_json else format_summary(figures))


@cli.command()
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The Word paper to write. Default: '<MASTER> board report <as-at>.docx' next to it.",
)
@FIGURES_AS_AT
@click.option("--pdf", is_flag=True, help="Also convert the paper to PDF with LibreOffice.")
def report(master: Path, output: Path | None, as_at: date | None, pdf: bool) -> None:
    """Write the board / committee paper of the plan as a Word document.

    Front sheet (title, meeting, date, author and executive lead from the Settings sheet;
    purpose "For assurance"; the recommendation), executive summary, RAG position overall, by
    theme and across rounds (tables and charts), overdue and at-risk actions with the owners'
    latest updates, actions completed this round, coverage gaps, and the full plan as an
    appendix. The figures are those of `edi-xl summary` for the same date. The master is not
    changed. Exit 1 when --pdf could not make the PDF (the Word paper is still written).

    \b
    Example:
      edi-xl report plan.xlsx
      edi-xl report plan.xlsx -o "People Committee Jan 2024.docx" --pdf
    """
    from edi_xl.flows.report import convert_to_pdf, write_report

    result = _run(write_report, master, output, as_at)
    s = result.summary
    counts = ", ".join(f"{k} {v}" for k, v in s.overall.to_dict().items() if k != "label")
    click.echo(f"Board paper as at {short_date(s.as_at)} written to {result.path.resolve()}")
    click.echo(f"RAG: {counts}; overdue {len(s.overdue)}; coverage gaps {len(s.gaps)}.")
    for note in result.notes:
        click.echo(f"Note: {note.message}")
    if pdf:
        try:
            made = convert_to_pdf(result.path)
        except EdiXlError as exc:
            click.echo(f"No PDF: {exc}", err=True)
            sys.exit(1)
        click.echo(f"PDF written to {made}")


@cli.command(name="import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new master workbook (.xlsx) to write.",
)
@click.option(
    "--into",
    "into",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Add the actions to this existing master (.xlsx or .xlsm) instead, as new rows at "
    "the end of its table; everything else in it is kept and the previous file is kept as "
    "a backup.",
)
@click.option(
    "--layout",
    default=None,
    metavar="NAME",
    help="Read every source as this layout instead of detecting it: trust, "
    "wres-wdes, wres-template, edi-plan, sections or general.",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar='"HEADER=FIELD"',
    help="Read the column with this header as this field (repeatable): "
    '--map "Accountable People / Team=owner". Fields: id, theme, action, references, '
    "indicator, characteristics, owner, start, due, status, update; or extra, ignore.",
)
@AS_AT
@click.option(
    "--trust-name",
    help="The trust's name for the Settings sheet (default: the "
    "plan's own 'Trust:' or 'Organisation:' line, when it has one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was read as JSON.")
@click.option("--force", is_flag=True, help="Overwrite the output workbook if it exists.")
def import_(
    sources: tuple[Path, ...],
    out: Path | None,
    into: Path | None,
    layout: str | None,
    maps: tuple[str, ...],
    as_at: date | None,
    trust_name: str | None,
    as_json: bool,
    force: bool,
) -> None:
    """Import action plans (Word or any spreadsheet, any layout) into a new master.

    Prints, per source, the layout found (or "general table"), what each column became (a
    master field, an extra column, or ignored), the rows taken as titles and anything that
    could not be placed. A wrong guess is fixed with --map. A source that cannot be imported
    is reported and the others still are. With several sources, ids are prefixed with the
    source's letter (A1.1, B1.1...). With --into, the actions are added to an existing master
    instead: actions whose id it already has are reported and not added, and values it has no
    column for are reported per field. Exit code 1 when a source failed, something was not
    placed or the master has problems that need a person; 2 when nothing could be imported.

    \b
    Example:
      edi-xl import "WRES WDES plan 2023.docx" "EDI plan.xlsx" -o plan.xlsx --as-at 18/12/2023
      edi-xl import plan.docx -o master.xlsx --map "Accountable People / Team=owner"
      edi-xl import "Board actions.docx" --into plan.xlsx
    """
    from edi_xl.flows.importer import import_into, import_plans
    from edi_xl.tables.engine import parse_overrides

    if (out is None) == (into is None):
        raise click.UsageError("give either -o NEW.xlsx (a new master) or --into MASTER.xlsx")
    overrides = _run(parse_overrides, maps)
    if into is not None:
        for given, why in ((trust_name, "--trust-name"), (force, "--force")):
            if given:
                raise click.UsageError(
                    f"{why} is for a new master (-o); --into keeps the master's own Settings "
                    "and keeps its previous version as a backup"
                )
        when = _round(as_at, into)
        result = _run_on_master(import_into, sources, into, layout, when.as_at, overrides=overrides)
    else:
        assert out is not None
        if out.suffix.lower() != ".xlsx":
            raise InputError(f"{out}: a master is an .xlsx workbook; give a name ending .xlsx")
        when = _round(as_at, out if force else None)
        result = _run_on_master(
            import_plans,
            sources,
            out,
            layout,
            when.as_at,
            trust_name=trust_name,
            overwrite=force,
            overrides=overrides,
        )
    if as_json:
        import json

        click.echo(json.dumps(_import_doc(result), indent=2, ensure_ascii=False))
        sys.exit(1 if result.needs_attention else 0)
    _say_round(when)
    _import_sources(result)
    if result.into:
        _import_added(result)
    _summary(result.refresh, "Imported into")
    sys.exit(1 if result.needs_attention else 0)


def _import_doc(result: ImportResult) -> dict[str, Any]:
    """What `edi-xl import --json` prints."""
    from edi_xl.flows.importer import outcome_dict

    doc: dict[str, Any] = {
        "output": str(result.path),
        "as_at": result.as_at.isoformat(),
        "sources": [outcome_dict(o) for o in result.sources],
        "actions": len(result.plan.actions),
        "unused_maps": result.unused_maps,
        "needs_attention": result.needs_attention,
    }
    if result.into:
        doc["added"] = [{"id": i, "row": r} for i, r in zip(result.added, result.rows, strict=True)]
        doc["already_in_master"] = [
            {"id": d.id, "source": str(d.source)} for d in result.duplicates
        ]
        doc["no_column_in_master"] = [
            {"kind": u.kind, "name": u.name, "actions": u.actions} for u in result.unplaced
        ]
        doc["formulas_copied_down"] = result.formulas
    return doc


def _column_mapping(mapping: list[Column]) -> None:
    """What each column of the trust's plan became in the master (import, new --from)."""
    from edi_xl.flows.importer import mapping_text

    if mapping:
        width = min(40, max(len(c.header) for c in mapping))
        click.echo(f"  {'source column':<{width}}  ->  in the master")
        for column in mapping:
            click.echo(f"  {column.header:<{width}}  ->  {mapping_text(column)}")


def _say_reading(read: SourceRead) -> None:
    """What reading a plan (``import``, ``new --from``) worked out and tidied, for a person to
    check: title rows, themes taken from a sheet, statuses read from cells' colours, colours
    not read, headings taken as themes, repeated headers skipped, "as above" filled."""
    from edi_xl.flows.importer import tidied

    for title in read.titles:
        click.echo(f"  title row: {title}")
    for theme in read.sheet_themes:
        click.echo(f"  theme from the sheet's {theme.source}: {theme.describe()}")
    if read.statuses_from_colour:
        click.echo(
            "  Status read from the cell's colour (the cells hold no word; check each, "
            "or type the status in them): "
            f"{plural(len(read.statuses_from_colour), 'action')}"
        )
        for found in read.statuses_from_colour:
            click.echo(f"    note: {found.describe()}")
    for hint in read.colour_hints:
        click.echo(f"  note: {hint}")
    for label, count in tidied(read):
        click.echo(f"  {label}: {count}")


def _import_sources(result: ImportResult) -> None:
    """Per source: the layout, what each column became, titles, tidying, what was not placed."""
    from edi_xl.flows.importer import actions_read, layout_label

    for outcome in result.sources:
        if not outcome.ok or outcome.read is None:
            click.echo(f"error: {outcome.error}")
            continue
        read = outcome.read
        click.echo(
            f"{outcome.path.name}: {layout_label(read.layout)}, "
            f"{plural(read.tables, 'table')} read, actions {actions_read(outcome)}"
        )
        _column_mapping(read.mapping)
        _say_reading(read)
        for hint in read.formula_hints:
            click.echo(f"  note: {hint}")
        for text in read.not_placed:
            click.echo(f"  not placed: {text}")
    for header in result.unused_maps:
        click.echo(f"error: --map {header!r}: no source has a column with this header")


def _import_added(result: ImportResult) -> None:
    """What an import into an existing master added, left out and could not place."""
    rows = result.rows
    where = f" (rows {rows[0]} to {rows[-1]})" if len(rows) > 1 else f" (row {rows[0]})"
    click.echo(f"Added to {result.path}: {plural(len(result.added), 'action')}{where}.")
    if result.formulas:
        click.echo(
            "Your formulas, copied down into the new rows as the rows above have them: "
            + ", ".join(result.formulas)
        )
    if result.duplicates:
        click.echo(
            f"Already in the master, not added (its row is kept as it is): "
            f"{plural(len(result.duplicates), 'action')}"
        )
        for dup in result.duplicates:
            click.echo(f"  {dup.id:<6} from {dup.source.name}")
    if result.unplaced:
        click.echo("The master has no column for these, so they were not written:")
        for unplaced in result.unplaced:
            click.echo(f"  {unplaced.describe()}")


@cli.command(name="round")
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--start",
    "start",
    is_flag=False,
    flag_value="today",
    default=None,
    metavar="[DATE]",
    help="Start a new round as at DATE (default: today): set the date on Settings, add the "
    "round's 'Update as at <date>' column after the previous one and log it.",
)
def round_(master: Path, start: str | None) -> None:
    """Show the current reporting round, or start a new one.

    The as-at date on the Settings sheet is the current round: every command and button
    works as at that date unless given --as-at. Starting a round moves it.

    \b
    Example:
      edi-xl round plan.xlsx
      edi-xl round plan.xlsx --start
      edi-xl round plan.xlsx --start 2026-11-18
    """
    from edi_xl.flows.chase import folder_named
    from edi_xl.flows.rounds import start_round
    from edi_xl.master.sheets import DEFAULT_OWNER_RETURNS_FOLDER

    if start is None:
        _show_round(master)
        return
    try:
        when = _today() if start == "today" else parse_as_at(start)
    except ValueError as exc:
        raise click.BadParameter(
            f"{start!r} is not a date: use 2023-12-18 or 18/12/2023 ({exc})", param_hint="--start"
        ) from exc
    result = _run_on_master(start_round, master, when)
    _say_round(result.as_at, STARTED)
    if not result.started:
        click.echo(f"{master}: the round as at {short_date(when)} is already the current one.")
    else:
        before = (
            f" (the previous round was {short_date(result.previous)})" if result.previous else ""
        )
        click.echo(
            f"Started the round as at {short_date(when)} in {master}{before}: the Settings date "
            f"is {short_date(when)} and {result.where} has the column {result.column!r}; "
            "logged on the Change Log sheet."
        )
        # (the folder on Settings, where the buttons write them and chase looks for them)
        folder = folder_named(result.returns_folder, DEFAULT_OWNER_RETURNS_FOLDER, master.parent)
        click.echo(f'Next: edi-xl returns {master} -o "{folder}"')
    for note in result.notes:
        click.echo(f"Note: {note.message}")
    if result.backup:
        click.echo(f"Previous version kept as {result.backup}")


def _show_round(master: Path) -> None:
    from edi_xl.master.plan import load_master, read_master_plan
    from edi_xl.master.round_record import read_record

    wb = _run(load_master, master)
    found = _run(read_master_plan, wb, master.name)
    as_at = found.settings.as_at
    if as_at is None and found.settings.as_at_unread is not None:
        from edi_xl.master.sheets import unread_round_date

        unread = unread_round_date(master.name, found.settings.as_at_unread)
        raise InputError(f"{unread}, or start the round with --start.")
    if as_at is None:
        click.echo(f"{master}: no round date on the Settings sheet; start one with --start.")
        return
    _say_round(as_at, "settings")
    record = read_record(wb)
    columns = ", ".join(found.plan.update_headers) or "none"
    click.echo(f"Update columns: {columns}.")
    if record.as_at == as_at:
        click.echo(f"Files received this round: {len(record.files)} (see the Returns sheet).")
    else:
        click.echo("No returns merged yet this round.")


@cli.command()
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the drafts (default: the owner-returns folder on the Settings sheet, "
    "next to MASTER).",
)
@click.option(
    "--returns",
    "returns_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the returns sent this round are, to attach again (default: the "
    "owner-returns folder on Settings, then the master's folder and the folders in it). "
    "Relative to the current folder, as -o is.",
)
def chase(master: Path, out_dir: Path | None, returns_dir: Path | None) -> None:
    """Write a reminder email draft (.eml) for each owner still owed this round.

    Owed: no return yet, a return sent back with nothing new in it, or a file that could
    not be used (as the Returns sheet lists them after the merges of the round). Each draft
    goes to the owner's address on Settings, says what is missing, lists their actions and
    attaches their return again. Exit code 1 when a return could not be found to attach
    (the owners are named: attach it by hand before sending) or an address on the Owners
    table cannot be used (named, as by returns); exit code 2, and nothing
    written, when none of the round's returns was made (or found) and none merged yet.

    \b
    Example:
      edi-xl chase plan.xlsx
      edi-xl chase plan.xlsx -o "chase Dec 2023"
    """
    from edi_xl.flows.chase import chase as write_chase
    from edi_xl.flows.emails import no_address_note

    result = _run(write_chase, master, out_dir, returns_dir=returns_dir)
    _say_round(result.as_at, "settings")
    for status, draft in zip(result.owed, result.drafts.drafts, strict=True):
        why = {"No": "no return yet", "Unchanged": "returned unchanged", "Rejected": "rejected"}
        files = f": {', '.join(status.files)}" if status.files else ""
        click.echo(f"{draft.path}: {status.owner} ({why[status.returned]}{files})")
    click.echo(
        f"{plural(len(result.drafts.drafts), 'chase draft')} in {result.out_dir}; "
        f"{plural(len(result.returned), 'owner')} "
        f"{'has' if len(result.returned) == 1 else 'have'} returned."
    )
    if note := no_address_note(result.drafts):
        click.echo(note)
    for line in result.afterwords():
        click.echo(line)
    # (a reminder without its return, an address that cannot be used: a person looks)
    sys.exit(1 if result.no_attachment or result.drafts.settings_to_mend else 0)


def example_plan() -> Any:
    """examples/trust_action_plan.xlsx: from the checkout, else the copy installed with us."""
    checkout = Path(__file__).resolve().parents[1] / "examples" / EXAMPLE_PLAN
    if checkout.is_file():
        return checkout
    return resources.files("edi_xl.examples") / EXAMPLE_PLAN


def main() -> None:
    global _ENDS_AFTER_COMMAND
    _ENDS_AFTER_COMMAND = True
    try:
        cli(prog_name="edi-xl")
    finally:
        gc.freeze()  # the process ends: no last walk over what is left (see _one_master)


if __name__ == "__main__":
    main()
