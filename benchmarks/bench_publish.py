"""What the parallel `konten publish` saves over one platform after another, and what a 200 MB upload costs in memory.

    python benchmarks/bench_publish.py [--items 50 (at most 100)] [--video-mb 200]

1. Speed-up. N items (default 50), each a small real MP4 (made with ffmpeg from imageio-ffmpeg)
   with a unique caption, each targeting all five platforms, are published by the real
   `Publisher` against the sandbox servers, every one of them answering 100 ms late (`latency`).
   Facebook and Instagram each get their own Meta server so requests can be counted per platform.
   The servers finish processing at the first status check and the publisher is given a sleep
   that only adds up what it was told to wait (X says "check after 1 s" for every video), so the
   time measured is request latency and work, not prescribed waits. First the normal run, every
   platform in its worker thread: its wall time. Then the sequential baseline in the same run:
   each platform alone (fresh servers and a fresh ledger, the other platforms' secrets left out
   so their workers stop at once), timing that platform's worker. A one-after-another publisher
   would take the preparation (validation, approvals, item records: the parallel run's time
   outside its workers) plus the sum of the platforms' alone times; the speed-up is that over
   the wall time. Every platform must hold exactly N posts after each run, or the script fails.
2. Memory. One item with a real short MP4 padded to 200 MB (a trailing MP4 `free` box) is
   uploaded to each platform that takes the file's bytes (X, Facebook, YouTube, TikTok; Instagram
   fetches a URL). The publisher runs in a child process, the servers (which keep what they
   receive) in this one; the child reports its peak RSS growth over its baseline right before
   `Publisher.run()` (the kernel's VmHWM, reset first; ru_maxrss would carry the parent's peak
   over `exec`) and, in a second child, tracemalloc's peak of Python allocations. Each child
   first sniffs a small video, so the media modules' one-time imports (hachoir: ~10 MB) are not
   counted as upload cost. Both are set against the file size, what reading the file whole
   would cost.

Item and media helpers, the sandbox SOP, the padding and the approval stub come from
`tests/itemkit.py` and `tests/publishkit.py` (their folder is put on sys.path).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from itemkit import MB, make_item, make_video_factory  # noqa: E402
from publishkit import approved, padded, sop_for_sandboxes  # noqa: E402

from pipeline.content import Item  # noqa: E402
from pipeline.ledger import FolderStore, Ledger  # noqa: E402
from pipeline.media import sniff  # noqa: E402
from pipeline.platforms import PLATFORMS  # noqa: E402
from pipeline.publish import Attempt, Publisher  # noqa: E402
from pipeline.sandbox import Sandbox  # noqa: E402
from pipeline.sandbox.http import FakeServer  # noqa: E402
from pipeline.sandbox.meta import MetaServer  # noqa: E402
from pipeline.tokens import EncryptedTokens  # noqa: E402

NAMES = ("x", "facebook", "instagram", "youtube", "tiktok")
UPLOADERS = ("x", "facebook", "youtube", "tiktok")
LATENCY = 0.1
MAX_ITEMS = 100  # the sandbox's X (posts per 15 minutes) and Instagram (posts per day) limits


@dataclass
class Servers:
    """The sandbox with a second Meta server for Instagram, each server `latency` seconds late."""

    sandbox: Sandbox
    instagram: MetaServer

    @property
    def by_platform(self) -> dict[str, FakeServer]:
        s = self.sandbox
        return {"x": s.x, "facebook": s.meta, "instagram": self.instagram, "youtube": s.youtube, "tiktok": s.tiktok}

    def posts(self) -> dict[str, int]:
        s = self.sandbox
        return {"x": len(s.x.posts), "facebook": len(s.meta.page_posts), "instagram": len(self.instagram.ig_media),
                "youtube": len(s.youtube.videos), "tiktok": len(s.tiktok.posts)}

    def environ(self, only: str | None = None) -> dict[str, str]:
        """The job's environment; with `only`, the other platforms' secrets are left out."""
        env = {**self.sandbox.environ(), "KONTEN_INSTAGRAM_GRAPH_URL": self.instagram.url}
        if only:
            for name in NAMES:
                if name != only:
                    for secret in PLATFORMS[name].secrets:
                        env.pop(secret)
        return env


@contextmanager
def servers(content: Path, latency: float, posts: int = 1) -> Iterator[Servers]:
    """Fresh servers; TikTok's cap of 15 posts a day is raised to `posts` (X and Instagram allow 100)."""
    sandbox = Sandbox(media_root=content)
    sandbox.tiktok.daily_post_cap = max(sandbox.tiktok.daily_post_cap, posts)
    instagram = MetaServer()
    for server in [*sandbox.servers, instagram]:
        server.latency = latency
        if hasattr(server, "processing_polls"):
            server.processing_polls = 0  # processed by the first status check: no waits prescribed
    with sandbox:
        instagram.start()
        try:
            yield Servers(sandbox, instagram)
        finally:
            instagram.stop()


@dataclass
class TimedPublisher(Publisher):
    """The real publisher, noting when each platform's worker started and ended, and skipping
    (but adding up) the waits it is told to make."""

    spans: dict[str, tuple[float, float]] = field(default_factory=dict)
    waited: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.sleep = self.waited.append

    def worker(self, name: str, items: list[Item]) -> list[Attempt]:
        start = time.perf_counter()
        try:
            return super().worker(name, items)
        finally:
            self.spans[name] = (start, time.perf_counter())


@dataclass
class Run:
    wall: float
    spans: dict[str, tuple[float, float]]
    requests: dict[str, int]
    waited: float

    def worker_seconds(self, name: str) -> float:
        start, end = self.spans[name]
        return end - start

    @property
    def preparation(self) -> float:
        """Time outside the platform workers: validation, approvals, item records, closing records."""
        first = min(start for start, _ in self.spans.values())
        last = max(end for _, end in self.spans.values())
        return self.wall - (last - first)


def publish(root: Path, ledger: Path, items: int, only: str | None = None) -> Run:
    """One `Publisher.run()` on fresh servers; fails unless every targeted platform holds `items` posts."""
    with servers(root / "content", LATENCY, items) as s:
        env = s.environ(only)
        store = FolderStore(ledger)
        publisher = TimedPublisher(sop=sop_for_sandboxes(), root=root, ledger=Ledger(store), approvals=approved,
                                   tokens=EncryptedTokens(store, env), environ=env,
                                   media_base_url=env["KONTEN_MEDIA_BASE_URL"], run_id="bench", out=lambda _: None)
        start = time.perf_counter()
        attempts = publisher.run()
        wall = time.perf_counter() - start
        wanted = [only] if only else list(NAMES)
        bad = [a for a in attempts if a.platform in wanted and a.state != "published"]
        posts = s.posts()
        expected = {name: items if name in wanted else 0 for name in NAMES}
        if bad or posts != expected:
            raise SystemExit(f"not every post was made exactly once: posts {posts}, expected {expected}; "
                             f"first problems {bad[:3]}")
        requests = {name: len(server.requests) for name, server in s.by_platform.items()}
        requests["media host"] = len(s.sandbox.media.requests)
        spans = {name: span for name, span in publisher.spans.items() if name in wanted}
        return Run(wall, spans, requests, sum(publisher.waited))


def make_items(root: Path, count: int, clip: Path) -> None:
    for n in range(count):
        make_item(root / "content" / "2026" / "12" / f"sosialisasi-{n:03d}", list(NAMES),
                  f"Ayo cek DPT, kegiatan sosialisasi ke-{n + 1} KPU Provinsi Jawa Tengah. #PemiluDamai",
                  {"video.mp4": clip}, title=f"Sosialisasi pemilih ke-{n + 1}")


def speedup(work: Path, count: int, clip: Path) -> None:
    root = work / "speed"
    make_items(root, count, clip)
    parallel = publish(root, work / "ledger-all", count)
    alone = {name: publish(root, work / f"ledger-{name}", count, only=name) for name in NAMES}

    print(f"## {count} items × {len(NAMES)} platforms, every server {LATENCY * 1000:.0f} ms late\n")
    print("| platform | posts | requests | per post | alone: worker | in the parallel run: worker |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in NAMES:
        requests = parallel.requests[name]
        print(f"| {name} | {count} | {requests} | {requests / count:.1f} | {alone[name].worker_seconds(name):.1f} s | "
              f"{parallel.worker_seconds(name):.1f} s |")
    summed = sum(alone[name].worker_seconds(name) for name in NAMES)
    sequential = parallel.preparation + summed
    print(f"\nmedia host requests (Instagram fetching the videos): {parallel.requests['media host']}")
    print(f"waits the servers prescribed, skipped: {parallel.waited:.0f} s in the parallel run")
    print(f"preparation (validation, approvals, item records), in the parallel run: {parallel.preparation:.1f} s")
    print(f"sum of the platforms' worker times, each platform alone: {summed:.1f} s")
    print(f"one platform after another (preparation + sum): {sequential:.1f} s")
    print(f"konten publish, parallel (wall): {parallel.wall:.1f} s")
    slowest = max(NAMES, key=lambda name: alone[name].worker_seconds(name))
    print(f"the slowest platform alone ({slowest}), the floor of any parallel run: "
          f"{alone[slowest].worker_seconds(slowest):.1f} s")
    print(f"speed-up: {sequential / parallel.wall:.2f}× (sum of workers alone / wall: {summed / parallel.wall:.2f}×; "
          f"ideal, with the slowest platform as the wall: "
          f"{sequential / (parallel.preparation + alone[slowest].worker_seconds(slowest)):.2f}×)\n")


# -- memory -----------------------------------------------------------------------------------
def upload_child(root: Path, traced: bool) -> None:
    """In the child: publish the one item of `root` with the environment it was given; print each
    platform's state, the peak RSS growth and tracemalloc's peak (bytes, 0 when not traced) as JSON.

    First the media modules are loaded by sniffing a small video (hachoir imports every parser:
    about 10 MB of Python objects, once per process, whatever the file). ru_maxrss would carry
    the parent's peak over `exec`, so the peak is the kernel's VmHWM, reset to the current RSS."""
    sniff(root / "warm-up.mp4")
    env = dict(os.environ)
    store = FolderStore(root / "data")
    publisher = Publisher(sop=sop_for_sandboxes(), root=root, ledger=Ledger(store), approvals=approved,
                          tokens=EncryptedTokens(store, env), environ=env,
                          media_base_url=env["KONTEN_MEDIA_BASE_URL"], run_id="bench", out=lambda _: None)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = proc_status("VmRSS")
    if traced:
        tracemalloc.start()
    attempts = publisher.run()
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    states = {a.platform: a.state for a in attempts}
    print(json.dumps({"states": states, "rss_growth": proc_status("VmHWM") - before, "rss_before": before,
                      "traced_peak": peak}))


def proc_status(key: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def upload(root: Path, platform: str, traced: bool) -> dict[str, Any]:
    """Upload the item of `root` to `platform` from a child process, with fresh servers and ledger."""
    with servers(root / "content", 0.0) as s:
        env = {**os.environ, **s.environ(only=platform)}
        shutil.rmtree(root / "data", ignore_errors=True)
        command = [sys.executable, __file__, "--upload-child", str(root), *(["--traced"] if traced else [])]
        child = subprocess.run(command, check=False, env=env, capture_output=True, text=True, cwd=ROOT)
        if child.returncode:
            raise SystemExit(f"upload to {platform} failed:\n{child.stderr[-3000:]}")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        result["posts"] = s.posts()[platform]
        if result["states"].get(platform) != "published" or result["posts"] != 1:
            raise SystemExit(f"upload to {platform}: {result}")
        return result


def memory(work: Path, clip: Path, size: int) -> None:
    root = work / "memory"
    folder = root / "content" / "2026" / "12" / "video-besar"
    folder.mkdir(parents=True)
    big = padded(clip, size, work / "big.mp4")
    make_item(folder, list(UPLOADERS), "Video panjang sosialisasi pemilih. #PemiluDamai", {"video.mp4": big},
              title="Video panjang")
    big.unlink()
    shutil.copyfile(clip, root / "warm-up.mp4")
    print(f"## One {size / MB:.0f} MB video, uploaded by the publisher in a child process\n")
    print("| platform | peak RSS growth | of the file | tracemalloc peak | of the file |")
    print("|---|---:|---:|---:|---:|")
    for name in UPLOADERS:
        plain, traced = upload(root, name, traced=False), upload(root, name, traced=True)
        rss, peak = plain["rss_growth"], traced["traced_peak"]
        print(f"| {name} | {rss / MB:.1f} MB | {rss / size:.1%} | {peak / MB:.1f} MB | {peak / size:.1%} |")
    print(f"\nfile size (reading it whole): {size / MB:.0f} MB; "
          f"child RSS before publishing: {plain['rss_before'] / MB:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50, help=f"items to publish (default 50, at most {MAX_ITEMS})")
    parser.add_argument("--video-mb", type=int, default=200, help="size of the uploaded video (default 200)")
    parser.add_argument("--upload-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.items <= MAX_ITEMS:
        parser.error(f"--items must be 1 to {MAX_ITEMS}")
    if args.upload_child:
        upload_child(args.upload_child, args.traced)
        return
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as folder:
        work = Path(folder)
        clip = make_video_factory(work)(360, 640, 3)
        started = time.perf_counter()
        speedup(work, args.items, clip)
        memory(work, clip, args.video_mb * MB)
        print(f"\nwhole benchmark: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
