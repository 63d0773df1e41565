"""Publishing to YouTube through the real `Publisher`, over real sockets.

The YouTube imitation (`pipeline.sandbox.youtube`) refreshes tokens like Google's token endpoint
and runs the resumable `videos.insert` protocol: 256 KiB blocks, `308` with `Range`, status
queries, expiring sessions and connections cut in the middle of a chunk. Each test ends by
counting the videos the server holds (exactly one or none) and by looking for every secret —
the admin's and every access token Google issued — in the ledger and in everything printed.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tracemalloc
from dataclasses import replace
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from itemkit import MB, REPO, video, write_item  # noqa: F401 - video is a fixture
from publishkit import ContentHost, Harness, only, padded

from pipeline.platforms.youtube import YouTube
from pipeline.sandbox.http import Fault
from pipeline.sandbox.youtube import YouTubeServer

KIB = 1024
SECRETS = ("YOUTUBE_CLIENT_ID", "YOUTUBE_CLIENT_SECRET", "YOUTUBE_REFRESH_TOKEN")
NOT_FOUND = {"error": {"code": 404, "message": "Not Found",
                       "errors": [{"message": "Not Found", "domain": "global", "reason": "notFound"}]}}


@pytest.fixture
def youtube() -> Iterator[YouTubeServer]:
    with YouTubeServer() as server:
        yield server  # type: ignore[misc]



def point(harness: Harness, url: str) -> None:
    """The three URL keys, all on one server, exactly as the sandbox sets them."""
    for key in ("api", "upload", "token"):
        harness.environ[f"KONTEN_YOUTUBE_{key.upper()}_URL"] = url


@pytest.fixture
def job(tmp_path: Path, youtube: YouTubeServer, host: ContentHost,
        capsys: pytest.CaptureFixture[str]) -> Iterator[Harness]:
    harness = Harness(tmp_path, {name: getattr(youtube, name.removeprefix("YOUTUBE_")) for name in SECRETS}, host)
    point(harness, youtube.url)
    yield harness
    assert len(youtube.videos) <= 1
    harness.assert_no_secret(capsys.readouterr().out, tuple(youtube.tokens))


@pytest.fixture
def clip(video: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A real 2-second MP4 of 1.5 MB, sent in 256 KiB chunks (six: the last takes the rest)."""
    monkeypatch.setattr(YouTube, "upload_chunk", 256 * KIB)
    return padded(video(320, 240, 2), 1536 * KIB - 1000, tmp_path / "clip.mp4").read_bytes()


def ranges(youtube: YouTubeServer) -> list[str | None]:
    return [r.header("content-range") for r in youtube.calls("PUT")]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chunks(total: int, size: int, start: int = 0) -> list[str]:
    """The Content-Range headers of an upload from `start` in pieces of `size`."""
    return [f"bytes {first}-{min(first + size, total) - 1}/{total}" for first in range(start, total, size)]


# -- happy path ----------------------------------------------------------------------------------
def test_upload_in_256_kib_chunks(job: Harness, youtube: YouTubeServer, clip: bytes) -> None:
    options = {"title": "Ayo Memilih 2029", "tags": ["pemilu", "KPU Jateng"], "privacy": "unlisted"}
    item = job.item("video", {"youtube": options}, "Ajakan memilih.", {"video.mp4": clip})
    assert only(job.run()).state == "published"
    [uploaded] = youtube.videos
    assert (uploaded.size, uploaded.sha256) == (len(clip), sha256(clip))
    snippet = uploaded.resource["snippet"]
    assert (snippet["title"], snippet["description"], snippet["tags"], snippet["categoryId"]) == (
        "Ayo Memilih 2029", "Ajakan memilih.", ["pemilu", "KPU Jateng"], "25")  # category from sop.yml
    assert uploaded.privacy_status == "unlisted"
    assert ranges(youtube) == chunks(len(clip), 256 * KIB)
    [session] = youtube.calls("POST")[1:]
    assert session.header("x-upload-content-length") == str(len(clip))
    assert session.header("x-upload-content-type") == "video/mp4"
    assert [r.path for r in youtube.requests][0] == "/token"
    record = job.record(item, "youtube")
    assert (record.post_id, record.url) == (uploaded.id, youtube.watch_url(uploaded.id))
    assert [line.rsplit(" ", 1)[-1] for line in job.out if "video.mp4" in line] == ["16%", "33%", "50%", "83%", "100%"]


def test_privacy_defaults_to_public(job: Harness, youtube: YouTubeServer, clip: bytes) -> None:
    job.item("video", ["youtube"], "Ajakan memilih.", {"video.mp4": clip})
    assert only(job.run()).state == "published"
    [uploaded] = youtube.videos
    assert uploaded.privacy_status == "public" and uploaded.title == "Judul konten"


# -- faults ----------------------------------------------------------------------------------------
def test_connection_dropped_mid_chunk_resumes_from_the_servers_range(
        job: Harness, youtube: YouTubeServer, clip: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(YouTube, "upload_chunk", 512 * KIB)
    job.item("video", ["youtube"], "Ajakan memilih.", {"video.mp4": clip})
    youtube.drop_mid_chunk(300_000)  # one whole 256 KiB block of the first chunk lands
    assert only(job.run()).state == "published"
    [uploaded] = youtube.videos
    assert (uploaded.size, uploaded.sha256) == (len(clip), sha256(clip))
    total = len(clip)
    assert ranges(youtube) == [chunks(total, 512 * KIB)[0], f"bytes */{total}",
                               *chunks(total, 512 * KIB, start=256 * KIB)]


def test_expired_session_starts_a_new_one(job: Harness, youtube: YouTubeServer, clip: bytes) -> None:
    job.item("video", ["youtube"], "Ajakan memilih.", {"video.mp4": clip})

    class ExpireOnFirstProgress(list[str]):
        def append(self, line: str) -> None:
            if not self:  # the first chunk was taken: the session expires before the second
                youtube.expire_session()
            super().append(line)

    job.out = ExpireOnFirstProgress()
    assert only(job.run()).state == "published"
    first, second = youtube.sessions.values()
    assert first.expired and len(first.received) == 256 * KIB
    [uploaded] = youtube.videos
    assert uploaded.session_id == second.id and uploaded.sha256 == sha256(clip)
    assert len(youtube.calls("POST", "/upload/")) == 2


def test_last_chunk_answer_lost_but_video_made_is_published(
        job: Harness, youtube: YouTubeServer, clip: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(YouTube, "upload_chunk", 2 * MB)  # one PUT: the last chunk is the first
    item = job.item("video", ["youtube"], "Ajakan memilih.", {"video.mp4": clip})
    youtube.inject(Fault(method="PUT", drop=True, apply=True))
    assert only(job.run()).state == "published"
    [uploaded] = youtube.videos
    assert job.record(item, "youtube").post_id == uploaded.id
    assert ranges(youtube) == [f"bytes 0-{len(clip) - 1}/{len(clip)}", f"bytes */{len(clip)}"]


def test_last_chunk_unanswered_and_session_gone_is_unknown(
        job: Harness, youtube: YouTubeServer, clip: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(YouTube, "upload_chunk", 2 * MB)
    item = job.item("video", ["youtube"], "Ajakan memilih.", {"video.mp4": clip})
    youtube.inject(Fault(method="PUT", drop=True, apply=True))
    youtube.inject(Fault(method="PUT", status=404, body=NOT_FOUND))  # the status query finds no session
    attempt = only(job.run())
    assert attempt.state == "unknown" and job.record(item, "youtube").state == "unknown"
    assert [a.state for a in job.run()] == ["unknown"]  # shown, never uploaded again: the admin resolves it
    assert len(youtube.videos) == 1 and len(youtube.calls("POST", "/upload/")) == 1


def test_5xx_on_a_chunk_asks_the_session_and_goes_on(job: Harness, youtube: YouTubeServer, clip: bytes) -> None:
    job.item("video", ["youtube"], "Ajakan memilih.", {"video.mp4": clip})
    youtube.inject(Fault(method="PUT", status=503, body={"error": {"code": 503, "message": "Backend Error"}}))
    assert only(job.run()).state == "published"
    assert youtube.videos[0].sha256 == sha256(clip)
    total = len(clip)
    assert ranges(youtube)[:3] == [chunks(total, 256 * KIB)[0], f"bytes */{total}", chunks(total, 256 * KIB)[0]]
    assert job.sleeps == [1.0]


def test_revoked_refresh_token_fails_clearly(job: Harness, youtube: YouTubeServer, clip: bytes) -> None:
    item = job.item("video", ["youtube"], "Ajakan memilih.", {"video.mp4": clip})
    youtube.revoke_refresh_token()
    attempt = only(job.run())
    reason = attempt.reason or ""
    assert attempt.state == "failed" and job.record(item, "youtube").state == "failed"
    assert reason.startswith("Login YouTube (refresh token) gagal. ") and '"Token has been expired or revoked' in reason
    assert "perbarui secret YOUTUBE_REFRESH_TOKEN" in reason
    assert [r.path for r in youtube.requests] == ["/token"] and youtube.videos == []


def test_reasons_are_in_english_when_the_sop_says_so(job: Harness, youtube: YouTubeServer, clip: bytes) -> None:
    job.sop = replace(job.sop, language="en")
    job.item("video", ["youtube"], "Ajakan memilih.", {"video.mp4": clip})
    youtube.revoke_refresh_token()
    reason = only(job.run()).reason or ""
    assert reason.startswith("The YouTube login (refresh token) failed. ") and "expired or revoked" in reason
    assert "renew the secret YOUTUBE_REFRESH_TOKEN" in reason


def test_a_chunk_failing_on_and_on_fails_with_the_servers_answer(
        job: Harness, youtube: YouTubeServer, clip: bytes) -> None:
    """When the session cannot say how far it got either, the chunk's own error is the reason."""
    item = job.item("video", ["youtube"], "Ajakan memilih.", {"video.mp4": clip})
    youtube.inject(Fault(method="PUT", status=503, body={"error": {"code": 503, "message": "Backend Error"}},
                         times=100))
    attempt = only(job.run())
    assert attempt.state == "failed" and job.record(item, "youtube").state == "failed"
    assert attempt.reason == f'{youtube.url.removeprefix("http://")} sedang bermasalah (HTTP 503), juga setelah ' \
                             'dicoba ulang: "Backend Error".'
    assert youtube.videos == []


def test_upload_limit_429_is_retried_after_the_wait(job: Harness, youtube: YouTubeServer, clip: bytes) -> None:
    job.item("video", ["youtube"], "Ajakan memilih.", {"video.mp4": clip})
    youtube.inject(Fault(method="POST", path="/upload/", status=429, headers={"Retry-After": "11"},
                         body={"error": {"code": 429, "message": "Too Many Requests"}}))
    assert only(job.run()).state == "published"
    assert job.sleeps == [11.0] and len(youtube.videos) == 1


# -- streaming -----------------------------------------------------------------------------------
SERVE = """
import json, sys
from pipeline.sandbox.youtube import YouTubeServer
server = YouTubeServer().start()
print(server.url, flush=True)
sys.stdin.read()
print(json.dumps([[v.size, v.sha256] for v in server.videos]), flush=True)
"""


def sparse_video(source: Path, size: int, out: Path) -> Path:
    """`padded` without writing the padding: the trailing `free` box is a hole in the file."""
    data = source.read_bytes()
    filler = size - len(data)
    with out.open("wb") as handle:
        handle.write(data + filler.to_bytes(4, "big") + b"free")
        handle.truncate(size)
    return out


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(MB), b""):
            digest.update(block)
    return digest.hexdigest()


def test_200_mb_video_is_streamed(tmp_path: Path, host: ContentHost, video: Callable[..., Path],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Peak Python memory of the whole run stays far below the file: it is never read whole.

    The server runs in its own process, so the bytes it keeps are not counted here.
    """
    size = 200 * MB
    server = subprocess.Popen([sys.executable, "-c", SERVE], cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        job = Harness(tmp_path, {name: getattr(YouTubeServer, name.removeprefix("YOUTUBE_")) for name in SECRETS},
                      host)
        point(job, url)
        folder = write_item(job.root / "content" / "besar", {
            "title": "Video panjang", "kind": "berita", "platforms": ["youtube"], "media": [{"file": "video.mp4"}]})
        sparse_video(video(320, 240, 2), size, folder / "video.mp4")
        tracemalloc.start()
        try:
            attempt = only(job.run())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        out, _ = server.communicate("", timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
    assert attempt.state == "published", attempt
    assert json.loads(out) == [[size, file_sha256(folder / "video.mp4")]]
    assert peak < 20 * MB, f"peak {peak / MB:.0f} MB while uploading {size // MB} MB"
    assert [line.rsplit(" ", 1)[-1] for line in job.out if "video.mp4" in line][-1] == "100%"
    job.assert_no_secret(capsys.readouterr().out)
