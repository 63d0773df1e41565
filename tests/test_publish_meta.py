"""Publishing to a Facebook Page and Instagram through the real `Publisher`, over real sockets.

The Graph imitation (`pipeline.sandbox.meta`) checks every request against Meta's spec; a media
host serves the item's files the way the public archive does, and Instagram really fetches them.
Each test ends by counting the posts the server holds (exactly one or none) and by looking for
every secret in the ledger files and in everything the run printed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from itemkit import REPO, jpeg, video  # noqa: F401 - video is a fixture
from publishkit import ContentHost, Harness, only, padded, picture

from pipeline.config import parse_sop
from pipeline.platforms.facebook import Facebook
from pipeline.platforms.instagram import Instagram
from pipeline.sandbox.http import Fault
from pipeline.sandbox.meta import MetaServer

GRAPH_ERROR_500 = {"error": {"message": "An unknown error occurred", "type": "OAuthException", "code": 1,
                             "is_transient": True, "fbtrace_id": "AbCdEfGhIjK"}}


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture
def meta() -> Iterator[MetaServer]:
    with MetaServer() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def job(tmp_path: Path, meta: MetaServer, host: ContentHost, capsys: pytest.CaptureFixture[str]) -> Iterator[Harness]:
    harness = Harness(tmp_path, {"FACEBOOK_PAGE_TOKEN": meta.PAGE_TOKEN, "INSTAGRAM_TOKEN": meta.USER_TOKEN}, host)
    for platform, key in (("facebook", "graph"), ("facebook", "video"), ("instagram", "graph")):
        harness.point(platform, key, meta)
    yield harness
    harness.assert_no_secret(capsys.readouterr().out)
    assert meta.unexpected_versions == []


@pytest.fixture
def reel(video: Callable[..., Path], tmp_path: Path) -> bytes:
    """A real 3-second 9:16 MP4, padded to 300 kB so that it goes up in several pieces."""
    return padded(video(360, 640, 3), 300_000, tmp_path / "reel.mp4").read_bytes()


def posts(meta: MetaServer) -> list[dict[str, Any]]:
    return [p for p in meta.page_posts if p["published"]]


# -- Facebook Page -------------------------------------------------------------------------------
def test_facebook_text_with_link(job: Harness, meta: MetaServer) -> None:
    item = job.item("teks", {"facebook": {"link": "https://jateng.kpu.go.id"}}, "Rapat pleno terbuka hari ini.")
    attempt = only(job.run())
    assert attempt.state == "published", attempt
    [post] = posts(meta)
    assert (post["message"], post["link"]) == ("Rapat pleno terbuka hari ini.", "https://jateng.kpu.go.id")
    record = job.record(item, "facebook")
    assert (record.state, record.post_id) == ("published", post["id"])
    assert record.url == f"https://www.facebook.com/{post['id']}"
    assert all(r.header("authorization") == f"OAuth {meta.PAGE_TOKEN}" and "access_token" not in r.query
               for r in meta.requests)


def test_facebook_three_photos_with_a_500_on_an_upload(job: Harness, meta: MetaServer) -> None:
    colors = ("red", "green", "blue")
    media = {f"foto{i}.jpg": picture(800, 600, c) for i, c in enumerate(colors)}
    item = job.item("foto", ["facebook"], "Tiga foto kegiatan.", media)
    meta.inject(Fault(method="POST", path=r"/photos$", status=500, body=GRAPH_ERROR_500, times=1))
    assert only(job.run()).state == "published"
    [post] = posts(meta)
    assert post["message"] == "Tiga foto kegiatan." and len(post["attached_media"]) == 3
    sent = [meta.photos[fbid] for fbid in post["attached_media"]]
    assert [p["sha256"] for p in sent] == [hashlib.sha256(d).hexdigest() for d in media.values()]
    assert {p["alt_text"] for p in sent} == {"Teks alternatif gambar"}
    assert len(meta.calls("POST", r"/photos$")) == 4 and job.sleeps == [1]  # one upload retried
    assert job.record(item, "facebook").post_id == post["id"]


def test_facebook_one_photo_is_published_with_caption_and_alt_after_a_429(job: Harness, meta: MetaServer) -> None:
    item = job.item("satu", ["facebook"], "Satu foto.", {"poster.jpg": jpeg(600, 600)})
    meta.inject(Fault(method="POST", path=r"/photos$", status=429, headers={"Retry-After": "17"},
                      body={"error": {"message": "(#80001) There have been too many calls", "code": 80001}}))
    assert only(job.run()).state == "published"
    [post] = posts(meta)
    [photo] = [meta.photos[f] for f in post["attached_media"]]
    assert (photo["caption"], photo["alt_text"], photo["published"]) == ("Satu foto.", "Teks alternatif gambar", True)
    assert job.sleeps == [17.0]
    assert job.record(item, "facebook").url == f"https://www.facebook.com/{post['id']}"


def test_facebook_video_streams_in_pieces_and_reports_progress(
        job: Harness, meta: MetaServer, reel: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Facebook, "upload_chunk", 100_000)
    item = job.item("video", ["facebook"], "Ayo memilih.", {"video.mp4": reel}, title="Sosialisasi")
    assert only(job.run()).state == "published"
    [post] = posts(meta)
    stored = meta.videos[post["video_id"]]
    assert (stored["sha256"], stored["title"], stored["description"]) == (
        hashlib.sha256(reel).hexdigest(), "Sosialisasi", "Ayo memilih.")
    pieces = meta.calls("POST", r"/upload:")
    assert [len(r.body) for r in pieces] == [100_000, 100_000, 100_000]
    assert [r.header("file_offset") for r in pieces] == ["0", "100000", "200000"]
    assert [line.rsplit(" ", 1)[-1] for line in job.out if "video.mp4" in line] == ["33%", "66%", "100%"]
    record = job.record(item, "facebook")
    link = f"https://www.facebook.com/{meta.PAGE_ID}/videos/{post['video_id']}/"
    assert (record.post_id, record.url) == (post["id"], link)


def test_facebook_video_resumes_after_a_connection_dropped_mid_upload(
        job: Harness, meta: MetaServer, reel: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Facebook, "upload_chunk", 100_000)
    job.item("video", ["facebook"], "Ayo memilih.", {"video.mp4": reel})
    meta.drop_upload_after(keep=60_000)  # the first piece is cut after 60 kB
    assert only(job.run()).state == "published"
    [post] = posts(meta)
    assert meta.videos[post["video_id"]]["sha256"] == hashlib.sha256(reel).hexdigest()
    assert len(meta.calls("GET", r"/upload:")) == 1  # asked where to go on from
    offsets = [r.header("file_offset") for r in meta.calls("POST", r"/upload:")]
    assert offsets == ["0", "0", "60000", "160000", "260000"]  # the blind retry is refused, then resumed


def test_facebook_post_made_but_reply_lost_is_unknown_and_never_repeated(job: Harness, meta: MetaServer) -> None:
    item = job.item("teks", ["facebook"], "Pengumuman penting.")
    meta.inject(Fault(method="POST", path=r"/feed$", drop=True, apply=True))
    assert only(job.run()).state == "unknown"
    assert job.record(item, "facebook").state == "unknown"
    assert [a.state for a in job.run()] == ["unknown"] and len(posts(meta)) == 1
    assert len(meta.calls("POST", r"/feed$")) == 1


def test_facebook_expired_page_token_fails_clearly(job: Harness, meta: MetaServer) -> None:
    item = job.item("teks", ["facebook"], "Pengumuman.")
    meta.expire_token(meta.PAGE_TOKEN)
    attempt = only(job.run())
    reason = attempt.reason or ""
    assert attempt.state == "failed" and "menolak kredensial (HTTP 400)" in reason
    assert '"Error validating access token: Session has expired' in reason  # Graph's words, quoted
    assert reason.endswith("Perbarui FACEBOOK_PAGE_TOKEN (secret di environment GitHub).")
    assert job.record(item, "facebook").error == attempt.reason and posts(meta) == []


def test_facebook_reasons_are_in_english_when_the_sop_says_so(job: Harness, meta: MetaServer) -> None:
    job.sop = replace(job.sop, language="en")
    job.item("teks", ["facebook"], "Pengumuman.")
    meta.expire_token(meta.PAGE_TOKEN)
    reason = only(job.run()).reason or ""
    assert "refused the credentials (HTTP 400)" in reason and "Session has expired" in reason
    assert reason.endswith("Renew FACEBOOK_PAGE_TOKEN (secrets of the GitHub environment).")


def test_facebook_permalink_lost_after_the_post_still_counts_as_published(job: Harness, meta: MetaServer) -> None:
    item = job.item("teks", ["facebook"], "Pengumuman.")
    meta.inject(Fault(method="GET", status=500, body=GRAPH_ERROR_500, times=10))
    assert only(job.run()).state == "published"
    [post] = posts(meta)
    assert job.record(item, "facebook").url == f"https://www.facebook.com/{post['id']}"


def test_facebook_video_needs_the_app_id(job: Harness, meta: MetaServer, reel: bytes) -> None:
    job.sop = parse_sop((REPO / "sop.yml").read_text(encoding="utf-8").replace(
        'page_id: "000000000000000"', f'page_id: "{meta.PAGE_ID}"'), "sop.yml")
    job.item("video", ["facebook"], "Ayo memilih.", {"video.mp4": reel})
    attempt = only(job.run())
    assert attempt.state == "failed" and attempt.reason == "platforms.facebook.app_id belum diisi di sop.yml."
    assert meta.uploads == {} and posts(meta) == []


# -- Instagram -----------------------------------------------------------------------------------
def test_instagram_image_with_alt_text_after_checking_the_quota(
        job: Harness, meta: MetaServer, host: ContentHost) -> None:
    item = job.item("foto", ["instagram"], "Pemilu damai #jateng", {"poster.jpg": jpeg(1080, 1080)})
    assert only(job.run()).state == "published"
    [media] = meta.ig_media
    assert (media["caption"], media["alt_text"], media["media_type"]) == (
        "Pemilu damai #jateng", "Teks alternatif gambar", "IMAGE")
    assert media["media"]["sha256"] == hashlib.sha256(item.media[0].path.read_bytes()).hexdigest()
    [container] = meta.containers
    assert [r.path.rsplit("/", 1)[-1] for r in meta.requests] == [
        "content_publishing_limit", "media", container, container, "media_publish", media["id"]]
    record = job.record(item, "instagram")
    assert (record.post_id, record.url) == (media["id"], media["permalink"])
    assert host.calls("GET", "/media/foto/poster.jpg")


def test_instagram_carousel_of_three(job: Harness, meta: MetaServer) -> None:
    media = {f"f{i}.jpg": picture(1080, 1080, c) for i, c in enumerate(("red", "green", "blue"))}
    job.item("album", ["instagram"], "Tiga foto.", media)
    assert only(job.run()).state == "published"
    [album] = meta.ig_media
    assert album["media_type"] == "CAROUSEL_ALBUM" and album["caption"] == "Tiga foto."
    assert [c["sha256"] for c in album["children_media"]] == [hashlib.sha256(d).hexdigest() for d in media.values()]
    assert all(meta.containers[c].params.get("alt_text") == "Teks alternatif gambar" for c in album["children"])


def test_instagram_reel_after_a_500_on_the_container(job: Harness, meta: MetaServer, reel: bytes) -> None:
    job.item("reel", ["instagram"], "Ayo ke TPS.", {"reel.mp4": reel})
    meta.inject(Fault(method="POST", path=rf"{meta.IG_USER_ID}/media$", status=500, body=GRAPH_ERROR_500))
    assert only(job.run()).state == "published"
    [media] = meta.ig_media
    assert (media["media_product_type"], media["media"]["sha256"]) == ("REELS", hashlib.sha256(reel).hexdigest())
    assert len(meta.calls("POST", r"/media$")) == 2 and len(meta.containers) == 1


def test_instagram_publish_after_a_429_honours_retry_after(job: Harness, meta: MetaServer) -> None:
    job.item("foto", ["instagram"], "Foto.", {"poster.jpg": jpeg(1080, 1080)})
    meta.inject(Fault(method="POST", path=r"/media_publish$", status=429, headers={"Retry-After": "42"},
                      body={"error": {"message": "(#80002) too many calls", "code": 80002}}))
    assert only(job.run()).state == "published"
    assert len(meta.ig_media) == 1 and 42.0 in job.sleeps


def test_instagram_publish_made_but_reply_lost_is_unknown_and_never_repeated(job: Harness, meta: MetaServer) -> None:
    item = job.item("foto", ["instagram"], "Foto.", {"poster.jpg": jpeg(1080, 1080)})
    meta.inject(Fault(method="POST", path=r"/media_publish$", drop=True, apply=True))
    assert only(job.run()).state == "unknown"
    assert [a.state for a in job.run()] == ["unknown"] and len(meta.ig_media) == 1
    assert job.record(item, "instagram").state == "unknown"


def test_instagram_container_error_fails(job: Harness, meta: MetaServer, reel: bytes) -> None:
    item = job.item("reel", ["instagram"], "Ayo ke TPS.", {"reel.mp4": reel}, serve=False)  # not downloadable
    attempt = only(job.run())
    reason = attempt.reason or ""
    assert attempt.state == "failed" and reason.startswith("Instagram tidak dapat memproses media (ERROR): ")
    assert "2207003" in reason
    assert meta.ig_media == [] and job.record(item, "instagram").state == "failed"


def test_instagram_container_expired_while_waiting_fails(job: Harness, meta: MetaServer) -> None:
    job.item("foto", ["instagram"], "Foto.", {"poster.jpg": jpeg(1080, 1080)})

    def expire(seconds: float) -> None:
        for container in list(meta.containers.values()):
            if container.status_code == "IN_PROGRESS":
                meta.expire_container(container.id)

    job.on_sleep = expire
    attempt = only(job.run())
    assert attempt.state == "failed" and "memproses media (EXPIRED)" in (attempt.reason or "")
    assert meta.ig_media == [] and job.sleeps == [Instagram.poll_waits[0]]


def test_instagram_quota_used_up_makes_no_container(job: Harness, meta: MetaServer) -> None:
    meta.QUOTA_TOTAL = 0  # type: ignore[misc]
    job.item("foto", ["instagram"], "Foto.", {"poster.jpg": jpeg(1080, 1080)})
    attempt = only(job.run())
    assert attempt.state == "failed" and attempt.reason == (
        "Batas unggah Instagram tercapai: 0 dari 0 kiriman dalam 24 jam terakhir.")
    assert meta.containers == {} and meta.ig_media == []


def test_instagram_reasons_are_in_english_when_the_sop_says_so(job: Harness, meta: MetaServer) -> None:
    meta.QUOTA_TOTAL = 0  # type: ignore[misc]
    job.sop = replace(job.sop, language="en")
    item = job.item("foto", ["instagram"], "Foto.", {"poster.jpg": jpeg(1080, 1080)})
    expected = "Instagram's publishing limit is reached: 0 of 0 posts in the last 24 hours."
    assert only(job.run()).reason == expected and job.record(item, "instagram").error == expected


def test_instagram_expired_token_fails_clearly(job: Harness, meta: MetaServer) -> None:
    job.item("foto", ["instagram"], "Foto.", {"poster.jpg": jpeg(1080, 1080)})
    meta.expire_token(meta.USER_TOKEN)
    attempt = only(job.run())
    reason = attempt.reason or ""
    assert attempt.state == "failed" and "Error validating access token" in reason
    assert reason.endswith("Perbarui INSTAGRAM_TOKEN (secret di environment GitHub).")
    assert meta.containers == {} and meta.ig_media == []


def test_facebook_and_instagram_in_one_run(job: Harness, meta: MetaServer) -> None:
    item = job.item("dua", ["facebook", "instagram"], "Di dua platform.", {"poster.jpg": jpeg(1080, 1080)})
    assert sorted(a.state for a in job.run()) == ["published", "published"]
    assert len(posts(meta)) == 1 and len(meta.ig_media) == 1
    saved = json.loads((job.root / "data" / "ledger" / "items" / item.id / "item.json").read_text())
    assert saved["platforms"] == ["facebook", "instagram"]
