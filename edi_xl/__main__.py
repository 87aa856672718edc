"""``python -m edi_xl`` and the ``edi-xl`` command (``main``)."""

from __future__ import annotations

import gc
import sys


def openpyxl_without_numpy() -> None:
    """Import openpyxl without numpy, unless either is loaded already.

    openpyxl imports numpy, when it is installed, only to accept numpy's numbers as cell
    values; edi_xl never hands it any (it uses no numpy), and numpy is a tenth of a second of
    every command's start. numpy stays importable afterwards by anything that wants it. Only
    the command does this: a program that imports edi_xl keeps openpyxl as it would load.
    """
    if "numpy" in sys.modules or "openpyxl" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # "import numpy" now fails
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]


def main() -> None:
    # The imports make about 200,000 objects that live as long as the process (modules,
    # classes, functions): Python's cycle collector, left on, walks them again and again as
    # they are made, to find no garbage (about 1% of a refresh, paired). It is paused while
    # they are made, and they are left out of its later walks (``gc.freeze``).
    gc.disable()
    try:
        openpyxl_without_numpy()
        from edi_xl.cli import main as run
    finally:
        gc.freeze()
        gc.enable()
    run()


if __name__ == "__main__":
    main()
