"""Publishing to X through the real `Publisher`, over real sockets.

The X imitation (`pipeline.sandbox.x`) recomputes every request's OAuth 1.0a signature, checks
bodies against X's OpenAPI document and keeps real rate-limit windows. Each test ends by counting
the posts the server holds (exactly one or none) and by looking for every secret in the ledger
files and in everything the run printed.
"""

from __future__ import annotations

import time
from dataclasses import replace
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from itemkit import MB, png, read, video, write_item  # noqa: F401 - video is a fixture
from publishkit import ContentHost, Harness, only, padded

from pipeline.content import Item
from pipeline.platforms.x import X
from pipeline.sandbox.http import Fault
from pipeline.sandbox.x import WINDOW, XServer

PROBLEM_500 = {"title": "Internal Server Error", "type": "about:blank", "status": 500, "detail": "Internal Error"}
PROBLEM_429 = {"title": "Too Many Requests", "type": "about:blank", "status": 429, "detail": "Too Many Requests"}


class Clock:
    """X's clock: real time plus an offset that the job's sleeps move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def x(clock: Clock) -> Iterator[XServer]:
    with XServer(processing_polls=3, clock=clock) as server:
        yield server  # type: ignore[misc]



@pytest.fixture
def job(tmp_path: Path, x: XServer, host: ContentHost, clock: Clock,
        capsys: pytest.CaptureFixture[str]) -> Iterator[Harness]:
    harness = Harness(tmp_path, {"X_CONSUMER_KEY": x.CONSUMER_KEY, "X_CONSUMER_SECRET": x.CONSUMER_SECRET,
                                 "X_ACCESS_TOKEN": x.ACCESS_TOKEN, "X_ACCESS_TOKEN_SECRET": x.ACCESS_TOKEN_SECRET},
                      host)
    harness.point("x", "api", x)

    def advance(seconds: float) -> None:
        clock.offset += seconds

    harness.on_sleep = advance
    yield harness
    assert len(x.posts) <= 1
    harness.assert_no_secret(capsys.readouterr().out)


@pytest.fixture
def clip(video: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A real 2-second 320×240 MP4 of 1 MB, appended in 256 KiB segments (four of them)."""
    monkeypatch.setattr(X, "upload_chunk", 256 * 1024)
    return padded(video(320, 240, 2), MB, tmp_path / "clip.mp4").read_bytes()


def photos(job: Harness) -> Item:
    """An item with two PNGs, each with its own alt text."""
    folder = write_item(job.root / "content" / "foto", {
        "title": "Rapat pleno", "kind": "berita", "platforms": ["x"],
        "media": [{"file": "a.png", "alt": "Poster jadwal pemilu"}, {"file": "b.png", "alt": "Foto petugas KPPS"}],
    }, "Dua foto rapat pleno.\n", {"a.png": png(40, 30), "b.png": png(30, 40)})
    item, problems = read(folder, job.sop)
    assert item is not None, problems
    return item


def segments(x: XServer) -> list[str]:
    return [r.path.rsplit("/", 2)[-2] for r in x.calls("POST", r"/append$")]


# -- happy paths ---------------------------------------------------------------------------------
def test_text_post(job: Harness, x: XServer) -> None:
    item = job.item("teks", ["x"], "Rapat pleno terbuka hari ini.")
    assert only(job.run()).state == "published"
    [post] = x.posts
    assert post.text == "Rapat pleno terbuka hari ini." and post.media_ids == []
    record = job.record(item, "x")
    assert (record.state, record.post_id, record.url) == ("published", post.id, x.post_url(post.id))
    assert [r.path for r in x.requests] == ["/2/tweets"]
    assert x.requests[0].header("authorization", "").startswith("OAuth ")


def test_two_images_with_alt_text(job: Harness, x: XServer) -> None:
    photos(job)
    assert only(job.run()).state == "published"
    [post] = x.posts
    assert post.text == "Dua foto rapat pleno."
    assert post.alt_texts == ["Poster jadwal pemilu", "Foto petugas KPPS"]
    assert [x.media[m].image["w"] for m in post.media_ids] == [40, 30]  # type: ignore[index]
    assert [r.json()["media_category"] for r in x.calls("POST", "initialize")] == ["tweet_image"] * 2


def test_video_in_segments_waits_for_processing(job: Harness, x: XServer, clip: bytes) -> None:
    item = job.item("video", ["x"], "Ayo memilih.", {"video.mp4": clip})
    assert only(job.run()).state == "published"
    [post] = x.posts
    [media_id] = post.media_ids
    assert x.media[media_id].data == clip and x.media[media_id].kind == "video"
    assert len(segments(x)) == 4
    assert [r.arg("command") for r in x.calls("GET", "/2/media/upload")] == ["STATUS"] * 3
    assert job.sleeps == [1.0, 1.0, 1.0]  # check_after_secs, as X said each time
    assert x.calls("POST", "/2/media/metadata") == []  # alt text goes on images only
    assert [line.rsplit(" ", 1)[-1] for line in job.out if "video.mp4" in line] == ["25%", "50%", "75%", "100%"]
    assert job.record(item, "x").url == x.post_url(post.id)


# -- faults ----------------------------------------------------------------------------------------
def test_500_on_an_append_is_retried(job: Harness, x: XServer, clip: bytes) -> None:
    job.item("video", ["x"], "Ayo memilih.", {"video.mp4": clip})
    x.inject(Fault(method="POST", path=r"/append$", status=500, body=PROBLEM_500))
    assert only(job.run()).state == "published"
    [post] = x.posts
    assert x.media[post.media_ids[0]].data == clip
    assert len(segments(x)) == 5 and len(x.calls("POST", "/2/tweets")) == 1


def test_429_with_retry_after_is_waited_out(job: Harness, x: XServer) -> None:
    photos(job)
    x.inject(Fault(method="POST", path="initialize", status=429, body=PROBLEM_429, headers={"Retry-After": "7"}))
    assert only(job.run()).state == "published"
    assert job.sleeps == [7.0] and len(x.posts) == 1


def test_exhausted_post_limit_waits_until_x_rate_limit_reset(job: Harness, x: XServer, clock: Clock) -> None:
    job.item("teks", ["x"], "Rapat pleno terbuka hari ini.")
    clock.offset = 20 - WINDOW
    x.exhaust_rate_limit("POST /2/tweets")  # the window resets 20 s from now
    clock.offset = 0.0
    assert only(job.run()).state == "published"
    [wait] = job.sleeps
    assert 17 < wait <= 20
    assert len(x.calls("POST", "/2/tweets")) == 2 and len(x.posts) == 1


def test_post_made_but_answer_lost_is_unknown_and_not_repeated(job: Harness, x: XServer) -> None:
    item = job.item("teks", ["x"], "Rapat pleno terbuka hari ini.")
    x.inject(Fault(method="POST", path="/2/tweets", apply=True, drop=True))
    attempt = only(job.run())
    assert attempt.state == "unknown" and job.record(item, "x").state == "unknown"
    assert len(x.posts) == 1
    assert [a.state for a in job.run()] == ["unknown"]  # shown again, not posted again
    assert len(x.calls("POST", "/2/tweets")) == 1 and len(x.posts) == 1


def test_failed_processing_posts_nothing(job: Harness, x: XServer, clip: bytes) -> None:
    item = job.item("video", ["x"], "Ayo memilih.", {"video.mp4": clip})
    x.fail_processing()
    attempt = only(job.run())
    assert attempt.state == "failed" and (attempt.reason or "").startswith("X tidak dapat memproses video.mp4: ")
    assert (attempt.reason or "").endswith("Belum ada kiriman yang dibuat.")
    assert job.record(item, "x").state == "failed"
    assert x.posts == [] and x.calls("POST", "/2/tweets") == []


def test_wrong_credentials_fail_clearly(job: Harness, x: XServer) -> None:
    job.environ["X_ACCESS_TOKEN_SECRET"] = "not-the-secret"
    job.item("teks", ["x"], "Rapat pleno terbuka hari ini.")
    attempt = only(job.run())
    assert attempt.state == "failed" and attempt.reason == (
        f'{x.url.removeprefix("http://")} menolak kredensial (HTTP 401): "Unauthorized". Perbarui X_CONSUMER_KEY, '
        "X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET (secret di environment GitHub).")
    assert x.posts == []


def test_reasons_are_in_english_when_the_sop_says_so(job: Harness, x: XServer) -> None:
    job.sop = replace(job.sop, language="en")
    job.environ["X_ACCESS_TOKEN_SECRET"] = "not-the-secret"
    item = job.item("teks", ["x"], "Rapat pleno terbuka hari ini.")
    reason = only(job.run()).reason or ""
    assert 'refused the credentials (HTTP 401): "Unauthorized". Renew X_CONSUMER_KEY' in reason
    assert job.record(item, "x").error == reason
