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
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import warnings
from collections.abc import Generator, Iterable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from edi_xl.core.errors import UnreadableFileError
from edi_xl.read.sources import WorkbookGrids, read_grids

try:  # Unix only
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

__all__ = ["FileReader", "read_grids_isolated"]

_CRASHED = "the reader crashed on this file"


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
        if self._closed:
            raise RuntimeError("FileReader is closed")
        return self._read_many(paths)

    def _read_many(
        self, paths: Iterable[str | Path]
    ) -> Generator[tuple[Path, WorkbookGrids | UnreadableFileError], None, None]:
        if self._active:
            raise RuntimeError("FileReader is already reading: finish one read_many first")
        self._active = True
        source = iter(paths)
        window = 4 * self.workers
        results: dict[int, tuple[Path, Any]] = {}
        submitted = next_out = 0
        exhausted = False
        try:
            while True:
                while not exhausted and submitted - next_out < window:
                    worker = self._idle_worker()
                    if worker is None:
                        break
                    try:
                        path = Path(next(source))
                    except StopIteration:
                        exhausted = True
                        break
                    self._submit(worker, submitted, path, results)
                    submitted += 1
                while next_out in results:
                    yield results.pop(next_out)
                    next_out += 1
                if exhausted and next_out == submitted:
                    return
                if any(w.task is not None for w in self._pool):
                    self._collect(results)
        finally:
            # Abandoned part way (an exception, or the caller stopped iterating): workers
            # still busy would answer later and confuse the next call, so replace them.
            for worker in list(self._pool):
                if worker.task is not None:
                    self._retire(worker)
            self._active = False

    # -- internals -----------------------------------------------------------------------

    def _idle_worker(self) -> _Worker | None:
        for worker in list(self._pool):
            if worker.task is None:
                if worker.process.is_alive():
                    return worker
                self._retire(worker)  # died while idle (killed from outside)
        if len(self._pool) < self.workers:
            worker = _Worker(self._ctx, self.memory_mb)
            self._pool.append(worker)
            return worker
        return None

    def _submit(
        self, worker: _Worker, index: int, path: Path, results: dict[int, tuple[Path, Any]]
    ) -> None:
        try:
            worker.conn.send(str(path))
        except (OSError, ValueError):  # the worker died while idle: start another
            self._retire(worker)
            worker = self._idle_worker()  # type: ignore[assignment]
            try:
                worker.conn.send(str(path))
            except (OSError, ValueError):
                self._retire(worker)
                results[index] = (path, UnreadableFileError(path, _CRASHED))
                return
        worker.task = (index, path, time.monotonic() + self.timeout)

    def _collect(self, results: dict[int, tuple[Path, Any]]) -> None:
        busy = [w for w in self._pool if w.task is not None]
        now = time.monotonic()
        next_deadline = min(w.task[2] for w in busy)  # type: ignore[index]
        ready = wait([w.conn for w in busy], timeout=max(0.0, next_deadline - now))
        for worker in busy:
            assert worker.task is not None
            index, path, deadline = worker.task
            if worker.conn in ready:
                result, healthy = self._receive(worker, path)
                results[index] = (path, result)
                worker.task = None
                if not healthy:
                    self._retire(worker)
            elif time.monotonic() >= deadline:
                results[index] = (
                    path,
                    UnreadableFileError(
                        path, f"took longer than {self.timeout:g} s to read; skipped"
                    ),
                )
                self._retire(worker)

    def _receive(self, worker: _Worker, path: Path) -> tuple[Any, bool]:
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            return UnreadableFileError(path, self._death_reason(worker)), False
        except Exception:  # an answer that does not unpickle
            return UnreadableFileError(path, _CRASHED), False
        kind = message[0]
        if kind == "ok":
            return message[1], True
        if kind == "error":
            error = message[1]
            if isinstance(error, UnreadableFileError):
                return error, True
            return UnreadableFileError(path, _CRASHED), True
        if kind == "memory":
            return UnreadableFileError(path, self._memory_reason()), False
        return UnreadableFileError(path, _CRASHED), False  # pragma: no cover

    def _memory_reason(self) -> str:
        return f"needed more than {self.memory_mb} MB of memory to read; skipped"

    def _death_reason(self, worker: _Worker) -> str:
        worker.process.join(timeout=5)
        log = worker.last_words()
        if "memory allocation of" in log or "MemoryError" in log or "out of memory" in log:
            return self._memory_reason()
        return _CRASHED

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with contextlib.suppress(ValueError):
            self._pool.remove(worker)


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, memory_mb: int) -> None:
        fd, self.stderr_path = tempfile.mkstemp(prefix="edi_xl_worker_", suffix=".log")
        os.close(fd)
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        self.process = ctx.Process(
            target=_worker_main,
            args=(child_conn, memory_mb, self.stderr_path),
            daemon=True,
            name="edi_xl-reader",
        )
        with warnings.catch_warnings():
            # Python 3.12+ warns about fork() in a process that has threads.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.process.start()
        child_conn.close()
        self.conn: Connection = parent_conn
        self.task: tuple[int, Path, float] | None = None

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


def _worker_main(conn: Connection, memory_mb: int, stderr_path: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
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

    _limit_resources(memory_mb)
    parent = os.getppid()
    while True:
        if not conn.poll(1.0):
            if os.getppid() != parent:  # the parent is gone
                return
            continue
        try:
            path = conn.recv()
        except (EOFError, OSError):
            return
        if path is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(2, 0)
            os.lseek(2, 0, os.SEEK_SET)
        _answer(conn, path)


def _answer(conn: Connection, path: str) -> None:
    try:
        message: tuple[Any, ...] = ("ok", read_grids(path))
    except MemoryError:
        message = ("memory",)
    except UnreadableFileError as exc:
        message = ("error", exc)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a bug or a panic read_grids missed
        message = ("error", UnreadableFileError(path, f"{_CRASHED} ({type(exc).__name__})"))
    try:
        conn.send(message)
    except MemoryError:
        del message
        conn.send(("memory",))
    except Exception:  # the result did not pickle
        conn.send(("error", UnreadableFileError(path, _CRASHED)))
