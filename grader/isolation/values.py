"""Plain values that cross from the child to the parent, parsed strictly, and the arguments sent the other way."""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ProtocolError

MAX_ARRAY_ITEMS = 100_000


@dataclass(frozen=True)
class Value:
    """What a call returned, as plain data.

    ``kind`` is one of none, ellipsis, bool, int, float, array, list, tuple, object, other, missing.
    """

    kind: str
    number: float | int | bool | None = None
    array: np.ndarray[Any, Any] | None = field(default=None, compare=False)
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    items: tuple[Value, ...] | None = None
    length: int | None = None
    type_name: str | None = None
    text: str | None = None
    too_big: bool = False

    @property
    def is_number(self) -> bool:
        """One real number (bool excluded), including a 0-d array."""
        if self.kind in ("int", "float"):
            return True
        return self.kind == "array" and self.shape == () and self.array is not None and self.dtype is not None and self.dtype[0] != "b"

    def as_float(self) -> float:
        if self.kind in ("int", "float", "bool"):
            return float(self.number)  # type: ignore[arg-type]
        if self.kind == "array" and self.array is not None and self.array.size == 1:
            return float(self.array.reshape(-1)[0])
        raise ValueError(f"not a number: {self.kind}")

    def numbers(self) -> np.ndarray[Any, Any] | None:
        """The values as a float64 array if this is an array or a flat list/tuple of numbers, else None."""
        if self.kind == "array":
            return self.array
        if self.kind in ("list", "tuple") and self.items is not None:
            if all(item.kind in ("int", "float") for item in self.items):
                return np.array([item.as_float() for item in self.items], dtype=np.float64)
        return None


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ProtocolError(what)


def decode_value(data: Any, depth: int = 0) -> Value:
    """Parse one encoded value; anything not exactly of the expected shape is a protocol error."""
    _require(isinstance(data, dict) and isinstance(data.get("t"), str), "value is not a tagged object")
    kind = data["t"]
    if kind in ("none", "ellipsis", "object", "missing"):
        return Value(kind)
    if kind == "bool":
        _require(type(data.get("v")) is bool, "bad bool")
        return Value("bool", number=data["v"])
    if kind == "int":
        raw = data.get("v")
        if type(raw) is str:
            _require(len(raw) < 400 and raw.lstrip("-").isdigit(), "bad int")
            number: int = int(raw)
        else:
            _require(type(raw) is int, "bad int")
            number = raw
        dtype = data.get("dtype")
        _require(dtype is None or (type(dtype) is str and len(dtype) < 40), "bad dtype")
        return Value("int", number=number, dtype=dtype)
    if kind == "float":
        raw = data.get("v")
        _require(type(raw) is str and len(raw) < 40, "bad float")
        try:
            number_f = float.fromhex(raw)
        except (ValueError, OverflowError) as exc:
            raise ProtocolError("bad float") from exc
        dtype = data.get("dtype")
        _require(dtype is None or (type(dtype) is str and len(dtype) < 40), "bad dtype")
        return Value("float", number=number_f, dtype=dtype)
    if kind == "array":
        shape = data.get("shape")
        _require(type(shape) is list and len(shape) <= 32 and all(type(s) is int and s >= 0 for s in shape), "bad shape")
        dtype = data.get("dtype")
        _require(type(dtype) is str and len(dtype) < 60, "bad dtype")
        size = math.prod(shape)
        raw = data.get("data")
        if raw is None:
            return Value("array", shape=tuple(shape), dtype=dtype, length=size, too_big=bool(data.get("too_big")))
        _require(type(raw) is str and size <= MAX_ARRAY_ITEMS, "bad array data")
        try:
            buffer = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProtocolError("bad array data") from exc
        _require(len(buffer) == 8 * size, "array data does not match its shape")
        array = np.frombuffer(buffer, dtype="<f8").astype(np.float64).reshape(shape)
        array.setflags(write=False)
        return Value("array", array=array, shape=tuple(shape), dtype=dtype, length=size)
    if kind in ("list", "tuple"):
        items = data.get("items")
        if items is None:
            length = data.get("len")
            _require(type(length) is int, "bad list length")
            return Value(kind, length=length, too_big=True)
        _require(type(items) is list and len(items) <= MAX_ARRAY_ITEMS and depth < 5, "bad list")
        decoded = tuple(decode_value(item, depth + 1) for item in items)
        return Value(kind, items=decoded, length=len(decoded))
    if kind == "other":
        type_name = data.get("type")
        text = data.get("repr")
        _require(type(type_name) is str and type(text) is str and len(type_name) < 400 and len(text) < 2000, "bad object")
        return Value("other", type_name=type_name, text=text)
    raise ProtocolError(f"unknown value kind {kind!r}")


@dataclass(frozen=True)
class ChildRef:
    """An argument that is an object inside the child: one of the lesson's own (``kind`` "lesson": an attribute of
    the lesson's child module, called with ``args`` when they are given) or one made earlier in the same program
    (``kind`` "slot")."""

    kind: str
    name: str
    args: tuple[Any, ...] | None = None


def encode_arg(value: Any) -> dict[str, Any]:
    """Encode an argument the grader passes to the submission: floats (NumPy's float64 kept as such), ints, bools, lists
    and float arrays."""
    if value is None:
        return {"t": "none"}
    if isinstance(value, ChildRef):
        if value.kind == "slot":
            return {"t": "slot", "name": value.name}
        return {"t": "lesson", "name": value.name, "args": None if value.args is None else [encode_arg(a) for a in value.args]}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, int):
        return {"t": "int", "v": str(value)}
    if type(value) is np.float64:  # a NumPy float, as np.dot gives one: the child passes np.float64 on
        return {"t": "float", "v": float.hex(float(value)), "dtype": "float64"}
    if isinstance(value, float):
        return {"t": "float", "v": float.hex(value)}
    if isinstance(value, np.ndarray):
        flat = np.ascontiguousarray(value, dtype="<f8")
        return {"t": "array", "shape": list(value.shape), "data": base64.b64encode(flat.tobytes()).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return {"t": "list", "items": [encode_arg(v) for v in value]}
    raise TypeError(f"cannot send {type(value).__name__} to a submission")
