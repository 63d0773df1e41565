"""`konten demo --no-serve`, end to end: the SOP played on the sandbox, asserted on what it left."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.demo import DEMO_ITEM, ROLES, run_demo
from pipeline.ledger import FolderStore, Ledger

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("demo")
    result = run_demo(REPO, serve=False, work=work)
    result["work"] = work
    return result


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
