"""The approval chain, scenario by scenario: a PR's events in, the verdict expected out.

The chain is the KPU Jawa Tengah SOP's (role ids and minutes read from the shared SOP data);
the logins are ours. Each scenario's PR was opened (ready) at 09:00 with one commit at 08:30.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from pipeline.chain import NOTE_CODES, Commit, Note, PullFacts, Review, Verdict, evaluate
from pipeline.config import Role

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
WIB = ZoneInfo("Asia/Jakarta")

SUB, KABAG, SEKR, KOM = "subkoordinator-tekmas", "kabag-hth", "sekretaris", "komisioner-sosdiklih-parmas"
AUTHOR = "penulis"
MEMBERS = {SUB: ("sub-a", "sub-b"), KABAG: ("kabag",), SEKR: ("sekr",), KOM: ("kom",)}


def at(hhmm: str) -> datetime:
    """A time on the scenario's day, in WIB."""
    hours, minutes = hhmm.split(":")
    return datetime(2024, 2, 5, int(hours), int(minutes), tzinfo=WIB)


def kpu_chain(members: dict[str, tuple[str, ...]] | None = None, all_roles: tuple[str, ...] = ()) -> tuple[Role, ...]:
    """The SOP's four approvers in order with their minutes; `all_roles` need `approvals: all`."""
    sop = yaml.safe_load((SHARED / "sop" / "kpu-jateng-2021.yml").read_text(encoding="utf-8"))
    minutes = {s["by"]: s["minutes"] for s in sop["steps"] if s["does"] in ("review", "final-approval")}
    members = {**MEMBERS, **(members or {})}
    return tuple(
        Role(
            id=r["id"],
            name=r["name"],
            members=members[r["id"]],
            minutes=minutes[r["id"]],
            approvals="all" if r["id"] in all_roles else "one",
        )
        for r in sop["roles"]
        if r["part"] == "approver"
    )


KPU = kpu_chain()
DUAL = kpu_chain({SEKR: ("sekr", "kabag")})  # kabag also sits in the secretary's role


# --- events ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rev:
    login: str
    time: str
    state: str
    on: str | None = None  # commit reviewed; default: the latest commit listed before it


@dataclass(frozen=True)
class Push:
    author: str | None
    time: str
    sha: str | None = None
    force: bool = False  # replaces every commit so far


def approve(login: str, time: str, on: str | None = None) -> Rev:
    return Rev(login, time, "APPROVED", on)


def reject(login: str, time: str, on: str | None = None) -> Rev:
    return Rev(login, time, "CHANGES_REQUESTED", on)


def comment(login: str, time: str) -> Rev:
    return Rev(login, time, "COMMENTED")


def dismissed(login: str, time: str) -> Rev:
    return Rev(login, time, "DISMISSED")


def push(author: str | None, time: str, sha: str | None = None) -> Push:
    return Push(author, time, sha)


def force_push(author: str | None, time: str, sha: str) -> Push:
    return Push(author, time, sha, force=True)


def full_chain(start: str = "09:10") -> list[Rev]:
    """The four officials approve ten minutes apart from `start`."""
    first = at(start)
    times = [(first + timedelta(minutes=10 * i)).strftime("%H:%M") for i in range(4)]
    return [approve(login, t) for login, t in zip(("sub-a", "kabag", "sekr", "kom"), times)]


def facts(events: list[Rev | Push], *, author: str = AUTHOR, ready: str = "09:00", draft: bool = False) -> PullFacts:
    """A PR opened at `ready` with commit c0 (08:30) and then `events`, in the order listed."""
    commits = [Commit("c0", author, at("08:30"))]
    reviews: list[Review] = []
    for event in events:
        if isinstance(event, Push):
            sha = event.sha or f"c{len(commits)}"
            commits = [Commit(sha, event.author, at(event.time))] + ([] if event.force else commits)
            commits.sort(key=lambda c: c.at)
        else:
            on = event.on or commits[-1].sha
            reviews.append(Review(len(reviews) + 1, event.login, event.state, on, at(event.time)))
    return PullFacts(7, author, commits[-1].sha, at(ready), draft, tuple(commits), tuple(reviews))


def n(code: str, login: str | None = None, role: str | None = None, sha: str | None = None) -> Note:
    """An expected note; review ids are checked separately, so the table leaves them out."""
    return Note(code, login=login, role=role, sha=sha)  # type: ignore[arg-type]


# --- the table ---------------------------------------------------------------------------------

LETTERS = {"approved": "A", "waiting": "W", "returned": "R", "not_reached": "-"}


@dataclass(frozen=True)
class Case:
    name: str
    events: list[Rev | Push]
    state: str
    role: str | None
    roles: str  # one letter per role: A approved, W waiting, R returned, - not reached
    approvers: dict[str, list[str]] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    # role -> (started, due, finished or None, minutes taken or None, overdue)
    timing: dict[str, tuple[str, str, str | None, int | None, bool]] = field(default_factory=dict)
    returned_by: dict[str, list[str]] = field(default_factory=dict)
    waiting_on: list[str] | None = None  # of the current role
    chain: tuple[Role, ...] = KPU
    one_role_per_person: bool = True
    author: str = AUTHOR
    now: str = "12:00"
    draft: bool = False


STALE_SUB_KABAG = [n("stale_after_commit", "sub-a", SUB), n("stale_after_commit", "kabag", KABAG)]

CASES = [
    # rule 5: timing
    Case("nothing yet: the first role's clock runs from ready_at, not the earlier commit", [], "waiting", SUB,
         "W---", timing={SUB: ("09:00", "09:30", None, None, False)}, waiting_on=["sub-a", "sub-b"], now="09:29"),
    Case("first role overdue while waiting", [], "waiting", SUB, "W---",
         timing={SUB: ("09:00", "09:30", None, None, True)}, now="09:31"),
    Case("full chain in order", full_chain(), "approved", None, "AAAA",
         approvers={SUB: ["sub-a"], KABAG: ["kabag"], SEKR: ["sekr"], KOM: ["kom"]},
         timing={SUB: ("09:00", "09:30", "09:10", 10, False), KABAG: ("09:10", "09:40", "09:20", 10, False),
                 SEKR: ("09:20", "09:50", "09:30", 10, False), KOM: ("09:30", "10:00", "09:40", 10, False)}),
    Case("each role's time runs from the previous approval", full_chain()[:2], "waiting", SEKR, "AAW-",
         timing={SEKR: ("09:20", "09:50", None, None, False), KOM: ("", "", None, None, False)}, now="09:45"),
    Case("a slow approval is overdue, and the next role starts when it came",
         [approve("sub-a", "09:45")], "waiting", KABAG, "AW--",
         timing={SUB: ("09:00", "09:30", "09:45", 45, True), KABAG: ("09:45", "10:15", None, None, False)},
         now="10:00"),
    Case("a waiting role past its due time is overdue", full_chain()[:2], "waiting", SEKR, "AAW-",
         timing={SEKR: ("09:20", "09:50", None, None, True)}, now="09:51"),
    # rule 1: order, membership, author
    Case("an approval out of order does not count", [approve("kabag", "09:05"), approve("sub-a", "09:10")],
         "waiting", KABAG, "AW--", approvers={SUB: ["sub-a"], KABAG: []},
         notes=[n("out_of_order", "kabag", KABAG)]),
    Case("out of order, then approved again in turn",
         [approve("kabag", "09:05"), approve("sub-a", "09:10"), approve("kabag", "09:20")],
         "waiting", SEKR, "AAW-", approvers={KABAG: ["kabag"]}, notes=[n("out_of_order", "kabag", KABAG)],
         timing={KABAG: ("09:10", "09:40", "09:20", 10, False)}),
    Case("the final approver's early approval does not finish the chain",
         [approve("kom", "09:05"), *full_chain()[:3]], "waiting", KOM, "AAAW", approvers={KOM: []},
         notes=[n("out_of_order", "kom", KOM)]),
    Case("an approval by someone in no role does not count", [approve("orang-lain", "09:10")],
         "waiting", SUB, "W---", notes=[n("not_member", "orang-lain")]),
    Case("the author approving their own draft does not count", [approve(AUTHOR, "09:10")],
         "waiting", SUB, "W---", notes=[n("author_self_approval", AUTHOR)]),
    Case("an author who is a member cannot fill the role; another member can",
         [approve("sub-a", "09:10"), approve("sub-b", "09:20")], "waiting", KABAG, "AW--",
         approvers={SUB: ["sub-b"]}, author="sub-a",
         notes=[n("author_is_member", role=SUB), n("author_self_approval", "sub-a")]),
    Case("logins compare case-insensitively", [approve("Sub-A", "09:10")], "waiting", KABAG, "AW--",
         approvers={SUB: ["Sub-A"]}),
    Case("an approval given while still a draft does not count", [approve("sub-a", "08:50")],
         "waiting", SUB, "W---", notes=[n("before_ready", "sub-a")]),
    # rule 2: tidak, comments, dismissals
    Case("tidak returns the draft by the role whose turn it is", [reject("sub-a", "09:15")],
         "returned", SUB, "R---", returned_by={SUB: ["sub-a"]},
         timing={SUB: ("09:00", "09:30", "09:15", 15, False)}),
    Case("tidak by a later role", [approve("sub-a", "09:10"), reject("kabag", "09:50")], "returned", KABAG,
         "AR--", returned_by={KABAG: ["kabag"]}, timing={KABAG: ("09:10", "09:40", "09:50", 40, True)}),
    Case("tidak, then ya by the same person: the turn continues",
         [reject("sub-a", "09:15"), approve("sub-a", "09:25")], "waiting", KABAG, "AW--",
         approvers={SUB: ["sub-a"]}, timing={SUB: ("09:00", "09:30", "09:25", 25, False)}),
    Case("another member's ya does not lift a standing tidak",
         [reject("sub-a", "09:15"), approve("sub-b", "09:20")], "returned", SUB, "R---",
         approvers={SUB: ["sub-b"]}, returned_by={SUB: ["sub-a"]}),
    Case("tidak from a role not reached yet is ignored", [reject("sekr", "09:05")], "waiting", SUB, "W---",
         notes=[n("out_of_order", "sekr", SEKR)]),
    Case("tidak from someone who approved an earlier role withdraws it",
         [approve("sub-a", "09:10"), approve("kabag", "09:20"), reject("sub-a", "09:30")],
         "returned", SUB, "R---", returned_by={SUB: ["sub-a"]}, approvers={KABAG: []},
         notes=[n("approval_withdrawn", "sub-a", SUB), n("reset_by_return", "kabag", KABAG)]),
    Case("tidak after the final approval returns the draft",
         [*full_chain(), reject("kabag", "10:30")], "returned", KABAG, "AR--",
         notes=[n("approval_withdrawn", "kabag", KABAG), n("reset_by_return", "sekr", SEKR),
                n("reset_by_return", "kom", KOM)]),
    Case("a withdrawn role approved again: the later roles approve again",
         [approve("sub-a", "09:10"), approve("kabag", "09:20"), reject("sub-a", "09:30"), approve("sub-a", "09:40")],
         "waiting", KABAG, "AW--", timing={KABAG: ("09:40", "10:10", None, None, False)}, now="10:00",
         notes=[n("approval_withdrawn", "sub-a", SUB), n("reset_by_return", "kabag", KABAG)]),
    Case("tidak from another member of an approved role is ignored",
         [approve("sub-a", "09:10"), reject("sub-b", "09:20")], "waiting", KABAG, "AW--",
         notes=[n("role_already_approved", "sub-b", SUB)]),
    Case("tidak from someone in no role is ignored", [reject("orang-lain", "09:10")], "waiting", SUB, "W---",
         notes=[n("not_member", "orang-lain")]),
    Case("a comment changes nothing", [comment("sub-a", "09:10"), comment("orang-lain", "09:11")],
         "waiting", SUB, "W---"),
    Case("a dismissed review does not count", [dismissed("sub-a", "09:10")], "waiting", SUB, "W---",
         notes=[n("dismissed", "sub-a")]),
    Case("a dismissed tidak does not return the draft", [dismissed("sub-a", "09:10"), approve("sub-b", "09:20")],
         "waiting", KABAG, "AW--", notes=[n("dismissed", "sub-a")]),
    # rule 3: commits
    Case("a commit before any approval moves the first role's clock only", [push(AUTHOR, "09:20")],
         "waiting", SUB, "W---", timing={SUB: ("09:20", "09:50", None, None, False)}, now="09:40"),
    Case("the approver's own correction keeps the earlier approvals",
         [approve("sub-a", "09:10"), push("kabag", "09:15"), approve("kabag", "09:20")], "waiting", SEKR, "AAW-",
         approvers={SUB: ["sub-a"], KABAG: ["kabag"]}),
    Case("a correction by a member of the returning role keeps the draft returned",
         [approve("sub-a", "09:10"), reject("kabag", "09:15"), push("kabag", "09:20")], "returned", KABAG, "AR--"),
    Case("the author's commit after approvals restarts the chain",
         [approve("sub-a", "09:10"), approve("kabag", "09:20"), push(AUTHOR, "09:30")], "waiting", SUB, "W---",
         notes=[*STALE_SUB_KABAG, n("chain_restarted", AUTHOR, sha="c1")],
         timing={SUB: ("09:30", "10:00", None, None, False)}, now="09:40"),
    Case("the author's correction of a returned draft restarts from the first role",
         [approve("sub-a", "09:10"), reject("kabag", "09:20"), push(AUTHOR, "09:40")], "waiting", SUB, "W---",
         notes=[n("stale_after_commit", "sub-a", SUB), n("chain_restarted", AUTHOR, sha="c1")]),
    Case("the author's commit after the final approval restarts the chain",
         [*full_chain(), push(AUTHOR, "10:00")], "waiting", SUB, "W---",
         notes=[*STALE_SUB_KABAG, n("stale_after_commit", "sekr", SEKR), n("stale_after_commit", "kom", KOM),
                n("chain_restarted", AUTHOR, sha="c1")]),
    Case("even the final approver's commit after the final approval restarts the chain",
         [*full_chain(), push("kom", "10:00")], "waiting", SUB, "W---",
         notes=[*STALE_SUB_KABAG, n("stale_after_commit", "sekr", SEKR), n("stale_after_commit", "kom", KOM),
                n("chain_restarted", "kom", sha="c1")]),
    Case("a commit by a member of an earlier role restarts the chain",
         [approve("sub-a", "09:10"), approve("kabag", "09:20"), push("sub-b", "09:30")], "waiting", SUB, "W---",
         notes=[*STALE_SUB_KABAG, n("chain_restarted", "sub-b", sha="c1")]),
    Case("a commit by a member of a later role restarts the chain",
         [approve("sub-a", "09:10"), push("kom", "09:30")], "waiting", SUB, "W---",
         notes=[n("stale_after_commit", "sub-a", SUB), n("chain_restarted", "kom", sha="c1")]),
    Case("a commit GitHub could not link to a login restarts the chain",
         [approve("sub-a", "09:10"), push(None, "09:30")], "waiting", SUB, "W---",
         notes=[n("stale_after_commit", "sub-a", SUB), n("chain_restarted", None, sha="c1")]),
    Case("a review and a commit at the same instant: the review came first and is stale",
         [approve("sub-a", "09:10"), push(AUTHOR, "09:10")], "waiting", SUB, "W---",
         notes=[n("stale_after_commit", "sub-a", SUB), n("chain_restarted", AUTHOR, sha="c1")]),
    Case("a review of the commit made at the same instant comes after it",
         [approve("sub-a", "09:10", on="c1"), push(AUTHOR, "09:10")], "waiting", KABAG, "AW--",
         approvers={SUB: ["sub-a"]}),
    Case("a review is never earlier than the commit it was given on (skewed commit date)",
         [push(AUTHOR, "09:15"), approve("sub-a", "09:10", on="c1")], "waiting", KABAG, "AW--",
         timing={SUB: ("09:15", "09:45", "09:15", 0, False)}),
    Case("a review of a commit force-pushed away is stale",
         [approve("sub-a", "09:10"), force_push(AUTHOR, "09:20", "f1")], "waiting", SUB, "W---",
         notes=[n("stale_force_push", "sub-a")], timing={SUB: ("09:20", "09:50", None, None, False)}, now="09:30"),
    Case("a review of the force-pushed commit counts",
         [force_push(AUTHOR, "09:20", "f1"), approve("sub-a", "09:25")], "waiting", KABAG, "AW--"),
    # rule 4: approvals "all", one person in two roles
    Case("approvals all: waits for every member", [approve("sub-a", "09:10")], "waiting", SUB, "W---",
         chain=kpu_chain(all_roles=(SUB,)), approvers={SUB: ["sub-a"]}, waiting_on=["sub-b"]),
    Case("approvals all: done when the last member approves", [approve("sub-b", "09:10"), approve("sub-a", "09:25")],
         "waiting", KABAG, "AW--", chain=kpu_chain(all_roles=(SUB,)), approvers={SUB: ["sub-b", "sub-a"]},
         timing={SUB: ("09:00", "09:30", "09:25", 25, False)}),
    Case("approvals all: the author is not needed, and it is noted", [approve("sub-b", "09:10")],
         "waiting", KABAG, "AW--", chain=kpu_chain(all_roles=(SUB,)), author="sub-a",
         notes=[n("author_is_member", role=SUB)]),
    Case("approvals all: a role of the author alone can never be approved", [approve(AUTHOR, "09:10")],
         "waiting", SUB, "W---", chain=kpu_chain({SUB: (AUTHOR,)}, all_roles=(SUB,)), waiting_on=[],
         notes=[n("author_is_member", role=SUB), n("author_self_approval", AUTHOR),
                n("no_eligible_member", role=SUB)]),
    Case("approvals all: an approver's correction makes the role's earlier approvals stale",
         [approve("sub-a", "09:10"), push("sub-b", "09:15"), approve("sub-b", "09:20")], "waiting", SUB, "W---",
         chain=kpu_chain(all_roles=(SUB,)), approvers={SUB: ["sub-b"]}, waiting_on=["sub-a"],
         notes=[n("stale_after_commit", "sub-a", SUB)]),
    Case("one person in two roles fills only one of them",
         [*full_chain()[:2], approve("kabag", "09:30")], "waiting", SEKR, "AAW-", chain=DUAL,
         approvers={KABAG: ["kabag"], SEKR: []}, waiting_on=["sekr"],
         notes=[n("already_in_other_role", "kabag", SEKR)]),
    Case("one person in two roles may fill both when allowed",
         [*full_chain()[:2], approve("kabag", "09:30")], "waiting", KOM, "AAAW", chain=DUAL,
         one_role_per_person=False, approvers={KABAG: ["kabag"], SEKR: ["kabag"]}),
    Case("one person in two roles: one review fills one role", full_chain()[:2], "waiting", SEKR, "AAW-",
         chain=DUAL, one_role_per_person=False, waiting_on=["sekr", "kabag"]),
    Case("one person in two roles is not required by a later 'all' role",
         [*full_chain()[:2], approve("sekr", "09:30")], "waiting", KOM, "AAAW",
         chain=kpu_chain({SEKR: ("sekr", "kabag")}, all_roles=(SEKR,))),
    Case("one person in two roles: their tidak withdraws the role they filled",
         [*full_chain()[:2], reject("kabag", "09:30")], "returned", KABAG, "AR--", chain=DUAL,
         notes=[n("approval_withdrawn", "kabag", KABAG)]),
    Case("one person in two roles, when allowed: their tidak is the current role's",
         [*full_chain()[:2], reject("kabag", "09:30")], "returned", SEKR, "AAR-", chain=DUAL,
         one_role_per_person=False, returned_by={SEKR: ["kabag"]}),
    Case("one person in two roles, their correction in the second role restarts the chain",
         [*full_chain()[:2], push("kabag", "09:30")], "waiting", SUB, "W---", chain=DUAL,
         notes=[*STALE_SUB_KABAG, n("chain_restarted", "kabag", sha="c1")]),
    Case("a draft PR is nobody's turn", full_chain(), "draft", None, "----", draft=True),
]


def _run(case: Case) -> Verdict:
    pr = facts(case.events, author=case.author, draft=case.draft)
    return evaluate(case.chain, pr, at(case.now), one_role_per_person=case.one_role_per_person)


def _hhmm(value: datetime | None) -> str:
    return value.astimezone(WIB).strftime("%H:%M") if value else ""


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_scenario(case: Case) -> None:
    verdict = _run(case)
    assert (verdict.state, verdict.role) == (case.state, case.role)
    assert "".join(LETTERS[s.state] for s in verdict.roles) == case.roles
    assert [s.role for s in verdict.roles] == [r.id for r in case.chain]
    assert [dataclasses.replace(note, review_id=None) for note in verdict.notes] == case.notes
    for role, logins in case.approvers.items():
        assert [login for login, _ in verdict.status(role).approvers] == logins
    for role, logins in case.returned_by.items():
        assert [login for login, _ in verdict.status(role).returned_by] == logins
    if case.waiting_on is not None:
        assert verdict.current is not None
        assert list(verdict.current.waiting_on) == case.waiting_on
    for role, (started, due, finished, taken, overdue) in case.timing.items():
        status = verdict.status(role)
        assert (_hhmm(status.started_at), _hhmm(status.due_at), _hhmm(status.finished_at) or None) == (
            started,
            due,
            finished,
        )
        assert status.taken == (timedelta(minutes=taken) if taken is not None else None)
        assert status.overdue is overdue


def test_the_table_covers_every_note_code() -> None:
    seen = {note.code for case in CASES for note in case.notes}
    assert seen == set(NOTE_CODES)


def test_the_fixture_is_the_kpu_chain() -> None:
    assert [(r.id, r.minutes) for r in KPU] == [(SUB, 30), (KABAG, 30), (SEKR, 30), (KOM, 30)]


def test_notes_carry_the_review_id() -> None:
    verdict = _run(Case("", [approve("sub-a", "09:10"), approve("orang-lain", "09:12"), push(AUTHOR, "09:20")],
                        "waiting", SUB, "W---"))
    assert [(n.code, n.review_id) for n in verdict.notes] == [
        ("not_member", 2),
        ("stale_after_commit", 1),
        ("chain_restarted", None),
    ]


def test_the_order_reviews_are_listed_in_does_not_matter() -> None:
    pr = facts([approve("sub-a", "09:10"), push("kabag", "09:15"), approve("kabag", "09:20"), approve("sekr", "09:30")])
    shuffled = list(pr.reviews)
    random.Random(4).shuffle(shuffled)
    reordered = dataclasses.replace(pr, reviews=tuple(reversed(pr.reviews)))  # GitHub lists commits in order
    expected = evaluate(KPU, pr, at("12:00"))
    assert expected.role == KOM
    assert evaluate(KPU, reordered, at("12:00")) == expected
    assert evaluate(KPU, dataclasses.replace(pr, reviews=tuple(shuffled)), at("12:00")) == expected


def test_reviews_at_the_same_instant_follow_their_ids() -> None:
    pr = facts([reject("sub-a", "09:10"), approve("sub-a", "09:10")])
    assert evaluate(KPU, pr, at("12:00")).role == KABAG
    swapped = dataclasses.replace(pr, reviews=tuple(dataclasses.replace(r, id=3 - r.id) for r in pr.reviews))
    assert evaluate(KPU, swapped, at("12:00")).state == "returned"


def test_verdict_helpers() -> None:
    verdict = evaluate(KPU, facts(full_chain()[:3]), at("12:00"))
    assert verdict.approved_count == 3
    assert verdict.current == verdict.status(KOM) == verdict.roles[3]
    assert evaluate(KPU, facts(full_chain()), at("12:00")).current is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: Commit("c", "a", datetime(2024, 1, 1, 9)),
        lambda: Review(1, "a", "APPROVED", "c", datetime(2024, 1, 1, 9)),
        lambda: Review(1, "a", "PENDING", "c", at("09:00")),
        lambda: evaluate((), facts([]), at("12:00")),
        lambda: evaluate(KPU, facts([]), datetime(2024, 1, 1, 12)),
    ],
    ids=["naive commit time", "naive review time", "pending review", "empty chain", "naive now"],
)
def test_bad_input_is_refused(build: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        build()
