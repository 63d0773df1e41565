"""YAML reading that remembers where every key is, so errors can name the line.

One parse with libyaml when available (C speed matters at 10,000 items): the node tree gives
the lines, the same loader constructs the data.
"""

from __future__ import annotations

from typing import Any

import yaml

from pipeline.errors import Problem

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

Path_ = tuple[str | int, ...]


class YamlSyntaxError(ValueError):
    """Malformed YAML, with the 1-based line of the trouble and a short reason; `value` is set
    when well-formed YAML names a value that cannot exist (a date like 2026-13-45)."""

    def __init__(self, line: int | None, reason: str, value: str | None = None) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason
        self.value = value

    def problem(self, file: str) -> Problem:
        """The error as the author reads it: a date that cannot be, or YAML that cannot be read."""
        if self.value is not None:
            return Problem("yaml.bad_date", file=file, line=self.line, params={"value": self.value})
        return Problem("yaml.syntax", file=file, line=self.line, params={"reason": self.reason})


def load(text: str, line_offset: int = 0) -> tuple[Any, dict[Path_, int]]:
    """Parse one YAML document; return the data and a map from key path to 1-based line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark is not None else None
        raise YamlSyntaxError(line, str(exc.problem or exc.context or "")) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, str(exc)) from None
    except ValueError as exc:  # a timestamp YAML recognises but the calendar does not (month 13, hour 25)
        bad = next((n for n in _scalars(node) if not _constructs(loader, n)), None)
        raise YamlSyntaxError(bad.start_mark.line + 1 + line_offset if bad else None, str(exc),
                              bad.value if bad else "") from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines, line_offset)
    return data, lines


def _scalars(node: yaml.Node | None) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.MappingNode):
        return [s for key, value in node.value for s in (*_scalars(key), *_scalars(value))]
    if isinstance(node, yaml.SequenceNode):
        return [s for value in node.value for s in _scalars(value)]
    return []


def _constructs(loader: Any, node: yaml.ScalarNode) -> bool:
    try:
        loader.yaml_constructors.get(node.tag, type(loader).construct_scalar)(loader, node)
    except ValueError:
        return False
    return True


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], offset: int) -> None:
    lines[path] = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = path + (str(key.value),)
            _walk(value, sub, lines, offset)
            lines[sub] = key.start_mark.line + 1 + offset
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _walk(value, path + (index,), lines, offset)


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of `path`, or of its nearest ancestor that exists."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def dotted(path: Path_) -> str:
    """`chain[2].members` style, the way an admin reads a key path."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
