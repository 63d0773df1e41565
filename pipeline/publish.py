"""`konten publish`: SOP steps 7–8, every due item onto every platform it targets, exactly once.

Order of work:
1. read and validate the items on the default branch; keep those due (`publish_at` passed or
   absent), in order of `publish_at`;
2. for an item that still has a platform to do, re-verify the approval chain of the PR that
   brought it in, with this (default-branch) evaluator — a forged or bypassed status publishes
   nothing — and record the approval trail in the ledger;
3. one worker per platform walks the items in order (a slow platform holds up only itself):
   claim `pending` in the ledger (compare-and-swap: a second run loses the claim), post, then
   record `published`, `failed` or `unknown`.
Tokens come only from the environment and are masked out of everything written or printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import httpx

from pipeline import hours, messages
from pipeline.chain import PullFacts, Verdict, evaluate
from pipeline.config import Sop
from pipeline.content import Item, Media
from pipeline.errors import ApprovalError, GitHubError
from pipeline.ledger import (
    Conflict,
    ItemRecord,
    Ledger,
    PlatformRecord,
    StepRecord,
    file_digest,
    fingerprint,
)
from pipeline.platforms import PLATFORMS
from pipeline.platforms.base import Job, Platform, TokenStore
from pipeline.platforms.transport import Api, PostError, json_reason
from pipeline.validate import validate_paths

MAX_AUTO_ATTEMPTS = 3


@dataclass
class Attempt:
    """What happened to one item on one platform in this run."""

    item: str
    platform: str
    state: str  # published, failed, unknown, skipped, dry-run, refused, invalid, gave-up
    url: str | None = None
    reason: str | None = None


@dataclass
class Approval:
    """The verified approval of an item: the PR and the SOP steps as the ledger keeps them."""

    pr: dict[str, object]
    steps: list[StepRecord]


class Redactor:
    """Masks every secret value wherever text leaves the process (ledger, logs, summaries)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # also as an exception would quote it: trimmed, or with escapes (a pasted trailing newline)
        forms = {f for s in secrets if s for f in (s, s.strip(), repr(s)[1:-1], json.dumps(s)[1:-1])}
        self.secrets = sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def all_secret_names() -> list[str]:
    names = [n for p in PLATFORMS.values() for n in p.secrets]
    return names + ["GITHUB_TOKEN", "KONTEN_TOKEN_KEY"]


def content_digest(item: Item) -> str:
    """The fingerprint of what an item says and shows, whatever its folder is called."""
    return fingerprint(item.title, item.caption, [file_digest(m.path) for m in item.media])


def is_due(item: Item, now: datetime) -> bool:
    """Whether the item's time has come (no time = as soon as merged)."""
    return item.publish_at is None or item.publish_at <= now


def due_items(items: list[Item], now: datetime) -> list[Item]:
    """Items whose time has come, earliest first."""
    floor = datetime.min.replace(tzinfo=timezone.utc)
    return sorted((i for i in items if is_due(i, now)), key=lambda i: (i.publish_at or floor, i.id))


def approval_steps(sop: Sop, verdict: Verdict, facts: PullFacts, merged_at: datetime | None,
                   published_at: datetime | None, scheduled: datetime | None = None) -> list[StepRecord]:
    """The SOP's eight steps as they happened, for the archive's approval record.

    Step 8 (posting) starts when the item may go out: at the merge, or at its `publish_at` when
    that is later -- an item scheduled for Wednesday is not late on Monday evening.
    """

    def minutes(start: datetime | None, end: datetime | None) -> float | None:
        return hours.minutes(start, end, sop.office_hours) if start and end else None

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    drafted = facts.commits[0].at if facts.commits else None  # when the concept first existed as a commit
    submit = minutes(drafted, facts.ready_at)
    steps = [StepRecord(1, "author", sop.author_name, [facts.author], None, iso(drafted), None, sop.draft_minutes,
                        False),
             StepRecord(2, "author", sop.author_name, [facts.author], iso(drafted), iso(facts.ready_at), submit,
                        sop.submit_minutes, submit is not None and submit > sop.submit_minutes)]
    for n, (role, status) in enumerate(zip(sop.chain, verdict.roles), start=3):
        taken = minutes(status.started_at, status.finished_at)
        steps.append(StepRecord(n, role.id, role.name, [login for login, _ in status.approvers],
                                iso(status.started_at), iso(status.finished_at), taken, role.minutes,
                                taken is not None and taken > role.minutes))
    final = verdict.roles[-1].finished_at if verdict.roles else None
    handover = minutes(final, merged_at)
    steps.append(StepRecord(len(steps) + 1, sop.chain[-1].id, sop.chain[-1].name, [], iso(final), iso(merged_at),
                            handover, sop.handover_minutes, handover is not None and handover > sop.handover_minutes))
    due = max(merged_at, scheduled) if merged_at and scheduled else merged_at
    posting = minutes(due, published_at)
    steps.append(StepRecord(len(steps) + 1, "publisher", sop.publisher_name, list(sop.admins), iso(due),
                            iso(published_at), posting, sop.publish_minutes,
                            posting is not None and posting > sop.publish_minutes))
    return steps


class GitHubApprovals:
    """Finds the PR that brought an item in and re-evaluates its chain (default-branch code)."""

    def __init__(self, gh: object, sop: Sop, root: Path, ledger: Ledger, head_sha: str | None = None) -> None:
        self.gh = gh
        self.sop = sop
        self.root = root
        self.ledger = ledger
        self.head_sha = head_sha

    def _candidates(self, item: Item) -> list[int]:
        record = self.ledger.item(item.id)
        if record is not None and record.pr.get("number") and record.fingerprint == content_digest(item):
            return [int(record.pr["number"])]  # type: ignore[call-overload]
        # New, or changed since its record was written (a later push): the last change's PR decides.
        shas = []
        if (self.root / ".git").exists():
            out = subprocess.run(["git", "-C", str(self.root), "log", "-1", "--format=%H", "--", f"content/{item.id}"],
                                 capture_output=True, text=True, check=False)
            shas.append(out.stdout.strip())
        if self.head_sha:
            shas.append(self.head_sha)
        numbers: list[int] = []
        for sha in filter(None, shas):
            numbers += [n for n in self.gh.pulls_for_commit(sha) if n not in numbers]  # type: ignore[attr-defined]
        return numbers

    def verify(self, item: Item) -> Approval:
        for number in self._candidates(item):
            pull = self.gh.pull(number)  # type: ignore[attr-defined]
            if not any(f.startswith(f"content/{item.id}/") for f in pull.files):
                continue
            if not pull.merged:
                raise ApprovalError("publish.not_merged", item=item.id, number=number)
            verdict = evaluate(self.sop.chain, pull.facts, pull.merged_at or datetime.now(timezone.utc),
                               one_role_per_person=self.sop.one_role_per_person, hours=self.sop.office_hours)
            if verdict.state != "approved":
                raise ApprovalError("publish.not_approved", item=item.id, number=number,
                                    done=verdict.approved_count, total=len(self.sop.chain))
            pr = {"number": number, "url": pull.html_url, "author": pull.facts.author,
                  "merged_at": pull.merged_at.isoformat() if pull.merged_at else None, "title": pull.title}
            return Approval(pr, approval_steps(self.sop, verdict, pull.facts, pull.merged_at, None, item.publish_at))
        raise ApprovalError("publish.no_pr", item=item.id)


@dataclass
class Publisher:
    sop: Sop
    root: Path
    ledger: Ledger
    approvals: Callable[[Item], Approval] | None  # None only for --dry-run without GitHub
    tokens: TokenStore
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    media_base_url: str = ""
    run_id: str | None = None
    out: Callable[[str], None] = print
    transport: httpx.BaseTransport | None = None  # for tests that need a specific transport
    sleep: Callable[[float], None] | None = None

    def __post_init__(self) -> None:
        self.redact = Redactor(self.environ.get(n, "") for n in all_secret_names())
        self._lock = threading.Lock()
        self.keys: dict[str, str] = {}  # a renamed folder -> the ledger id its content was first recorded as
        self.published = 0  # posts made in this run, counted as they go live (the archive rebuilds on it)

    def key(self, item: Item) -> str:
        """The item's id in the ledger (its first folder's name, if the folder was renamed since)."""
        return self.keys.get(item.id, item.id)

    # -- what to do ---------------------------------------------------------------------------
    def items(self) -> tuple[list[Item], list[Attempt]]:
        """The valid items, and a row for each invalid one that still has platforms to post to.

        An invalid item on the default branch was merged past its validation (the required
        status is the chain's): it is not posted, and every run says so until it is fixed.
        """
        lang = self.sop.language
        report = validate_paths([self.root / "content"], self.sop, self.root / "content")
        first: dict[str, str] = {}
        for problem in report.errors:  # named from the repository's root, as the author knows them
            first.setdefault(problem.file, problem.render(lang).replace(f"{self.root}{os.sep}", ""))
        parsed = {i.file for i in report.items}
        content = (self.root / "content").resolve()
        folders = {file: Path(file).resolve().parent for file in first if file not in parsed}  # file: as shown
        rows = [Attempt(folder.relative_to(content).as_posix() if folder.is_relative_to(content) else "-", "-",
                        "invalid", reason=first[file]) for file, folder in folders.items()]
        valid = []
        for item in report.items:
            if item.file not in first:
                valid.append(item)
            elif is_due(item, self.now()):
                rows += [Attempt(item.id, p, "invalid", reason=first[item.file]) for p in self.todo(item)]
        for row in rows:
            self.out(messages.t("publish.invalid", lang, problem=f"{row.item}: {row.reason}"))
        return valid, rows

    def todo(self, item: Item) -> list[str]:
        """The platforms of `item` that still need a post: never posted, or failed and retryable.

        `published`, `unknown` and `pending` (another run, or a dead one: then unknown) are left
        alone; the admin resolves those with `konten ledger resolve`.
        """
        names = []
        for target in item.targets:
            record, _ = self.ledger.platform(self.key(item), target.platform)
            if record is None or (record.state == "failed" and record.attempts < MAX_AUTO_ATTEMPTS):
                names.append(target.platform)
        return names

    def waiting_for_admin(self, item: Item) -> list[Attempt]:
        """Posts only the admin can settle (unknown, a dead run's claim, failed too often): shown
        on every run until `konten ledger resolve` settles them, so none is forgotten."""
        rows = []
        for target in item.targets:
            record, _ = self.ledger.platform(self.key(item), target.platform)
            if record is None:
                continue
            state = record.effective_state(self.now())  # a dead run's `pending` is `unknown`
            if state == "failed" and record.attempts >= MAX_AUTO_ATTEMPTS:
                state = "gave-up"
            if state in ("unknown", "gave-up"):
                since = messages.format_time(datetime.fromisoformat(record.at), self.sop.timezone, self.sop.language)
                rows.append(Attempt(item.id, target.platform, state, reason=messages.t(
                    "publish.since", self.sop.language, since=since, reason=record.error or "-")))
        return rows

    def media_url(self, item: Item) -> Callable[[Media], str]:
        """Where Instagram and TikTok fetch the media: `media_base_url` (e.g. a CDN or the archive's
        `/media`), else the repository's raw files at the merged commit — public the moment the
        item is merged, which the archive (deployed after publishing) is not yet."""
        base = self.media_base_url.rstrip("/")
        if not base:
            repo = self.environ.get("GITHUB_REPOSITORY", "")
            ref = self.environ.get("GITHUB_SHA") or "HEAD"
            base = f"https://raw.githubusercontent.com/{repo}/{ref}/content"
        return lambda media: f"{base}/{quote(item.id)}/{quote(media.file)}"

    # -- the run ------------------------------------------------------------------------------
    def run(self, dry_run: bool = False) -> list[Attempt]:
        lang = self.sop.language
        work: list[tuple[Item, list[str]]] = []
        valid, attempts = self.items()
        for item in due_items(valid, self.now()):
            platforms = self.todo(item)
            if not platforms or dry_run:
                attempts += self.waiting_for_admin(item) + (self.describe(item, platforms) if platforms else [])
                continue
            if self.approvals is None:
                raise ValueError("publishing needs the approvals source; only a dry run can go without")
            try:
                approval = self.approvals(item)
            except ApprovalError as exc:
                self.out(messages.t("publish.refused", lang, item=item.id, reason=exc.render(lang)))
                attempts += [Attempt(item.id, p, "refused", reason=exc.render(lang)) for p in platforms]
                continue
            owner = self.record_item(item, approval)
            if owner != item.id:  # a renamed folder: its posts are the first folder's, never made twice
                self.out(messages.t("publish.renamed", lang, item=item.id, owner=owner))
                self.keys[item.id] = owner
                waiting = self.waiting_for_admin(item)  # the first folder's stuck posts, named once
                stuck = {a.platform for a in waiting}
                done = set(platforms) - set(self.todo(item))
                attempts += waiting + [Attempt(item.id, p, "skipped", reason=f"= {owner}")
                                       for p in platforms if p in done and p not in stuck]
                platforms = [p for p in platforms if p not in done]
            elif len(platforms) < len(item.targets):
                attempts += self.waiting_for_admin(item)  # the other platforms may be stuck
            if platforms:
                work.append((item, platforms))
        if dry_run or not work:
            return attempts
        by_platform: dict[str, list[Item]] = {}
        for item, platforms in work:
            for name in platforms:
                by_platform.setdefault(name, []).append(item)
        with ThreadPoolExecutor(max_workers=len(by_platform)) as pool:
            futures = [pool.submit(self.worker, name, items) for name, items in by_platform.items()]
            for future in futures:
                attempts += future.result()
        self.finish_items([item for item, _ in work])
        return attempts

    def describe(self, item: Item, platforms: list[str]) -> list[Attempt]:
        """--dry-run: exactly what would be sent where; nothing is sent, nothing recorded."""
        lang = self.sop.language
        out = []
        for name in platforms:
            target = item.target(name)
            assert target is not None
            media = ", ".join(m.file for m in item.media) or messages.t("preview.no_media", lang)
            self.out(messages.t("publish.would", lang, item=item.id, platform=messages.platform_label(name),
                                caption=target.caption, media=media, options=target.options or ""))
            out.append(Attempt(item.id, name, "dry-run"))
        return out

    def record_item(self, item: Item, approval: Approval) -> str:
        """Write the item's archive record; return the item that owns this content (rename check)."""
        digest = content_digest(item)
        owner = self.ledger.claim_fingerprint(digest, item.id)
        if owner != item.id:
            existing = self.ledger.item(owner)
            if existing is not None and item.id not in existing.aliases:
                existing.aliases.append(item.id)
                self.ledger.write_item(existing)
            return owner
        self.ledger.write_item(ItemRecord(
            item=item.id, title=item.title, kind=item.kind, caption=item.caption,
            platforms=[t.platform for t in item.targets],
            media=[{"file": m.file, "alt": m.alt, "kind": m.info.kind, "mime": m.info.mime} for m in item.media],
            publish_at=item.publish_at.isoformat() if item.publish_at else None,
            fingerprint=digest, pr=approval.pr, steps=approval.steps,
            sop={"number": self.sop.number, "title": self.sop.title},
        ))
        return owner

    def finish_items(self, items: list[Item]) -> None:
        """Close SOP step 8 in each item's record once all its platforms are done."""
        for item in items:
            record = self.ledger.item(self.key(item))
            if record is None:
                continue
            times = []
            for name in record.platforms:
                platform_record, _ = self.ledger.platform(record.item, name)
                if platform_record is None or platform_record.state != "published":
                    break
                times.append(datetime.fromisoformat(platform_record.at))
            else:
                last = record.steps[-1] if record.steps else None
                if times and last is not None and last.finished_at is None:
                    start = datetime.fromisoformat(last.started_at) if last.started_at else None
                    end = max(times)
                    taken = hours.minutes(start, end, self.sop.office_hours) if start else None
                    record.steps[-1] = replace(last, finished_at=end.isoformat(), minutes_taken=taken,
                                               overdue=taken is not None and taken > last.standard)
                    self.ledger.write_item(record)

    def worker(self, name: str, items: list[Item]) -> list[Attempt]:
        platform = PLATFORMS[name]
        missing = [s for s in platform.secrets if not self.environ.get(s)]
        if missing:
            reason = messages.t("publish.no_secret", self.sop.language, names=", ".join(missing))
            return [Attempt(i.id, name, "failed", reason=reason) for i in items]
        timeout = httpx.Timeout(60.0, connect=10.0)
        with httpx.Client(timeout=timeout, transport=self.transport, follow_redirects=False) as client:
            api = Api(client, json_reason, **({"sleep": self.sleep} if self.sleep else {}))
            return [self.post_one(platform, item, api) for item in items]

    def post_one(self, platform: Platform, item: Item, api: Api) -> Attempt:
        name, key = platform.name, self.key(item)
        claimed = Attempt(item.id, name, "skipped", reason=messages.t("publish.claimed", self.sop.language))
        record, version = self.ledger.platform(key, name)
        if record is not None and not (record.state == "failed" and record.attempts < MAX_AUTO_ATTEMPTS):
            return claimed  # another run moved on since todo()
        attempts = record.attempts if record else 0
        history = record.history if record else []
        pending = PlatformRecord(name, "pending", self.now().isoformat(), attempts=attempts + 1, run=self.run_id,
                                 history=history)
        try:
            version = self.ledger.write_platform(key, pending, version)
        except Conflict:
            return claimed
        target = item.target(name)
        assert target is not None
        job = Job(
            item=item, target=target, settings=self.sop.platforms[name].options,
            secrets={s: self.environ[s].strip() for s in platform.secrets}, urls=platform.endpoints(self.environ),
            media_url=self.media_url(item), tokens=self.tokens, progress=self.progress(item, name),
        )
        try:
            posted = platform.publish(job, api)
        except PostError as exc:
            state, reason, url, post_id = exc.outcome, self.redact(exc.render(self.sop.language)), None, None
        except Exception as exc:  # an adapter bug must not lose the claim: the post may exist
            state, reason, url, post_id = "unknown", self.redact(f"{type(exc).__name__}: {exc}"), None, None
        else:
            state, reason, url, post_id = "published", None, posted.url, posted.post_id
            with self._lock:
                self.published += 1
        final = PlatformRecord(name, state, self.now().isoformat(), post_id=post_id, url=url, error=reason,
                               attempts=attempts + 1, run=self.run_id,
                               history=history + [{"state": state, "at": self.now().isoformat(), "error": reason}])
        self.write_final(key, final, version)
        if state == "failed" and final.attempts >= MAX_AUTO_ATTEMPTS:
            state = "gave-up"  # the ledger keeps "failed"; the summary says no run will try again
        return Attempt(item.id, name, state, url=url, reason=reason)

    def write_final(self, item_id: str, record: PlatformRecord, version: str | None) -> None:
        """Record the outcome. A conflict means an admin resolved the record meanwhile: theirs is
        kept unless this run's post went out (or may have) and theirs would let it go out again.
        If GitHub cannot take the record, the claim stays `pending` (so: never posted again by
        itself) and the admin is told the exact command that records what happened."""
        try:
            try:
                self.ledger.write_platform(item_id, record, version)
                return
            except Conflict:
                current, version = self.ledger.platform(item_id, record.platform)
            if record.state in ("published", "unknown") and (current is None or current.state != "published"):
                self.ledger.write_platform(item_id, record, version)
            else:
                self.out(messages.t("publish.conflict", self.sop.language, item=item_id, platform=record.platform))
        except GitHubError as exc:
            self.out(messages.t("publish.unrecorded", self.sop.language, item=item_id, platform=record.platform,
                                state=record.state, url=record.url or "-", reason=exc.render(self.sop.language)))

    def progress(self, item: Item, platform: str) -> Callable[[str, int, int], None]:
        marks: dict[str, int] = {}
        label = messages.platform_label(platform)

        def report(what: str, done: int, total: int) -> None:
            percent = int(done * 100 / total) if total else 100
            step = percent // 25
            if marks.get(what) != step:
                marks[what] = step
                with self._lock:
                    self.out(messages.t("publish.progress", self.sop.language, item=item.id, platform=label,
                                        what=what, percent=percent))

        return report


def summary_markdown(attempts: list[Attempt], lang: str) -> str:
    head = messages.t("publish.table", lang)
    lines = [head, "|---|---|---|---|"]
    for a in attempts:
        link = f"[{a.url}]({a.url})" if a.url else (a.reason or "")
        lines.append(f"| `{a.item}` | {messages.platform_label(a.platform)} | "
                     f"{messages.t('publish.state.' + a.state, lang)} | {link.replace('|', '/')} |")
    return "\n".join(lines) + "\n"
