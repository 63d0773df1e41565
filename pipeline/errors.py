"""One exception tree, rooted in `KontenError`, and the `Problem` every check reports.

    KontenError                 anything a person can fix; the CLI prints it, never a traceback
    ├── ConfigError             sop.yml is wrong (carries every problem found at once)
    ├── ContentError            an item cannot be read (carries its problems)
    ├── ApprovalError           the chain does not allow what was asked (e.g. publishing)
    ├── GitHubError             GitHub answered with an error
    └── PublishError            a platform refused or failed

A `Problem` is data, not text: a message key and its parameters, rendered in the configured
language only at the edges (CLI, PR comment, annotations).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from pipeline import messages

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding about one file: where it is, which field and platform, and what is wrong."""

    code: str
    file: str = ""
    line: int | None = None
    field: str = ""
    platform: str = ""
    params: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False, compare=False)
    severity: Severity = "error"

    def text(self, lang: str = "id") -> str:
        return messages.t(self.code, lang, **self.params)

    def where(self, lang: str = "id") -> str:
        """`file:line` plus the field and platform, as a person would look them up."""
        place = self.file + (f":{self.line}" if self.line else "")
        bits = [place] if place else []
        if self.field:
            bits.append(messages.t("where.field", lang, field=self.field))
        if self.platform:
            bits.append(messages.t("where.platform", lang, platform=messages.platform_label(self.platform)))
        return ", ".join(bits)

    def render(self, lang: str = "id") -> str:
        where = self.where(lang)
        return f"{where}: {self.text(lang)}" if where else self.text(lang)


class KontenError(Exception):
    """A failure a person can act on; `render` gives it in their language."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def render(self, lang: str = "id") -> str:
        return messages.t(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.render("en")


class _ProblemsError(KontenError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].code if problems else "error")
        self.problems = problems

    def render(self, lang: str = "id") -> str:
        return "\n".join(p.render(lang) for p in self.problems)


class ConfigError(_ProblemsError):
    """sop.yml (or a config passed in) does not describe a usable SOP."""


class ContentError(_ProblemsError):
    """An item folder cannot be read as an item."""


class ApprovalError(KontenError):
    """The approval chain forbids what was asked."""


class GitHubError(KontenError):
    """GitHub answered with an error we cannot work around."""


class PublishError(KontenError):
    """A platform refused or failed to take a post."""
