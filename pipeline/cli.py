"""`konten`: the command line. Thin: parse arguments, call the stages, print, pick an exit code.

Every `KontenError` becomes a clear message in the SOP's language and exit code 1; a traceback
is a bug.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn

from pipeline import messages
from pipeline.config import CONFIG_NAME, LANGUAGES, Sop, find_config, load_sop
from pipeline.errors import ConfigError, KontenError, Problem
from pipeline.ledger import DATA_BRANCH


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


def _now(args: argparse.Namespace) -> datetime:
    if getattr(args, "now", None):
        moment = datetime.fromisoformat(args.now)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


def _event() -> dict[str, Any]:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    return dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _event_pr() -> int | None:
    """The PR number of the triggering event; only the number is trusted, the facts are refetched."""
    number = (_event().get("pull_request") or {}).get("number")
    return int(number) if number else None


def _output(name: str, value: str) -> None:
    """A step output (`GITHUB_OUTPUT`) that later jobs of the workflow decide on."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}={value}\n")


def _summary(text: str) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")


def cmd_check(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline import check
    from pipeline.errors import GitHubError
    from pipeline.github import GitHub

    number = args.pr or _event_pr()
    if number is None:
        raise GitHubError("github.no_pr")
    gh = GitHub.from_env()
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    run_id = os.environ.get("GITHUB_RUN_ID")
    target = f"{server}/{gh.repository}/actions/runs/{run_id}" if run_id else None
    head = Path(args.head) if args.head else None
    try:
        left_draft = _event().get("action") == "ready_for_review"  # only pull_request events have it
        outcome = check.run(gh, ctx.sop, number, _now(args), head=head, target_url=target, root=ctx.root,
                            left_draft=left_draft)
    except GitHubError as exc:
        if exc.params.get("status") == 403 and "rate limit" not in str(exc.params.get("message", "")):
            pull = gh.pull(number)  # a fork's PR gets a read-only token: say so, not "refused"
            if pull.fork:
                ctx.out(messages.t("check.fork", ctx.lang))
                _summary(messages.t("check.fork", ctx.lang))
                return 1
        raise
    state = messages.t(f"check.status.{outcome.state}", ctx.lang)
    line = messages.t("check.summary", ctx.lang, number=number, state=state, requests=outcome.requests)
    ctx.out(f"{line}\n{outcome.description}")
    _summary(f"{line}\n\n{outcome.description}")
    return 0


def cmd_codeowners(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.admin import codeowners

    path = ctx.root / "CODEOWNERS"
    text = codeowners(ctx.sop)
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if args.check:
        if current != text:
            ctx.out(messages.t("codeowners.stale", ctx.lang, path=path))
            return 1
        ctx.out(messages.t("codeowners.fresh", ctx.lang, path=path))
        return 0
    path.write_text(text, encoding="utf-8")
    ctx.out(messages.t("codeowners.written", ctx.lang, path=path))
    return 0


def cmd_setup(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.admin import rulesets
    from pipeline.github import GitHub

    gh = GitHub.from_env()
    for wanted in rulesets(ctx.sop, args.data_branch):
        existing = gh.find_ruleset(wanted["name"])
        if not args.apply:
            key = "setup.would_update" if existing else "setup.would_create"
            ctx.out(messages.t(key, ctx.lang, name=wanted["name"], repo=gh.repository))
            ctx.out(json.dumps(wanted, indent=2, ensure_ascii=False))
        elif existing is None:
            gh.create_ruleset(wanted)
            ctx.out(messages.t("setup.created", ctx.lang, name=wanted["name"], repo=gh.repository))
        else:
            gh.update_ruleset(existing, wanted)
            ctx.out(messages.t("setup.updated", ctx.lang, name=wanted["name"], repo=gh.repository))
    return 0


def _ledger(args: argparse.Namespace) -> tuple[Any, Any]:
    """The ledger store: a local folder (`--ledger DIR`) or the data branch on GitHub."""
    from pipeline.ledger import FolderStore, Ledger

    if args.ledger:
        store: Any = FolderStore(Path(args.ledger))
        return Ledger(store), None
    from pipeline.github import GitHub, GitHubStore

    gh = GitHub.from_env()
    mirror = Path(args.data_checkout) if args.data_checkout and Path(args.data_checkout).is_dir() else None
    store = GitHubStore(gh, args.data_branch, mirror)
    return Ledger(store), gh


def cmd_publish(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.publish import GitHubApprovals, Publisher, summary_markdown
    from pipeline.tokens import EncryptedTokens

    ledger, gh = _ledger(args)
    if gh is None and not args.dry_run:
        from pipeline.github import GitHub

        gh = GitHub.from_env()
    approvals = GitHubApprovals(gh, ctx.sop, ctx.root, ledger, os.environ.get("GITHUB_SHA")) if gh else None
    publisher = Publisher(
        sop=ctx.sop,
        root=ctx.root,
        ledger=ledger,
        approvals=approvals.verify if approvals else None,
        tokens=EncryptedTokens(ledger.store),
        now=lambda: _now(args),
        media_base_url=args.media_base_url or os.environ.get("KONTEN_MEDIA_BASE_URL", ""),
        run_id=os.environ.get("GITHUB_RUN_ID"),
        out=ctx.out,
    )
    try:
        attempts = publisher.run(dry_run=args.dry_run)
    finally:  # also when the run broke after posts went live: the archive rebuilds on this
        _output("published", str(publisher.published))
    if not attempts:
        ctx.out(messages.t("publish.nothing", ctx.lang))
        return 0
    table = summary_markdown(attempts, ctx.lang)
    ctx.out(table)
    _summary(table)
    return 1 if any(a.state in ("failed", "unknown", "refused", "invalid", "gave-up") for a in attempts) else 0


def cmd_remind(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline import remind

    code, line = remind.main(ctx.sop, _now(args), ctx.out)
    _summary(line)
    return code


def cmd_announce(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline import announce

    ledger, gh = _ledger(args)
    code, lines = announce.main(ctx.sop, ledger, _now(args), ctx.out, gh, run=os.environ.get("GITHUB_RUN_ID"))
    if lines:
        _summary(lines)
    return code


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline import report

    ledger, gh = _ledger(args)
    if gh is None and os.environ.get("GITHUB_REPOSITORY") and os.environ.get("GITHUB_TOKEN"):
        from pipeline.github import GitHub

        gh = GitHub.from_env()  # open PRs count too when GitHub is at hand
    text = report.main(ctx.sop, ledger, _now(args), since=args.since, until=args.until, fmt=args.format, gh=gh)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    elif args.format != "table":
        ctx.out(text)
    _summary(text)
    return 0


def cmd_ledger_resolve(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.ledger import PlatformRecord

    ledger, _ = _ledger(args)
    record, version = ledger.platform(args.item, args.platform)
    if record is None:
        ctx.out(messages.t("ledger.no_record", ctx.lang, item=args.item, platform=args.platform))
        return 1
    current = record.effective_state(_now(args))
    if current not in ("unknown", "failed") and not args.force:  # a live post, or a run posting it right now
        ctx.out(messages.t("ledger.not_unsettled", ctx.lang, item=args.item, platform=args.platform, state=current))
        return 1
    now = _now(args).isoformat()
    if args.published:
        state, url = "published", args.published
    else:
        state, url = "failed", None
    note = messages.t("ledger.resolved_note" if state == "published" else "ledger.retry_note", ctx.lang)
    resolved = PlatformRecord(args.platform, state, now, post_id=record.post_id, url=url or record.url,
                              error=None if state == "published" else note,
                              attempts=0 if state == "failed" else record.attempts, run=record.run,
                              history=record.history + [{"state": state, "at": now, "error": note}])
    ledger.write_platform(args.item, resolved, version)
    ctx.out(messages.t("ledger.resolved", ctx.lang, item=args.item, platform=args.platform, state=state))
    return 0


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.demo import run_demo

    work = Path(args.work) if args.work else None
    result = run_demo(ctx.root, serve=not args.no_serve, port=args.port, lang=ctx.lang, work=work)
    return 0 if result["published"] and all(r["state"] == "published" for r in result["published"]) else 1


def cmd_sandbox(ctx: Context, args: argparse.Namespace) -> int:
    import time

    from pipeline.sandbox import Sandbox

    with Sandbox(media_root=ctx.content) as sandbox:
        ctx.out(messages.t("sandbox.running", ctx.lang))
        for server in sandbox.servers:
            ctx.out(f"  {server.name:8} {server.url}")
        ctx.out(messages.t("sandbox.environ", ctx.lang))
        for key, value in sandbox.environ().items():
            ctx.out(f"export {key}={value}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def cmd_issue_form(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.issueform import cmd_issue_form as run

    return run(ctx, args)


def cmd_draft_from_issue(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.drafting import cmd_draft_from_issue as run

    return run(ctx, args)


def cmd_new(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.drafting import cmd_new as run

    return run(ctx, args)


def cmd_archive_build(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.archive import build

    site_url = args.site_url or os.environ.get("KONTEN_SITE_URL", "")
    build(ctx.root, Path(args.ledger), Path(args.out), ctx.sop, site_url=site_url, now=_now(args), out=ctx.out)
    return 0


def cmd_archive_serve(ctx: Context, args: argparse.Namespace) -> int:
    from pipeline.archive import serve

    return serve(Path(args.out), port=args.port, lang=ctx.lang, out=ctx.out)


def _ledger_options(p: argparse.ArgumentParser, h: Callable[[str], str]) -> None:
    """Where the ledger is read: a folder, or the data branch on GitHub (from a checkout if given)."""
    p.add_argument("--ledger", metavar="DIR", help=h("ledger"))
    p.add_argument("--data-branch", default=DATA_BRANCH, help=h("data_branch"))
    p.add_argument("--data-checkout", metavar="DIR", help=h("data_checkout"))
    p.add_argument("--now", help=argparse.SUPPRESS)


#: argparse's own error sentences, in the SOP's language (message key, pattern)
_ARGPARSE_ERRORS = (
    ("help.err_required", r"the following arguments are required: (?P<names>.*)"),
    ("help.err_one_of", r"one of the arguments (?P<names>.*) is required"),
    ("help.err_unknown", r"unrecognized arguments: (?P<names>.*)"),
    ("help.err_choice", r"argument (?P<names>\S+): invalid choice: (?P<value>.*?) \(choose from (?P<choices>.*)\)"),
    ("help.err_value", r"argument (?P<names>\S+): invalid \w+ value: (?P<value>.*)"),
)


class _Parser(argparse.ArgumentParser):
    lang = "id"

    def error(self, message: str) -> NoReturn:
        for key, pattern in _ARGPARSE_ERRORS:
            found = re.fullmatch(pattern, message)
            if found:
                message = messages.t(key, self.lang, **found.groupdict())
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {messages.t('cli.error', self.lang)}: {message}\n")


class _Formatter(argparse.HelpFormatter):
    lang = "id"

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        if prefix is None:  # argparse passes "" when it builds a subcommand's name: keep that
            prefix = messages.t("help.usage", self.lang) + " "
        super().add_usage(usage, actions, groups, prefix)


def build_parser(lang: str = "id") -> argparse.ArgumentParser:
    """The command line, its help in the SOP's language (argparse's own error texts stay English)."""

    def h(key: str) -> str:
        return messages.t(f"help.{key}", lang)

    formatter = type("Formatter", (_Formatter,), {"lang": lang})
    parser_class = type("Parser", (_Parser,), {"lang": lang})

    def parser_for(add: Callable[..., argparse.ArgumentParser], *args: Any, **kwargs: Any) -> argparse.ArgumentParser:
        p = add(*args, add_help=False, formatter_class=formatter, **kwargs)
        p._positionals.title = h("arguments")  # argparse has no public way to name its two sections
        p._optionals.title = h("options")
        p.add_argument("-h", "--help", action="help", help=h("help"))
        return p

    parser = parser_for(parser_class, prog="konten", description=h("description"))
    parser.add_argument("--root", metavar="DIR", help=h("root"))
    parser.add_argument("--lang", choices=LANGUAGES, help=h("lang"))
    sub = parser.add_subparsers(dest="command", required=True, metavar=h("command"))

    def command(name: str, func: Callable[[Context, argparse.Namespace], int], group: Any = sub,
                help_key: str | None = None) -> argparse.ArgumentParser:
        p = parser_for(group.add_parser, name, help=h(help_key or name), description=h(help_key or name))
        p.set_defaults(func=func)
        return p

    p = command("validate", cmd_validate)
    p.add_argument("paths", nargs="*", metavar="PATH", help=h("paths"))

    p = command("preview", cmd_preview)
    p.add_argument("paths", nargs="*", metavar="PATH", help=h("paths"))
    p.add_argument("--format", choices=("md", "html"), default="md", help=h("preview_format"))

    p = command("check", cmd_check)
    p.add_argument("--pr", type=int, help=h("pr"))
    p.add_argument("--head", metavar="DIR", help=h("head"))
    p.add_argument("--now", help=argparse.SUPPRESS)

    p = command("codeowners", cmd_codeowners)
    p.add_argument("--check", action="store_true", help=h("check_fresh"))

    p = command("publish", cmd_publish)
    p.add_argument("--dry-run", action="store_true", help=h("dry_run"))
    p.add_argument("--media-base-url", metavar="URL", help=h("media_base_url"))
    _ledger_options(p, h)

    p = command("remind", cmd_remind)
    p.add_argument("--now", help=argparse.SUPPRESS)

    p = command("announce", cmd_announce)
    _ledger_options(p, h)

    p = command("report", cmd_report)
    p.add_argument("--since", metavar="YYYY-MM-DD", help=h("since"))
    p.add_argument("--until", metavar="YYYY-MM-DD", help=h("until"))
    p.add_argument("--format", choices=("table", "markdown", "page"), default="table", help=h("report_format"))
    p.add_argument("--out", metavar="FILE", help=h("report_out"))
    _ledger_options(p, h)

    ledger = parser_for(sub.add_parser, "ledger", help=h("ledger_group"))
    p = command("resolve", cmd_ledger_resolve, ledger.add_subparsers(dest="ledger_command", required=True,
                                                                     metavar=h("command")), "resolve")
    p.add_argument("item", metavar="ITEM", help=h("item"))
    p.add_argument("platform", metavar="PLATFORM", help=h("platform"))
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--published", metavar="URL", help=h("published"))
    group.add_argument("--retry", action="store_true", help=h("retry"))
    p.add_argument("--force", action="store_true", help=h("force"))
    _ledger_options(p, h)

    archive = parser_for(sub.add_parser, "archive", help=h("archive_group"))
    archive_sub = archive.add_subparsers(dest="archive_command", required=True, metavar=h("command"))
    p = command("build", cmd_archive_build, archive_sub, "archive_build")
    p.add_argument("--ledger", default="konten-data", metavar="DIR", help=h("archive_ledger"))
    p.add_argument("--out", default="site", metavar="DIR", help=h("archive_out"))
    p.add_argument("--site-url", metavar="URL", help=h("site_url"))
    p.add_argument("--now", help=argparse.SUPPRESS)
    p = command("serve", cmd_archive_serve, archive_sub, "archive_serve")
    p.add_argument("--out", default="site", metavar="DIR", help=h("archive_out"))
    p.add_argument("--port", type=int, default=8000, help=h("port"))

    p = command("demo", cmd_demo)
    p.add_argument("--no-serve", action="store_true", help=h("no_serve"))
    p.add_argument("--port", type=int, default=8000, help=h("port"))
    p.add_argument("--work", metavar="DIR", help=h("work"))

    command("sandbox", cmd_sandbox)

    p = command("issue-form", cmd_issue_form, help_key="issue_form")
    p.add_argument("--check", action="store_true", help=h("check_fresh"))

    p = command("draft-from-issue", cmd_draft_from_issue, help_key="draft_from_issue")
    p.add_argument("--issue", type=int, help=h("issue"))

    command("new", cmd_new)

    p = command("setup", cmd_setup)
    p.add_argument("--apply", action="store_true", help=h("apply"))
    p.add_argument("--data-branch", default=DATA_BRANCH, help=h("data_branch"))
    return parser


def _language(argv: Sequence[str]) -> str:
    """The language of the help and of errors before sop.yml is read: --lang, else sop.yml's."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", choices=LANGUAGES)
    early.add_argument("--root")
    known, _ = early.parse_known_args(argv)
    if known.lang:
        return str(known.lang)
    config = Path(known.root) / CONFIG_NAME if known.root else find_config(Path.cwd())
    try:
        return load_sop(config).language if config is not None and config.is_file() else "id"
    except KontenError:
        return "id"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _language(argv)
    args = build_parser(lang).parse_args(argv)
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
