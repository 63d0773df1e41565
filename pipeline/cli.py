"""`konten`: the command line. Thin: parse arguments, call the stages, print, pick an exit code.

Every `KontenError` becomes a clear message in the SOP's language and exit code 1; a traceback
is a bug.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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
        if exc.params.get("status") == 403 and gh.requests <= 5:
            pull = gh.pull(number)
            if pull.fork:
                ctx.out(messages.t("check.fork", ctx.lang))
                _summary(messages.t("check.fork", ctx.lang))
                return 1
        raise
    line = messages.t("check.summary", ctx.lang, number=number, state=outcome.state, requests=outcome.requests)
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
    from pipeline.admin import ruleset
    from pipeline.github import GitHub

    wanted = ruleset(ctx.sop)
    gh = GitHub.from_env()
    existing = gh.find_ruleset(wanted["name"])
    if not args.apply:
        key = "setup.would_update" if existing else "setup.would_create"
        ctx.out(messages.t(key, ctx.lang, name=wanted["name"], repo=gh.repository))
        ctx.out(json.dumps(wanted, indent=2, ensure_ascii=False))
        return 0
    if existing is None:
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
    attempts = publisher.run(dry_run=args.dry_run)
    if not attempts:
        ctx.out(messages.t("publish.nothing", ctx.lang))
        return 0
    table = summary_markdown(attempts, ctx.lang)
    ctx.out(table)
    _summary(table)
    return 1 if any(a.state in ("failed", "unknown", "refused") for a in attempts) else 0


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

    p = sub.add_parser("check", help="evaluate a PR's approval chain and report it on GitHub")
    p.add_argument("--pr", type=int, help="PR number (default: the PR of GITHUB_EVENT_PATH)")
    p.add_argument("--head", help="folder holding the PR head's files, read as data for previews")
    p.add_argument("--now", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("codeowners", help="write CODEOWNERS from sop.yml (--check: fail if stale)")
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_codeowners)

    p = sub.add_parser("publish", help="post every approved, merged, due item to its platforms, exactly once")
    p.add_argument("--dry-run", action="store_true", help="show what would be sent where; send nothing")
    p.add_argument("--ledger", help="ledger folder (default: the data branch on GitHub)")
    p.add_argument("--data-branch", default="konten-data")
    p.add_argument("--data-checkout", metavar="DIR", help="a checkout of the data branch: reads cost no API request")
    p.add_argument("--media-base-url", help="public URL the media are served from (Instagram, TikTok fetch it)")
    p.add_argument("--now", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("remind", help="remind approvers whose step is past its time standard (once per step)")
    p.add_argument("--now", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_remind)

    p = sub.add_parser("announce", help="tell the group chat about final approvals and items now live (once)")
    p.add_argument("--ledger", help="ledger folder (default: the data branch on GitHub)")
    p.add_argument("--data-branch", default="konten-data")
    p.add_argument("--data-checkout", metavar="DIR", help="a checkout of the data branch: reads cost no API request")
    p.add_argument("--now", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_announce)

    p = sub.add_parser("report", help="how well each SOP step keeps its time standard (Kinerja SOP)")
    p.add_argument("--since", metavar="DATE", help="from this date (YYYY-MM-DD, inclusive)")
    p.add_argument("--until", metavar="DATE", help="up to this date (YYYY-MM-DD, inclusive)")
    p.add_argument("--format", choices=("table", "markdown", "page"), default="table",
                   help="a terminal table, Markdown, or the archive's page (default: table)")
    p.add_argument("--out", help="write the Markdown (or page) to this file")
    p.add_argument("--ledger", help="ledger folder (default: the data branch on GitHub)")
    p.add_argument("--data-branch", default="konten-data")
    p.add_argument("--data-checkout", metavar="DIR", help="a checkout of the data branch: reads cost no API request")
    p.add_argument("--now", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_report)

    ledger = sub.add_parser("ledger", help="the publishing ledger").add_subparsers(dest="ledger_command",
                                                                                   required=True)
    p = ledger.add_parser("resolve", help="settle an unknown post: it is live (--published URL) or --retry")
    p.add_argument("item")
    p.add_argument("platform")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--published", metavar="URL")
    group.add_argument("--retry", action="store_true")
    p.add_argument("--force", action="store_true", help="also when it is published or being posted now")
    p.add_argument("--ledger", help="ledger folder (default: the data branch on GitHub)")
    p.add_argument("--data-branch", default="konten-data")
    p.add_argument("--data-checkout", metavar="DIR", help="a checkout of the data branch: reads cost no API request")
    p.add_argument("--now", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ledger_resolve)

    archive = sub.add_parser("archive", help="the public archive site").add_subparsers(dest="archive_command",
                                                                                        required=True)
    p = archive.add_parser("build", help="write the archive's pages from content/ and the ledger, then build it")
    p.add_argument("--ledger", default="konten-data", help="checkout of the data branch (default: konten-data)")
    p.add_argument("--out", default="site", help="output folder (default: site)")
    p.add_argument("--site-url", help="the site's public address (for the feed and links)")
    p.add_argument("--now", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_archive_build)
    p = archive.add_parser("serve", help="serve the built archive on http://127.0.0.1:PORT/")
    p.add_argument("--out", default="site")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_archive_serve)

    p = sub.add_parser("demo", help="run the whole SOP end to end on local sandbox servers (no accounts)")
    p.add_argument("--no-serve", action="store_true", help="do not serve the archive at the end")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--work", help="keep the demo's repository, ledger and site in this folder")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sandbox", help="start the local GitHub and platform servers and print their settings")
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("issue-form", help="write the 'new content' issue form from sop.yml (--check: fail if stale)")
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_issue_form)

    p = sub.add_parser("draft-from-issue", help="turn a content issue form into a pull request")
    p.add_argument("--issue", type=int, help="issue number (default: the issue of GITHUB_EVENT_PATH)")
    p.set_defaults(func=cmd_draft_from_issue)

    p = sub.add_parser("new", help="ask for an item's fields and write its folder")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("setup", help="protect the default branch with a ruleset (dry run unless --apply)")
    p.add_argument("--apply", action="store_true")
    p.set_defaults(func=cmd_setup)
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
