"""Check items against the SOP config and every limit of each platform they target.

Pure apart from reading the item folders it is given; the CLI prints the `Report`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Sop
from pipeline.content import Item, find_items, read_item
from pipeline.errors import Problem
from pipeline.platforms import PLATFORMS


@dataclass
class Report:
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    checked: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def for_item(self, item: Item) -> list[Problem]:
        return [p for p in self.problems if p.file == item.file]


def check_item(item: Item) -> list[Problem]:
    """Every platform problem of an item that could be read."""
    problems: list[Problem] = []
    for target in item.targets:
        problems.extend(PLATFORMS[target.platform].check(item, target))
    return problems


def validate_paths(paths: Iterable[Path], sop: Sop, content_root: Path) -> Report:
    report = Report()
    for folder in find_items(list(paths)):
        report.checked += 1
        item, problems = read_item(folder, sop, content_root)
        report.problems.extend(problems)
        if item is not None:
            report.items.append(item)
            report.problems.extend(check_item(item))
    return report


def annotation(problem: Problem, lang: str) -> str:
    """A GitHub Actions workflow command, so the problem shows on the PR's diff."""
    level = "error" if problem.severity == "error" else "warning"
    props = [f"file={_escape_prop(problem.file)}"]
    if problem.line:
        props.append(f"line={problem.line}")
    title = ", ".join(filter(None, [problem.field, problem.platform]))
    if title:
        props.append(f"title={_escape_prop(title)}")
    return f"::{level} {','.join(props)}::{_escape_data(problem.text(lang))}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
