"""A faithful local imitation of TikTok's Content Posting API (Direct Post of videos and photos).

TikTok publishes no machine-readable spec, so the request shapes and rules below follow the
official pages summarised in `shared/fixtures/platforms/API-NOTES.md`: the `{"data", "error":
{"code", "message", "log_id"}}` envelope with its HTTP statuses, rotating refresh tokens, the chunk
rules of FILE_UPLOAD, sequential `PUT`s answered 206/201, status polling with TikTok's own spelling
`publicaly_available_post_id`, and photos pulled from verified URL prefixes (JPEG/WEBP only).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlencode

from PIL import Image, UnidentifiedImageError

from pipeline.sandbox.http import FakeServer, Request, Response, route
from pipeline.sandbox.meta import FetchError, fetch_media

__all__ = ["TikTokError", "TikTokServer", "utf16_units"]

MB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK, MAX_CHUNKS = 5 * MB, 64 * MB, 1000
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")
PHOTO_LIMIT = 20 * MB
PRIVACY_LEVELS = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]


def utf16_units(text: str) -> int:
    """TikTok counts caption length in UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _log_id() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()


@dataclass
class TikTokError(Exception):
    """An error in TikTok's envelope, with the HTTP status TikTok documents for its code."""

    status: int
    code: str
    message: str


def _invalid(message: str) -> TikTokError:
    return TikTokError(400, "invalid_params", message)


# -- request bodies: JSON-Schema-like descriptions of what API-NOTES documents -------------------
BOOL, INT, STR = {"type": "boolean"}, {"type": "integer"}, {"type": "string"}
VIDEO_POST_INFO = {"type": "object", "required": ["privacy_level"], "properties": {
    "title": {"type": "string", "maxUtf16": 2200}, "privacy_level": STR, "disable_duet": BOOL,
    "disable_comment": BOOL, "disable_stitch": BOOL, "video_cover_timestamp_ms": INT,
    "brand_content_toggle": BOOL, "brand_organic_toggle": BOOL, "is_aigc": BOOL}}
VIDEO_INIT = {"type": "object", "required": ["post_info", "source_info"], "properties": {
    "post_info": VIDEO_POST_INFO,
    "source_info": {"type": "object", "required": ["source"], "properties": {
        "source": {"type": "string", "enum": ["FILE_UPLOAD", "PULL_FROM_URL"]},
        "video_size": INT, "chunk_size": INT, "total_chunk_count": INT, "video_url": STR}}}}
PHOTO_INIT = {"type": "object", "required": ["media_type", "post_mode", "post_info", "source_info"],
              "properties": {
    "media_type": {"type": "string", "enum": ["PHOTO"]},
    "post_mode": {"type": "string", "enum": ["DIRECT_POST", "MEDIA_UPLOAD"]},
    "post_info": {"type": "object", "properties": {
        "title": {"type": "string", "maxUtf16": 90}, "description": {"type": "string", "maxUtf16": 4000},
        "privacy_level": STR, "disable_comment": BOOL, "auto_add_music": BOOL,
        "brand_content_toggle": BOOL, "brand_organic_toggle": BOOL}},
    "source_info": {"type": "object", "required": ["source", "photo_images"], "properties": {
        "source": {"type": "string", "enum": ["PULL_FROM_URL"]}, "photo_cover_index": INT,
        "photo_images": {"type": "array", "items": STR, "minItems": 1, "maxItems": 35}}}}}
STATUS_FETCH = {"type": "object", "required": ["publish_id"], "properties": {"publish_id": STR}}
_TYPES: dict[str, tuple[type, ...]] = {"object": (dict,), "string": (str,), "integer": (int,),
                                       "boolean": (bool,), "array": (list,)}


def check_body(value: Any, schema: dict[str, Any], where: str = "body") -> None:
    """Reject unknown fields, wrong types, missing required fields and over-long text (invalid_params)."""
    kind = schema["type"]
    if not isinstance(value, _TYPES[kind]) or (kind == "integer" and isinstance(value, bool)):
        raise _invalid(f"{where} must be of type {kind}")
    if kind == "object":
        properties = schema.get("properties", {})
        for key in value:
            if key not in properties:
                raise _invalid(f"{where}.{key} is not a known field")
        for key in schema.get("required", []):
            if key not in value:
                raise _invalid(f"{where}.{key} is required")
        for key, item in value.items():
            check_body(item, properties[key], f"{where}.{key}")
    elif kind == "array":
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            raise _invalid(f"{where} must hold {schema.get('minItems', 0)} to {schema['maxItems']} items")
        for i, item in enumerate(value):
            check_body(item, schema["items"], f"{where}[{i}]")
    elif kind == "string":
        if "enum" in schema and value not in schema["enum"]:
            raise _invalid(f"{where} must be one of {', '.join(schema['enum'])}")
        if utf16_units(value) > schema.get("maxUtf16", utf16_units(value)):
            raise _invalid(f"{where} is longer than {schema['maxUtf16']} UTF-16 units")


@dataclass
class Publish:
    """One publish attempt: its upload or download, its processing, and the post it becomes."""

    id: str
    kind: str  # "video" or "photo"
    source: str  # FILE_UPLOAD or PULL_FROM_URL
    post_mode: str
    post_info: dict[str, Any]
    video_size: int = 0
    chunk_size: int = 0
    chunk_count: int = 0
    upload_token: str = ""
    data: bytearray = field(default_factory=bytearray)
    downloaded: list[dict[str, Any]] = field(default_factory=list)
    polls_left: int = 0
    status: str = "PROCESSING_UPLOAD"
    fail_reason: str = ""
    post_id: int | None = None
    created: float = field(default_factory=time.time)


class TikTokServer(FakeServer):
    """TikTok's OAuth token endpoint and Content Posting API for one creator, with test controls."""

    name = "tiktok"
    CLIENT_KEY: ClassVar[str] = "sbawsandboxclientkey"
    CLIENT_SECRET: ClassVar[str] = "sandbox-client-secret"
    OPEN_ID: ClassVar[str] = "-000sandboxOpenId0000000000000000000"
    USERNAME: ClassVar[str] = "kpujateng"
    ACCESS_TOKEN: ClassVar[str] = "act.sandboxAccessToken0001"
    REFRESH_TOKEN: ClassVar[str] = "rft.sandboxRefreshToken0001"
    AUTH_CODE: ClassVar[str] = "sandbox-authorization-code"
    SCOPE: ClassVar[str] = "user.info.basic,video.publish,video.upload"
    ACCESS_TTL: ClassVar[int] = 7200
    REFRESH_TTL: ClassVar[int] = 15552000
    RATE_LIMITS: ClassVar[dict[str, int]] = {"creator_info": 20, "init": 6, "status": 30}

    def __init__(self, *, processing_polls: int = 2, enforce_rate_limits: bool = False,
                 fetch_timeout: float = 3.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.processing_polls = processing_polls
        self.enforce_rate_limits = enforce_rate_limits
        self.fetch_timeout = fetch_timeout
        self.access_tokens: dict[str, float] = {self.ACCESS_TOKEN: time.time() + self.ACCESS_TTL}
        self.refresh_token: str | None = self.REFRESH_TOKEN
        self.refresh_expires = time.time() + self.REFRESH_TTL
        self.privacy_level_options = list(PRIVACY_LEVELS)
        self.max_video_post_duration_sec = 600
        self.daily_post_cap = 15
        self.unaudited = False
        self.verified_url_prefixes: list[str] = []
        self.publishes: dict[str, Publish] = {}
        self.posts: list[dict[str, Any]] = []
        self._fail_next: str | None = None
        self._calls: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._auth_code_used = False

    # -- test controls ------------------------------------------------------------------------
    def expire_access_token(self, token: str | None = None) -> None:
        """The access token's 2 hours are over (all current tokens if none is named)."""
        with self.lock:
            for name in [token] if token else list(self.access_tokens):
                self.access_tokens[name] = 0.0

    def revoke_refresh_token(self) -> None:
        """The user removed the app (or the refresh token expired): refresh gets invalid_grant."""
        with self.lock:
            self.refresh_token = None

    def verify_url_prefix(self, prefix: str) -> None:
        """What the developer portal's URL-ownership verification does for PULL_FROM_URL."""
        with self.lock:
            self.verified_url_prefixes.append(prefix)

    def fail_next_publish(self, reason: str = "spam_risk") -> None:
        """The next publish that finishes uploading/downloading ends FAILED with `reason`."""
        with self.lock:
            self._fail_next = reason

    def fail_publish(self, publish_id: str, reason: str = "internal") -> None:
        """A publish already under way ends FAILED (its post, if any, is taken down)."""
        with self.lock:
            publish = self.publishes[publish_id]
            publish.status, publish.fail_reason = "FAILED", reason
            self.posts = [p for p in self.posts if p["publish_id"] != publish_id]

    def public_url(self, post_id: int | str) -> str:
        return f"https://www.tiktok.com/@{self.USERNAME}/video/{post_id}"

    # -- plumbing -----------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        log_id = _log_id()
        try:
            response = super().dispatch(request)
        except TikTokError as error:
            response = Response(error.status, {"data": {}, "error": {
                "code": error.code, "message": error.message, "log_id": log_id}})
        if isinstance(response.body, dict) and isinstance(response.body.get("error"), dict):
            response.body["error"].setdefault("log_id", log_id)
        response.headers.setdefault("x-tt-logid", log_id)
        return response

    def not_found(self, request: Request) -> Response:
        raise TikTokError(404, "invalid_params", f"Unknown endpoint {request.method} {request.path}")

    @staticmethod
    def _ok(data: dict[str, Any]) -> Response:
        return Response(200, {"data": data, "error": {"code": "ok", "message": ""}})

    def _auth(self, request: Request, endpoint: str) -> None:
        """Bearer token check, then the per-token, per-endpoint budget when rate limits are on."""
        header = request.header("authorization", "") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or self.access_tokens.get(token.strip(), 0.0) < time.time():
            raise TikTokError(401, "access_token_invalid",
                              "The access token is invalid or not found in the request.")
        token = token.strip()
        if self.enforce_rate_limits:
            window = self._calls[(token, endpoint)]
            now = time.time()
            while window and window[0] < now - 60:
                window.popleft()
            if len(window) >= self.RATE_LIMITS[endpoint]:
                raise TikTokError(429, "rate_limit_exceeded",
                                  "API rate limit was exceeded, please try again later.")
            window.append(now)

    @staticmethod
    def _json(request: Request, schema: dict[str, Any]) -> dict[str, Any]:
        ctype = request.header("content-type", "") or ""
        if not ctype.startswith("application/json"):
            raise _invalid("Content-Type must be application/json; charset=UTF-8")
        try:
            body = request.json()
        except ValueError:
            raise _invalid("The request body is not valid JSON") from None
        check_body(body, schema)
        return body

    # -- OAuth --------------------------------------------------------------------------------
    @route("POST", "/v2/oauth/token/")
    def token(self, request: Request) -> Response:
        form = request.form() if request.body else {}
        if form.get("client_key") != self.CLIENT_KEY or form.get("client_secret") != self.CLIENT_SECRET:
            return self._oauth_error("invalid_client", "Client key or secret is incorrect.", 401)
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if not form.get("refresh_token"):
                return self._oauth_error("invalid_request", "Missing required parameter: refresh_token.")
            if form["refresh_token"] != self.refresh_token or self.refresh_expires < time.time():
                return self._oauth_error("invalid_grant", "Refresh token is invalid or expired.")
        elif grant == "authorization_code":
            if form.get("code") != self.AUTH_CODE or self._auth_code_used or not form.get("redirect_uri"):
                return self._oauth_error("invalid_grant", "Authorization code is invalid or expired.")
            self._auth_code_used = True
        else:
            return self._oauth_error("unsupported_grant_type", f"Unsupported grant_type: {grant}.")
        access = f"act.{secrets.token_urlsafe(24)}"
        self.access_tokens[access] = time.time() + self.ACCESS_TTL
        # Rotation: the previous refresh token stops working once a new one is issued.
        self.refresh_token = f"rft.{secrets.token_urlsafe(24)}"
        self.refresh_expires = time.time() + self.REFRESH_TTL
        return Response(200, {
            "open_id": self.OPEN_ID, "scope": self.SCOPE, "access_token": access,
            "expires_in": self.ACCESS_TTL, "refresh_token": self.refresh_token,
            "refresh_expires_in": self.REFRESH_TTL, "token_type": "Bearer"})

    @staticmethod
    def _oauth_error(error: str, description: str, status: int = 400) -> Response:
        return Response(status, {"error": error, "error_description": description, "log_id": _log_id()})

    # -- Content Posting API ------------------------------------------------------------------
    @route("POST", "/v2/post/publish/creator_info/query/")
    def creator_info(self, request: Request) -> Response:
        self._auth(request, "creator_info")
        return self._ok({
            "creator_avatar_url": f"https://p16-sign.tiktokcdn.com/{self.USERNAME}.jpeg",
            "creator_username": self.USERNAME, "creator_nickname": "KPU Jawa Tengah",
            "privacy_level_options": list(self.privacy_level_options), "comment_disabled": False,
            "duet_disabled": False, "stitch_disabled": True,
            "max_video_post_duration_sec": self.max_video_post_duration_sec})

    def _check_posting(self, post_info: dict[str, Any], direct: bool) -> None:
        """Privacy and posting-cap rules that apply to every Direct Post."""
        if not direct:
            return
        privacy = post_info.get("privacy_level")
        if privacy not in self.privacy_level_options:
            raise TikTokError(403, "privacy_level_option_mismatch",
                              f"privacy_level {privacy} is not one of the creator's privacy_level_options.")
        if self.unaudited and privacy != "SELF_ONLY":
            raise TikTokError(403, "unaudited_client_can_only_post_to_private_accounts",
                              "Unaudited clients can only post with SELF_ONLY visibility.")
        day_ago = time.time() - 86400
        recent = sum(1 for p in self.publishes.values() if p.created >= day_ago and p.post_mode == "DIRECT_POST")
        if recent >= self.daily_post_cap:
            raise TikTokError(403, "spam_risk_too_many_posts",
                              "The user has reached the daily post limit for this API.")

    def _new_publish_id(self, prefix: str) -> str:
        return f"{prefix}~v2-1.{7300000000000000000 + next(self._ids)}"

    @route("POST", "/v2/post/publish/video/init/")
    def video_init(self, request: Request) -> Response:
        self._auth(request, "init")
        body = self._json(request, VIDEO_INIT)
        source = body["source_info"]
        self._check_posting(body["post_info"], direct=True)
        if source["source"] == "PULL_FROM_URL":
            url = source.get("video_url")
            if not url or set(source) - {"source", "video_url"}:
                raise _invalid("PULL_FROM_URL takes source_info.video_url only")
            self._check_url(url)
            publish = Publish(self._new_publish_id("v_pub_url"), "video", "PULL_FROM_URL", "DIRECT_POST",
                              body["post_info"], status="PROCESSING_DOWNLOAD")
            self.publishes[publish.id] = publish
            self._download(publish, [url])
            return self._ok({"publish_id": publish.id})
        size, chunk, count = (source.get(k) for k in ("video_size", "chunk_size", "total_chunk_count"))
        if size is None or chunk is None or count is None or "video_url" in source:
            raise _invalid("FILE_UPLOAD takes source_info.video_size, chunk_size and total_chunk_count")
        self._check_chunks(size, chunk, count)
        publish = Publish(self._new_publish_id("v_pub_file"), "video", "FILE_UPLOAD", "DIRECT_POST",
                          body["post_info"], video_size=size, chunk_size=chunk, chunk_count=count,
                          upload_token=secrets.token_urlsafe(16))
        self.publishes[publish.id] = publish
        query = urlencode({"upload_id": publish.id, "upload_token": publish.upload_token})
        return self._ok({"publish_id": publish.id, "upload_url": f"{self.url}/upload/?{query}"})

    @staticmethod
    def _check_chunks(size: int, chunk: int, count: int) -> None:
        """The media transfer guide's chunk rules."""
        if size <= 0:
            raise _invalid("video_size must be positive")
        if size < MIN_CHUNK:
            if chunk != size or count != 1:
                raise _invalid("Videos under 5 MB are uploaded whole: chunk_size = video_size, "
                               "total_chunk_count = 1")
            return
        if not MIN_CHUNK <= chunk <= MAX_CHUNK:
            raise _invalid("chunk_size must be between 5 MB and 64 MB")
        if count != size // chunk:
            raise _invalid(f"total_chunk_count must be floor(video_size / chunk_size) = {size // chunk}")
        if not 1 <= count <= MAX_CHUNKS:
            raise _invalid("total_chunk_count must be between 1 and 1000")
        # The final chunk takes the remainder: under 2 * chunk_size, so within the 128 MB it may reach.

    @route("PUT", "/upload/")
    def upload(self, request: Request) -> Response:
        publish = self.publishes.get(request.arg("upload_id") or "")
        if publish is None or not publish.upload_token or request.arg("upload_token") != publish.upload_token:
            raise TikTokError(404, "invalid_params", "The upload URL is invalid or expired.")
        ctype = (request.header("content-type", "") or "").split(";")[0].strip()
        if ctype not in VIDEO_TYPES:
            raise TikTokError(400, "invalid_file_upload", f"Content-Type must be one of {', '.join(VIDEO_TYPES)}")
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.header("content-range", "") or "")
        if match is None:
            raise TikTokError(400, "invalid_file_upload", "Content-Range must be 'bytes FIRST-LAST/TOTAL'")
        first, last, total = (int(g) for g in match.groups())
        received = len(publish.data)
        index = received // publish.chunk_size if publish.chunk_size else 0
        final = index == publish.chunk_count - 1
        expected = publish.video_size - received if final else publish.chunk_size
        if total != publish.video_size or first != received or last != first + expected - 1:
            raise TikTokError(416, "invalid_file_upload", (
                f"Expected Content-Range bytes {received}-{received + expected - 1}/{publish.video_size}"
                if received < publish.video_size else "The upload is already complete."))
        if len(request.body) != expected:
            raise TikTokError(400, "invalid_file_upload", "The body length does not match Content-Range")
        publish.data += request.body
        if not final:
            return Response(206)
        self._processed(publish, {"bytes": len(publish.data),
                                  "sha256": hashlib.sha256(publish.data).hexdigest()})
        return Response(201)

    def _check_url(self, url: str) -> None:
        if not any(url.startswith(prefix) for prefix in self.verified_url_prefixes):
            raise TikTokError(403, "url_ownership_unverified",
                              "Please verify the ownership of the domain or URL prefix of the media.")

    def _download(self, publish: Publish, urls: list[str]) -> None:
        """Pull media the way TikTok does; a bad download ends the publish FAILED, not the request."""
        media: list[dict[str, Any]] = []
        for url in urls:
            try:
                data, _ = fetch_media(url, timeout=self.fetch_timeout,
                                      limit=PHOTO_LIMIT if publish.kind == "photo" else 4096 * MB)
            except FetchError:
                publish.status, publish.fail_reason = "FAILED", f"{publish.kind}_pull_failed"
                return
            if publish.kind == "photo":
                if len(data) > PHOTO_LIMIT:
                    publish.status, publish.fail_reason = "FAILED", "picture_size_check_failed"
                    return
                try:
                    with Image.open(io.BytesIO(data)) as image:
                        image_format = image.format
                except (UnidentifiedImageError, OSError):
                    image_format = None
                if image_format not in ("JPEG", "WEBP"):
                    publish.status, publish.fail_reason = "FAILED", "file_format_check_failed"
                    return
            media.append({"url": url, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
        publish.downloaded = media
        self._processed(publish, {"bytes": sum(m["bytes"] for m in media), "media": media})

    def _processed(self, publish: Publish, media: dict[str, Any]) -> None:
        """All bytes are in: processing starts, and the post exists unless a failure was asked for."""
        publish.polls_left = self.processing_polls
        if self._fail_next is not None:
            publish.status, publish.fail_reason, self._fail_next = "FAILED", self._fail_next, None
            return
        if publish.post_mode != "DIRECT_POST":
            return
        publish.post_id = 7300000000000000000 + next(self._ids)
        self.posts.append({
            "id": publish.post_id, "publish_id": publish.id, "kind": publish.kind,
            "title": publish.post_info.get("title", ""), "description": publish.post_info.get("description"),
            "privacy_level": publish.post_info.get("privacy_level"), "url": self.public_url(publish.post_id),
            **media})

    @route("POST", "/v2/post/publish/content/init/")
    def content_init(self, request: Request) -> Response:
        self._auth(request, "init")
        body = self._json(request, PHOTO_INIT)
        source = body["source_info"]
        images = source["photo_images"]
        if not 0 <= source.get("photo_cover_index", 0) < len(images):
            raise _invalid("photo_cover_index must point into photo_images")
        direct = body["post_mode"] == "DIRECT_POST"
        self._check_posting(body["post_info"], direct)
        for url in images:
            self._check_url(url)
        publish = Publish(self._new_publish_id("p_pub_url"), "photo", "PULL_FROM_URL", body["post_mode"],
                          body["post_info"], status="PROCESSING_DOWNLOAD")
        self.publishes[publish.id] = publish
        self._download(publish, images)
        return self._ok({"publish_id": publish.id})

    @route("POST", "/v2/post/publish/status/fetch/")
    def status_fetch(self, request: Request) -> Response:
        self._auth(request, "status")
        body = self._json(request, STATUS_FETCH)
        publish = self.publishes.get(body["publish_id"])
        if publish is None:
            raise _invalid(f"publish_id {body['publish_id']} was not found")
        received = (len(publish.data) == publish.video_size if publish.source == "FILE_UPLOAD"
                    else bool(publish.downloaded))
        if publish.status in ("PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD") and received:
            if publish.polls_left <= 0:
                publish.status = "PUBLISH_COMPLETE" if publish.post_mode == "DIRECT_POST" else "SEND_TO_USER_INBOX"
            publish.polls_left -= 1
        data: dict[str, Any] = {"status": publish.status}
        if publish.status == "FAILED":
            data["fail_reason"] = publish.fail_reason
        if publish.status == "PUBLISH_COMPLETE":
            # The post id is only given for posts the public can see.
            public = publish.post_info.get("privacy_level") != "SELF_ONLY"
            data["publicaly_available_post_id"] = [publish.post_id] if public else []
        if publish.source == "FILE_UPLOAD":
            data["uploaded_bytes"] = len(publish.data)
        else:
            data["downloaded_bytes"] = sum(m["bytes"] for m in publish.downloaded)
        return self._ok(data)
