"""Models made without pydantic's validation, for values edi_xl's own parsers made.

Every model of edi_xl's is built by pydantic when first validated or dumped, not when its
class is made (``ConfigDict(defer_build=True)``): a command makes thousands of them with
:func:`made`, without validating, and need never build those (building the schemas of the
date, action and plan models is about 25 ms of a refresh).
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_set_attribute = object.__setattr__


def made(cls: type[M], **fields: Any) -> M:
    """``cls(**fields)`` for values already of their fields' types, without validating them:
    what ``cls.model_construct(**fields)`` makes, at a fraction of its cost (pydantic's loop
    over the fields, in Python, costs more than validating: an action with its update and
    origin 4 us made so, 7-10 us validated, 10-17 us by ``model_construct``). ``fields`` must
    be every field of ``cls``, in the order the class declares them (the model's ``__dict__``
    is ``fields``).

    For the thousands of actions of a plan read from a master, whose values come from edi_xl's
    own cell parsers; a test holds them equal to validated models, field by field and type by
    type. A model with what ``model_construct`` does more for (aliases, extra fields, private
    attributes, ``model_post_init``) is left to ``model_construct``.
    """
    names = _plain(cls)
    if names is None:
        return cls.model_construct(**fields)
    if tuple(fields) != names:  # a field left out would be missing, not its default
        raise TypeError(f"made({cls.__name__}): fields {tuple(fields)}, not {names}")
    model = cls.__new__(cls)
    _set_attribute(model, "__dict__", fields)
    # from the keys' view, as validation makes it, a set added to one by one: the set of the
    # dict itself is made room for twice over (1,240 bytes, not 728, for an action)
    _set_attribute(model, "__pydantic_fields_set__", set(fields.keys()))
    _set_attribute(model, "__pydantic_extra__", None)
    _set_attribute(model, "__pydantic_private__", None)
    return model


@cache
def _plain(cls: type[BaseModel]) -> tuple[str, ...] | None:
    """The names of the fields of ``cls``, in order, when :func:`made` may set one up as
    ``model_construct`` would, field by field; None when it may not."""
    plain = (
        not cls.__pydantic_root_model__
        and not cls.__pydantic_post_init__
        and not cls.__private_attributes__
        and cls.model_config.get("extra") != "allow"
        and all(f.alias is None and f.validation_alias is None for f in cls.model_fields.values())
    )
    return tuple(cls.model_fields) if plain else None
