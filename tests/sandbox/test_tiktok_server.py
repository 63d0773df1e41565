"""The TikTok Content Posting API imitation over real sockets: tokens, uploads, photos, errors, faults."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from pipeline.sandbox.http import Fault
from pipeline.sandbox.meta import MediaHost
from pipeline.sandbox.tiktok import TikTokServer, utf16_units

MB = 1024 * 1024
PUBLIC = "PUBLIC_TO_EVERYONE"


def picture(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1080, 1350), (10, 90, 200)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def tiktok() -> Iterator[TikTokServer]:
    with TikTokServer() as server:
        yield server  # type: ignore[misc]


@pytest.fixture(scope="module")
def host() -> Iterator[MediaHost]:
    with MediaHost() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def client(tiktok: TikTokServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {tiktok.ACCESS_TOKEN}"}
    with httpx.Client(base_url=tiktok.url, headers=headers, timeout=10) as c:
        yield c


def failure(reply: httpx.Response, status: int, code: str) -> str:
    """Check TikTok's error envelope and return its message."""
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["data"] == {} and body["error"]["code"] == code and body["error"]["log_id"]
    return body["error"]["message"]


def init_video(client: httpx.Client, size: int, chunk: int, count: int, **post_info: object) -> httpx.Response:
    info = {"title": "Ayo ke TPS #pemilu", "privacy_level": PUBLIC, "disable_duet": False, **post_info}
    return client.post("/v2/post/publish/video/init/", json={"post_info": info, "source_info": {
        "source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": count}})


def put_chunk(url: str, video: bytes, first: int, last: int, ctype: str = "video/mp4") -> httpx.Response:
    return httpx.put(url, content=video[first:last + 1], timeout=10, headers={
        "Content-Type": ctype, "Content-Range": f"bytes {first}-{last}/{len(video)}"})


def poll(client: httpx.Client, publish_id: str, times: int = 6) -> list[dict]:
    seen = []
    for _ in range(times):
        reply = client.post("/v2/post/publish/status/fetch/", json={"publish_id": publish_id})
        assert reply.json()["error"]["code"] == "ok", reply.text
        seen.append(reply.json()["data"])
        if seen[-1]["status"] in ("PUBLISH_COMPLETE", "FAILED", "SEND_TO_USER_INBOX"):
            break
    return seen


# -- OAuth --------------------------------------------------------------------------------------
def refresh(tiktok: TikTokServer, token: str, secret: str = TikTokServer.CLIENT_SECRET) -> httpx.Response:
    return httpx.post(f"{tiktok.url}/v2/oauth/token/", data={
        "client_key": tiktok.CLIENT_KEY, "client_secret": secret, "grant_type": "refresh_token",
        "refresh_token": token})


def test_refresh_tokens_rotate(tiktok: TikTokServer) -> None:
    first = refresh(tiktok, tiktok.REFRESH_TOKEN).json()
    assert first["expires_in"] == 7200 and first["refresh_expires_in"] == 15552000
    assert first["token_type"] == "Bearer" and first["open_id"] == tiktok.OPEN_ID
    assert first["refresh_token"] != tiktok.REFRESH_TOKEN
    stale = refresh(tiktok, tiktok.REFRESH_TOKEN)
    assert stale.status_code == 400
    assert stale.json()["error"] == "invalid_grant" and stale.json()["error_description"] and stale.json()["log_id"]
    second = refresh(tiktok, first["refresh_token"]).json()
    reply = httpx.post(f"{tiktok.url}/v2/post/publish/creator_info/query/",
                       headers={"Authorization": f"Bearer {second['access_token']}"})
    assert reply.json()["data"]["creator_username"] == tiktok.USERNAME
    assert refresh(tiktok, second["refresh_token"], secret="wrong").json()["error"] == "invalid_client"
    tiktok.revoke_refresh_token()
    assert refresh(tiktok, second["refresh_token"]).json()["error"] == "invalid_grant"


def test_access_token_missing_unknown_or_expired(tiktok: TikTokServer, client: httpx.Client) -> None:
    path = "/v2/post/publish/creator_info/query/"
    failure(httpx.post(tiktok.url + path), 401, "access_token_invalid")
    failure(client.post(path, headers={"Authorization": "Bearer act.nope"}), 401, "access_token_invalid")
    info = client.post(path).json()
    assert info["error"] == {"code": "ok", "message": "", "log_id": info["error"]["log_id"]}
    assert info["data"]["privacy_level_options"][-1] == "SELF_ONLY" and info["data"]["max_video_post_duration_sec"] == 600
    tiktok.expire_access_token()
    failure(client.post(path), 401, "access_token_invalid")


# -- video --------------------------------------------------------------------------------------
def test_twelve_megabyte_video_in_chunks(tiktok: TikTokServer, client: httpx.Client) -> None:
    video = os.urandom(12 * MB)
    reply = init_video(client, len(video), 5 * MB, 2)
    data = reply.json()["data"]
    assert data["publish_id"].startswith("v_pub_file~") and data["upload_url"].startswith(tiktok.url)
    url = data["upload_url"]
    assert poll(client, data["publish_id"], 1)[0] == {"status": "PROCESSING_UPLOAD", "uploaded_bytes": 0}
    assert put_chunk(url, video, 0, 5 * MB - 1).status_code == 206
    assert put_chunk(url, video, 5 * MB, len(video) - 1).status_code == 201
    seen = poll(client, data["publish_id"])
    assert [s["status"] for s in seen] == ["PROCESSING_UPLOAD", "PROCESSING_UPLOAD", "PUBLISH_COMPLETE"]
    post_id = seen[-1]["publicaly_available_post_id"][0]
    assert seen[-1]["uploaded_bytes"] == len(video)
    post = tiktok.posts[0]
    assert post["id"] == post_id and post["sha256"] == hashlib.sha256(video).hexdigest()
    assert post["bytes"] == len(video)
    assert post["url"] == f"https://www.tiktok.com/@{tiktok.USERNAME}/video/{post_id}"


def test_small_private_video_in_one_piece_has_no_public_id(tiktok: TikTokServer, client: httpx.Client) -> None:
    video = os.urandom(100_000)
    data = init_video(client, len(video), len(video), 1, privacy_level="SELF_ONLY").json()["data"]
    assert put_chunk(data["upload_url"], video, 0, len(video) - 1, "video/quicktime").status_code == 201
    assert poll(client, data["publish_id"])[-1]["publicaly_available_post_id"] == []
    assert len(tiktok.posts) == 1


@pytest.mark.parametrize(("size", "chunk", "count", "words"), [
    (12 * MB, 4 * MB, 3, "between 5 MB and 64 MB"),
    (200 * MB, 65 * MB, 3, "between 5 MB and 64 MB"),
    (12 * MB, 5 * MB, 3, "floor(video_size / chunk_size) = 2"),
    (3 * MB, 1 * MB, 3, "uploaded whole"),
    (5 * MB * 1001, 5 * MB, 1001, "between 1 and 1000"),
])
def test_chunk_rules(client: httpx.Client, size: int, chunk: int, count: int, words: str) -> None:
    assert words in failure(init_video(client, size, chunk, count), 400, "invalid_params")


def test_post_info_checks(tiktok: TikTokServer, client: httpx.Client) -> None:
    title = "🗳" * 1101
    assert len(title) < 2200 < utf16_units(title)
    assert "2200" in failure(init_video(client, MB, MB, 1, title=title), 400, "invalid_params")
    assert "privacy" in failure(init_video(client, MB, MB, 1, privacy="PUBLIC"), 400, "invalid_params")
    assert "boolean" in failure(init_video(client, MB, MB, 1, disable_duet="no"), 400, "invalid_params")
    tiktok.privacy_level_options = ["SELF_ONLY"]
    failure(init_video(client, MB, MB, 1), 403, "privacy_level_option_mismatch")
    tiktok.privacy_level_options = ["PUBLIC_TO_EVERYONE", "SELF_ONLY"]
    tiktok.unaudited = True
    failure(init_video(client, MB, MB, 1), 403, "unaudited_client_can_only_post_to_private_accounts")
    text = client.post("/v2/post/publish/video/init/", content=b"{}", headers={"Content-Type": "text/plain"})
    failure(text, 400, "invalid_params")


def test_upload_range_type_and_resume_after_a_drop(tiktok: TikTokServer, client: httpx.Client) -> None:
    video = os.urandom(11 * MB)
    data = init_video(client, len(video), 5 * MB, 2).json()["data"]
    url = data["upload_url"]
    failure(put_chunk(url, video, 5 * MB, len(video) - 1), 416, "invalid_file_upload")
    failure(put_chunk(url, video, 0, 5 * MB - 1, "video/avi"), 400, "invalid_file_upload")
    tiktok.inject(Fault(method="PUT", drop=True, apply=True))
    with pytest.raises(httpx.TransportError):
        put_chunk(url, video, 0, 5 * MB - 1)
    progress = poll(client, data["publish_id"], 1)[0]
    assert progress == {"status": "PROCESSING_UPLOAD", "uploaded_bytes": 5 * MB}
    failure(put_chunk(url, video, 0, 5 * MB - 1), 416, "invalid_file_upload")
    assert put_chunk(url, video, 5 * MB, len(video) - 1).status_code == 201
    assert tiktok.posts[0]["sha256"] == hashlib.sha256(video).hexdigest()
    failure(httpx.put(url.replace("upload_token=", "upload_token=x"), content=b"1"), 404, "invalid_params")


def test_init_rate_limit_and_daily_post_cap() -> None:
    with TikTokServer(enforce_rate_limits=True) as limited:
        headers = {"Authorization": f"Bearer {limited.ACCESS_TOKEN}"}
        replies = [httpx.post(f"{limited.url}/v2/post/publish/video/init/", headers=headers, json={
            "post_info": {"privacy_level": PUBLIC}, "source_info": {
                "source": "FILE_UPLOAD", "video_size": MB, "chunk_size": MB, "total_chunk_count": 1}})
            for _ in range(7)]
        assert [r.status_code for r in replies] == [200] * 6 + [429]
        failure(replies[-1], 429, "rate_limit_exceeded")
        creator = httpx.post(f"{limited.url}/v2/post/publish/creator_info/query/", headers=headers)
        assert creator.status_code == 200  # each endpoint has its own budget
    with TikTokServer() as capped:
        capped.daily_post_cap = 1
        headers = {"Authorization": f"Bearer {capped.ACCESS_TOKEN}"}
        capped_client = httpx.Client(base_url=capped.url, headers=headers)
        assert init_video(capped_client, MB, MB, 1).status_code == 200
        failure(init_video(capped_client, MB, MB, 1), 403, "spam_risk_too_many_posts")
        capped_client.close()


def test_failed_publishes(tiktok: TikTokServer, client: httpx.Client) -> None:
    video = os.urandom(MB)
    tiktok.fail_next_publish("duration_check_failed")
    data = init_video(client, len(video), len(video), 1).json()["data"]
    put_chunk(data["upload_url"], video, 0, len(video) - 1)
    assert poll(client, data["publish_id"])[-1] == {
        "status": "FAILED", "fail_reason": "duration_check_failed", "uploaded_bytes": len(video)}
    data = init_video(client, len(video), len(video), 1).json()["data"]
    put_chunk(data["upload_url"], video, 0, len(video) - 1)
    assert len(tiktok.posts) == 1
    tiktok.fail_publish(data["publish_id"], "spam_risk_text")
    assert poll(client, data["publish_id"])[-1]["fail_reason"] == "spam_risk_text" and tiktok.posts == []
    failure(client.post("/v2/post/publish/status/fetch/", json={"publish_id": "v_pub_file~nope"}),
            400, "invalid_params")


# -- photos -------------------------------------------------------------------------------------
def photo_init(client: httpx.Client, urls: list[str], **post_info: object) -> httpx.Response:
    info = {"title": "Jadwal", "description": "Tahapan pemilu #kpu", "privacy_level": PUBLIC, **post_info}
    return client.post("/v2/post/publish/content/init/", json={
        "media_type": "PHOTO", "post_mode": "DIRECT_POST", "post_info": info,
        "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0, "photo_images": urls}})


def test_photos_pulled_from_verified_urls(tiktok: TikTokServer, client: httpx.Client, host: MediaHost) -> None:
    urls = [host.add("a.jpg", picture("JPEG"), "image/jpeg"), host.add("b.webp", picture("WEBP"), "image/webp")]
    failure(photo_init(client, urls), 403, "url_ownership_unverified")
    tiktok.verify_url_prefix(f"{host.url}/media/")
    data = photo_init(client, urls).json()["data"]
    assert data["publish_id"].startswith("p_pub_url~")
    seen = poll(client, data["publish_id"])
    assert seen[0]["status"] == "PROCESSING_DOWNLOAD" and seen[-1]["status"] == "PUBLISH_COMPLETE"
    assert seen[-1]["downloaded_bytes"] == sum(len(host.files[n][0]) for n in ("a.jpg", "b.webp"))
    assert [m["sha256"] for m in tiktok.posts[0]["media"]] == [
        hashlib.sha256(host.files[n][0]).hexdigest() for n in ("a.jpg", "b.webp")]


def test_photo_failures(tiktok: TikTokServer, client: httpx.Client, host: MediaHost) -> None:
    tiktok.verify_url_prefix(host.url)
    png = photo_init(client, [host.add("c.png", picture("PNG"), "image/png")]).json()["data"]["publish_id"]
    assert poll(client, png)[-1]["fail_reason"] == "file_format_check_failed"
    gone = photo_init(client, [f"{host.url}/media/gone.jpg"]).json()["data"]["publish_id"]
    assert poll(client, gone)[-1]["fail_reason"] == "photo_pull_failed"
    assert tiktok.posts == []
    assert "90" in failure(photo_init(client, [f"{host.url}/x.jpg"], title="x" * 91), 400, "invalid_params")
    too_many = photo_init(client, [f"{host.url}/x.jpg"] * 36)
    assert "1 to 35" in failure(too_many, 400, "invalid_params")


def test_video_pulled_from_a_verified_url(tiktok: TikTokServer, client: httpx.Client, host: MediaHost) -> None:
    video = os.urandom(300_000)
    url = host.add("v.mp4", video, "video/mp4")
    body = {"post_info": {"title": "Tarik", "privacy_level": PUBLIC},
            "source_info": {"source": "PULL_FROM_URL", "video_url": url}}
    failure(client.post("/v2/post/publish/video/init/", json=body), 403, "url_ownership_unverified")
    tiktok.verify_url_prefix(host.url)
    data = client.post("/v2/post/publish/video/init/", json=body).json()["data"]
    assert set(data) == {"publish_id"} and data["publish_id"].startswith("v_pub_url~")
    seen = poll(client, data["publish_id"])
    assert seen[-1]["status"] == "PUBLISH_COMPLETE" and seen[-1]["downloaded_bytes"] == len(video)
    assert tiktok.posts[0]["media"][0]["sha256"] == hashlib.sha256(video).hexdigest()


# -- faults -------------------------------------------------------------------------------------
def test_faults_on_the_wire(tiktok: TikTokServer, client: httpx.Client) -> None:
    path = "/v2/post/publish/creator_info/query/"
    tiktok.inject(Fault(path="creator_info", status=429, headers={"Retry-After": "2"},
                        body={"data": {}, "error": {"code": "rate_limit_exceeded", "message": "slow down",
                                                    "log_id": "x"}}))
    assert client.post(path).status_code == 429
    tiktok.inject(Fault(path="creator_info", status=503))
    assert client.post(path).status_code == 503
    tiktok.inject(Fault(path="creator_info", delay=1.0, drop=True))
    with pytest.raises(httpx.ReadTimeout):
        client.post(path, timeout=0.3)
    assert client.post(path).status_code == 200
