"""The ordered approval chain as pure logic: the facts of a pull request in, a verdict out.

GitHub has no ordered approvals; the SOP (steps 3-6) has each official say *ya* (APPROVED) or
*tidak* (CHANGES_REQUESTED) in a fixed order, and may correct the draft before saying *ya*.
`evaluate` replays the pull request's commits and reviews as one timeline and decides whose
turn it is, what each role did and how long it took. No I/O: the GitHub adapter builds the
facts, and messages are rendered elsewhere from the `Note` codes.

Decisions the SOP leaves open, made here:
- Timeline order: by time; commits keep their given order among equal times. A review is never
  earlier than the commit it was given on (with a skewed commit date it takes the commit's
  time); otherwise a review at the same instant as a commit comes before it, so a push in the
  same second as an approval makes that approval stale.
- Events before `ready_at` belong to the draft phase: such commits change nothing, such reviews
  are ignored (`before_ready`); the first role's clock starts at `ready_at`.
- A commit while nobody has approved yet restarts the first role's clock only (no note).
- A commit after the final approval restarts the chain whoever made it: no role has a turn.
- *tidak* counts for the role whose turn it is if the person may fill that role; otherwise, from
  someone who approved an earlier role, it withdraws that approval and returns the draft by
  that role (later roles start over, `reset_by_return`); from another member of an already
  approved role it is ignored (`role_already_approved`); from a member of a role not reached yet
  it is ignored (`out_of_order`). The PR author's own reviews never count.
- A role stays returned while any of its *tidak* stands: only an APPROVED by that same person
  (or GitHub dismissing the review) lifts it, as with GitHub's own blocking reviews.
- With `one_role_per_person`, whoever approved an earlier role on this draft version is neither
  able to fill nor required by a later role, including an `approvals: all` role.
- A role that needs `approvals: all` needs at least one approval: a role left with no eligible
  member (e.g. only the author) cannot be approved (`no_eligible_member`).
- Logins compare case-insensitively, as GitHub's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol, get_args

from pipeline.hours import OfficeHours, due, elapsed

ReviewState = Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"]
VerdictState = Literal["approved", "waiting", "returned", "draft"]
RoleState = Literal["approved", "waiting", "returned", "not_reached"]
NoteCode = Literal[
    "author_is_member",  # role: the PR author is a member; they cannot fill it on their own draft
    "author_self_approval",  # login, review_id: the author approved their own draft
    "not_member",  # login, review_id: the reviewer is in no role of the chain
    "out_of_order",  # login, review_id, role: reviewed before every earlier role had approved
    "already_in_other_role",  # login, review_id, role: already filled an earlier role on this version
    "role_already_approved",  # login, review_id, role: *tidak* for a role another member approved
    "approval_withdrawn",  # login, review_id, role: *tidak* by someone who had approved that role
    "reset_by_return",  # login, review_id, role: an approval voided because an earlier role returned
    "stale_after_commit",  # login, review_id, role: a commit came after this approval
    "stale_force_push",  # login, review_id: the reviewed commit is no longer in the PR
    "before_ready",  # login, review_id: given while the PR was still a draft
    "dismissed",  # login, review_id: the review was dismissed
    "chain_restarted",  # sha, login (the commit's author, None if unknown): back to the first role
    "no_eligible_member",  # role: nobody may fill the role whose turn it is
]
NOTE_CODES: tuple[str, ...] = get_args(NoteCode)
REVIEW_STATES: tuple[str, ...] = get_args(ReviewState)


class RoleSpec(Protocol):
    """One approver role as the config module supplies it."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def members(self) -> tuple[str, ...]: ...
    @property
    def minutes(self) -> int: ...
    @property
    def approvals(self) -> str: ...  # "one" or "all"


def _check_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")


@dataclass(frozen=True)
class Commit:
    """A commit of the PR; `at` is when it reached the PR, `author` its GitHub login if linked."""

    sha: str
    author: str | None
    at: datetime
    files: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_aware(self.at, f"commit {self.sha} time")


@dataclass(frozen=True)
class Review:
    """A submitted review (never PENDING); `commit_id` is the head it was given on."""

    id: int
    login: str
    state: str
    commit_id: str | None
    at: datetime

    def __post_init__(self) -> None:
        if self.state not in REVIEW_STATES:
            raise ValueError(f"review {self.id}: state {self.state!r} is not one of {REVIEW_STATES}")
        _check_aware(self.at, f"review {self.id} time")


@dataclass(frozen=True)
class PullFacts:
    """What the chain needs to know about one pull request; `ready_at` is when it was opened or left draft."""

    number: int
    author: str
    head_sha: str
    ready_at: datetime
    draft: bool
    commits: tuple[Commit, ...]
    reviews: tuple[Review, ...]

    def __post_init__(self) -> None:
        _check_aware(self.ready_at, f"PR #{self.number} ready_at")


@dataclass(frozen=True)
class Note:
    """Why something did or did not count, as a code plus what it concerns; rendered elsewhere."""

    code: NoteCode
    login: str | None = None
    review_id: int | None = None
    role: str | None = None
    sha: str | None = None


@dataclass(frozen=True)
class RoleStatus:
    """One role's part: its state, who approved, and its time against the standard."""

    role: str
    state: RoleState
    approvers: tuple[tuple[str, datetime], ...] = ()
    returned_by: tuple[tuple[str, datetime], ...] = ()
    waiting_on: tuple[str, ...] = ()  # members who may still approve, while it is this role's turn
    started_at: datetime | None = None
    due_at: datetime | None = None
    finished_at: datetime | None = None  # approved, or said *tidak* (the latest one)
    taken: timedelta | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Verdict:
    """Where the draft stands: approved, waiting for `role`, returned by `role`, or still a draft."""

    state: VerdictState
    role: str | None
    roles: tuple[RoleStatus, ...]
    notes: tuple[Note, ...] = ()

    @property
    def approved_count(self) -> int:
        return sum(status.state == "approved" for status in self.roles)

    @property
    def current(self) -> RoleStatus | None:
        """The status of the role whose turn it is (or that returned the draft)."""
        return next((s for s in self.roles if s.role == self.role), None)

    def status(self, role_id: str) -> RoleStatus:
        return next(s for s in self.roles if s.role == role_id)


@dataclass(frozen=True)
class _Mark:
    """One counted review: the login as GitHub spells it, its effective time and its id."""

    login: str
    at: datetime
    review_id: int


@dataclass
class _Turn:
    """The mutable progress of one role while the timeline is replayed."""

    spec: RoleSpec
    members: dict[str, str]  # login key -> login as configured
    approvals: dict[str, _Mark] = field(default_factory=dict)
    objections: dict[str, _Mark] = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def clear(self) -> None:
        self.approvals.clear()
        self.objections.clear()
        self.started_at = self.finished_at = None


def _key(login: str) -> str:
    return login.casefold()


class _Replay:
    """Applies the timeline's events one by one to the chain's state."""

    def __init__(self, chain: Sequence[RoleSpec], facts: PullFacts, one_role_per_person: bool) -> None:
        self.turns = [_Turn(spec, {_key(m): m for m in spec.members}) for spec in chain]
        self.author = _key(facts.author)
        self.ready_at = facts.ready_at
        self.exclusive = one_role_per_person
        self.turn = 0
        self.turns[0].started_at = facts.ready_at
        self.notes = [Note("author_is_member", role=t.spec.id) for t in self.turns if self.author in t.members]

    def note(self, code: NoteCode, mark: _Mark | None = None, role: int | None = None, sha: str | None = None) -> None:
        self.notes.append(
            Note(
                code,
                login=mark.login if mark else None,
                review_id=mark.review_id if mark else None,
                role=self.turns[role].spec.id if role is not None else None,
                sha=sha,
            )
        )

    def eligible(self, i: int) -> list[str]:
        """Member keys who may fill role `i` now: never the author, nor (if exclusive) an earlier approver."""
        taken = {k for t in self.turns[:i] for k in t.approvals} if self.exclusive else set()
        return [k for k in self.turns[i].members if k != self.author and k not in taken]

    def complete(self, i: int) -> bool:
        turn = self.turns[i]
        if not turn.approvals or turn.objections:
            return False
        return turn.spec.approvals != "all" or set(self.eligible(i)) <= set(turn.approvals)

    def roles_of(self, key: str) -> list[int]:
        return [i for i, t in enumerate(self.turns) if key in t.members]

    def approve(self, key: str, mark: _Mark) -> None:
        roles = self.roles_of(key)
        if self.turn in roles:
            if key not in self.eligible(self.turn):
                self.note("already_in_other_role", mark, self.turn)
                return
            current = self.turns[self.turn]
            current.objections.pop(key, None)
            current.approvals[key] = mark
            if self.complete(self.turn):
                current.finished_at = mark.at
                self.turn += 1
                if self.turn < len(self.turns):
                    self.turns[self.turn].started_at = mark.at
        elif later := [i for i in roles if i > self.turn]:
            self.note("out_of_order", mark, later[0])
        elif not roles:
            self.note("not_member", mark)
        # else: a member of a role already approved approving again changes nothing

    def reject(self, key: str, mark: _Mark) -> None:
        roles = self.roles_of(key)
        if self.turn in roles and key in self.eligible(self.turn):
            current = self.turns[self.turn]
            current.approvals.pop(key, None)
            current.objections[key] = mark
        elif approved := [i for i in range(self.turn) if key in self.turns[i].approvals]:
            self.withdraw(approved[0], key, mark)
        elif later := [i for i in roles if i > self.turn]:
            self.note("out_of_order", mark, later[0])
        elif roles:
            self.note("role_already_approved", mark, roles[0])
        else:
            self.note("not_member", mark)

    def withdraw(self, i: int, key: str, mark: _Mark) -> None:
        """*tidak* from someone who approved role `i`: the draft returns by role `i`; later roles start over."""
        self.note("approval_withdrawn", mark, i)
        for j in range(i + 1, len(self.turns)):
            for voided in self.turns[j].approvals.values():
                self.note("reset_by_return", voided, j)
            self.turns[j].clear()
        role = self.turns[i]
        del role.approvals[key]
        role.objections[key] = mark
        role.finished_at = None
        self.turn = i

    def review(self, review: Review, at: datetime, known: bool) -> None:
        if review.state == "COMMENTED":
            return
        mark = _Mark(review.login, at, review.id)
        key = _key(review.login)
        if review.state == "DISMISSED":
            self.note("dismissed", mark)
        elif not known:
            self.note("stale_force_push", mark)
        elif at < self.ready_at:
            self.note("before_ready", mark)
        elif key == self.author:
            if review.state == "APPROVED":
                self.note("author_self_approval", mark)
        elif review.state == "APPROVED":
            self.approve(key, mark)
        else:
            self.reject(key, mark)

    def commit(self, commit: Commit) -> None:
        if commit.at < self.ready_at:
            return
        key = _key(commit.author) if commit.author else None
        if self.turn < len(self.turns) and key in self.eligible(self.turn):
            current = self.turns[self.turn]  # the approver's own correction: earlier roles stand
            for mark in current.approvals.values():
                self.note("stale_after_commit", mark, self.turn)
            current.approvals.clear()
            return
        if any(t.approvals or t.objections for t in self.turns):
            for i, t in enumerate(self.turns):
                for mark in t.approvals.values():
                    self.note("stale_after_commit", mark, i)
            self.notes.append(Note("chain_restarted", login=commit.author, sha=commit.sha))
        for t in self.turns:
            t.clear()
        self.turn = 0
        self.turns[0].started_at = commit.at

    def status(self, i: int, now: datetime, hours: OfficeHours | None) -> RoleStatus:
        turn = self.turns[i]
        if i > self.turn or turn.started_at is None:
            return RoleStatus(turn.spec.id, "not_reached")
        due_at = due(turn.started_at, turn.spec.minutes, hours)
        approvers = tuple((m.login, m.at) for m in sorted(turn.approvals.values(), key=lambda m: m.at))
        returned_by = tuple((m.login, m.at) for m in sorted(turn.objections.values(), key=lambda m: m.at))
        state: RoleState = "approved" if i < self.turn else "returned" if returned_by else "waiting"
        finished = turn.finished_at if state == "approved" else returned_by[-1][1] if returned_by else None
        taken = elapsed(turn.started_at, finished, hours) if finished else None
        waiting_on: tuple[str, ...] = ()
        if state == "waiting":
            waiting_on = tuple(turn.members[k] for k in self.eligible(i) if k not in turn.approvals)
        return RoleStatus(
            role=turn.spec.id,
            state=state,
            approvers=approvers,
            returned_by=returned_by,
            waiting_on=waiting_on,
            started_at=turn.started_at,
            due_at=due_at,
            finished_at=finished,
            taken=taken,
            overdue=taken > timedelta(minutes=turn.spec.minutes) if taken is not None else now > due_at,
        )


def _arrivals(facts: PullFacts) -> list[Commit]:
    """Commits at the earliest time they can have reached the PR.

    A commit's date is whatever its author's clock (or `git commit --date`) said, so it is
    never trusted to be earlier than its predecessor (the PR lists commits in order), nor than
    a decision (*ya* / *tidak*) given on an earlier commit: a backdated push after the final
    *ya* must not slip in before the approvals.
    """
    index = {c.sha: i for i, c in enumerate(facts.commits)}
    reviewed: dict[int, datetime] = {}
    for r in facts.reviews:
        i = index.get(r.commit_id) if r.commit_id is not None else None
        if i is not None and r.state in ("APPROVED", "CHANGES_REQUESTED"):
            reviewed[i] = max(reviewed.get(i, r.at), r.at)
    out: list[Commit] = []
    floor: datetime | None = None
    for i, c in enumerate(facts.commits):
        at = c.at if floor is None else max(c.at, floor)
        out.append(c if at == c.at else replace(c, at=at))
        floor = max(at, reviewed[i]) if i in reviewed else at
    return out


def _timeline(facts: PullFacts) -> list[tuple[datetime, Commit | Review, bool]]:
    """Commits and reviews in the order they happened, each review at its effective time.

    Sort keys: a commit is (at, 1, index, 0, 0); a review is (at, 0, 0, 0, id), raised to
    (commit.at, 1, index, 1, id) when that is later, i.e. right after the commit it was given on.
    """
    commits = _arrivals(facts)
    index = {c.sha: i for i, c in enumerate(commits)}
    keyed: list[tuple[tuple, Commit | Review, bool]] = [
        ((c.at, 1, i, 0, 0), c, True) for i, c in enumerate(commits)
    ]
    for r in facts.reviews:
        key: tuple = (r.at, 0, 0, 0, r.id)
        i = index.get(r.commit_id) if r.commit_id is not None else None
        if i is not None:
            key = max(key, (commits[i].at, 1, i, 1, r.id))
        keyed.append((key, r, i is not None))
    keyed.sort(key=lambda item: item[0])
    return [(key[0], event, known) for key, event, known in keyed]


def evaluate(
    chain: Sequence[RoleSpec], facts: PullFacts, now: datetime, *, one_role_per_person: bool = True,
    hours: OfficeHours | None = None,
) -> Verdict:
    """Replay the PR's commits and reviews against the chain and say where the draft stands.

    With office `hours`, each role's time (due, taken, overdue) counts working minutes only.
    """
    if not chain:
        raise ValueError("the approval chain has no roles")
    _check_aware(now, "now")
    if facts.draft:
        return Verdict("draft", None, tuple(RoleStatus(spec.id, "not_reached") for spec in chain))
    replay = _Replay(chain, facts, one_role_per_person)
    for at, event, known in _timeline(facts):
        if isinstance(event, Commit):
            replay.commit(event)
        else:
            replay.review(event, at, known)
    roles = tuple(replay.status(i, now, hours) for i in range(len(chain)))
    if replay.turn == len(chain):
        return Verdict("approved", None, roles, tuple(replay.notes))
    current = roles[replay.turn]
    if current.state == "waiting" and not replay.eligible(replay.turn):
        replay.note("no_eligible_member", role=replay.turn)
    return Verdict(current.state, current.role, roles, tuple(replay.notes))
