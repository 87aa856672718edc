"""File names made from people's names, safe on Windows and Linux.

Owner returns are named after the action owner ("Jim Machon, Associate Director of HR.xlsx").
An owner cell can hold anything a person typed, so the name is cleaned before it touches the
file system:

- NFC normalised (``"Zoe\\u0308"`` and ``"Zoë"`` give the same file);
- every run of whitespace (tabs, line breaks, no-break spaces) becomes one space;
- path separators (``/`` ``\\``) and the characters Windows forbids (``<>:"|?*``) become a
  space; control and format characters (including bidirectional overrides, which can disguise
  a file's extension) and lone surrogates are dropped;
- runs of dots become one dot (no ``..``); leading dots, spaces and ``~`` are dropped (no hidden
  files, no ``~$`` names that look like Excel's lock files); trailing dots and spaces are
  dropped (Windows strips them silently);
- a Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9, also ``con.txt``) gets a ``_``
  in front;
- at most ``max_length`` characters including the suffix, and at most 255 bytes of UTF-8 (the
  Linux limit): the stem is cut, the suffix is kept;
- never empty: ``"owner"`` when nothing is left.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

__all__ = ["FALLBACK_STEM", "is_reserved_name", "safe_filename", "unique_names"]

FALLBACK_STEM = "owner"
#: Characters Windows does not allow in a file name, besides control characters.
FORBIDDEN = frozenset('<>:"/\\|?*')
#: Device names Windows reserves, with or without an extension (compared case-insensitively).
RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³")}
)
#: The longest file name most Linux file systems accept, in bytes.
MAX_BYTES = 255
#: Room left for the stem at the very least (so " (12345)" tags and "_" still fit).
_MIN_STEM = 16
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def is_reserved_name(name: str) -> bool:
    """True for a Windows device name: ``CON``, ``nul.txt``, ``Com1 .xlsx``..."""
    base = name.split(".", 1)[0].rstrip(" ")
    return base.upper() in RESERVED_NAMES


def _check(suffix: str, max_length: int) -> None:
    if suffix and (
        not suffix.startswith(".")
        or ".." in suffix
        or suffix != _clean(suffix, keep_leading_dot=True)
    ):
        raise ValueError(f"not a safe file-name suffix: {suffix!r}")
    if max_length < len(suffix) + _MIN_STEM:
        raise ValueError(
            f"max_length {max_length} leaves too little room for a name before {suffix!r}"
        )


def _clean(name: str, *, keep_leading_dot: bool = False) -> str:
    """The cleaned stem, before truncation (may be empty)."""
    text = unicodedata.normalize("NFC", name)
    out: list[str] = []
    for ch in text:
        if ch.isspace() or ch in FORBIDDEN:
            out.append(" ")
        elif unicodedata.category(ch) in _DROPPED_CATEGORIES:
            continue
        else:
            out.append(ch)
    text = " ".join("".join(out).split())
    while ".." in text:
        text = text.replace("..", ".")
    if keep_leading_dot:
        return text.rstrip(". ")
    return text.lstrip(". ~").rstrip(". ")


def _truncate(stem: str, budget_chars: int, budget_bytes: int) -> str:
    """The longest NFC prefix of ``stem`` within both budgets."""
    n = min(len(stem), budget_chars)
    while True:
        cut = unicodedata.normalize("NFC", stem[:n])
        if len(cut) <= budget_chars and len(cut.encode("utf-8")) <= budget_bytes:
            return cut
        n -= 1


def _fit(stem: str, tag: str, suffix: str, max_length: int) -> str:
    """``stem + tag + suffix`` within the limits, no trailing dot/space, not reserved."""
    fixed = tag + suffix
    budget_chars = max_length - len(fixed)
    budget_bytes = MAX_BYTES - len(fixed.encode("utf-8"))
    for prefix in ("", "_"):
        cut = _truncate(prefix + stem, budget_chars, budget_bytes).rstrip(". ")
        if not cut:
            cut = prefix + FALLBACK_STEM
        result = cut + fixed
        if not is_reserved_name(result):
            return result
    raise AssertionError("unreachable: a name starting with '_' is never reserved")


def safe_filename(name: str, *, suffix: str = ".xlsx", max_length: int = 100) -> str:
    """A file name made from ``name`` that is safe on Windows and Linux (see module doc)."""
    _check(suffix, max_length)
    return _fit(_clean(str(name)), "", suffix, max_length)


def _key(filename: str) -> str:
    return unicodedata.normalize("NFC", filename).casefold()


def unique_names(
    names: list[str],
    suffix: str = ".xlsx",
    *,
    max_length: int = 100,
    taken: Iterable[str] = (),
) -> list[str]:
    """A safe file name for each of ``names``, in order, none equal ignoring case.

    A name whose file name is already used gets `` (2)``, `` (3)``... before the suffix:
    ``["Jo Bloggs", "jo bloggs"] -> ["Jo Bloggs.xlsx", "jo bloggs (2).xlsx"]``. ``taken`` are
    file names that must not be given (e.g. the master's own name in the same folder).
    """
    _check(suffix, max_length)
    used = {_key(t) for t in taken}
    out: list[str] = []
    for name in names:
        stem = _clean(str(name))
        candidate = _fit(stem, "", suffix, max_length)
        n = 1
        while _key(candidate) in used:
            n += 1
            candidate = _fit(stem, f" ({n})", suffix, max_length)
        used.add(_key(candidate))
        out.append(candidate)
    return out
