"""The admin's set-up from sop.yml: `konten codeowners` and `konten setup`, the latter against the
GitHub imitation over a real socket, with the ruleset checked against GitHub's own request schema."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator

from pipeline.cli import main
from pipeline.sandbox.github import GitHubError, GitHubServer

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
OPENAPI = SHARED / "fixtures" / "github" / "github-openapi-subset.json"
REPO = "kpu-jateng/konten"
ADMIN, ADMIN_TOKEN = "admin-medsos", "ghp_admin_medsos"
WRITER, WRITER_TOKEN = "penulis", "ghp_penulis"
CHAIN = ["subkoor-tekmas", "kabag-hth", "sekretaris", "komisioner"]
T0 = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)


def sop_text() -> str:
    """The repository's sop.yml with the placeholder logins `ganti-x` made `x`."""
    return (REPO_ROOT / "sop.yml").read_text(encoding="utf-8").replace("ganti-", "")


def owners(text: str) -> dict[str, list[str]]:
    """CODEOWNERS as GitHub reads it: pattern -> owners, comments and blank lines skipped."""
    table = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            pattern, *who = line.split()
            table[pattern] = who
    return table


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "sop.yml").write_text(sop_text(), encoding="utf-8")
    return tmp_path


# -- CODEOWNERS ---------------------------------------------------------------------------------
def test_codeowners_is_written_from_sop_and_check_fails_when_sop_changes(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(root), "codeowners", "--check"]) == 1  # none yet
    assert main(["--root", str(root), "codeowners"]) == 0
    written = (root / "CODEOWNERS").read_text(encoding="utf-8")
    table = owners(written)
    assert table["/content/"] == ["@" + login for login in CHAIN]
    for protected in ("*", "/sop.yml", "/.github/", "/pipeline/", "/CODEOWNERS"):
        assert table[protected] == ["@" + ADMIN], protected
    assert list(table)[0] == "*"  # the last matching pattern wins: the catch-all must come first
    assert main(["--root", str(root), "codeowners", "--check"]) == 0

    sop = root / "sop.yml"
    sop.write_text(sop.read_text(encoding="utf-8").replace("[sekretaris]", "[sekretaris, wakil-sekretaris]"),
                   encoding="utf-8")
    capsys.readouterr()
    assert main(["--root", str(root), "codeowners", "--check"]) == 1
    assert "tidak sesuai sop.yml" in capsys.readouterr().out
    assert (root / "CODEOWNERS").read_text(encoding="utf-8") == written  # --check never writes
    assert main(["--root", str(root), "codeowners"]) == 0
    assert "@wakil-sekretaris" in owners((root / "CODEOWNERS").read_text(encoding="utf-8"))["/content/"]


@pytest.mark.xfail(not (REPO_ROOT / "CODEOWNERS").exists(), strict=True,
                   reason="the repository has no CODEOWNERS yet: run `konten codeowners` at its root")
def test_repository_codeowners_is_fresh() -> None:
    assert main(["--root", str(REPO_ROOT), "codeowners", "--check"]) == 0


# -- ruleset ------------------------------------------------------------------------------------
@pytest.fixture
def clock() -> list[datetime]:
    """The imitation's time, moved by hand: `clock[0]`."""
    return [T0]


@pytest.fixture
def server(clock: list[datetime]) -> Iterator[GitHubServer]:
    gh = GitHubServer(token="ghs_actions", clock=lambda: clock[0])
    gh.start()
    gh.create_repo(*REPO.split("/"), {"README.md": b"# konten\n", "sop.yml": sop_text().encode()},
                   collaborators={ADMIN: "admin", WRITER: "write"}, owner_type="Organization")
    gh.add_token(ADMIN_TOKEN, ADMIN)
    gh.add_token(WRITER_TOKEN, WRITER)
    try:
        yield gh
    finally:
        gh.stop()


@pytest.fixture
def env(server: GitHubServer, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("GITHUB_API_URL", server.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_TOKEN", ADMIN_TOKEN)
    return monkeypatch


def request_schema(method: str) -> Draft7Validator:
    """GitHub's request body schema of the rulesets endpoint (`post` create, `put` update)."""
    spec = json.loads(OPENAPI.read_text(encoding="utf-8"))
    path = "/repos/{owner}/{repo}/rulesets" + ("/{ruleset_id}" if method == "put" else "")
    pointer = "/".join(["#", "paths", path.replace("~", "~0").replace("/", "~1"), method,
                        "requestBody", "content", "application~1json", "schema"])
    return Draft7Validator({**spec, "$ref": pointer})


def rulesets(server: GitHubServer) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server.url}/repos/{REPO}/rulesets", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert answer.status_code == 200
    return answer.json()


def test_setup_dry_run_prints_the_ruleset_and_changes_nothing(
    root: Path, server: GitHubServer, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(root), "setup"]) == 0
    out = capsys.readouterr().out
    printed = [json.loads(block) for block in re.split(r"^Uji coba.*--apply.*$", out, flags=re.M)[1:]]
    assert len(printed) == 2 and out.startswith("Uji coba")
    assert all(list(request_schema("post").iter_errors(p)) == [] for p in printed)
    assert [r.method for r in server.requests] == ["GET", "GET"]
    assert rulesets(server) == []


def test_setup_apply_creates_then_updates_one_ruleset_by_name(
    root: Path, server: GitHubServer, clock: list[datetime], env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--root", str(root), "setup", "--apply"]) == 0
    created = rulesets(server)
    assert capsys.readouterr().out.count("dibuat") == 2

    clock[0] = T0 + timedelta(hours=1)
    assert main(["--root", str(root), "setup", "--apply"]) == 0
    updated = rulesets(server)
    assert capsys.readouterr().out.count("diperbarui") == 2
    assert [(r["id"], r["name"]) for r in updated] == [(r["id"], r["name"]) for r in created]
    assert all(new["updated_at"] > old["updated_at"] for new, old in zip(updated, created))

    post, put = server.calls("POST", r"/rulesets$"), server.calls("PUT", r"/rulesets/\d+$")
    assert len(post) == 2 and len(put) == 2
    assert all(list(request_schema("post").iter_errors(p.json())) == [] for p in post)
    assert all(list(request_schema("put").iter_errors(p.json())) == [] for p in put)

    # the data branch keeps its history: no deletion, no force push, nothing else asked of it
    data = {r["type"] for r in httpx.get(f"{server.url}/repos/{REPO}/rules/branches/konten-data",
                                        headers={"Authorization": f"Bearer {WRITER_TOKEN}"}).json()}
    assert data == {"deletion", "non_fast_forward"}

    rules = {r["type"]: r.get("parameters") for r in
             httpx.get(f"{server.url}/repos/{REPO}/rules/branches/main",
                       headers={"Authorization": f"Bearer {WRITER_TOKEN}"}).json()}
    assert set(rules) == {"deletion", "non_fast_forward", "pull_request", "required_status_checks"}
    assert rules["pull_request"]["require_code_owner_review"] is True
    assert rules["required_status_checks"]["required_status_checks"] == [{"context": "konten/persetujuan"}]


def test_applied_ruleset_blocks_a_merge_without_the_status(
    root: Path, server: GitHubServer, env: pytest.MonkeyPatch
) -> None:
    assert main(["--root", str(root), "setup", "--apply"]) == 0
    server.create_branch(REPO, "draf")
    server.commit(REPO, "draf", {"content/x/index.md": b"---\ntitle: x\n---\nx\n"}, WRITER, "Draf")
    number = server.open_pull(REPO, "draf", "main", WRITER, "Draf")
    server.review(REPO, number, ADMIN, "APPROVE")
    with pytest.raises(GitHubError) as refused:
        server.merge(REPO, number, ADMIN)
    assert refused.value.status == 405
    assert 'Required status check "konten/persetujuan" is expected.' in refused.value.message


def test_setup_without_admin_rights_is_a_clear_error(
    root: Path, server: GitHubServer, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("GITHUB_TOKEN", WRITER_TOKEN)
    assert main(["--root", str(root), "setup", "--apply"]) == 1
    err = capsys.readouterr().err
    assert "(HTTP 404)" in err and "Traceback" not in err  # GitHub hides what you may not administer
    assert rulesets(server) == []


def test_request_schema_is_not_vacuous() -> None:
    validator = request_schema("post")
    assert list(validator.iter_errors({"name": "x", "enforcement": "active", "rules": [{"type": "no_such_rule"}]}))
    assert list(validator.iter_errors({"name": "x"}))  # enforcement is required
