"""The X imitation over a real socket: OAuth 1.0a signed with authlib, answers checked against X's OpenAPI.

Responses are validated with jsonschema (independent of the server's own validator in
`pipeline.sandbox.specs`), so a wrong shape in the server or a hole in that validator shows up.
"""

from __future__ import annotations

import io
import json
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth1Auth
from jsonschema import Draft202012Validator
from PIL import Image
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pipeline.sandbox.http import Fault
from pipeline.sandbox.specs import load_openapi, request_schema, response_schema, validate_json
from pipeline.sandbox.x import XServer, hmac_sha1_signature, signature_base_string

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SPEC_PATH = SHARED / "fixtures" / "platforms" / "x_openapi_v2_posting_subset.json"
SPEC = json.loads(SPEC_PATH.read_text())
REGISTRY = Registry().with_resource("urn:x-openapi", Resource(contents=SPEC, specification=DRAFT202012))
RATE_HEADERS = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")


class Signer(httpx.Auth):
    """authlib's OAuth 1.0a signer on an httpx request.

    authlib 1.9's `OAuth1Auth` is an `httpx2.Auth` (httpx.Client refuses it) and, without
    `force_include_body=True`, sends JSON and multipart bodies empty (authlib issue #543); so the
    header it computes is what is borrowed here, exactly as the publisher must do it.
    """

    requires_request_body = True

    def __init__(self, consumer_secret: str = XServer.CONSUMER_SECRET, token_secret: str = XServer.ACCESS_TOKEN_SECRET) -> None:
        self.signer = OAuth1Auth(XServer.CONSUMER_KEY, consumer_secret, token=XServer.ACCESS_TOKEN,
                                 token_secret=token_secret, force_include_body=True)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        headers = httpx.Headers(request.headers)  # authlib looks up "Content-Type" case-sensitively in dicts
        _, headers, _ = self.signer.prepare(request.method, str(request.url), headers, request.content)
        request.headers["Authorization"] = headers["Authorization"]
        yield request


@pytest.fixture
def server() -> Iterator[XServer]:
    with XServer() as running:
        yield running  # type: ignore[misc]


@pytest.fixture
def client(server: XServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, auth=Signer(), timeout=5) as http:
        yield http


def schema_errors(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = Draft202012Validator({"$ref": "urn:x-openapi" + schema["$ref"]}, registry=REGISTRY)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def check(response: httpx.Response, method: str, path: str) -> dict[str, Any]:
    """The body of an answer, after proving it has the shape X's spec (or X's gateway) gives it."""
    body = response.json()
    if response.status_code != 401:
        assert all(name in response.headers for name in RATE_HEADERS), response.headers
    if response.status_code < 400:
        assert schema_errors(response_schema(SPEC, method, path, response.status_code), body) == []
    elif body.get("type") == "about:blank":  # gateway problems (401, 403, 429) sit outside the spec
        assert response.headers["content-type"].startswith("application/problem+json")
        assert body["status"] == response.status_code and body["title"] and body["detail"]
    else:
        problem = response_schema(SPEC, method, path, response.status_code, "application/problem+json")
        assert schema_errors(problem, body) == []
    return body


def png(width: int = 40, height: int = 30, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def upload(client: httpx.Client, data: bytes, media_type: str, category: str, chunk: int = 0) -> str:
    """The publisher's chunked upload: initialize, append segments, finalize; returns the media id."""
    init = client.post("/2/media/upload/initialize",
                       json={"media_type": media_type, "total_bytes": len(data), "media_category": category})
    media_id = check(init, "POST", "/2/media/upload/initialize")["data"]["id"]
    chunk = chunk or len(data)
    for index, start in enumerate(range(0, len(data), chunk)):
        reply = client.post(f"/2/media/upload/{media_id}/append",
                            files={"media": ("blob", data[start:start + chunk])}, data={"segment_index": str(index)})
        assert reply.status_code == 200, reply.text
        check(reply, "POST", "/2/media/upload/{id}/append")
    done = client.post(f"/2/media/upload/{media_id}/finalize")
    assert done.status_code == 200, done.text
    check(done, "POST", "/2/media/upload/{id}/finalize")
    return media_id


# -- OAuth 1.0a -----------------------------------------------------------------------------------
def test_signature_matches_the_worked_example_in_x_docs() -> None:
    params = [("include_entities", "true"), ("status", "Hello Ladies + Gentlemen, a signed OAuth request!"),
              ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"), ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
              ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", "1318622958"),
              ("oauth_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"), ("oauth_version", "1.0")]
    base = signature_base_string("post", "https://api.twitter.com/1.1/statuses/update.json", params)
    assert base.startswith("POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue")
    assert "%2520Ladies%2520%252B%2520Gentlemen%252C" in base
    signature = hmac_sha1_signature(base, "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
                                    "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")
    assert signature == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


def test_authlib_oauth1auth_itself_passes_when_it_keeps_the_body(server: XServer) -> None:
    httpx2 = pytest.importorskip("httpx2")
    kwargs = {"token": XServer.ACCESS_TOKEN, "token_secret": XServer.ACCESS_TOKEN_SECRET}
    with httpx2.Client(base_url=server.url, timeout=5) as http:
        keeping = OAuth1Auth(XServer.CONSUMER_KEY, XServer.CONSUMER_SECRET, force_include_body=True, **kwargs)
        assert http.post("/2/tweets", json={"text": "signed by authlib"}, auth=keeping).status_code == 201
        dropping = OAuth1Auth(XServer.CONSUMER_KEY, XServer.CONSUMER_SECRET, **kwargs)
        reply = http.post("/2/tweets", json={"text": "body lost on the way"}, auth=dropping)
    assert reply.status_code == 400  # signature fine, but authlib sent an empty body
    assert [p.text for p in server.posts] == ["signed by authlib"]


@pytest.mark.parametrize("auth", [None, Signer(consumer_secret="wrong"), Signer(token_secret="wrong")])
def test_unsigned_or_wrongly_signed_requests_get_401(server: XServer, auth: httpx.Auth | None) -> None:
    with httpx.Client(base_url=server.url, auth=auth, timeout=5) as http:
        reply = http.post("/2/tweets", json={"text": "hello"})
    assert reply.status_code == 401
    assert reply.json() == {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
    assert server.posts == []


def test_a_replayed_signature_is_refused(server: XServer, client: httpx.Client) -> None:
    first = client.post("/2/tweets", json={"text": "once"})
    assert first.status_code == 201
    sent = server.calls("POST", "/2/tweets")[0]
    replay = httpx.post(server.url + "/2/tweets", content=sent.body,
                        headers={"Authorization": sent.headers["authorization"], "Content-Type": "application/json"})
    assert replay.status_code == 401


def signed(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Request:
    """A request as the signer would send it, to replay or tamper with."""
    return next(client.auth.sync_auth_flow(client.build_request(method, url, **kwargs)))  # type: ignore[union-attr]


def test_form_bodies_query_strings_and_body_hashes_are_signed(server: XServer, client: httpx.Client) -> None:
    def send(request: httpx.Request, url: str, content: bytes) -> int:
        return httpx.request(request.method, server.url + url, content=content, headers=request.headers).status_code

    form = signed(client, "POST", "/2/media/metadata?x=1", data={"id": "1"})
    assert send(form, "/2/media/metadata?x=1", form.content) == 400  # authenticated, then refused: not JSON
    form = signed(client, "POST", "/2/media/metadata", data={"id": "1"})
    assert send(form, "/2/media/metadata", b"id=2") == 401
    query = signed(client, "GET", "/2/media/upload?media_id=1")
    assert send(query, "/2/media/upload?media_id=2", b"") == 401
    body = signed(client, "POST", "/2/tweets", json={"text": "asli"})
    assert "oauth_body_hash" in body.headers["authorization"]
    assert send(body, "/2/tweets", b'{"text":"lain"}') == 401  # same length, other bytes
    assert server.posts == []


# -- posting --------------------------------------------------------------------------------------
def test_text_post(server: XServer, client: httpx.Client) -> None:
    reply = client.post("/2/tweets", json={"text": "Halo Jawa Tengah! Cek DPT di https://cekdptonline.kpu.go.id"})
    assert reply.status_code == 201
    data = check(reply, "POST", "/2/tweets")["data"]
    assert data["edit_history_post_ids"] == [data["id"]]
    assert [(p.id, p.text, p.media_ids) for p in server.posts] == [(data["id"], data["text"], [])]
    assert XServer.post_url(data["id"]) == f"https://x.com/i/web/status/{data['id']}"
    assert int(reply.headers["x-rate-limit-remaining"]) == int(reply.headers["x-rate-limit-limit"]) - 1


def test_two_images_with_alt_text(server: XServer, client: httpx.Client) -> None:
    ids = [upload(client, png(), "image/png", "tweet_image"), upload(client, png(64, 48, "JPEG"), "image/jpeg", "tweet_image")]
    assert server.media[ids[1]].image == {"image_type": "image/jpeg", "w": 64, "h": 48}
    for media_id, alt in zip(ids, ("Poster jadwal pemilu", "Foto petugas KPPS")):
        reply = client.post("/2/media/metadata", json={"id": media_id, "metadata": {"alt_text": {"text": alt}}})
        assert check(reply, "POST", "/2/media/metadata")["data"]["id"] == media_id
    reply = client.post("/2/tweets", json={"text": "Dua gambar", "media": {"media_ids": ids}})
    assert reply.status_code == 201, reply.text
    check(reply, "POST", "/2/tweets")
    assert server.posts[0].media_ids == ids
    assert server.posts[0].alt_texts == ["Poster jadwal pemilu", "Foto petugas KPPS"]


def test_chunked_video_is_postable_only_after_processing_succeeds(server: XServer, client: httpx.Client) -> None:
    video = bytes(range(256)) * 4000  # 1 024 000 bytes in 3 segments
    media_id = upload(client, video, "video/mp4", "tweet_video", chunk=400_000)
    assert server.media[media_id].data == video
    early = client.post("/2/tweets", json={"text": "Video", "media": {"media_ids": [media_id]}})
    assert early.status_code == 400
    check(early, "POST", "/2/tweets")
    states = []
    for _ in range(5):
        reply = client.get("/2/media/upload", params={"media_id": media_id, "command": "STATUS"})
        info = check(reply, "GET", "/2/media/upload")["data"]["processing_info"]
        states.append(info["state"])
        if info["state"] == "succeeded":
            break
        assert info["check_after_secs"] >= 1
    assert states == ["in_progress", "succeeded"]
    reply = client.post("/2/tweets", json={"text": "Video", "media": {"media_ids": [media_id]}})
    assert reply.status_code == 201
    assert server.posts[0].media_ids == [media_id]


def test_failed_processing(server: XServer, client: httpx.Client) -> None:
    server.fail_processing()
    media_id = upload(client, b"\x00" * 1000, "video/mp4", "tweet_video")
    reply = client.get("/2/media/upload", params={"media_id": media_id, "command": "STATUS"})
    assert check(reply, "GET", "/2/media/upload")["data"]["processing_info"]["state"] == "failed"
    assert client.post("/2/tweets", json={"text": "x", "media": {"media_ids": [media_id]}}).status_code == 400


def test_duplicate_text_is_forbidden(server: XServer, client: httpx.Client) -> None:
    assert client.post("/2/tweets", json={"text": "sama"}).status_code == 201
    reply = client.post("/2/tweets", json={"text": "sama"})
    assert reply.status_code == 403
    assert check(reply, "POST", "/2/tweets")["detail"] == "You are not allowed to create a Tweet with duplicate content."
    assert len(server.posts) == 1


def test_length_is_weighted_like_twitter_text(server: XServer, client: httpx.Client) -> None:
    pytest.importorskip("pipeline.platforms.twitter_text")
    url = "https://example.com/" + "a" * 300  # counts 23
    assert client.post("/2/tweets", json={"text": url + " " + "b" * 256}).status_code == 201
    reply = client.post("/2/tweets", json={"text": "\U0001f600" * 141})  # emoji weigh 2: 282
    assert reply.status_code == 400
    assert "too long" in check(reply, "POST", "/2/tweets")["errors"][0]["message"]


# -- validation -----------------------------------------------------------------------------------
INVALID_POSTS = [
    ({"text": "x", "nullcast": False, "unknown": 1}, "unknown"),
    ({"text": "x", "media": {"media_ids": ["1", "2", "3", "4", "5"]}}, "more than 4"),
    ({"text": "x", "media": {"media_ids": ["12a"]}}, "does not match"),
    ({"text": "x", "reply_settings": "everyone"}, "everyone"),
    ({"text": 5}, "expected string"),
    ({}, "required unless media"),
    ({"text": "x", "media": {"media_ids": ["1234"]}}, "media IDs are invalid"),
]


@pytest.mark.parametrize(("body", "says"), INVALID_POSTS)
def test_invalid_posts_are_rejected(server: XServer, client: httpx.Client, body: dict[str, Any], says: str) -> None:
    reply = client.post("/2/tweets", json=body)
    assert reply.status_code == 400
    problem = check(reply, "POST", "/2/tweets")
    assert problem["type"] == "https://api.x.com/2/problems/invalid-request"
    assert says in json.dumps(problem["errors"])
    assert server.posts == []


def test_media_rules_on_posts(client: httpx.Client) -> None:
    image = upload(client, png(), "image/png", "tweet_image")
    init = client.post("/2/media/upload/initialize", json={"media_type": "image/png", "total_bytes": 10})
    unfinalized = init.json()["data"]["id"]
    video = upload(client, b"\x00" * 10, "video/mp4", "tweet_video")
    for _ in range(2):
        client.get("/2/media/upload", params={"media_id": video, "command": "STATUS"})
    for ids in ([unfinalized], [image, video]):  # not finalized; a video mixed with a photo
        reply = client.post("/2/tweets", json={"text": "x", "media": {"media_ids": ids}})
        assert reply.status_code == 400
        assert check(reply, "POST", "/2/tweets")["errors"][0]["parameters"] == {"media.media_ids": [ids[0]]}


def test_media_upload_validation(server: XServer, client: httpx.Client) -> None:
    def init(body: dict[str, Any]) -> httpx.Response:
        return client.post("/2/media/upload/initialize", json=body)

    for body in ({"media_type": "image/heic", "total_bytes": 1}, {"media_type": "image/png"},
                 {"media_type": "image/png", "total_bytes": 6 * 1024 * 1024, "media_category": "tweet_image"},
                 {"media_type": "video/mp4", "total_bytes": 5, "media_category": "tweet_image"},
                 {"media_type": "image/png", "total_bytes": 5, "colour": "red"}):
        reply = init(body)
        assert reply.status_code == 400, body
        check(reply, "POST", "/2/media/upload/initialize")
    media_id = init({"media_type": "video/mp4", "total_bytes": 6}).json()["data"]["id"]
    gap = client.post(f"/2/media/upload/{media_id}/append", files={"media": ("b", b"abc")}, data={"segment_index": "1"})
    assert gap.status_code == 400
    big_index = client.post(f"/2/media/upload/{media_id}/append", files={"media": ("b", b"a")},
                            data={"segment_index": "1000"})
    assert big_index.status_code == 400 and "greater than 999" in big_index.text
    ok = client.post(f"/2/media/upload/{media_id}/append", files={"media": ("b", b"abc")}, data={"segment_index": "0"})
    assert ok.status_code == 200
    short = client.post(f"/2/media/upload/{media_id}/finalize")
    assert short.status_code == 400 and "mismatch" in short.text
    check(short, "POST", "/2/media/upload/{id}/finalize")
    missing = client.post("/2/media/upload/1999/finalize")
    assert missing.status_code == 404
    check(missing, "POST", "/2/media/upload/{id}/finalize")
    no_id = client.get("/2/media/upload", params={"command": "STATUS"})
    assert no_id.status_code == 400
    bad_command = client.get("/2/media/upload", params={"media_id": media_id, "command": "INIT"})
    assert bad_command.status_code == 400
    check(bad_command, "GET", "/2/media/upload")


def test_alt_text_limits(client: httpx.Client) -> None:
    media_id = upload(client, png(), "image/png", "tweet_image")
    long = client.post("/2/media/metadata", json={"id": media_id, "metadata": {"alt_text": {"text": "a" * 1001}}})
    assert long.status_code == 400
    check(long, "POST", "/2/media/metadata")
    fits = client.post("/2/media/metadata", json={"id": media_id, "metadata": {"alt_text": {"text": "a" * 1000}}})
    assert fits.status_code == 200
    unknown = client.post("/2/media/metadata", json={"id": "42", "metadata": {"alt_text": {"text": "a"}}})
    assert unknown.status_code == 404
    check(unknown, "POST", "/2/media/metadata")


def test_users_me(client: httpx.Client) -> None:
    reply = client.get("/2/users/me")
    assert check(reply, "GET", "/2/users/me")["data"]["username"] == XServer.USERNAME


# -- rate limits and faults -----------------------------------------------------------------------
def test_exhausted_rate_limit(server: XServer, client: httpx.Client) -> None:
    server.exhaust_rate_limit("POST /2/tweets")
    reply = client.post("/2/tweets", json={"text": "terlalu cepat"})
    assert reply.status_code == 429
    assert reply.json() == {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                            "status": 429}
    assert reply.headers["x-rate-limit-remaining"] == "0" and int(reply.headers["x-rate-limit-reset"]) > 0
    check(reply, "POST", "/2/tweets")
    assert client.post("/2/media/upload/initialize", json={"media_type": "image/png", "total_bytes": 1}).status_code == 200
    server.reset_rate_limits()
    assert client.post("/2/tweets", json={"text": "terlalu cepat"}).status_code == 201


def test_the_limit_resets_when_the_window_ends() -> None:
    now = [1_700_000_000.0]
    with XServer(clock=lambda: now[0]) as server, httpx.Client(base_url=server.url, auth=Signer()) as http:
        server.exhaust_rate_limit()
        assert http.post("/2/tweets", json={"text": "a"}).status_code == 429
        now[0] += 15 * 60
        assert http.post("/2/tweets", json={"text": "a"}).status_code == 201


def test_faults(server: XServer, client: httpx.Client) -> None:
    server.inject(Fault(path="/2/tweets", status=503, body={"title": "Service Unavailable"}))
    assert client.post("/2/tweets", json={"text": "satu"}).status_code == 503
    server.inject(Fault(path="/2/tweets", delay=0.5))
    with pytest.raises(httpx.ReadTimeout):
        client.post("/2/tweets", json={"text": "dua"}, timeout=0.1)
    server.inject(Fault(path="/2/tweets", drop=True, apply=True))
    with pytest.raises(httpx.TransportError):
        client.post("/2/tweets", json={"text": "tiga"})
    assert [p.text for p in server.posts] == ["dua", "tiga"]  # the timed-out and the dropped one were made
    retry = client.post("/2/tweets", json={"text": "tiga"})  # a blind retry meets the duplicate rule
    assert retry.status_code == 403


# -- the shared spec validator agrees with jsonschema ----------------------------------------------
@pytest.mark.parametrize(("path", "body"), [
    ("/2/tweets", {"text": "x", "media": {"media_ids": ["1", "x"], "tagged_user_ids": []}, "poll": {}}),
    ("/2/tweets", {"text": "x", "reply": {"in_reply_to_tweet_id": "1"}, "geo": {"place_id": 3}}),
    ("/2/media/upload/initialize", {"media_type": "video/mp4", "total_bytes": -1, "shared": "yes"}),
    ("/2/media/metadata", {"id": "1", "metadata": {"alt_text": {}}}),
    ("/2/media/metadata", {"id": "1", "metadata": {"alt_text": {"text": "ok"}}}),
])
def test_specs_validator_agrees_with_jsonschema(path: str, body: dict[str, Any]) -> None:
    spec = load_openapi(SPEC_PATH.name)
    schema = request_schema(spec, "POST", path)
    ours = validate_json(schema, body, spec)
    assert bool(ours) == bool(schema_errors(schema, body)), ours
    assert len(ours) == len(schema_errors(schema, body))

