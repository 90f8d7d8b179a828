"""Readable text for numbers, arguments and returned values in feedback."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .i18n import _, pgettext
from .isolation.runner import Outcome, Raised
from .isolation.values import Value


def num(x: float | int, precise: bool = False) -> str:
    """A number as a student would write it: 0.0003, not 0.00031415926535897; all digits when ``precise``."""
    if isinstance(x, bool):
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return repr(x)
    if precise:
        return repr(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{x:.1f}"
    text = f"{x:.6g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


def count(n: int) -> str:
    """A whole number with its thousands grouped as the report's language writes them: 4,800 or 4.800."""
    return f"{int(n):,}".replace(",", pgettext("thousands separator", ","))


def arg(value: Any, precise: bool = True) -> str:
    """An argument the grader passed, written as Python source."""
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return "np.array([" + ", ".join(num(v, precise) for v in value) + "])"
        return "np.array(" + repr(value.tolist()) + ")"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(arg(v, precise) for v in value) + "]"
    if isinstance(value, (float, int)):
        return num(value, precise)
    return repr(value)


def _array_text(values: np.ndarray[Any, Any], precise: bool) -> str:
    flat = values.reshape(-1)
    shown = [num(v, precise) for v in flat[:8]]
    more = ", ..." if flat.size > 8 else ""
    return "[" + ", ".join(shown) + more + "]"


def value(v: Value | Raised | None, precise: bool = False) -> str:
    """What came back from a call, as text."""
    if v is None:
        return _("nothing")
    if isinstance(v, Raised):
        where = ""
        if v.line and v.cell is not None:
            where = _(" (cell {cell}, line {line})").format(cell=v.cell, line=v.line)
        elif v.line:
            where = _(" (line {line})").format(line=v.line)
        message = f": {v.message}" if v.message else ""
        return _("an error, {type}{message}{where}").format(type=v.type, message=message, where=where)
    kind = v.kind
    if kind == "none":
        return "None"
    if kind == "ellipsis":
        return "... (Ellipsis)"
    if kind == "missing":
        return _("no such attribute")
    if kind == "bool":
        return repr(bool(v.number))
    if kind in ("int", "float"):
        text = num(v.number, precise)  # type: ignore[arg-type]
        if v.dtype and v.dtype not in ("float64", "int64"):
            text += f" ({v.dtype})"
        return text
    if kind == "array":
        shape = "(" + ", ".join(str(s) for s in (v.shape or ())) + ("," if v.shape and len(v.shape) == 1 else "") + ")"
        if v.array is None:
            count_text = count(v.length) if v.length is not None else "?"
            return _("an array of shape {shape} ({count} values)").format(shape=shape, count=count_text)
        if v.shape == ():
            return f"np.array({num(float(v.array), precise)})"
        return _("an array of shape {shape}: {values}").format(shape=shape, values=_array_text(v.array, precise))
    if kind in ("list", "tuple"):
        if v.items is None:
            return _("a {kind} of {count} values").format(kind=kind, count=count(v.length or 0))
        open_, close = ("[", "]") if kind == "list" else ("(", ")")
        items = [value(item, precise) for item in v.items[:8]]
        more = ", ..." if len(v.items) > 8 else ""
        return open_ + ", ".join(items) + more + close
    if kind == "object":
        return _("an object")
    if kind == "other":
        return _("an object of type {type}: {repr}").format(type=v.type_name, repr=v.text)
    return kind


def outcome(o: Outcome, precise: bool = False) -> str:
    if o.raised is not None:
        return value(o.raised)
    return value(o.value, precise)
