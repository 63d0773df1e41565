"""Typed reading of parsed YAML that collects every problem at once, with key and line.

Used by both the admin's `sop.yml` and the author's front matter, so both get the same
kind of message: which file, which key, which line, what was expected and what was found,
and the nearest known key for a typo.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pipeline.errors import Problem
from pipeline.yamlio import Path_, dotted, line_of

_TYPE_NAMES = {str: "text", int: "number", bool: "true/false", list: "list", dict: "mapping"}


def type_name(value: Any) -> str:
    if value is None:
        return "(empty)"
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


class Fields:
    """Reads values from `data` by key path, recording a `Problem` for each one that is off."""

    def __init__(self, data: Any, lines: dict[Path_, int], file: str) -> None:
        self.data = data
        self.lines = lines
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, path: Path_, code: str, **params: Any) -> None:
        self.problems.append(
            Problem(code, file=self.file, line=line_of(self.lines, path), field=dotted(path), params=params)
        )

    def warn(self, path: Path_, code: str, **params: Any) -> None:
        self.problems.append(
            Problem(
                code,
                file=self.file,
                line=line_of(self.lines, path),
                field=dotted(path),
                params=params,
                severity="warning",
            )
        )

    def raw(self, path: Path_) -> Any:
        node = self.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    return None
            elif not isinstance(node, dict):
                return None
            node = node[part] if isinstance(part, int) else node.get(part)
        return node

    def get(
        self,
        path: Path_,
        kind: type | tuple[type, ...],
        *,
        required: bool = False,
        default: Any = None,
        choices: Iterable[Any] | None = None,
    ) -> Any:
        """The value at `path` if it has the right type (and is one of `choices`), else `default`."""
        value = self.raw(path)
        if value is None:
            if required:
                self.problem(path, "field.required")
            return default
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; YAML's `yes` must not pass for a number.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            expected = " / ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            self.problem(path, "field.type", expected=expected, got=type_name(value), value=_short(value))
            return default
        if choices is not None:
            options = list(choices)
            if value not in options:
                self.problem(path, "field.choice", value=value, choices=", ".join(map(str, options)),
                             hint=_hint(str(value), map(str, options)))
                return default
        return value

    def mapping(self, path: Path_, known: Iterable[str], *, required: bool = False) -> dict[str, Any]:
        """A mapping at `path`; unknown keys are reported with the nearest known one."""
        value = self.get(path, dict, required=required, default={})
        allowed = list(known)
        for key in value:
            if str(key) not in allowed:
                self.problem(path + (str(key),), "field.unknown", key=key, hint=_hint(str(key), allowed))
        return value


def _hint(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return close[0] if close else ""


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
