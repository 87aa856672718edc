"""Models made without their constructor's checks, for values edi_xl's own parsers made.

edi_xl's models (an action, a date, a reference, a problem) are standard-library dataclasses:
a command makes thousands of them and imports no validation library to do it (pydantic, which
validated them until session 18, was a tenth of a second of every command's start: it is now
used where a value leaves edi_xl as JSON, :func:`edi_xl.core.problems.problems_json`). Where
a model's constructor checks its values (a date's kind and date, a problem's location), the
parsers that already made them right make the model with :func:`made`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

M = TypeVar("M")


def made(cls: type[M], **fields: Any) -> M:
    """``cls(**fields)`` for values already of their fields' types, without the checks of its
    ``__post_init__`` and, for a frozen dataclass, at half the cost of its ``__init__``
    (which sets each field through ``object.__setattr__``).
    ``fields`` must be every field of the dataclass ``cls``, in the order the class declares
    them.

    For the thousands of actions of a plan read from a master, whose values come from edi_xl's
    own cell parsers; a test holds them equal to models made by their constructor, field by
    field and type by type.
    """
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    if tuple(fields) != names:  # a field left out would be missing, not its default
        raise TypeError(f"made({cls.__name__}): fields {tuple(fields)}, not {names}")
    model = cls.__new__(cls)
    # filled, not replaced: the instance's dict shares its keys with the class's others, as
    # the constructor's does (a dict of its own would be half as big again)
    model.__dict__.update(fields)
    return model


#: The names of the fields of each dataclass :func:`made` made, in order.
_NAMES: dict[type, tuple[str, ...]] = {}
