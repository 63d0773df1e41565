"""The Graph API imitation over real sockets: Page and Instagram publishing, checks, errors, faults."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from pipeline.sandbox.http import Fault
from pipeline.sandbox.meta import SPEC_FILE, MediaHost, MetaServer

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
V = MetaServer.VERSION


def picture(width: int, height: int, fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 40)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def meta() -> Iterator[MetaServer]:
    with MetaServer() as server:
        yield server  # type: ignore[misc]


@pytest.fixture(scope="module")
def host() -> Iterator[MediaHost]:
    with MediaHost() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def client(meta: MetaServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{meta.url}/{V}", timeout=5) as c:
        yield c


def page(client: httpx.Client, edge: str, token: str = MetaServer.PAGE_TOKEN, **kwargs: object) -> httpx.Response:
    data = dict(kwargs.pop("data", {}) or {})  # type: ignore[call-overload]
    data["access_token"] = token
    return client.post(f"/{MetaServer.PAGE_ID}/{edge}", data=data, **kwargs)  # type: ignore[arg-type]


def ig(client: httpx.Client, edge: str, **params: object) -> httpx.Response:
    params["access_token"] = MetaServer.USER_TOKEN
    return client.post(f"/{MetaServer.IG_USER_ID}/{edge}", params=params)  # type: ignore[arg-type]


def error_of(reply: httpx.Response) -> dict:
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["type"] in ("OAuthException", "GraphMethodException") and error["fbtrace_id"]
    return error


def finish(client: httpx.Client, container: str) -> list[str]:
    """Poll a container the way a publisher does; returns the status codes seen."""
    seen = []
    for _ in range(5):
        reply = client.get(f"/{container}", params={"fields": "status_code,status",
                                                    "access_token": MetaServer.USER_TOKEN})
        seen.append(reply.json()["status_code"])
        if seen[-1] != "IN_PROGRESS":
            break
    return seen


# -- the spec itself ---------------------------------------------------------------------------
def test_the_checked_params_come_from_metas_codegen_spec(meta: MetaServer) -> None:
    spec = json.loads((SHARED / "fixtures" / "platforms" / SPEC_FILE).read_text())
    feed = next(e for e in spec["api_specs/specs/Page.json"] if e["endpoint"] == "feed")
    assert {p["name"] for p in feed["params"]} <= set(meta._edges[("Page", "POST", "feed")])
    publish = meta._edges[("IGUser", "POST", "media_publish")]
    assert publish == {"creation_id": ("unsigned int", True)}


# -- Facebook Page ------------------------------------------------------------------------------
def test_text_post_returns_page_scoped_id_and_usage_headers(meta: MetaServer, client: httpx.Client) -> None:
    reply = page(client, "feed", data={"message": "Halo Jawa Tengah", "link": "https://kpu.go.id"})
    assert reply.status_code == 200
    post_id = reply.json()["id"]
    assert post_id.startswith(f"{meta.PAGE_ID}_") and meta.page_posts[0]["message"] == "Halo Jawa Tengah"
    assert set(json.loads(reply.headers["X-App-Usage"])) == {"call_count", "total_time", "total_cputime"}
    usage = json.loads(reply.headers["X-Business-Use-Case-Usage"])[meta.PAGE_ID][0]
    assert usage["type"] == "pages" and usage["estimated_time_to_regain_access"] == 0
    read = client.get(f"/{post_id}", params={"fields": "permalink_url,message", "access_token": meta.PAGE_TOKEN})
    assert read.json() == {"permalink_url": f"https://www.facebook.com/{post_id}", "message": "Halo Jawa Tengah"}


def test_three_photos_as_unpublished_uploads_then_one_feed_post(
        meta: MetaServer, client: httpx.Client, host: MediaHost) -> None:
    fbids = []
    for i in range(2):
        reply = page(client, "photos", data={"published": "false", "alt_text_custom": f"foto {i}"},
                     files={"source": (f"p{i}.png", picture(800, 600, "PNG"), "image/png")})
        assert reply.status_code == 200 and set(reply.json()) == {"id"}
        fbids.append(reply.json()["id"])
    url = host.add("p2.jpg", picture(600, 600), "image/jpeg")
    reply = page(client, "photos", data={"url": url, "published": "false"})
    fbids.append(reply.json()["id"])
    media = {f"attached_media[{i}]": json.dumps({"media_fbid": fbid}) for i, fbid in enumerate(fbids)}
    reply = page(client, "feed", data={"message": "Tiga foto", **media})
    assert reply.status_code == 200, reply.text
    assert meta.page_posts[-1]["attached_media"] == fbids
    assert meta.photos[fbids[0]]["alt_text"] == "foto 0" and meta.photos[fbids[2]]["format"] == "JPEG"
    again = page(client, "feed", data={"message": "lagi", "attached_media[0]": json.dumps({"media_fbid": fbids[0]})})
    assert "attached_media[0]" in error_of(again)["message"]


def test_published_photo_returns_photo_and_post_ids(meta: MetaServer, client: httpx.Client, host: MediaHost) -> None:
    url = host.add("one.jpg", picture(1200, 800), "image/jpeg")
    reply = page(client, "photos", data={"url": url, "caption": "Satu"})
    body = reply.json()
    assert set(body) == {"id", "post_id"} and body["post_id"].startswith(f"{meta.PAGE_ID}_")
    assert meta.page_posts[-1]["message"] == "Satu"


@pytest.mark.parametrize(("data", "code", "words"), [
    ({"message": "x", "bogus": "1"}, 100, "Param bogus is not a valid parameter"),
    ({"message": "x", "published": "maybe"}, 100, "Param published must be a boolean"),
    ({"message": "x", "attached_media": "{not json"}, 100, "Param attached_media must be an array"),
    ({"published": "true"}, 100, "Missing message or attachment"),
])
def test_feed_params_are_checked_like_graph(client: httpx.Client, data: dict, code: int, words: str) -> None:
    error = error_of(page(client, "feed", data=data))
    assert error["code"] == code and words in error["message"] and error["message"].startswith("(#100)")


def test_photo_without_file_or_with_bad_bytes(client: httpx.Client) -> None:
    assert error_of(page(client, "photos", data={"caption": "x"}))["code"] == 324
    bad = page(client, "photos", files={"source": ("x.jpg", b"not an image", "image/jpeg")})
    assert error_of(bad)["message"] == "(#324) Missing or invalid image file"


def _session(client: httpx.Client, length: int) -> str:
    reply = client.post(f"/{MetaServer.APP_ID}/uploads", params={
        "file_name": "clip.mp4", "file_length": length, "file_type": "video/mp4",
        "access_token": MetaServer.USER_TOKEN})
    assert reply.status_code == 200, reply.text
    return reply.json()["id"]


def test_video_via_resumable_upload_and_resume_after_a_drop(meta: MetaServer, client: httpx.Client) -> None:
    video = os.urandom(300_000)
    session = _session(client, len(video))
    assert session.startswith("upload:")
    oauth = {"Authorization": f"OAuth {meta.USER_TOKEN}"}
    meta.drop_upload_after(keep=120_000)
    with pytest.raises(httpx.TransportError):
        client.post(f"/{session}", headers={**oauth, "file_offset": "0"}, content=video)
    status = client.get(f"/{session}", headers=oauth).json()
    assert status == {"id": session, "file_offset": 120_000}
    wrong = client.post(f"/{session}", headers={**oauth, "file_offset": "0"}, content=video)
    assert error_of(wrong)["code"] == 100
    reply = client.post(f"/{session}", headers={**oauth, "file_offset": "120000"}, content=video[120_000:])
    handle = reply.json()["h"]
    reply = client.post(f"/{meta.PAGE_ID}/videos", data={
        "access_token": meta.PAGE_TOKEN, "title": "Sosialisasi", "description": "Ayo memilih",
        "fbuploader_video_file_chunk": handle})
    video_id = reply.json()["id"]
    assert meta.videos[video_id]["sha256"] == hashlib.sha256(video).hexdigest()
    link = client.get(f"/{video_id}", params={"fields": "permalink_url", "access_token": meta.PAGE_TOKEN})
    assert link.json()["permalink_url"] == f"/{meta.PAGE_ID}/videos/{video_id}/"


def test_video_needs_a_complete_upload_and_a_known_file_type(meta: MetaServer, client: httpx.Client) -> None:
    session = _session(client, 1000)
    handle = client.post(f"/{session}", headers={"Authorization": f"OAuth {meta.USER_TOKEN}", "file_offset": "0"},
                         content=b"x" * 10).json()["h"]
    reply = client.post(f"/{meta.PAGE_ID}/videos", data={"access_token": meta.PAGE_TOKEN,
                                                         "fbuploader_video_file_chunk": handle})
    assert "complete upload" in error_of(reply)["message"]
    bad = client.post(f"/{meta.APP_ID}/uploads", params={"file_name": "a", "file_length": 1,
                                                         "file_type": "video/avi", "access_token": meta.USER_TOKEN})
    assert error_of(bad)["code"] == 100
    missing = client.post(f"/{meta.APP_ID}/uploads", params={"file_name": "a", "file_type": "video/mp4",
                                                             "access_token": meta.USER_TOKEN})
    assert error_of(missing)["message"] == "(#100) The parameter file_length is required."


# -- auth, version, routing ---------------------------------------------------------------------
def test_tokens_missing_unknown_expired_and_header_forms(meta: MetaServer, client: httpx.Client) -> None:
    assert error_of(client.post(f"/{meta.PAGE_ID}/feed", data={"message": "x"}))["code"] == 104
    unknown = page(client, "feed", token="EAAnope", data={"message": "x"})
    assert (error_of(unknown)["code"], error_of(unknown)["error_subcode"]) == (190, 467)
    assert "invalid_token" in unknown.headers["WWW-Authenticate"]
    bearer = client.post(f"/{meta.PAGE_ID}/feed", data={"message": "x"},
                         headers={"Authorization": f"Bearer {meta.PAGE_TOKEN}"})
    assert bearer.status_code == 200
    meta.expire_token(meta.PAGE_TOKEN)
    expired = page(client, "feed", data={"message": "x"})
    assert (error_of(expired)["code"], error_of(expired)["error_subcode"]) == (190, 463)


def test_other_versions_work_and_are_recorded(meta: MetaServer) -> None:
    reply = httpx.post(f"{meta.url}/v24.0/{meta.PAGE_ID}/feed", data={"message": "x", "access_token": meta.PAGE_TOKEN})
    assert reply.status_code == 200 and meta.versions_seen == ["v24.0"] and meta.unexpected_versions == ["v24.0"]
    httpx.post(f"{meta.url}/{V}/{meta.PAGE_ID}/feed", data={"message": "y", "access_token": meta.PAGE_TOKEN})
    assert meta.unexpected_versions == ["v24.0"] and len(meta.page_posts) == 2


def test_unknown_objects_and_paths(meta: MetaServer, client: httpx.Client) -> None:
    error = error_of(client.post("/999/feed", data={"message": "x", "access_token": meta.PAGE_TOKEN}))
    assert (error["code"], error["error_subcode"], error["type"]) == (100, 33, "GraphMethodException")
    assert error_of(client.post(f"/{meta.PAGE_ID}/nonsense/x"))["code"] == 2500
    field = client.get(f"/{meta.PAGE_ID}_1", params={"access_token": meta.PAGE_TOKEN})
    assert error_of(field)["error_subcode"] == 33


# -- Instagram ----------------------------------------------------------------------------------
def test_single_image_container_poll_publish_permalink_and_quota(
        meta: MetaServer, client: httpx.Client, host: MediaHost) -> None:
    url = host.add("a.jpg", picture(1080, 1080), "image/jpeg")
    container = ig(client, "media", image_url=url, caption="Pemilu #damai", alt_text="Logo KPU").json()["id"]
    early = ig(client, "media_publish", creation_id=container)
    assert (error_of(early)["code"], error_of(early)["error_subcode"]) == (9007, 2207027)
    assert finish(client, container) == ["IN_PROGRESS", "FINISHED"]
    media_id = ig(client, "media_publish", creation_id=container).json()["id"]
    link = client.get(f"/{media_id}", params={"fields": "permalink", "access_token": meta.USER_TOKEN}).json()
    assert link["permalink"].startswith("https://www.instagram.com/p/") and link["permalink"].endswith("/")
    assert set(link) == {"permalink"}
    limit = client.get(f"/{meta.IG_USER_ID}/content_publishing_limit",
                       params={"fields": "quota_usage,config", "access_token": meta.USER_TOKEN})
    assert limit.json() == {"data": [{"quota_usage": 1, "config": {"quota_total": 100, "quota_duration": 86400}}]}
    assert meta.ig_media[0]["alt_text"] == "Logo KPU" and meta.ig_media[0]["caption"] == "Pemilu #damai"
    again = ig(client, "media_publish", creation_id=container)
    assert error_of(again)["code"] == 100 and len(meta.ig_media) == 1


def test_carousel_of_three(meta: MetaServer, client: httpx.Client, host: MediaHost) -> None:
    items = []
    for i in range(3):
        url = host.add(f"c{i}.jpg", picture(1080, 1350), "image/jpeg")
        items.append(ig(client, "media", image_url=url, is_carousel_item="true").json()["id"])
    parent = ig(client, "media", media_type="CAROUSEL", children=",".join(items), caption="Album").json()["id"]
    assert finish(client, parent)[-1] == "FINISHED"
    ig(client, "media_publish", creation_id=parent).raise_for_status()
    published = meta.ig_media[-1]
    assert published["media_type"] == "CAROUSEL_ALBUM" and published["children"] == items
    assert [c["sha256"] for c in published["children_media"]] == [
        hashlib.sha256(host.files[f"c{i}.jpg"][0]).hexdigest() for i in range(3)]


def test_carousel_children_rules(client: httpx.Client, host: MediaHost) -> None:
    url = host.add("x.jpg", picture(1000, 1000), "image/jpeg")
    single = ig(client, "media", image_url=url).json()["id"]
    item = ig(client, "media", image_url=url, is_carousel_item="true").json()["id"]
    too_many = ig(client, "media", media_type="CAROUSEL", children=",".join([item] * 11))
    assert error_of(too_many)["error_subcode"] == 2207028
    not_item = ig(client, "media", media_type="CAROUSEL", children=f"{item},{single}")
    assert single in error_of(not_item)["message"]


def test_reel_from_video_url(meta: MetaServer, client: httpx.Client, host: MediaHost) -> None:
    url = host.add("r.mp4", os.urandom(200_000), "video/mp4")
    container = ig(client, "media", media_type="REELS", video_url=url, caption="Reel").json()["id"]
    assert finish(client, container)[-1] == "FINISHED"
    media_id = ig(client, "media_publish", creation_id=container).json()["id"]
    link = client.get(f"/{media_id}", params={"fields": "permalink,media_product_type",
                                              "access_token": meta.USER_TOKEN}).json()
    assert link["media_product_type"] == "REELS" and "/reel/" in link["permalink"]


@pytest.mark.parametrize(("name", "payload", "ctype", "code", "subcode"), [
    ("p.png", picture(1000, 1000, "PNG"), "image/png", 36001, 2207005),
    ("big.jpg", b"\xff\xd8\xff" + b"\0" * (8 * 1024 * 1024), "image/jpeg", 36000, 2207004),
    ("tall.jpg", picture(900, 1600), "image/jpeg", 36003, 2207009),
    ("wide.jpg", picture(2000, 1000), "image/jpeg", 36003, 2207009),
])
def test_image_checks_on_the_fetched_bytes(client: httpx.Client, host: MediaHost, name: str,
                                           payload: bytes, ctype: str, code: int, subcode: int) -> None:
    error = error_of(ig(client, "media", image_url=host.add(name, payload, ctype)))
    assert (error["code"], error["error_subcode"]) == (code, subcode)
    assert error["error_user_title"] and error["is_transient"] is False


def test_image_fetch_failure_and_timeout(meta: MetaServer, client: httpx.Client, host: MediaHost) -> None:
    missing = ig(client, "media", image_url=f"{host.url}/media/nope.jpg")
    assert (error_of(missing)["code"], error_of(missing)["error_subcode"]) == (-2, 2207003)
    meta.fetch_timeout = 0.3
    url = host.add("slow.jpg", picture(1000, 1000), "image/jpeg")
    host.inject(Fault(path="/media/slow.jpg", delay=1.0, apply=True))
    assert error_of(ig(client, "media", image_url=url))["error_subcode"] == 2207003


def test_container_error_and_expired(meta: MetaServer, client: httpx.Client, host: MediaHost) -> None:
    url = host.add("e.jpg", picture(1000, 1000), "image/jpeg")
    broken = ig(client, "media", image_url=url).json()["id"]
    meta.fail_container(broken, 2207001)
    reply = client.get(f"/{broken}", params={"fields": "status_code,status", "access_token": meta.USER_TOKEN})
    assert reply.json()["status_code"] == "ERROR" and "2207001" in reply.json()["status"]
    assert error_of(ig(client, "media_publish", creation_id=broken))["code"] == 9007
    old = ig(client, "media", image_url=url).json()["id"]
    meta.expire_container(old)
    assert finish(client, old) == ["EXPIRED"]
    assert error_of(ig(client, "media_publish", creation_id=old))["error_subcode"] == 2207020
    reel = ig(client, "media", media_type="REELS", video_url=f"{host.url}/media/gone.mp4").json()["id"]
    assert finish(client, reel) == ["ERROR"] and meta.ig_media == []


def test_publish_params_and_quota(meta: MetaServer, client: httpx.Client, host: MediaHost) -> None:
    missing = ig(client, "media_publish")
    assert error_of(missing)["message"] == "(#100) The parameter creation_id is required."
    assert "non-negative integer" in error_of(ig(client, "media_publish", creation_id="abc"))["message"]
    assert "nonexisting field (shares)" in error_of(client.get(
        f"/{meta.IG_USER_ID}/content_publishing_limit",
        params={"fields": "shares", "access_token": meta.USER_TOKEN}))["message"]
    meta.QUOTA_TOTAL = 1
    url = host.add("q.jpg", picture(1000, 1000), "image/jpeg")
    first, second = (ig(client, "media", image_url=url).json()["id"] for _ in range(2))
    finish(client, first), finish(client, second)
    ig(client, "media_publish", creation_id=first).raise_for_status()
    over = ig(client, "media_publish", creation_id=second)
    assert (error_of(over)["code"], error_of(over)["error_subcode"]) == (9, 2207042)


def test_alt_text_limit_and_json_bodies(meta: MetaServer, client: httpx.Client, host: MediaHost) -> None:
    url = host.add("t.jpg", picture(1000, 1000), "image/jpeg")
    assert error_of(ig(client, "media", image_url=url, alt_text="a" * 1001))["code"] == 100
    assert error_of(ig(client, "media", image_url=url, caption="a" * 2201))["error_subcode"] == 2207010
    reply = client.post(f"/{meta.IG_USER_ID}/media", json={"image_url": url, "is_carousel_item": True,
                                                          "access_token": meta.USER_TOKEN})
    assert reply.status_code == 200
    wrong = client.post(f"/{meta.IG_USER_ID}/media", json={"image_url": url, "is_carousel_item": "yes",
                                                          "access_token": meta.USER_TOKEN})
    assert "is_carousel_item must be a boolean" in error_of(wrong)["message"]


# -- rate limits and faults ---------------------------------------------------------------------
def test_throttling_codes_by_scope_and_token(meta: MetaServer, client: httpx.Client) -> None:
    meta.throttle("page", times=2)
    assert error_of(page(client, "feed", data={"message": "x"}))["code"] == 80001
    user = page(client, "feed", token=meta.USER_TOKEN, data={"message": "x"})
    assert error_of(user)["message"] == "(#32) Page request limit reached"
    assert json.loads(user.headers["X-Business-Use-Case-Usage"])[meta.PAGE_ID][0]["call_count"] == 100
    assert page(client, "feed", data={"message": "x"}).status_code == 200
    meta.throttle("instagram")
    limit = client.get(f"/{meta.IG_USER_ID}/content_publishing_limit", params={"access_token": meta.USER_TOKEN})
    assert error_of(limit)["code"] == 80002
    assert page(client, "feed", data={"message": "x"}).status_code == 200
    meta.unthrottle()
    assert client.get(f"/{meta.IG_USER_ID}/content_publishing_limit",
                      params={"access_token": meta.USER_TOKEN}).status_code == 200


def test_faults_429_5xx_timeout_and_drop_after_the_post_exists(meta: MetaServer, client: httpx.Client) -> None:
    meta.inject(Fault(path="/feed", status=429, headers={"Retry-After": "3"}))
    assert page(client, "feed", data={"message": "a"}).headers["Retry-After"] == "3"
    meta.inject(Fault(path="/feed", status=500, body={"error": {"message": "An unknown error occurred",
                                                                "type": "OAuthException", "code": 1}}))
    assert page(client, "feed", data={"message": "b"}).status_code == 500
    meta.inject(Fault(path="/feed", delay=1.0, drop=True))
    with pytest.raises(httpx.ReadTimeout):
        page(client, "feed", data={"message": "c"}, timeout=0.3)
    assert meta.page_posts == []
    meta.inject(Fault(path="/feed", drop=True, apply=True))
    with pytest.raises(httpx.TransportError):
        page(client, "feed", data={"message": "d"})
    listed = client.get(f"/{meta.PAGE_ID}/feed", params={"fields": "id,message", "access_token": meta.PAGE_TOKEN})
    assert [p["message"] for p in listed.json()["data"]] == ["d"]
