"""Checks that a model edi_xl made without its constructor (:func:`edi_xl.core.unvalidated.made`)
is the model its constructor makes, and holds values of the types its fields declare.

The models are dataclasses, which check no types: :func:`assert_typed` reads each field's
annotation and checks the value against it (a ``date`` field holds a date, never a datetime; an
enum field its member, not its text; ``list[X]`` a list of X ...), all the way down."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from typing import Any


def rebuilt(model: Any) -> Any:
    """The model its constructor makes from ``model``'s field values (nested models rebuilt
    too, in lists and dicts)."""
    if dataclasses.is_dataclass(model) and not isinstance(model, type):
        fields = {f.name: rebuilt(getattr(model, f.name)) for f in dataclasses.fields(model)}
        return type(model)(**fields)
    if isinstance(model, list):
        return [rebuilt(v) for v in model]
    if isinstance(model, dict):
        return {k: rebuilt(v) for k, v in model.items()}
    return model


def assert_same(a: Any, b: Any, where: str = "") -> None:
    """``a`` and ``b`` equal all the way down, each value of the same type, models with the
    same fields in the same order."""
    assert type(a) is type(b), where
    if dataclasses.is_dataclass(a):
        assert list(a.__dict__) == list(b.__dict__), where
        for name in a.__dict__:
            assert_same(a.__dict__[name], b.__dict__[name], f"{where}.{name}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    assert a is b or a == b, where  # (a NaN a cell held is itself, not equal to itself)


def assert_typed(model: Any, where: str = "") -> None:
    """Every field of the dataclass ``model`` holds a value of its declared type, nested
    models checked the same way."""
    hints = typing.get_type_hints(type(model))
    for f in dataclasses.fields(model):
        _check(getattr(model, f.name), hints[f.name], f"{where or type(model).__name__}.{f.name}")


def _check(value: Any, hint: Any, where: str) -> None:
    origin = typing.get_origin(hint)
    if hint is Any:
        return
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(hint):
            try:
                _check(value, option, where)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{where}: {value!r} is none of {hint} ({'; '.join(errors)})")
    if hint is type(None):
        assert value is None, f"{where}: {value!r} is not None"
        return
    if origin is list:
        assert type(value) is list, f"{where}: {type(value).__name__}, not a list"
        (item,) = typing.get_args(hint)
        for i, v in enumerate(value):
            _check(v, item, f"{where}[{i}]")
        return
    if origin is dict:
        assert type(value) is dict, f"{where}: {type(value).__name__}, not a dict"
        key_hint, value_hint = typing.get_args(hint)
        for k, v in value.items():
            _check(k, key_hint, f"{where} key")
            _check(v, value_hint, f"{where}[{k!r}]")
        return
    if hint is date:  # a datetime is a date to isinstance, not to a model of dates
        assert type(value) is date, f"{where}: {type(value).__name__}, not a date"
        return
    if hint is datetime or hint in (str, int, bool, float):
        assert type(value) is hint, f"{where}: {type(value).__name__}, not {hint.__name__}"
        return
    assert isinstance(value, hint), f"{where}: {type(value).__name__}, not {hint.__name__}"
    if dataclasses.is_dataclass(value):
        assert_typed(value, where)


def assert_made_right(model: Any, where: str = "") -> None:
    """``model`` is what its constructor makes of its values, and of its fields' types."""
    assert_same(model, rebuilt(model), where)
    assert_typed(model, where)
