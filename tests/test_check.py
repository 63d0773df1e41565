"""`konten check` end to end: the real CLI against the GitHub imitation, over a real socket.

Each scenario sets the stage through the imitation's control API, plays GitHub's events (the
octokit webhook examples, changed only in the fields a scenario sets) and runs the CLI after
every event, as the workflow does; then it reads the imitation's state: statuses, review
requests, comments. Every successful run is also held to the request budget (at most 8 for a
PR with <= 100 reviews, commits and files) and must report its exact count in the job summary.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pipeline.check import MARKER
from pipeline.cli import main
from pipeline.config import Sop, load_sop
from pipeline.sandbox.github import GitHubServer, Review
from pipeline.sandbox.http import Fault

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
EXAMPLES = SHARED / "fixtures" / "github" / "webhooks" / "examples"
ITEM = "content/2026/11/sosialisasi-pemilih-pemula"
OWNER, NAME = "kpu-jateng", "konten"
REPO = f"{OWNER}/{NAME}"
TOKEN = "ghs_konten_check_0001"
BRANCH = "konten/sosialisasi-pemilih-pemula"
HEAD_DIR = "pr-head"
AUTHOR = "penulis"
# sop.yml's placeholder logins -> the sandbox's officials, in chain order, then the admin.
LOGINS = {
    "ganti-subkoor-tekmas": "subkoor",
    "ganti-kabag-hth": "kabag",
    "ganti-sekretaris": "sekretaris",
    "ganti-komisioner": "komisioner",
    "ganti-admin-medsos": "admin-medsos",
}
CHAIN = ["subkoor", "kabag", "sekretaris", "komisioner"]
OUTSIDER = "pengamat"  # a collaborator in no role
T0 = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)  # 09.00 WIB
WIB = timedelta(hours=7)
BUDGET = 8
SUMMARY_COUNT = re.compile(r"\((\d+) (?:permintaan API|API requests)\)")


def sop_text(extra: dict[str, str] | None = None) -> str:
    """The repository's own sop.yml with sandbox logins in its roles (and `extra` replacements first)."""
    text = (REPO_ROOT / "sop.yml").read_text(encoding="utf-8")
    for old, new in {**(extra or {}), **LOGINS}.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def item_files() -> dict[str, bytes]:
    return {f"{ITEM}/{p.name}": p.read_bytes() for p in sorted((REPO_ROOT / ITEM).iterdir())}


def hhmm(moment: datetime) -> str:
    """A moment as WIB wall-clock text, computed here independently of the code under test."""
    return (moment.astimezone(timezone.utc) + WIB).strftime("%H.%M")


def waiting(done: int, role: str, since: datetime, overdue: bool = False) -> str:
    text = f"{done}/4 disetujui · menunggu {role} sejak {hhmm(since)} WIB, batas {hhmm(since + timedelta(minutes=30))}"
    return text + (" · lewat batas waktu" if overdue else "")


def shown(note: str) -> str:
    """A note as the comment shows it: every @ defused with a zero-width space, so nobody is pinged."""
    return note.replace("@", "@\u200b")


def webhook(kind: str, action: str, number: int, sender: str, review_state: str | None = None) -> dict[str, Any]:
    """A real octokit example payload, changed only in the fields this product's scenario sets."""
    data = json.loads((EXAMPLES / kind / f"{action}.payload.json").read_text(encoding="utf-8"))
    if "number" in data:
        data["number"] = number
    data["pull_request"]["number"] = number
    data["repository"].update(full_name=REPO, name=NAME)
    data["repository"]["owner"]["login"] = OWNER
    data["sender"]["login"] = sender
    if review_state is not None:
        data["review"]["state"] = review_state
        data["review"]["user"]["login"] = sender
    return data


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: float = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@dataclass
class Run:
    code: int
    out: str
    err: str
    requests: int  # as the server counted them


class Stage:
    """One repository on the imitation, one PR, and `konten check` run as the workflow runs it."""

    def __init__(self, server: GitHubServer, clock: Clock, tmp: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str], sop: str) -> None:
        self.server, self.clock, self.tmp, self.capsys = server, clock, tmp, capsys
        self.root = tmp / "base"
        self.root.mkdir()
        (self.root / "sop.yml").write_text(sop, encoding="utf-8")
        self.sop: Sop = load_sop(self.root / "sop.yml")
        self.names = [role.name for role in self.sop.chain]
        self.summary = tmp / "summary.md"
        self.event = tmp / "event.json"
        people = {login: "write" for login in [*CHAIN, AUTHOR, OUTSIDER]}
        server.create_repo(OWNER, NAME, {"README.md": b"# konten\n", "sop.yml": sop.encode()},
                           collaborators={**people, "admin-medsos": "admin"}, owner_type="Organization")
        for key, value in {
            "GITHUB_API_URL": server.url, "GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": TOKEN,
            "GITHUB_EVENT_PATH": str(self.event), "GITHUB_STEP_SUMMARY": str(self.summary),
        }.items():
            monkeypatch.setenv(key, value)
        for key in ("GITHUB_RUN_ID", "GITHUB_ACTIONS"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.chdir(tmp)  # the workspace: the PR's files are checked out to ./pr-head, as in the workflow
        self.number = 0

    # -- events --------------------------------------------------------------------------------
    def create_pull(self, files: dict[str, bytes] | None = None, draft: bool = False, fork: str | None = None) -> None:
        """The author's branch with the item (or `files`) and the PR, before any workflow has run."""
        self.server.create_branch(REPO, BRANCH)
        self.server.commit(REPO, BRANCH, item_files() if files is None else files, AUTHOR, "Draf konten")
        self.number = self.server.open_pull(REPO, BRANCH, "main", AUTHOR, "Sosialisasi pemilih pemula", draft=draft,
                                            fork=fork)

    def open(self, files: dict[str, bytes] | None = None, draft: bool = False) -> Run:
        self.create_pull(files, draft)
        return self.check("pull_request", "opened", AUTHOR)

    def push(self, login: str, sentence: str, dated: datetime | None = None) -> Run:
        """`login` commits a changed caption (git dates it `dated`, default now); the synchronize event follows."""
        path = f"{ITEM}/index.md"
        text = self.server.file(REPO, BRANCH, path) or b""
        now, self.clock.now = self.clock.now, dated or self.clock.now
        self.server.commit(REPO, BRANCH, {path: text + sentence.encode() + b"\n"}, login, f"Perbaikan oleh {login}")
        self.clock.now = now
        return self.check("pull_request", "synchronize", login)

    def review(self, login: str, state: str, body: str = "") -> Run:
        self.server.review(REPO, self.number, login, state, body)
        latest = self.server.reviews(REPO, self.number)[-1]["state"]
        return self.check("pull_request_review", "submitted", login, review_state=latest.lower())

    def check(self, kind: str, action: str, sender: str, review_state: str | None = None,
              lang: str | None = None) -> Run:
        """Write the event file and the PR head's files, run the CLI, hold it to the budget."""
        self.event.write_text(json.dumps(webhook(kind, action, self.number, sender, review_state)), encoding="utf-8")
        head = self.tmp / HEAD_DIR
        shutil.rmtree(head, ignore_errors=True)
        files = self.server.repos[REPO].commits[self.server.branch_sha(REPO, BRANCH)].files
        for path, data in files.items():
            (head / path).parent.mkdir(parents=True, exist_ok=True)
            (head / path).write_bytes(data)
        seen = self.summary.read_text(encoding="utf-8") if self.summary.exists() else ""
        before = len(self.server.requests)
        argv = ["--root", str(self.root), *(["--lang", lang] if lang else []),
                "check", "--head", HEAD_DIR, "--now", self.clock.now.isoformat()]
        code = main(argv)
        run = Run(code, *self.capsys.readouterr(), len(self.server.requests) - before)
        if code == 0:
            written = self.summary.read_text(encoding="utf-8")[len(seen):]
            assert [int(n) for n in SUMMARY_COUNT.findall(written)] == [run.requests], written
            assert run.requests <= BUDGET, [f"{r.method} {r.path}" for r in self.server.requests[before:]]
        return run

    # -- the imitation's state -----------------------------------------------------------------
    @property
    def head(self) -> str:
        return self.server.branch_sha(REPO, BRANCH)

    def status(self) -> tuple[str, str]:
        ours = [s for s in self.server.statuses(REPO, self.head) if s["context"] == self.sop.status_context]
        assert ours, f"no {self.sop.status_context} status on {self.head}"
        return ours[0]["state"], ours[0]["description"]

    def requested(self) -> list[str]:
        return self.server.requested_reviewers(REPO, self.number)

    def review_requests(self) -> list[list[str]]:
        """Every POST of review requests so far, in order."""
        return [r.json()["reviewers"] for r in self.server.calls("POST", r"/requested_reviewers$")]

    def comment(self) -> dict[str, Any]:
        """The one marked comment (fails if there is none or several)."""
        marked = [c for c in self.server.comments(REPO, self.number) if MARKER in c["body"]]
        assert len(marked) == 1, [c["body"][:80] for c in marked]
        return marked[0]

    def announcements(self) -> list[str]:
        return [c["body"] for c in self.server.comments(REPO, self.number) if MARKER not in c["body"]]

    def rows(self) -> dict[str, list[str]]:
        """The comment's chain table: role name -> [step, role, who, when, taken / standard, state]."""
        rows = {}
        for line in self.comment()["body"].splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("| ") and len(cells) == 6 and cells[1] in self.names:
                rows[cells[1]] = cells
        assert sorted(rows) == sorted(self.names), list(rows)
        return rows


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def port() -> int:
    """One port for every test's server, so every run builds GhApi with the same arguments."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module", autouse=True)
def one_ghapi() -> Iterator[None]:
    """GhApi generates its 1,225 operations when built (~0.3 s, half a run); build it once per
    set of arguments. Requests still go out one by one, exactly as in a fresh process."""
    import ghapi.all

    real, built = ghapi.all.GhApi, {}

    def cached(**kwargs: Any) -> Any:
        key = tuple(sorted(kwargs.items()))
        if key not in built:
            built[key] = real(**kwargs)
        return built[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ghapi.all, "GhApi", cached)
        yield


@pytest.fixture
def server(clock: Clock, port: int) -> Iterator[GitHubServer]:
    gh = GitHubServer(token=TOKEN, clock=clock, port=port)
    gh.start()
    try:
        yield gh
    finally:
        gh.stop()


@pytest.fixture
def stage(server: GitHubServer, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> Stage:
    return Stage(server, clock, tmp_path, monkeypatch, capsys, sop_text())


def approve_in_order(stage: Stage, logins: list[str], minutes: float = 10) -> None:
    for login in logins:
        stage.clock.tick(minutes)
        assert stage.review(login, "APPROVE").code == 0


# -- scenarios --------------------------------------------------------------------------------
def test_full_chain_in_order(stage: Stage, clock: Clock) -> None:
    names = stage.names
    assert stage.open().code == 0
    assert stage.status() == ("pending", waiting(0, names[0], T0))
    assert stage.requested() == ["subkoor"]
    first = stage.comment()
    assert stage.rows()[names[0]][2:] == ["subkoor", "27 Nov 2026 09.00 WIB", "30 menit", "⏳ giliran (batas 09.30 WIB)"]
    assert stage.rows()[names[1]][5] == "— belum"

    # Re-running on the same facts requests nobody again; nor does a comment, which takes the
    # member off GitHub's list of requested reviewers (asked once per turn).
    assert stage.check("pull_request", "reopened", AUTHOR).code == 0
    assert stage.review("subkoor", "COMMENT", "Sebentar, saya cek dulu.").code == 0
    assert stage.requested() == []
    assert stage.review_requests() == [["subkoor"]]

    approve_in_order(stage, ["subkoor", "kabag"])  # 09.10, 09.20
    assert stage.status() == ("pending", waiting(2, names[2], T0 + timedelta(minutes=20)))
    assert stage.requested() == ["sekretaris"]

    clock.tick(45)  # the Sekretaris is late: the status and the table say so
    assert stage.check("pull_request", "reopened", AUTHOR).code == 0
    assert stage.status() == ("pending", waiting(2, names[2], T0 + timedelta(minutes=20), overdue=True))
    assert "⏰ lewat batas waktu" in stage.rows()[names[2]][5]

    clock.tick(1)
    assert stage.review("sekretaris", "APPROVE").code == 0  # 10.06, after 46 minutes
    rows = stage.rows()
    assert rows[names[0]][2:] == ["@subkoor", "27 Nov 2026 09.10 WIB", "10 menit / 30 menit", "✅ ya"]
    assert rows[names[2]][2:5] == ["@sekretaris", "27 Nov 2026 10.06 WIB", "46 menit / 30 menit"]
    assert "⏰" in rows[names[2]][5] and "⏰" not in rows[names[1]][5]
    assert stage.announcements() == []

    clock.tick(5)
    assert stage.review("komisioner", "APPROVE").code == 0
    assert stage.status() == ("success", "4/4 disetujui · disetujui lengkap, siap diunggah admin")
    assert [row[5] for row in stage.rows().values()] == ["✅ ya", "✅ ya", "✅ ya ⏰ lewat batas waktu", "✅ ya"]
    assert stage.review_requests() == [[login] for login in CHAIN]
    assert stage.comment()["id"] == first["id"]  # edited in place, never re-posted
    assert stage.server.calls("PATCH", r"/issues/comments/\d+$")
    (announcement,) = stage.announcements()
    for login in CHAIN:
        assert len(re.findall(rf"@{login}\b", announcement)) == 1, login
    assert AUTHOR not in announcement

    # The final ya is announced once, however often the check runs again.
    clock.tick(1)
    assert stage.check("pull_request_review", "submitted", "komisioner", review_state="approved").code == 0
    assert len(stage.announcements()) == 1
    assert len(stage.server.calls("POST", r"/issues/\d+/comments$")) == 2


def test_no_announcement_when_the_final_role_says_so(server: GitHubServer, clock: Clock, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    quiet = Stage(server, clock, tmp_path, monkeypatch, capsys,
                  sop_text({"    announce: true              # the final ya": "    announce: false  # the final ya"}))
    quiet.open()
    approve_in_order(quiet, CHAIN)
    assert quiet.status()[0] == "success"
    assert quiet.announcements() == []


def test_out_of_order_approval_is_noted_and_must_be_given_again(stage: Stage) -> None:
    names = stage.names
    stage.open()
    approve_in_order(stage, ["kabag"])  # role 2 before role 1
    assert stage.status() == ("pending", waiting(0, names[0], T0))
    assert stage.rows()[names[1]][5] == "— belum"
    assert shown(f"@kabag ({names[1]}) menyetujui sebelum gilirannya") in stage.comment()["body"]

    approve_in_order(stage, ["subkoor"])  # 09.20: now it is role 2's turn; the early ya does not count
    assert stage.status() == ("pending", waiting(1, names[1], T0 + timedelta(minutes=20)))
    assert stage.requested() == ["kabag"]
    approve_in_order(stage, ["kabag"])
    assert stage.status() == ("pending", waiting(2, names[2], T0 + timedelta(minutes=30)))


def test_tidak_returns_the_draft_and_the_author_fix_restarts_the_chain(stage: Stage, clock: Clock) -> None:
    names = stage.names
    stage.open()
    approve_in_order(stage, ["subkoor"])
    clock.tick(10)
    assert stage.review("kabag", "REQUEST_CHANGES", "Tanggal acara salah.").code == 0
    assert stage.status() == ("failure", f"1/4 disetujui · dikembalikan oleh {names[1]} untuk diperbaiki")
    assert stage.rows()[names[1]][2:4] == ["@kabag", "27 Nov 2026 09.20 WIB"]
    assert stage.rows()[names[1]][5] == "↩️ tidak (dikembalikan)"

    fix = clock.tick(15)
    assert stage.push(AUTHOR, "Tanggal acara sudah diperbaiki.").code == 0
    assert stage.status() == ("pending", waiting(0, names[0], fix))
    assert stage.requested() == ["subkoor"]  # asked again: the chain starts over
    body = stage.comment()["body"]
    assert shown(f"Perubahan {stage.head[:7]} oleh @{AUTHOR}: persetujuan dimulai lagi") in body
    assert shown(f"Persetujuan @subkoor ({names[0]}) gugur") in body

    approve_in_order(stage, CHAIN)
    assert stage.status()[0] == "success"
    assert stage.review_requests() == [["subkoor"], ["kabag"], ["subkoor"], ["kabag"], ["sekretaris"], ["komisioner"]]


def test_dismissed_tidak_gives_the_turn_back_to_the_role(stage: Stage, clock: Clock) -> None:
    import httpx

    names = stage.names
    stage.open()
    approve_in_order(stage, ["subkoor"])
    clock.tick(10)
    stage.review("kabag", "REQUEST_CHANGES", "Tanggal acara salah.")
    assert stage.status()[0] == "failure"
    stage.server.add_token("ghp_admin", "admin-medsos")
    (tidak,) = [r for r in stage.server.reviews(REPO, stage.number) if r["state"] == "CHANGES_REQUESTED"]
    answer = httpx.put(f"{stage.server.url}/repos/{REPO}/pulls/{stage.number}/reviews/{tidak['id']}/dismissals",
                       headers={"Authorization": "Bearer ghp_admin"}, json={"message": "Sudah dibahas lisan."})
    assert answer.status_code == 200
    clock.tick(1)
    assert stage.check("pull_request_review", "dismissed", "admin-medsos", review_state="dismissed").code == 0
    assert stage.status() == ("pending", waiting(1, names[1], T0 + timedelta(minutes=10)))
    assert shown("Ulasan @kabag dibatalkan (dismissed).") in stage.comment()["body"]
    assert stage.requested() == ["kabag"]


def test_approver_correction_keeps_earlier_approvals(stage: Stage, clock: Clock) -> None:
    names = stage.names
    stage.open()
    approve_in_order(stage, ["subkoor"])  # 09.10
    clock.tick(5)
    assert stage.push("kabag", "Dikoreksi Kabag HTH.").code == 0  # role 2 corrects the draft itself
    assert stage.status() == ("pending", waiting(1, names[1], T0 + timedelta(minutes=10)))
    assert stage.rows()[names[0]][5] == "✅ ya"
    assert "dimulai lagi" not in stage.comment()["body"]
    approve_in_order(stage, ["kabag"])
    assert stage.status() == ("pending", waiting(2, names[2], T0 + timedelta(minutes=25)))


def test_author_commit_after_approvals_restarts_the_chain(stage: Stage, clock: Clock) -> None:
    names = stage.names
    stage.open()
    approve_in_order(stage, ["subkoor", "kabag"])
    change = clock.tick(3)
    assert stage.push(AUTHOR, "Tambahan kalimat dari penulis.").code == 0
    assert stage.status() == ("pending", waiting(0, names[0], change))
    assert [row[5] for row in stage.rows().values()] == ["⏳ giliran (batas 09.53 WIB)"] + ["— belum"] * 3
    body = stage.comment()["body"]
    for login, name in zip(["subkoor", "kabag"], names, strict=False):
        assert shown(f"Persetujuan @{login} ({name}) gugur karena ada perubahan sesudahnya.") in body
    assert stage.review_requests() == [["subkoor"], ["kabag"], ["sekretaris"], ["subkoor"]]
    assert "subkoor" in stage.requested()


@pytest.mark.parametrize("dated", [T0 - timedelta(days=1), T0 + timedelta(minutes=1)], ids=["before-open", "before-1st-ya"])
def test_backdated_author_commit_after_the_final_ya_still_restarts_the_chain(stage: Stage, clock: Clock,
                                                                            dated: datetime) -> None:
    stage.open()
    approve_in_order(stage, CHAIN)
    assert stage.status()[0] == "success"
    clock.tick(5)
    assert stage.push(AUTHOR, "Kalimat yang belum disetujui siapa pun.", dated=dated).code == 0
    assert stage.status()[0] == "pending"  # on the new head: nobody approved this text


def test_a_restart_withdraws_the_request_of_a_role_no_longer_due(stage: Stage, clock: Clock) -> None:
    stage.open()
    approve_in_order(stage, ["subkoor", "kabag"])
    clock.tick(3)
    stage.push(AUTHOR, "Tambahan kalimat dari penulis.")  # within the check's budget: subkoor asked again
    assert sorted(stage.requested()) == ["sekretaris", "subkoor"]
    clock.tick(10)  # the next scheduled `konten remind` withdraws what is no longer due
    assert main(["--root", str(stage.root), "remind", "--now", clock.now.isoformat()]) == 0
    assert stage.requested() == ["subkoor"]  # not still the Sekretaris, whose turn it no longer is
    assert "ditarik" in stage.capsys.readouterr().out


def test_non_member_approval_does_not_count(stage: Stage) -> None:
    stage.open()
    approve_in_order(stage, [OUTSIDER])
    assert stage.status() == ("pending", waiting(0, stage.names[0], T0))
    body = stage.comment()["body"]
    assert shown(f"@{OUTSIDER} bukan anggota rantai persetujuan: ulasannya tidak dihitung.") in body
    assert f"@{OUTSIDER}" not in body  # named, never pinged
    assert stage.requested() == ["subkoor"]


def test_author_approval_is_refused_by_github_and_ignored_by_the_chain(stage: Stage, clock: Clock) -> None:
    import httpx

    stage.open()
    stage.server.add_token("ghp_penulis", AUTHOR)
    answer = httpx.post(f"{stage.server.url}/repos/{REPO}/pulls/{stage.number}/reviews",
                        headers={"Authorization": "Bearer ghp_penulis"}, json={"event": "APPROVE"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == ["Can not approve your own pull request"]

    # GitHub refuses it, so the chain's own rule is exercised with the review written into the model.
    clock.tick(5)
    pull = stage.server.repos[REPO].issues[stage.number].pull
    assert pull is not None
    pull.reviews.append(Review(990001, AUTHOR, "APPROVED", "", stage.head, clock.now))
    assert stage.check("pull_request_review", "submitted", AUTHOR, review_state="approved").code == 0
    assert stage.status() == ("pending", waiting(0, stage.names[0], T0))
    assert shown(f"@{AUTHOR} adalah penulis: persetujuan atas draf sendiri tidak dihitung.") in stage.comment()["body"]


def test_author_in_a_role_is_never_requested(server: GitHubServer, clock: Clock, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    sop = sop_text({"members: [ganti-subkoor-tekmas]": f"members: [{AUTHOR}, ganti-subkoor-tekmas]"})
    stage = Stage(server, clock, tmp_path, monkeypatch, capsys, sop)
    assert stage.open().code == 0
    assert stage.requested() == ["subkoor"]
    assert stage.review_requests() == [["subkoor"]]
    assert f"Penulis PR adalah anggota peran {stage.names[0]}" in stage.comment()["body"]


def test_pull_touching_no_content_succeeds_without_a_comment(stage: Stage) -> None:
    run = stage.open({"README.md": b"# konten\n\nPanduan singkat.\n"})
    assert run.code == 0
    assert stage.status() == ("success", "Tidak mengubah content/: persetujuan SOP tidak diperlukan")
    assert stage.server.comments(REPO, stage.number) == []
    assert stage.requested() == [] and stage.review_requests() == []


def test_draft_pull_is_pending_and_asks_nobody(stage: Stage, clock: Clock) -> None:
    stage.open(draft=True)
    assert stage.status() == ("pending", "masih draf: tandai Ready for review untuk memulai persetujuan")
    assert stage.requested() == []
    clock.tick(5)
    stage.server.ready_for_review(REPO, stage.number)
    assert stage.check("pull_request", "ready_for_review", AUTHOR).code == 0
    assert stage.status()[0] == "pending" and stage.requested() == ["subkoor"]


def test_first_role_clock_starts_when_the_pull_leaves_draft(stage: Stage, clock: Clock) -> None:
    stage.open(draft=True)
    ready = clock.tick(120)
    stage.server.ready_for_review(REPO, stage.number)
    assert stage.check("pull_request", "ready_for_review", AUTHOR).code == 0
    assert stage.status() == ("pending", waiting(0, stage.names[0], ready))


@pytest.mark.parametrize("fault, expected", [
    (Fault(method="GET", path=r"/pulls/\d+$", status=500, body={"message": "Server Error"}), "(HTTP 500): Server Error"),
    (Fault(method="POST", path=r"/statuses/", status=502, body=b"<html><h1>502 Bad Gateway</h1></html>",
           headers={"Content-Type": "text/html"}), "(HTTP 502)"),
])
def test_server_error_is_a_clear_message_and_exit_1(stage: Stage, fault: Fault, expected: str) -> None:
    stage.open()
    stage.server.inject(fault)
    run = stage.check("pull_request", "synchronize", AUTHOR)
    assert run.code == 1
    assert f"GAGAL: GitHub menolak permintaan {expected}" in run.err, run.err
    assert "Traceback" not in run.err + run.out
    assert fault not in stage.server.faults  # it was hit


def test_rate_limit_is_a_clear_message_and_exit_1(stage: Stage) -> None:
    stage.open()
    stage.server.exhaust_rate_limit()
    run = stage.check("pull_request", "synchronize", AUTHOR)
    assert run.code == 1
    assert "(HTTP 403): API rate limit exceeded" in run.err and "Traceback" not in run.err


def test_an_invalid_draft_never_turns_green_even_fully_approved(stage: Stage) -> None:
    """Merged invalid, it could not be posted: the required status stays red until it is fixed."""
    files = item_files()
    index = f"{ITEM}/index.md"
    files[index] = files[index].replace(b"kind: ", b"kind: tidak-ada-", 1)
    assert stage.open(files).code == 0
    state, description = stage.status()
    assert state == "failure" and description.startswith("Belum valid: 1 kesalahan, lihat komentar · 0/4"), description
    assert stage.requested() == ["subkoor"]  # approvers may still correct it themselves
    approve_in_order(stage, CHAIN)
    state, description = stage.status()
    assert state == "failure" and "4/4 disetujui" in description, description
    assert "tidak-ada-" in stage.comment()["body"]


def test_a_fork_pull_gets_an_explanation_instead_of_an_error(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork's PR runs with a read-only token: GitHub refuses the status; the author is told why."""
    stage.create_pull(fork=AUTHOR)
    stage.server.add_token("ghs_fork_read_only", "github-actions[bot]", read_only=True)
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_fork_read_only")
    run = stage.check("pull_request", "opened", AUTHOR)
    assert run.code == 1 and "Traceback" not in run.err
    assert "PR ini berasal dari fork" in run.out and "PR ini berasal dari fork" in stage.summary.read_text("utf-8")
    assert len(stage.server.calls("POST", r"/statuses/")) == 1  # it did try, and GitHub said no
    assert stage.server.statuses(REPO, stage.head) == []


def test_dropped_connection_says_github_cannot_be_reached(stage: Stage) -> None:
    stage.open()
    stage.server.inject(Fault(method="GET", path=r"/pulls/\d+$", drop=True))
    run = stage.check("pull_request", "synchronize", AUTHOR)
    assert run.code == 1
    assert "GitHub tidak dapat dihubungi" in run.err, run.err


def test_comment_names_files_as_the_repository_has_them(stage: Stage) -> None:
    stage.open()
    body = stage.comment()["body"]
    assert f"{ITEM}/index.md:" in body  # Instagram's feed cut-off warning points at the caption line
    assert f"{HEAD_DIR}/" not in body


def test_a_comment_by_someone_else_holding_the_marker_is_left_alone(stage: Stage) -> None:
    import httpx

    stage.create_pull()
    stage.server.add_token("ghp_penulis", AUTHOR)
    spoof = f"{MARKER}\nSudah disetujui semua, silakan digabung."
    answer = httpx.post(f"{stage.server.url}/repos/{REPO}/issues/{stage.number}/comments",
                        headers={"Authorization": "Bearer ghp_penulis"}, json={"body": spoof})
    assert answer.status_code == 201
    assert stage.check("pull_request", "opened", AUTHOR).code == 0
    comments = stage.server.comments(REPO, stage.number)
    assert [c["body"] for c in comments if c["user"]["login"] == AUTHOR] == [spoof]
    assert [c["user"]["login"] for c in comments if MARKER in c["body"]] == [AUTHOR, "github-actions[bot]"]


def test_english_status_with_lang_en(stage: Stage) -> None:
    stage.open()
    assert stage.check("pull_request", "reopened", AUTHOR, lang="en").code == 0
    assert stage.status() == ("pending", f"0/4 approved · waiting for {stage.names[0]} since 09:00 WIB, due 09:30")
    assert stage.rows()[stage.names[0]][5] == "⏳ their turn (due 09:30 WIB)"


def _bench() -> Any:
    """The request-count benchmark, loaded from its script so the test and the figures share one builder."""
    path = REPO_ROOT / "benchmarks" / "bench_check_requests.py"
    spec = importlib.util.spec_from_file_location("bench_check_requests", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("size", [1, 100])
def test_request_budget_for_prs_up_to_100_reviews_commits_files(size: int, tmp_path: Path) -> None:
    result = _bench().run_once(size, tmp_path)
    assert (result.commits, result.files, result.reviews) == (size, size, size)
    assert result.code == 0
    assert result.summary_requests == result.requests <= BUDGET
