"""federation/safe_json: every pathological shape is a JsonInputError with a reason,
never a RecursionError, a huge int, NaN, a silent last-key-wins or text PostgreSQL
cannot store; ordinary documents parse as json.loads parses them."""

from __future__ import annotations

import json

import pytest

from federation.safe_json import MAX_DEPTH, JsonInputError, loads

HOSTILE = {
    "100k nested arrays": (b"[" * 100_000, "nested deeper"),
    "100k nested objects": (b'{"a":' * 100_000, "nested deeper"),
    "closed nesting past the bound": (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested deeper"),
    "5000-digit integer": (b"1" * 5000, "digits"),
    "50-digit integer": (b"[" + b"9" * 50 + b"]", "digits"),
    "float overflow": (b"[1e999]", "out of range"),
    "negative overflow": (b'{"x": -1e400}', "out of range"),
    "NaN": (b"[NaN]", "NaN"),
    "Infinity": (b'{"a": Infinity}', "Infinity"),
    "-Infinity": (b"[-Infinity]", "Infinity"),
    "duplicate key": (b'{"type": "Like", "type": "Delete"}', "appears twice"),
    "nested duplicate key": (b'{"o": {"id": 1, "id": 2}}', "appears twice"),
    "invalid UTF-8": (b'{"a": "\xff\xfe"}', "not UTF-8"),
    "overlong UTF-8": (b'{"a": "\xc0\xaf"}', "not UTF-8"),
    "lone surrogate": (b'{"a": "\\ud800"}', "lone surrogate"),
    "surrogate in a key": (b'{"\\udfff": 1}', "lone surrogate"),
    "NUL escape": (b'{"a": "x\\u0000y"}', "NUL"),
    "truncated": (b'{"a": [1, 2', "not JSON"),
    "trailing garbage": (b'{"a": 1} x', "not JSON"),
    "empty": (b"", "not JSON"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_refused_with_a_reason(name):
    data, reason = HOSTILE[name]
    with pytest.raises(JsonInputError) as caught:
        loads(data)
    assert reason in caught.value.reason


def test_size_bound():
    with pytest.raises(JsonInputError, match="larger than 10 bytes"):
        loads(b'{"a": "0123456789"}', max_bytes=10)


def test_ordinary_documents_parse_like_json_loads():
    doc = {"@context": ["https://www.w3.org/ns/activitystreams", {"x": "y"}], "id": "https://a/1",
           "n": [1, -2, 3.5, 1e300, 2**63 - 1, True, None], "t": "é 🎨 \u2028", "deep": [[[[{}]]]]}
    raw = json.dumps(doc, ensure_ascii=False).encode()
    assert loads(raw) == doc == loads(raw.decode())
    assert loads(b"\xef\xbb\xbf[1]") == [1]  # a UTF-8 byte order mark is tolerated
    nested = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert loads(nested) == json.loads(nested)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_remote_documents_and_blocklists_use_the_bounded_parser(name):
    from federation.client import FetchError, Response
    from instance.moderation.blocklist_formats import BlocklistError, parse_json

    data, reason = HOSTILE[name]
    with pytest.raises(FetchError, match="invalid JSON from https://peer.example/a"):
        Response("https://peer.example/a", 200, {}, data).json()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # blocklists arrive as text: the form decodes them first
    with pytest.raises(BlocklistError, match="not valid JSON"):
        parse_json(text)
