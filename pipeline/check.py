"""`konten check`: evaluate a PR's approval chain and report it where approvers look.

`report` is pure (verdict and facts in, status line and comment text out); `run` is the thin
orchestration around the GitHub adapter: one status, review requests for the role whose turn
it is, one comment kept up to date, and the announcement of the final *ya* (SOP step 6).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline import messages, preview
from pipeline.chain import RoleStatus, Verdict, evaluate
from pipeline.config import Sop
from pipeline.content import INDEX
from pipeline.github import Comment, GitHub, Pull
from pipeline.preview import environment, templates_dir
from pipeline.validate import Report, validate_paths

MARKER = "<!-- konten:chain -->"
#: when the first role's clock started (opened, or left draft): GitHub's API does not say when a
#: PR left draft without another request, so the comment remembers what the ready_for_review run saw
READY_MARKER = "<!-- konten:ready:{at} -->"
_READY = re.compile(r"<!-- konten:ready:(\S+) -->")
ANNOUNCE_MARKER = "<!-- konten:announce:{sha} -->"
# Who was asked to review in a role's turn: a reviewer who leaves a comment drops off GitHub's
# list of requested reviewers, and must not be asked again in the same turn.
ASKED_MARKER = "<!-- konten:asked {turn} {logins} -->"
_ASKED = re.compile(r"<!-- konten:asked (\S+) (\S*) -->")
STATES = {"approved": "success", "waiting": "pending", "draft": "pending", "returned": "failure"}


@dataclass(frozen=True)
class Outcome:
    state: str  # commit status state
    description: str
    verdict: Verdict | None
    requested: tuple[str, ...]
    comment: str | None
    announce: str | None
    requests: int = 0


def content_files(files: tuple[str, ...]) -> list[str]:
    return [f for f in files if f.startswith("content/")]


def changed_items(files: list[str], head: Path) -> list[Path]:
    """Item folders (in the PR head checkout) that the PR's changed files belong to."""
    folders: list[Path] = []
    for name in files:
        parts = Path(name).parts
        for depth in range(len(parts) - 1, 0, -1):
            folder = head.joinpath(*parts[:depth])
            if (folder / INDEX).is_file():
                if folder not in folders:
                    folders.append(folder)
                break
    return folders


def status_line(verdict: Verdict, sop: Sop, now: datetime) -> str:
    """The commit status description (GitHub keeps 140 characters): who, since when, due when."""
    lang = sop.language
    done = messages.t("check.count", lang, done=verdict.approved_count, total=len(sop.chain))
    if verdict.state == "approved":
        return f"{done} · " + messages.t("check.approved", lang)
    if verdict.state == "draft":
        return messages.t("check.draft", lang)
    current = verdict.current
    assert current is not None and verdict.role is not None
    role = sop.role(verdict.role).name
    if verdict.state == "returned":
        return f"{done} · " + messages.t("check.returned", lang, role=role)
    text = messages.t(
        "check.waiting",
        lang,
        role=role,
        since=messages.format_time(current.started_at, sop.timezone, lang, with_date=False) if current.started_at else "-",
        due=messages.format_time(current.due_at, sop.timezone, lang, with_date=False).split()[0] if current.due_at else "-",
    )
    if current.overdue:
        text += " · " + messages.t("check.overdue", lang)
    return f"{done} · {text}"


def comment_body(
    sop: Sop,
    pull: Pull,
    verdict: Verdict,
    now: datetime,
    report: Report | None,
    root: Path | None = None,
    asked: tuple[str, list[str]] | None = None,
) -> str:
    """The one PR comment: the chain as a table, notes, validation and per-platform previews."""
    lang = sop.language
    rows = [_author_row(sop, pull, lang)] + [
        _role_row(sop, status, n, lang) for n, status in enumerate(verdict.roles, start=3)
    ]
    previews = []
    if report is not None:
        previews = [preview.render(preview.build(item, report.problems, sop), sop, "md", root) for item in report.items]
    env = environment(templates_dir(root))
    return env.get_template("comment.md.j2").render(
        marker="\n".join([MARKER, READY_MARKER.format(at=pull.facts.ready_at.isoformat())]
                         + ([ASKED_MARKER.format(turn=asked[0], logins=",".join(asked[1]))] if asked else [])),
        sop=sop,
        t=lambda key, **p: messages.t(key, lang, **p),
        headline=status_line(verdict, sop, now),
        verdict=verdict,
        rows=rows,
        notes=[_note(n, sop, lang) for n in verdict.notes],
        report=report,
        previews=previews,
        lang=lang,
        now=messages.format_time(now, sop.timezone, lang),
    )


def _author_row(sop: Sop, pull: Pull, lang: str) -> dict[str, Any]:
    return {
        "step": "1–2",
        "role": sop.author_name,
        "who": "@" + pull.facts.author,
        "when": messages.format_time(pull.facts.ready_at, sop.timezone, lang),
        "taken": "",
        "standard": messages.t("check.minutes", lang, n=sop.draft_minutes + sop.submit_minutes),
        "state": "done",
    }


def _role_row(sop: Sop, status: RoleStatus, step: int, lang: str) -> dict[str, Any]:
    role = sop.role(status.role)
    who = ", ".join("@" + login for login, _ in status.approvers) or ", ".join(
        "@" + login for login, _ in status.returned_by
    )
    when = status.finished_at or status.started_at
    taken = status.taken
    return {
        "step": str(step),
        "role": role.name,
        "who": who or (", ".join(status.waiting_on) if status.state == "waiting" else ""),
        "when": messages.format_time(when, sop.timezone, lang) if when else "",
        "taken": messages.format_duration(taken, lang) if isinstance(taken, timedelta) else "",
        "standard": messages.t("check.minutes", lang, n=role.minutes),
        "due": messages.format_time(status.due_at, sop.timezone, lang, with_date=False) if status.due_at else "",
        "state": status.state,
        "overdue": status.overdue,
    }


def _note(note: Any, sop: Sop, lang: str) -> str:
    role = next((r.name for r in sop.chain if r.id == note.role), note.role or "")
    return messages.t(
        f"note.{note.code}", lang, login=note.login or "?", role=role, sha=(note.sha or "")[:7]
    )


def announcement(sop: Sop, pull: Pull) -> str:
    members = sorted({m for role in sop.chain for m in role.members} | set(sop.admins))
    return (
        ANNOUNCE_MARKER.format(sha=pull.facts.head_sha)
        + "\n"
        + messages.t("check.announce", sop.language, title=preview.md_inline(pull.title), sop=sop.number)
        + "\n\n"
        + " ".join("@" + m for m in members)
    )


def evaluate_pull(sop: Sop, pull: Pull, now: datetime) -> Verdict:
    return evaluate(sop.chain, pull.facts, now, one_role_per_person=sop.one_role_per_person, hours=sop.office_hours)


def run(
    gh: GitHub,
    sop: Sop,
    number: int,
    now: datetime,
    head: Path | None = None,
    target_url: str | None = None,
    root: Path | None = None,
    left_draft: bool = False,
) -> Outcome:
    """Evaluate PR `number` and report it on GitHub; at most 8 requests for an ordinary PR.

    `left_draft`: this run is for the PR's `ready_for_review` event, so the first role's time
    starts now. Requests left over after the chain went back are withdrawn by `konten remind`
    (see `stale_requests`): doing it here would break the budget on exactly those events.
    """
    pull = gh.pull(number)
    context = sop.status_context
    files = content_files(pull.files)
    if not files:
        description = messages.t("check.no_content", sop.language)
        gh.set_status(pull.facts.head_sha, "success", description, context, target_url)
        return Outcome("success", description, None, (), None, None, gh.requests)

    comments = own_comments(gh, number)
    mine = next((c for c in comments if MARKER in c.body), None)
    pull = ready_since(pull, comments, now if left_draft else None)

    verdict = evaluate_pull(sop, pull, now)
    wanted: list[str] = []
    asked = None
    if verdict.state == "waiting" and verdict.current is not None:
        current = verdict.current
        turn = f"{current.role}@{current.started_at.isoformat() if current.started_at else '-'}"
        before = asked_in(mine.body if mine else "", turn)
        requested = {r.lower() for r in pull.requested}
        skip = requested | before | {pull.facts.author.lower()}
        wanted = [m for m in current.waiting_on if m.lower() not in skip]
        asked = (turn, sorted(before | {m.lower() for m in current.waiting_on if m.lower() in requested}
                              | {m.lower() for m in wanted}))
    report = None
    if head is not None:
        with contextlib.chdir(head.resolve()):  # name files as the author sees them in the repo
            folders = changed_items(files, Path("."))
            report = validate_paths(folders, sop, Path("content")) if folders else Report()
            body = comment_body(sop, pull, verdict, now, report, root, asked)
    else:
        body = comment_body(sop, pull, verdict, now, report, root, asked)

    # An invalid draft cannot turn green, whatever the chain says: once merged it could not be posted.
    state = STATES[verdict.state] if report is None or not report.errors else "failure"
    description = status_line(verdict, sop, now)
    if report is not None and report.errors:
        description = messages.t("check.invalid", sop.language, errors=len(report.errors)) + " · " + description
    gh.set_status(pull.facts.head_sha, state, description, context, target_url)

    if wanted:  # once per member and turn, never the author
        gh.request_reviewers(number, wanted)
    if mine is None:
        gh.create_comment(number, body)
    elif mine.body != body:
        gh.update_comment(mine.id, body)

    announce = None
    if verdict.state == "approved" and sop.chain[-1].announce:  # sop.yml: the final role's `announce`
        marker = ANNOUNCE_MARKER.format(sha=pull.facts.head_sha)
        if not any(marker in c.body for c in comments):
            announce = announcement(sop, pull)
            gh.create_comment(number, announce)
    return Outcome(state, description, verdict, tuple(wanted), body, announce, gh.requests)


def stale_requests(sop: Sop, pull: Pull, verdict: Verdict) -> list[str]:
    """Chain members still asked to review although it is not their role's turn (the chain went back)."""
    if verdict.state == "returned":  # the returning role keeps its request for the corrected draft
        return []
    due = {m.lower() for m in (verdict.current.waiting_on if verdict.current and verdict.state == "waiting" else ())}
    members = {m.lower() for role in sop.chain for m in role.members}
    return sorted(r for r in pull.requested if r.lower() in members and r.lower() not in due)


def asked_in(body: str, turn: str) -> set[str]:
    """Who the chain comment says was asked to review in `turn` (a role, and when its turn began)."""
    found = _ASKED.search(body)
    return {login for login in found.group(2).split(",") if login} if found and found.group(1) == turn else set()


def own_comments(gh: GitHub, number: int) -> list[Comment]:
    """Only our own comments count: an author could paste a marker to hijack or silence them."""
    return [c for c in gh.comments(number) if c.author.endswith("[bot]")]


def ready_since(pull: Pull, comments: list[Comment], left_draft_at: datetime | None = None) -> Pull:
    """The PR with `ready_at` moved to when it left draft: `left_draft_at` on that event's run,
    else what the chain comment recorded then (the PR's creation time if it never was a draft)."""
    mine = next((c.body for c in comments if MARKER in c.body), "")
    found = _READY.search(mine)
    try:
        recorded = datetime.fromisoformat(found.group(1)) if found else None
    except ValueError:
        recorded = None
    ready = left_draft_at if left_draft_at is not None and not pull.facts.draft else recorded
    if ready is None or ready <= pull.facts.ready_at:
        return pull
    return replace(pull, facts=replace(pull.facts, ready_at=ready))


__all__ = ["Outcome", "run", "status_line", "comment_body", "changed_items", "stale_requests", "own_comments",
           "ready_since"]
