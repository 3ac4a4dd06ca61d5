"""A task's request as plain data and back: one writer and one reader for every request.

A request is kept as a record (``{"kind", "layers", "options"}``) in a project's settings
(the analyses run on it, the last screening), in the command line's JSON summary and in a
re-run of a derived result. A record read back may come from an older gisdesk or from a
hand-edited project file, so :meth:`Recorded.from_record` reads each value by its field's
type: ``"20"`` for a number of minutes is 20.0, ``"false"`` for a yes/no is False (not
True, as ``bool("false")`` would be), a list becomes a tuple, an ISO date a date; a value
that is not of its type raises an :class:`~gisdesk.core.errors.InputError` that names the
field and the value, in Chinese and English. Keys the request does not have are ignored.
"""

from __future__ import annotations

import datetime as dt
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import fields
from pathlib import PurePath
from typing import Any, ClassVar, Literal, TypeVar, Union

from gisdesk.core.errors import InputError

__all__ = ["Recorded", "plain_value", "read_value"]

R = TypeVar("R", bound="Recorded")

_TRUE = frozenset({"true", "yes", "1", "是"})
_FALSE = frozenset({"false", "no", "0", "否"})
_SHOWN = 60  # characters of a wrong value shown in a message


class Recorded:
    """``to_record`` / ``from_record`` for a frozen dataclass request.

    ``layer_fields`` names the fields recorded under ``layers`` (the layers the task reads);
    the others go under ``options``. :meth:`upgrade_record` lets a request read the records
    of an older gisdesk.
    """

    kind: ClassVar[str]
    layer_fields: ClassVar[tuple[str, ...]] = ()

    def to_record(self) -> dict[str, Any]:
        """Return the request as plain data (kind, layers, options)."""
        values = {f.name: plain_value(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]
        layers = {name: values.pop(name) for name in self.layer_fields}
        return {"kind": self.kind, "layers": layers, "options": values}

    @classmethod
    def from_record(cls: type[R], record: Mapping[str, Any]) -> R:
        """Build the request from :meth:`to_record`'s data, or from one flat mapping of
        field values; raise an InputError for a value that is not of its field's type."""
        if "kind" in record or "options" in record or isinstance(record.get("layers"), Mapping):
            given = {**_part(record, "layers"), **_part(record, "options")}
        else:  # the flat form (a request's fields, as a project's settings may keep them)
            given = dict(record)
        given = cls.upgrade_record(given)
        hints = typing.get_type_hints(cls)
        known = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        values = {
            name: read_value(hints[name], given[name], name) for name in known if name in given
        }
        return cls(**values)

    @classmethod
    def upgrade_record(cls, given: dict[str, Any]) -> dict[str, Any]:
        """Return the values of an older record as this version reads them (default: as is)."""
        return given


def _part(record: Mapping[str, Any], key: str) -> dict[str, Any]:
    part = record.get(key)
    if part is None:
        return {}
    if not isinstance(part, Mapping):
        raise InputError(
            f"记录中的“{key}”应为键值表，收到的是 {_shown(part)}。",
            f"The record's '{key}' must be a mapping; it is {_shown(part)}.",
        )
    return dict(part)


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= _SHOWN else shown[: _SHOWN - 1] + "…"


def plain_value(value: Any) -> Any:
    """Return a field's value as JSON-ready data (tuples as lists, dates as ISO text)."""
    if isinstance(value, tuple | list):
        return [plain_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    return value


class _WrongTypeError(Exception):
    """A value is not of a type (the message names what the type wants)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def read_value(hint: Any, value: Any, name: str) -> Any:
    """Return ``value`` read as the type ``hint`` of the field ``name``.

    Raises
    ------
    InputError
        The value is not of the type (names the field, the value and what it should be).
    """
    try:
        return _read(hint, value)
    except _WrongTypeError as wrong:
        raise InputError(
            f"记录中的参数“{name}”应为{wrong.zh}，收到的是 {_shown(value)}。",
            f"The recorded option '{name}' must be {wrong.en}; it is {_shown(value)}.",
        ) from None


def _read(hint: Any, value: Any) -> Any:  # noqa: PLR0912 - one branch per type
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        wanted = [a for a in args if a is not type(None)]
        for option in wanted:
            try:
                return _read(option, value)
            except _WrongTypeError:
                continue
        return _read(wanted[0], value)  # raises with the first type's words
    if origin is Literal:
        if value in args:
            return value
        allowed = ", ".join(str(a) for a in args)
        raise _WrongTypeError(f"以下之一：{allowed}", f"one of {allowed}")
    if hint is bool:
        return _boolean(value)
    if hint is int:
        return _whole(value)
    if hint is float:
        return _number(value)
    if hint is str:
        if isinstance(value, str):
            return value
        raise _WrongTypeError("文字", "text")
    if hint is dt.date:
        return _date(value)
    if origin is tuple:
        return _tuple(args, value)
    if origin in (dict, Mapping) or hint is dict:
        if isinstance(value, Mapping):
            return dict(value)
        raise _WrongTypeError("键值表", "a mapping")
    raise TypeError(f"no record reader for the type {hint!r}")  # a new field type: add it


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _WrongTypeError("是/否（true 或 false）", "yes/no (true or false)")


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _WrongTypeError("数值", "a number") from None
    else:
        raise _WrongTypeError("数值", "a number")
    if not math.isfinite(number):
        raise _WrongTypeError("有限的数值", "a finite number")
    return number


def _whole(value: Any) -> int:
    number = _number(value)
    if not number.is_integer():
        raise _WrongTypeError("整数", "a whole number")
    return int(number)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _WrongTypeError("日期（如 2025-12-31）", "a date (e.g. 2025-12-31)")


def _tuple(args: tuple[Any, ...], value: Any) -> tuple[Any, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, list | tuple):
        raise _WrongTypeError("列表", "a list")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_read(args[0], v) for v in value)
    if len(value) != len(args):
        raise _WrongTypeError(f"{len(args)} 个值的列表", f"a list of {len(args)} values")
    return tuple(_read(a, v) for a, v in zip(args, value, strict=True))
