"""`sop.yml`: the admin's description of the SOP, read into a typed `Sop`.

The chain of approvers is a list in order; the author's steps come before it and the admin's
after it, so the eight steps of the KPU Jawa Tengah SOP (60/5/30/30/30/30/5/5 minutes) are
numbered from this file alone. Every problem is reported at once, with key and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline import hours
from pipeline.errors import ConfigError, Problem
from pipeline.fields import Fields
from pipeline.yamlio import YamlSyntaxError, load

CONFIG_NAME = "sop.yml"
DEFAULT_KINDS = (
    "informasi-kegiatan",
    "meme",
    "infografis",
    "pengumuman",
    "publikasi-informasi-umum",
    "berita",
)
LANGUAGES = ("id", "en")
ANNOUNCE_KINDS = ("approved", "published", "reminder")
_PHONE = re.compile(r"^\d{8,15}$")
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


@dataclass(frozen=True)
class Role:
    """One approver role of the chain: who may fill it, how many must, and its time standard."""

    id: str
    name: str
    members: tuple[str, ...]
    minutes: int
    approvals: str = "one"  # "one" or "all"
    announce: bool = False


@dataclass(frozen=True)
class Step:
    """One numbered SOP step with its time standard (Mutu Baku: Waktu)."""

    n: int
    role: str
    name: str
    does: str
    minutes: int


@dataclass(frozen=True)
class PlatformSettings:
    enabled: bool
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class WhatsApp:
    """WhatsApp Cloud API numbers and the approved template for each kind of message."""

    phone_number_id: str
    recipients: tuple[str, ...]
    templates: dict[str, str] = field(hash=False)
    language: str = "id"


@dataclass(frozen=True)
class AnnounceSettings:
    """Where announcements (and reminders) go; `None` channels are not configured."""

    telegram_chat: str | None = None
    whatsapp: WhatsApp | None = None
    reminders: bool = True


@dataclass(frozen=True)
class Sop:
    number: str
    title: str
    effective: date | None
    timezone: ZoneInfo
    language: str
    kinds: tuple[str, ...]
    author_name: str
    draft_minutes: int
    submit_minutes: int
    chain: tuple[Role, ...]
    publisher_name: str
    admins: tuple[str, ...]
    handover_minutes: int
    publish_minutes: int
    one_role_per_person: bool
    status_context: str
    platforms: dict[str, PlatformSettings] = field(hash=False, compare=False)
    drafters: tuple[str, ...] = ()  # may turn the issue form into a draft besides writers
    office_hours: hours.OfficeHours | None = None  # None: every minute counts against the standards
    announce: AnnounceSettings | None = None  # None: no group chat is told anything

    @property
    def steps(self) -> tuple[Step, ...]:
        """The SOP's steps in order: draft, submit, one per approver, hand-over, publish."""
        steps = [
            Step(1, "author", self.author_name, "draft", self.draft_minutes),
            Step(2, "author", self.author_name, "submit", self.submit_minutes),
        ]
        for role in self.chain:
            steps.append(Step(len(steps) + 1, role.id, role.name, "review", role.minutes))
        final = self.chain[-1]  # the SOP has the final approver hand the concept over
        steps.append(Step(len(steps) + 1, final.id, final.name, "hand-over", self.handover_minutes))
        steps.append(Step(len(steps) + 1, "publisher", self.publisher_name, "publish", self.publish_minutes))
        return tuple(steps)

    @property
    def total_minutes(self) -> int:
        return sum(step.minutes for step in self.steps)

    def enabled_platforms(self) -> tuple[str, ...]:
        return tuple(name for name, settings in self.platforms.items() if settings.enabled)

    def role(self, role_id: str) -> Role:
        return next(r for r in self.chain if r.id == role_id)


def find_config(start: Path) -> Path | None:
    """The nearest `sop.yml` at `start` or above it, the way git finds its repository."""
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_sop(path: Path) -> Sop:
    """Read and check `sop.yml`; raise `ConfigError` with every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem("config.missing", file=str(path))]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem("file.not_utf8", file=str(path), params={"offset": exc.start})]) from None
    return parse_sop(text, str(path))


def parse_sop(text: str, file: str = CONFIG_NAME) -> Sop:
    from pipeline.platforms import PLATFORMS  # the registry declares each platform's settings

    try:
        data, lines = load(text)
    except YamlSyntaxError as exc:
        raise ConfigError([exc.problem(file)]) from None
    f = Fields(data if isinstance(data, dict) else {}, lines, file)
    if not isinstance(data, dict):
        f.problem((), "config.not_mapping")
        raise ConfigError(f.problems)
    f.mapping((), ("sop", "kinds", "author", "chain", "publisher", "rules", "platforms", "drafters", "office_hours",
                   "announce"))

    f.mapping(("sop",), ("number", "title", "effective", "timezone", "language"), required=True)
    tz_name = f.get(("sop", "timezone"), str, default="Asia/Jakarta")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        f.problem(("sop", "timezone"), "config.timezone", value=tz_name)
        timezone = ZoneInfo("Asia/Jakarta")

    kinds = f.get(("kinds",), list, default=list(DEFAULT_KINDS))
    for i, kind in enumerate(kinds):
        if not isinstance(kind, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", kind):
            f.problem(("kinds", i), "config.kind_slug", value=kind)

    f.mapping(("author",), ("name", "draft_minutes", "submit_minutes"), required=True)
    chain = _chain(f)
    f.mapping(("publisher",), ("name", "admins", "handover_minutes", "publish_minutes"), required=True)
    admins = _logins(f, ("publisher", "admins"))
    f.mapping(("rules",), ("one_role_per_person", "status_context"))
    platforms = _platforms(f, PLATFORMS)

    sop = Sop(
        number=str(f.get(("sop", "number"), (str, int), required=True, default="")),
        title=f.get(("sop", "title"), str, required=True, default=""),
        effective=f.get(("sop", "effective"), date),
        timezone=timezone,
        language=f.get(("sop", "language"), str, default="id", choices=LANGUAGES),
        kinds=tuple(k for k in kinds if isinstance(k, str)),
        author_name=f.get(("author", "name"), str, required=True, default=""),
        draft_minutes=_minutes(f, ("author", "draft_minutes")),
        submit_minutes=_minutes(f, ("author", "submit_minutes")),
        chain=chain,
        publisher_name=f.get(("publisher", "name"), str, required=True, default=""),
        admins=admins,
        handover_minutes=_minutes(f, ("publisher", "handover_minutes")),
        publish_minutes=_minutes(f, ("publisher", "publish_minutes")),
        one_role_per_person=f.get(("rules", "one_role_per_person"), bool, default=True),
        status_context=f.get(("rules", "status_context"), str, default="konten/persetujuan"),
        platforms=platforms,
        drafters=_logins(f, ("drafters",)) if ("drafters",) in f.lines else (),
        office_hours=hours.read(f, timezone),
        announce=_announce(f),
    )
    errors = [p for p in f.problems if p.severity == "error"]
    if errors:
        raise ConfigError(errors)
    return sop


def _minutes(f: Fields, path: tuple[str | int, ...]) -> int:
    value = f.get(path, int, required=True, default=0)
    if value < 0:
        f.problem(path, "field.negative", value=value)
    return value


def _logins(f: Fields, path: tuple[str | int, ...]) -> tuple[str, ...]:
    logins = f.get(path, list, required=True, default=[])
    if path in f.lines and not logins:
        f.problem(path, "config.no_members")
    out = []
    for i, login in enumerate(logins):
        if not isinstance(login, str) or not _LOGIN.match(login):
            f.problem(path + (i,), "config.login", value=login)
        else:
            out.append(login)
    return tuple(out)


def _chain(f: Fields) -> tuple[Role, ...]:
    entries = f.get(("chain",), list, required=True, default=[])
    if ("chain",) in f.lines and not entries:
        f.problem(("chain",), "config.empty_chain")
    roles: list[Role] = []
    seen: set[str] = set()
    for i, _ in enumerate(entries):
        path: tuple[str | int, ...] = ("chain", i)
        f.mapping(path, ("role", "name", "members", "minutes", "approvals", "announce"), required=True)
        role_id = f.get(path + ("role",), str, required=True, default=f"role-{i + 1}")
        if role_id in seen:
            f.problem(path + ("role",), "config.duplicate_role", value=role_id)
        seen.add(role_id)
        approvals = f.get(path + ("approvals",), (int, str), default=1)
        if approvals not in (1, "all"):
            f.problem(path + ("approvals",), "config.approvals", value=approvals)
        roles.append(
            Role(
                id=role_id,
                name=f.get(path + ("name",), str, required=True, default=role_id),
                members=_logins(f, path + ("members",)),
                minutes=_minutes(f, path + ("minutes",)),
                approvals="all" if approvals == "all" else "one",
                announce=f.get(path + ("announce",), bool, default=False),
            )
        )
    return tuple(roles)


def _platforms(f: Fields, registry: dict[str, Any]) -> dict[str, PlatformSettings]:
    section = f.mapping(("platforms",), registry)
    out: dict[str, PlatformSettings] = {}
    for name, platform in registry.items():
        path: tuple[str | int, ...] = ("platforms", name)
        options_spec: dict[str, type | tuple[type, ...]] = platform.settings
        f.mapping(path, ("enabled", *options_spec))
        options = {key: f.get(path + (key,), kind) for key, kind in options_spec.items()}
        enabled = f.get(path + ("enabled",), bool, default=name in section or not section)
        out[name] = PlatformSettings(enabled, {k: v for k, v in options.items() if v is not None})
    return out


def _announce(f: Fields) -> AnnounceSettings | None:
    """The `announce` section: a Telegram group and/or WhatsApp numbers (tokens come from the environment)."""
    root = ("announce",)
    if f.raw(root) is None:
        return None
    f.mapping(root, ("telegram", "whatsapp", "reminders"))
    chat = None
    if f.raw(root + ("telegram",)) is not None:
        f.mapping(root + ("telegram",), ("chat_id",))
        value = f.get(root + ("telegram", "chat_id"), (str, int), required=True)
        chat = str(value) if value is not None else None
    whatsapp = None
    wa = root + ("whatsapp",)
    if f.raw(wa) is not None:
        f.mapping(wa, ("phone_number_id", "language", "recipients", "templates"))
        f.mapping(wa + ("templates",), ANNOUNCE_KINDS, required=True)
        recipients = []
        for i, number in enumerate(f.get(wa + ("recipients",), list, required=True, default=[])):
            digits = re.sub(r"[\s+-]", "", str(number))
            if _PHONE.match(digits):
                recipients.append(digits)
            else:
                f.problem(wa + ("recipients", i), "announce.phone", value=number)
        templates = {k: f.get(wa + ("templates", k), str) for k in ANNOUNCE_KINDS}
        phone_id = f.get(wa + ("phone_number_id",), (str, int), required=True)
        if phone_id is not None:
            whatsapp = WhatsApp(str(phone_id), tuple(recipients), {k: v for k, v in templates.items() if v},
                                f.get(wa + ("language",), str, default="id"))
    return AnnounceSettings(chat, whatsapp, f.get(root + ("reminders",), bool, default=True))
