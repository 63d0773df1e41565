"""The publisher's own guarantees, over real sockets: approval re-verification against GitHub,
the ledger's compare-and-swap (folder and GitHub data branch), renames, concurrent runs,
re-runs, dry runs, rotating tokens and secrets that never leak."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from pipeline.config import load_sop
from pipeline.errors import ApprovalError
from pipeline.github import GitHub, GitHubStore
from pipeline.ledger import Conflict, FolderStore, Ledger
from pipeline.publish import Approval, GitHubApprovals, Publisher, Redactor
from pipeline.sandbox.github import GitHubServer
from pipeline.sandbox.meta import MetaServer
from pipeline.tokens import EncryptedTokens, MissingTokenKey

REPO = Path(__file__).resolve().parents[1]
ITEM = "2026/11/pengumuman-rekrutmen-badan-adhoc"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ROLES = ["budi", "sari", "agus", "dewi"]


def sop_text() -> str:
    text = (REPO / "sop.yml").read_text(encoding="utf-8")
    for placeholder, login in zip(["ganti-subkoor-tekmas", "ganti-kabag-hth", "ganti-sekretaris", "ganti-komisioner"],
                                  ROLES):
        text = text.replace(placeholder, login)
    return text.replace("ganti-admin-medsos", "admin")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository folder with sop.yml and one Facebook-only text item due now."""
    root = tmp_path / "repo"
    (root / "content" / ITEM).mkdir(parents=True)
    (root / "sop.yml").write_text(sop_text(), encoding="utf-8")
    (root / "content" / ITEM / "index.md").write_text(
        "---\ntitle: Pengumuman Rekrutmen PPK\nkind: pengumuman\nplatforms: [facebook]\n---\n"
        "Pendaftaran PPK dibuka 1-7 Desember 2026.\n", encoding="utf-8")
    return root


def always_approved(item: object) -> Approval:
    return Approval({"number": 7, "url": "https://github.com/o/r/pull/7", "author": "rina"}, [])


@pytest.fixture
def meta() -> MetaServer:
    with MetaServer() as server:
        yield server  # type: ignore[misc]


def publisher(project: Path, ledger: Ledger, meta: MetaServer, **kwargs: object) -> Publisher:
    environ = {"KONTEN_FACEBOOK_GRAPH_URL": meta.url, "KONTEN_FACEBOOK_VIDEO_URL": meta.url,
               "FACEBOOK_PAGE_TOKEN": MetaServer.PAGE_TOKEN}
    sop = load_sop(project / "sop.yml")
    sop.platforms["facebook"].options["page_id"] = MetaServer.PAGE_ID
    out: list[str] = kwargs.pop("out", [])  # type: ignore[assignment]
    return Publisher(sop=sop, root=project, ledger=ledger, approvals=kwargs.pop("approvals", always_approved),
                     tokens=EncryptedTokens(ledger.store, environ), now=lambda: NOW, environ=environ,
                     out=out.append, sleep=lambda s: None, **kwargs)  # type: ignore[arg-type]


# -- the ledger's compare-and-swap -------------------------------------------------------------
def test_folder_store_refuses_a_write_based_on_a_stale_read(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    first = store.put("ledger/a.json", "1", None, "create")
    with pytest.raises(Conflict):
        store.put("ledger/a.json", "2", None, "create again")
    second = store.put("ledger/a.json", "2", first, "update")
    with pytest.raises(Conflict):
        store.put("ledger/a.json", "3", first, "stale update")
    assert store.get("ledger/a.json") == ("2", second)


def test_github_store_uses_the_blob_sha_as_version_on_a_data_branch() -> None:
    with GitHubServer() as server:
        server.create_repo("kpu", "konten", {"README.md": b"x"})
        store = GitHubStore(GitHub("kpu/konten", "ghs_sandbox_token", server.url))
        assert store.get("ledger/items/a/x.json") == (None, None)
        version = store.put("ledger/items/a/x.json", '{"state": "pending"}\n', None, "claim")
        with pytest.raises(Conflict):
            store.put("ledger/items/a/x.json", "{}", None, "second claim")
        store.put("ledger/items/a/x.json", '{"state": "published"}\n', version, "done")
        with pytest.raises(Conflict):
            store.put("ledger/items/a/x.json", "{}", version, "stale")
        assert server.file("kpu/konten", "konten-data", "ledger/items/a/x.json") == b'{"state": "published"}\n'
        assert server.file("kpu/konten", "main", "ledger/items/a/x.json") is None
        assert list(store.list("ledger")) == ["ledger/items/a/x.json"]


def test_github_store_reads_a_checkout_of_the_data_branch_without_requests(tmp_path: Path) -> None:
    with GitHubServer() as server:
        server.create_repo("kpu", "konten", {"README.md": b"x"})
        gh = GitHub("kpu/konten", "ghs_sandbox_token", server.url)
        path = "ledger/items/a/x.json"
        GitHubStore(gh).put(path, '{"state": "pending"}\n', None, "claim")
        (tmp_path / "ledger/items/a").mkdir(parents=True)  # the workflow's checkout of konten-data
        (tmp_path / path).write_bytes(server.file("kpu/konten", "konten-data", path) or b"")
        store, before = GitHubStore(gh, mirror=tmp_path), len(server.requests)
        text, version = store.get(path)
        assert text == '{"state": "pending"}\n' and store.get("ledger/none.json") == (None, None)
        assert list(store.list("ledger")) == [path] and len(server.requests) == before  # no request at all
        version = store.put(path, '{"state": "published"}\n', version, "done")  # the blob sha is GitHub's own
        assert store.get(path) == ('{"state": "published"}\n', version)  # the checkout follows our writes
        GitHubStore(gh).put(path, "{}\n", version, "another run")  # GitHub moves on; the checkout does not
        with pytest.raises(Conflict):
            store.put(path, '{"state": "failed"}\n', version, "stale")
        assert server.file("kpu/konten", "konten-data", path) == b"{}\n"


# -- exactly once ----------------------------------------------------------------------------
def test_a_rerun_does_not_post_again(project: Path, tmp_path: Path, meta: MetaServer) -> None:
    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    first = publisher(project, ledger, meta).run()
    assert [(a.platform, a.state) for a in first] == [("facebook", "published")]
    assert publisher(project, ledger, meta).run() == []
    assert len(meta.page_posts) == 1
    record, _ = ledger.platform(ITEM, "facebook")
    assert record is not None and record.state == "published" and record.url


def test_a_renamed_folder_is_not_posted_again(project: Path, tmp_path: Path, meta: MetaServer) -> None:
    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    publisher(project, ledger, meta).run()
    shutil.move(str(project / "content" / ITEM), str(project / "content" / "2026/11/pengumuman-ppk"))
    attempts = publisher(project, ledger, meta).run()
    assert [(a.item, a.state) for a in attempts] == [("2026/11/pengumuman-ppk", "skipped")]
    assert len(meta.page_posts) == 1
    record = ledger.item(ITEM)
    assert record is not None and record.aliases == ["2026/11/pengumuman-ppk"]


def test_a_folder_renamed_after_a_failure_posts_under_its_first_name(project: Path, tmp_path: Path,
                                                                      meta: MetaServer) -> None:
    from pipeline.sandbox.http import Fault

    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    meta.inject(Fault(method="POST", path=r"/feed$", status=400, body={"error": {
        "message": "(#200) The user hasn't authorized the application", "type": "OAuthException", "code": 200}}))
    assert [a.state for a in publisher(project, ledger, meta).run()] == ["failed"]
    shutil.move(str(project / "content" / ITEM), str(project / "content" / "2026/11/pengumuman-ppk"))
    attempts = publisher(project, ledger, meta).run()
    assert [(a.item, a.state) for a in attempts] == [("2026/11/pengumuman-ppk", "published")]
    assert len(meta.page_posts) == 1
    record, _ = ledger.platform(ITEM, "facebook")  # still one record, under the first folder's name
    assert record is not None and record.state == "published" and record.attempts == 2
    assert ledger.platform("2026/11/pengumuman-ppk", "facebook") == (None, None)
    assert publisher(project, ledger, meta).run()[0].state == "skipped" and len(meta.page_posts) == 1


def test_a_renamed_folder_still_names_the_first_folders_unknown_post(project: Path, tmp_path: Path,
                                                                     meta: MetaServer) -> None:
    from pipeline.sandbox.http import Fault

    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    meta.inject(Fault(method="POST", path=r"/feed$", apply=True, drop=True))  # posted, answer lost
    assert [a.state for a in publisher(project, ledger, meta).run()] == ["unknown"]
    shutil.move(str(project / "content" / ITEM), str(project / "content" / "2026/11/pengumuman-ppk"))
    attempts = publisher(project, ledger, meta).run()
    assert [(a.item, a.platform, a.state) for a in attempts] == [("2026/11/pengumuman-ppk", "facebook", "unknown")]
    assert len(meta.page_posts) == 1


def test_a_post_that_went_out_outlives_a_resolve_made_meanwhile(project: Path, tmp_path: Path,
                                                                  meta: MetaServer) -> None:
    """The admin settled the record with --retry while this run was posting: the post stands."""
    from pipeline.ledger import PlatformRecord

    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    job = publisher(project, ledger, meta)
    claimed = ledger.write_platform(ITEM, PlatformRecord("facebook", "pending", NOW.isoformat(), attempts=1), None)
    ledger.write_platform(ITEM, PlatformRecord("facebook", "failed", NOW.isoformat(), attempts=0), claimed)
    job.write_final(ITEM, PlatformRecord("facebook", "published", NOW.isoformat(), post_id="1_2", url="u"), claimed)
    record, version = ledger.platform(ITEM, "facebook")
    assert record is not None and record.state == "published"
    # the other way round: the admin recorded it as published; a late failure does not undo that
    job.write_final(ITEM, PlatformRecord("facebook", "failed", NOW.isoformat(), error="x"), claimed)
    assert ledger.platform(ITEM, "facebook")[0].state == "published"  # type: ignore[union-attr]


def test_a_post_github_cannot_record_stays_claimed_and_the_admin_is_told_how_to_record_it(
        project: Path, tmp_path: Path) -> None:
    from pipeline.sandbox.http import Fault, Request, Response

    with GitHubServer() as github:
        github.create_repo("kpu", "konten", {"README.md": b"x"})

        class Meta(MetaServer):  # GitHub fails right after the post is made
            def dispatch(self, request: Request) -> Response:
                if request.method == "POST" and request.path.endswith("/feed"):
                    github.inject(Fault(method="PUT", path=r"/contents/ledger/items/", status=502,
                                        body={"message": "Server Error"}, times=10))
                return super().dispatch(request)

        with Meta() as meta:
            ledger = Ledger(GitHubStore(GitHub("kpu/konten", "ghs_sandbox_token", github.url)))
            out: list[str] = []
            [attempt] = publisher(project, ledger, meta, out=out).run()
            github.faults.clear()
            assert attempt.state == "published" and len(meta.page_posts) == 1
            record, _ = ledger.platform(ITEM, "facebook")
            assert record is not None and record.state == "pending"  # claimed: never posted again by itself
            told = next(line for line in out if "tidak dapat dicatat" in line)
            assert f"konten ledger resolve {ITEM} facebook --published {attempt.url}" in told
            assert publisher(project, ledger, meta).run() == [] and len(meta.page_posts) == 1


def test_two_runs_at_once_post_once(project: Path, tmp_path: Path, meta: MetaServer) -> None:
    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    meta.latency = 0.2  # both runs are in flight together
    results: list[list[object]] = []
    runs = [threading.Thread(target=lambda: results.append(publisher(project, ledger, meta).run())) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    states = sorted(a.state for attempts in results for a in attempts)  # type: ignore[attr-defined]
    assert states in (["published", "skipped"], ["published"])
    assert len(meta.page_posts) == 1


def test_not_due_yet_is_left_alone(project: Path, tmp_path: Path, meta: MetaServer) -> None:
    index = project / "content" / ITEM / "index.md"
    index.write_text(index.read_text().replace("platforms:", "publish_at: 2026-12-24 09:00\nplatforms:"))
    assert publisher(project, Ledger(FolderStore(tmp_path / "ledger")), meta).run() == []
    assert not meta.page_posts and not meta.requests


def test_dry_run_sends_and_records_nothing(project: Path, tmp_path: Path, meta: MetaServer) -> None:
    out: list[str] = []
    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    attempts = publisher(project, ledger, meta, out=out).run(dry_run=True)
    assert [(a.platform, a.state) for a in attempts] == [("facebook", "dry-run")]
    assert meta.requests == [] and not (tmp_path / "ledger").exists()
    assert any("Pendaftaran PPK dibuka" in line and "Facebook" in line for line in out)


def test_a_refused_approval_posts_nothing(project: Path, tmp_path: Path, meta: MetaServer) -> None:
    def refuse(item: object) -> Approval:
        raise ApprovalError("publish.not_approved", item=ITEM, number=7, done=2, total=4)

    attempts = publisher(project, Ledger(FolderStore(tmp_path / "ledger")), meta, approvals=refuse).run()
    assert [(a.platform, a.state) for a in attempts] == [("facebook", "refused")]
    assert "2/4" in (attempts[0].reason or "")
    assert meta.requests == []


def test_secrets_never_reach_the_ledger_or_the_output(project: Path, tmp_path: Path, meta: MetaServer) -> None:
    out: list[str] = []
    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    meta.expire_token(MetaServer.PAGE_TOKEN)  # the error path is where tokens leak
    attempts = publisher(project, ledger, meta, out=out).run()
    assert attempts[0].state == "failed"
    written = "".join(p.read_text() for p in (tmp_path / "ledger").rglob("*.json"))
    for text in (written, "\n".join(out), json.dumps([a.__dict__ for a in attempts])):
        assert MetaServer.PAGE_TOKEN not in text


def test_the_redactor_masks_every_secret() -> None:
    redact = Redactor(["s3cr3t-token", "abc", ""])
    assert redact("token=s3cr3t-token&x=abc") == "token=***&x=abc"  # too short to be a secret: kept
    pasted = Redactor(["EAAB-page-token\n"])  # a secret pasted with its line break, as exceptions quote it
    assert "EAAB" not in (pasted("Illegal header value b'OAuth EAAB-page-token\\n'") or "")


def test_a_secret_pasted_with_a_line_break_still_works(project: Path, tmp_path: Path, meta: MetaServer) -> None:
    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    job = publisher(project, ledger, meta)
    job.environ["FACEBOOK_PAGE_TOKEN"] += "\n"
    assert [a.state for a in job.run()] == ["published"]


def test_step_8_starts_at_the_scheduled_time_not_the_merge() -> None:
    from pipeline.chain import Commit, PullFacts, evaluate
    from pipeline.publish import approval_steps

    sop = load_sop(REPO / "sop.yml")
    facts = PullFacts(1, "rina", "a" * 40, NOW, False, (Commit("a" * 40, "rina", NOW),), ())
    merged, scheduled = NOW + timedelta(hours=1), NOW + timedelta(days=2)
    steps = approval_steps(sop, evaluate(sop.chain, facts, merged), facts, merged,
                           scheduled + timedelta(minutes=3), scheduled)
    assert (steps[-1].started_at, steps[-1].minutes_taken, steps[-1].overdue) == (scheduled.isoformat(), 3.0, False)


# -- approvals re-verified against GitHub -------------------------------------------------------
class Stage:
    """A sandbox repository where the demo item arrives by pull request."""

    def __init__(self, server: GitHubServer, project: Path) -> None:
        self.server = server
        self.repo = "kpu/konten"
        files = {"sop.yml": sop_text().encode()}
        collaborators = {login: "write" for login in ["rina", *ROLES]} | {"admin": "admin"}
        server.create_repo("kpu", "konten", files, collaborators=collaborators)
        server.create_branch(self.repo, "konten/ppk")
        item = project / "content" / ITEM / "index.md"
        server.commit(self.repo, "konten/ppk", {f"content/{ITEM}/index.md": item.read_bytes()}, "rina", "Konsep")
        self.number = server.open_pull(self.repo, "konten/ppk", "main", "rina", "Konsep PPK")

    def approve(self, logins: list[str]) -> None:
        for login in logins:
            self.server.review(self.repo, self.number, login, "APPROVE")

    def merge(self) -> str:
        return self.server.merge(self.repo, self.number, "admin")


def the_item(project: Path) -> object:
    from pipeline.content import read_item

    item, problems = read_item(project / "content" / ITEM, load_sop(project / "sop.yml"), project / "content")
    assert item is not None and not problems
    return item


def approvals_for(server: GitHubServer, project: Path, ledger: Ledger, sha: str) -> GitHubApprovals:
    gh = GitHub("kpu/konten", "ghs_sandbox_token", server.url)
    return GitHubApprovals(gh, load_sop(project / "sop.yml"), project, ledger, head_sha=sha)


def test_a_fully_approved_merged_pr_is_verified_with_its_trail(project: Path, tmp_path: Path) -> None:
    clock = {"now": NOW}
    with GitHubServer(clock=lambda: clock["now"]) as server:
        stage = Stage(server, project)
        for login in ROLES:
            clock["now"] += timedelta(minutes=20)
            stage.approve([login])
        sha = stage.merge()
        approval = approvals_for(server, project, Ledger(FolderStore(tmp_path)), sha).verify(the_item(project))
    assert approval.pr["number"] == stage.number
    chain_steps = [s for s in approval.steps if 3 <= s.step <= 6]
    assert [s.by for s in chain_steps] == [[login] for login in ROLES]
    assert [s.minutes_taken for s in chain_steps] == [20.0, 20.0, 20.0, 20.0]


def test_a_forged_status_does_not_publish(project: Path, tmp_path: Path) -> None:
    """Merged with a green status that someone posted by hand, but only two roles said ya."""
    with GitHubServer() as server:
        stage = Stage(server, project)
        stage.approve(ROLES[:2])
        head = server.pull(stage.repo, stage.number)["head"]["sha"]
        server.set_status(stage.repo, head, "success", context="konten/persetujuan", description="forged")
        sha = stage.merge()
        with pytest.raises(ApprovalError) as refused:
            approvals_for(server, project, Ledger(FolderStore(tmp_path)), sha).verify(the_item(project))
    assert refused.value.code == "publish.not_approved"
    assert "2/4" in refused.value.render("id")


def test_content_changed_after_its_approval_is_verified_again(project: Path, tmp_path: Path) -> None:
    """The ledger remembers the approving PR; a later direct push to the item is not covered by it."""
    from pipeline.publish import content_digest

    ledger = Ledger(FolderStore(tmp_path))
    with GitHubServer() as server:
        stage = Stage(server, project)
        stage.approve(ROLES)
        sha = stage.merge()
        item = the_item(project)
        approval = approvals_for(server, project, ledger, sha).verify(item)
        Publisher(sop=load_sop(project / "sop.yml"), root=project, ledger=ledger, approvals=None,
                  tokens=EncryptedTokens(ledger.store, {}), out=lambda _: None).record_item(item, approval)
        assert ledger.item(ITEM).fingerprint == content_digest(item)  # type: ignore[union-attr]
        index = project / "content" / ITEM / "index.md"
        index.write_text(index.read_text(encoding="utf-8") + "Kalimat yang tidak pernah disetujui.\n",
                         encoding="utf-8")
        pushed = server.commit(stage.repo, "main", {f"content/{ITEM}/index.md": index.read_bytes()}, "admin",
                               "direct push")
        with pytest.raises(ApprovalError) as refused:
            approvals_for(server, project, ledger, pushed).verify(the_item(project))
    assert refused.value.code == "publish.no_pr"


def test_an_item_no_pr_brought_in_is_refused(project: Path, tmp_path: Path) -> None:
    with GitHubServer() as server:
        server.create_repo("kpu", "konten", {"sop.yml": sop_text().encode()})
        sha = server.commit("kpu/konten", "main", {"content/x.md": b"x"}, "admin", "direct push")
        with pytest.raises(ApprovalError) as refused:
            approvals_for(server, project, Ledger(FolderStore(tmp_path)), sha).verify(the_item(project))
    assert refused.value.code == "publish.no_pr"


# -- rotating tokens -----------------------------------------------------------------------------
def test_a_rotated_token_is_kept_encrypted_for_the_next_run(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    store = FolderStore(tmp_path)
    env = {"KONTEN_TOKEN_KEY": key, "TIKTOK_REFRESH_TOKEN": "rt-from-admin"}
    tokens = EncryptedTokens(store, env)
    assert tokens.load("TIKTOK_REFRESH_TOKEN") == "rt-from-admin"
    tokens.save("TIKTOK_REFRESH_TOKEN", "rt-rotated-1")
    assert "rt-rotated-1" not in (tmp_path / "tokens" / "tiktok_refresh_token.enc").read_text()
    assert EncryptedTokens(store, env).load("TIKTOK_REFRESH_TOKEN") == "rt-rotated-1"
    tokens.save("TIKTOK_REFRESH_TOKEN", "rt-rotated-2")  # rotated again: still descends from the admin's
    assert EncryptedTokens(store, env).load("TIKTOK_REFRESH_TOKEN") == "rt-rotated-2"
    # the app was authorised again: the admin's new secret wins over the saved token
    renewed = {**env, "TIKTOK_REFRESH_TOKEN": "rt-from-admin-again\n"}
    assert EncryptedTokens(store, renewed).load("TIKTOK_REFRESH_TOKEN") == "rt-from-admin-again"
    with pytest.raises(MissingTokenKey):
        EncryptedTokens(store, {"TIKTOK_REFRESH_TOKEN": "x"}).save("TIKTOK_REFRESH_TOKEN", "y")


# -- the admin settles an unknown post ----------------------------------------------------------
def test_an_unknown_post_is_settled_by_the_admin_and_never_retried_blindly(
        project: Path, tmp_path: Path, meta: MetaServer, capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main
    from pipeline.sandbox.http import Fault

    ledger_dir = tmp_path / "ledger"
    ledger = Ledger(FolderStore(ledger_dir))
    meta.inject(Fault(method="POST", path=r"/feed$", apply=True, drop=True))  # posted, answer lost
    assert [a.state for a in publisher(project, ledger, meta).run()] == ["unknown"]
    again = publisher(project, ledger, meta).run()  # not retried by itself, and not forgotten either
    assert [(a.platform, a.state) for a in again] == [("facebook", "unknown")]
    assert again[0].reason is not None and again[0].reason.startswith("tercatat sejak 1 Des 2026 16.00 WIB")
    assert len(meta.page_posts) == 1

    url = "https://www.facebook.com/" + meta.page_posts[0]["id"]
    args = ["--root", str(project), "ledger", "resolve", ITEM, "facebook", "--published", url, "--ledger", str(ledger_dir)]
    assert main(args) == 0
    record, _ = ledger.platform(ITEM, "facebook")
    assert record is not None and (record.state, record.url) == ("published", url)
    assert "dicatat: published" in capsys.readouterr().out

    # a live post is not reopened by mistake; --retry --force posts again, on purpose
    retry = ["--root", str(project), "ledger", "resolve", ITEM, "facebook", "--retry", "--ledger", str(ledger_dir)]
    assert main(retry) == 1
    assert "bukan 'unknown' atau 'failed'" in capsys.readouterr().out
    assert main([*retry, "--force"]) == 0
    assert [a.state for a in publisher(project, ledger, meta).run()] == ["published"]
    assert len(meta.page_posts) == 2


def test_a_post_that_failed_too_often_waits_for_the_admin_on_every_run(project: Path, tmp_path: Path,
                                                                       meta: MetaServer) -> None:
    from pipeline.sandbox.http import Fault

    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    error = {"error": {"message": "(#200) Permissions error", "type": "OAuthException", "code": 200}}
    meta.inject(Fault(method="POST", path=r"/feed$", status=403, body=error, times=3))
    states = [publisher(project, ledger, meta).run()[0].state for _ in range(3)]
    assert states == ["failed", "failed", "gave-up"]
    later = publisher(project, ledger, meta).run()
    assert [(a.platform, a.state) for a in later] == [("facebook", "gave-up")]
    assert later[0].reason is not None and "Permissions error" in later[0].reason
    assert meta.page_posts == [] and not meta.faults


def test_an_invalid_item_on_the_default_branch_is_named_on_every_run(project: Path, tmp_path: Path, meta: MetaServer,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Merged past its validation: never posted, never silently dropped."""
    index = project / "content" / ITEM / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("platforms: [facebook]",
                                                               "platforms: [facebook]\nmedia:\n  - file: hilang.jpg\n    alt: x"),
                     encoding="utf-8")
    broken = project / "content" / "2026" / "11" / "rusak"
    broken.mkdir(parents=True)
    (broken / "index.md").write_text("---\ntitle: [tidak ditutup\n---\nteks\n", encoding="utf-8")
    out: list[str] = []
    ledger = Ledger(FolderStore(tmp_path / "ledger"))
    monkeypatch.chdir(project)  # as in the workflow: files are named from the repository's root
    for _ in range(2):
        rows = publisher(project, ledger, meta, out=out).run()
        assert sorted((a.item, a.platform, a.state) for a in rows) == [
            (ITEM, "facebook", "invalid"), ("2026/11/rusak", "-", "invalid")]
        assert all(a.reason and a.reason.startswith("content/2026/11/") for a in rows), rows
    assert meta.page_posts == [] and ledger.item(ITEM) is None
    assert any("hilang.jpg" in line for line in out)
