"""`konten remind` against the GitHub imitation with an advancing clock: once per overdue step per
draft version across runs, office hours respected, the group chat told, chat failures reported."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline import remind
from pipeline.announce import Channels
from pipeline.config import AnnounceSettings, Sop, parse_sop
from pipeline.github import GitHub
from pipeline.hours import OfficeHours
from pipeline.sandbox.github import GitHubServer
from pipeline.sandbox.telegram import TelegramServer

REPO_ROOT = Path(__file__).resolve().parents[1]
OWNER, NAME = "kpu-jateng", "konten"
REPO = f"{OWNER}/{NAME}"
TOKEN = "ghs_konten_remind_0001"
AUTHOR = "penulis"
ITEM = "content/2026/11/sosialisasi-pemilih-pemula/index.md"
LOGINS = {"ganti-subkoor-tekmas": "subkoor", "ganti-kabag-hth": "kabag", "ganti-sekretaris": "sekretaris",
          "ganti-komisioner": "komisioner", "ganti-admin-medsos": "admin-medsos"}
UTC7 = timezone(timedelta(hours=7))
FRIDAY_0800 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC7)
MARK = re.compile(r"<!-- konten:remind:([0-9a-f]{40}):step-(\d) -->")


def sop() -> Sop:
    text = (REPO_ROOT / "sop.yml").read_text(encoding="utf-8")
    for old, new in LOGINS.items():
        text = text.replace(old, new)
    return parse_sop(text)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> None:
        assert moment >= self.now
        self.now = moment


class Stage:
    def __init__(self, start: datetime) -> None:
        self.clock = Clock(start)
        self.server = GitHubServer(token=TOKEN, clock=self.clock)
        self.sop = sop()

    def __enter__(self) -> Stage:
        self.server.start()
        people = {login: "write" for login in [*LOGINS.values(), AUTHOR]}
        self.server.create_repo(OWNER, NAME, {"README.md": b"# konten\n"}, collaborators=people)
        self.server.create_branch(REPO, "konten/x")
        self.server.commit(REPO, "konten/x", {ITEM: b"---\ntitle: x\n---\nhalo\n"}, AUTHOR, "Draf")
        self.number = self.server.open_pull(REPO, "konten/x", "main", AUTHOR, "Sosialisasi pemilih pemula")
        self.gh = GitHub(REPO, TOKEN, api_url=self.server.url)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def run(self, at: datetime, hours: OfficeHours | None = None, channels: Channels | None = None
            ) -> remind.Outcome:
        self.clock.at(at)
        return remind.run(self.gh, self.sop, self.clock.now, hours, channels, out=lambda _: None)

    def reminders(self) -> list[tuple[str, int, str]]:
        """(sha, step, body) of every reminder comment, oldest first."""
        out = []
        for c in self.server.comments(REPO, self.number):
            found = MARK.search(c["body"])
            if found:
                out.append((found[1], int(found[2]), c["body"]))
        return out

    @property
    def head(self) -> str:
        return self.server.branch_sha(REPO, "konten/x")


@pytest.fixture
def stage() -> Iterator[Stage]:
    with Stage(FRIDAY_0800) as s:
        yield s


def minutes(n: float) -> datetime:
    return FRIDAY_0800 + timedelta(minutes=n)


def test_once_per_overdue_step_per_version_across_runs(stage: Stage) -> None:
    assert stage.run(minutes(29)).sent == []  # the sub-coordinator has 30 minutes
    first = stage.head
    outcome = stage.run(minutes(31))
    assert [(r.step, r.logins) for r in outcome.sent] == [(3, ("subkoor",))]
    for later in (45, 60, 75):  # every 15 minutes: still overdue, never reminded twice
        assert stage.run(minutes(later)).sent == []
    assert [(sha, step) for sha, step, _ in stage.reminders()] == [(first, 3)]
    assert "@subkoor" in stage.reminders()[0][2]

    stage.clock.at(minutes(80))
    stage.server.review(REPO, stage.number, "subkoor", "APPROVE")  # Kabag HTH's 30 minutes start at 80
    assert stage.run(minutes(109)).sent == []
    assert [r.step for r in stage.run(minutes(111)).sent] == [4]
    assert stage.run(minutes(126)).sent == []

    stage.clock.at(minutes(130))  # the author corrects the draft: a new version, the chain starts over
    stage.server.commit(REPO, "konten/x", {ITEM: b"---\ntitle: x\n---\nhalo lagi\n"}, AUTHOR, "Perbaikan")
    assert stage.run(minutes(159)).sent == []
    assert [r.step for r in stage.run(minutes(161)).sent] == [3]
    assert stage.run(minutes(176)).sent == []
    assert [(sha, step) for sha, step, _ in stage.reminders()] == [(first, 3), (first, 4), (stage.head, 3)]
    assert stage.head != first


def test_a_pasted_marker_does_not_silence_a_reminder(stage: Stage) -> None:
    stage.server.add_token("ghp_author", AUTHOR)
    author = GitHub(REPO, "ghp_author", api_url=stage.server.url)
    author.create_comment(stage.number, f"<!-- konten:remind:{stage.head}:step-3 --> sudah diingatkan")
    assert [r.step for r in stage.run(minutes(31)).sent] == [3]


def test_office_hours_friday_1550_is_due_monday_0750() -> None:
    wib = ZoneInfo("Asia/Jakarta")
    office = OfficeHours(frozenset(range(5)), time(7, 30), time(16, 0), wib)
    friday_1550 = datetime(2026, 11, 27, 15, 50, tzinfo=UTC7)
    monday = datetime(2026, 11, 30, tzinfo=UTC7)
    with Stage(friday_1550) as stage:
        assert stage.run(friday_1550 + timedelta(minutes=40), office).sent == []  # wall clock would be late
        assert stage.run(monday.replace(hour=7, minute=49), office).sent == []
        sent = stage.run(monday.replace(hour=7, minute=51), office).sent
        assert [(r.step, r.due) for r in sent] == [(3, monday.replace(hour=7, minute=50))]
        assert "30 Nov 2026 07.50 WIB" in stage.reminders()[0][2]


def test_handover_to_the_admins_after_the_final_approval(stage: Stage) -> None:
    for n, login in enumerate(["subkoor", "kabag", "sekretaris", "komisioner"]):
        stage.clock.at(minutes(10 * (n + 1)))
        stage.server.review(REPO, stage.number, login, "APPROVE")
    assert stage.run(minutes(44)).sent == []  # the hand-over standard is 5 minutes from 40
    sent = stage.run(minutes(46)).sent
    assert [(r.step, r.logins, r.handover) for r in sent] == [(7, ("admin-medsos",), True)]


def test_the_group_chat_is_reminded_and_a_failure_is_reported(stage: Stage) -> None:
    with TelegramServer() as telegram:
        env = {"TELEGRAM_BOT_TOKEN": telegram.TOKEN, "KONTEN_TELEGRAM_API_URL": telegram.url}
        good = Channels(AnnounceSettings(telegram_chat="-1001000000001"), env)
        outcome = stage.run(minutes(31), channels=good)
        assert outcome.failed == [] and len(telegram.sent) == 1
        assert "PR #1" in telegram.sent[0]["text"] and "menunggu Sub Koordinator" in telegram.sent[0]["text"]
        assert stage.run(minutes(46), channels=good).sent == [] and len(telegram.sent) == 1

        stage.clock.at(minutes(50))
        stage.server.review(REPO, stage.number, "subkoor", "APPROVE")
        wrong = Channels(AnnounceSettings(telegram_chat="-100999"), env)
        outcome = stage.run(minutes(81), channels=wrong)
        assert [r.step for r in outcome.sent] == [4]  # the PR comment still went out
        assert len(outcome.failed) == 1 and "chat not found" in outcome.failed[0]
        assert "menolak permintaan (HTTP 400)" in outcome.failed[0]  # the reason in the SOP's language
        assert len(telegram.sent) == 1
        good.close()
        wrong.close()


def test_konten_remind_reads_its_settings_from_sop_yml(stage: Stage) -> None:
    text = (REPO_ROOT / "sop.yml").read_text(encoding="utf-8")
    with TelegramServer() as telegram:
        extra = ("office_hours: {days: [mon, tue, wed, thu, fri], start: \"07:30\", end: \"16:00\"}\n"
                 "announce:\n  telegram: {chat_id: \"-1001000000001\"}\n")
        parsed = parse_sop(text + extra, "sop.yml")  # the stage's people, the file's sections
        configured = replace(stage.sop, office_hours=parsed.office_hours, announce=parsed.announce)
        env = {"TELEGRAM_BOT_TOKEN": telegram.TOKEN, "KONTEN_TELEGRAM_API_URL": telegram.url}
        lines: list[str] = []
        stage.clock.at(minutes(31))
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            code, summary = remind.main(configured, stage.clock.now, lines.append, stage.gh)
        assert code == 0 and len(telegram.sent) == 1
        assert summary == lines[-1] and summary.startswith("konten remind: 1 PR terbuka diperiksa, 1 pengingat dikirim")
        assert lines[0] == "PR #1: Sub Koordinator Subbag Tekmas (langkah 3) diingatkan: @subkoor"
