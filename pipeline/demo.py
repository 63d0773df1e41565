"""`konten demo`: the whole SOP, end to end, on this machine, with no network and no accounts.

It starts the sandbox (the same faithful servers the tests use), creates a repository from the
project's own `sop.yml` and sample content with sandbox logins in the roles, and plays the SOP
on one item with a clock it advances: the author opens the PR; the Sub-coordinator says *ya*;
the Head of Division says *tidak* (late, past the standard); the author corrects; the chain runs
again to the Commissioner's final *ya*, the Secretary only after the scheduled `konten remind`
has reminded them (once). After every event it runs the real `konten check`, as the workflow
would, and shows what an approver sees; `konten announce` tells the sandbox's Telegram group of the
final *ya* and, after the real `konten publish` against the sandbox platforms, that the item is
live. Then `konten archive build`, the record, and the archive served. It narrates in the SOP's
language (`--lang` overrides it), in SOP terms, from the `demo_text` catalogue.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline import demo_text, messages  # noqa: F401 - demo_text registers the sentences used here
from pipeline.config import Sop, load_sop
from pipeline.messages import t
from pipeline.sandbox import OWNER, REPO, Sandbox, environment

DEMO_ITEM = "2026/12/video-ayo-cek-dpt"
TITLE = "Ayo Cek DPT"
AUTHOR = "rina-tekmas"
ROLES = {
    "subkoordinator-tekmas": "budi-subkoor",
    "kabag-hth": "sari-kabag",
    "sekretaris": "agus-sekretaris",
    "komisioner-sosdiklih-parmas": "dewi-komisioner",
}
ADMIN = "admin-medsos"
START = datetime.fromisoformat("2026-12-02T07:30:00+07:00")


@dataclass
class Clock:
    """The demo's time: it starts at `START` and moves only when the demo says so."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@dataclass
class Demo:
    project: Path
    work: Path
    say: Callable[[Any], None]
    lang: str = "id"
    clock: Clock = field(default_factory=Clock)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def repo(self) -> str:
        return f"{OWNER}/{REPO}"

    @cached_property
    def sop(self) -> Sop:
        """The SOP the demo plays, as written into its repository by `run`."""
        return load_sop(self.work / "main" / "sop.yml")

    @cached_property
    def actors(self) -> dict[str, str]:
        """Each login's part in the SOP, by the SOP's own names, so the narration says who acts."""
        names = {AUTHOR: self.sop.author_name} | {login: self.sop.publisher_name for login in self.sop.admins}
        return names | {login: role.name for role in self.sop.chain for login in role.members}

    # -- the stage --------------------------------------------------------------------------
    def sop_text(self) -> str:
        """The project's sop.yml with sandbox logins in place of the placeholders."""
        text = (self.project / "sop.yml").read_text(encoding="utf-8")
        placeholders = {
            "ganti-subkoor-tekmas": ROLES["subkoordinator-tekmas"],
            "ganti-kabag-hth": ROLES["kabag-hth"],
            "ganti-sekretaris": ROLES["sekretaris"],
            "ganti-komisioner": ROLES["komisioner-sosdiklih-parmas"],
            "ganti-admin-medsos": ADMIN,
        }
        for old, new in placeholders.items():
            text = text.replace(old, new)
        from pipeline.sandbox.meta import MetaServer
        from pipeline.sandbox.telegram import TelegramServer

        text = text.replace('page_id: "000000000000000"', f'page_id: "{MetaServer.PAGE_ID}"\n    app_id: "{MetaServer.APP_ID}"')
        text = text.replace('user_id: "00000000000000000"', f'user_id: "{MetaServer.IG_USER_ID}"')
        text += f'\nannounce:\n  telegram:\n    chat_id: "{TelegramServer.GROUP}"\n'  # the sandbox's group chat
        return re.sub(r"language: \w+", f"language: {self.lang}", text, count=1)

    def files(self, folder: Path, prefix: str) -> dict[str, bytes]:
        return {f"{prefix}/{p.relative_to(folder).as_posix()}": p.read_bytes()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    def write(self, target: Path, files: dict[str, bytes | None]) -> None:
        for name, data in files.items():
            path = target / name
            if data is None:
                path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    # -- running konten as the workflow would ------------------------------------------------
    def cli(self, env: dict[str, str], *command: str) -> tuple[int, str]:
        """Run `konten COMMAND` on the demo's repository at the demo's time, as its workflow would;
        returns the exit code and what it printed (the workflow's log), for the demo to show or not."""
        from pipeline.cli import main

        printed = io.StringIO()
        with environment({**env, "GITHUB_STEP_SUMMARY": str(self.work / "summary.md"),
                          "GITHUB_OUTPUT": str(self.work / "outputs.txt")}), \
                contextlib.redirect_stdout(printed):
            code = main(["--root", str(self.work / "main"), *command, "--now", self.clock.now.isoformat()])
        return code, printed.getvalue()

    def log(self, printed: str) -> None:
        """Show a workflow's log, indented under the narration line it belongs to."""
        from rich.markup import escape

        for line in printed.splitlines():
            self.say(f"  [dim]{escape(line)}[/]" if line.startswith("konten ") else f"  {escape(line)}")

    def check(self, sandbox: Sandbox, number: int, event: str, action: str, sender: str, **extra: Any) -> None:
        """Run `konten check` for a PR event; show what an approver sees (its log only if it failed)."""
        payload = sandbox.github.event_payload(self.repo, number, event, action, sender, **extra)
        event_path = self.work / "event.json"
        event_path.write_text(json.dumps(payload), encoding="utf-8")
        env = {**sandbox.environ(), "GITHUB_EVENT_PATH": str(event_path), "GITHUB_EVENT_NAME": event}
        code, printed = self.cli(env, "check", "--head", str(self.work / "pr-head"))
        if code:
            self.log(printed)
        statuses = sandbox.github.statuses(self.repo, sandbox.github.pull(self.repo, number)["head"]["sha"])
        status = statuses[0] if statuses else {"state": "?", "description": ""}
        comment = next((c["body"] for c in sandbox.github.comments(self.repo, number)
                        if "konten:chain" in c["body"]), "")
        self.events.append({"at": self.clock.now, "event": f"{event}.{action}", "by": sender,
                            "state": status["state"], "description": status["description"],
                            "requested": sandbox.github.requested_reviewers(self.repo, number), "exit": code})
        self.show(status, comment)

    def show(self, status: dict[str, Any], comment: str) -> None:
        from rich.markdown import Markdown
        from rich.panel import Panel

        colours = {"success": "green", "pending": "yellow", "failure": "red", "error": "red"}
        state = status["state"]
        label = t(f"demo.status.{state}", self.lang) if state in colours else state
        self.say(f"[bold {colours.get(state, 'white')}]● {label}[/] — {status['description']}")
        terminal = re.sub(r"</?(details|summary)[^>]*>|<!--.*?-->|<sub>|</sub>|<b>|</b>", "", comment)
        self.say(Panel(Markdown(terminal.split("#### ")[0]), title=t("demo.comment", self.lang), border_style="dim"))

    # -- the SOP, played ------------------------------------------------------------------------
    def run(self, serve: bool = True, port: int = 8000) -> dict[str, Any]:
        main_dir = self.work / "main"
        head_dir = self.work / "pr-head"
        item = self.project / "content" / DEMO_ITEM
        base_files = {"sop.yml": self.sop_text().encode("utf-8")}
        self.write(main_dir, base_files)
        with Sandbox(media_root=main_dir / "content", clock=self.clock) as sandbox:
            gh = sandbox.github
            collaborators = {login: "write" for login in [AUTHOR, *ROLES.values()]} | {ADMIN: "admin"}
            gh.create_repo(OWNER, REPO, base_files, collaborators=collaborators)
            self.say(f"[bold]{t('demo.sandbox', self.lang)}[/]\n  GitHub {gh.url} · X {sandbox.x.url} · "
                     f"Meta {sandbox.meta.url} · YouTube {sandbox.youtube.url} · TikTok {sandbox.tiktok.url}")
            if not sandbox.checked:
                self.say(f"  [dim]{t('demo.unchecked', self.lang)}[/]")

            # Steps 1-2: the author drafts the item and submits it as a pull request.
            branch = "konten/ayo-cek-dpt"
            gh.create_branch(self.repo, branch)
            draft = self.files(item, f"content/{DEMO_ITEM}")
            draft_text = draft[f"content/{DEMO_ITEM}/index.md"].decode()
            draft[f"content/{DEMO_ITEM}/index.md"] = draft_text.replace("cukup dengan NIK", "cukup NIK").encode()
            pr_title = t("demo.pr_title", self.lang, title=TITLE)  # remind and announce quote it
            gh.commit(self.repo, branch, draft, AUTHOR, pr_title)
            self.write(head_dir, {**base_files, **draft})
            self.clock.advance(65)
            number = gh.open_pull(self.repo, branch, "main", AUTHOR, pr_title,
                                  f"Mohon persetujuan konten video {TITLE}.")
            self.step("1–2", AUTHOR, t("demo.submits", self.lang, title=TITLE))
            self.check(sandbox, number, "pull_request", "opened", AUTHOR)

            self.clock.advance(12)
            self.review(sandbox, number, "subkoordinator-tekmas", "APPROVE", "demo.note.on_to_kabag")
            self.clock.advance(41)  # past the 30-minute standard
            self.review(sandbox, number, "kabag-hth", "REQUEST_CHANGES", "demo.note.fix_first")

            self.clock.advance(8)
            fixed = {f"content/{DEMO_ITEM}/index.md": draft_text.encode()}
            before = gh.branch_sha(self.repo, branch)
            gh.commit(self.repo, branch, fixed, AUTHOR, "Perbaikan sesuai arahan Kabag HTH")
            self.write(head_dir, fixed)
            self.step("1", AUTHOR, t("demo.corrects", self.lang))
            self.check(sandbox, number, "pull_request", "synchronize", AUTHOR, before=before)

            for role, minutes, note in (("subkoordinator-tekmas", 6, "demo.note.yes"),
                                        ("kabag-hth", 9, "demo.note.fixed"), ("sekretaris", 38, "demo.note.yes"),
                                        ("komisioner-sosdiklih-parmas", 22, "demo.note.publish")):
                if minutes > 30:  # the scheduled reminder: past the standard it reminds, once only
                    for wait in (31, 5):
                        self.clock.advance(wait)
                        self.konten(sandbox, "remind")
                    minutes -= 36
                self.clock.advance(minutes)
                self.review(sandbox, number, role, "APPROVE", note)
            self.konten(sandbox, "announce", "--ledger", str(self.work / "ledger"))  # step 6, to the group

            # Step 7: the final concept reaches the admin: the PR is merged.
            self.clock.advance(3)
            gh.merge(self.repo, number, ADMIN)
            self.write(main_dir, self.files(item, f"content/{DEMO_ITEM}"))
            self.step("7", ADMIN, t("demo.merges", self.lang))

            # Step 8: the publisher posts it everywhere, exactly once.
            self.clock.advance(2)
            self.step("8", ADMIN, t("demo.publishes", self.lang))
            published = self.publish(sandbox)
            self.konten(sandbox, "announce", "--ledger", str(self.work / "ledger"))  # step 8, to the group
            archive = self.archive()
            self.summary(sandbox, published)
            observed = self.observe(sandbox, number)
        if serve:
            self.serve(archive, port)
        return {"events": self.events, "published": published, "archive": archive, "observed": observed}

    def observe(self, sandbox: Sandbox, number: int) -> dict[str, Any]:
        """What the sandbox saw: for the end-to-end test and for anyone curious."""
        requests = [json.loads(r.body or b"{}").get("reviewers", [])
                    for r in sandbox.github.calls("POST", rf"/pulls/{number}/requested_reviewers$")]
        return {
            "review_requests": requests,
            "posts": {
                "x": len(sandbox.x.posts),
                "facebook": len(sandbox.meta.page_posts),
                "instagram": len(sandbox.meta.ig_media),
                "youtube": len(sandbox.youtube.videos),
                "tiktok": len(sandbox.tiktok.posts),
            },
            "reminders": [c["body"] for c in sandbox.github.comments(self.repo, number)
                          if "konten:remind" in c["body"]],
            "group_chat": [m["text"] for m in sandbox.telegram.sent],
        }

    def review(self, sandbox: Sandbox, number: int, role: str, state: str, note: str) -> None:
        """`role`'s member says ya (APPROVE) or tidak (REQUEST_CHANGES) with the catalogue's `note`."""
        login, body = ROLES[role], t(note, self.lang)
        sandbox.github.review(self.repo, number, login, state, body)
        step = next(s.n for s in self.sop.steps if s.role == role and s.does == "review")
        self.step(str(step), login, t("demo.approves" if state == "APPROVE" else "demo.returns", self.lang, note=body))
        self.check(sandbox, number, "pull_request_review", "submitted", login)

    def konten(self, sandbox: Sandbox, *command: str) -> int:
        """Run a scheduled `konten` command as its workflow would; show what it printed."""
        code, printed = self.cli(sandbox.environ(), *command)
        when = messages.format_time(self.clock.now, ZoneInfo("Asia/Jakarta"), self.lang)
        self.say(f"\n[bold cyan]{when}[/] · [magenta]{t('demo.scheduled', self.lang)}[/] · konten {command[0]}: "
                 f"{t('demo.job.' + command[0], self.lang)}")
        self.log(printed)
        return code

    def step(self, step: str, login: str, what: str) -> None:
        """Narrate an SOP step: when, which step, who by their part in the SOP, and what they do."""
        when = messages.format_time(self.clock.now, ZoneInfo("Asia/Jakarta"), self.lang)
        self.say(f"\n[bold cyan]{when}[/] · {t('demo.step', self.lang, step=step)} · "
                 f"{self.actors[login]} (@{login}) {what}")

    def publish(self, sandbox: Sandbox) -> list[dict[str, Any]]:
        """Run `konten publish` as the workflow does after the merge; its log only if it failed
        (the table of posts at the end shows the outcome)."""
        from pipeline.ledger import FolderStore, Ledger

        env = {**sandbox.environ(), "GITHUB_SHA": sandbox.github.branch_sha(self.repo, "main"), "GITHUB_RUN_ID": "1"}
        code, printed = self.cli(env, "publish", "--ledger", str(self.work / "ledger"))
        if code:
            self.log(printed)

        ledger = Ledger(FolderStore(self.work / "ledger"))
        rows = []
        for record, platforms in ledger.items():
            for name, rec in sorted(platforms.items()):
                rows.append({"item": record.item, "platform": name, "state": rec.state, "url": rec.url})
        self.say(t("demo.publish_failed", self.lang, code=code) if code else t("demo.published", self.lang))
        return rows

    def archive(self) -> Path:
        from pipeline.archive import build

        out = self.work / "site"
        build(self.work / "main", self.work / "ledger", out, self.sop, now=self.clock.now, out=self.say)
        return out

    def summary(self, sandbox: Sandbox, published: list[dict[str, Any]]) -> None:
        from rich.table import Table

        from pipeline.ledger import FolderStore, Ledger

        lang = self.lang
        record = Ledger(FolderStore(self.work / "ledger")).item(DEMO_ITEM)
        table = Table(title=t("demo.record", lang))
        for column in ("check.col.step", "check.col.role", "check.col.who", "check.col.taken", "demo.col.overdue"):
            table.add_column(t(column, lang))
        for step in record.steps if record else []:
            taken = f"{step.minutes_taken:g}" if step.minutes_taken is not None else "—"
            table.add_row(str(step.step), step.name, ", ".join("@" + w for w in step.by),
                          f"{taken} / {t('check.minutes', lang, n=step.standard)}", "⏰" if step.overdue else "")
        self.say(table)
        posts = Table(title=t("demo.posts", lang))
        for column in ("demo.col.platform", "check.col.state", "demo.col.link"):
            posts.add_column(t(column, lang))
        for row in published:
            posts.add_row(messages.platform_label(row["platform"]), t(f"publish.state.{row['state']}", lang),
                          row["url"] or "")
        self.say(posts)

    def serve(self, site: Path, port: int) -> None:
        from pipeline.archive import serve

        serve(site, port=port, lang=self.lang, out=self.say)


def run_demo(project: Path, serve: bool = True, port: int = 8000, lang: str = "id",
             work: Path | None = None) -> dict[str, Any]:
    from rich.console import Console

    console = Console()
    folder = work or Path(tempfile.mkdtemp(prefix="konten-demo-"))
    try:
        return Demo(project, folder, console.print, lang).run(serve=serve, port=port)
    finally:
        if work is None and not serve:
            shutil.rmtree(folder, ignore_errors=True)
