"""`konten demo --no-serve`, end to end: the SOP played on the sandbox, asserted on what it left."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from pipeline.demo import DEMO_ITEM, ROLES, run_demo
from pipeline.ledger import FolderStore, Ledger

REPO = Path(__file__).resolve().parents[1]


def play(work: Path, lang: str) -> dict:
    """Run the demo in `lang`, keeping what it printed (on a console wide enough not to wrap)."""
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()) as printed:
        patch.setenv("COLUMNS", "400")
        result = run_demo(REPO, serve=False, lang=lang, work=work)
    return result | {"work": work, "printed": printed.getvalue()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return play(tmp_path_factory.mktemp("demo"), "id")


def test_statuses_follow_the_sop_in_order(demo: dict) -> None:
    states = [(e["event"], e["state"], e["description"].split(" · ")[0]) for e in demo["events"]]
    assert states == [
        ("pull_request.opened", "pending", "0/4 disetujui"),
        ("pull_request_review.submitted", "pending", "1/4 disetujui"),
        ("pull_request_review.submitted", "failure", "1/4 disetujui"),  # Kabag HTH says tidak
        ("pull_request.synchronize", "pending", "0/4 disetujui"),  # the author's correction restarts
        ("pull_request_review.submitted", "pending", "1/4 disetujui"),
        ("pull_request_review.submitted", "pending", "2/4 disetujui"),
        ("pull_request_review.submitted", "pending", "3/4 disetujui"),
        ("pull_request_review.submitted", "success", "4/4 disetujui"),
    ]
    assert all(e["exit"] == 0 for e in demo["events"])


def test_review_requests_follow_the_chain(demo: dict) -> None:
    order = [ROLES[r] for r in ("subkoordinator-tekmas", "kabag-hth", "subkoordinator-tekmas", "kabag-hth",
                                "sekretaris", "komisioner-sosdiklih-parmas")]
    assert demo["observed"]["review_requests"] == [[login] for login in order]


def test_one_post_per_platform(demo: dict) -> None:
    assert demo["observed"]["posts"] == {"x": 1, "facebook": 1, "instagram": 1, "youtube": 1, "tiktok": 1}
    # what konten-publish.yml decides the archive deploy on
    assert "published=5\n" in (demo["work"] / "outputs.txt").read_text(encoding="utf-8")
    assert sorted((r["platform"], r["state"]) for r in demo["published"]) == [
        (p, "published") for p in ("facebook", "instagram", "tiktok", "x", "youtube")]


def test_the_ledger_keeps_the_approval_record_with_an_overdue_step(demo: dict) -> None:
    record = Ledger(FolderStore(demo["work"] / "ledger")).item(DEMO_ITEM)
    assert record is not None
    chain = [s for s in record.steps if 3 <= s.step <= 6]
    assert [s.by for s in chain] == [[ROLES[r]] for r in ROLES]
    assert [s.role for s in chain if s.overdue] == ["sekretaris"]  # 38 minutes against 30
    assert record.steps[-1].finished_at is not None  # step 8 closed once every platform is live
    assert json.dumps(record.pr)  # the PR that brought it in


def test_the_archive_page_shows_the_item_and_its_record(demo: dict) -> None:
    site = demo["archive"]
    assert site is not None
    pages = [p for p in Path(site).rglob("*.html") if "ayo-cek-dpt" in p.as_posix()]
    assert pages, "no archive page for the demo item"
    html = pages[0].read_text(encoding="utf-8")
    assert "Ayo Cek DPT" in html
    for login in ROLES.values():
        assert login in html


def test_the_overdue_secretary_is_reminded_once(demo: dict) -> None:
    [reminder] = demo["observed"]["reminders"]  # two scheduled runs past the standard, one reminder
    assert "@agus-sekretaris" in reminder and "langkah 5" in reminder


def test_the_group_chat_hears_the_final_ya_and_the_publication(demo: dict) -> None:
    chat = demo["observed"]["group_chat"]
    assert [m[:2] for m in chat] == ["⏰ ", "✅ ", "📢 "], chat
    assert "Ayo Cek DPT" in chat[1] and all(p in chat[2] for p in ("X", "Facebook", "Instagram", "YouTube", "TikTok"))


def test_the_narration_speaks_bahasa_indonesia_in_sop_terms(demo: dict) -> None:
    printed = demo["printed"]
    for phrase in ("langkah 1–2 · Pengampu Konsep (Tim Pelaksana Kegiatan) (@rina-tekmas) mengajukan konsep",
                   "langkah 3 · Sub Koordinator Subbag Tekmas (@budi-subkoor) menyetujui (ya): “Ya, lanjut ke Kabag.”",
                   "(@sari-kabag) tidak menyetujui (tidak), konsep dikembalikan",
                   "langkah 7 · Media Sosial Admin (@admin-medsos) menerima konsep final",
                   "● menunggu persetujuan", "● dikembalikan", "● disetujui lengkap",
                   "Komentar di pull request", "tugas terjadwal · konten remind", "Pengunggahan selesai tanpa galat.",
                   "Catatan SOP konten ini", "Lewat batas", "30 menit", "Tautan", "✅ tayang"):
        assert phrase in printed, phrase
    for english in ("PR comment", "opens the pull request", "merges the approved draft", "publish exit code",
                    "SOP record", "Posts", "scheduled job", "approve:", "taken / standard", "● pending"):
        assert english not in printed, english


def test_the_narration_speaks_english_when_asked(tmp_path: Path) -> None:
    printed = play(tmp_path, "en")["printed"]
    for phrase in ("step 3 · Sub Koordinator Subbag Tekmas (@budi-subkoor) approves (yes): “Yes, on to the Head",
                   "does not approve (no), the draft goes back", "● waiting for approval", "Pull request comment",
                   "scheduled job · konten remind", "This item's SOP record", "Taken / standard", "30 min",
                   "✅ published"):
        assert phrase in printed, phrase
    for indonesian in ("langkah", "menyetujui", "Komentar", "tugas terjadwal", "Tautan", "menit"):
        assert indonesian not in printed, indonesian


def test_the_demo_runs_on_a_clone_without_shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's clone has no `shared/` beside it: the imitations serve without the official specs
    (and say so), and the demo still plays the whole SOP."""
    monkeypatch.setenv("KONTEN_SHARED_DIR", str(tmp_path / "absent"))
    result = play(tmp_path / "work", "id")
    assert "Spesifikasi resmi platform dari folder shared/ tidak ada" in " ".join(result["printed"].split())
    assert result["observed"]["posts"] == {"x": 1, "facebook": 1, "instagram": 1, "youtube": 1, "tiktok": 1}
