"""Properties of the approval chain that must hold for any sequence of reviews and commits."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.chain import PullFacts, Review, Verdict, evaluate
from pipeline.config import Role
from test_chain import AUTHOR, DUAL, KPU, SEKR, SUB, Push, Rev, at, facts, kpu_chain, push

Chain = tuple[Role, ...]
Args = tuple[Chain, list[Rev | Push], bool, bool]  # chain, events, then everyone approves, exclusive
CHAINS = [KPU, DUAL, kpu_chain({SUB: ("sub-a", "sub-b", AUTHOR), SEKR: ("sekr", "kabag")}, all_roles=(SUB, SEKR))]
MEMBERS = sorted({m for chain in CHAINS for role in chain for m in role.members} - {AUTHOR})
OUTSIDERS = ["orang-lain", "tamu", "Orang-Lain"]
STATES = ["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"]
START = at("08:50")  # ten minutes before the PR is ready
NOW = at("14:00")
fast = settings(max_examples=150, deadline=None)


def hhmm(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).strftime("%H:%M")


def events(logins: list[str]) -> st.SearchStrategy[list[Rev | Push]]:
    """Reviews by `logins` and pushes by anyone, some on commits that are gone, in any order."""
    review = st.builds(
        Rev,
        login=st.sampled_from(logins),
        time=st.integers(0, 240).map(hhmm),
        state=st.sampled_from(STATES),
        on=st.sampled_from([None, None, None, "c0", "gone"]),
    )
    commit = st.builds(
        Push, author=st.sampled_from([AUTHOR, None, *MEMBERS, *OUTSIDERS]), time=st.integers(0, 240).map(hhmm)
    )
    return st.lists(st.one_of(review, review, commit), max_size=14)


def in_order(chain: Chain, start: int) -> list[Rev]:
    """Every member approves in chain order from `start` minutes on, so many runs end approved."""
    members = [m for role in chain for m in role.members if m != AUTHOR]
    return [Rev(m, hhmm(start + i), "APPROVED") for i, m in enumerate(members)]


chains = st.sampled_from(CHAINS)
any_events = st.tuples(chains, events([*MEMBERS, AUTHOR, *OUTSIDERS]), st.booleans(), st.booleans())


def run(chain: Chain, pr: PullFacts, exclusive: bool) -> Verdict:
    return evaluate(chain, pr, NOW, one_role_per_person=exclusive)


def sequence(chain: Chain, evs: list[Rev | Push], then_all: bool) -> list[Rev | Push]:
    return evs + (in_order(chain, 250) if then_all else [])


@fast
@given(chains, events([AUTHOR, *OUTSIDERS]), st.booleans())
def test_reviews_by_outsiders_or_the_author_never_approve(chain: Chain, evs: list[Rev | Push], exclusive: bool) -> None:
    verdict = run(chain, facts(evs), exclusive)
    assert verdict.state != "approved"
    assert verdict.approved_count == 0


@fast
@given(any_events)
def test_approved_means_member_approvals_in_chain_order(args: Args) -> None:
    chain, evs, then_all, exclusive = args
    verdict = run(chain, facts(sequence(chain, evs, then_all)), exclusive)
    if verdict.state != "approved":
        return
    previous_end = START
    for role, status in zip(chain, verdict.roles):
        members = {m.casefold() for m in role.members}
        assert status.approvers
        assert all(login.casefold() in members - {AUTHOR} for login, _ in status.approvers)
        times = [t for _, t in status.approvers]
        assert status.started_at is not None
        assert previous_end <= status.started_at <= min(times)
        assert status.finished_at == max(times)
        previous_end = status.finished_at
    if exclusive:
        logins = [login.casefold() for s in verdict.roles for login, _ in s.approvers]
        assert len(logins) == len(set(logins))


@fast
@given(any_events, st.lists(st.tuples(st.sampled_from([*MEMBERS, AUTHOR, *OUTSIDERS]), st.integers(0, 300))))
def test_comments_never_change_the_verdict(args: Args, comments: list[tuple[str, int]]) -> None:
    chain, evs, then_all, exclusive = args
    pr = facts(sequence(chain, evs, then_all))
    extra = tuple(
        Review(1000 + i, login, "COMMENTED", pr.commits[i % len(pr.commits)].sha, START + timedelta(minutes=m))
        for i, (login, m) in enumerate(comments)
    )
    assert run(chain, dataclasses.replace(pr, reviews=pr.reviews + extra), exclusive) == run(chain, pr, exclusive)


@fast
@given(any_events)
def test_an_author_commit_after_every_review_leaves_nothing_approved(args: Args) -> None:
    chain, evs, then_all, exclusive = args
    verdict = run(chain, facts(sequence(chain, evs, then_all) + [push(AUTHOR, "13:30")]), exclusive)
    assert (verdict.state, verdict.role, verdict.approved_count) == ("waiting", chain[0].id, 0)


@fast
@given(any_events)
def test_approved_count_is_bounded_by_the_chain(args: Args) -> None:
    chain, evs, then_all, exclusive = args
    verdict = run(chain, facts(sequence(chain, evs, then_all)), exclusive)
    assert 0 <= verdict.approved_count <= len(chain)
    assert (verdict.approved_count == len(chain)) == (verdict.state == "approved")
