"""The action plan, as data: what every reader produces and every writer consumes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from edi_xl.core.dates import DateValue, parse_date
from edi_xl.core.references import ReportRef
from edi_xl.core.rounds import latest_round
from edi_xl.core.status import RAG

M = TypeVar("M", bound=BaseModel)
_set_attribute = object.__setattr__
# Every model of edi_xl's is built by pydantic when first validated or dumped, not when its
# class is made (``ConfigDict(defer_build=True)``): a command makes thousands of them with
# ``made`` below, without validating, and need never build those (about 15 ms of a start).


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


class ProgressUpdate(BaseModel):
    """One "Update as at <date>" cell of an action."""

    model_config = ConfigDict(defer_build=True)

    header: str
    as_at: date | None = None
    text: str | None = None


class CellOrigin(BaseModel):
    """Where an action was read from: the sheet and 1-based row."""

    model_config = ConfigDict(defer_build=True)

    sheet: str
    row: int


class Action(BaseModel):
    """One action of the plan, one row of the tracker."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    id: str = ""
    theme: str | None = None
    action: str | None = None
    references_text: str | None = None
    references: list[ReportRef] = Field(default_factory=list)
    characteristics_text: str | None = None
    characteristics: list[str] = Field(default_factory=list)
    characteristics_unknown: list[str] = Field(default_factory=list)
    owner: str | None = None
    start: DateValue = Field(default_factory=lambda: parse_date(None))
    due: DateValue = Field(default_factory=lambda: parse_date(None))
    status_text: str | None = None
    status: RAG | None = None
    updates: list[ProgressUpdate] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)
    origin: CellOrigin | None = None

    @property
    def current_update(self) -> ProgressUpdate | None:
        """The update of the latest round (:func:`edi_xl.core.rounds.latest_round`)."""
        i = latest_round([u.as_at for u in self.updates])
        return self.updates[i] if i is not None else None

    @property
    def has_any_update_text(self) -> bool:
        return any(u.text and u.text.strip() for u in self.updates)


class PlanSource(BaseModel):
    """What a reader found: the layout, the sheet, the header row, the columns."""

    model_config = ConfigDict(defer_build=True)

    path: str | None = None
    layout: str
    sheet: str | None = None
    header_row: int | None = None  # 1-based
    columns: dict[str, int] = Field(default_factory=dict)  # field -> 0-based column
    update_columns: dict[str, int] = Field(default_factory=dict)  # header -> 0-based column
    extra_columns: dict[str, int] = Field(default_factory=dict)  # header -> 0-based column
    skipped_rows: list[int] = Field(default_factory=list)  # repeated header rows, 1-based


class ActionPlan(BaseModel):
    """An equality action plan: its actions and the columns they came with."""

    model_config = ConfigDict(defer_build=True)

    title: str | None = None
    actions: list[Action] = Field(default_factory=list)
    update_headers: list[str] = Field(default_factory=list)
    extra_columns: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    source: PlanSource | None = None

    def by_id(self) -> dict[str, Action]:
        return {a.id: a for a in self.actions if a.id}

    @property
    def owners(self) -> list[str]:
        seen: dict[str, None] = {}
        for a in self.actions:
            if a.owner:
                seen.setdefault(a.owner, None)
        return list(seen)


def combine_plans(plans: Sequence[ActionPlan], source: PlanSource | None) -> ActionPlan:
    """One plan holding the actions of ``plans`` (several sheets of a file, several files), in
    order: the first title, the update and extra columns in order of first use (every action
    gets every extra column), and the metadata of all, a key's different values joined by a
    line break (the same value once), so that nothing read is dropped."""
    metadata: dict[str, str] = {}
    for plan in plans:
        for key, value in plan.metadata.items():
            old = metadata.get(key)
            if old is None:
                metadata[key] = value
            elif value not in old.split("\n"):
                metadata[key] = f"{old}\n{value}"
    extra_columns = list(dict.fromkeys(c for p in plans for c in p.extra_columns))
    actions = [a for p in plans for a in p.actions]
    for action in actions:
        action.extra = {c: action.extra.get(c) for c in extra_columns}
    return ActionPlan(
        title=next((p.title for p in plans if p.title), None),
        actions=actions,
        update_headers=list(dict.fromkeys(h for p in plans for h in p.update_headers)),
        extra_columns=extra_columns,
        metadata=metadata,
        source=source,
    )
