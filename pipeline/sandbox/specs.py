"""Checking requests and responses of the platform imitations against the platforms' own specs.

An imitation is only worth something if it accepts exactly what the real service accepts and
answers in exactly its shapes, so every imitation validates against the official machine-readable
document saved in `shared/fixtures/platforms/` (OpenAPI 3.0 for X, a Google discovery document for
YouTube, ...). This module is a small validator for the schema dialect those documents share
(`type`, `nullable`, `enum`, `pattern`, lengths, `properties`/`required`/`additionalProperties`,
`items`, `oneOf`/`anyOf`/`allOf`, `$ref`), resolving `$ref`s against the whole document: JSON
pointers (`#/components/schemas/X`, OpenAPI) and bare names (`Video`, discovery `schemas`).
It is part of the package (not the tests) because the demo runs the imitations too.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "load_openapi",
    "optional_spec",
    "operation",
    "platform_fixtures",
    "request_schema",
    "resolve",
    "response_schema",
    "shared_dir",
    "validate_json",
]

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
}


def shared_dir() -> Path:
    """The read-only `shared` folder with the official specs: `KONTEN_SHARED_DIR`, else the one
    beside the repository (found from the working folder, or from this file in a source checkout)."""
    configured = os.environ.get("KONTEN_SHARED_DIR")
    if configured:
        return Path(configured)
    candidates = [Path.cwd().resolve().parent / "shared", Path(__file__).resolve().parents[2].parent / "shared"]
    return next((c for c in candidates if (c / "fixtures").is_dir()), candidates[-1])


def platform_fixtures() -> Path:
    """Where the platforms' specs and API notes are kept."""
    return shared_dir() / "fixtures" / "platforms"


def load_openapi(path: str | Path) -> dict[str, Any]:
    """A spec document (OpenAPI or discovery) by path or by file name in `platform_fixtures()`.

    Cached: the documents are large and read-only; callers must not mutate the result.
    """
    candidate = Path(path)
    if not candidate.is_absolute() and not candidate.exists():
        candidate = platform_fixtures() / candidate
    return _load(str(candidate.resolve()))


def optional_spec(name: str) -> dict[str, Any] | None:
    """The spec, or None where `shared/` is absent (a user's machine running `konten demo`): the
    imitation then serves without checking requests against it. Tests always have it
    (tests/conftest.py fails without it), so their requests are always checked."""
    try:
        return load_openapi(name)
    except FileNotFoundError:
        return None


@lru_cache(maxsize=None)
def _load(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    """The schema a `$ref` names: a JSON pointer into `root`, or a discovery schema name."""
    if ref.startswith("#/"):
        node: Any = root
        for token in ref[2:].split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node
    return root["schemas"][ref]


def operation(root: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The OpenAPI operation object for `method` on the templated `path` (e.g. `/2/tweets`)."""
    return root["paths"][path][method.lower()]


def request_schema(
    root: dict[str, Any], method: str, path: str, content_type: str = "application/json"
) -> dict[str, Any]:
    """The OpenAPI request-body schema of an operation for one content type."""
    body = operation(root, method, path)["requestBody"]
    if "$ref" in body:
        body = resolve(root, body["$ref"])
    return body["content"][content_type]["schema"]


def response_schema(
    root: dict[str, Any], method: str, path: str, status: int | str, content_type: str = "application/json"
) -> dict[str, Any]:
    """The OpenAPI response schema of an operation for a status (falling back to `default`)."""
    responses = operation(root, method, path)["responses"]
    answer = responses.get(str(status)) or responses["default"]
    if "$ref" in answer:
        answer = resolve(root, answer["$ref"])
    return answer["content"][content_type]["schema"]


def validate_json(schema: dict[str, Any], instance: Any, root: dict[str, Any], *, closed: bool = False) -> list[str]:
    """Every way `instance` breaks `schema`, as `"$.a.b[0]: message"` lines; empty when valid.

    `closed=True` also rejects properties a schema does not list when it says nothing about
    `additionalProperties` — how Google's APIs treat unknown fields ("Cannot find field").
    """
    errors: list[str] = []
    _check(schema, instance, root, "$", errors, closed)
    return errors


def _type_ok(kind: str, value: Any, fmt: str | None) -> bool:
    if kind == "any":
        return True
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string" and fmt in ("int64", "uint64") and isinstance(value, int) and not isinstance(value, bool):
        return True  # discovery documents carry 64-bit integers as strings, and accept numbers too
    return isinstance(value, _TYPES[kind])


def _check(schema: dict[str, Any], value: Any, root: dict[str, Any], where: str, errors: list[str], closed: bool) -> None:
    if "$ref" in schema:
        _check(resolve(root, schema["$ref"]), value, root, where, errors, closed)
        return
    if value is None and schema.get("nullable"):
        return
    for sub in schema.get("allOf", []):
        _check(sub, value, root, where, errors, closed)
    for keyword, wanted in (("oneOf", lambda n: n == 1), ("anyOf", lambda n: n >= 1)):
        if keyword in schema:
            passing = sum(not validate_json(sub, value, root, closed=closed) for sub in schema[keyword])
            if not wanted(passing):
                errors.append(f"{where}: matches {passing} of the {keyword} alternatives")
    kind = schema.get("type")
    if kind is not None and not _type_ok(kind, value, schema.get("format")):
        errors.append(f"{where}: expected {kind}, got {type(value).__name__}")
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str):
        _check_string(schema, value, where, errors)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} is less than {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} is greater than {schema['maximum']}")
    elif isinstance(value, list):
        _check_array(schema, value, root, where, errors, closed)
    elif isinstance(value, dict):
        _check_object(schema, value, root, where, errors, closed)


def _check_string(schema: dict[str, Any], value: str, where: str, errors: list[str]) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{where}: shorter than {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{where}: longer than {schema['maxLength']} characters")
    if "pattern" in schema and re.search(schema["pattern"], value) is None:
        errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
    fmt = schema.get("format")
    if fmt == "date-time":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            errors.append(f"{where}: {value!r} is not a date-time")
    elif fmt in ("int64", "uint64") and re.fullmatch(r"-?[0-9]+", value) is None:
        errors.append(f"{where}: {value!r} is not an {fmt}")


def _check_array(
    schema: dict[str, Any], value: list[Any], root: dict[str, Any], where: str, errors: list[str], closed: bool
) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append(f"{where}: fewer than {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(f"{where}: more than {schema['maxItems']} items")
    if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
        errors.append(f"{where}: items are not unique")
    if "items" in schema:
        for index, item in enumerate(value):
            _check(schema["items"], item, root, f"{where}[{index}]", errors, closed)


def _check_object(
    schema: dict[str, Any], value: dict[str, Any], root: dict[str, Any], where: str, errors: list[str], closed: bool
) -> None:
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            errors.append(f"{where}: missing required property {name!r}")
    extra = schema.get("additionalProperties", not (closed and properties))
    for name, item in value.items():
        if name in properties:
            _check(properties[name], item, root, f"{where}.{name}", errors, closed)
        elif extra is False:
            errors.append(f"{where}: unknown property {name!r}")
        elif isinstance(extra, dict):
            _check(extra, item, root, f"{where}.{name}", errors, closed)
