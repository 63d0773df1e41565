"""Announcements to the office's group chat: the final *ya* (SOP step 6) and "live" (step 8).

The SOP has the final approval given "in the internal WhatsApp group so that every member knows".
Messages go to a Telegram group (Bot API `sendMessage`) and/or WhatsApp numbers (Cloud API
template messages: WhatsApp lets a business start a conversation only with an approved template).
Tokens come from the environment (`TELEGRAM_BOT_TOKEN`, `WHATSAPP_TOKEN`), never from sop.yml.

Only news is announced: the approval of a PR that is open or was merged within `WINDOW` (an admin
may merge between two runs), and an item whose last post went live within it.

Sent once, with the ledger's discipline: each announcement is one record in the ledger store,
`announcements/<item>/<event>.json`, holding one entry per target (`telegram`,
`whatsapp:<number>`). An entry is written `pending` (compare-and-swap on the store's version)
*before* the call, then `sent`, `failed` (retried by a later run, at most `MAX_ATTEMPTS` times) or
`unknown` (the request went out and no answer came back: never resent blindly). Calls go through
the platforms' shared `Api` retry policy; Telegram's flood-control wait, which it gives in the
body (`parameters.retry_after`), is honoured like a `Retry-After` header.

`sop.yml`:

    announce:
      telegram:
        chat_id: "-1001234567890"
      whatsapp:
        phone_number_id: "106540352242922"
        language: id
        recipients: ["6281234567890"]
        templates:            # approved templates; their body variables, in order:
          approved: konten_disetujui    # {{1}} title, {{2}} PR link
          published: konten_tayang      # {{1}} title, {{2}} platforms
          reminder: konten_pengingat    # {{1}} role, {{2}} title, {{3}} PR link
      reminders: true         # also send overdue reminders to these chats (default true)
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from pipeline import messages, ops_text  # noqa: F401 - ops_text registers the sentences used here
from pipeline.chain import Verdict
from pipeline.check import evaluate_pull, own_comments, ready_since
from pipeline.config import AnnounceSettings, Sop
from pipeline.github import PER_PAGE, GitHub, Pull, parse_time
from pipeline.ledger import PENDING_STALE, Conflict, ItemRecord, Ledger, PlatformRecord, Store
from pipeline.platforms.transport import Api, PostError, json_reason

ROOT = "announcements"
MAX_ATTEMPTS = 5
TELEGRAM_URL = "https://api.telegram.org"
WHATSAPP_URL = "https://graph.facebook.com"
WHATSAPP_VERSION = "v23.0"
#: Only news is announced: a PR merged, or an item whose last post went live, longer ago than this
#: is history. Without it, turning announcements on would send one message per item ever published.
#: A day, not the 15-minute schedule: GitHub delays or drops scheduled runs, and an approval merged
#: between two runs is seen only among the merged PRs.
WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Note:
    """One message: `kind` picks the WhatsApp template, `text` is the chat text, `values` its variables."""

    kind: str
    text: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Delivery:
    """What happened to one announcement on one target, for the job's report."""

    item: str
    event: str
    target: str
    state: str  # sent, already, failed, gave_up, unknown, pending
    reason: str = ""
    attempts: int = 0

    def render(self, lang: str) -> str:
        state = messages.t(f"announce.state.{self.state}", lang, reason=self.reason, attempts=self.attempts)
        event = messages.t(f"announce.event.{self.event.split('-', 1)[0]}", lang)  # approved-<sha>: one version
        return messages.t("announce.line", lang, item=self.item, event=event, target=self.target, state=state)

    @property
    def ok(self) -> bool:
        return self.state in ("sent", "already", "pending")


def _reason(response: httpx.Response) -> str:
    """Telegram's `description`, else the Graph (or any JSON) error text."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict) and data.get("description"):
        return str(data["description"])
    return json_reason(response)


def _telegram_wait(response: httpx.Response) -> None:
    """Telegram gives its flood-control wait in the body; the shared policy reads `Retry-After`."""
    if response.status_code != 429 or "retry-after" in response.headers:
        return
    response.read()
    try:
        wait = (response.json().get("parameters") or {}).get("retry_after")
    except (ValueError, AttributeError):
        return
    if isinstance(wait, int):
        response.headers["Retry-After"] = str(wait)


class Channels:
    """The configured chats, reached over httpx with the platforms' retry policy."""

    def __init__(self, settings: AnnounceSettings, environ: Mapping[str, str] | None = None, *,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self.client = httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), transport=transport,
                                   event_hooks={"response": [_telegram_wait]})
        self.api = Api(self.client, _reason, sleep=sleep)

    def close(self) -> None:
        self.client.close()

    def targets(self, kind: str) -> list[str]:
        out = ["telegram"] if self.settings.telegram_chat else []
        wa = self.settings.whatsapp
        if wa and kind in wa.templates:
            out += [f"whatsapp:{number}" for number in wa.recipients]
        return out

    def _token(self, name: str) -> str:
        token = self.environ.get(name, "").strip()
        if not token:
            raise PostError("failed", code="announce.no_token", name=name)
        return token

    def send(self, target: str, note: Note) -> str:
        """Send `note` to one target; the message id, or `PostError`."""
        if target == "telegram":
            token = self._token("TELEGRAM_BOT_TOKEN")
            base = self.environ.get("KONTEN_TELEGRAM_API_URL", TELEGRAM_URL).rstrip("/")
            response = self.api.request("POST", f"{base}/bot{token}/sendMessage", creates=True, json={
                "chat_id": self.settings.telegram_chat, "text": note.text, "disable_web_page_preview": True})
            data = response.json()
            if not data.get("ok"):
                raise PostError("failed", str(data.get("description") or data))
            return str(data["result"]["message_id"])
        wa = self.settings.whatsapp
        assert wa is not None and target.startswith("whatsapp:")
        token = self._token("WHATSAPP_TOKEN")
        base = self.environ.get("KONTEN_WHATSAPP_API_URL", WHATSAPP_URL).rstrip("/")
        response = self.api.request(
            "POST", f"{base}/{WHATSAPP_VERSION}/{wa.phone_number_id}/messages", creates=True,
            headers={"Authorization": f"Bearer {token}"},
            json={"messaging_product": "whatsapp", "recipient_type": "individual", "to": target.split(":", 1)[1],
                  "type": "template", "template": {
                      "name": wa.templates[note.kind], "language": {"code": wa.language},
                      "components": [{"type": "body", "parameters": [
                          {"type": "text", "text": _one_line(v)} for v in note.values]}]}})
        return str(response.json()["messages"][0]["id"])


def _one_line(value: str) -> str:
    """WhatsApp refuses template variables with line breaks, tabs or runs of spaces."""
    return re.sub(r"\s+", " ", value).strip() or "-"


def record_path(item: str, event: str) -> str:
    return f"{ROOT}/{item}/{event}.json"


class Announcer:
    """Sends each (item, event) to each target at most once, remembering it in the ledger store;
    failure reasons are recorded in `lang`, the SOP's language, as the job's report shows them."""

    def __init__(self, store: Store, channels: Channels, now: Callable[[], datetime], run: str | None = None, *,
                 lang: str) -> None:
        self.store = store
        self.channels = channels
        self.now = now
        self.run = run
        self.lang = lang

    def announce(self, item: str, event: str, note: Note) -> list[Delivery]:
        return [self._one(item, event, target, note) for target in self.channels.targets(note.kind)]

    def sent(self, item: str, event: str, kind: str) -> bool:
        """Whether every target already has (item, event): then nothing about it needs working out."""
        targets = self._read(record_path(item, event))[0].get("targets", {})
        return all(targets.get(t, {}).get("state") == "sent" for t in self.channels.targets(kind))

    def _read(self, path: str) -> tuple[dict[str, Any], str | None]:
        text, version = self.store.get(path)
        return (json.loads(text) if text else {}), version

    def _write(self, path: str, item: str, event: str, target: str, entry: dict[str, Any],
               version: str | None, data: dict[str, Any]) -> str:
        data = {"item": item, "event": event, "targets": {**data.get("targets", {}), target: entry}}
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        return self.store.put(path, text, version, f"announce: {item} {event} {target} {entry['state']}")

    def _one(self, item: str, event: str, target: str, note: Note) -> Delivery:
        path = record_path(item, event)
        for _ in range(5):  # compare-and-swap: re-read and decide again when another run wrote first
            data, version = self._read(path)
            entry = data.get("targets", {}).get(target, {})
            state, attempts = entry.get("state"), int(entry.get("attempts", 0))
            if state == "pending" and self.now() - datetime.fromisoformat(entry["at"]) > PENDING_STALE:
                state = "unknown"  # a run died between claiming and recording: it may have been sent
            if state in ("sent", "unknown", "pending"):
                return Delivery(item, event, target, "already" if state == "sent" else state,
                                entry.get("error") or "", attempts)
            if state == "failed" and attempts >= MAX_ATTEMPTS:
                return Delivery(item, event, target, "gave_up", entry.get("error") or "", attempts)
            claim = {"state": "pending", "at": self.now().isoformat(), "attempts": attempts + 1, "run": self.run}
            try:
                version = self._write(path, item, event, target, claim, version, data)
            except Conflict:
                continue
            break
        else:
            raise Conflict(path)
        try:
            message_id, final = self.channels.send(target, note), {"state": "sent"}
            final["message_id"] = message_id
        except PostError as exc:
            final = {"state": exc.outcome, "error": exc.render(self.lang)}
        final.update(at=self.now().isoformat(), attempts=attempts + 1, run=self.run)
        for _ in range(5):  # other targets of the same record may be written meanwhile: keep theirs
            try:
                self._write(path, item, event, target, final, version, data)
                break
            except Conflict:
                data, version = self._read(path)
        else:
            raise Conflict(path)
        return Delivery(item, event, target, final["state"], final.get("error", ""), attempts + 1)


# -- what is announced ------------------------------------------------------------------------
def approved_note(sop: Sop, title: str, number: int, url: str) -> Note:
    role = sop.chain[-1].name
    text = messages.t("announce.approved", sop.language, title=title, number=number, role=role, sop=sop.number,
                      url=url)
    return Note("approved", text, (title, url))


def published_note(sop: Sop, record: ItemRecord, platforms: dict[str, PlatformRecord]) -> Note | None:
    """The "live" message once every platform of the item is published (SOP step 8), else None."""
    if not record.platforms or any(
            platforms.get(p) is None or platforms[p].state != "published" for p in record.platforms):
        return None
    names = ", ".join(messages.platform_label(p) for p in record.platforms)
    links = " ".join(platforms[p].url or "" for p in record.platforms).strip()
    text = messages.t("announce.published", sop.language, title=record.title, platforms=names, links=links)
    return Note("published", text, (record.title, names))


def published(announcer: Announcer, sop: Sop, items: Iterator[tuple[ItemRecord, dict[str, PlatformRecord]]],
              now: datetime) -> list[Delivery]:
    """Announce every item of the ledger that went live everywhere within `WINDOW`, once."""
    out: list[Delivery] = []
    for record, platforms in items:
        note = published_note(sop, record, platforms)
        if note is None or now - max(datetime.fromisoformat(platforms[p].at) for p in record.platforms) > WINDOW:
            continue  # not live everywhere yet, or long ago
        out += announcer.announce(record.item, "published", note)
    return out


def pull_items(files: Iterable[str], number: int) -> list[str]:
    """The items a PR carries: folders (under content/) of its changed index.md, else `pr-<n>`."""
    items = [f[len("content/"):-len("/index.md")] for f in files
             if f.startswith("content/") and f.endswith("/index.md")]
    return items or [f"pr-{number}"]


def approved_event(head_sha: str) -> str:
    """Once per draft version: a new commit is a new version, approved anew."""
    return f"approved-{head_sha}"


def approved(announcer: Announcer, sop: Sop, pulls: Iterable[tuple[Pull, Verdict]]) -> list[Delivery]:
    """Announce every fully approved PR once per draft version (a new commit is a new version)."""
    out: list[Delivery] = []
    if not sop.chain[-1].announce:  # sop.yml: the final role's *ya* is not to be announced
        return out
    for pull, verdict in pulls:
        if verdict.state == "approved":
            note = approved_note(sop, pull.title, pull.facts.number, pull.html_url)
            for item in pull_items(pull.files, pull.facts.number):
                out += announcer.announce(item, approved_event(pull.facts.head_sha), note)
    return out


# -- open and recently merged PRs ---------------------------------------------------------------
def open_pulls(gh: GitHub) -> list[int]:
    """Numbers of the open, non-draft PRs (`pulls/list`, 100 a page)."""
    return [p["number"] for p in gh._pages(gh.api.pulls.list, state="open") if not p.get("draft")]


def merged_since(gh: GitHub, since: datetime) -> list[tuple[int, str, datetime]]:
    """Number, head sha and merge time of the PRs merged after `since`: one request, the 100
    closed PRs updated last (a merge updates a PR, so those merged within a day are among them)."""
    closed = gh._call(gh.api.pulls.list, state="closed", sort="updated", direction="desc", per_page=PER_PAGE)
    merged = ((p["number"], p["head"]["sha"], parse_time(p.get("merged_at"))) for p in closed)
    return [(number, sha, at) for number, sha, at in merged if at is not None and at > since]


def _judged(gh: GitHub, sop: Sop, pulls: Iterable[tuple[int, datetime]]) -> Iterator[tuple[Pull, Verdict]]:
    """Each content PR of `pulls` with its chain's verdict at the time given with it."""
    for number, at in pulls:
        pull = gh.pull(number)
        if any(f.startswith("content/") for f in pull.files):
            pull = ready_since(pull, own_comments(gh, number))  # as `konten check` saw it leave draft
            yield pull, evaluate_pull(sop, pull, at)


def evaluated(gh: GitHub, sop: Sop, now: datetime) -> Iterator[tuple[Pull, Verdict]]:
    """Every open content PR with its verdict (what reminders and the report act on)."""
    return _judged(gh, sop, ((number, now) for number in open_pulls(gh)))


def announceable(gh: GitHub, sop: Sop, now: datetime, announcer: Announcer) -> Iterator[tuple[Pull, Verdict]]:
    """The open content PRs, and those merged within `WINDOW` judged at their merge: an admin who
    merges between two runs must not swallow the final approval's announcement. A merged PR
    whose approval every chat already has costs one request (its files), not five."""
    yield from evaluated(gh, sop, now)
    for number, sha, at in merged_since(gh, now - WINDOW):
        files = [f["filename"] for f in gh._pages(gh.api.pulls.list_files, pull_number=number)]
        if any(f.startswith("content/") for f in files) and not all(
                announcer.sent(item, approved_event(sha), "approved") for item in pull_items(files, number)):
            yield from _judged(gh, sop, [(number, at)])


def main(sop: Sop, ledger: Ledger, now: datetime, out: Callable[[str], None] = print,
         gh: GitHub | None = None, run: str | None = None) -> tuple[int, str]:
    """`konten announce`: approvals of open or just merged PRs and items just published; exit 1 if
    one could not be sent."""
    if sop.announce is None:
        return 0, ""
    channels = Channels(sop.announce)
    try:
        announcer = Announcer(ledger.store, channels, lambda: now, run, lang=sop.language)
        deliveries = approved(announcer, sop, announceable(gh or GitHub.from_env(), sop, now, announcer))
        deliveries += published(announcer, sop, ledger.items(), now)
    finally:
        channels.close()
    news = [d for d in deliveries if d.state != "already"]
    lines = [d.render(sop.language) for d in news] or [messages.t("announce.nothing", sop.language)]
    for line in lines:
        out(line)
    return (0 if all(d.ok for d in news) else 1), "\n".join(f"- {line}" for line in lines)
