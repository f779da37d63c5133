"""The one JSON parser for bytes that come from outside: request bodies (inbox, client
API, OAuth) and remote documents. `json.loads` alone lets hostile input through as a
crash or as data the database cannot store: 100k nested `[` (RecursionError), a
100k-digit number, `NaN`/`Infinity`, duplicate keys (two parsers can read different
values), invalid UTF-8, lone surrogates and NUL characters (PostgreSQL's jsonb refuses
both). `loads` refuses each with a `JsonInputError` whose message says why, so callers
answer 400 (or treat a remote document as unusable) instead of a 500."""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64  # ActivityPub documents nest about 8 deep; Mastodon API bodies about 4
MAX_NUMBER_CHARS = 40  # a 64-bit id has 20 digits; longer numbers are an attack
MAX_BYTES = 2 * 1024 * 1024
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


class JsonInputError(ValueError):
    """The input is not JSON we accept; `reason` is for the sender."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonInputError(f"a number has more than {MAX_NUMBER_CHARS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonInputError(f"a number has more than {MAX_NUMBER_CHARS} characters")
    value = float(text)
    if not math.isfinite(value):
        raise JsonInputError(f"the number {text} is out of range")
    return value


def _parse_constant(name: str) -> Any:
    raise JsonInputError(f"{name} is not JSON")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JsonInputError(f"the key {key[:64]!r} appears twice in one object")
            seen.add(key)
    return out


def _check_text(text: str) -> None:
    if _BAD_CHARS.search(text):
        raise JsonInputError("text contains a NUL character or a lone surrogate")


def _check_shape(value: Any, max_depth: int) -> None:
    """Depth and text check without recursion (an explicit stack)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > max_depth:
                raise JsonInputError(f"nested deeper than {max_depth} levels")
            for key, child in node.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            if depth > max_depth:
                raise JsonInputError(f"nested deeper than {max_depth} levels")
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, str):
            _check_text(node)


def loads(data: bytes | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `data` (UTF-8 bytes or text) or raise JsonInputError."""
    if len(data) > max_bytes:
        raise JsonInputError(f"larger than {max_bytes} bytes")
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"not UTF-8 (byte {exc.start})") from None
    else:
        text = data
    try:
        value = json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float,
            parse_constant=_parse_constant, object_pairs_hook=_pairs,
        )
    except RecursionError:
        raise JsonInputError(f"nested deeper than {max_depth} levels") from None
    except JsonInputError:
        raise
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # int() over Python's digit limit and the like
        raise JsonInputError(f"not JSON we accept: {exc}") from None
    _check_shape(value, max_depth)
    return value
