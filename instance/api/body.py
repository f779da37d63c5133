"""Request parameters as real clients send them: query string, form, multipart or JSON;
arrays as `x[]`; booleans as 0/1/true/false; unknown fields ignored."""

from __future__ import annotations

from typing import Any

from quart import request
from werkzeug.datastructures import FileStorage

from federation import safe_json
from instance.api.errors import ApiError

TRUE = {"1", "true", "on", "yes", "t"}
FALSE = {"0", "false", "off", "no", "f", ""}


MAX_ID = 2**63 - 1  # BIGINT: a larger number must be a 404/422, not a database error


def as_id(value: object) -> int | None:
    """A database id from client text, or None when it cannot be one."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > MAX_ID:
        return None
    return int(text)


class Params:
    """All parameters of one request, queried by name; tolerant of each client's shapes."""

    def __init__(self, values: dict[str, list[Any]], files: dict[str, FileStorage]) -> None:
        self.values = values
        self.files = files

    def get(self, name: str, default: Any = None) -> Any:
        found = self.values.get(name) or self.values.get(name + "[]")
        if not found:
            return default
        return found[0]

    def text(self, name: str, default: str = "", max_length: int = 100_000) -> str:
        value = self.get(name)
        if value is None:
            return default
        if isinstance(value, bool | int | float):
            value = str(value).lower() if isinstance(value, bool) else str(value)
        if not isinstance(value, str):
            raise ApiError(422, f"{name} must be text")
        if len(value) > max_length:
            raise ApiError(422, f"{name} is longer than {max_length} characters")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise ApiError(422, f"{name} must be a boolean (true/false/1/0)")

    def list(self, name: str) -> list[str]:
        """`name[]` repeated, `name` repeated, a JSON array, or `name[0]`, `name[1]`…"""
        out: list[Any] = []
        for key in (name + "[]", name):
            for value in self.values.get(key, []):
                out.extend(value if isinstance(value, list) else [value])
        indexed = sorted(
            (k for k in self.values if k.startswith(name + "[") and k[len(name) + 1 : -1].isdigit()),
            key=lambda k: int(k[len(name) + 1 : -1]),
        )
        for key in indexed:
            out.extend(self.values[key])
        return [str(v) for v in out if v is not None and not isinstance(v, dict | list)]

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.get(name)
        if value is None or value == "":
            return default
        try:
            return int(str(value))
        except ValueError:
            raise ApiError(422, f"{name} must be a whole number") from None

    def dict(self, name: str) -> dict[str, Any]:
        """`name[key]=v` form fields or a JSON object."""
        value = self.get(name)
        if isinstance(value, dict):
            return value
        prefix = name + "["
        return {
            k[len(prefix) : -1]: v[0]
            for k, v in self.values.items()
            if k.startswith(prefix) and k.endswith("]") and "][" not in k
        }


async def params() -> Params:
    """Merge the query string and the body (later sources win for single values)."""
    values: dict[str, list[Any]] = {}
    for key in request.args:
        values[key] = request.args.getlist(key)
    files: dict[str, FileStorage] = {}
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        mimetype = request.mimetype or ""
        if mimetype == "application/json" or mimetype.endswith("+json"):
            raw = await request.get_data(as_text=False)
            if raw.strip():
                try:
                    data = safe_json.loads(raw)
                except safe_json.JsonInputError as exc:
                    raise ApiError(400, f"The body is not valid JSON: {exc.reason}") from None
                if not isinstance(data, dict):
                    raise ApiError(422, "The JSON body must be an object")
                for key, value in data.items():
                    values[key] = [value]
        elif mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form
            for key in form:
                values[key] = form.getlist(key)
            uploaded = await request.files
            for key in uploaded:
                files[key] = uploaded[key]
    return Params(values, files)
