"""The subset of RFC 8941 structured fields that RFC 9421 and RFC 9530 need.

Dictionaries whose members are items or inner lists, with parameters; bare items are
integers, strings, tokens, byte sequences and booleans. Hand-written because the subset
is small and `http_sf` versions have broken peers' parsers before (bovine pins 1.0.7).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

BareItem = int | str | bytes | bool


class Token(str):
    """An sf-token: serialised without quotes."""


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: dict[str, BareItem] = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    items: list[Item]
    params: dict[str, BareItem] = field(default_factory=dict)


class StructuredFieldError(ValueError):
    """The field does not parse as an RFC 8941 structured field."""


_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
# printable ASCII except '"' and '\\', or one of those two escaped (RFC 8941 sf-string)
_STRING = re.compile(r'"([ !#-\[\]-~]*(?:\\["\\][ !#-\[\]-~]*)*)"')
_INT = re.compile(r"-?[0-9]{1,15}(?![0-9.])")


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def fail(self, what: str) -> StructuredFieldError:
        return StructuredFieldError(f"{what} at offset {self.i} in {self.s!r}")

    def skip(self, chars: str = " ") -> None:
        while self.i < len(self.s) and self.s[self.i] in chars:
            self.i += 1

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def key(self) -> str:
        m = _KEY.match(self.s, self.i)
        if not m:
            raise self.fail("expected a key")
        self.i = m.end()
        return m.group()

    def bare(self) -> BareItem:
        c = self.peek()
        if c == '"':
            return self.string()
        if c == ":":
            end = self.s.find(":", self.i + 1)
            if end < 0:
                raise self.fail("unterminated byte sequence")
            try:
                value = base64.b64decode(self.s[self.i + 1 : end], validate=True)
            except binascii.Error as exc:
                raise self.fail("bad base64") from exc
            self.i = end + 1
            return value
        if c == "?":
            flag = self.s[self.i + 1 : self.i + 2]
            if flag not in ("0", "1"):
                raise self.fail("bad boolean")
            self.i += 2
            return flag == "1"
        m = _INT.match(self.s, self.i)
        if m:
            self.i = m.end()
            return int(m.group())
        m = _TOKEN.match(self.s, self.i)
        if m:
            self.i = m.end()
            return Token(m.group())
        raise self.fail("expected a bare item")

    def string(self) -> str:
        m = _STRING.match(self.s, self.i)
        if not m:
            raise self.fail("bad or unterminated string")
        self.i = m.end()
        body = m.group(1)
        return re.sub(r"\\(.)", r"\1", body) if "\\" in body else body

    def params(self) -> dict[str, BareItem]:
        params: dict[str, BareItem] = {}
        while self.peek() == ";":
            self.i += 1
            self.skip()
            name = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.i += 1
                value = self.bare()
            params[name] = value
        return params

    def item_or_inner_list(self) -> Item | InnerList:
        if self.peek() != "(":
            return Item(self.bare(), self.params())
        self.i += 1
        items: list[Item] = []
        while True:
            self.skip()
            if self.peek() == ")":
                self.i += 1
                return InnerList(items, self.params())
            items.append(Item(self.bare(), self.params()))
            if self.peek() not in (" ", ")"):
                raise self.fail("expected space or ')' in inner list")

    def dictionary(self) -> dict[str, Item | InnerList]:
        out: dict[str, Item | InnerList] = {}
        self.skip(" \t")
        while self.i < len(self.s):
            name = self.key()
            if self.peek() == "=":
                self.i += 1
                out[name] = self.item_or_inner_list()
            else:
                out[name] = Item(True, self.params())
            self.skip(" \t")
            if self.i >= len(self.s):
                break
            if self.peek() != ",":
                raise self.fail("expected ','")
            self.i += 1
            self.skip(" \t")
            if self.i >= len(self.s):
                raise self.fail("trailing comma")
        return out


def parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    """Parse an sf-dictionary (e.g. `Signature-Input`, `Signature`, `Content-Digest`)."""
    return _Parser(text.strip()).dictionary()


def serialize_bare(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def serialize_params(params: dict[str, BareItem]) -> str:
    return "".join(f";{k}" if v is True else f";{k}={serialize_bare(v)}" for k, v in params.items())


def serialize_item(item: Item) -> str:
    return serialize_bare(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    body = " ".join(serialize_item(i) for i in inner.items)
    return f"({body})" + serialize_params(inner.params)
