"""Announcements (SOP steps 6 and 8) against the Telegram and WhatsApp imitations: sent once across
runs, the platforms' errors reported, Telegram's flood-control wait honoured."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path

import httpx
import pytest

from pipeline import announce
from pipeline.announce import Announcer, Channels
from pipeline.chain import Commit, PullFacts, Review, evaluate
from pipeline.config import AnnounceSettings, Sop, WhatsApp, parse_sop
from pipeline.github import GitHub, Pull
from pipeline.ledger import FolderStore, ItemRecord, Ledger, PlatformRecord
from pipeline.sandbox.github import GitHubServer
from pipeline.sandbox.http import Fault
from pipeline.sandbox.telegram import TelegramServer
from pipeline.sandbox.whatsapp import WhatsAppServer

REPO_ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
CHAT = "-1001000000001"
PEOPLE = ["6281200000001", "6281200000002"]
TEMPLATES = {"approved": "konten_disetujui", "published": "konten_tayang", "reminder": "konten_pengingat"}
ITEM = "2026/11/sosialisasi-pemilih-pemula"


def sop() -> Sop:
    text = (REPO_ROOT / "sop.yml").read_text(encoding="utf-8")
    for old, new in {"ganti-subkoor-tekmas": "subkoor", "ganti-kabag-hth": "kabag", "ganti-sekretaris": "sekretaris",
                     "ganti-komisioner": "komisioner", "ganti-admin-medsos": "admin-medsos"}.items():
        text = text.replace(old, new)
    return parse_sop(text)


@dataclass
class World:
    telegram: TelegramServer
    whatsapp: WhatsAppServer
    store: FolderStore
    waits: list[float]
    env: dict[str, str]
    now: datetime = NOW

    def announcer(self, settings: AnnounceSettings | None = None, env: dict[str, str] | None = None,
                  lang: str = "id") -> Announcer:
        settings = settings or AnnounceSettings(CHAT, WhatsApp(WhatsAppServer.PHONE_NUMBER_ID, tuple(PEOPLE), TEMPLATES))
        channels = Channels(settings, self.env if env is None else env, sleep=self.waits.append)
        return Announcer(self.store, channels, lambda: self.now, run="run-1", lang=lang)

    def record(self, item: str, event: str) -> dict:
        text, _ = self.store.get(announce.record_path(item, event))
        assert text is not None
        return json.loads(text)["targets"]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with TelegramServer() as telegram, WhatsAppServer() as whatsapp:
        env = {"TELEGRAM_BOT_TOKEN": telegram.TOKEN, "KONTEN_TELEGRAM_API_URL": telegram.url,
               "WHATSAPP_TOKEN": whatsapp.TOKEN, "KONTEN_WHATSAPP_API_URL": whatsapp.url}
        yield World(telegram, whatsapp, FolderStore(tmp_path / "data"), [], env)


def item_record(platforms: list[str]) -> ItemRecord:
    return ItemRecord(item=ITEM, title="Sosialisasi Pemilih Pemula", kind="berita", caption="Ayo memilih!",
                      platforms=platforms, media=[], publish_at=None, fingerprint="f" * 64,
                      pr={"number": 1}, steps=[], sop={"number": "26", "title": "SOP"})


def published_ledger(store: FolderStore, states: dict[str, str], at: datetime = NOW, item: str = ITEM) -> Ledger:
    ledger = Ledger(store)
    ledger.write_item(replace(item_record(list(states)), item=item))
    for platform, state in states.items():
        ledger.write_platform(item, PlatformRecord(platform, state, at.isoformat(), url=f"https://{platform}/p/1"),
                              None)
    return ledger


def states(deliveries: list[announce.Delivery]) -> dict[str, str]:
    return {d.target: d.state for d in deliveries}


def test_published_is_announced_once_on_every_channel(world: World) -> None:
    s = sop()
    ledger = published_ledger(world.store, {"x": "published", "facebook": "pending"})
    assert announce.published(world.announcer(), s, ledger.items(), NOW) == []  # not live everywhere yet
    ledger.write_platform(ITEM, PlatformRecord("facebook", "published", NOW.isoformat(), url="https://fb/p/2"),
                          ledger.platform(ITEM, "facebook")[1])
    first = announce.published(world.announcer(), s, ledger.items(), NOW)
    assert states(first) == {"telegram": "sent", "whatsapp:6281200000001": "sent", "whatsapp:6281200000002": "sent"}
    assert len(world.telegram.sent) == 1 and "X (Twitter), Facebook" in world.telegram.sent[0]["text"]
    assert [(m["to"], m["template"], m["values"]) for m in world.whatsapp.sent] == [
        (p, "konten_tayang", ["Sosialisasi Pemilih Pemula", "X (Twitter), Facebook"]) for p in PEOPLE]
    again = announce.published(world.announcer(), s, ledger.items(), NOW)  # the next run
    assert set(states(again).values()) == {"already"}
    assert len(world.telegram.sent) == 1 and len(world.whatsapp.sent) == 2
    assert world.record(ITEM, "published")["telegram"]["message_id"] == str(world.telegram.sent[0]["message_id"])


def test_telegram_flood_control_wait_is_honoured(world: World) -> None:
    world.telegram.flood(retry_after=7)
    note = announce.Note("approved", "halo", ("a", "b"))
    assert states(world.announcer(AnnounceSettings(CHAT)).announce(ITEM, "approved-abc", note)) == {"telegram": "sent"}
    assert world.waits == [7.0]
    assert len(world.telegram.calls("POST", "/sendMessage$")) == 2 and len(world.telegram.sent) == 1


def test_a_long_flood_wait_fails_and_is_retried_by_a_later_run(world: World) -> None:
    world.telegram.flood(retry_after=3600)  # longer than a run should sleep
    note = announce.Note("approved", "halo", ())
    first = world.announcer(AnnounceSettings(CHAT)).announce(ITEM, "approved-abc", note)
    assert states(first) == {"telegram": "failed"} and "retry after 3600" in first[0].reason
    assert world.waits == [] and world.telegram.sent == []
    assert states(world.announcer(AnnounceSettings(CHAT)).announce(ITEM, "approved-abc", note)) == {"telegram": "sent"}
    assert world.record(ITEM, "approved-abc")["telegram"]["attempts"] == 2


def test_chat_not_found_fails_is_reported_and_given_up_after_the_limit(world: World) -> None:
    note = announce.Note("approved", "halo", ())
    wrong = AnnounceSettings("-100999")
    host = httpx.URL(world.telegram.url).netloc.decode()
    for attempt in range(1, announce.MAX_ATTEMPTS + 1):
        [delivery] = world.announcer(wrong).announce(ITEM, "approved-abc", note)
        expected = ("failed", f'{host} menolak permintaan (HTTP 400): "Bad Request: chat not found".', attempt)
        assert (delivery.state, delivery.reason, delivery.attempts) == expected  # the SOP's language
        assert world.record(ITEM, "approved-abc")["telegram"]["error"] == delivery.reason
        assert "chat not found" in delivery.render("id") and not delivery.ok
    [delivery] = world.announcer(wrong).announce(ITEM, "approved-abc", note)
    assert delivery.state == "gave_up"
    assert len(world.telegram.calls("POST")) == announce.MAX_ATTEMPTS


def test_a_dropped_connection_is_unknown_and_never_resent(world: World) -> None:
    world.whatsapp.inject(Fault(path=r"/messages$", drop=True, apply=True))  # sent, but the answer is lost
    settings = AnnounceSettings(whatsapp=WhatsApp(WhatsAppServer.PHONE_NUMBER_ID, (PEOPLE[0],), TEMPLATES))
    note = announce.Note("published", "halo", ("Judul", "X"))
    assert states(world.announcer(settings).announce(ITEM, "published", note)) == {f"whatsapp:{PEOPLE[0]}": "unknown"}
    assert states(world.announcer(settings).announce(ITEM, "published", note)) == {f"whatsapp:{PEOPLE[0]}": "unknown"}
    assert len(world.whatsapp.sent) == 1 and len(world.whatsapp.calls("POST")) == 1


def test_whatsapp_errors_are_the_platforms_own_words(world: World) -> None:
    stranger = "6289999999999"
    settings = AnnounceSettings(whatsapp=WhatsApp(WhatsAppServer.PHONE_NUMBER_ID, (stranger,), {"approved": "tidak_ada"}))
    [missing] = world.announcer(settings).announce(ITEM, "approved-1", announce.Note("approved", "x", ("a", "b")))
    assert missing.state == "failed" and "(#132001) Template name does not exist" in missing.reason
    settings = AnnounceSettings(whatsapp=WhatsApp(WhatsAppServer.PHONE_NUMBER_ID, (stranger,), TEMPLATES))
    [refused] = world.announcer(settings).announce(ITEM, "approved-2", announce.Note("approved", "x", ("a", "b")))
    assert refused.state == "failed" and "(#131030) Recipient phone number not in allowed list" in refused.reason
    world.whatsapp.throughput_reached(times=1)
    settings = AnnounceSettings(whatsapp=WhatsApp(WhatsAppServer.PHONE_NUMBER_ID, (PEOPLE[0],), TEMPLATES))
    [busy] = world.announcer(settings).announce(ITEM, "approved-3", announce.Note("approved", "x", ("a", "b")))
    assert busy.state == "sent" and world.waits == [1.0]  # 429 without a wait: the policy's own back-off


def test_a_missing_token_is_reported_without_calling(world: World) -> None:
    note = announce.Note("approved", "x", ())
    [delivery] = world.announcer(AnnounceSettings(CHAT), env={}).announce(ITEM, "approved-1", note)
    assert (delivery.state, delivery.reason) == (
        "failed", "TELEGRAM_BOT_TOKEN belum diisi (secret di GitHub): pesan tidak dikirim.")
    [english] = world.announcer(AnnounceSettings(CHAT), env={}, lang="en").announce(ITEM, "approved-2", note)
    assert english.reason.startswith("TELEGRAM_BOT_TOKEN is not set")
    assert world.telegram.requests == []


def test_a_pending_left_by_a_dead_run_becomes_unknown(world: World) -> None:
    note = announce.Note("approved", "x", ())
    path = announce.record_path(ITEM, "approved-1")
    claim = {"item": ITEM, "event": "approved-1",
             "targets": {"telegram": {"state": "pending", "at": NOW.isoformat(), "attempts": 1}}}
    world.store.put(path, json.dumps(claim), None, "test")
    assert states(world.announcer(AnnounceSettings(CHAT)).announce(ITEM, "approved-1", note)) == {"telegram": "pending"}
    world.now = NOW + timedelta(hours=1)
    assert states(world.announcer(AnnounceSettings(CHAT)).announce(ITEM, "approved-1", note)) == {"telegram": "unknown"}
    assert world.telegram.sent == []


def test_items_published_before_the_window_are_history_not_news(world: World) -> None:
    s, old = sop(), "2026/10/debat-kandidat"
    long_ago = NOW - announce.WINDOW - timedelta(minutes=1)
    published_ledger(world.store, {"x": "published"}, at=long_ago, item=old)
    ledger = published_ledger(world.store, {"x": "published", "facebook": "pending"}, at=long_ago)
    assert announce.published(world.announcer(AnnounceSettings(CHAT)), s, ledger.items(), NOW) == []
    # the item's last post went live within the window: news, though its first is older
    ledger.write_platform(ITEM, PlatformRecord("facebook", "published", (NOW - announce.WINDOW).isoformat()),
                          ledger.platform(ITEM, "facebook")[1])
    deliveries = announce.published(world.announcer(AnnounceSettings(CHAT)), s, ledger.items(), NOW)
    assert [(d.item, d.state) for d in deliveries] == [(ITEM, "sent")] and len(world.telegram.sent) == 1
    assert world.store.get(announce.record_path(old, "published")) == (None, None)


def approved_pull(s: Sop, sha: str) -> tuple[Pull, object]:
    start = NOW - timedelta(hours=2)
    reviews = tuple(Review(i + 1, role.members[0], "APPROVED", sha, start + timedelta(minutes=10 * (i + 1)))
                    for i, role in enumerate(s.chain))
    facts = PullFacts(7, "penulis", sha, start, False, (Commit(sha, "penulis", start),), reviews)
    pull = Pull(facts, (f"content/{ITEM}/index.md", f"content/{ITEM}/foto.jpg"), "Sosialisasi", "open", False, False,
                "main", "konten/x", frozenset(), "https://github.com/kpu-jateng/konten/pull/7")
    return pull, evaluate(s.chain, facts, NOW)


def test_the_final_approval_is_announced_once_per_draft_version(world: World) -> None:
    s = sop()
    first = approved_pull(s, "a" * 40)
    assert states(announce.approved(world.announcer(AnnounceSettings(CHAT)), s, [first])) == {"telegram": "sent"}
    assert states(announce.approved(world.announcer(AnnounceSettings(CHAT)), s, [first])) == {"telegram": "already"}
    assert states(announce.approved(world.announcer(AnnounceSettings(CHAT)), s, [approved_pull(s, "b" * 40)])) == {
        "telegram": "sent"}
    assert [m["text"].split(":")[0] for m in world.telegram.sent] == ["✅ Disetujui lengkap"] * 2
    assert "pull/7" in world.telegram.sent[0]["text"]
    assert world.record(ITEM, f"approved-{'a' * 40}")["telegram"]["state"] == "sent"


def test_konten_announce_end_to_end(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = ("announce:\n  telegram: {chat_id: \"%s\"}\n  whatsapp:\n    phone_number_id: \"%s\"\n"
             "    recipients: [\"+62 812 0000 0001\"]\n    templates: {published: konten_tayang}\n"
             % (CHAT, WhatsAppServer.PHONE_NUMBER_ID))
    s = parse_sop((REPO_ROOT / "sop.yml").read_text(encoding="utf-8") + extra, "sop.yml")
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    ledger = published_ledger(world.store, {"x": "published"})
    with GitHubServer(token="ghs_announce", clock=lambda: NOW) as github:
        people = {login: "write" for login in ["penulis", *(r.members[0] for r in s.chain)]}
        github.create_repo("kpu-jateng", "konten", {"README.md": b"#\n"}, collaborators=people)
        github.create_branch("kpu-jateng/konten", "konten/x")
        github.commit("kpu-jateng/konten", "konten/x", {f"content/{ITEM}/index.md": b"---\n---\nx\n"}, "penulis", "Draf")
        number = github.open_pull("kpu-jateng/konten", "konten/x", "main", "penulis", "Sosialisasi")
        for role in s.chain:
            github.review("kpu-jateng/konten", number, role.members[0], "APPROVE")
        gh = GitHub("kpu-jateng/konten", "ghs_announce", api_url=github.url)
        lines: list[str] = []
        code, summary = announce.main(s, ledger, NOW, lines.append, gh, run="42")
        assert code == 0 and len(lines) == 3, lines  # approved: telegram; published: telegram + 1 WhatsApp
        assert sorted(m["text"][:2] for m in world.telegram.sent) == ["✅ ", "📢 "]
        assert [m["to"] for m in world.whatsapp.sent] == ["6281200000001"]  # the approval has no WA template
        assert summary.count("\n") == 2 and "✅ terkirim" in summary
        code, summary = announce.main(s, ledger, NOW, lines.append, gh)
        assert (code, summary) == (0, "- Tidak ada pengumuman baru.")
        assert len(world.telegram.sent) == 2 and len(world.whatsapp.sent) == 1


class Repository:
    """The office's repository on the sandbox GitHub, with a clock the test moves."""

    NAME = "kpu-jateng/konten"
    TOKEN = "ghs_announce"

    def __init__(self, s: Sop, start: datetime) -> None:
        self.sop, self.now = s, start
        self.github = GitHubServer(token=self.TOKEN, clock=lambda: self.now)

    @cached_property
    def gh(self) -> GitHub:
        """Our client, once the server runs."""
        return GitHub(self.NAME, self.TOKEN, api_url=self.github.url)

    def draft(self, branch: str, path: str, title: str) -> int:
        self.github.create_branch(self.NAME, branch)
        self.github.commit(self.NAME, branch, {path: b"---\n---\nx\n"}, "penulis", "Draf")
        return self.github.open_pull(self.NAME, branch, "main", "penulis", title)

    def approve(self, number: int) -> None:
        """Every role says *ya*, ten minutes apart."""
        for role in self.sop.chain:
            self.now += timedelta(minutes=10)
            self.github.review(self.NAME, number, role.members[0], "APPROVE")

    def merge(self, number: int, at: datetime) -> None:
        self.now = at
        self.github.merge(self.NAME, number, self.sop.admins[0])


@pytest.fixture
def repository() -> Iterator[Repository]:
    repo = Repository(replace(sop(), announce=AnnounceSettings(CHAT)), NOW - timedelta(days=3))
    with repo.github:
        people = {login: "write" for login in ["penulis", *repo.sop.admins, *(r.members[0] for r in repo.sop.chain)]}
        repo.github.create_repo(*Repository.NAME.split("/"), {"README.md": b"#\n"}, collaborators=people)
        yield repo


def test_an_approval_merged_between_runs_is_announced_once(world: World, repository: Repository,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    r, ledger = repository, Ledger(world.store)
    docs = r.draft("panduan", "docs/panduan.md", "Panduan")  # no content: never judged
    old = r.draft("konten/lama", "content/2026/08/lama/index.md", "Lama")
    r.approve(old)
    r.merge(old, NOW - announce.WINDOW - timedelta(minutes=1))  # before announcements were turned on
    r.now = NOW - timedelta(hours=2)
    quick = r.draft("konten/cepat", f"content/{ITEM}/index.md", "Cepat")
    r.approve(quick)
    r.merge(quick, NOW - timedelta(hours=1))  # approved and merged between two runs
    later = r.draft("konten/terbuka", "content/2026/11/terbuka/index.md", "Terbuka")
    r.approve(later)
    r.merge(docs, NOW - timedelta(minutes=10))
    r.now = NOW
    since = NOW - timedelta(days=3)  # the closed PRs updated last come first, not the newest
    assert [number for number, _, _ in announce.merged_since(r.gh, since)] == [docs, quick, old]
    assert [p.facts.number for p, _ in announce.evaluated(r.gh, r.sop, NOW)] == [later]  # reminders: open only

    lines: list[str] = []
    assert announce.main(r.sop, ledger, NOW, lines.append, r.gh)[0] == 0
    assert sorted(m["text"].split('"')[1] for m in world.telegram.sent) == ["Cepat", "Terbuka"]
    r.merge(later, NOW + timedelta(minutes=5))  # seen open, now merged: the same version, not news again
    before = r.gh.requests
    assert announce.main(r.sop, ledger, NOW + timedelta(minutes=15), lines.append, r.gh) == (
        0, "- Tidak ada pengumuman baru.")
    assert len(world.telegram.sent) == 2
    assert r.gh.requests - before == 5  # the open and the closed PRs, and the files of each merged one


def test_chat_failures_are_reported_in_the_sops_language(world: World, repository: Repository,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTEN_TELEGRAM_API_URL", world.telegram.url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    ledger = published_ledger(world.store, {"x": "published"})
    lines: list[str] = []
    english = replace(repository.sop, language="en")
    code, summary = announce.main(english, ledger, NOW, lines.append, repository.gh)
    assert code == 1 and "TELEGRAM_BOT_TOKEN is not set (a GitHub secret)" in summary, summary
    assert world.record(ITEM, "published")["telegram"]["error"].startswith("TELEGRAM_BOT_TOKEN is not set")
