"""The YouTube imitation over a real socket, driven like googleapiclient's resumable upload drives YouTube.

Every Video resource returned is validated with jsonschema against the discovery document's
schemas (translated to JSON Schema here, closed to unknown fields), independent of the server's
own validator.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from jsonschema import Draft202012Validator

from pipeline.sandbox.http import Fault
from pipeline.sandbox.youtube import CHUNK, YouTubeServer, tags_length

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DISCOVERY = json.loads((SHARED / "fixtures" / "platforms" / "youtube_v3_discovery_upload_subset.json").read_text())
VIDEO = os.urandom(1_000_000)
METADATA = {"snippet": {"title": "Sosialisasi Pilkada 2024", "description": "Jadwal tahapan.", "tags": ["pemilu", "KPU Jateng"],
                        "categoryId": "25"},
            "status": {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": False}}


def _json_schema(node: Any) -> Any:
    """A discovery schema as JSON Schema: bare `$ref` names point into `$defs`; objects are closed."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k not in ("id", "annotations", "properties")}
    if "properties" in node:  # property names (one is "id") are kept; only the schemas are translated
        out["properties"] = {name: _json_schema(sub) for name, sub in node["properties"].items()}
    if "$ref" in node:
        return {"$ref": f"#/$defs/{node['$ref']}"}
    if node.get("type") == "any":
        out.pop("type")
    if node.get("format") in ("int64", "uint64"):
        out["type"] = ["string", "integer"]
    if "properties" in node and "additionalProperties" not in node:
        out["additionalProperties"] = False
    return out


VIDEO_SCHEMA = {"$ref": "#/$defs/Video", "$defs": {n: _json_schema(s) for n, s in DISCOVERY["schemas"].items()}}


def video_errors(resource: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(VIDEO_SCHEMA).iter_errors(resource)]


@pytest.fixture
def server() -> Iterator[YouTubeServer]:
    with YouTubeServer() as running:
        yield running  # type: ignore[misc]


@pytest.fixture
def token(server: YouTubeServer) -> str:
    reply = httpx.post(server.url + "/token", data={"grant_type": "refresh_token", "client_id": YouTubeServer.CLIENT_ID,
                                                    "client_secret": YouTubeServer.CLIENT_SECRET,
                                                    "refresh_token": YouTubeServer.REFRESH_TOKEN})
    assert reply.status_code == 200
    return reply.json()["access_token"]


@pytest.fixture
def client(server: YouTubeServer, token: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=5) as http:
        yield http


def open_session(client: httpx.Client, metadata: dict[str, Any] = METADATA, size: int = len(VIDEO),
                 part: str = "snippet,status", **headers: str) -> httpx.Response:
    return client.post("/upload/youtube/v3/videos", params={"uploadType": "resumable", "part": part}, json=metadata,
                       headers={"X-Upload-Content-Length": str(size), "X-Upload-Content-Type": "video/mp4", **headers})


def put(client: httpx.Client, session: str, data: bytes, first: int, total: int = len(VIDEO)) -> httpx.Response:
    return client.put(session, content=data, headers={
        "Content-Range": f"bytes {first}-{first + len(data) - 1}/{total}", "Content-Type": "video/mp4"})


def status_query(client: httpx.Client, session: str, total: int = len(VIDEO)) -> httpx.Response:
    return client.put(session, content=b"", headers={"Content-Range": f"bytes */{total}"})


def progress(reply: httpx.Response) -> int:
    """Bytes the server has, read from a 308 like googleapiclient/http.py does."""
    return int(reply.headers["range"].split("-")[1]) + 1 if "range" in reply.headers else 0


def upload_rest(client: httpx.Client, session: str, start: int) -> httpx.Response:
    offset, reply = start, None
    while True:
        reply = put(client, session, VIDEO[offset:offset + CHUNK], offset)
        if reply.status_code != 308:
            return reply
        offset = progress(reply)


def google_error(reply: httpx.Response, code: int, reason: str) -> dict[str, Any]:
    body = reply.json()["error"]
    assert reply.status_code == code == body["code"], reply.text
    assert body["errors"][0]["reason"] == reason and body["errors"][0]["domain"] and body["message"]
    return body


# -- token endpoint -------------------------------------------------------------------------------
def test_token_refresh(server: YouTubeServer, token: str) -> None:
    assert token.startswith("ya29.") and token in server.tokens
    form = {"grant_type": "refresh_token", "client_id": YouTubeServer.CLIENT_ID,
            "client_secret": YouTubeServer.CLIENT_SECRET, "refresh_token": YouTubeServer.REFRESH_TOKEN}
    body = httpx.post(server.url + "/token", data=form).json()
    assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
    assert (body["expires_in"], body["token_type"], body["scope"]) == (3599, "Bearer", YouTubeServer.SCOPE)
    bad = httpx.post(server.url + "/token", data={**form, "refresh_token": "1//stale"})
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid_grant",
                                                   "error_description": "Token has been expired or revoked."})
    assert httpx.post(server.url + "/token", data={**form, "client_secret": "x"}).json()["error"] == "invalid_client"
    server.revoke_refresh_token()
    assert httpx.post(server.url + "/token", data=form).json()["error"] == "invalid_grant"


# -- resumable upload -----------------------------------------------------------------------------
def test_resumable_upload_in_256_kib_chunks(server: YouTubeServer, client: httpx.Client) -> None:
    opened = open_session(client)
    assert opened.status_code == 200 and opened.content == b""
    session = opened.headers["location"]
    assert urlsplit(session).netloc == urlsplit(server.url).netloc and "upload_id=" in session
    assert progress(status_query(client, session)) == 0
    offsets = []
    offset = 0
    while True:
        reply = put(client, session, VIDEO[offset:offset + CHUNK], offset)
        if reply.status_code != 308:
            break
        offset = progress(reply)
        offsets.append(offset)
    assert offsets == [CHUNK, 2 * CHUNK, 3 * CHUNK]
    assert reply.status_code == 200
    resource = reply.json()
    assert video_errors(resource) == []
    assert resource["status"]["uploadStatus"] == "uploaded" and resource["status"]["privacyStatus"] == "unlisted"
    assert resource["snippet"]["title"] == METADATA["snippet"]["title"]
    [video] = server.videos
    assert (video.id, video.size, video.sha256) == (resource["id"], len(VIDEO), hashlib.sha256(VIDEO).hexdigest())
    assert YouTubeServer.watch_url(video.id) == f"https://www.youtube.com/watch?v={video.id}"
    again = status_query(client, session)  # a completed session answers with the video again
    assert again.status_code == 200 and again.json()["id"] == video.id
    assert len(server.videos) == 1


def test_only_requested_parts_come_back_and_privacy_defaults_to_public(client: httpx.Client) -> None:
    session = open_session(client, {"snippet": {"title": "Tanpa status"}}, size=10, part="snippet").headers["location"]
    resource = put(client, session, b"0123456789", 0, total=10).json()
    assert video_errors(resource) == [] and "status" not in resource
    session = open_session(client, {"snippet": {"title": "Publik"}}, size=1).headers["location"]
    assert put(client, session, b"x", 0, total=1).json()["status"]["privacyStatus"] == "public"


def test_non_final_chunks_must_be_multiples_of_256_kib(server: YouTubeServer, client: httpx.Client) -> None:
    session = open_session(client).headers["location"]
    google_error(put(client, session, VIDEO[:100_000], 0), 400, "badRequest")
    google_error(put(client, session, VIDEO[CHUNK:2 * CHUNK], CHUNK), 400, "badRequest")  # a gap
    assert progress(status_query(client, session)) == 0
    assert upload_rest(client, session, 0).status_code == 200


def test_resume_after_a_connection_dropped_mid_chunk(server: YouTubeServer, client: httpx.Client) -> None:
    session = open_session(client).headers["location"]
    assert progress(put(client, session, VIDEO[:CHUNK], 0)) == CHUNK
    target = urlsplit(session)
    chunk = VIDEO[CHUNK:3 * CHUNK]
    with socket.create_connection((target.hostname, target.port)) as raw:
        raw.sendall((f"PUT {target.path}?{target.query} HTTP/1.1\r\nHost: {target.netloc}\r\n"
                     f"Content-Length: {len(chunk)}\r\nContent-Range: bytes {CHUNK}-{3 * CHUNK - 1}/{len(VIDEO)}\r\n"
                     "\r\n").encode() + chunk[:CHUNK + 1000])
        raw.shutdown(socket.SHUT_WR)  # the client dies 1000 bytes into the chunk's second block
        raw.recv(65536)
    reply = status_query(client, session)
    assert reply.status_code == 308 and progress(reply) == 2 * CHUNK  # only whole blocks that arrived
    assert upload_rest(client, session, progress(reply)).status_code == 200
    assert server.videos[0].sha256 == hashlib.sha256(VIDEO).hexdigest()


def test_drop_mid_chunk_control_for_httpx_clients(server: YouTubeServer, client: httpx.Client) -> None:
    session = open_session(client).headers["location"]
    server.drop_mid_chunk(received=CHUNK // 2)
    with pytest.raises(httpx.TransportError):
        put(client, session, VIDEO[:2 * CHUNK], 0)
    assert progress(status_query(client, session)) == 0
    server.drop_mid_chunk(received=CHUNK + 5)
    with pytest.raises(httpx.TransportError):
        put(client, session, VIDEO[:2 * CHUNK], 0)
    assert progress(status_query(client, session)) == CHUNK
    assert upload_rest(client, session, CHUNK).status_code == 200
    assert server.videos[0].size == len(VIDEO) and server.videos[0].sha256 == hashlib.sha256(VIDEO).hexdigest()


def test_resent_bytes_are_not_stored_twice(server: YouTubeServer, client: httpx.Client) -> None:
    session = open_session(client).headers["location"]
    put(client, session, VIDEO[:CHUNK], 0)
    assert progress(put(client, session, VIDEO[:2 * CHUNK], 0)) == 2 * CHUNK  # the client re-sent block 0
    assert upload_rest(client, session, 2 * CHUNK).status_code == 200
    assert server.videos[0].sha256 == hashlib.sha256(VIDEO).hexdigest()


def test_expired_session_is_404(server: YouTubeServer, client: httpx.Client) -> None:
    session = open_session(client).headers["location"]
    put(client, session, VIDEO[:CHUNK], 0)
    server.expire_session()
    google_error(status_query(client, session), 404, "notFound")
    google_error(put(client, session, VIDEO[CHUNK:2 * CHUNK], CHUNK), 404, "notFound")


def test_faults_on_chunks_leave_the_session_resumable(server: YouTubeServer, client: httpx.Client) -> None:
    session = open_session(client).headers["location"]
    server.inject(Fault(method="PUT", status=503, body={"error": {"code": 503, "message": "Backend Error"}}))
    assert put(client, session, VIDEO[:CHUNK], 0).status_code == 503
    server.inject(Fault(method="PUT", delay=0.5, apply=True))
    with pytest.raises(httpx.ReadTimeout):
        client.put(session, content=VIDEO[:CHUNK], timeout=0.1,
                   headers={"Content-Range": f"bytes 0-{CHUNK - 1}/{len(VIDEO)}"})
    assert progress(status_query(client, session)) == CHUNK  # the timed-out chunk did arrive
    assert upload_rest(client, session, CHUNK).status_code == 200


# -- validation and errors ------------------------------------------------------------------------
def with_snippet(**changes: Any) -> dict[str, Any]:
    return {**METADATA, "snippet": {**METADATA["snippet"], **changes}}


@pytest.mark.parametrize(("metadata", "reason"), [
    ({"status": {"privacyStatus": "private"}}, "invalidTitle"),
    (with_snippet(title="  "), "invalidTitle"),
    (with_snippet(title="a" * 101), "invalidTitle"),
    (with_snippet(title="Pemilu <2024>"), "invalidTitle"),
    (with_snippet(description="é" * 2501), "invalidDescription"),  # 5002 bytes in 2501 characters
    (with_snippet(tags=["Foo Baz"] * 51), "invalidTags"),  # 407 characters, but 509 counted with the quotes
    (with_snippet(categoryId="99"), "invalidCategoryId"),
    ({**METADATA, "status": {"privacyStatus": "secret"}}, "invalid"),
    ({**METADATA, "statistics": {"viewCount": "1"}, "colour": "red"}, "invalid"),
    (with_snippet(tags="pemilu"), "invalid"),
    ({**METADATA, "status": {"privacyStatus": "public", "publishAt": "2099-01-01T00:00:00Z"}}, "invalidPublishAt"),
])
def test_invalid_metadata(server: YouTubeServer, client: httpx.Client, metadata: dict[str, Any], reason: str) -> None:
    google_error(open_session(client, metadata), 400, reason)
    assert server.sessions == {}


def test_limits_that_just_fit(client: httpx.Client) -> None:
    fits = with_snippet(title="a" * 100, description="é" * 2500, tags=["Foo Baz"] * 50)
    assert tags_length(["Foo Baz"] * 50) == 50 * 9 + 49
    assert open_session(client, fits).status_code == 200


def test_tag_counting_follows_the_docs() -> None:
    assert tags_length(["Foo-Baz"]) == 7 and tags_length(["Foo Baz"]) == 9
    assert tags_length(["a", "b c"]) == 1 + 1 + 5 and tags_length([]) == 0
    assert tags_length(["x" * 250, "y" * 249]) == 500


def test_tags_over_500(client: httpx.Client) -> None:
    google_error(open_session(client, with_snippet(tags=["x" * 250, "y" * 250])), 400, "invalidTags")


@pytest.mark.parametrize(("params", "reason"), [
    ({"uploadType": "resumable", "part": "snippet,secrets"}, "unknownPart"),
    ({"uploadType": "resumable"}, "required"),
    ({"uploadType": "multipart", "part": "snippet"}, "badRequest"),
    ({"uploadType": "resumable", "part": "snippet", "notifySubscribers": "maybe"}, "invalidParameter"),
    ({"uploadType": "resumable", "part": "snippet", "colour": "red"}, "badRequest"),
])
def test_invalid_query(client: httpx.Client, params: dict[str, str], reason: str) -> None:
    reply = client.post("/upload/youtube/v3/videos", params=params, json=METADATA,
                        headers={"X-Upload-Content-Length": "10", "X-Upload-Content-Type": "video/mp4"})
    google_error(reply, 400, reason)


def test_media_type_must_be_video(client: httpx.Client) -> None:
    google_error(open_session(client, **{"X-Upload-Content-Type": "image/png"}), 400, "badContent")


def test_bad_or_expired_token_is_401(server: YouTubeServer, client: httpx.Client) -> None:
    reply = open_session(client, Authorization="Bearer ya29.forged")
    body = google_error(reply, 401, "authError")
    assert body["errors"][0]["message"] == "Invalid Credentials" and "invalid_token" in reply.headers["www-authenticate"]
    server.expire_tokens()
    google_error(open_session(client), 401, "authError")


def test_token_expires_after_an_hour() -> None:
    now = [1_700_000_000.0]
    with YouTubeServer(clock=lambda: now[0]) as server:
        form = {"grant_type": "refresh_token", "client_id": server.client_id, "client_secret": server.client_secret,
                "refresh_token": server.refresh_token}
        token = httpx.post(server.url + "/token", data=form).json()["access_token"]
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as http:
            assert open_session(http).status_code == 200
            now[0] += 3599
            google_error(open_session(http), 401, "authError")


def test_quota_and_upload_limits(server: YouTubeServer, client: httpx.Client) -> None:
    server.exhaust_quota()
    body = google_error(open_session(client), 403, "quotaExceeded")
    assert body["errors"][0]["domain"] == "youtube.quota"
    server.exhaust_upload_limit()
    assert "Video Uploads per day" in google_error(open_session(client), 429, "rateLimitExceeded")["message"]
    server.restore_quota()
    assert open_session(client).status_code == 200
