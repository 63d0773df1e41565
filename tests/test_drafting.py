"""`konten draft-from-issue` and `konten new`, over real sockets.

GitHub is the sandbox imitation; the attachments are served by a local imitation of GitHub's
attachment hosts (the URL in the body on github.com answers with a redirect to signed storage,
as GitHub does). The production allow-list is untouched: the test only tells the downloader which
local address each GitHub host resolves to. Issues are opened and edited by their authors over
REST with their own tokens; the bodies are what GitHub renders from the generated form.
"""

from __future__ import annotations

import argparse
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from itemkit import jpeg
from test_issueform import render

from pipeline import check, drafting
from pipeline.config import Sop, parse_sop
from pipeline.content import read_item
from pipeline.drafting import MARKER, AttachmentProblem, Attachments, draft_from_issue
from pipeline.github import GitHub
from pipeline.sandbox.github import GitHubServer
from pipeline.sandbox.http import FakeServer, Request, Response, route
from pipeline.validate import validate_paths

REPO_ROOT = Path(__file__).resolve().parents[1]
OWNER, NAME = "kpu-jateng", "konten"
REPO = f"{OWNER}/{NAME}"
TOKEN = "ghs_konten_draft_0001"
T0 = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)  # 09.00 WIB
LOGINS = {"ganti-subkoor-tekmas": "subkoor", "ganti-kabag-hth": "kabag", "ganti-sekretaris": "sekretaris",
          "ganti-komisioner": "komisioner", "ganti-admin-medsos": "admin-medsos"}
AUTHOR = "penulis"  # write access
READER = "pengamat"  # read access only
STRANGER = "tamu"  # not a collaborator at all
STORAGE = "github-production-user-asset-6210df.s3.amazonaws.com"
ALT = "Poster sosialisasi pemilih pemula berlatar merah, SMA Negeri 1 Semarang"


class AttachmentServer(FakeServer):
    """github.com's `/user-attachments/...` (302 to signed storage) and the storage bucket itself."""

    name = "attachments"

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}

    def add(self, data: bytes, redirect: str | None = None) -> str:
        key = str(uuid.uuid4())
        self.files[key] = data
        if redirect:
            self.redirects[key] = redirect
        return f"https://github.com/user-attachments/assets/{key}"

    @route("GET", "/user-attachments/assets/{key}")
    def asset(self, request: Request) -> Response:
        key = request.params["key"]
        if key not in self.files:
            return Response(404, b"Not Found")
        location = self.redirects.get(key) or f"https://{STORAGE}/5000001/{key}?X-Amz-Signature=abc&X-Amz-Expires=300"
        return Response(302, b"", {"Location": location})

    @route("GET", "/user-attachments/files/{id}/{name}")
    def file(self, request: Request) -> Response:
        return self.asset(replace_params(request, key=request.params["id"]))

    @route("GET", "/{bucket}/{key}")
    def storage(self, request: Request) -> Response:
        data = self.files.get(request.params["key"])
        return Response(200, data, {"Content-Type": "application/octet-stream"}) if data else Response(403, b"")

    def hits(self, host_path: str) -> list[Request]:
        return [r for r in self.requests if r.path.startswith(host_path)]


def replace_params(request: Request, **params: str) -> Request:
    request.params = {**request.params, **params}
    return request


def sop_text() -> str:
    text = (REPO_ROOT / "sop.yml").read_text(encoding="utf-8")
    for old, new in LOGINS.items():
        text = text.replace(old, new)
    return text


@dataclass
class Stage:
    server: GitHubServer
    files: AttachmentServer
    tmp: Path
    sop: Sop = field(init=False)
    runs: int = 0

    def __post_init__(self) -> None:
        text = sop_text()
        self.sop = parse_sop(text)
        people = {login: "write" for login in ["subkoor", "kabag", "sekretaris", "komisioner", AUTHOR]}
        self.server.create_repo(OWNER, NAME, {"README.md": b"# konten\n", "sop.yml": text.encode()},
                                collaborators={**people, READER: "read", "admin-medsos": "admin"},
                                owner_type="Organization")
        self.gh = GitHub(REPO, TOKEN, api_url=self.server.url)

    def attachments(self, max_bytes: int = drafting.MAX_BYTES) -> Attachments:
        return Attachments(repository=REPO, max_bytes=max_bytes,
                           resolve={"github.com": self.files.url, STORAGE: self.files.url})

    def client(self, login: str) -> httpx.Client:
        self.server.add_token(f"tok-{login}", login)
        return httpx.Client(base_url=self.server.url, headers={"Authorization": f"Bearer tok-{login}"})

    def open_issue(self, login: str, answers: dict[str, Any], title: str = "[Konten] ") -> int:
        response = self.client(login).post(f"/repos/{REPO}/issues",
                                           json={"title": title, "body": render(self.sop, answers)})
        assert response.status_code == 201, response.text
        return int(response.json()["number"])

    def edit_issue(self, login: str, number: int, answers: dict[str, Any]) -> None:
        response = self.client(login).patch(f"/repos/{REPO}/issues/{number}", json={"body": render(self.sop, answers)})
        assert response.status_code == 200, response.text

    def run(self, number: int, max_bytes: int = drafting.MAX_BYTES, drafters: tuple[str, ...] = ()) -> drafting.Outcome:
        self.runs += 1
        return draft_from_issue(self.gh, self.sop, number, workdir=self.tmp / f"run-{self.runs}",
                                attachments=self.attachments(max_bytes), drafters=drafters, now=T0)

    # -- reading the imitation's state ---------------------------------------------------------
    def comments(self, number: int) -> list[dict[str, Any]]:
        return self.server.comments(REPO, number)

    def branch(self, number: int) -> str | None:
        return self.server.repos[REPO].branches.get(f"konten/issue-{number}")

    def tree(self, number: int) -> dict[str, bytes]:
        """Files the PR branch adds or changes compared with main."""
        repo = self.server.repos[REPO]
        main = repo.commits[repo.branches["main"]].files
        head = repo.commits[repo.branches[f"konten/issue-{number}"]].files
        return {p: d for p, d in head.items() if main.get(p) != d}

    def checkout(self, number: int) -> Path:
        """The branch's files in a fresh folder, as `actions/checkout` would give them."""
        root = self.tmp / f"checkout-{number}-{self.runs}"
        for path, data in self.tree(number).items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
        return root


@pytest.fixture
def stage(tmp_path: Path) -> Iterator[Stage]:
    server = GitHubServer(token=TOKEN, clock=lambda: T0)
    files = AttachmentServer()
    server.start()
    files.start()
    try:
        yield Stage(server, files, tmp_path)
    finally:
        files.stop()
        server.stop()


def complete_form(stage: Stage, **changes: Any) -> dict[str, Any]:
    """The form as a new staff member fills it on a phone: a photo dropped in, its alt text, a time."""
    poster = stage.files.add(jpeg(1080, 1080))
    return {
        "title": "Sosialisasi Pemilih Pemula di SMA Negeri 1 Semarang",
        "kind": "informasi-kegiatan",
        "platforms": ["X (Twitter)", "Facebook", "Instagram"],
        "caption": "Hari ini KPU Provinsi Jawa Tengah menyapa pemilih pemula.\n\n#PemiluDamai #PemilihPemula",
        "media": f'<img width="1080" height="1080" alt="Image" src="{poster}" />',
        "alt": ALT,
        "publish-at": "30-11-2026 09.00",
        **changes,
    }


def marked(stage: Stage, number: int) -> dict[str, Any]:
    comments = stage.comments(number)
    assert len(comments) == 1 and MARKER in comments[0]["body"], [c["body"][:80] for c in comments]
    return comments[0]


# -- scenarios -------------------------------------------------------------------------------------
def test_complete_form_becomes_a_valid_pull_request(stage: Stage) -> None:
    answers = complete_form(stage)
    number = stage.open_issue(AUTHOR, answers)
    outcome = stage.run(number)

    assert outcome.state == "drafted", [p.code for p in outcome.problems]
    folder = "content/2026/11/sosialisasi-pemilih-pemula-di-sma-negeri-1-semarang"
    assert sorted(stage.tree(number)) == [f"{folder}/index.md", f"{folder}/media-1.jpg"]
    assert [stage.tree(number)[f"{folder}/media-1.jpg"]] == list(stage.files.files.values())
    pull = stage.server.pull(REPO, outcome.pull or 0)
    assert (pull["head"]["ref"], pull["base"]["ref"]) == (f"konten/issue-{number}", "main")
    assert pull["body"].startswith(f"Closes #{number}\n") and pull["title"] == answers["title"]
    head = stage.server.repos[REPO].commits[pull["head"]["sha"]]
    assert (head.author.login, head.author.name) == (AUTHOR, AUTHOR)

    checkout = stage.checkout(number)
    report = validate_paths([checkout / folder], stage.sop, checkout / "content")
    assert report.checked == 1 and not report.errors, [p.render() for p in report.errors]
    item = report.items[0]
    assert [(m.file, m.alt) for m in item.media] == [("media-1.jpg", ALT)]
    assert item.publish_at == datetime(2026, 11, 30, 9, 0, tzinfo=stage.sop.timezone)
    assert item.caption == answers["caption"]

    comment = marked(stage, number)["body"]
    assert f"#{outcome.pull}" in comment and "Draf konten dibuat" in comment

    # GitHub first, then its storage, and no credential sent to either.
    paths = [r.path for r in stage.files.requests]
    assert paths[0].startswith("/user-attachments/assets/") and paths[1].startswith("/5000001/")
    assert all("authorization" not in r.headers for r in stage.files.requests)

    # From here on it is the normal flow: the chain's first check asks the first role.
    outcome_check = check.run(stage.gh, stage.sop, outcome.pull or 0, T0, head=checkout, root=REPO_ROOT)
    assert outcome_check.requested == stage.sop.chain[0].members == ("subkoor",)
    assert stage.server.requested_reviewers(REPO, outcome.pull or 0) == ["subkoor"]


def test_missing_required_field_gets_one_comment_naming_it(stage: Stage) -> None:
    answers = complete_form(stage, kind="")
    number = stage.open_issue(AUTHOR, answers)
    outcome = stage.run(number)
    assert outcome.state == "invalid"
    first = marked(stage, number)
    assert "**Jenis konten**: Kolom ini wajib diisi." in first["body"]
    assert first["body"].count("\n- ") == 1  # only that field
    assert stage.branch(number) is None and not stage.server.repos[REPO].issues[number].pull

    assert stage.run(number).state == "invalid"  # a rerun keeps the one comment
    assert marked(stage, number)["id"] == first["id"]

    stage.edit_issue(AUTHOR, number, {**answers, "kind": "informasi-kegiatan"})
    assert stage.run(number).state == "drafted"
    fixed = marked(stage, number)
    assert fixed["id"] == first["id"] and "Draf konten dibuat" in fixed["body"]


@pytest.mark.parametrize(("case", "expected"), [
    ("not-an-image", "bukan gambar atau video yang dikenali"),
    ("too-large", "terlalu besar"),
    ("foreign-host", "bukan berkas yang diunggah ke GitHub (example.org)"),
    ("foreign-redirect", "bukan berkas yang diunggah ke GitHub (evil.example)"),
])
def test_bad_attachments_are_explained(stage: Stage, case: str, expected: str) -> None:
    media = {
        "not-an-image": lambda: f"![Image]({stage.files.add(b'<!DOCTYPE html><title>Sign in</title>')})",
        "too-large": lambda: f"![Image]({stage.files.add(jpeg(size=80_000))})",
        "foreign-host": lambda: "![Image](https://example.org/poster.jpg)",
        "foreign-redirect": lambda: f"![Image]({stage.files.add(jpeg(), redirect='https://evil.example/x.jpg')})",
    }[case]()
    number = stage.open_issue(AUTHOR, complete_form(stage, media=media))
    outcome = stage.run(number, max_bytes=50_000)
    assert outcome.state == "invalid"
    body = marked(stage, number)["body"]
    assert "**Media (gambar/video)**" in body and expected in body, body
    assert stage.branch(number) is None
    if case == "foreign-host":
        assert stage.files.requests == []
    if case == "too-large":  # refused on Content-Length: nothing of it was written
        assert [p.name for p in (stage.tmp / "run-1").rglob("*") if p.is_file()] == ["index.md"]


def test_streamed_cap_holds_without_content_length(tmp_path: Path) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"\xff" * 1024

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())  # chunked: no Content-Length to trust

    fetcher = Attachments(max_bytes=10_000, client=httpx.Client(transport=httpx.MockTransport(answer)))
    dest = tmp_path / "part"
    with pytest.raises(AttachmentProblem) as caught:
        fetcher.fetch("https://github.com/user-attachments/assets/0e1f6c3a-5b1d-4f7e-9d1c-2f3a4b5c6d7e", dest)
    assert caught.value.code == "attach.too_large" and not dest.exists()


@pytest.mark.parametrize("url", [
    "http://github.com/user-attachments/assets/x",  # not https
    "https://github.com:8443/user-attachments/assets/x",  # a port
    "https://github.com@evil.example/user-attachments/assets/x",  # user@host
    "https://github.com/someone/else/issues/1",  # github.com, but no attachment
    "https://gist.githubusercontent.com/a/b/raw/c.jpg",
    f"https://{STORAGE}/1/2.png",  # storage only through GitHub's redirect
])
def test_only_github_attachments_are_sources(url: str) -> None:
    assert not Attachments(repository=REPO).allowed(url, source=True)


def test_github_attachment_urls_are_sources() -> None:
    fetcher = Attachments(repository=REPO)
    assert fetcher.allowed("https://github.com/user-attachments/assets/0e1f6c3a-5b1d-4f7e-9d1c-2f3a4b5c6d7e", True)
    assert fetcher.allowed("https://github.com/user-attachments/files/17000000/klip.mp4", True)
    assert fetcher.allowed(f"https://github.com/{REPO}/assets/5000001/0e1f6c3a-5b1d", True)
    assert not fetcher.allowed("https://github.com/other/repo/assets/5000001/0e1f6c3a-5b1d", True)
    assert fetcher.allowed(f"https://{STORAGE}/1/2.png?X-Amz-Signature=abc", source=False)


@pytest.mark.parametrize("login", [STRANGER, READER])
def test_outsiders_get_a_polite_refusal(stage: Stage, login: str) -> None:
    number = stage.open_issue(login, complete_form(stage))
    assert stage.run(number).state == "refused"
    body = marked(stage, number)["body"]
    assert f"Terima kasih, @{login}" in body and "akses tulis" in body
    assert stage.branch(number) is None and stage.files.requests == []
    assert stage.server.calls("POST", r"/pulls$") == []

    # Listed in sop.yml as a drafter, the same person may draft.
    assert stage.run(number, drafters=(login.upper(),)).state == "drafted"


def test_other_issues_are_left_alone(stage: Stage) -> None:
    response = stage.client(AUTHOR).post(f"/repos/{REPO}/issues", json={
        "title": "Bug", "body": "### Describe the bug\n\nThe preview is cut.\n\n### Judul\n\nx"})
    number = int(response.json()["number"])
    assert stage.run(number).state == "ignored"
    assert stage.comments(number) == [] and stage.branch(number) is None


def test_edited_issue_updates_its_pull_request(stage: Stage) -> None:
    answers = complete_form(stage)
    number = stage.open_issue(AUTHOR, answers)
    first = stage.run(number)
    before = stage.branch(number)

    second_image = stage.files.add(jpeg(1080, 1350))
    stage.edit_issue(AUTHOR, number, {
        **answers, "title": "Sosialisasi Pemilih Pemula Jawa Tengah", "alt": f"{ALT}\nFoto kedua, potret",
        "media": answers["media"] + f"\r\n![Image]({second_image})"})
    second = stage.run(number)

    assert second.state == "drafted" and second.pull == first.pull, [p.render() for p in second.problems]
    head = stage.server.repos[REPO].commits[stage.branch(number) or ""]
    assert head.parents == [before]  # a new commit on the same branch
    folder = "content/2026/11/sosialisasi-pemilih-pemula-jawa-tengah"
    assert sorted(stage.tree(number)) == [f"{folder}/index.md", f"{folder}/media-1.jpg", f"{folder}/media-2.jpg"]
    assert len([p for p in stage.server.repos[REPO].issues.values() if p.pull]) == 1
    item, problems = read_item(stage.checkout(number) / folder, stage.sop, stage.tmp)
    assert item is not None and not problems
    assert [m.alt for m in item.media] == [ALT, "Foto kedua, potret"]
    assert len(stage.comments(number)) == 1

    stage.run(number)  # nothing changed: no new commit
    assert stage.branch(number) == head.sha


def test_a_title_already_published_gets_its_own_folder(stage: Stage) -> None:
    taken = "content/2026/11/sosialisasi-pemilih-pemula-di-sma-negeri-1-semarang"
    stage.server.commit(REPO, "main", {f"{taken}/index.md": b"---\ntitle: lama\n---\nLama.\n"}, "admin-medsos", "Lama")
    number = stage.open_issue(AUTHOR, complete_form(stage))
    outcome = stage.run(number)
    assert outcome.folder == f"{taken}-{number}"
    assert all(path.startswith(f"{taken}-{number}/") for path in stage.tree(number))


def test_injection_attempts_stay_text(stage: Stage) -> None:
    title = "../../etc/passwd $(rm -rf ~) {{ 7*7 }}"
    caption = "<script>alert(1)</script> **tebal** $(rm -rf ~) {{ 7*7 }} `whoami`\n\n### Judul\n\n../../x"
    photo = stage.files.add(jpeg())
    files_url = f"https://github.com/user-attachments/files/{photo.rsplit('/', 1)[1]}/passwd.jpg"
    answers = complete_form(stage, title=title, caption=caption, platforms=["X (Twitter)", "Facebook"],
                            media=f"[../../etc/passwd.jpg]({files_url})")
    number = stage.open_issue(AUTHOR, answers)
    outcome = stage.run(number)

    assert outcome.state == "drafted", [p.code for p in outcome.problems]
    folder = "content/2026/11/etc-passwd-rm-rf-7-7"
    assert sorted(stage.tree(number)) == [f"{folder}/index.md", f"{folder}/passwd.jpg"]
    item, problems = read_item(stage.checkout(number) / folder, stage.sop, stage.tmp)
    assert item is not None and not [p for p in problems if p.severity == "error"]
    assert (item.title, item.caption) == (title, caption)

    # A value quoted back in a comment cannot mention anyone or inject HTML.
    stage.edit_issue(AUTHOR, number, {**answers, "publish-at": "<b>@kabag</b> {{ 7*7 }}"})
    assert stage.run(number).state == "invalid"
    body = marked(stage, number)["body"]
    assert "**Waktu tayang (WIB)**" in body and "<b>" not in body and "\\@kabag" in body


# -- the command -----------------------------------------------------------------------------------
@dataclass
class Ctx:
    root: Path
    sop: Sop
    lang: str = "id"
    lines: list[str] = field(default_factory=list)

    @property
    def content(self) -> Path:
        return self.root / "content"

    def out(self, text: str) -> None:
        self.lines.append(text)


def test_draft_from_issue_command_drafts_and_starts_the_chain(stage: Stage, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    number = stage.open_issue(AUTHOR, {
        "title": "Pengumuman Rekrutmen PPK", "kind": "pengumuman", "platforms": ["X (Twitter)", "Facebook"],
        "caption": "Pendaftaran PPK dibuka 1-7 Desember 2026. #RekrutmenBadanAdhoc"})
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "opened", "issue": {"number": number}}), encoding="utf-8")
    for key, value in {"GITHUB_API_URL": stage.server.url, "GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": TOKEN,
                       "GITHUB_EVENT_PATH": str(event)}.items():
        monkeypatch.setenv(key, value)
    ctx = Ctx(REPO_ROOT, stage.sop)
    assert drafting.cmd_draft_from_issue(ctx, argparse.Namespace(issue=None)) == 0
    assert ctx.lines[0] == f"konten draft-from-issue: issue #{number} → draf dibuat"
    pull = next(i.number for i in stage.server.repos[REPO].issues.values() if i.pull)
    assert stage.server.requested_reviewers(REPO, pull) == ["subkoor"]
    assert "menunggu Sub Koordinator Subbag Tekmas" in ctx.lines[1]


# -- konten new --------------------------------------------------------------------------------------
def test_konten_new_asks_and_writes_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = tmp_path / "Foto Rapat (1).JPG"
    photo.write_bytes(jpeg(1080, 1080))
    answers = [
        "Rapat Pleno Terbuka Rekapitulasi DPT",
        "9", "berita",  # a wrong choice is asked again
        "x, 2",
        "KPU Jawa Tengah menggelar rapat pleno terbuka.", "", "#BeritaKPU", ".",
        str(tmp_path / "tidak-ada.jpg"), str(photo), "Suasana rapat pleno", "",  # alt follows the photo
        "besok", "2026-12-01 10:00",
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(answers) + "\n"))
    sop = parse_sop(sop_text())
    ctx = Ctx(tmp_path, sop)
    assert drafting.cmd_new(ctx, argparse.Namespace()) == 0, ctx.lines
    folder = tmp_path / "content/2026/12/rapat-pleno-terbuka-rekapitulasi-dpt"
    assert sorted(p.name for p in folder.iterdir()) == ["foto-rapat-1.jpg", "index.md"]
    item, problems = read_item(folder, sop, tmp_path / "content")
    assert item is not None and not problems
    assert (item.kind, [t.platform for t in item.targets]) == ("berita", ["x", "facebook"])
    assert item.caption == "KPU Jawa Tengah menggelar rapat pleno terbuka.\n\n#BeritaKPU"
    assert [(m.file, m.alt) for m in item.media] == [("foto-rapat-1.jpg", "Suasana rapat pleno")]
    assert "'9' tidak ada di pilihan." in ctx.lines and "Berkas" in " ".join(ctx.lines)


def test_konten_new_stops_cleanly_at_end_of_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Judul saja\n"))
    ctx = Ctx(tmp_path, parse_sop(sop_text()))
    assert drafting.cmd_new(ctx, argparse.Namespace()) == 1
    assert ctx.lines[-1] == "Dibatalkan: tidak ada yang ditulis." and not (tmp_path / "content").exists()
