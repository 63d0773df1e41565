"""The GitHub adapter: the only module that knows GitHub's JSON.

It turns REST answers into the plain facts the chain evaluates, and the verdict into a commit
status, review requests and one PR comment. Built on ghapi (sync client); the base URL comes
from `GITHUB_API_URL`, so GitHub Enterprise Server and the local imitation work the same way.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.chain import Commit, PullFacts, Review
from pipeline.errors import GitHubError
from pipeline.ledger import DATA_BRANCH

PER_PAGE = 100


@dataclass(frozen=True)
class Pull:
    """The facts of a pull request that `konten check` acts on."""

    facts: PullFacts
    files: tuple[str, ...]
    title: str
    state: str
    merged: bool
    fork: bool
    base_ref: str
    head_ref: str
    requested: frozenset[str]
    html_url: str
    merged_at: datetime | None = None


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


class GitHub:
    """A repository on GitHub, reached through ghapi with a token from the environment."""

    def __init__(self, repository: str, token: str | None, api_url: str | None = None) -> None:
        from ghapi.all import GhApi

        owner, _, name = repository.partition("/")
        if not owner or not name:
            raise GitHubError("github.repository", value=repository)
        host = (api_url or os.environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
        self.repository = repository
        self.api = GhApi(owner=owner, repo=name, token=token, gh_host=host, sync=True)
        self.requests = 0

    @classmethod
    def from_env(cls) -> GitHub:
        repository = os.environ.get("GITHUB_REPOSITORY", "")
        if not repository:
            raise GitHubError("github.no_repository")
        return cls(repository, (os.environ.get("GITHUB_TOKEN") or "").strip() or None)

    # -- transport --------------------------------------------------------------------------
    def _call(self, op: Callable[..., Any], **kwargs: Any) -> Any:
        from fasttransport.errors import APIError

        self.requests += 1
        try:
            return op(**kwargs)
        except APIError as exc:
            if exc.status_code is None:  # the connection failed: no answer from GitHub at all
                raise GitHubError("github.unreachable", reason=_message(exc)) from None
            raise GitHubError("github.api", status=exc.status_code, message=_message(exc)) from None
        except OSError as exc:
            raise GitHubError("github.unreachable", reason=str(exc)) from None

    def _pages(self, op: Callable[..., Any], **kwargs: Any) -> Iterator[Any]:
        """Every element of a list endpoint, following `Link: rel="next"` (no extra empty page)."""
        page = 1
        while True:
            batch = self._call(op, per_page=PER_PAGE, page=page, **kwargs)
            yield from batch
            if 'rel="next"' not in (self.api.recv_hdrs.get("Link") or self.api.recv_hdrs.get("link") or ""):
                return
            page += 1

    # -- reading ----------------------------------------------------------------------------
    def pull(self, number: int) -> Pull:
        pr = self._call(self.api.pulls.get, pull_number=number)
        commits = [
            Commit(
                sha=c["sha"],
                author=(c.get("author") or {}).get("login"),
                at=parse_time(c["commit"]["committer"]["date"]) or parse_time(pr["created_at"]),
            )
            for c in self._pages(self.api.pulls.list_commits, pull_number=number)
        ]
        files = tuple(f["filename"] for f in self._pages(self.api.pulls.list_files, pull_number=number))
        reviews = [
            Review(
                id=r["id"],
                login=(r.get("user") or {}).get("login", ""),
                state=r["state"],
                commit_id=r.get("commit_id"),
                at=parse_time(r.get("submitted_at")) or parse_time(pr["created_at"]),
            )
            for r in self._pages(self.api.pulls.list_reviews, pull_number=number)
            if r["state"] != "PENDING"
        ]
        facts = PullFacts(
            number=number,
            author=_author(pr["user"]["login"], commits),
            head_sha=pr["head"]["sha"],
            ready_at=parse_time(pr["created_at"]),
            draft=bool(pr.get("draft")),
            commits=tuple(commits),
            reviews=tuple(reviews),
        )
        head_repo = (pr["head"].get("repo") or {}).get("full_name")
        return Pull(
            facts=facts,
            files=files,
            title=pr["title"],
            state=pr["state"],
            merged=bool(pr.get("merged")),
            fork=head_repo != self.repository,
            base_ref=pr["base"]["ref"],
            head_ref=pr["head"]["ref"],
            requested=frozenset(u["login"] for u in pr.get("requested_reviewers") or []),
            html_url=pr["html_url"],
            merged_at=parse_time(pr.get("merged_at")),
        )

    def pulls_for_commit(self, sha: str) -> list[int]:
        """Numbers of the merged PRs that brought `sha` in (merge, squash or rebase commit)."""
        pulls = self._call(self.api.repos.list_pull_requests_associated_with_commit, commit_sha=sha)
        return [p["number"] for p in pulls if p.get("merged_at")]

    def comments(self, number: int) -> list[Comment]:
        return [
            Comment(c["id"], c.get("body") or "", (c.get("user") or {}).get("login", ""))
            for c in self._pages(self.api.issues.list_comments, issue_number=number)
        ]

    # -- writing ----------------------------------------------------------------------------
    def set_status(self, sha: str, state: str, description: str, context: str, target_url: str | None) -> None:
        kwargs: dict[str, Any] = {"sha": sha, "state": state, "description": description[:140], "context": context}
        if target_url:
            kwargs["target_url"] = target_url
        self._call(self.api.repos.create_commit_status, **kwargs)

    def request_reviewers(self, number: int, logins: list[str]) -> None:
        self._call(self.api.pulls.request_reviewers, pull_number=number, reviewers=logins)

    def remove_review_requests(self, number: int, logins: list[str]) -> None:
        self._call(self.api.pulls.remove_requested_reviewers, pull_number=number, reviewers=logins)

    def create_comment(self, number: int, body: str) -> None:
        self._call(self.api.issues.create_comment, issue_number=number, body=body)

    def update_comment(self, comment_id: int, body: str) -> None:
        self._call(self.api.issues.update_comment, comment_id=comment_id, body=body)


    # -- repository set-up ------------------------------------------------------------------
    def find_ruleset(self, name: str) -> int | None:
        return next((r["id"] for r in self._pages(self.api.repos.get_repo_rulesets) if r["name"] == name), None)

    def create_ruleset(self, ruleset: dict[str, Any]) -> None:
        self._call(self.api.repos.create_repo_ruleset, **ruleset)

    def update_ruleset(self, ruleset_id: int, ruleset: dict[str, Any]) -> None:
        self._call(self.api.repos.update_repo_ruleset, ruleset_id=ruleset_id, **ruleset)


class GitHubStore:
    """A ledger `Store` on a data branch through the Contents API; the blob sha is the version,
    so GitHub itself refuses a write based on a stale read (409), which is our compare-and-swap.

    With `mirror` (a checkout of the data branch, made by the workflow) reads cost no request:
    the version of a file is its git blob sha, which is what GitHub compares. Reading every
    record through the API would cost a request per item and platform on every run, and the
    workflow token's 1,000 requests an hour run out at a few hundred items. A mirror that is
    behind (another run wrote since the checkout) only makes a write fail as a conflict.
    """

    def __init__(self, gh: GitHub, branch: str = DATA_BRANCH, mirror: Path | None = None) -> None:
        self.gh = gh
        self.branch = branch
        self.mirror = mirror
        self._ready = False

    def _ensure_branch(self) -> None:
        if self._ready:
            return
        try:
            self.gh._call(self.gh.api.git.get_ref, ref=f"heads/{self.branch}")
        except GitHubError as exc:
            if exc.params.get("status") != 404:
                raise
            repo = self.gh._call(self.gh.api.repos.get)
            base = self.gh._call(self.gh.api.git.get_ref, ref=f"heads/{repo['default_branch']}")
            self.gh._call(self.gh.api.git.create_ref, ref=f"refs/heads/{self.branch}", sha=base["object"]["sha"])
        self._ready = True

    def get(self, path: str) -> tuple[str | None, str | None]:
        import base64

        if self.mirror is not None:
            file = self.mirror / path
            if not file.is_file():
                return None, None
            data = file.read_bytes()
            return data.decode("utf-8"), blob_sha(data)
        self._ensure_branch()
        try:
            data = self.gh._call(self.gh.api.repos.get_content, path=path, ref=self.branch)
        except GitHubError as exc:
            if exc.params.get("status") == 404:
                return None, None
            raise
        return base64.b64decode(data["content"]).decode("utf-8"), data["sha"]

    def put(self, path: str, text: str, version: str | None, message: str) -> str:
        import base64

        from pipeline.ledger import Conflict

        self._ensure_branch()
        kwargs: dict[str, Any] = {"path": path, "message": message, "branch": self.branch,
                                  "content": base64.b64encode(text.encode("utf-8")).decode()}
        if version:
            kwargs["sha"] = version
        try:
            result = self.gh._call(self.gh.api.repos.create_or_update_file_contents, **kwargs)
        except GitHubError as exc:
            if exc.params.get("status") in (409, 422):
                raise Conflict(path) from None
            raise
        if self.mirror is not None:  # later reads in this run see what we wrote
            (self.mirror / path).parent.mkdir(parents=True, exist_ok=True)
            (self.mirror / path).write_bytes(text.encode("utf-8"))
        return str(result["content"]["sha"])

    def list(self, prefix: str) -> Iterator[str]:
        if self.mirror is not None:
            base = self.mirror / prefix
            yield from sorted(p.relative_to(self.mirror).as_posix() for p in base.rglob("*.json") if p.is_file())
            return
        self._ensure_branch()
        try:
            entries = self.gh._call(self.gh.api.repos.get_content, path=prefix, ref=self.branch)
        except GitHubError as exc:
            if exc.params.get("status") == 404:
                return
            raise
        for entry in sorted(entries, key=lambda e: e["path"]):
            if entry["type"] == "dir":
                yield from self.list(entry["path"])
            elif entry["path"].endswith(".json"):
                yield entry["path"]


def blob_sha(data: bytes) -> str:
    """Git's id of a file's content: what the Contents API calls the file's `sha`."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _author(login: str, commits: list[Commit]) -> str:
    """Whose draft it is: a PR opened by a bot (the issue-form flow) belongs to its first commit's
    author, so that person cannot approve their own draft either."""
    if login.endswith("[bot]") and commits and commits[0].author:
        return commits[0].author
    return login


def _message(exc: Any) -> str:
    raw = getattr(exc, "raw", None)
    if isinstance(raw, dict) and raw.get("message"):
        return str(raw["message"])
    return str(getattr(exc, "message", "") or exc)
