"""Publishing to TikTok through the real `Publisher`, over real sockets.

The TikTok imitation (`pipeline.sandbox.tiktok`) rotates refresh tokens, enforces the FILE_UPLOAD
chunk rules and pulls photos from verified URL prefixes. Each test ends by counting the posts the
server holds and by looking for every secret — the admin's and every token TikTok issued — in
the ledger and token files and in everything the run printed.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from itemkit import MB, video  # noqa: F401 - video is a fixture
from publishkit import ContentHost, Harness, only, padded, picture

from pipeline.platforms.tiktok import TikTok
from pipeline.sandbox.http import Fault
from pipeline.sandbox.tiktok import TikTokServer

TOKEN = "/v2/oauth/token/"
INVALID_TOKEN = {"data": {}, "error": {"code": "access_token_invalid", "log_id": "202611170000000000",
                                       "message": "The access token is invalid or not found in the request."}}


@pytest.fixture
def tiktok() -> Iterator[TikTokServer]:
    with TikTokServer(processing_polls=1) as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def host(tiktok: TikTokServer) -> Iterator[ContentHost]:
    with ContentHost() as server:
        tiktok.verify_url_prefix(f"{server.url}/media/")
        yield server  # type: ignore[misc]


def issued(tiktok: TikTokServer) -> tuple[str, ...]:
    """Every token value TikTok saw or gave out in this test."""
    sent = [r.form().get("refresh_token", "") for r in tiktok.calls("POST", TOKEN)]
    return (*tiktok.access_tokens, *(t for t in sent if t), tiktok.refresh_token or "")


@pytest.fixture
def job(tmp_path: Path, tiktok: TikTokServer, host: ContentHost,
        capsys: pytest.CaptureFixture[str]) -> Iterator[Harness]:
    harness = Harness(tmp_path, {"TIKTOK_CLIENT_KEY": tiktok.CLIENT_KEY, "TIKTOK_CLIENT_SECRET": tiktok.CLIENT_SECRET,
                                 "TIKTOK_REFRESH_TOKEN": tiktok.REFRESH_TOKEN}, host)
    harness.point("tiktok", "api", tiktok)
    yield harness
    harness.assert_no_secret(capsys.readouterr().out, issued(tiktok))


@pytest.fixture
def clip(video: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A real 3-second 360×640 MP4 of 11 MB, sent in 5 MB pieces (two: the last takes the rest)."""
    monkeypatch.setattr(TikTok, "upload_chunk", 5 * MB)
    return padded(video(360, 640, 3), 11 * MB, tmp_path / "clip.mp4").read_bytes()


@pytest.fixture
def small(video: Callable[..., Path], tmp_path: Path) -> bytes:
    """A video under 5 MB: TikTok takes it whole, so its one PUT is the one that makes the post."""
    return padded(video(360, 640, 3), 200_000, tmp_path / "small.mp4").read_bytes()


def photos() -> dict[str, bytes]:
    return {"a.jpg": picture(1080, 1350, "red"), "b.jpg": picture(1080, 1350, "blue")}


def ranges(tiktok: TikTokServer) -> list[str | None]:
    return [r.header("content-range") for r in tiktok.calls("PUT")]


# -- happy paths ---------------------------------------------------------------------------------
def test_video_in_pieces_private_by_default(job: Harness, tiktok: TikTokServer, clip: bytes) -> None:
    item = job.item("video", ["tiktok"], "Ayo memilih #pemilu", {"video.mp4": clip})
    assert only(job.run()).state == "published"
    [post] = tiktok.posts
    assert (post["sha256"], post["title"], post["privacy_level"]) == (
        hashlib.sha256(clip).hexdigest(), "Ayo memilih #pemilu", "SELF_ONLY")
    assert ranges(tiktok) == [f"bytes 0-{5 * MB - 1}/{11 * MB}", f"bytes {5 * MB}-{11 * MB - 1}/{11 * MB}"]
    init = tiktok.calls("POST", "video/init")[0].json()["source_info"]
    assert (init["chunk_size"], init["total_chunk_count"]) == (5 * MB, 2)
    assert [line.rsplit(" ", 1)[-1] for line in job.out if "video.mp4" in line] == ["45%", "100%"]
    record = job.record(item, "tiktok")  # a private post has no public id: the profile is the link
    assert (record.post_id, record.url) == (post["publish_id"], f"https://www.tiktok.com/@{tiktok.USERNAME}")
    first = [r.path for r in tiktok.requests][:2]
    assert first == [TOKEN, "/v2/post/publish/creator_info/query/"]


def test_photos_pulled_from_the_public_urls(job: Harness, tiktok: TikTokServer) -> None:
    media = photos()
    item = job.item("foto", {"tiktok": {"privacy": "public", "title": "Rekap DPT"}}, "Dua foto rekapitulasi.", media)
    assert only(job.run()).state == "published"
    [post] = tiktok.posts
    assert (post["kind"], post["title"], post["description"], post["privacy_level"]) == (
        "photo", "Rekap DPT", "Dua foto rekapitulasi.", "PUBLIC_TO_EVERYONE")
    assert [m["sha256"] for m in post["media"]] == [hashlib.sha256(d).hexdigest() for d in media.values()]
    record = job.record(item, "tiktok")
    assert (record.post_id, record.url) == (str(post["id"]), tiktok.public_url(post["id"]))


def test_photos_from_raw_github_urls_are_refused_before_anything_is_made(job: Harness, tiktok: TikTokServer) -> None:
    """TikTok pulls photos only from a verified domain; raw.githubusercontent.com cannot be one."""
    job.media_base_url = ""  # the publisher's default: the repository's raw files
    item = job.item("foto", ["tiktok"], "Dua foto rekapitulasi.", photos())
    attempt = only(job.run())
    reason = attempt.reason or ""
    assert attempt.state == "failed" and reason.startswith("TikTok hanya mengambil foto dari domain yang terverifikasi")
    assert "Isi KONTEN_MEDIA_BASE_URL" in reason
    assert tiktok.posts == [] and not tiktok.calls("POST", "/content/init/")
    assert job.record(item, "tiktok").state == "failed"


# -- faults ----------------------------------------------------------------------------------------
def test_500_on_creator_info_is_retried(job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    job.item("video", ["tiktok"], "Ayo memilih.", {"video.mp4": small})
    tiktok.inject(Fault(path="creator_info", status=500, body={"data": {}, "error": {
        "code": "internal_error", "message": "Something went wrong", "log_id": "x"}}))
    assert only(job.run()).state == "published"
    assert len(tiktok.posts) == 1 and len(tiktok.calls("POST", "creator_info")) == 2


def test_429_on_init_waits_as_told(job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    job.item("video", ["tiktok"], "Ayo memilih.", {"video.mp4": small})
    tiktok.inject(Fault(path="video/init", status=429, headers={"Retry-After": "23"}, body={"data": {}, "error": {
        "code": "rate_limit_exceeded", "message": "API rate limit was exceeded", "log_id": "x"}}))
    assert only(job.run()).state == "published"
    assert len(tiktok.posts) == 1 and job.sleeps[0] == 23.0


def test_connection_dropped_mid_upload_is_resumed(job: Harness, tiktok: TikTokServer, clip: bytes) -> None:
    job.item("video", ["tiktok"], "Ayo memilih.", {"video.mp4": clip})
    tiktok.inject(Fault(method="PUT", drop=True, apply=True))  # the first piece lands, its reply does not
    assert only(job.run()).state == "published"
    [post] = tiktok.posts
    assert post["sha256"] == hashlib.sha256(clip).hexdigest()
    first, rest = f"bytes 0-{5 * MB - 1}/{11 * MB}", f"bytes {5 * MB}-{11 * MB - 1}/{11 * MB}"
    assert ranges(tiktok) == [first, first, rest]  # the blind retry is refused (416), then resumed


def test_last_piece_landed_but_reply_lost_is_unknown_and_never_repeated(
        job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    item = job.item("video", ["tiktok"], "Ayo memilih.", {"video.mp4": small})
    tiktok.inject(Fault(method="PUT", drop=True, apply=True))
    assert only(job.run()).state == "unknown"
    assert job.record(item, "tiktok").state == "unknown"
    assert [a.state for a in job.run()] == ["unknown"] and len(tiktok.posts) == 1 and len(tiktok.calls("PUT")) == 1


def test_photo_init_applied_but_reply_lost_is_unknown(job: Harness, tiktok: TikTokServer) -> None:
    job.item("foto", ["tiktok"], "Dua foto.", photos())
    tiktok.inject(Fault(path="content/init", drop=True, apply=True))
    assert only(job.run()).state == "unknown"
    assert [a.state for a in job.run()] == ["unknown"] and len(tiktok.posts) == 1


def test_failed_publish_fails_with_the_reason(job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    item = job.item("video", ["tiktok"], "Ayo memilih.", {"video.mp4": small})
    tiktok.fail_next_publish("spam_risk_too_many_posts")
    attempt = only(job.run())
    assert attempt.state == "failed" and attempt.reason == 'TikTok tidak menayangkannya: "spam_risk_too_many_posts".'
    assert tiktok.posts == [] and job.record(item, "tiktok").state == "failed"


def test_access_token_invalid_fails_clearly(job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    job.item("video", ["tiktok"], "Ayo memilih.", {"video.mp4": small})
    tiktok.inject(Fault(path="creator_info", status=401, body=INVALID_TOKEN))
    attempt = only(job.run())
    reason = attempt.reason or ""
    assert attempt.state == "failed" and "menolak kredensial (HTTP 401)" in reason
    assert '"The access token is invalid' in reason
    assert reason.endswith("Perbarui TIKTOK_REFRESH_TOKEN (secret di environment GitHub).")
    assert tiktok.posts == [] and tiktok.calls("POST", "video/init") == []


def test_revoked_refresh_token_fails_clearly(job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    job.item("video", ["tiktok"], "Ayo memilih.", {"video.mp4": small})
    tiktok.revoke_refresh_token()
    attempt = only(job.run())
    reason = attempt.reason or ""
    assert attempt.state == "failed" and reason.startswith("Login TikTok (refresh token) gagal. ")
    assert '"Refresh token is invalid or expired' in reason and "perbarui secret TIKTOK_REFRESH_TOKEN" in reason
    assert tiktok.posts == []


def test_rotated_refresh_token_is_kept_for_the_next_run(job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    job.item("eins", ["tiktok"], "Video pertama.", {"video.mp4": small})
    assert only(job.run()).state == "published"
    kept = job.tokens.load("TIKTOK_REFRESH_TOKEN")
    assert kept == tiktok.refresh_token and kept != tiktok.REFRESH_TOKEN
    old = httpx.post(f"{tiktok.url}{TOKEN}", data={
        "client_key": tiktok.CLIENT_KEY, "client_secret": tiktok.CLIENT_SECRET, "grant_type": "refresh_token",
        "refresh_token": tiktok.REFRESH_TOKEN})
    assert old.json()["error"] == "invalid_grant"  # the admin's original secret is dead now
    job.item("zwei", ["tiktok"], "Video kedua.", {"video.mp4": small})
    assert only(job.run()).state == "published"
    assert [r.form()["refresh_token"] for r in tiktok.calls("POST", TOKEN)][-1] == kept
    assert len(tiktok.posts) == 2 and job.tokens.load("TIKTOK_REFRESH_TOKEN") == tiktok.refresh_token


def test_privacy_not_offered_is_refused_before_uploading(job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    tiktok.privacy_level_options = ["SELF_ONLY"]
    job.item("video", {"tiktok": {"privacy": "public"}}, "Ayo memilih.", {"video.mp4": small})
    attempt = only(job.run())
    assert attempt.state == "failed" and "PUBLIC_TO_EVERYONE" not in tiktok.privacy_level_options
    assert attempt.reason == ("Privasi 'public' tidak tersedia di akun TikTok ini (tersedia: SELF_ONLY). Ubah "
                              "'privacy' di konten atau di sop.yml.")
    assert tiktok.calls("POST", "video/init") == [] and tiktok.posts == []


def test_video_longer_than_the_creator_may_post_is_refused(job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    tiktok.max_video_post_duration_sec = 2
    job.item("video", ["tiktok"], "Ayo memilih.", {"video.mp4": small})
    attempt = only(job.run())
    assert attempt.state == "failed" and "paling lama 2 detik" in (attempt.reason or "")
    assert tiktok.calls("POST", "video/init") == [] and tiktok.posts == []


def test_reasons_are_in_english_when_the_sop_says_so(job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    tiktok.max_video_post_duration_sec = 2
    job.sop = replace(job.sop, language="en")
    item = job.item("video", ["tiktok"], "Ayo memilih.", {"video.mp4": small})
    expected = "The video lasts 3 s; this TikTok account may post at most 2 s."
    assert only(job.run()).reason == expected and job.record(item, "tiktok").error == expected


def test_photos_from_an_unverified_host_fail(job: Harness, tiktok: TikTokServer) -> None:
    tiktok.verified_url_prefixes.clear()
    job.item("foto", ["tiktok"], "Dua foto.", photos())
    attempt = only(job.run())
    assert attempt.state == "failed" and "menolak permintaan (HTTP 403)" in (attempt.reason or "")
    assert "verify the ownership" in (attempt.reason or "")
    assert tiktok.posts == [] and tiktok.publishes == {}


def test_an_error_inside_an_http_200_reply_fails(job: Harness, tiktok: TikTokServer) -> None:
    """One project reports url_ownership_unverified arriving with HTTP 200: the envelope decides."""
    job.item("foto", ["tiktok"], "Dua foto.", photos())
    tiktok.inject(Fault(path="content/init", status=200, body={"data": {}, "error": {
        "code": "url_ownership_unverified", "message": "Please verify the ownership", "log_id": "x"}}))
    attempt = only(job.run())
    assert attempt.state == "failed" and attempt.reason == (
        'TikTok menolak permintaan (url_ownership_unverified): "Please verify the ownership".')
    assert tiktok.posts == []


def test_without_the_token_key_nothing_is_refreshed(job: Harness, tiktok: TikTokServer, small: bytes) -> None:
    """Refreshing without a way to keep the rotated token would kill the admin's refresh token."""
    job.item("video", ["tiktok"], "Ayo memilih.", {"video.mp4": small})
    del job.environ["KONTEN_TOKEN_KEY"]
    attempt = only(job.run())
    assert attempt.state == "failed" and "KONTEN_TOKEN_KEY" in (attempt.reason or "")
    assert tiktok.requests == [] and tiktok.refresh_token == tiktok.REFRESH_TOKEN
