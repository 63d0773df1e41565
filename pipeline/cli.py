"""`konten`: the command line. Thin: parse arguments, call the stages, print, pick an exit code.

Every `KontenError` becomes a clear message in the SOP's language and exit code 1; a traceback
is a bug.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import messages
from pipeline.config import CONFIG_NAME, Sop, find_config, load_sop
from pipeline.errors import ConfigError, KontenError, Problem


@dataclass
class Context:
    """What every command needs: the repository root, its SOP, and where output goes."""

    root: Path
    sop: Sop
    out: Callable[[str], None]

    @property
    def lang(self) -> str:
        return self.sop.language

    @property
    def content(self) -> Path:
        return self.root / "content"


def _context(args: argparse.Namespace) -> Context:
    root = Path(args.root) if args.root else None
    config = root / CONFIG_NAME if root else find_config(Path.cwd())
    if config is None:
        raise ConfigError([Problem("config.missing", file=CONFIG_NAME)])
    sop = load_sop(config)
    if args.lang:
        sop = _with_language(sop, args.lang)
    return Context(root=config.parent, sop=sop, out=print)


def _with_language(sop: Sop, lang: str) -> Sop:
    from dataclasses import replace

    return replace(sop, language=lang)


# -- commands -------------------------------------------------------------------------------
def cmd_validate(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.validate import annotation, validate_paths

    paths = [Path(p) for p in args.paths] or [ctx.content]
    for path in paths:
        if not path.exists():
            ctx.out(f"{messages.t('cli.error', ctx.lang)}: {messages.t('cli.path_missing', ctx.lang, path=path)}")
            return 1
    report = validate_paths(paths, ctx.sop, ctx.content)
    if not report.checked:
        ctx.out(messages.t("validate.none", ctx.lang, paths=", ".join(map(str, paths))))
        return 1
    for problem in report.problems:
        label = messages.t("cli.error" if problem.severity == "error" else "cli.warning", ctx.lang)
        ctx.out(f"{label}: {problem.render(ctx.lang)}")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for problem in report.problems:
            ctx.out(annotation(problem, ctx.lang))
    if report.errors or report.warnings:
        ctx.out(messages.t("validate.summary", ctx.lang, count=report.checked, errors=len(report.errors),
                           warnings=len(report.warnings)))
    else:
        ctx.out(messages.t("validate.ok", ctx.lang, count=report.checked))
    return 1 if report.errors else 0


def cmd_preview(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline import preview
    from pipeline.validate import validate_paths

    status = 0
    for raw in args.paths or [str(ctx.content)]:
        path = Path(raw)
        if not path.exists():
            ctx.out(f"{messages.t('cli.error', ctx.lang)}: {messages.t('cli.path_missing', ctx.lang, path=path)}")
            return 1
        report = validate_paths([path], ctx.sop, ctx.content)
        for problem in report.problems:
            if not any(problem.file == item.file for item in report.items):
                ctx.out(f"{messages.t('cli.error', ctx.lang)}: {problem.render(ctx.lang)}")
                status = 1
        for item in report.items:
            ctx.out(preview.render(preview.build(item, report.problems, ctx.sop), ctx.sop, args.format, ctx.root))
        if report.errors:
            status = 1
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="konten",
        description="Run the social-media SOP: validate and preview drafts, gate approvals, publish, archive.",
    )
    parser.add_argument("--root", help="repository folder holding sop.yml (default: found from here upwards)")
    parser.add_argument("--lang", choices=("id", "en"), help="language of messages (default: sop.yml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check items against sop.yml and every platform's limits")
    p.add_argument("paths", nargs="*", help="item folders or folders of items (default: content/)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("preview", help="show how items will look on each platform")
    p.add_argument("paths", nargs="*", help="item folders (default: every item under content/)")
    p.add_argument("--format", choices=("md", "html"), default="md")
    p.set_defaults(func=cmd_preview)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = args.lang or "id"
    try:
        ctx = _context(args)
        lang = ctx.lang
        return int(args.func(ctx, args))
    except KontenError as exc:
        label = messages.t("cli.error", lang)
        for line in exc.render(lang).splitlines():
            print(f"{label}: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
