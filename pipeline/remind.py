"""`konten remind`: remind whoever keeps an open draft waiting past the SOP's time standard.

Run every 15 minutes. For each open content PR, the step whose turn it is (an approver role,
SOP steps 3-6, or the hand-over to the admins once fully approved, step 7) is measured against
its standard — in office hours when sop.yml has them. Past due, its members are mentioned in a
PR comment and, when configured, the group chat is told.

Once per overdue step per version of a draft, across runs: the memory is a hidden marker in the
reminder comment itself, `<!-- konten:remind:<head sha>:step-<n> -->`, found again next run.
Why there: the comment *is* the reminder, so the memory cannot disagree with what people saw
(no separate write that could succeed while the comment failed, or the reverse); it needs no
data-branch write (the job keeps `contents: read`); it lives and dies with the PR. Only comments
by a bot count, so an author pasting the marker cannot silence a reminder. A new commit is a new
head sha, a new version of the draft: its steps may be reminded again. Two runs at once could
both remind; the workflow's concurrency group runs them one after the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pipeline import hours as office
from pipeline import messages, ops_text  # noqa: F401 - ops_text registers the sentences used here
from pipeline.announce import Channels, Note, evaluated
from pipeline.chain import Verdict
from pipeline.check import stale_requests
from pipeline.config import Sop
from pipeline.github import GitHub, Pull
from pipeline.hours import OfficeHours
from pipeline.platforms.transport import PostError

MARKER = "<!-- konten:remind:{sha}:step-{step} -->"


@dataclass(frozen=True)
class Reminder:
    """One overdue step of one draft version, and whom to remind."""

    number: int
    sha: str
    step: int
    role: str  # the role's name as the SOP writes it
    logins: tuple[str, ...]
    since: datetime
    due: datetime
    minutes: int
    handover: bool = False

    @property
    def marker(self) -> str:
        return MARKER.format(sha=self.sha, step=self.step)


def overdue(sop: Sop, pull: Pull, verdict: Verdict, now: datetime, hours: OfficeHours | None) -> Reminder | None:
    """The step of this PR that is past its standard now, if any (pure)."""
    facts = pull.facts
    if verdict.state == "waiting" and verdict.current is not None and verdict.current.started_at is not None:
        status = verdict.current
        n = next(i for i, role in enumerate(sop.chain) if role.id == status.role)
        role = sop.chain[n]
        step, since, minutes = n + 3, status.started_at, role.minutes
        # nobody left who may fill the role (note `no_eligible_member`): the admins must act
        logins, name, handover = status.waiting_on or sop.admins, role.name, False
    elif verdict.state == "approved" and verdict.roles[-1].finished_at is not None:
        step, since, minutes = len(sop.chain) + 3, verdict.roles[-1].finished_at, sop.handover_minutes
        logins, name, handover = sop.admins, sop.publisher_name, True
    else:
        return None
    due = office.due(since, minutes, hours)
    if now <= due:
        return None
    return Reminder(facts.number, facts.head_sha, step, name, tuple(logins), since, due, minutes, handover)


def comment(sop: Sop, reminder: Reminder) -> str:
    lang, tz = sop.language, sop.timezone
    return reminder.marker + "\n" + messages.t(
        "remind.handover" if reminder.handover else "remind.comment", lang,
        mentions=" ".join("@" + login for login in reminder.logins), role=reminder.role, step=reminder.step,
        since=messages.format_time(reminder.since, tz, lang), due=messages.format_time(reminder.due, tz, lang),
        minutes=reminder.minutes)


def chat_note(sop: Sop, reminder: Reminder, pull: Pull) -> Note:
    lang, tz = sop.language, sop.timezone
    text = messages.t("remind.chat", lang, title=pull.title, number=reminder.number, role=reminder.role,
                      since=messages.format_time(reminder.since, tz, lang),
                      due=messages.format_time(reminder.due, tz, lang, with_date=False), url=pull.html_url)
    return Note("reminder", text, (reminder.role, pull.title, pull.html_url))


@dataclass
class Outcome:
    pulls: int = 0
    sent: list[Reminder] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # rendered channel failures


def run(gh: GitHub, sop: Sop, now: datetime, hours: OfficeHours | None, channels: Channels | None = None,
        out: Callable[[str], None] = print) -> Outcome:
    """Remind every overdue step of every open content PR once; failures are reported, not raised."""
    result = Outcome()
    for pull, verdict in evaluated(gh, sop, now):
        result.pulls += 1
        stale = stale_requests(sop, pull, verdict)
        if stale:  # `konten check` leaves these to us: withdrawing them there would break its budget
            gh.remove_review_requests(pull.facts.number, stale)
            out(messages.t("remind.withdrawn", sop.language, number=pull.facts.number,
                           who=", ".join("@" + login for login in stale)))
        reminder = overdue(sop, pull, verdict, now, hours)
        if reminder is None:
            continue
        if any(reminder.marker in c.body for c in gh.comments(pull.facts.number) if c.author.endswith("[bot]")):
            continue
        gh.create_comment(pull.facts.number, comment(sop, reminder))
        result.sent.append(reminder)
        out(messages.t("remind.sent", sop.language, number=reminder.number, role=reminder.role, step=reminder.step,
                       who=", ".join("@" + login for login in reminder.logins)))
        if channels is None or not channels.settings.reminders:
            continue
        note = chat_note(sop, reminder, pull)
        for target in channels.targets("reminder"):
            try:
                channels.send(target, note)
            except PostError as exc:
                line = messages.t("remind.channel_failed", sop.language, number=reminder.number, target=target,
                                  reason=exc.render(sop.language))
                result.failed.append(line)
                out(line)
    return result



def main(sop: Sop, now: datetime, out: Callable[[str], None] = print, gh: GitHub | None = None
         ) -> tuple[int, str]:
    """`konten remind`: exit code (1 if a chat could not be reached) and the job summary line."""
    gh = gh or GitHub.from_env()
    hours = sop.office_hours
    channels = Channels(sop.announce) if sop.announce else None
    try:
        outcome = run(gh, sop, now, hours, channels, out)
    finally:
        if channels is not None:
            channels.close()
    line = messages.t("remind.summary", sop.language, pulls=outcome.pulls, sent=len(outcome.sent),
                      failed=len(outcome.failed), requests=gh.requests)
    out(line)
    return (1 if outcome.failed else 0), line
