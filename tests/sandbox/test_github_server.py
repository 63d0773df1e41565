"""The GitHub imitation, over a real socket, checked against GitHub's own material.

Every response body is validated against GitHub's response schemas; Link headers are compared with
a recorded api.github.com session; webhook payloads are validated against the octokit/webhooks
schemas; and ghapi (what `konten check` uses) drives a session against the server.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from fasttransport.errors import APIError
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from pipeline.sandbox.github import GitHubError, GitHubServer, blob_sha
from pipeline.sandbox.http import Fault

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ghapi.all import GhApi, sync_paged

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
GH = SHARED / "fixtures" / "github"
TOKEN = "ghs_test_token_0001"
OWNER, NAME = "kpu-jateng", "konten"
REPO = f"{OWNER}/{NAME}"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)


class Clock:
    """A hand-driven clock so every timestamp is known."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> Iterator[GitHubServer]:
    gh = GitHubServer(token=TOKEN, clock=clock)
    gh.start()
    try:
        yield gh
    finally:
        gh.stop()


@pytest.fixture
def world(server: GitHubServer, clock: Clock) -> dict[str, Any]:
    """A repository with one open pull request: author `penulis`, reviewers `kasubag` and `ketua`."""
    server.create_repo(
        OWNER, NAME, {"README.md": b"# konten\n", "content/.keep": b""},
        collaborators={"penulis": "write", "kasubag": "write", "ketua": "admin", "pengamat": "read"},
        owner_type="Organization",
    )
    server.create_branch(REPO, "post/pemilu")
    clock.tick()
    first = server.commit(REPO, "post/pemilu", {"content/pemilu.md": b"Judul\n\nIsi.\n"}, "penulis", "Draft")
    clock.tick()
    head = server.commit(REPO, "post/pemilu", {"content/pemilu.md": b"Judul\n\nIsi baru.\n"}, "penulis", "Revise")
    clock.tick()
    number = server.open_pull(REPO, "post/pemilu", "main", "penulis", "Post: pemilu", "Draft post")
    return {"number": number, "commits": [first, head], "head": head}


def client(server: GitHubServer, token: str | None = TOKEN) -> httpx.Client:
    headers = {"Accept": "application/vnd.github+json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=server.url, headers=headers)


# -- GitHub's response schemas -------------------------------------------------------------------
BUNDLE = json.loads((GH / "github-response-schemas.json").read_text())
REGISTRY = Registry().with_resource(BUNDLE["$id"], Resource.from_contents(BUNDLE))
OPENAPI = json.loads((GH / "github-openapi-subset.json").read_text())


def schema_errors(pointer: str, body: Any) -> list[str]:
    """Why `body` does not validate against the bundle's subschema at `pointer` (empty = valid)."""
    schema = {"$schema": BUNDLE["$schema"], "$ref": f"{BUNDLE['$id']}#{pointer}"}
    validator = Draft202012Validator(schema, registry=REGISTRY)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(body)]


def op_pointer(operation: str, status: int) -> str:
    return f"/x-operations/{operation.replace('/', '~1')}/responses/{status}/application~1json"


class Walk:
    """Calls the server over HTTP, validates every answer against its operation's schema, remembers
    which operations it exercised."""

    def __init__(self, server: GitHubServer) -> None:
        self.http = client(server)
        self.base = f"/repos/{REPO}"
        self.done: set[str] = set()

    def __call__(self, operation: str, method: str, path: str, status: int, pointer: str | None = None,
                 http: httpx.Client | None = None, **kwargs: Any) -> Any:
        response = (http or self.http).request(method, self.base + path, **kwargs)
        assert response.status_code == status, (operation, response.status_code, response.text[:500])
        body = response.json()
        errors = schema_errors(pointer or op_pointer(operation, status), body)
        assert not errors, (operation, status, errors[:5])
        self.done.add(operation)
        return body


def implemented_operations() -> set[str]:
    """The OpenAPI subset's operations for which the server has a route."""
    found = set()
    for path, ops in OPENAPI["paths"].items():
        sample = re.sub(r"\{[^}]+\}", "x", path)
        for method, op in ops.items():
            if any(m == method.upper() and rx.match(sample) for m, rx, _ in GitHubServer._routes):
                found.add(op["operationId"])
    return found


def test_every_route_answers_schema_valid_bodies(server: GitHubServer, world: dict[str, Any], clock: Clock) -> None:
    call = Walk(server)
    n, head = world["number"], world["head"]
    server.add_token("ghp_kasubag", "kasubag")
    server.add_token("ghp_ketua", "ketua")
    as_reviewer, as_admin = client(server, "ghp_kasubag"), client(server, "ghp_ketua")

    repo = call("repos/get", "GET", "", 200)
    assert repo["full_name"] == REPO and repo["owner"]["type"] == "Organization"
    perm = call("repos/get-collaborator-permission-level", "GET", "/collaborators/ketua/permission", 200)
    assert (perm["permission"], perm["role_name"]) == ("admin", "admin")
    call("repos/get-collaborator-permission-level", "GET", "/collaborators/nobody/permission", 404)

    pull = call("pulls/get", "GET", f"/pulls/{n}", 200)
    assert pull["head"]["sha"] == head and pull["commits"] == 2 and pull["changed_files"] == 1
    assert pull["mergeable_state"] == "clean" and pull["created_at"] == "2025-03-03T09:03:00Z"
    call("pulls/get", "GET", "/pulls/99", 404)
    assert [p["number"] for p in call("pulls/list", "GET", "/pulls", 200, params={"state": "open"})] == [n]
    commits = call("pulls/list-commits", "GET", f"/pulls/{n}/commits", 200)
    assert [c["sha"] for c in commits] == world["commits"]
    files = call("pulls/list-files", "GET", f"/pulls/{n}/files", 200)
    assert files[0]["filename"] == "content/pemilu.md" and files[0]["status"] == "added"

    call("pulls/request-reviewers", "POST", f"/pulls/{n}/requested_reviewers", 201,
         json={"reviewers": ["kasubag", "ketua"]})
    requested = call("pulls/list-requested-reviewers", "GET", f"/pulls/{n}/requested_reviewers", 200)
    assert [u["login"] for u in requested["users"]] == ["kasubag", "ketua"]
    call("pulls/remove-requested-reviewers", "DELETE", f"/pulls/{n}/requested_reviewers", 200,
         json={"reviewers": ["ketua"]})
    call("pulls/request-reviewers", "POST", f"/pulls/{n}/requested_reviewers", 422,
         pointer="/$defs/basic-error", json={"reviewers": ["penulis"]})

    response = as_reviewer.post(f"/repos/{REPO}/pulls/{n}/reviews", json={"event": "APPROVE", "body": "ok"})
    review = response.json()
    assert response.status_code == 200 and not schema_errors(op_pointer("pulls/create-review", 200), review)
    call.done.add("pulls/create-review")
    assert review["state"] == "APPROVED" and review["user"]["login"] == "kasubag" and review["commit_id"] == head
    assert server.requested_reviewers(REPO, n) == []  # submitting a review fulfils the request
    call("pulls/create-review", "POST", f"/pulls/{n}/reviews", 422, json={"event": "REQUEST_CHANGES"})
    reviews = call("pulls/list-reviews", "GET", f"/pulls/{n}/reviews", 200)
    assert [r["state"] for r in reviews] == ["APPROVED"]
    dismissed = call("pulls/dismiss-review", "PUT", f"/pulls/{n}/reviews/{review['id']}/dismissals", 200,
                     json={"message": "stale", "event": "DISMISS"})
    assert dismissed["state"] == "DISMISSED"
    call("pulls/dismiss-review", "PUT", f"/pulls/{n}/reviews/1/dismissals", 404, json={"message": "x"})

    status = call("repos/create-commit-status", "POST", f"/statuses/{head}", 201,
                  json={"state": "pending", "context": "konten/approval", "description": "Waiting"})
    assert status["creator"]["login"] == "github-actions[bot]"
    clock.tick()
    call("repos/create-commit-status", "POST", f"/statuses/{head}", 201,
         json={"state": "success", "context": "konten/approval"})
    listed = call("repos/list-commit-statuses-for-ref", "GET", f"/commits/{head}/statuses", 200)
    assert [s["state"] for s in listed] == ["success", "pending"]
    combined = call("repos/get-combined-status-for-ref", "GET", "/commits/post/pemilu/status", 200)
    assert (combined["state"], combined["total_count"], combined["sha"]) == ("success", 1, head)

    commit = call("repos/get-commit", "GET", f"/commits/{head}", 200)
    assert commit["files"][0]["patch"].startswith("@@") and commit["stats"]["additions"] == 1
    call("repos/get-commit", "GET", "/commits/" + "0" * 40, 422, json=None)
    compare = call("repos/compare-commits", "GET", "/compare/main...post/pemilu", 200)
    assert (compare["status"], compare["ahead_by"], compare["behind_by"]) == ("ahead", 2, 0)

    issue = call("issues/create", "POST", "/issues", 201, json={"title": "Usul: posting debat", "body": "Isi"})
    call("issues/create", "POST", "/issues", 422, json={"body": "no title"})
    got = call("issues/get", "GET", f"/issues/{n}", 200)
    assert got["pull_request"]["url"].endswith(f"/pulls/{n}")
    call("issues/get", "GET", "/issues/404", 404)
    updated = call("issues/update", "PATCH", f"/issues/{issue['number']}", 200, json={"labels": ["usul"]})
    assert [label["name"] for label in updated["labels"]] == ["usul"]
    comment = call("issues/create-comment", "POST", f"/issues/{n}/comments", 201, json={"body": "<!-- k -->a"})
    clock.tick()
    edited = call("issues/update-comment", "PATCH", f"/issues/comments/{comment['id']}", 200, json={"body": "b"})
    assert edited["updated_at"] > edited["created_at"]
    call("issues/update-comment", "PATCH", f"/issues/comments/{comment['id']}", 422, json={})
    assert [c["body"] for c in call("issues/list-comments", "GET", f"/issues/{n}/comments", 200)] == ["b"]

    readme = call("repos/get-content", "GET", "/contents/README.md", 200)
    assert base64.b64decode(readme["content"]) == b"# konten\n" and readme["sha"] == blob_sha(b"# konten\n")
    listing = call("repos/get-content", "GET", "/contents/content", 200, params={"ref": "post/pemilu"})
    assert sorted(e["name"] for e in listing) == [".keep", "pemilu.md"]
    call("repos/get-content", "GET", "/contents/missing.md", 404)
    created = call("repos/create-or-update-file-contents", "PUT", "/contents/data/ledger.json", 201,
                   json={"message": "ledger", "content": base64.b64encode(b"[]").decode()})
    call("repos/create-or-update-file-contents", "PUT", "/contents/data/ledger.json", 200,
         json={"message": "ledger", "content": base64.b64encode(b"[1]").decode(), "sha": created["content"]["sha"]})
    # the 409 schema is oneOf(basic-error, rule-violation-error), and any basic error matches both
    call("repos/create-or-update-file-contents", "PUT", "/contents/data/ledger.json", 409,
         pointer="/$defs/basic-error", json={"message": "ledger", "content": "W10=", "sha": created["content"]["sha"]})
    call("repos/create-or-update-file-contents", "PUT", "/contents/data/ledger.json", 422,
         json={"message": "ledger", "content": "W10="})
    call("repos/create-or-update-file-contents", "PUT", "/contents/x.md", 404,
         json={"message": "x", "content": "W10=", "branch": "nope"})

    ref = call("git/get-ref", "GET", "/git/ref/heads/main", 200)
    call("git/get-ref", "GET", "/git/ref/heads/nope", 404)
    blob = call("git/create-blob", "POST", "/git/blobs", 201, json={"content": "Isi usul\n", "encoding": "utf-8"})
    base_tree = call("git/get-commit", "GET", f"/git/commits/{ref['object']['sha']}", 200)["tree"]["sha"]
    call("git/get-commit", "GET", "/git/commits/" + "f" * 40, 404)
    tree = call("git/create-tree", "POST", "/git/trees", 201, json={
        "base_tree": base_tree, "tree": [{"path": "content/usul.md", "mode": "100644", "type": "blob", "sha": blob["sha"]}],
    })
    assert {e["path"]: e["type"] for e in tree["tree"]} == {"README.md": "blob", "content": "tree", "data": "tree"}
    new = call("git/create-commit", "POST", "/git/commits", 201,
               json={"message": "Usul", "tree": tree["sha"], "parents": [ref["object"]["sha"]]})
    call("git/create-commit", "POST", "/git/commits", 422, json={"message": "x", "tree": "0" * 40})
    call("git/create-ref", "POST", "/git/refs", 201, json={"ref": "refs/heads/usul/1", "sha": new["sha"]})
    call("git/create-ref", "POST", "/git/refs", 422, json={"ref": "refs/heads/usul/1", "sha": new["sha"]})
    call("git/update-ref", "PATCH", "/git/refs/heads/usul/1", 422, json={"sha": ref["object"]["sha"]})
    call("git/update-ref", "PATCH", "/git/refs/heads/usul/1", 200, json={"sha": new["sha"]})
    assert server.file(REPO, "usul/1", "content/usul.md") == b"Isi usul\n"
    draft = call("pulls/create", "POST", "/pulls", 201,
                 json={"title": "Usul", "head": "usul/1", "base": "main", "draft": True})
    assert draft["draft"] and draft["user"]["login"] == "github-actions[bot]"
    call("pulls/create", "POST", "/pulls", 422, json={"title": "Usul", "head": "usul/1", "base": "main"})

    # rulesets need an admin's token; GITHUB_TOKEN (github-actions[bot]) gets GitHub's 404
    call("repos/create-repo-ruleset", "POST", "/rulesets", 404, json={"name": "x", "enforcement": "active"})
    ruleset = call("repos/create-repo-ruleset", "POST", "/rulesets", 201, http=as_admin, json={
        "name": "konten", "target": "branch", "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [{"type": "required_status_checks", "parameters": {
            "strict_required_status_checks_policy": False,
            "required_status_checks": [{"context": "konten/approval"}]}}],
    })
    call("repos/create-repo-ruleset", "POST", "/rulesets", 422, http=as_admin, json={"name": "konten", "enforcement": "active"})
    assert [r["id"] for r in call("repos/get-repo-rulesets", "GET", "/rulesets", 200, http=as_admin)] == [ruleset["id"]]
    call("repos/get-repo-ruleset", "GET", f"/rulesets/{ruleset['id']}", 200, pointer="/$defs/repository-ruleset", http=as_admin)
    call("repos/update-repo-ruleset", "PUT", f"/rulesets/{ruleset['id']}", 200, http=as_admin, json={"enforcement": "evaluate"})
    call("repos/update-repo-ruleset", "PUT", "/rulesets/1", 404, http=as_admin, json={"enforcement": "active"})
    call("repos/update-repo-ruleset", "PUT", f"/rulesets/{ruleset['id']}", 200, http=as_admin, json={"enforcement": "active"})
    rules = call("repos/get-branch-rules", "GET", "/rules/branches/main", 200)
    assert [(r["type"], r["ruleset_id"]) for r in rules] == [("required_status_checks", ruleset["id"])]
    assert call("repos/get-branch-rules", "GET", "/rules/branches/post/pemilu", 200) == []

    merged = call("pulls/merge", "PUT", f"/pulls/{n}/merge", 200, json={"merge_method": "merge", "sha": head})
    call("pulls/merge", "PUT", f"/pulls/{draft['number']}/merge", 405)
    call("pulls/merge", "PUT", f"/pulls/{n}/merge", 405)
    associated = call("repos/list-pull-requests-associated-with-commit", "GET", f"/commits/{head}/pulls", 200)
    assert [p["number"] for p in associated] == [n] and associated[0]["merged_at"] is not None
    assert server.branch_sha(REPO, "main") == merged["sha"]

    assert call.done >= implemented_operations(), implemented_operations() - call.done


def test_merge_writes_a_merge_commit_and_rulesets_block_it(server: GitHubServer, world: dict[str, Any]) -> None:
    n, head = world["number"], world["head"]
    server.create_branch(REPO, "setup")  # the ruleset is what `konten setup` writes
    http = client(server)
    server.add_token("ghp_ketua", "ketua")
    client(server, "ghp_ketua").post(f"/repos/{REPO}/rulesets", json={
        "name": "approvals", "enforcement": "active", "conditions": {"ref_name": {"include": ["refs/heads/main"]}},
        "rules": [{"type": "pull_request", "parameters": {
            "required_approving_review_count": 1, "dismiss_stale_reviews_on_push": False,
            "require_code_owner_review": False, "require_last_push_approval": False,
            "required_review_thread_resolution": False}}],
    }).raise_for_status()
    blocked = http.put(f"/repos/{REPO}/pulls/{n}/merge", json={})
    assert blocked.status_code == 405 and "1 approving review is required" in blocked.json()["message"]
    assert server.pull(REPO, n)["mergeable_state"] == "blocked"
    with pytest.raises(GitHubError, match="Can not approve your own pull request"):
        server.review(REPO, n, "penulis", "APPROVE")
    server.review(REPO, n, "ketua", "APPROVE")
    before = server.branch_sha(REPO, "main")
    sha = server.merge(REPO, n, "ketua")
    assert http.get(f"/repos/{REPO}/git/commits/{sha}").json()["parents"] == [
        {"sha": p, "url": f"{server.url}/repos/{REPO}/git/commits/{p}", "html_url": f"https://github.com/{REPO}/commit/{p}"}
        for p in (before, head)
    ]
    assert server.file(REPO, "main", "content/pemilu.md") == b"Judul\n\nIsi baru.\n"
    merged = server.pull(REPO, n)
    assert merged["merged"] and merged["merged_by"]["login"] == "ketua" and merged["merge_commit_sha"] == sha
    # the closed pull keeps its commits and files even though main now contains them
    assert merged["commits"] == 2 and merged["changed_files"] == 1


def test_conflicting_pull_is_not_mergeable(server: GitHubServer, world: dict[str, Any]) -> None:
    server.commit(REPO, "main", {"content/pemilu.md": b"Lain\n"}, "ketua", "Conflicting edit")
    pull = server.pull(REPO, world["number"])
    assert pull["mergeable"] is False and pull["mergeable_state"] == "dirty"
    response = client(server).put(f"/repos/{REPO}/pulls/{world['number']}/merge", json={})
    assert response.status_code == 405 and response.json()["message"] == "Pull Request is not mergeable"


# -- pagination ----------------------------------------------------------------------------------
def test_link_headers_match_the_recorded_session(server: GitHubServer, world: dict[str, Any]) -> None:
    """13 items at per_page=3, like octokit's recorded paginate-issues scenario: same Link headers."""
    recorded = json.loads((GH / "recorded" / "paginate-issues" / "normalized-fixture.json").read_text())
    pages = [r for r in recorded if r["path"].startswith("/repos/") or r["path"].startswith("/repositories/")]
    repo_id = server.repos[REPO].id
    http = client(server)
    for i in range(13):
        http.post(f"/repos/{REPO}/issues/{world['number']}/comments", json={"body": f"c{i}"}).raise_for_status()
    ours = f"{server.url}/repositories/{repo_id}/issues/{world['number']}/comments"
    url: str | None = f"/repos/{REPO}/issues/{world['number']}/comments?per_page=3"
    seen = []
    for page in pages:
        response = http.get(url)  # type: ignore[arg-type]
        expected = page["headers"]["link"].replace("https://api.github.com/repositories/1000/issues", ours)
        assert response.headers["link"] == expected
        seen += [c["body"] for c in response.json()]
        url = httpx.Response(200, headers=response.headers).links.get("next", {}).get("url")
    assert url is None and seen == [f"c{i}" for i in range(13)]


def test_250_commits_paginate_with_httpx_and_ghapi(server: GitHubServer, clock: Clock) -> None:
    server.create_repo(OWNER, NAME, {"a.txt": b"0"}, collaborators={"penulis": "write", "kasubag": "write"})
    server.create_branch(REPO, "long")
    shas = []
    for i in range(260):  # GitHub lists at most 250 commits of a pull request
        clock.tick()
        shas.append(server.commit(REPO, "long", {"a.txt": str(i + 1).encode()}, "penulis", f"c{i}"))
    n = server.open_pull(REPO, "long", "main", "penulis", "Long")
    http = client(server)
    first = http.get(f"/repos/{REPO}/pulls/{n}/commits", params={"per_page": 100})
    rid = server.repos[REPO].id
    base = f"{server.url}/repositories/{rid}/pulls/{n}/commits?per_page=100"
    assert first.headers["link"] == f'<{base}&page=2>; rel="next", <{base}&page=3>; rel="last"'
    got, response = [], first
    while True:
        got += [c["sha"] for c in response.json()]
        if "next" not in response.links:
            break
        response = http.get(response.links["next"]["url"])
    assert got == shas[:250]
    assert response.headers["link"] == f'<{base}&page=2>; rel="prev", <{base}&page=1>; rel="first"'

    for i in range(250):
        server.review(REPO, n, "kasubag", "COMMENT", body=f"r{i}")
    api = GhApi(owner=OWNER, repo=NAME, token=TOKEN, gh_host=server.url, sync=True)
    pages = list(sync_paged(api.pulls.list_reviews, n, per_page=30))
    assert [len(p) for p in pages] == [30] * 8 + [10]
    assert [r.body for p in pages for r in p] == [f"r{i}" for i in range(250)]
    api.pulls.list_reviews(n, per_page=30)
    assert api.last_page() == 9  # ghapi reads rel="last" of the latest response
    beyond = http.get(f"/repos/{REPO}/pulls/{n}/reviews", params={"page": 10})
    assert beyond.json() == []
    assert max(int(r.query.get("per_page", ["30"])[0]) for r in server.calls("GET", "/reviews$")) == 30
    capped = http.get(f"/repos/{REPO}/pulls/{n}/reviews", params={"per_page": 1000})
    assert len(capped.json()) == 100


# -- errors --------------------------------------------------------------------------------------
def test_error_shapes(server: GitHubServer, world: dict[str, Any]) -> None:
    n = world["number"]
    missing = client(server, token=None).get(f"/repos/{REPO}")
    wrong = client(server, token="ghs_wrong").get(f"/repos/{REPO}")
    assert (missing.status_code, missing.json()["message"]) == (401, "Requires authentication")
    assert wrong.status_code == 401
    assert wrong.json() == {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}

    http = client(server)
    nothing = http.get("/repos/nobody/nothing")
    assert nothing.json() == {"message": "Not Found", "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository", "status": "404"}
    assert http.get("/no/such/route").json()["message"] == "Not Found"

    recorded = json.loads((GH / "recorded" / "errors" / "normalized-fixture.json").read_text())[0]
    invalid = http.post(f"/repos/{REPO}/statuses/{world['head']}", json={"state": "green"})
    assert invalid.status_code == recorded["status"] == 422
    assert set(recorded["response"]) <= set(invalid.json())
    assert invalid.json()["errors"] == [{"resource": "Status", "code": "custom", "field": "state"}]

    author = http.post(f"/repos/{REPO}/pulls/{n}/requested_reviewers", json={"reviewers": ["penulis"]})
    assert author.status_code == 422
    assert author.json()["message"] == "Review cannot be requested from pull request author."
    outsider = http.post(f"/repos/{REPO}/pulls/{n}/requested_reviewers", json={"reviewers": ["stranger"]})
    assert outsider.status_code == 422 and "not a collaborator" in outsider.json()["message"]

    path = f"/repos/{REPO}/contents/ledger.json"
    put = http.put(path, json={"message": "m", "content": "W10="})
    stale = http.put(path, json={"message": "m", "content": "W1tdXQ==", "sha": blob_sha(b"old")})
    assert (put.status_code, stale.status_code) == (201, 409)
    assert stale.json()["message"] == f"ledger.json does not match {blob_sha(b'old')}"
    again = http.put(path, json={"message": "m", "content": "W10="})
    assert again.status_code == 422 and again.json()["message"] == 'Invalid request.\n\n"sha" wasn\'t supplied.'

    server.exhaust_rate_limit()
    limited = http.get(f"/repos/{REPO}")
    assert limited.status_code == 403 and limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.json()["message"].startswith("API rate limit exceeded for user ID 41898282.")
    assert int(limited.headers["x-ratelimit-reset"]) > int(T0.timestamp())
    server.reset_rate_limit()
    ok = http.get(f"/repos/{REPO}")
    assert ok.status_code == 200 and ok.headers["x-ratelimit-used"] == "1"
    assert re.fullmatch(r"[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{7}:[0-9A-F]{7}:[0-9A-F]{8}", ok.headers["x-github-request-id"])


def test_rate_limit_resets_with_the_clock(server: GitHubServer, world: dict[str, Any], clock: Clock) -> None:
    server.exhaust_rate_limit()
    http = client(server)
    assert http.get(f"/repos/{REPO}").status_code == 403
    clock.tick(61)
    assert http.get(f"/repos/{REPO}").status_code == 200


# -- ghapi against the server --------------------------------------------------------------------
def test_ghapi_session(server: GitHubServer, world: dict[str, Any]) -> None:
    """What one `konten check` run does, through ghapi's generated calls; each call is one request."""
    n, head = world["number"], world["head"]
    server.review(REPO, n, "kasubag", "APPROVE", body="ok")
    api = GhApi(owner=OWNER, repo=NAME, token=TOKEN, gh_host=server.url + "/", sync=True)
    pull = api.pulls.get(n)
    assert pull.head.sha == head and pull.user.login == "penulis"
    assert [r.state for r in api.pulls.list_reviews(n)] == ["APPROVED"]
    status = api.repos.create_commit_status(head, state="pending", context="konten/approval", description="2 of 3")
    assert status.state == "pending" and server.statuses(REPO, head)[0]["description"] == "2 of 3"
    api.pulls.request_reviewers(n, reviewers=["ketua"])
    assert server.requested_reviewers(REPO, n) == ["ketua"]
    comment = api.issues.create_comment(n, body="<!-- konten -->\nMenunggu")
    api.issues.update_comment(comment.id, body="<!-- konten -->\nSelesai")
    assert [c["body"] for c in server.comments(REPO, n)] == ["<!-- konten -->\nSelesai"]
    assert [r.path for r in server.requests] == [
        f"/repos/{REPO}/pulls/{n}", f"/repos/{REPO}/pulls/{n}/reviews", f"/repos/{REPO}/statuses/{head}",
        f"/repos/{REPO}/pulls/{n}/requested_reviewers", f"/repos/{REPO}/issues/{n}/comments",
        f"/repos/{REPO}/issues/comments/{comment.id}",
    ]
    assert api.limit_rem == "4994"

    with pytest.raises(APIError) as error:
        api.pulls.request_reviewers(n, reviewers=["penulis"])
    assert error.value.status_code == 422
    server.inject(Fault(method="GET", path=r"/pulls/\d+$", status=502, body={"message": "Server Error"}))
    with pytest.raises(APIError) as error:
        api.pulls.get(n)
    assert error.value.status_code == 502


def test_ledger_with_contents_api_on_a_data_branch(server: GitHubServer, world: dict[str, Any]) -> None:
    server.create_branch(REPO, "data")
    api = GhApi(owner=OWNER, repo=NAME, token=TOKEN, gh_host=server.url, sync=True)
    with pytest.raises(APIError) as error:
        api.repos.get_content("ledger.json", ref="data")
    assert error.value.status_code == 404
    api.repos.create_or_update_file_contents("ledger.json", message="init", content="W10=", branch="data")
    got = api.repos.get_content("ledger.json", ref="data")
    assert base64.b64decode(got.content) == b"[]"
    raw = api.repos.get_content("ledger.json", ref="data", headers_={"Accept": "application/vnd.github.raw+json"})
    assert raw == "[]"
    api.repos.create_or_update_file_contents("ledger.json", message="one", content="WzFd", sha=got.sha, branch="data")
    with pytest.raises(APIError) as error:  # a second writer holding the old sha loses
        api.repos.create_or_update_file_contents("ledger.json", message="two", content="WzJd", sha=got.sha, branch="data")
    assert error.value.status_code == 409
    assert server.file(REPO, "data", "ledger.json") == b"[1]" and server.file(REPO, "main", "ledger.json") is None


# -- webhook payloads ----------------------------------------------------------------------------
WEBHOOK_SCHEMAS = GH / "webhooks" / "schemas"


@functools.cache
def webhook_registry() -> Registry:
    """Every octokit/webhooks schema under its `$id`, so relative `$ref`s resolve."""
    registry: Registry = Registry()
    for path in WEBHOOK_SCHEMAS.rglob("*.schema.json"):
        contents = json.loads(path.read_text())
        registry = registry.with_resource(contents["$id"], Resource.from_contents(contents, default_specification=DRAFT7))
    return registry


def webhook_validator(event: str, action: str) -> Draft7Validator:
    schema = json.loads((WEBHOOK_SCHEMAS / event / f"{action}.schema.json").read_text())
    return Draft7Validator(schema, registry=webhook_registry())


@pytest.mark.parametrize(("event", "action"), [
    ("pull_request", "opened"), ("pull_request", "synchronize"), ("pull_request", "ready_for_review"),
    ("pull_request", "review_requested"), ("pull_request", "closed"), ("pull_request_review", "submitted"),
    ("pull_request_review", "dismissed"),
])
def test_event_payloads_match_the_webhook_schemas(server: GitHubServer, world: dict[str, Any], event: str, action: str) -> None:
    n, extra = world["number"], {}
    if action == "synchronize":
        extra["before"] = world["commits"][0]
    if action == "review_requested":
        server.request_reviewers(REPO, n, ["kasubag"])
        extra["requested_reviewer"] = "kasubag"
    if action == "closed":
        server.merge(REPO, n, "ketua")
    if event == "pull_request_review":
        review = server.review(REPO, n, "kasubag", "APPROVE")
        if action == "dismissed":
            client(server).put(f"/repos/{REPO}/pulls/{n}/reviews/{review}/dismissals", json={"message": "x"})
    sender = "kasubag" if event == "pull_request_review" else "penulis"
    payload = server.event_payload(REPO, n, event, action, sender, **extra)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:150]}"
              for e in webhook_validator(event, action).iter_errors(payload)]
    assert not errors, errors[:5]
    example = json.loads((GH / "webhooks" / "examples" / event / f"{'submitted' if event == 'pull_request_review' else 'opened'}.payload.json").read_text())
    assert set(payload) <= set(example) | {"before", "after", "requested_reviewer"}
    assert payload["sender"]["login"] == sender and payload["repository"]["full_name"] == REPO
