"""A faithful local imitation of YouTube's resumable `videos.insert` and Google's token endpoint.

What the publisher does against Google is imitated step by step (the resumable-upload guide and
googleapiclient/http.py): refresh an access token at `POST /token`; open an upload session with
`POST /upload/youtube/v3/videos?uploadType=resumable&part=...` and the Video resource as JSON
(answered with 200 and a `Location` session URI on this server); `PUT` the bytes in chunks with
`Content-Range` (non-final chunks multiples of 256 KiB, each answered `308` with
`Range: bytes=0-N`); ask where an interrupted upload stands with `Content-Range: bytes */TOTAL`.

The Video body is validated against the discovery document (`youtube_v3_discovery_upload_subset.
json`; unknown fields rejected like Google's "Cannot find field") and against the documented
metadata limits; errors come in Google's `{"error": {"code", "message", "errors": [...]}}` shape.
A connection dropped in the middle of a chunk leaves the session with only what was received
(rounded down to 256 KiB, as Google persists whole blocks): the status query tells the truth.
Watch URLs for people: `https://www.youtube.com/watch?v={id}` (`YouTubeServer.watch_url`).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar
from urllib.parse import urlencode

from pipeline.sandbox.http import FakeServer, Fault, Request, Response, route
from pipeline.sandbox.specs import optional_spec, validate_json

__all__ = ["Session", "UploadedVideo", "YouTubeError", "YouTubeServer", "tags_length"]

SPEC_FILE = "youtube_v3_discovery_upload_subset.json"
CHUNK = 256 * 1024  # resumable chunks (but the last) are multiples of this
TOKEN_LIFETIME = 3599
UPLOAD_PATHS = ("/upload/youtube/v3/videos", "/resumable/upload/youtube/v3/videos")
# assignable video categories (videoCategories.list, regionCode=ID): the only valid snippet.categoryId values
CATEGORIES = frozenset({"1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26", "27", "28", "29"})
_QUOTA_MESSAGE = ('The request cannot be completed because you have exceeded your '
                  '<a href="/youtube/v3/getting-started#quota">quota</a>.')
_UPLOADS_MESSAGE = ("Quota exceeded for quota metric 'Video Uploads' and limit 'Video Uploads per day' of service "
                    "'youtube.googleapis.com' for consumer 'project_number:100000000001'.")
_AUTH_MESSAGE = ("Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
                 "other valid authentication credential. See "
                 "https://developers.google.com/identity/sign-in/web/devconsole-project.")


def tags_length(tags: list[str]) -> int:
    """How YouTube counts `snippet.tags` against its 500-character limit.

    The videos resource docs: commas between items count, and a tag that contains a space counts
    as if wrapped in quotes ("Foo-Baz" is 7 characters, "Foo Baz" is 9).
    """
    return len(",".join(f'"{tag}"' if " " in tag else tag for tag in tags))


class YouTubeError(Exception):
    """An error Google answers with, in its JSON error shape."""

    def __init__(self, code: int, reason: str, message: str, domain: str = "youtube.video", **extra: str) -> None:
        super().__init__(f"{code} {reason}: {message}")
        self.code, self.reason, self.message, self.domain, self.extra = code, reason, message, domain, extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message,
                          "errors": [{"message": self.message, "domain": self.domain, "reason": self.reason,
                                      **self.extra}]}}


def _refuse(status: int, error: str, description: str) -> Response:
    """An OAuth 2.0 token-endpoint error (RFC 6749 section 5.2), as Google words them."""
    return Response(status, {"error": error, "error_description": description})


def _bad_request(reason: str, message: str, domain: str = "youtube.video", **extra: str) -> YouTubeError:
    return YouTubeError(400, reason, message, domain, **extra)


@dataclass
class Session:
    """One resumable upload session: the metadata it was opened with and the bytes persisted."""

    id: str
    video: dict[str, Any]
    parts: list[str]
    total: int | None
    content_type: str
    received: bytearray = field(default_factory=bytearray)
    expired: bool = False
    result: dict[str, Any] | None = None


@dataclass
class UploadedVideo:
    """A video whose upload completed: the resource YouTube returned and what it received."""

    id: str
    resource: dict[str, Any]
    size: int
    sha256: str
    session_id: str

    @property
    def title(self) -> str:
        return str(self.resource.get("snippet", {}).get("title", ""))

    @property
    def privacy_status(self) -> str | None:
        return self.resource.get("status", {}).get("privacyStatus")


class YouTubeServer(FakeServer):
    """youtube.googleapis.com (resumable uploads) plus oauth2.googleapis.com/token, for one channel."""

    name = "youtube"
    CLIENT_ID: ClassVar[str] = "100000000001-sandbox.apps.googleusercontent.com"
    CLIENT_SECRET: ClassVar[str] = "GOCSPX-sandbox-client-secret"
    REFRESH_TOKEN: ClassVar[str] = "1//0sandbox-refresh-token"
    SCOPE: ClassVar[str] = "https://www.googleapis.com/auth/youtube.upload"
    CHANNEL_ID: ClassVar[str] = "UCsandboxKPUJatengChannel"
    CHANNEL_TITLE: ClassVar[str] = "KPU Provinsi Jawa Tengah"
    WATCH_URL: ClassVar[str] = "https://www.youtube.com/watch?v={id}"

    def __init__(
        self,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        refresh_token: str = REFRESH_TOKEN,
        *,
        clock: Callable[[], float] = time.time,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.client_id, self.client_secret, self.refresh_token = client_id, client_secret, refresh_token
        self.clock = clock
        self.spec = optional_spec(SPEC_FILE)  # None: requests go unchecked (see `optional_spec`)
        self.method = self.spec["resources"]["videos"]["methods"]["insert"] if self.spec else None
        self.tokens: dict[str, float] = {}  # access token -> expiry epoch
        self.sessions: dict[str, Session] = {}
        self.videos: list[UploadedVideo] = []
        self._refusal: YouTubeError | None = None
        self._cut: int | None = None
        self._numbers = itertools.count(1)

    # -- control API ------------------------------------------------------------------------------
    @classmethod
    def watch_url(cls, video_id: str) -> str:
        """Where people watch a video: the URL convention the publisher records."""
        return cls.WATCH_URL.format(id=video_id)

    def expire_session(self, session_id: str | None = None) -> None:
        """Expire one upload session (default: every open one): its URI answers 404 from now on."""
        with self.lock:
            for session in self.sessions.values():
                if session_id in (None, session.id):
                    session.expired = True

    def expire_tokens(self) -> None:
        """Make every access token issued so far invalid, as if an hour had passed."""
        with self.lock:
            self.tokens.clear()

    def revoke_refresh_token(self) -> None:
        """The user (or Google's 7-day testing rule) revoked the refresh token: refreshes get invalid_grant."""
        with self.lock:
            self.refresh_token = ""

    def exhaust_quota(self) -> None:
        """From now on session requests get 403 quotaExceeded (daily quota used up)."""
        self._refusal = YouTubeError(403, "quotaExceeded", _QUOTA_MESSAGE, "youtube.quota")

    def exhaust_upload_limit(self) -> None:
        """From now on session requests get 429 rateLimitExceeded ("Video Uploads per day")."""
        self._refusal = YouTubeError(429, "rateLimitExceeded", _UPLOADS_MESSAGE, "global")

    def restore_quota(self) -> None:
        self._refusal = None

    def drop_mid_chunk(self, received: int) -> Fault:
        """The next chunk PUT loses its connection after `received` bytes of its body arrived."""
        with self.lock:
            self._cut = received
        return self.inject(Fault(method="PUT", path=r"/upload/youtube/v3/videos$", drop=True, apply=True))

    def received(self, session_id: str) -> int:
        """How many bytes a session has persisted."""
        with self.lock:
            return len(self.sessions[session_id].received)

    # -- plumbing ---------------------------------------------------------------------------------
    def not_found(self, request: Request) -> Response:
        return self._error(YouTubeError(404, "notFound", "Not Found", "global"))

    def _error(self, error: YouTubeError, headers: dict[str, str] | None = None) -> Response:
        return Response(error.code, error.body(), {"Content-Type": "application/json; charset=UTF-8", **(headers or {})})

    def _authorize(self, request: Request) -> None:
        header = request.header("authorization") or ""
        token = header[7:] if header.lower().startswith("bearer ") else request.arg("access_token")
        expiry = self.tokens.get(token or "")
        if expiry is None or expiry <= self.clock():
            raise YouTubeError(401, "authError", "Invalid Credentials", "global",
                               location="Authorization", locationType="header")

    # -- OAuth token endpoint ---------------------------------------------------------------------
    @route("POST", "/token")
    def token(self, request: Request) -> Response:
        form = request.form() if request.body else {}
        if form.get("grant_type") != "refresh_token":
            return _refuse(400, "unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}")
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return _refuse(401, "invalid_client", "The OAuth client was not found.")
        if not form.get("refresh_token"):
            return _refuse(400, "invalid_request", "Missing required parameter: refresh_token")
        if form["refresh_token"] != self.refresh_token:
            return _refuse(400, "invalid_grant", "Token has been expired or revoked.")
        token = "ya29.sandbox-" + secrets.token_urlsafe(24)
        self.tokens[token] = self.clock() + TOKEN_LIFETIME
        return Response(200, {"access_token": token, "expires_in": TOKEN_LIFETIME, "scope": self.SCOPE,
                              "token_type": "Bearer"})

    # -- resumable videos.insert ------------------------------------------------------------------
    @route("POST", UPLOAD_PATHS[0])
    def insert(self, request: Request) -> Response:
        return self._open_session(request)

    @route("POST", UPLOAD_PATHS[1])
    def insert_resumable_path(self, request: Request) -> Response:
        return self._open_session(request)

    @route("PUT", UPLOAD_PATHS[0])
    def upload(self, request: Request) -> Response:
        return self._put(request)

    @route("PUT", UPLOAD_PATHS[1])
    def upload_resumable_path(self, request: Request) -> Response:
        return self._put(request)

    def _open_session(self, request: Request) -> Response:
        try:
            self._authorize(request)
            parts = self._check_query(request)
            if self._refusal is not None:
                raise self._refusal
            total, content_type = self._check_upload_headers(request)
            video = self._check_video(request)
        except YouTubeError as error:
            headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'}
            return self._error(error, headers if error.code == 401 else None)
        session = Session(secrets.token_urlsafe(32), video, parts, total, content_type)
        self.sessions[session.id] = session
        host = request.header("host") or self.url.removeprefix("http://")
        query = urlencode({"uploadType": "resumable", "part": ",".join(parts), "upload_id": session.id})
        return Response(200, b"", {"Location": f"http://{host}{request.path}?{query}",
                                   "X-GUploader-UploadID": session.id})

    def _check_query(self, request: Request) -> list[str]:
        """Query parameters as the discovery document declares them; returns the requested parts."""
        known = {**self.spec["parameters"], **self.method["parameters"]} if self.spec and self.method else {}
        for name, values in request.query.items() if known else ():
            if name not in known:
                raise _bad_request("badRequest", f'Invalid JSON payload received. Unknown name "{name}": '
                                   "Cannot bind query parameter.", "global")
            if known[name].get("type") == "boolean" and values[0] not in ("true", "false"):
                raise _bad_request("invalidParameter", f"Invalid boolean value: '{values[0]}'.", "global",
                                   location=name, locationType="parameter")
        if request.arg("uploadType") != "resumable":
            raise _bad_request("badRequest", "This imitation supports only uploadType=resumable.", "global")
        parts = [p.strip() for value in request.query.get("part", []) for p in value.split(",") if p.strip()]
        if not parts:
            raise _bad_request("required", "Required parameter: part", "global", location="part",
                               locationType="parameter")
        properties = self.spec["schemas"]["Video"]["properties"] if self.spec else {p: {} for p in parts}
        for part in parts:
            if part not in properties or part in ("etag", "id", "kind"):
                raise _bad_request("unknownPart", part, "youtube.part", location="part", locationType="parameter")
        return parts

    def _check_upload_headers(self, request: Request) -> tuple[int | None, str]:
        upload = self.method["mediaUpload"] if self.method else {"maxSize": 2**42, "accept": ["video/*", "application/octet-stream"]}
        length = request.header("x-upload-content-length")
        if length is not None and (not length.isdigit() or int(length) > int(upload["maxSize"])):
            raise _bad_request("badRequest", f"Invalid X-Upload-Content-Length: {length}", "global")
        content_type = request.header("x-upload-content-type") or "application/octet-stream"
        accept = upload["accept"]
        if not any(content_type == a or (a.endswith("/*") and content_type.startswith(a[:-1])) for a in accept):
            raise _bad_request("badContent", f"Media type '{content_type}' is not supported. "
                               f"Valid media types: [{', '.join(accept)}]", "global")
        return (int(length) if length is not None else None), content_type

    def _check_video(self, request: Request) -> dict[str, Any]:
        """The Video resource of the request, valid per the discovery schema and YouTube's limits."""
        try:
            video = request.json() if request.body else {}
        except ValueError:
            raise _bad_request("parseError", "Parse Error", "global") from None
        errors = validate_json(self.method["request"], video, self.spec, closed=True) if self.spec and self.method else []
        if errors:
            raise _bad_request("invalid", f"Invalid JSON payload received. {errors[0]}", "global")
        snippet, status = video.get("snippet", {}), video.get("status", {})
        title = snippet.get("title", "")
        if not title.strip() or len(title) > 100 or re.search("[<>]", title):
            raise _bad_request("invalidTitle", "The request metadata specifies an invalid or empty video title.")
        description = snippet.get("description", "")
        if len(description.encode()) > 5000 or re.search("[<>]", description):
            raise _bad_request("invalidDescription", "The request metadata specifies an invalid video description.")
        tags = snippet.get("tags", [])
        if tags_length(tags) > 500 or any(re.search("[<>]", t) for t in tags):
            raise _bad_request("invalidTags", "The request metadata specifies invalid video keywords.")
        if "categoryId" in snippet and snippet["categoryId"] not in CATEGORIES:
            raise _bad_request("invalidCategoryId", "The snippet.categoryId property specifies an invalid category ID.")
        if "publishAt" in status:
            moment = datetime.fromisoformat(status["publishAt"])
            if status.get("privacyStatus") != "private" or moment.timestamp() <= self.clock():
                raise _bad_request("invalidPublishAt", "The request metadata specifies an invalid scheduled publishing time.")
        return video

    def _put(self, request: Request) -> Response:
        session = self.sessions.get(request.arg("upload_id") or "")
        if session is None or session.expired:
            return self._error(YouTubeError(404, "notFound", "Not Found", "global"))
        try:
            return self._receive(session, request)
        except YouTubeError as error:
            return self._error(error)

    def _receive(self, session: Session, request: Request) -> Response:
        body = request.body
        cut, self._cut = self._cut, None
        if cut is not None:
            body = body[:cut]
        truncated = len(body) < int(request.header("content-length") or 0) or cut is not None
        spec = request.header("content-range") or (f"bytes 0-{len(body) - 1}/{len(body)}" if body else "")
        match = re.fullmatch(r"bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)", spec.strip())
        if match is None:
            raise _bad_request("badRequest", f"Failed to parse Content-Range header: {spec!r}", "global")
        first, last, total_text = match.groups()
        total = session.total if total_text == "*" else int(total_text)
        if total is not None and session.total is not None and total != session.total:
            raise _bad_request("badRequest", f"Content-Range total {total} does not match X-Upload-Content-Length "
                               f"{session.total}.", "global")
        if first is not None and session.result is None:
            if truncated:  # keep the whole 256 KiB blocks that really arrived
                blocks = body[: len(body) - len(body) % CHUNK]
                have = len(session.received)
                if int(first) <= have < int(first) + len(blocks):
                    session.received += blocks[have - int(first):]
            else:
                self._append(session, int(first), int(last), total, body)
        if session.result is None and total is not None and len(session.received) == total:
            session.result = self._finish(session)
        if session.result is not None:
            return Response(200, session.result)
        headers = {"Range": f"bytes=0-{len(session.received) - 1}"} if session.received else {}
        return Response(308, b"", headers)

    def _append(self, session: Session, first: int, last: int, total: int | None, body: bytes) -> None:
        have = len(session.received)
        if last < first or len(body) != last - first + 1:
            raise _bad_request("badRequest", "Content-Range does not match the length of the body.", "global")
        if total is not None and last >= total:
            raise _bad_request("badRequest", f"Content-Range end {last} is beyond the total {total}.", "global")
        if first > have:
            raise _bad_request("badRequest", f"Content-Range starts at {first} but only {have} bytes were received.",
                               "global")
        final = total is not None and last + 1 == total
        if not final and len(body) % CHUNK:
            raise _bad_request("badRequest", f"Invalid chunk size {len(body)}: every chunk but the last must be a "
                               f"multiple of {CHUNK} bytes.", "global")
        session.received += body[have - first:]  # bytes the server already has are not stored twice

    def _finish(self, session: Session) -> dict[str, Any]:
        """The Video resource videos.insert returns once every byte arrived."""
        number = next(self._numbers)
        video_id = base64.urlsafe_b64encode(hashlib.sha256(f"{session.id}{number}".encode()).digest())[:11].decode()
        now = datetime.fromtimestamp(self.clock(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        sent = session.video
        resource: dict[str, Any] = {"kind": "youtube#video", "etag": secrets.token_urlsafe(20), "id": video_id}
        if "snippet" in session.parts:
            snippet = {k: v for k, v in sent.get("snippet", {}).items()
                       if k in ("title", "description", "tags", "categoryId", "defaultLanguage", "defaultAudioLanguage")}
            snippet.setdefault("description", "")
            snippet.setdefault("categoryId", "22")
            thumbs = {size: {"url": f"https://i.ytimg.com/vi/{video_id}/{name}.jpg", "width": w, "height": h}
                      for size, name, w, h in (("default", "default", 120, 90), ("medium", "mqdefault", 320, 180),
                                               ("high", "hqdefault", 480, 360))}
            resource["snippet"] = {"publishedAt": now, "channelId": self.CHANNEL_ID, **snippet, "thumbnails": thumbs,
                                   "channelTitle": self.CHANNEL_TITLE, "liveBroadcastContent": "none",
                                   "localized": {"title": snippet["title"], "description": snippet["description"]}}
        if "status" in session.parts:
            status = sent.get("status", {})
            resource["status"] = {"uploadStatus": "uploaded", "privacyStatus": status.get("privacyStatus", "public"),
                                  "license": status.get("license", "youtube"),
                                  "embeddable": status.get("embeddable", True),
                                  "publicStatsViewable": status.get("publicStatsViewable", True),
                                  **{k: status[k] for k in ("publishAt", "selfDeclaredMadeForKids",
                                                            "containsSyntheticMedia") if k in status}}
            if "selfDeclaredMadeForKids" in status:
                resource["status"]["madeForKids"] = status["selfDeclaredMadeForKids"]
        data = bytes(session.received)
        self.videos.append(UploadedVideo(video_id, resource, len(data), hashlib.sha256(data).hexdigest(), session.id))
        return resource
