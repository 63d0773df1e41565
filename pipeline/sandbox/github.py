"""A faithful in-memory imitation of GitHub's REST API, for tests and for `konten demo`.

`konten check`, the publisher, `konten setup` and the draft-from-issue feature talk to GitHub
through ghapi. This server answers the same operations with the same shapes (every body validates
against GitHub's own response schemas), the same pagination (`Link` headers that point at
`/repositories/{id}/...` like GitHub's do), the same errors (401, 404, 409, 422, 403 rate limit)
and the same headers, so code that passes here has a fair chance of passing on github.com.

Behind the REST surface sits a small git model: repositories with branches, commits with real
git object hashes, blobs and trees; a pull request's commits and files are derived from its base
and head branches, and merging writes a merge (or squash) commit on the base branch.

A Python control API (`create_repo`, `commit`, `open_pull`, `review`, `merge`, readers such as
`statuses`) lets tests and the demo set the stage without HTTP; `event_payload` builds the webhook
payload GitHub would put in `GITHUB_EVENT_PATH`.
"""

from __future__ import annotations

import base64
import difflib
import fnmatch
import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlencode

from pipeline.sandbox.http import FakeServer, Request, Response, route

__all__ = ["GitHubError", "GitHubServer"]

DOCS = "https://docs.github.com/rest"
WEB = "https://github.com"
API = "https://api.github.com"
API_VERSION = "2022-11-28"
ACTIONS_BOT = "github-actions[bot]"
_KNOWN_IDS = {ACTIONS_BOT: 41898282, "web-flow": 19864447}
_PERMISSIONS = {  # role_name -> legacy `permission` value of the collaborator-permission endpoint
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
}
_REVIEW_EVENTS = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
    "APPROVED": "APPROVED",
    "CHANGES_REQUESTED": "CHANGES_REQUESTED",
    "COMMENTED": "COMMENTED",
}
_REPO_URLS = {  # the `*_url` templates of a repository object, relative to its API URL
    "forks": "forks", "keys": "keys{/key_id}", "collaborators": "collaborators{/collaborator}",
    "teams": "teams", "hooks": "hooks", "issue_events": "issues/events{/number}", "events": "events",
    "assignees": "assignees{/user}", "branches": "branches{/branch}", "tags": "tags",
    "blobs": "git/blobs{/sha}", "git_tags": "git/tags{/sha}", "git_refs": "git/refs{/sha}",
    "trees": "git/trees{/sha}", "statuses": "statuses/{sha}", "languages": "languages",
    "stargazers": "stargazers", "contributors": "contributors", "subscribers": "subscribers",
    "subscription": "subscription", "commits": "commits{/sha}", "git_commits": "git/commits{/sha}",
    "comments": "comments{/number}", "issue_comment": "issues/comments{/number}", "contents": "contents/{+path}",
    "compare": "compare/{base}...{head}", "merges": "merges", "archive": "{archive_format}{/ref}",
    "downloads": "downloads", "issues": "issues{/number}", "pulls": "pulls{/number}",
    "milestones": "milestones{/number}", "notifications": "notifications{?since,all,participating}",
    "labels": "labels{/name}", "releases": "releases{/id}", "deployments": "deployments",
}
_STATUS_STATES = ("error", "failure", "pending", "success")
_RULE_TYPES = {
    "creation", "update", "deletion", "required_linear_history", "merge_queue",
    "required_deployments", "required_signatures", "pull_request", "required_status_checks",
    "non_fast_forward", "commit_message_pattern", "commit_author_email_pattern",
    "committer_email_pattern", "branch_name_pattern", "tag_name_pattern", "file_path_restriction",
    "max_file_path_length", "file_extension_restriction", "max_file_size", "workflows",
    "code_scanning", "copilot_code_review",
}


class GitHubError(Exception):
    """An error GitHub would answer with; raised by control methods, served by REST handlers."""

    def __init__(
        self, status: int, message: str, errors: list[Any] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {message}" + (f" {errors}" if errors else ""))
        self.status, self.message, self.errors, self.headers = status, message, errors, headers or {}


def _not_found() -> GitHubError:
    return GitHubError(404, "Not Found")


def _invalid(resource: str, field_name: str, code: str = "missing_field") -> GitHubError:
    return GitHubError(
        422, "Validation Failed", [{"resource": resource, "code": code, "field": field_name}]
    )


def endpoint(method: str, pattern: str, doc: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """`route` plus GitHub's error rendering: a raised GitHubError becomes its JSON answer."""

    def mark(func: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(func)
        def run(self: GitHubServer, request: Request) -> Response:
            try:
                return func(self, request)
            except GitHubError as error:
                return self._error_response(error, f"{DOCS}/{doc}")

        return route(method, pattern)(run)

    return mark


# -- git objects ---------------------------------------------------------------------------------
def _git_hash(kind: str, payload: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(payload)}\0".encode() + payload).hexdigest()


def blob_sha(data: bytes) -> str:
    """The sha git (and GitHub's Contents API) gives a file's content."""
    return _git_hash("blob", data)


def _tree_hash(files: dict[str, bytes], register: dict[str, dict[str, bytes]]) -> str:
    """The real git tree hash of a flat path->bytes map; every (sub)tree is registered by sha."""
    entries: dict[str, tuple[str, str]] = {}
    subtrees: dict[str, dict[str, bytes]] = {}
    for path, data in files.items():
        head, _, rest = path.partition("/")
        if rest:
            subtrees.setdefault(head, {})[rest] = data
        else:
            entries[head] = ("100644", blob_sha(data))
    for name, sub in subtrees.items():
        entries[name] = ("40000", _tree_hash(sub, register))
    payload = b"".join(
        f"{mode} {name}\0".encode() + bytes.fromhex(sha)
        for name, (mode, sha) in sorted(entries.items(), key=lambda e: e[0] + ("/" if e[1][0] == "40000" else ""))
    )
    sha = _git_hash("tree", payload)
    register[sha] = dict(files)
    return sha


def _ts(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _node_id(kind: str, number: int) -> str:
    """GitHub's legacy global node id: base64 of '<len>:<Type><id>'."""
    return base64.b64encode(f"{len(kind):02d}:{kind}{number}".encode()).decode()


@dataclass
class Signature:
    name: str
    email: str
    date: datetime
    login: str | None


@dataclass
class Commit:
    sha: str
    tree: str
    files: dict[str, bytes]
    parents: list[str]
    author: Signature
    committer: Signature
    message: str


@dataclass
class Review:
    id: int
    login: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    body: str
    commit_id: str
    submitted_at: datetime | None


@dataclass
class Comment:
    id: int
    issue: int
    login: str
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Status:
    id: int
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: str
    created_at: datetime


@dataclass
class Issue:
    number: int
    id: int
    login: str
    title: str
    body: str | None
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    pull: Pull | None = None


@dataclass
class Pull:
    number: int
    id: int
    head: str
    base: str
    draft: bool
    head_sha: str | None = None  # frozen when closed
    base_sha: str | None = None  # frozen when closed
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    requested: list[str] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    fork: str | None = None  # owner of the fork the head branch comes from (its commits live here, as refs/pull/N/head)


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    default_branch: str
    private: bool
    description: str | None
    created_at: datetime
    collaborators: dict[str, str]
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    trees: dict[str, dict[str, bytes]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    statuses: list[Status] = field(default_factory=list)
    rulesets: dict[int, dict[str, Any]] = field(default_factory=dict)
    pushed_at: datetime | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class GitHubServer(FakeServer):
    """GitHub's REST API over an in-memory git model; see the module docstring."""

    name = "github"

    def __init__(
        self,
        *,
        token: str = "ghs_sandbox_token",
        actor: str = ACTIONS_BOT,
        clock: Callable[[], datetime] | None = None,
        rate_limit: int = 5000,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(timezone.utc))
        self.tokens: dict[str, str] = {token: actor}
        self.read_only: set[str] = set()  # tokens that may only read, like a fork PR's GITHUB_TOKEN
        self.repos: dict[str, Repo] = {}
        self.users: dict[str, tuple[int, str]] = {}  # login -> (id, type)
        self.rate_limit = rate_limit
        self.rate_used = 0
        self.rate_reset = self.clock() + timedelta(hours=1)
        self._actor, self._request_id = actor, ""
        self._ids = itertools.count(1000)
        self._repo_ids = itertools.count(700000001)
        self._request_ids = itertools.count(1)
        self.add_user(actor)

    # -- control API: setting the stage ---------------------------------------------------------
    def add_user(self, login: str, type: str = "User") -> None:
        """Make a login known (users are also created on first mention). `type`: User/Organization/Bot."""
        with self.lock:
            if login not in self.users:
                kind = "Bot" if login.endswith("[bot]") else type
                self.users[login] = (_KNOWN_IDS.get(login) or next(self._ids) + 5000000, kind)

    def add_token(self, token: str, login: str, read_only: bool = False) -> None:
        """Accept `token` as `login` (e.g. a reviewer's personal token in the demo); a `read_only`
        token is refused every write, as the GITHUB_TOKEN of a run for a fork's PR is."""
        with self.lock:
            self.add_user(login)
            self.tokens[token] = login
            if read_only:
                self.read_only.add(token)

    def create_repo(
        self,
        owner: str,
        name: str,
        files: dict[str, bytes] | None = None,
        *,
        default_branch: str = "main",
        collaborators: dict[str, str] | None = None,
        private: bool = False,
        description: str | None = None,
        owner_type: str = "User",
    ) -> str:
        """Create a repository with one initial commit by the owner; returns 'owner/name'.

        `collaborators` maps login -> role (admin, maintain, write, triage, read).
        """
        with self.lock:
            self.add_user(owner, owner_type)
            for login, role in (collaborators or {}).items():
                if role not in _PERMISSIONS:
                    raise ValueError(f"unknown role {role!r} for {login}")
                self.add_user(login)
            repo = Repo(
                id=next(self._repo_ids), owner=owner, name=name, default_branch=default_branch,
                private=private, description=description, created_at=self.clock(),
                collaborators=dict(collaborators or {}),
            )
            self.repos[repo.full_name] = repo
            sha = self._write_commit(repo, dict(files or {}), [], self._signature(owner), "Initial commit")
            repo.branches[default_branch] = sha
            return repo.full_name

    def create_branch(self, repo: str, branch: str, from_ref: str | None = None) -> str:
        """Create `branch` at `from_ref` (branch or sha; default: the default branch); returns its sha."""
        with self.lock:
            r = self._repo(repo)
            sha = self._resolve(r, from_ref or r.default_branch)
            r.branches[branch] = sha
            return sha

    def commit(
        self, repo: str, branch: str, files: dict[str, bytes | None], author: str, message: str
    ) -> str:
        """Commit changes on top of `branch` (None deletes a path); returns the new commit's sha."""
        with self.lock:
            r = self._repo(repo)
            self.add_user(author)
            parent = r.branches[branch]
            tree = dict(r.commits[parent].files)
            for path, data in files.items():
                if data is None:
                    tree.pop(path, None)
                else:
                    tree[path] = data
            sha = self._write_commit(r, tree, [parent], self._signature(author), message)
            r.branches[branch] = sha
            r.pushed_at = self.clock()
            return sha

    def open_pull(
        self, repo: str, head: str, base: str, author: str, title: str, body: str = "", draft: bool = False,
        fork: str | None = None,
    ) -> int:
        """Open a pull request from `head` into `base`; returns its number. With `fork`, the head
        branch is reported as that owner's fork of the repository."""
        with self.lock:
            self.add_user(author)
            issue = self._create_pull(self._repo(repo), head, base, author, title, body, draft)
            assert issue.pull is not None
            issue.pull.fork = fork
            return issue.number

    def ready_for_review(self, repo: str, number: int) -> None:
        """Mark a draft pull request ready (what the 'Ready for review' button does)."""
        with self.lock:
            issue = self._pull(self._repo(repo), number)
            issue.pull.draft = False  # type: ignore[union-attr]
            issue.updated_at = self.clock()

    def review(
        self, repo: str, number: int, login: str, state: str, body: str = "", commit_id: str | None = None
    ) -> int:
        """Submit a review as `login`; `state` is APPROVE/REQUEST_CHANGES/COMMENT (or APPROVED...)."""
        with self.lock:
            self.add_user(login)
            return self._submit_review(self._repo(repo), number, login, state, body, commit_id).id

    def request_reviewers(self, repo: str, number: int, logins: Iterable[str]) -> None:
        """Request reviews, with GitHub's checks (not the author, only collaborators)."""
        with self.lock:
            r = self._repo(repo)
            self._request(r, self._pull(r, number), list(logins))

    def merge(
        self, repo: str, number: int, login: str, method: str = "merge", sha: str | None = None,
        title: str | None = None, message: str | None = None,
    ) -> str:
        """Merge a pull request as `login`; returns the merge (or squash) commit's sha."""
        with self.lock:
            self.add_user(login)
            r = self._repo(repo)
            return self._merge(r, self._pull(r, number), login, method, sha, title, message)

    def set_status(
        self, repo: str, sha: str, state: str, context: str = "default", description: str | None = None,
        target_url: str | None = None, creator: str = ACTIONS_BOT,
    ) -> int:
        """Post a commit status as `creator` (e.g. another CI); returns its id."""
        with self.lock:
            return self._add_status(self._repo(repo), sha, state, context, description, target_url, creator).id

    def exhaust_rate_limit(self) -> None:
        """Spend the whole rate limit: every request answers 403 until `reset_rate_limit` or reset time."""
        with self.lock:
            self.rate_used = self.rate_limit

    def reset_rate_limit(self) -> None:
        with self.lock:
            self.rate_used = 0
            self.rate_reset = self.clock() + timedelta(hours=1)

    # -- control API: reading -------------------------------------------------------------------
    def branch_sha(self, repo: str, branch: str) -> str:
        with self.lock:
            return self._repo(repo).branches[branch]

    def file(self, repo: str, ref: str, path: str) -> bytes | None:
        """A file's bytes at a branch or sha, or None."""
        with self.lock:
            r = self._repo(repo)
            return r.commits[self._resolve(r, ref)].files.get(path)

    def pull(self, repo: str, number: int) -> dict[str, Any]:
        """The pull request as `GET /pulls/{n}` returns it."""
        with self.lock:
            r = self._repo(repo)
            return self._pull_json(r, self._pull(r, number))

    def statuses(self, repo: str, sha: str) -> list[dict[str, Any]]:
        """All statuses of a commit, newest first (as `GET /commits/{sha}/statuses`)."""
        with self.lock:
            r = self._repo(repo)
            return [self._status_json(r, s) for s in reversed(r.statuses) if s.sha == sha]

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """An issue's or pull request's conversation comments, oldest first."""
        with self.lock:
            r = self._repo(repo)
            return [self._comment_json(r, c) for c in r.comments.values() if c.issue == number]

    def reviews(self, repo: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            r = self._repo(repo)
            issue = self._pull(r, number)
            return [self._review_json(r, issue, v) for v in issue.pull.reviews]  # type: ignore[union-attr]

    def requested_reviewers(self, repo: str, number: int) -> list[str]:
        with self.lock:
            r = self._repo(repo)
            return list(self._pull(r, number).pull.requested)  # type: ignore[union-attr]

    # -- webhook payloads -----------------------------------------------------------------------
    def event_payload(
        self, repo: str, number: int, event: str, action: str, sender: str, **extra: Any
    ) -> dict[str, Any]:
        """The payload GitHub would deliver for a pull_request or pull_request_review event.

        pull_request: `requested_reviewer=login` for review_requested/review_request_removed;
        `before=sha` for synchronize. pull_request_review: the review is `review_id=` or the
        sender's latest one.
        """
        with self.lock:
            self.add_user(sender)
            r = self._repo(repo)
            issue = self._pull(r, number)
            pull = issue.pull
            assert pull is not None
            payload: dict[str, Any] = {"action": action}
            if event == "pull_request":
                payload["number"] = number
                if action == "synchronize":
                    payload["before"] = extra["before"]
                    payload["after"] = self._head_sha(r, pull)
                payload["pull_request"] = self._webhook_pull(r, issue, full=True)
                if "requested_reviewer" in extra:
                    payload["requested_reviewer"] = self._webhook_user(self._user(extra["requested_reviewer"]))
            elif event == "pull_request_review":
                wanted = extra.get("review_id")
                review = next((
                    v for v in reversed(pull.reviews)
                    if (v.id == wanted if wanted is not None else v.login == sender)
                ), None)
                if review is None:
                    raise ValueError(f"no review by {sender} on #{number}")
                body = self._review_json(r, issue, review)
                body["state"] = body["state"].lower()
                body["body"] = review.body or None
                body["user"] = self._webhook_user(body["user"])
                payload["review"] = body
                payload["pull_request"] = self._webhook_pull(r, issue, full=False)
            else:
                raise ValueError(f"unsupported event {event!r}")
            payload["repository"] = self._webhook_repo(r)
            payload["sender"] = self._webhook_user(self._user(sender))
            return payload

    # -- plumbing: auth, rate limit, headers, /repositories/{id} --------------------------------
    def dispatch(self, request: Request) -> Response:
        """Authenticate, count against the rate limit, route, and add GitHub's headers."""
        self._request_id = self._next_request_id()
        now = self.clock()
        if now >= self.rate_reset:
            self.rate_used, self.rate_reset = 0, now + timedelta(hours=1)
        auth = request.header("authorization") or ""
        scheme, _, token = auth.partition(" ")
        if not auth:
            return self._finish(self._error_response(GitHubError(401, "Requires authentication"), DOCS), False)
        if scheme.lower() not in ("token", "bearer") or token not in self.tokens:
            return self._finish(self._error_response(GitHubError(401, "Bad credentials"), DOCS), False)
        self._actor = self.tokens[token]
        if token in self.read_only and request.method not in ("GET", "HEAD"):
            error = GitHubError(403, "Resource not accessible by integration")
            return self._finish(self._error_response(error, DOCS), True)
        if self.rate_used >= self.rate_limit:
            uid = self.users[self._actor][0]
            message = (
                f"API rate limit exceeded for user ID {uid}. If you reach out to GitHub Support for help, "
                f"please include the request ID {self._request_id} and timestamp {now:%Y-%m-%d %H:%M:%S} UTC."
            )
            error = GitHubError(403, message)
            return self._finish(self._error_response(error, f"{DOCS}/overview/rate-limits-for-the-rest-api"), True)
        self.rate_used += 1
        path = unquote(request.path)
        by_id = re.match(r"^/repositories/(\d+)(/.*)?$", path)
        if by_id:
            found = next((r for r in self.repos.values() if r.id == int(by_id.group(1))), None)
            path = f"/repos/{found.full_name}{by_id.group(2) or ''}" if found else "/"
        return self._finish(super().dispatch(replace(request, path=path)), True)

    def not_found(self, request: Request) -> Response:
        return self._error_response(_not_found(), DOCS)

    def _next_request_id(self) -> str:
        n = next(self._request_ids)
        return f"{0x0685 + n:04X}:{0x5DDC + n:04X}:{0x10B68F9 + n:07X}:{0x25FA1BE + n:07X}:{0x62D6354D + n:08X}"

    def _finish(self, response: Response, counted: bool) -> Response:
        headers = {
            "X-GitHub-Api-Version-Selected": API_VERSION,
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Request-Id": self._request_id,
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Expose-Headers": (
                "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, "
                "X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, "
                "X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, "
                "X-GitHub-Request-Id, Deprecation, Sunset"
            ),
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "deny",
        }
        if counted:
            headers.update({
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(max(self.rate_limit - self.rate_used, 0)),
                "X-RateLimit-Reset": str(int(self.rate_reset.timestamp())),
                "X-RateLimit-Used": str(self.rate_used),
                "X-RateLimit-Resource": "core",
            })
        if response.body is not None and not isinstance(response.body, (bytes, str)):
            headers["Content-Type"] = "application/json; charset=utf-8"
        response.headers = {**headers, **response.headers}
        return response

    def _error_response(self, error: GitHubError, documentation_url: str) -> Response:
        body: dict[str, Any] = {"message": error.message}
        if error.errors is not None:
            body["errors"] = error.errors
        body["documentation_url"] = documentation_url
        body["status"] = str(error.status)
        return Response(error.status, body, dict(error.headers))

    @property
    def api_url(self) -> str:
        """Base of the `url` fields: this server once started, api.github.com before."""
        return self.url if self._httpd is not None else API

    def _paginate(self, request: Request, items: list[Any], repo: Repo, cap: int | None = None) -> Response:
        """One page of `items` with GitHub's Link header (URLs under /repositories/{id})."""
        items = items[:cap] if cap is not None else items
        try:
            per_page = min(max(int(request.arg("per_page", "30") or 30), 1), 100)
            page = max(int(request.arg("page", "1") or 1), 1)
        except ValueError:
            per_page, page = 30, 1
        last = max((len(items) + per_page - 1) // per_page, 1)
        response = Response(200, items[(page - 1) * per_page : page * per_page])
        rest = request.path.split(f"/repos/{repo.full_name}", 1)[1]
        params = [(k, v) for k, vs in request.query.items() if k != "page" for v in vs]

        def link(n: int, rel: str) -> str:
            query = urlencode([*params, ("page", str(n))])
            return f'<{self.api_url}/repositories/{repo.id}{rest}?{query}>; rel="{rel}"'

        links = []
        if page > 1:
            links.append(link(min(page - 1, last), "prev"))
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links.append(link(1, "first"))
        if links:
            response.headers["Link"] = ", ".join(links)
        return response

    # -- model helpers --------------------------------------------------------------------------
    def _repo(self, full_name: str) -> Repo:
        try:
            return self.repos[full_name]
        except KeyError:
            raise _not_found() from None

    def _repo_of(self, request: Request) -> Repo:
        return self._repo(f"{request.params['owner']}/{request.params['repo']}")

    def _signature(self, login: str, moment: datetime | None = None) -> Signature:
        uid = self.users[login][0]
        return Signature(login, f"{uid}+{login}@users.noreply.github.com", moment or self.clock(), login)

    def _write_commit(
        self, repo: Repo, files: dict[str, bytes], parents: list[str], author: Signature, message: str,
        committer: Signature | None = None,
    ) -> str:
        committer = committer or author
        tree = _tree_hash(files, repo.trees)
        for data in files.values():
            repo.blobs[blob_sha(data)] = data
        lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
        for role, sig in (("author", author), ("committer", committer)):
            lines.append(f"{role} {sig.name} <{sig.email}> {int(sig.date.timestamp())} +0000")
        sha = _git_hash("commit", ("\n".join(lines) + "\n\n" + message).encode())
        repo.commits[sha] = Commit(sha, tree, dict(files), list(parents), author, committer, message)
        return sha

    def _resolve(self, repo: Repo, ref: str) -> str:
        """A branch name, `heads/x`, `refs/heads/x` or a (possibly short) sha -> commit sha."""
        name = ref.removeprefix("refs/").removeprefix("heads/")
        if name in repo.branches:
            return repo.branches[name]
        if re.fullmatch(r"[0-9a-f]{7,40}", ref):
            found = [sha for sha in repo.commits if sha.startswith(ref)]
            if len(found) == 1:
                return found[0]
        raise GitHubError(404, f"No commit found for the ref {ref}")

    def _ancestors(self, repo: Repo, sha: str) -> list[str]:
        """`sha` and everything reachable from it, nearest first."""
        seen: dict[str, None] = {}
        queue = [sha]
        while queue:
            current = queue.pop(0)
            if current not in seen:
                seen[current] = None
                queue.extend(repo.commits[current].parents)
        return list(seen)

    def _merge_base(self, repo: Repo, a: str, b: str) -> str:
        in_b = set(self._ancestors(repo, b))
        return next(sha for sha in self._ancestors(repo, a) if sha in in_b)

    def _range(self, repo: Repo, base: str, head: str) -> list[Commit]:
        """Commits reachable from head but not from base, oldest first."""
        exclude = set(self._ancestors(repo, base))
        return [repo.commits[s] for s in reversed(self._ancestors(repo, head)) if s not in exclude]

    def _diff(self, old: dict[str, bytes], new: dict[str, bytes]) -> dict[str, tuple[bytes | None, bytes | None]]:
        return {p: (old.get(p), new.get(p)) for p in sorted(set(old) | set(new)) if old.get(p) != new.get(p)}

    def _diff_entries(self, repo: Repo, old: dict[str, bytes], new: dict[str, bytes], ref: str) -> list[dict[str, Any]]:
        entries = []
        for path, (before, after) in self._diff(old, new).items():
            status = "added" if before is None else "removed" if after is None else "modified"
            entry: dict[str, Any] = {
                "sha": blob_sha(after if after is not None else before or b""),
                "filename": path,
                "status": status,
                "additions": 0,
                "deletions": 0,
                "changes": 0,
                "blob_url": f"{WEB}/{repo.full_name}/blob/{ref}/{path}",
                "raw_url": f"{WEB}/{repo.full_name}/raw/{ref}/{path}",
                "contents_url": f"{self.api_url}/repos/{repo.full_name}/contents/{path}?ref={ref}",
            }
            try:
                a = (before or b"").decode().splitlines()
                b = (after or b"").decode().splitlines()
            except UnicodeDecodeError:
                entries.append(entry)
                continue
            lines = list(difflib.unified_diff(a, b, lineterm="", n=3))[2:]
            entry["additions"] = sum(1 for ln in lines if ln.startswith("+"))
            entry["deletions"] = sum(1 for ln in lines if ln.startswith("-"))
            entry["changes"] = entry["additions"] + entry["deletions"]
            if lines:
                entry["patch"] = "\n".join(lines)
            entries.append(entry)
        return entries

    def _role(self, repo: Repo, login: str) -> str | None:
        return "admin" if login == repo.owner else repo.collaborators.get(login)

    def _association(self, repo: Repo, login: str) -> str:
        if login == repo.owner:
            return "OWNER"
        return "COLLABORATOR" if login in repo.collaborators else "NONE"

    # -- issues and pull requests ---------------------------------------------------------------
    def _new_issue(self, repo: Repo, login: str, title: str, body: str | None) -> Issue:
        now = self.clock()
        issue = Issue(len(repo.issues) + 1, next(self._ids), login, title, body, now, now)
        repo.issues[issue.number] = issue
        return issue

    def _pull(self, repo: Repo, number: int) -> Issue:
        issue = repo.issues.get(number)
        if issue is None or issue.pull is None:
            raise _not_found()
        return issue

    def _head_sha(self, repo: Repo, pull: Pull) -> str:
        return pull.head_sha or repo.branches[pull.head]

    def _base_sha(self, repo: Repo, pull: Pull) -> str:
        return pull.base_sha or repo.branches[pull.base]

    def _pull_commits(self, repo: Repo, pull: Pull) -> list[Commit]:
        return self._range(repo, self._base_sha(repo, pull), self._head_sha(repo, pull))

    def _pull_changes(self, repo: Repo, pull: Pull) -> tuple[dict[str, bytes], dict[str, bytes]]:
        head, base = self._head_sha(repo, pull), self._base_sha(repo, pull)
        return repo.commits[self._merge_base(repo, head, base)].files, repo.commits[head].files

    def _create_pull(self, repo: Repo, head: str, base: str, login: str, title: str, body: str | None, draft: bool) -> Issue:
        if not title:
            raise _invalid("PullRequest", "title")
        head = head.split(":", 1)[-1]
        for branch, name in ((head, "head"), (base, "base")):
            if branch not in repo.branches:
                raise _invalid("PullRequest", name, "invalid")
        for other in repo.issues.values():
            p = other.pull
            if p and other.state == "open" and p.head == head and p.base == base:
                raise GitHubError(422, "Validation Failed", [{
                    "resource": "PullRequest", "code": "custom",
                    "message": f"A pull request already exists for {repo.owner}:{head}.",
                }])
        if not self._range(repo, repo.branches[base], repo.branches[head]):
            raise GitHubError(422, "Validation Failed", [{
                "resource": "PullRequest", "code": "custom", "message": f"No commits between {base} and {head}",
            }])
        issue = self._new_issue(repo, login, title, body)
        issue.pull = Pull(issue.number, next(self._ids), head, base, draft)
        return issue

    def _conflicts(self, repo: Repo, pull: Pull) -> list[str]:
        head, base = self._head_sha(repo, pull), self._base_sha(repo, pull)
        ancestor = repo.commits[self._merge_base(repo, head, base)].files
        ours = self._diff(ancestor, repo.commits[base].files)
        theirs = self._diff(ancestor, repo.commits[head].files)
        return [p for p in ours.keys() & theirs.keys() if ours[p][1] != theirs[p][1]]

    def _latest_reviews(self, pull: Pull) -> dict[str, Review]:
        latest: dict[str, Review] = {}
        for review in pull.reviews:
            if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                latest[review.login] = review
        return latest

    def _rule_violations(self, repo: Repo, issue: Issue) -> list[str]:
        """What active rulesets on the base branch still require before this pull can merge."""
        pull = issue.pull
        assert pull is not None
        problems = []
        for rule in self._branch_rules(repo, pull.base):
            params = rule.get("parameters") or {}
            if rule["type"] == "pull_request":
                need = int(params.get("required_approving_review_count", 0))
                latest = self._latest_reviews(pull).values()
                approvals = sum(1 for v in latest if v.state == "APPROVED" and self._role(repo, v.login))
                if any(v.state == "CHANGES_REQUESTED" for v in latest):
                    problems.append("Changes must be made through a pull request.")
                if approvals < need:
                    noun = "review is" if need == 1 else "reviews are"
                    problems.append(f"{need} approving {noun} required by reviewers with write access.")
            elif rule["type"] == "required_status_checks":
                sha = self._head_sha(repo, pull)
                for check in params.get("required_status_checks", []):
                    states = [s.state for s in repo.statuses if s.sha == sha and s.context == check["context"]]
                    if not states or states[-1] != "success":
                        problems.append(f'Required status check "{check["context"]}" is expected.')
        return problems

    def _merge(self, repo: Repo, issue: Issue, login: str, method: str, sha: str | None,
               title: str | None, message: str | None) -> str:
        pull = issue.pull
        assert pull is not None
        if pull.merged_at is not None or issue.state != "open":
            raise GitHubError(405, "Pull Request is not mergeable")
        if pull.draft:
            raise GitHubError(405, "Pull Request is still a draft")
        head = self._head_sha(repo, pull)
        if sha is not None and sha != head:
            raise GitHubError(409, "Head branch was modified. Review and try the merge again.")
        if method not in ("merge", "squash"):
            raise GitHubError(405, f"{method.capitalize()} merges are not allowed on this repository.")
        if self._conflicts(repo, pull):
            raise GitHubError(405, "Pull Request is not mergeable")
        problems = self._rule_violations(repo, issue)
        if problems:
            raise GitHubError(405, "Repository rule violations found\n\n" + "\n\n".join(problems) + "\n\n")
        base = repo.branches[pull.base]
        ancestor, head_files = self._pull_changes(repo, pull)
        files = dict(repo.commits[base].files)
        for path, (_, after) in self._diff(ancestor, head_files).items():
            if after is None:
                files.pop(path, None)
            else:
                files[path] = after
        if method == "merge":
            subject = title or f"Merge pull request #{issue.number} from {repo.owner}/{pull.head}"
            parents = [base, head]
        else:
            subject = title or f"{issue.title} (#{issue.number})"
            parents = [base]
        text = subject + ("\n\n" + message if message else ("\n\n" + issue.title if method == "merge" else ""))
        web = Signature("GitHub", "noreply@github.com", self.clock(), "web-flow")
        merged = self._write_commit(repo, files, parents, self._signature(login), text, committer=web)
        pull.base_sha, pull.head_sha = base, head
        repo.branches[pull.base] = merged
        now = self.clock()
        pull.merged_at, pull.merged_by, pull.merge_commit_sha = now, login, merged
        issue.state, issue.closed_at, issue.updated_at = "closed", now, now
        pull.requested.clear()
        return merged

    def _request(self, repo: Repo, issue: Issue, logins: list[str]) -> None:
        pull = issue.pull
        assert pull is not None
        if issue.login in logins:
            raise GitHubError(422, "Review cannot be requested from pull request author.")
        if any(self._role(repo, login) is None for login in logins):
            raise GitHubError(422, (
                "Reviews may only be requested from collaborators. One or more of the users or teams "
                f"you specified is not a collaborator of the {repo.full_name} repository."
            ))
        for login in logins:
            if login not in pull.requested:
                pull.requested.append(login)
        issue.updated_at = self.clock()

    def _submit_review(self, repo: Repo, number: int, login: str, event: str | None, body: str,
                       commit_id: str | None) -> Review:
        issue = self._pull(repo, number)
        pull = issue.pull
        assert pull is not None
        key = (event or "").upper()
        if key and key not in _REVIEW_EVENTS:
            raise GitHubError(422, "Unprocessable Entity", [f"Invalid event: {event}"])
        state = _REVIEW_EVENTS.get(key, "PENDING")
        if login == issue.login and state in ("APPROVED", "CHANGES_REQUESTED"):
            verb = "approve" if state == "APPROVED" else "request changes on"
            raise GitHubError(422, "Unprocessable Entity", [f"Can not {verb} your own pull request"])
        if state in ("CHANGES_REQUESTED", "COMMENTED") and not body:
            kind = "request changes" if state == "CHANGES_REQUESTED" else "comment"
            raise GitHubError(422, "Unprocessable Entity", [f"Review Can not {kind} without a body"])
        if issue.state != "open" and state in ("APPROVED", "CHANGES_REQUESTED"):
            raise GitHubError(422, "Unprocessable Entity", ["Pull request is closed"])
        commit = commit_id or self._head_sha(repo, pull)
        if commit not in repo.commits:
            raise GitHubError(422, "Unprocessable Entity", ["Commit not found"])
        review = Review(next(self._ids), login, state, body, commit, None if state == "PENDING" else self.clock())
        pull.reviews.append(review)
        if state != "PENDING" and login in pull.requested:
            pull.requested.remove(login)
        return review

    def _add_status(self, repo: Repo, sha: str, state: str, context: str, description: str | None,
                    target_url: str | None, creator: str) -> Status:
        if state not in _STATUS_STATES:
            raise _invalid("Status", "state", "custom")
        if sha not in repo.commits:
            raise GitHubError(422, f"No commit found for SHA: {sha}")
        status = Status(next(self._ids), sha, state, context or "default", description, target_url, creator, self.clock())
        repo.statuses.append(status)
        return status

    # -- rulesets -------------------------------------------------------------------------------
    def _branch_rules(self, repo: Repo, branch: str) -> list[dict[str, Any]]:
        rules = []
        for ruleset in repo.rulesets.values():
            if ruleset.get("enforcement") != "active" or ruleset.get("target", "branch") != "branch":
                continue
            names = ((ruleset.get("conditions") or {}).get("ref_name") or {"include": ["~ALL"]})

            def hit(patterns: list[str]) -> bool:
                return any(
                    p == "~ALL" or (p == "~DEFAULT_BRANCH" and branch == repo.default_branch)
                    or fnmatch.fnmatchcase(f"refs/heads/{branch}", p) for p in patterns
                )

            if hit(names.get("include", [])) and not hit(names.get("exclude", [])):
                for rule in ruleset.get("rules", []):
                    rules.append({**rule, "ruleset_source_type": "Repository",
                                  "ruleset_source": repo.full_name, "ruleset_id": ruleset["id"]})
        return rules

    def _save_ruleset(self, repo: Repo, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        merged = {**(existing or {}), **{k: v for k, v in body.items() if v is not None}}
        if not merged.get("name"):
            raise _invalid("Ruleset", "name")
        if merged.get("enforcement") not in ("disabled", "active", "evaluate"):
            raise _invalid("Ruleset", "enforcement", "invalid")
        for rule in merged.get("rules", []):
            if rule.get("type") not in _RULE_TYPES:
                raise GitHubError(422, "Validation Failed", [{
                    "resource": "Ruleset", "code": "invalid", "field": "rules",
                    "message": f"Invalid rule '{rule.get('type')}'"}])
        if any(r["name"] == merged["name"] and r["id"] != merged.get("id") for r in repo.rulesets.values()):
            raise GitHubError(422, "Validation Failed", [{
                "resource": "Ruleset", "code": "custom", "field": "name", "message": "Name must be unique"}])
        now = _ts(self.clock())
        merged.setdefault("id", next(self._ids))
        merged.setdefault("target", "branch")
        merged.setdefault("created_at", now)
        merged.setdefault("bypass_actors", [])
        merged.setdefault("rules", [])
        merged["updated_at"] = now
        repo.rulesets[merged["id"]] = merged
        return self._ruleset_json(repo, merged)

    def _ruleset_json(self, repo: Repo, ruleset: dict[str, Any], summary: bool = False) -> dict[str, Any]:
        rid = ruleset["id"]
        body = {
            "id": rid, "name": ruleset["name"], "target": ruleset["target"], "source_type": "Repository",
            "source": repo.full_name, "enforcement": ruleset["enforcement"], "node_id": _node_id("RepositoryRuleset", rid),
            "_links": {
                "self": {"href": f"{self.api_url}/repos/{repo.full_name}/rulesets/{rid}"},
                "html": {"href": f"{WEB}/{repo.full_name}/rules/{rid}"},
            },
            "created_at": ruleset["created_at"], "updated_at": ruleset["updated_at"],
        }
        if not summary:
            body.update({
                "bypass_actors": ruleset["bypass_actors"], "current_user_can_bypass": "never",
                "conditions": ruleset.get("conditions"), "rules": ruleset["rules"],
            })
        return body

    # -- JSON shapes ----------------------------------------------------------------------------
    def _user(self, login: str) -> dict[str, Any]:
        self.add_user(login)
        uid, kind = self.users[login]
        url = f"{self.api_url}/users/{login}"
        return {
            "login": login, "id": uid, "node_id": _node_id(kind, uid),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4", "gravatar_id": "",
            "url": url, "html_url": f"{WEB}/{login}", "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}", "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs", "repos_url": f"{url}/repos", "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events", "type": kind, "user_view_type": "public",
            "site_admin": False,
        }

    def _repo_json(self, repo: Repo) -> dict[str, Any]:
        api, html = f"{self.api_url}/repos/{repo.full_name}", f"{WEB}/{repo.full_name}"
        open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
        urls = {f"{key}_url": f"{api}/{suffix}" for key, suffix in _REPO_URLS.items()}
        return {
            "id": repo.id, "node_id": _node_id("Repository", repo.id), "name": repo.name,
            "full_name": repo.full_name, "private": repo.private, "owner": self._user(repo.owner),
            "html_url": html, "description": repo.description, "fork": False, "url": api, **urls,
            "created_at": _ts(repo.created_at), "updated_at": _ts(repo.pushed_at or repo.created_at),
            "pushed_at": _ts(repo.pushed_at or repo.created_at), "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git", "clone_url": f"{html}.git", "svn_url": html,
            "homepage": None, "size": sum(len(d) for d in repo.commits[repo.branches[repo.default_branch]].files.values()) // 1024,
            "stargazers_count": 0, "watchers_count": 0, "language": None, "has_issues": True,
            "has_projects": True, "has_downloads": True, "has_wiki": True, "has_pages": False,
            "has_discussions": False, "forks_count": 0, "mirror_url": None, "archived": False, "disabled": False,
            "open_issues_count": open_issues, "license": None, "allow_forking": True, "is_template": False,
            "web_commit_signoff_required": False, "topics": [], "visibility": "private" if repo.private else "public",
            "forks": 0, "open_issues": open_issues, "watchers": 0, "default_branch": repo.default_branch,
        }

    def _full_repo_json(self, repo: Repo) -> dict[str, Any]:
        role = self._role(repo, self._actor) or "read"
        return {
            **self._repo_json(repo),
            "permissions": {
                "admin": role == "admin", "maintain": role in ("admin", "maintain"),
                "push": role in ("admin", "maintain", "write"), "triage": role != "read", "pull": True,
            },
            "allow_squash_merge": True, "allow_merge_commit": True, "allow_rebase_merge": False,
            "allow_auto_merge": False, "delete_branch_on_merge": False, "allow_update_branch": False,
            "use_squash_pr_title_as_default": False, "squash_merge_commit_message": "COMMIT_MESSAGES",
            "squash_merge_commit_title": "COMMIT_OR_PR_TITLE", "merge_commit_message": "PR_TITLE",
            "merge_commit_title": "MERGE_MESSAGE", "network_count": 0, "subscribers_count": 0,
        }

    def _label_json(self, repo: Repo, name: str) -> dict[str, Any]:
        uid = int(hashlib.sha1(name.encode()).hexdigest()[:8], 16)
        return {"id": uid, "node_id": _node_id("Label", uid), "url": f"{self.api_url}/repos/{repo.full_name}/labels/{name}",
                "name": name, "color": "ededed", "default": False, "description": None}

    def _pull_urls(self, repo: Repo, number: int) -> dict[str, str]:
        api = f"{self.api_url}/repos/{repo.full_name}"
        return {
            "url": f"{api}/pulls/{number}", "html_url": f"{WEB}/{repo.full_name}/pull/{number}",
            "diff_url": f"{WEB}/{repo.full_name}/pull/{number}.diff",
            "patch_url": f"{WEB}/{repo.full_name}/pull/{number}.patch", "issue_url": f"{api}/issues/{number}",
        }

    def _pull_simple_json(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        pull = issue.pull
        assert pull is not None
        n, api = issue.number, f"{self.api_url}/repos/{repo.full_name}"
        urls = self._pull_urls(repo, n)
        head_sha = self._head_sha(repo, pull)

        def side(branch: str, sha: str, fork: str | None = None) -> dict[str, Any]:
            owner, data = repo.owner, self._repo_json(repo)
            if fork:  # a fork: same name, its owner's, flagged; its id derived so it stays stable
                owner, fid = fork, int(hashlib.sha1(f"{fork}/{repo.name}".encode()).hexdigest()[:7], 16)
                data = {**data, "id": fid, "node_id": _node_id("Repository", fid), "owner": self._user(fork),
                        "fork": True, "full_name": f"{fork}/{repo.name}",
                        "html_url": f"{WEB}/{fork}/{repo.name}", "url": f"{self.api_url}/repos/{fork}/{repo.name}"}
            return {"label": f"{owner}:{branch}", "ref": branch, "sha": sha, "user": self._user(owner), "repo": data}

        return {
            "url": urls["url"], "id": pull.id, "node_id": _node_id("PullRequest", pull.id),
            **{k: urls[k] for k in ("html_url", "diff_url", "patch_url", "issue_url")},
            "commits_url": f"{api}/pulls/{n}/commits", "review_comments_url": f"{api}/pulls/{n}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}", "comments_url": f"{api}/issues/{n}/comments",
            "statuses_url": f"{api}/statuses/{head_sha}", "number": n, "state": issue.state, "locked": False,
            "title": issue.title, "user": self._user(issue.login), "body": issue.body,
            "labels": [self._label_json(repo, name) for name in issue.labels], "milestone": None,
            "active_lock_reason": None, "created_at": _ts(issue.created_at), "updated_at": _ts(issue.updated_at),
            "closed_at": _ts(issue.closed_at) if issue.closed_at else None,
            "merged_at": _ts(pull.merged_at) if pull.merged_at else None, "merge_commit_sha": pull.merge_commit_sha,
            "assignee": self._user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self._user(a) for a in issue.assignees],
            "requested_reviewers": [self._user(r) for r in pull.requested], "requested_teams": [],
            "head": side(pull.head, head_sha, pull.fork), "base": side(pull.base, self._base_sha(repo, pull)),
            "_links": {
                "self": {"href": urls["url"]}, "html": {"href": urls["html_url"]},
                "issue": {"href": urls["issue_url"]}, "comments": {"href": f"{api}/issues/{n}/comments"},
                "review_comments": {"href": f"{api}/pulls/{n}/comments"},
                "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
                "commits": {"href": f"{api}/pulls/{n}/commits"}, "statuses": {"href": f"{api}/statuses/{head_sha}"},
            },
            "author_association": self._association(repo, issue.login), "auto_merge": None, "draft": pull.draft,
        }

    def _pull_json(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        pull = issue.pull
        assert pull is not None
        old, new = self._pull_changes(repo, pull)
        files = self._diff_entries(repo, old, new, self._head_sha(repo, pull))
        open_ = issue.state == "open"
        conflicts = open_ and bool(self._conflicts(repo, pull))
        state = ("draft" if pull.draft else "dirty" if conflicts
                 else "blocked" if open_ and self._rule_violations(repo, issue) else "clean")
        return {
            **self._pull_simple_json(repo, issue),
            "merged": pull.merged_at is not None, "mergeable": (not conflicts) if open_ else None,
            "rebaseable": False if open_ else None, "mergeable_state": state if open_ else "unknown",
            "merged_by": self._user(pull.merged_by) if pull.merged_by else None,
            "comments": sum(1 for c in repo.comments.values() if c.issue == issue.number), "review_comments": 0,
            "maintainer_can_modify": False, "commits": len(self._pull_commits(repo, pull)),
            "additions": sum(f["additions"] for f in files), "deletions": sum(f["deletions"] for f in files),
            "changed_files": len(files),
        }

    def _webhook_pull(self, repo: Repo, issue: Issue, full: bool) -> dict[str, Any]:
        """The pull request as webhooks carry it (no REST-only keys)."""
        body = self._pull_json(repo, issue) if full else self._pull_simple_json(repo, issue)
        for side in ("head", "base"):
            body[side]["repo"] = self._webhook_repo(repo)
            body[side]["user"] = self._webhook_user(body[side]["user"])
        for key in ("user", "assignee", "merged_by"):
            if body.get(key):
                body[key] = self._webhook_user(body[key])
        body["assignees"] = [self._webhook_user(u) for u in body["assignees"]]
        body["requested_reviewers"] = [self._webhook_user(u) for u in body["requested_reviewers"]]
        return body

    @staticmethod
    def _webhook_user(user: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in user.items() if k != "user_view_type"}

    def _webhook_repo(self, repo: Repo) -> dict[str, Any]:
        body = {k: v for k, v in self._repo_json(repo).items() if k not in ("has_discussions", "disabled", "allow_forking")}
        body["owner"] = self._webhook_user(body["owner"])
        body["custom_properties"] = {}
        return body

    def _issue_json(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{repo.full_name}"
        n = issue.number
        body: dict[str, Any] = {
            "url": f"{api}/issues/{n}", "repository_url": api, "labels_url": f"{api}/issues/{n}/labels{{/name}}",
            "comments_url": f"{api}/issues/{n}/comments", "events_url": f"{api}/issues/{n}/events",
            "html_url": f"{WEB}/{repo.full_name}/{'pull' if issue.pull else 'issues'}/{n}", "id": issue.id,
            "node_id": _node_id("PullRequest" if issue.pull else "Issue", issue.id), "number": n,
            "title": issue.title, "user": self._user(issue.login),
            "labels": [self._label_json(repo, name) for name in issue.labels], "state": issue.state,
            "locked": False, "assignee": self._user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self._user(a) for a in issue.assignees], "milestone": None,
            "comments": sum(1 for c in repo.comments.values() if c.issue == n),
            "created_at": _ts(issue.created_at), "updated_at": _ts(issue.updated_at),
            "closed_at": _ts(issue.closed_at) if issue.closed_at else None,
            "author_association": self._association(repo, issue.login), "active_lock_reason": None,
            "body": issue.body, "closed_by": None, "state_reason": issue.state_reason,
            "timeline_url": f"{api}/issues/{n}/timeline", "performed_via_github_app": None,
            "reactions": self._reactions(f"{api}/issues/{n}/reactions"),
        }
        if issue.pull:
            body["draft"] = issue.pull.draft
            body["pull_request"] = {
                **{k: v for k, v in self._pull_urls(repo, n).items() if k != "issue_url"},
                "merged_at": _ts(issue.pull.merged_at) if issue.pull.merged_at else None,
            }
        return body

    @staticmethod
    def _reactions(url: str) -> dict[str, Any]:
        return {"url": url, "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "confused": 0, "heart": 0,
                "hooray": 0, "eyes": 0, "rocket": 0}

    def _comment_json(self, repo: Repo, comment: Comment) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{repo.full_name}"
        kind = "pull" if repo.issues[comment.issue].pull else "issues"
        return {
            "url": f"{api}/issues/comments/{comment.id}",
            "html_url": f"{WEB}/{repo.full_name}/{kind}/{comment.issue}#issuecomment-{comment.id}",
            "issue_url": f"{api}/issues/{comment.issue}", "id": comment.id,
            "node_id": _node_id("IssueComment", comment.id), "user": self._user(comment.login),
            "created_at": _ts(comment.created_at), "updated_at": _ts(comment.updated_at),
            "author_association": self._association(repo, comment.login), "body": comment.body,
            "reactions": self._reactions(f"{api}/issues/comments/{comment.id}/reactions"),
            "performed_via_github_app": None,
        }

    def _review_json(self, repo: Repo, issue: Issue, review: Review) -> dict[str, Any]:
        html = f"{WEB}/{repo.full_name}/pull/{issue.number}#pullrequestreview-{review.id}"
        pull_url = f"{self.api_url}/repos/{repo.full_name}/pulls/{issue.number}"
        body: dict[str, Any] = {
            "id": review.id, "node_id": _node_id("PullRequestReview", review.id), "user": self._user(review.login),
            "body": review.body, "state": review.state, "html_url": html, "pull_request_url": pull_url,
            "author_association": self._association(repo, review.login),
            "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}}, "commit_id": review.commit_id,
        }
        if review.submitted_at is not None:
            body["submitted_at"] = _ts(review.submitted_at)
        return body

    def _status_json(self, repo: Repo, status: Status, simple: bool = False) -> dict[str, Any]:
        body = {
            "url": f"{self.api_url}/repos/{repo.full_name}/statuses/{status.sha}",
            "avatar_url": self._user(status.creator)["avatar_url"], "id": status.id,
            "node_id": _node_id("StatusContext", status.id), "state": status.state,
            "description": status.description, "target_url": status.target_url, "context": status.context,
            "created_at": _ts(status.created_at), "updated_at": _ts(status.created_at),
        }
        if not simple:
            body["creator"] = self._user(status.creator)
        return body

    def _sig_json(self, sig: Signature) -> dict[str, Any]:
        return {"name": sig.name, "email": sig.email, "date": _ts(sig.date)}

    @staticmethod
    def _verification() -> dict[str, Any]:
        return {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None}

    def _git_commit_json(self, repo: Repo, commit: Commit) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{repo.full_name}"
        return {
            "sha": commit.sha, "node_id": _node_id("Commit", int(commit.sha[:8], 16)),
            "url": f"{api}/git/commits/{commit.sha}", "html_url": f"{WEB}/{repo.full_name}/commit/{commit.sha}",
            "author": self._sig_json(commit.author), "committer": self._sig_json(commit.committer),
            "tree": {"sha": commit.tree, "url": f"{api}/git/trees/{commit.tree}"}, "message": commit.message,
            "parents": [{"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{WEB}/{repo.full_name}/commit/{p}"}
                        for p in commit.parents],
            "verification": self._verification(),
        }

    def _commit_json(self, repo: Repo, commit: Commit, with_files: bool = False) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{repo.full_name}"
        body: dict[str, Any] = {
            "sha": commit.sha, "node_id": _node_id("Commit", int(commit.sha[:8], 16)),
            "commit": {
                "author": self._sig_json(commit.author), "committer": self._sig_json(commit.committer),
                "message": commit.message, "tree": {"sha": commit.tree, "url": f"{api}/git/trees/{commit.tree}"},
                "url": f"{api}/git/commits/{commit.sha}", "comment_count": 0, "verification": self._verification(),
            },
            "url": f"{api}/commits/{commit.sha}", "html_url": f"{WEB}/{repo.full_name}/commit/{commit.sha}",
            "comments_url": f"{api}/commits/{commit.sha}/comments",
            "author": self._user(commit.author.login) if commit.author.login else None,
            "committer": self._user(commit.committer.login) if commit.committer.login else None,
            "parents": [{"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{WEB}/{repo.full_name}/commit/{p}"}
                        for p in commit.parents],
        }
        if with_files:
            before = repo.commits[commit.parents[0]].files if commit.parents else {}
            files = self._diff_entries(repo, before, commit.files, commit.sha)
            adds, dels = sum(f["additions"] for f in files), sum(f["deletions"] for f in files)
            body["stats"] = {"total": adds + dels, "additions": adds, "deletions": dels}
            body["files"] = files
        return body

    def _ref_json(self, repo: Repo, branch: str) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{repo.full_name}"
        sha = repo.branches[branch]
        return {
            "ref": f"refs/heads/{branch}", "node_id": _node_id("Ref", int(hashlib.sha1(branch.encode()).hexdigest()[:8], 16)),
            "url": f"{api}/git/refs/heads/{branch}",
            "object": {"sha": sha, "type": "commit", "url": f"{api}/git/commits/{sha}"},
        }

    def _content_json(self, repo: Repo, path: str, data: bytes | None, ref: str, with_content: bool) -> dict[str, Any]:
        """A file (data given) or directory entry as the Contents API describes it."""
        api = f"{self.api_url}/repos/{repo.full_name}"
        kind = "file" if data is not None else "dir"
        if data is not None:
            sha = blob_sha(data)
        else:
            prefix = path + "/"
            tree = {p[len(prefix):]: d for p, d in repo.commits[self._resolve(repo, ref)].files.items() if p.startswith(prefix)}
            sha = _tree_hash(tree, repo.trees)
        git = f"{api}/git/{'blobs' if data is not None else 'trees'}/{sha}"
        html = f"{WEB}/{repo.full_name}/{'blob' if data is not None else 'tree'}/{ref}/{path}"
        body: dict[str, Any] = {
            "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha, "size": len(data or b""),
            "url": f"{api}/contents/{path}?ref={ref}", "html_url": html, "git_url": git,
            "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}" if data is not None else None,
            "type": kind, "_links": {"self": f"{api}/contents/{path}?ref={ref}", "git": git, "html": html},
        }
        if with_content and data is not None:
            encoded = base64.b64encode(data).decode()
            body["content"] = "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))
            body["encoding"] = "base64"
        return body

    # -- REST: repositories ---------------------------------------------------------------------
    @endpoint("GET", "/repos/{owner}/{repo}", "repos/repos#get-a-repository")
    def get_repo(self, request: Request) -> Response:
        return Response(200, self._full_repo_json(self._repo_of(request)))

    @endpoint("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission",
              "collaborators/collaborators#get-repository-permissions-for-a-user")
    def get_permission(self, request: Request) -> Response:
        repo, login = self._repo_of(request), request.params["username"]
        if login not in self.users:
            raise GitHubError(404, f"{login} is not a user")
        role = self._role(repo, login) or ("none" if repo.private else "read")
        user = {**self._user(login), "role_name": role}
        return Response(200, {"permission": _PERMISSIONS.get(role, "none"), "role_name": role, "user": user})

    # -- REST: pulls ----------------------------------------------------------------------------
    @endpoint("GET", "/repos/{owner}/{repo}/pulls", "pulls/pulls#list-pull-requests")
    def list_pulls(self, request: Request) -> Response:
        repo = self._repo_of(request)
        state, head, base = request.arg("state", "open"), request.arg("head"), request.arg("base")
        orders: dict[str, Callable[[Issue], Any]] = {
            "created": lambda i: i.created_at, "long-running": lambda i: i.created_at,
            "updated": lambda i: i.updated_at,
            "popularity": lambda i: sum(1 for c in repo.comments.values() if c.issue == i.number),
        }
        sort = request.arg("sort") if request.arg("sort") in orders else "created"
        descending = request.arg("direction", "desc" if sort == "created" else "asc") == "desc"
        month_ago = self.clock() - timedelta(days=30)
        pulls = [
            i for i in sorted(repo.issues.values(), key=lambda i: (orders[sort](i), i.number), reverse=descending)
            if i.pull and state in ("all", i.state)
            and (head is None or f"{repo.owner}:{i.pull.head}" == head)
            and (base is None or i.pull.base == base)
            # long-running: opened more than a month ago, with activity within the month
            and (sort != "long-running" or i.created_at < month_ago <= i.updated_at)
        ]
        return self._paginate(request, [self._pull_simple_json(repo, i) for i in pulls], repo)

    @endpoint("POST", "/repos/{owner}/{repo}/pulls", "pulls/pulls#create-a-pull-request")
    def create_pull(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        for key in ("head", "base"):
            if not body.get(key):
                raise _invalid("PullRequest", key)
        issue = self._create_pull(repo, body["head"], body["base"], self._actor, body.get("title") or "",
                                  body.get("body"), bool(body.get("draft")))
        data = self._pull_json(repo, issue)
        return Response(201, data, {"Location": data["url"]})

    @endpoint("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/pulls#get-a-pull-request")
    def get_pull(self, request: Request) -> Response:
        repo = self._repo_of(request)
        return Response(200, self._pull_json(repo, self._pull(repo, int(request.params["pull_number"]))))

    @endpoint("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", "pulls/pulls#list-commits-on-a-pull-request")
    def list_pull_commits(self, request: Request) -> Response:
        repo = self._repo_of(request)
        pull = self._pull(repo, int(request.params["pull_number"])).pull
        assert pull is not None
        commits = [self._commit_json(repo, c) for c in self._pull_commits(repo, pull)]
        return self._paginate(request, commits, repo, cap=250)

    @endpoint("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", "pulls/pulls#list-pull-requests-files")
    def list_pull_files(self, request: Request) -> Response:
        repo = self._repo_of(request)
        pull = self._pull(repo, int(request.params["pull_number"])).pull
        assert pull is not None
        old, new = self._pull_changes(repo, pull)
        return self._paginate(request, self._diff_entries(repo, old, new, self._head_sha(repo, pull)), repo, cap=3000)

    @endpoint("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "pulls/pulls#merge-a-pull-request")
    def merge_pull(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        issue = self._pull(repo, int(request.params["pull_number"]))
        sha = self._merge(repo, issue, self._actor, body.get("merge_method") or "merge", body.get("sha"),
                          body.get("commit_title"), body.get("commit_message"))
        return Response(200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"})

    @endpoint("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "pulls/reviews#list-reviews-for-a-pull-request")
    def list_reviews(self, request: Request) -> Response:
        repo = self._repo_of(request)
        issue = self._pull(repo, int(request.params["pull_number"]))
        assert issue.pull is not None
        visible = [v for v in issue.pull.reviews if v.state != "PENDING" or v.login == self._actor]
        return self._paginate(request, [self._review_json(repo, issue, v) for v in visible], repo)

    @endpoint("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "pulls/reviews#create-a-review-for-a-pull-request")
    def create_review(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        number = int(request.params["pull_number"])
        review = self._submit_review(repo, number, self._actor, body.get("event"), body.get("body") or "",
                                     body.get("commit_id"))
        return Response(200, self._review_json(repo, self._pull(repo, number), review))

    @endpoint("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals",
              "pulls/reviews#dismiss-a-review-for-a-pull-request")
    def dismiss_review(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        issue = self._pull(repo, int(request.params["pull_number"]))
        assert issue.pull is not None
        review = next((v for v in issue.pull.reviews if v.id == int(request.params["review_id"])), None)
        if review is None:
            raise _not_found()
        if not body.get("message"):
            raise _invalid("PullRequestReview", "message")
        if review.state not in ("APPROVED", "CHANGES_REQUESTED"):
            raise GitHubError(422, "Unprocessable Entity", [f"Can not dismiss a {review.state.lower()} pull request review"])
        review.state = "DISMISSED"
        return Response(200, self._review_json(repo, issue, review))

    @endpoint("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
              "pulls/review-requests#get-all-requested-reviewers-for-a-pull-request")
    def list_requested(self, request: Request) -> Response:
        repo = self._repo_of(request)
        pull = self._pull(repo, int(request.params["pull_number"])).pull
        assert pull is not None
        return Response(200, {"users": [self._user(u) for u in pull.requested], "teams": []})

    @endpoint("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
              "pulls/review-requests#request-reviewers-for-a-pull-request")
    def request_review(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        issue = self._pull(repo, int(request.params["pull_number"]))
        self._request(repo, issue, list(body.get("reviewers") or []))
        return Response(201, self._pull_simple_json(repo, issue))

    @endpoint("DELETE", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
              "pulls/review-requests#remove-requested-reviewers-from-a-pull-request")
    def remove_requested(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        issue = self._pull(repo, int(request.params["pull_number"]))
        assert issue.pull is not None
        if "reviewers" not in body:
            raise _invalid("PullRequest", "reviewers")
        issue.pull.requested = [u for u in issue.pull.requested if u not in body["reviewers"]]
        return Response(200, self._pull_simple_json(repo, issue))

    # -- REST: statuses -------------------------------------------------------------------------
    @endpoint("POST", "/repos/{owner}/{repo}/statuses/{sha}", "commits/statuses#create-a-commit-status")
    def create_status(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        status = self._add_status(repo, request.params["sha"], body.get("state", ""), body.get("context") or "default",
                                  body.get("description"), body.get("target_url"), self._actor)
        data = self._status_json(repo, status)
        return Response(201, data, {"Location": data["url"]})

    @endpoint("GET", "/repos/{owner}/{repo}/commits/(?P<ref>.+)/statuses",
              "commits/statuses#list-commit-statuses-for-a-reference")
    def list_statuses(self, request: Request) -> Response:
        repo = self._repo_of(request)
        sha = self._resolve(repo, request.params["ref"])
        statuses = [self._status_json(repo, s) for s in reversed(repo.statuses) if s.sha == sha]
        return self._paginate(request, statuses, repo)

    @endpoint("GET", "/repos/{owner}/{repo}/commits/(?P<ref>.+)/status",
              "commits/statuses#get-the-combined-status-for-a-specific-reference")
    def combined_status(self, request: Request) -> Response:
        repo = self._repo_of(request)
        sha = self._resolve(repo, request.params["ref"])
        latest: dict[str, Status] = {}
        for status in repo.statuses:
            if status.sha == sha:
                latest[status.context] = status
        states = {s.state for s in latest.values()}
        state = ("failure" if states & {"error", "failure"} else "pending" if "pending" in states or not states
                 else "success")
        api = f"{self.api_url}/repos/{repo.full_name}"
        statuses = [self._status_json(repo, s, simple=True) for s in latest.values()][:100]
        return Response(200, {
            "state": state, "statuses": statuses, "sha": sha, "total_count": len(latest),
            "repository": self._repo_json(repo), "commit_url": f"{api}/commits/{sha}",
            "url": f"{api}/commits/{sha}/status",
        })

    # -- REST: commits --------------------------------------------------------------------------
    @endpoint("GET", "/repos/{owner}/{repo}/commits/(?P<sha>[^/]+)/pulls",
              "commits/commits#list-pull-requests-associated-with-a-commit")
    def commit_pulls(self, request: Request) -> Response:
        repo = self._repo_of(request)
        sha = self._resolve(repo, request.params["sha"])
        found = [
            i for i in sorted(repo.issues.values(), key=lambda i: -i.number)
            if i.pull and (i.pull.merge_commit_sha == sha or any(c.sha == sha for c in self._pull_commits(repo, i.pull)))
        ]
        return self._paginate(request, [self._pull_simple_json(repo, i) for i in found], repo)

    @endpoint("GET", "/repos/{owner}/{repo}/commits/(?P<ref>.+)", "commits/commits#get-a-commit")
    def get_commit(self, request: Request) -> Response:
        repo = self._repo_of(request)
        ref = request.params["ref"]
        try:
            sha = self._resolve(repo, ref)
        except GitHubError:
            raise GitHubError(422, f"No commit found for SHA: {ref}") from None
        return Response(200, self._commit_json(repo, repo.commits[sha], with_files=True))

    @endpoint("GET", "/repos/{owner}/{repo}/compare/(?P<basehead>.+)", "commits/commits#compare-two-commits")
    def compare(self, request: Request) -> Response:
        repo = self._repo_of(request)
        base_ref, sep, head_ref = request.params["basehead"].partition("...")
        if not sep:
            raise _not_found()
        base, head = self._resolve(repo, base_ref), self._resolve(repo, head_ref)
        ancestor = self._merge_base(repo, head, base)
        ahead, behind = self._range(repo, base, head), self._range(repo, head, base)
        status = ("identical" if base == head else "ahead" if not behind
                  else "behind" if not ahead else "diverged")
        api = f"{self.api_url}/repos/{repo.full_name}"
        files = self._diff_entries(repo, repo.commits[ancestor].files, repo.commits[head].files, head)
        return Response(200, {
            "url": f"{api}/compare/{base_ref}...{head_ref}", "html_url": f"{WEB}/{repo.full_name}/compare/{base_ref}...{head_ref}",
            "permalink_url": f"{WEB}/{repo.full_name}/compare/{repo.owner}:{base[:7]}...{repo.owner}:{head[:7]}",
            "diff_url": f"{WEB}/{repo.full_name}/compare/{base_ref}...{head_ref}.diff",
            "patch_url": f"{WEB}/{repo.full_name}/compare/{base_ref}...{head_ref}.patch",
            "base_commit": self._commit_json(repo, repo.commits[base]),
            "merge_base_commit": self._commit_json(repo, repo.commits[ancestor]),
            "status": status, "ahead_by": len(ahead), "behind_by": len(behind), "total_commits": len(ahead),
            "commits": [self._commit_json(repo, c) for c in ahead[:250]], "files": files,
        })

    # -- REST: issues and comments --------------------------------------------------------------
    @endpoint("POST", "/repos/{owner}/{repo}/issues", "issues/issues#create-an-issue")
    def create_issue(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        if not body.get("title"):
            raise _invalid("Issue", "title")
        issue = self._new_issue(repo, self._actor, str(body["title"]), body.get("body"))
        issue.labels = [str(x) for x in body.get("labels") or []]
        issue.assignees = [str(x) for x in body.get("assignees") or []]
        data = self._issue_json(repo, issue)
        return Response(201, data, {"Location": data["url"]})

    @endpoint("GET", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/issues#get-an-issue")
    def get_issue(self, request: Request) -> Response:
        repo = self._repo_of(request)
        issue = repo.issues.get(int(request.params["issue_number"]))
        if issue is None:
            raise _not_found()
        return Response(200, self._issue_json(repo, issue))

    @endpoint("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/issues#update-an-issue")
    def update_issue(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        issue = repo.issues.get(int(request.params["issue_number"]))
        if issue is None:
            raise _not_found()
        if "state" in body and body["state"] not in ("open", "closed"):
            raise _invalid("Issue", "state", "invalid")
        if "title" in body:
            issue.title = str(body["title"])
        if "body" in body:
            issue.body = body["body"]
        if "labels" in body:
            issue.labels = [x if isinstance(x, str) else x["name"] for x in body["labels"]]
        if "assignees" in body:
            issue.assignees = list(body["assignees"])
        if body.get("state") and body["state"] != issue.state:
            closing = body["state"] == "closed"
            if not closing and issue.pull and issue.pull.merged_at:
                raise GitHubError(422, "Validation Failed", [{"resource": "Issue", "code": "custom", "field": "state",
                                                              "message": "state cannot be changed. The pull request has been merged."}])
            issue.state, issue.closed_at = body["state"], self.clock() if closing else None
            issue.state_reason = body.get("state_reason") or ("completed" if closing else "reopened")
            if issue.pull:
                issue.pull.head_sha = self._head_sha(repo, issue.pull) if closing else None
                issue.pull.base_sha = self._base_sha(repo, issue.pull) if closing else None
        issue.updated_at = self.clock()
        return Response(200, self._issue_json(repo, issue))

    @endpoint("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/comments#list-issue-comments")
    def list_comments(self, request: Request) -> Response:
        repo = self._repo_of(request)
        number = int(request.params["issue_number"])
        if number not in repo.issues:
            raise _not_found()
        comments = [self._comment_json(repo, c) for c in repo.comments.values() if c.issue == number]
        return self._paginate(request, comments, repo)

    @endpoint("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/comments#create-an-issue-comment")
    def create_comment(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        number = int(request.params["issue_number"])
        if number not in repo.issues:
            raise _not_found()
        if not body.get("body"):
            raise _invalid("IssueComment", "body")
        now = self.clock()
        comment = Comment(next(self._ids), number, self._actor, str(body["body"]), now, now)
        repo.comments[comment.id] = comment
        repo.issues[number].updated_at = now
        data = self._comment_json(repo, comment)
        return Response(201, data, {"Location": data["url"]})

    @endpoint("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/comments#update-an-issue-comment")
    def update_comment(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        comment = repo.comments.get(int(request.params["comment_id"]))
        if comment is None:
            raise _not_found()
        if not body.get("body"):
            raise _invalid("IssueComment", "body")
        comment.body, comment.updated_at = str(body["body"]), self.clock()
        return Response(200, self._comment_json(repo, comment))

    # -- REST: contents -------------------------------------------------------------------------
    @endpoint("GET", "/repos/{owner}/{repo}/contents/?(?P<path>.*)", "repos/contents#get-repository-content")
    def get_content(self, request: Request) -> Response:
        repo = self._repo_of(request)
        path = request.params["path"].strip("/")
        ref = request.arg("ref") or repo.default_branch
        files = repo.commits[self._resolve(repo, ref)].files
        if path in files:
            accept = (request.header("accept", "") or "").split(",")[0].strip()
            if "raw" in accept:
                media = accept.removesuffix("+json")
                return Response(200, files[path], {"Content-Type": f"{media}; charset=utf-8",
                                                   "X-GitHub-Media-Type": "github.v3; param=raw"})
            return Response(200, self._content_json(repo, path, files[path], ref, with_content=True))
        prefix = f"{path}/" if path else ""
        children = {p[len(prefix):].split("/", 1)[0] for p in files if p.startswith(prefix)}
        if not children:
            raise _not_found()
        entries = [
            self._content_json(repo, prefix + name, files.get(prefix + name), ref, with_content=False)
            for name in sorted(children)
        ]
        return Response(200, entries)

    @endpoint("PUT", "/repos/{owner}/{repo}/contents/(?P<path>.+)", "repos/contents#create-or-update-file-contents")
    def put_content(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        path = request.params["path"].strip("/")
        for key in ("message", "content"):
            if key not in body:
                raise _invalid("Commit" if key == "message" else "Blob", key)
        branch = body.get("branch") or repo.default_branch
        if branch not in repo.branches:
            raise GitHubError(404, f"Branch {branch} not found")
        try:
            data = base64.b64decode(body["content"])
        except ValueError:
            raise GitHubError(422, "content is not valid Base64") from None
        current = repo.commits[repo.branches[branch]].files.get(path)
        if current is not None:
            if not body.get("sha"):
                raise GitHubError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
            if body["sha"] != blob_sha(current):
                raise GitHubError(409, f"{path} does not match {body['sha']}")
        author = self._signature(self._actor)
        given = body.get("author") or body.get("committer")
        if given:
            login = next((u for u in self.users if given.get("email") == self._signature(u).email), None)
            author = Signature(given.get("name", ""), given.get("email", ""), self.clock(), login)
        files = {**repo.commits[repo.branches[branch]].files, path: data}
        sha = self._write_commit(repo, files, [repo.branches[branch]], author, str(body["message"]))
        repo.branches[branch] = sha
        repo.pushed_at = self.clock()
        commit = self._git_commit_json(repo, repo.commits[sha])
        return Response(201 if current is None else 200, {
            "content": self._content_json(repo, path, data, branch, with_content=False), "commit": commit,
        })

    # -- REST: git data -------------------------------------------------------------------------
    @endpoint("GET", "/repos/{owner}/{repo}/git/ref/(?P<ref>.+)", "git/refs#get-a-reference")
    def get_ref(self, request: Request) -> Response:
        repo = self._repo_of(request)
        ref = request.params["ref"]
        if not ref.startswith("heads/") or ref[6:] not in repo.branches:
            raise _not_found()
        return Response(200, self._ref_json(repo, ref[6:]))

    @endpoint("POST", "/repos/{owner}/{repo}/git/refs", "git/refs#create-a-reference")
    def create_ref(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        ref, sha = str(body.get("ref") or ""), str(body.get("sha") or "")
        if not ref.startswith("refs/heads/") or ref.count("/") < 2:
            raise GitHubError(422, "Reference name is invalid" if ref else "Reference update failed")
        if sha not in repo.commits:
            raise GitHubError(422, "Object does not exist")
        branch = ref[len("refs/heads/"):]
        if branch in repo.branches:
            raise GitHubError(422, "Reference already exists")
        repo.branches[branch] = sha
        data = self._ref_json(repo, branch)
        return Response(201, data, {"Location": data["url"]})

    @endpoint("PATCH", "/repos/{owner}/{repo}/git/refs/(?P<ref>.+)", "git/refs#update-a-reference")
    def update_ref(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        ref, sha = request.params["ref"], str(body.get("sha") or "")
        branch = ref.removeprefix("heads/")
        if not ref.startswith("heads/") or branch not in repo.branches:
            raise GitHubError(422, "Reference does not exist")
        if sha not in repo.commits:
            raise GitHubError(422, "Object does not exist")
        if not body.get("force") and repo.branches[branch] not in self._ancestors(repo, sha):
            raise GitHubError(422, "Update is not a fast forward")
        repo.branches[branch] = sha
        repo.pushed_at = self.clock()
        return Response(200, self._ref_json(repo, branch))

    @endpoint("POST", "/repos/{owner}/{repo}/git/blobs", "git/blobs#create-a-blob")
    def create_blob(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        if "content" not in body:
            raise _invalid("Blob", "content")
        encoding = body.get("encoding", "utf-8")
        if encoding not in ("utf-8", "base64"):
            raise _invalid("Blob", "encoding", "invalid")
        data = base64.b64decode(body["content"]) if encoding == "base64" else str(body["content"]).encode()
        sha = blob_sha(data)
        repo.blobs[sha] = data
        url = f"{self.api_url}/repos/{repo.full_name}/git/blobs/{sha}"
        return Response(201, {"sha": sha, "url": url}, {"Location": url})

    @endpoint("POST", "/repos/{owner}/{repo}/git/trees", "git/trees#create-a-tree")
    def create_tree(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        if not isinstance(body.get("tree"), list):
            raise _invalid("Tree", "tree")
        base = body.get("base_tree")
        if base and base not in repo.trees:
            raise GitHubError(422, "base_tree is not a valid tree oid")
        files = dict(repo.trees[base]) if base else {}
        for entry in body["tree"]:
            path = str(entry.get("path") or "")
            if "content" in entry:
                files[path] = str(entry["content"]).encode()
            elif entry.get("sha") is None:
                files = {p: d for p, d in files.items() if p != path and not p.startswith(path + "/")}
            elif entry.get("type") == "tree" and entry["sha"] in repo.trees:
                files.update({f"{path}/{p}": d for p, d in repo.trees[entry["sha"]].items()})
            elif entry["sha"] in repo.blobs:
                files[path] = repo.blobs[entry["sha"]]
            else:
                raise GitHubError(422, f"tree.sha {entry['sha']} is not a valid blob")
        sha = _tree_hash(files, repo.trees)
        for data in files.values():
            repo.blobs[blob_sha(data)] = data
        api = f"{self.api_url}/repos/{repo.full_name}/git"
        top: dict[str, dict[str, Any]] = {}
        for path, data in sorted(files.items()):
            name, _, rest = path.partition("/")
            if rest:
                prefix = name + "/"
                sub = _tree_hash({p[len(prefix):]: d for p, d in files.items() if p.startswith(prefix)}, repo.trees)
                top[name] = {"path": name, "mode": "040000", "type": "tree", "sha": sub, "url": f"{api}/trees/{sub}"}
            else:
                b = blob_sha(data)
                top[name] = {"path": name, "mode": "100644", "type": "blob", "sha": b, "size": len(data),
                             "url": f"{api}/blobs/{b}"}
        url = f"{api}/trees/{sha}"
        return Response(201, {"sha": sha, "url": url, "tree": list(top.values()), "truncated": False}, {"Location": url})

    @endpoint("POST", "/repos/{owner}/{repo}/git/commits", "git/commits#create-a-commit")
    def create_git_commit(self, request: Request) -> Response:
        repo, body = self._repo_of(request), request.json() or {}
        if not body.get("message"):
            raise _invalid("Commit", "message")
        tree = body.get("tree")
        if tree not in repo.trees:
            raise GitHubError(422, "Tree SHA does not exist")
        parents = list(body.get("parents") or [])
        if any(p not in repo.commits for p in parents):
            raise GitHubError(422, "Parent SHA does not exist or is not a commit object")
        author = self._signature(self._actor)
        if body.get("author"):
            given = body["author"]
            login = next((u for u in self.users if given.get("email") == self._signature(u).email), None)
            when = datetime.fromisoformat(given["date"].replace("Z", "+00:00")) if given.get("date") else self.clock()
            author = Signature(given.get("name", ""), given.get("email", ""), when, login)
        sha = self._write_commit(repo, repo.trees[tree], parents, author, str(body["message"]))
        data = self._git_commit_json(repo, repo.commits[sha])
        return Response(201, data, {"Location": data["url"]})

    @endpoint("GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}", "git/commits#get-a-commit-object")
    def get_git_commit(self, request: Request) -> Response:
        repo = self._repo_of(request)
        commit = repo.commits.get(request.params["commit_sha"])
        if commit is None:
            raise _not_found()
        return Response(200, self._git_commit_json(repo, commit))

    # -- REST: rulesets and rules ---------------------------------------------------------------
    @endpoint("GET", "/repos/{owner}/{repo}/rulesets", "repos/rules#get-all-repository-rulesets")
    def list_rulesets(self, request: Request) -> Response:
        repo = self._repo_of(request)
        items = [self._ruleset_json(repo, r, summary=True) for r in repo.rulesets.values()]
        return self._paginate(request, items, repo)

    @endpoint("POST", "/repos/{owner}/{repo}/rulesets", "repos/rules#create-a-repository-ruleset")
    def create_ruleset(self, request: Request) -> Response:
        repo = self._repo_of(request)
        self._require_admin(repo)
        body = {k: v for k, v in (request.json() or {}).items() if k != "id"}
        return Response(201, self._save_ruleset(repo, body, None))

    @endpoint("GET", "/repos/{owner}/{repo}/rulesets/{ruleset_id}", "repos/rules#get-a-repository-ruleset")
    def get_ruleset(self, request: Request) -> Response:
        repo = self._repo_of(request)
        ruleset = repo.rulesets.get(int(request.params["ruleset_id"]))
        if ruleset is None:
            raise _not_found()
        return Response(200, self._ruleset_json(repo, ruleset))

    @endpoint("PUT", "/repos/{owner}/{repo}/rulesets/{ruleset_id}", "repos/rules#update-a-repository-ruleset")
    def update_ruleset(self, request: Request) -> Response:
        repo = self._repo_of(request)
        self._require_admin(repo)
        existing = repo.rulesets.get(int(request.params["ruleset_id"]))
        if existing is None:
            raise _not_found()
        body = {k: v for k, v in (request.json() or {}).items() if k != "id"}
        return Response(200, self._save_ruleset(repo, body, existing))

    @endpoint("GET", "/repos/{owner}/{repo}/rules/branches/(?P<branch>.+)", "repos/rules#get-rules-for-a-branch")
    def branch_rules(self, request: Request) -> Response:
        repo = self._repo_of(request)
        return self._paginate(request, self._branch_rules(repo, request.params["branch"]), repo)

    def _require_admin(self, repo: Repo) -> None:
        """Rulesets need admin; GitHub hides what you may not administer behind a 404."""
        if self._role(repo, self._actor) != "admin":
            raise _not_found()
