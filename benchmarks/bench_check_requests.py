"""What one `konten check` costs in GitHub API requests, wall time and memory, by PR size.

The issue's budget: a PR event with <= 100 reviews, commits and files costs at most 8 requests
(GitHub pages lists by 100, so beyond that each list takes more pages). For N in 1, 10, 100 and
250 this builds, on the local GitHub imitation, a PR with N commits, N changed files and N
reviews (the first roles' approvals, the rest comments by a non-member), runs the real CLI once
and counts the requests the server received. Run: `python benchmarks/bench_check_requests.py`.
Peak memory is tracemalloc's over a separate, identical run and includes the in-process
server's allocations; imports are timed once, apart from the runs.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.cli import main as konten  # noqa: E402
from pipeline.config import parse_sop  # noqa: E402
from pipeline.sandbox import environment  # noqa: E402
from pipeline.sandbox.github import GitHubServer  # noqa: E402

SIZES = (1, 10, 100, 250)
REPO = "kpu-jateng/konten"
TOKEN = "ghs_bench_token"
AUTHOR, OUTSIDER = "penulis", "pengamat"
BRANCH = "konten/rekap"
FOLDER = "content/2026/11/rekap-kegiatan"
T0 = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)
INDEX = """---
title: Rekap kegiatan sosialisasi
kind: berita
platforms: [x, facebook]
publish_at: 2026-11-30 09:00
---
Rekap kegiatan sosialisasi KPU Provinsi Jawa Tengah pekan ini. #PemiluDamai
"""
SUMMARY_COUNT = re.compile(r"\((\d+) (?:permintaan API|API requests)\)")


@dataclass(frozen=True)
class Measurement:
    size: int
    commits: int
    files: int
    reviews: int
    code: int
    requests: int  # received by the server
    summary_requests: int | None  # as printed in GITHUB_STEP_SUMMARY
    seconds: float
    peak_bytes: int


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def build(server: GitHubServer, clock: Clock, sop_text: str, size: int) -> int:
    """A repository and a PR with `size` commits, changed files and reviews; returns its number."""
    chain = [role.members[0] for role in parse_sop(sop_text, "sop.yml").chain]
    people = {login: "write" for login in [*chain, AUTHOR, OUTSIDER]}
    server.create_repo(*REPO.split("/"), {"README.md": b"# konten\n", "sop.yml": sop_text.encode()},
                       collaborators=people, owner_type="Organization")
    server.create_branch(REPO, BRANCH)
    server.commit(REPO, BRANCH, {f"{FOLDER}/index.md": INDEX.encode()}, AUTHOR, "Draf")
    for n in range(1, size):
        server.commit(REPO, BRANCH, {f"{FOLDER}/lampiran-{n:03d}.txt": f"Lampiran {n}\n".encode()}, AUTHOR, f"Lampiran {n}")
    number = server.open_pull(REPO, BRANCH, "main", AUTHOR, "Rekap kegiatan")
    approvers = chain[: min(size, len(chain) - 1)]  # stop before the last role: the costliest path
    for n in range(size - len(approvers)):
        clock.now += timedelta(seconds=1)
        server.review(REPO, number, OUTSIDER, "COMMENT", f"Catatan {n}")
    for login in approvers:
        clock.now += timedelta(minutes=1)
        server.review(REPO, number, login, "APPROVE")
    return number


def sandbox_sop() -> str:
    """The repository's sop.yml with each placeholder login `ganti-x` replaced by `x`."""
    return re.sub(r"\bganti-([\w-]+)", r"\1", (ROOT / "sop.yml").read_text(encoding="utf-8"))


def measure(size: int, workdir: Path) -> Measurement:
    """Build the PR of `size` twice and run `konten check` on each once: timed, then under
    tracemalloc (which slows Python several times, so it never shares a run with the clock)."""
    timed, traced = run_once(size, workdir / "timed", traced=False), run_once(size, workdir / "traced", traced=True)
    return replace(timed, peak_bytes=traced.peak_bytes)


def run_once(size: int, workdir: Path, traced: bool = False) -> Measurement:
    """Build the PR of `size` on a fresh server and run `konten check` on it once."""
    clock = Clock()
    server = GitHubServer(token=TOKEN, clock=clock)
    server.start()
    try:
        text = sandbox_sop()
        number = build(server, clock, text, size)
        base = workdir / f"base-{size}"
        base.mkdir(parents=True)
        (base / "sop.yml").write_text(text, encoding="utf-8")
        summary = workdir / f"summary-{size}.md"
        env = {"GITHUB_API_URL": server.url, "GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": TOKEN,
               "GITHUB_STEP_SUMMARY": str(summary)}
        argv = ["--root", str(base), "check", "--pr", str(number), "--now", clock.now.isoformat()]
        before = len(server.requests)
        output = io.StringIO()
        with environment(env), contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            if traced:
                tracemalloc.start()
            start = time.perf_counter()
            code = konten(argv)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] if traced else 0
            tracemalloc.stop()
        requests = len(server.requests) - before
        printed = SUMMARY_COUNT.findall(summary.read_text(encoding="utf-8")) if summary.exists() else []
        pull = server.pull(REPO, number)
        return Measurement(
            size=size, commits=pull["commits"], files=pull["changed_files"],
            reviews=len(server.reviews(REPO, number)), code=code, requests=requests,
            summary_requests=int(printed[-1]) if printed else None, seconds=seconds, peak_bytes=peak,
        )
    finally:
        server.stop()


def run() -> int:
    start = time.perf_counter()
    import ghapi.all  # noqa: F401  (what `konten check` imports on first use, once per job)

    import pipeline.check  # noqa: F401

    print(f"Imports on first use (once per job): {(time.perf_counter() - start) * 1000:.0f} ms\n")
    print("| size | commits | files | reviews | exit | API requests | summary says | wall time | peak memory |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            m = measure(size, Path(folder) / str(size))
            print(f"| {m.size} | {m.commits} | {m.files} | {m.reviews} | {m.code} | {m.requests} | "
                  f"{m.summary_requests} | {m.seconds * 1000:.0f} ms | {m.peak_bytes / 2**20:.1f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(run())
