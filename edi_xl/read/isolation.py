"""Read untrusted files in worker processes, with a time and a memory limit.

Why a worker process, not just ``try: read_grids(path)``:

* python-calamine's Rust code *panics* on some broken files. A panic normally comes back as
  ``pyo3_runtime.PanicException`` (caught in :mod:`edi_xl.read.sources`), but a panic while
  panicking, a failed allocation (``memory allocation of N bytes failed``) or a bug in native
  code aborts or kills the whole interpreter: only a separate process survives that.
* Tiny files can cost a lot: a 42 kB .xls in Apache POI's test data made calamine use about
  1.5 GB; a sheet that declares A1:XFD1048576, a merged range over a whole sheet or an XML
  "bomb" (defusedxml refuses entity expansion, but not every trick is an entity) can ask for
  more memory than the machine has. Each worker caps its own address space with
  ``resource.setrlimit(RLIMIT_AS, memory_mb)`` at start, so such a file fails *that* worker,
  not the process that reads 500 returns, nor the machine.
* Some files make a reader loop for a very long time. A thread cannot be stopped from
  outside; a process can be killed when its time is up.

A caller that does more with each file than read it (finding the action table in a
return, say) can have the worker do that too: :meth:`FileReader.read_each` takes a function
that the worker applies to each file's grids, or to the error that stopped the reading, and
sends back only its answer. That work then runs in parallel, under the same limits, and
the parent has less to unpickle. A job may also name its own reader, for files that are
not one spreadsheet (an email carrying returns, unpacked: :mod:`edi_xl.read.emails`): the
worker reads the file with it, under the same limits, and hands ``then`` what it gave.

The cost is pickling each result back to the parent and starting processes, so
:class:`FileReader` keeps a small pool of workers and reuses them across files: they start
with the ``fork`` method on Linux (fast, sharing the already imported readers) and ``spawn``
elsewhere. A worker that times out or dies is replaced, and the file it was reading gets an
:class:`~edi_xl.core.errors.UnreadableFileError` that says why ("took longer than 30 s to read;
skipped", "needed more than 1024 MB of memory to read; skipped", "the reader crashed on this
file"). Errors the reader raises itself (encrypted, not a spreadsheet, damaged) come back
pickled with their own class and reason.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import types
import warnings
from collections import deque
from collections.abc import Callable, Generator, Iterable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from edi_xl.core.errors import UnreadableFileError
from edi_xl.read.sources import WorkbookGrids, read_grids

try:  # Unix only
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

__all__ = ["FileReader", "Read", "Then", "read_grids_isolated"]

_CRASHED = "the reader crashed on this file"
T = TypeVar("T")
#: What a worker does with a file once read: ``then(path, extra, grids or error)``. A
#: module-level function (it is sent to the worker by name).
Then = Callable[[Path, Any, "WorkbookGrids | UnreadableFileError"], T]
#: A job's own reader, in place of :func:`read_grids`: ``read(path)``, raising
#: :class:`~edi_xl.core.errors.UnreadableFileError` for a file it cannot read. A
#: module-level function too.
Read = Callable[[Path], Any]


#: How often, at most, a reading waiting for its workers looks at its ``stop`` event (s).
STOP_CHECK = 0.2
#: Files a worker holds at most: the one it reads and those it reads next. A return takes a
#: worker about a millisecond; handing it the next is this process's thread, which waits for
#: the interpreter's lock while another thread works (a merge loads the master meanwhile):
#: holding only the next, each worker of a merge of the benchmark's 492 returns waited for
#: its next file a third of its time (helper-134).
#: The files queued behind one that kills its worker are given out again, in their order.
QUEUED = 6


class WorkerBugError(RuntimeError):
    """The function a worker applied to a file's grids raised: a bug, not a bad file."""


def read_grids_isolated(
    path: str | Path, *, timeout: float = 30.0, memory_mb: int = 1024
) -> WorkbookGrids:
    """:func:`~edi_xl.read.sources.read_grids` in a fresh worker process, with limits.

    For one file. To read many, keep a :class:`FileReader` open: it reuses its workers.
    """
    with FileReader(timeout=timeout, memory_mb=memory_mb, workers=1) as reader:
        return reader.read(path)


class FileReader:
    """A small pool of worker processes that read files with :func:`read_grids`.

    Use it as a context manager::

        with FileReader(timeout=30, memory_mb=1024) as reader:
            for path, result in reader.read_many(paths):
                ...  # result is a WorkbookGrids or an UnreadableFileError

    Workers start when first needed and are reused; one that times out, runs out of memory
    or crashes is killed and replaced, and its file gets an UnreadableFileError.
    """

    def __init__(
        self, *, timeout: float = 30.0, memory_mb: int = 1024, workers: int | None = None
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if memory_mb <= 0:
            raise ValueError("memory_mb must be positive")
        self.timeout = float(timeout)
        self.memory_mb = int(memory_mb)
        self.workers = max(1, workers if workers is not None else min(os.cpu_count() or 1, 4))
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self._ctx = multiprocessing.get_context(method)
        self._fork = method == "fork"
        self._pool: list[_Worker] = []
        self._closed = False
        self._active = False  # a read_many is under way (the pool is not re-entrant)
        #: Cleared while another thread of this process runs: a worker that has to be
        #: replaced then waits for it to be set again (fork copies only the forking thread;
        #: a lock the other thread held would stay locked for ever in the new worker).
        self.may_start_workers = threading.Event()
        self.may_start_workers.set()
        #: Held by another thread of this process for a moment of work (a progress
        #: report): a worker to be replaced meanwhile waits for it, for the same reason.
        self.fork_lock = threading.Lock()
        if self._fork:
            # Import the readers once in the parent: forked workers share them.
            import openpyxl  # noqa: F401
            import python_calamine  # noqa: F401

    # -- context manager -----------------------------------------------------------------

    def __enter__(self) -> FileReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker. Idempotent."""
        self._closed = True
        pool, self._pool = self._pool, []
        for worker in pool:
            worker.stop()

    def __del__(self) -> None:  # best effort; workers are daemons anyway
        with contextlib.suppress(Exception):
            self.close()

    # -- reading -------------------------------------------------------------------------

    def read(self, path: str | Path) -> WorkbookGrids:
        """Read one file; raises the :mod:`edi_xl.core.errors` exceptions."""
        results = self.read_many([path])
        try:
            _path, result = next(results)
        finally:
            results.close()
        if isinstance(result, BaseException):
            raise result
        return result

    def read_many(
        self, paths: Iterable[str | Path]
    ) -> Generator[tuple[Path, WorkbookGrids | UnreadableFileError], None, None]:
        """Read files in parallel; yields ``(path, result)`` in input order.

        A result is a :class:`~edi_xl.read.sources.WorkbookGrids` or the
        :class:`~edi_xl.core.errors.UnreadableFileError` (or subclass) that stopped the reading.
        Only a bounded number of results is held back waiting for a slow file.
        """
        return self.read_each(((p, None) for p in paths), None)

    def read_each(
        self,
        jobs: Iterable[tuple[str | Path, Any] | tuple[str | Path, Any, Read | None]],
        then: Then[T] | None,
        *,
        stop: threading.Event | None = None,
    ) -> Generator[tuple[Path, Any], None, None]:
        """Read files in parallel and apply ``then(path, extra, result)`` to each, in the
        worker; yields ``(path, answer)`` in input order. ``jobs`` are ``(path, extra)``, or
        ``(path, extra, read)`` for a file the worker reads with ``read`` (:data:`Read`), not
        :func:`read_grids`: ``then`` gets what ``read`` gave, or the error that stopped it.

        ``stop``, set from another thread, ends the reading soon (within
        :data:`STOP_CHECK` seconds): no more files are given out, the files being read are
        abandoned (their workers replaced), as when the caller stops iterating.

        ``result`` is what :meth:`read_many` would yield for the file. When the worker could
        not answer (it crashed, ran out of time or memory), ``then`` is applied here to the
        :class:`~edi_xl.core.errors.UnreadableFileError` that says so. If ``then`` raises in
        the worker, :class:`WorkerBugError` is raised here with the worker's traceback.
        """
        if self._closed:
            raise RuntimeError("FileReader is closed")
        return self._read_each(jobs, then, stop or threading.Event())

    def start(self) -> None:
        """Start every worker now. Call it before starting a thread that will read while
        this thread does other work: workers are made by ``fork``, which is only safe while
        no other thread of this process is running (see :attr:`may_start_workers`)."""
        while len(self._pool) < self.workers:
            self._pool.append(_Worker(self._ctx, self.memory_mb))

    def _read_each(
        self, jobs: Iterable[tuple[Any, ...]], then: Then[T] | None, stop: threading.Event
    ) -> Generator[tuple[Path, Any], None, None]:
        if self._active:
            raise RuntimeError("FileReader is already reading: finish one read_many first")
        self._active = True
        source = iter(jobs)
        window = (QUEUED + 2) * self.workers  # (answers held back waiting for a slow file)
        results: dict[int, tuple[Path, Any, Any]] = {}
        #: files to give out again: queued behind one a worker died or ran out of time on
        again: deque[_Task] = deque()
        submitted = next_out = 0
        exhausted = False
        try:
            while not stop.is_set():
                while (again or not exhausted) and not stop.is_set():
                    if not again and submitted - next_out >= window:
                        break
                    worker = self._worker_with_room()
                    if worker is None:
                        break
                    if again:
                        task = again.popleft()
                    else:
                        try:
                            where, extra, *read = next(source)
                        except StopIteration:
                            exhausted = True
                            break
                        job = (then, extra, read[0] if read else None)
                        task = _Task(submitted, Path(where), job)
                        submitted += 1
                    self._submit(worker, task, results, again)
                while next_out in results:
                    path, answer, extra = results.pop(next_out)
                    if isinstance(answer, _Bug):
                        raise WorkerBugError(f"{path}: {answer.text}")
                    if then is not None and isinstance(answer, _Unanswered):
                        answer = then(path, extra, answer.error)
                    elif isinstance(answer, _Unanswered):
                        answer = answer.error
                    yield path, answer
                    next_out += 1
                if exhausted and not again and next_out == submitted:
                    return
                if any(w.tasks for w in self._pool):
                    self._collect(results, stop, again)
        finally:
            # Abandoned part way (an exception, or the caller stopped iterating): workers
            # still busy would answer later and confuse the next call, so replace them.
            for worker in list(self._pool):
                if worker.tasks:
                    self._retire(worker)
            self._active = False

    # -- internals -----------------------------------------------------------------------

    def _worker_with_room(self) -> _Worker | None:
        """A worker that can take a file now: an idle one, else the one holding the fewest
        files (it is given its next files before it answers, so that it does not wait for
        this process to hand one over); None when every worker has :data:`QUEUED` files."""
        best: _Worker | None = None
        for worker in list(self._pool):
            if not worker.process.is_alive() and not worker.tasks:
                self._retire(worker)  # died while idle (killed from outside)
            elif (
                len(worker.tasks) < QUEUED
                and (best is None or len(worker.tasks) < len(best.tasks))
                and (not worker.tasks or worker.process.is_alive())  # not one that died
            ):
                best = worker
        if best is not None and not best.tasks:
            return best
        if len(self._pool) < self.workers:
            self.may_start_workers.wait()
            with self.fork_lock:
                worker = _Worker(self._ctx, self.memory_mb)
            self._pool.append(worker)
            return worker
        return best

    def _submit(
        self,
        worker: _Worker,
        task: _Task,
        results: dict[int, tuple[Path, Any, Any]],
        again: deque[_Task],
    ) -> None:
        then, extra, read = task.job
        message = (
            (str(task.path), then, extra, read)
            if then is not None or read is not None
            else str(task.path)
        )
        try:
            worker.conn.send(message)
        except (OSError, ValueError):  # the worker died: what it held is read again
            if worker.tasks:
                self._lost(worker, results, again, self._death_reason(worker))
                again.appendleft(task)
                return
            self._retire(worker)
            worker = self._worker_with_room()  # type: ignore[assignment]
            try:
                worker.conn.send(message)
            except (OSError, ValueError):
                self._retire(worker)
                error = UnreadableFileError(task.path, _CRASHED)
                results[task.place] = (task.path, _Unanswered(error), extra)
                return
        if not worker.tasks:
            worker.deadline = time.monotonic() + self.timeout
        worker.tasks.append(task)

    def _lost(
        self,
        worker: _Worker,
        results: dict[int, tuple[Path, Any, Any]],
        again: deque[_Task],
        reason: str,
    ) -> None:
        """``worker`` is gone while reading its first file (``reason``: why it gave no
        answer); the files queued behind it are to be given out again."""
        first = worker.tasks.popleft()
        error = UnreadableFileError(first.path, reason)
        results[first.place] = (first.path, _Unanswered(error), first.job[1])
        self._retire(worker, again)

    def _collect(
        self, results: dict[int, tuple[Path, Any, Any]], stop: threading.Event, again: deque[_Task]
    ) -> None:
        busy = [w for w in self._pool if w.tasks]
        next_deadline = min(w.deadline for w in busy)
        while True:  # in slices, to see a stop
            left = max(0.0, next_deadline - time.monotonic())
            ready = wait([w.conn for w in busy], timeout=min(left, STOP_CHECK))
            if ready or left <= STOP_CHECK or stop.is_set():
                break
        for worker in busy:
            first = worker.tasks[0]
            if worker.conn in ready:
                result, healthy = self._receive(worker, first.path)
                results[first.place] = (first.path, result, first.job[1])
                worker.tasks.popleft()
                worker.deadline = time.monotonic() + self.timeout  # for the next, if any
                if not healthy:
                    self._retire(worker, again)
            elif time.monotonic() >= worker.deadline:
                self._lost(
                    worker, results, again, f"took longer than {self.timeout:g} s to read; skipped"
                )

    def _receive(self, worker: _Worker, path: Path) -> tuple[Any, bool]:
        """The worker's answer (its result, or ``then``'s) and whether the worker can go on;
        an error the worker could not answer for comes back as :class:`_Unanswered`."""
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            return _Unanswered(UnreadableFileError(path, self._death_reason(worker))), False
        except Exception:  # an answer that does not unpickle
            return _Unanswered(UnreadableFileError(path, _CRASHED)), False
        kind = message[0]
        if kind == "ok":
            return message[1], True
        if kind == "error":
            error = message[1]
            if isinstance(error, UnreadableFileError):
                return _Unanswered(error), True
            return _Unanswered(UnreadableFileError(path, _CRASHED)), True
        if kind == "bug":
            return _Bug(message[1]), True
        if kind == "memory":
            return _Unanswered(UnreadableFileError(path, self._memory_reason())), False
        return _Unanswered(UnreadableFileError(path, _CRASHED)), False  # pragma: no cover

    def _memory_reason(self) -> str:
        return f"needed more than {self.memory_mb} MB of memory to read; skipped"

    def _death_reason(self, worker: _Worker) -> str:
        worker.process.join(timeout=5)
        log = worker.last_words()
        if "memory allocation of" in log or "MemoryError" in log or "out of memory" in log:
            return self._memory_reason()
        return _CRASHED

    def _retire(self, worker: _Worker, again: deque[_Task] | None = None) -> None:
        """Stop ``worker`` and drop it from the pool; the files still queued to it go back
        to the front of ``again`` (to be given out again, in order) when given."""
        if again is not None:
            again.extendleft(reversed(worker.tasks))
            worker.tasks.clear()
        worker.kill()
        with contextlib.suppress(ValueError):
            self._pool.remove(worker)


class _Task(NamedTuple):
    """A file given to a worker: its place in the input, and ``(then, extra, read)``."""

    place: int
    path: Path
    job: tuple[Then[Any] | None, Any, Read | None]


class _Unanswered:
    """An error in place of a worker's answer: ``then`` is applied to it in the parent."""

    def __init__(self, error: UnreadableFileError) -> None:
        self.error = error


class _Bug:
    """``then`` raised in the worker: the traceback, as text."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, memory_mb: int) -> None:
        fd, self.stderr_path = tempfile.mkstemp(prefix="edi_xl_worker_", suffix=".log")
        os.close(fd)
        #: the worker's temporary folder, for what a reader writes (msoffcrypto copies an
        #: .xls it decrypts into a temporary file): removed here when the worker ends, also
        #: when it had to be killed mid-file (an email's attachments are not written here
        #: but in a folder of the reading's: :meth:`edi_xl.flows.intake._Batch.answers`)
        self.temp_dir = tempfile.mkdtemp(prefix="edi_xl_worker_")
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        self.process = ctx.Process(
            target=_worker_main,
            args=(child_conn, memory_mb, self.stderr_path, self.temp_dir),
            daemon=True,
            name="edi_xl-reader",
        )
        with warnings.catch_warnings():
            # Python 3.12+ warns about fork() in a process that has threads.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.process.start()
        child_conn.close()
        self.conn: Connection = parent_conn
        self.tasks: deque[_Task] = deque()  # given to it, in order: it reads the first
        self.deadline = 0.0  # when the first must be answered

    def last_words(self) -> str:
        """What the worker wrote to stderr while reading its last file (the start of it)."""
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read(64 * 1024).decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.process.join(timeout=2)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.process.close()
        with contextlib.suppress(OSError):
            os.unlink(self.stderr_path)
        shutil.rmtree(self.temp_dir, ignore_errors=True)


# -- in the worker process -----------------------------------------------------------------


def _limit_resources(memory_mb: int) -> None:
    if resource is None:  # pragma: no cover - Windows
        return
    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    with contextlib.suppress(ValueError, OSError):  # no core dumps from crashes
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))


def _made_now(name: str) -> None:
    """Module ``name``, when the command left it to be made on its first use
    (:func:`edi_xl.__main__._made_on_first_use`), made now: before the limit, as the other
    imports. Made under it, a load that fails for want of address space (Pillow maps its
    libraries) leaves, on Python 3.11, a half-made module that fails every later file."""
    module = sys.modules.get(name)
    if module is not None and type(module) is not types.ModuleType:  # (a LazyLoader's)
        with contextlib.suppress(Exception):
            getattr(module, "__name__")  # noqa: B009 - any attribute runs it


def _worker_main(conn: Connection, memory_mb: int, stderr_path: str, temp_dir: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    tempfile.tempdir = temp_dir  # what a reader writes goes where the parent cleans up
    # What the parent made before the fork (its modules; a command's objects) lives as long
    # as this process and is no garbage of a file's: left out of the collections here
    # (``gc.freeze``), which otherwise walked all of it, touching, and so copying, its memory.
    gc.freeze()
    gc.enable()  # a parent may pause collection (the CLI does): a worker reads many files
    # Native readers write their last words (a Rust abort, a failed allocation) to fd 2:
    # keep them in a file the parent reads when this process dies.
    with contextlib.suppress(OSError):
        log_fd = os.open(stderr_path, os.O_WRONLY | os.O_TRUNC)
        os.dup2(log_fd, 2)
        os.close(log_fd)
    with contextlib.suppress(Exception):
        # Crash dumps go there too (pytest, for one, points faulthandler at its own stderr).
        faulthandler.enable(file=2)
    import openpyxl  # noqa: F401  (before the limit: imports are not the file's fault)
    import python_calamine  # noqa: F401

    _made_now("PIL.Image")
    _limit_resources(memory_mb)
    parent = os.getppid()
    while True:
        if not conn.poll(1.0):
            if os.getppid() != parent:  # the parent is gone
                return
            continue
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(2, 0)
            os.lseek(2, 0, os.SEEK_SET)
        if isinstance(task, str):
            _answer(conn, task, None, None)
        else:
            _answer(conn, *task)


def _answer(
    conn: Connection, path: str, then: Then[Any] | None, extra: Any, read: Read | None = None
) -> None:
    result: Any  # WorkbookGrids (or what the job's own ``read`` gives) | UnreadableFileError
    try:
        result = read(Path(path)) if read is not None else read_grids(path)
    except MemoryError:
        conn.send(("memory",))
        return
    except UnreadableFileError as exc:
        result = exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a bug or a panic read_grids missed
        result = UnreadableFileError(path, f"{_CRASHED} ({type(exc).__name__})")
    message: tuple[Any, ...]
    if then is None:
        message = ("error", result) if isinstance(result, UnreadableFileError) else ("ok", result)
    else:
        try:
            message = ("ok", then(Path(path), extra, result))
        except MemoryError:
            message = ("memory",)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 - the caller's bug: the parent raises it
            message = ("bug", traceback.format_exc())
    del result
    try:
        conn.send(message)
    except MemoryError:
        del message
        conn.send(("memory",))
    except Exception:  # the result did not pickle
        conn.send(("error", UnreadableFileError(path, _CRASHED)))
