"""``python -m edi_xl`` and the ``edi-xl`` command (``main``)."""

from __future__ import annotations

import gc
import importlib.util
import sys


def openpyxl_for_the_command() -> None:
    """Import openpyxl without numpy and with Pillow's image module made on its first use,
    unless openpyxl or numpy is loaded already.

    openpyxl imports numpy, when it is installed, only to accept numpy's numbers as cell
    values; edi_xl never hands it any (it uses no numpy), and numpy is a tenth of a second of
    every command's start. numpy stays importable afterwards by anything that wants it.
    openpyxl imports Pillow's image module to read the pictures of a workbook (about 8 ms of
    every start), and a command touches it only when a master has one: it is made then
    (:func:`_made_on_first_use`), and the picture read as before. Only the command does this:
    a program that imports edi_xl keeps openpyxl as it would load.
    """
    if "numpy" in sys.modules or "openpyxl" in sys.modules:
        return
    _made_on_first_use("PIL.Image")
    sys.modules["numpy"] = None  # type: ignore[assignment]  # "import numpy" now fails
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]


def _made_on_first_use(name: str) -> None:
    """Put module ``name`` in ``sys.modules`` to be run when one of its names is first used
    (:class:`importlib.util.LazyLoader`), not when it is imported; nothing, when it is loaded
    already or cannot be found (its import then fails, or succeeds, as it would).

    Before Python 3.12.3 a lazy module first used by two threads at once can fail in one of
    them (gh-114763): the command reads pictures in its main thread only (the save's deflate
    and the returns' thread never touch Pillow), and a returns reader makes it before its
    memory limit (:func:`edi_xl.read.isolation._made_now`)."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:  # (its package is not installed)
        return
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)  # (runs nothing yet)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)  # as an import would


def main() -> None:
    # The imports make about 200,000 objects that live as long as the process (modules,
    # classes, functions): Python's cycle collector, left on, walks them again and again as
    # they are made, to find no garbage (about 1% of a refresh, paired). It is paused while
    # they are made, and they are left out of its later walks (``gc.freeze``).
    gc.disable()
    try:
        openpyxl_for_the_command()
        from edi_xl.cli import main as run
    finally:
        gc.freeze()
        gc.enable()
    run()


if __name__ == "__main__":
    main()
