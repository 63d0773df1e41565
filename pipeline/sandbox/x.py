"""A faithful local imitation of the X API v2 endpoints the publisher posts through.

Covered: `POST /2/tweets`, the dedicated media-upload endpoints (`initialize`, `{id}/append`,
`{id}/finalize`, `GET /2/media/upload?command=STATUS`), `POST /2/media/metadata` (alt text) and
`GET /2/users/me`. Every request is checked against X's own OpenAPI document (2.167, saved as
`x_openapi_v2_posting_subset.json`): `CreatePostsRequest` is closed (`additionalProperties:
false`), media ids must match `^[0-9]{1,19}$`, enums are enforced. Requests must be signed with
OAuth 1.0a (HMAC-SHA1, RFC 5849) for the configured consumer and access token; the signature is
recomputed here, so a client that signs the wrong base string fails like it would on api.x.com.

Errors use X's RFC 7807 problem bodies; rate limits carry `x-rate-limit-*` headers on every
answer. Facts and their sources: `shared/fixtures/platforms/API-NOTES.md` (X section).
Post URLs for people: `https://x.com/i/web/status/{id}` (`XServer.post_url`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import io
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote, unquote

from PIL import Image, UnidentifiedImageError

from pipeline.sandbox.http import FakeServer, Request, Response, route
from pipeline.sandbox.specs import operation, optional_spec, request_schema, validate_json

__all__ = ["Media", "Post", "XError", "XServer", "signature_base_string", "hmac_sha1_signature"]

SPEC_FILE = "x_openapi_v2_posting_subset.json"
PROBLEMS = "https://api.x.com/2/problems"
WINDOW = 15 * 60  # X's per-user rate-limit window
MAX_TEXT = 280
MIB = 1024 * 1024
# bytes a category may hold ("Images <= 5 MB; animated GIF <= 15 MB; video <= 512 MB")
_CATEGORY_LIMITS = {
    "tweet_image": 5 * MIB, "dm_image": 5 * MIB, "tweet_gif": 15 * MIB, "dm_gif": 15 * MIB,
    "tweet_video": 512 * MIB, "dm_video": 512 * MIB, "amplify_video": 512 * MIB, "subtitles": MIB,
}
_CATEGORY_KINDS = {
    "tweet_image": "image", "dm_image": "image", "tweet_gif": "gif", "dm_gif": "gif",
    "tweet_video": "video", "dm_video": "video", "amplify_video": "video", "subtitles": "subtitles",
}
_KEY_PREFIX = {"image": "3", "video": "7", "gif": "16", "subtitles": "18"}  # media_key = <prefix>_<id>
_EXPIRES_AFTER = 1295999  # the docs' initialize example
_UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
_TOO_MANY = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
_TOO_LONG = ("Your Tweet text is too long. For more information on how Twitter determines text length see "
             "https://github.com/twitter/twitter-text.")
_DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
_BAD_MEDIA = "Your media IDs are invalid."

try:  # the exact twitter-text count when the platform module is there; a plain count otherwise
    from pipeline.platforms.twitter_text import weighted_length as _weighted_length
except ImportError:  # pragma: no cover - depends on another module being present
    def _weighted_length(text: str) -> int:
        return len(text)


# -- OAuth 1.0a (RFC 5849) --------------------------------------------------------------------------
def _encode(value: str) -> str:
    """RFC 5849 section 3.6 percent-encoding: everything but unreserved characters."""
    return quote(value, safe="-._~")


def signature_base_string(method: str, base_uri: str, params: list[tuple[str, str]]) -> str:
    """The RFC 5849 section 3.4.1 signature base string of a request."""
    pairs = sorted((_encode(k), _encode(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    return "&".join((method.upper(), _encode(base_uri), _encode(normalized)))


def hmac_sha1_signature(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """The HMAC-SHA1 signature (section 3.4.2) of a base string, base64-encoded."""
    key = f"{_encode(consumer_secret)}&{_encode(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base_string.encode(), hashlib.sha1).digest()).decode()


def _oauth_params(header: str | None) -> dict[str, str] | None:
    if not header or not header.lower().startswith("oauth "):
        return None
    return {k: unquote(v) for k, v in re.findall(r'([\w.-]+)="([^"]*)"', header[6:])}


# -- state ------------------------------------------------------------------------------------------
class XError(Exception):
    """An answer X gives instead of the resource: a status and a problem body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body.get('detail')}")
        self.status, self.body, self.headers = status, body, headers or {}


def _invalid(message: str, parameter: str | None = None, value: Any = None, *more: str) -> XError:
    """X's 400 invalid-request problem, naming the offending parameter like api.x.com does."""
    errors: list[dict[str, Any]] = [{"parameters": {parameter: [value]} if parameter else {}, "message": message}]
    errors += [{"parameters": {}, "message": line} for line in more]
    return XError(400, {
        "errors": errors, "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.", "type": f"{PROBLEMS}/invalid-request",
    })


def _forbidden(detail: str) -> XError:
    return XError(403, {"detail": detail, "type": "about:blank", "title": "Forbidden", "status": 403})


def _not_found(media_id: str, parameter: str) -> XError:
    return XError(404, {
        "title": "Not Found Error", "detail": f"Could not find media with id: [{media_id}].",
        "type": f"{PROBLEMS}/resource-not-found", "resource_type": "media", "resource_id": media_id,
        "parameter": parameter, "value": media_id,
    })


@dataclass
class Media:
    """One uploaded medium, from initialize to (for video and GIF) the end of processing."""

    id: str
    media_type: str
    category: str
    total_bytes: int
    segments: dict[int, bytes] = field(default_factory=dict)
    finalized: bool = False
    state: str | None = None  # processing state of video/GIF after finalize; images need none
    polls: int = 0
    fail: bool = False
    alt_text: str | None = None
    image: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return _CATEGORY_KINDS[self.category]

    @property
    def media_key(self) -> str:
        return f"{_KEY_PREFIX[self.kind]}_{self.id}"

    @property
    def data(self) -> bytes:
        return b"".join(self.segments[i] for i in sorted(self.segments))

    @property
    def ready(self) -> bool:
        return self.finalized and self.state in (None, "succeeded")


@dataclass
class Post:
    """A post as created: what the publisher sent, the id it got and its media's alt texts."""

    id: str
    text: str
    media_ids: list[str]
    alt_texts: list[str | None]
    body: dict[str, Any]
    created_at: float


def endpoint(method: str, pattern: str, limit: int) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """`route` plus what every X endpoint does first: OAuth check, rate limit, problem rendering."""

    def mark(func: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(func)
        def run(self: XServer, request: Request) -> Response:
            return self._serve(f"{method} {pattern}", limit, func, request)

        return route(method, pattern)(run)

    return mark


class XServer(FakeServer):
    """api.x.com for one user: OAuth 1.0a-signed posting with media upload and alt text."""

    name = "x"
    CONSUMER_KEY: ClassVar[str] = "sandbox-consumer-key"
    CONSUMER_SECRET: ClassVar[str] = "sandbox-consumer-secret"
    ACCESS_TOKEN: ClassVar[str] = "1500000000000000001-sandboxAccessToken"
    ACCESS_TOKEN_SECRET: ClassVar[str] = "sandbox-access-token-secret"
    USER_ID: ClassVar[str] = "1500000000000000001"
    USERNAME: ClassVar[str] = "kpujateng"
    POST_URL: ClassVar[str] = "https://x.com/i/web/status/{id}"

    def __init__(
        self,
        consumer_key: str = CONSUMER_KEY,
        consumer_secret: str = CONSUMER_SECRET,
        access_token: str = ACCESS_TOKEN,
        access_token_secret: str = ACCESS_TOKEN_SECRET,
        *,
        processing_polls: int = 2,
        clock: Callable[[], float] = time.time,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.access_token, self.access_token_secret = access_token, access_token_secret
        self.processing_polls = processing_polls
        self.clock = clock
        self.spec = optional_spec(SPEC_FILE)  # None: requests go unchecked (see `optional_spec`)
        self.media: dict[str, Media] = {}
        self._posts: list[Post] = []
        self._nonces: set[tuple[str, str]] = set()
        self._limits: dict[str, tuple[int, int]] = {}  # bucket -> (remaining, reset epoch)
        self._fail_next = False
        self._post_ids = itertools.count(1_900_000_000_000_000_001)
        self._media_ids = itertools.count(1_880_000_000_000_000_001)

    # -- control API ------------------------------------------------------------------------------
    @property
    def posts(self) -> list[Post]:
        """The posts created so far, oldest first."""
        with self.lock:
            return list(self._posts)

    @classmethod
    def post_url(cls, post_id: str) -> str:
        """Where people see a post: the URL convention the publisher records."""
        return cls.POST_URL.format(id=post_id)

    def fail_processing(self, media_id: str | None = None) -> None:
        """Make processing of `media_id` (or of the next finalized video/GIF) end in `failed`."""
        with self.lock:
            if media_id is None:
                self._fail_next = True
            else:
                self.media[media_id].fail = True

    def exhaust_rate_limit(self, bucket: str = "POST /2/tweets") -> None:
        """Use up a limit (`"METHOD /path/pattern"`): the next calls get 429 until it resets."""
        with self.lock:
            self._limits[bucket] = (0, int(self.clock()) + WINDOW)

    def reset_rate_limits(self) -> None:
        with self.lock:
            self._limits.clear()

    # -- plumbing ---------------------------------------------------------------------------------
    def not_found(self, request: Request) -> Response:
        return self._problem(XError(404, {"title": "Not Found Error", "detail": "Sorry, that page does not exist.",
                                          "type": "about:blank", "status": 404}))

    def _problem(self, error: XError) -> Response:
        headers = {"Content-Type": "application/problem+json", **error.headers}
        return Response(error.status, error.body, headers)

    def _serve(self, bucket: str, limit: int, func: Callable[..., Response], request: Request) -> Response:
        if not self._authorized(request):
            return self._problem(XError(401, dict(_UNAUTHORIZED)))
        now = int(self.clock())
        remaining, reset = self._limits.get(bucket, (limit, now + WINDOW))
        if now >= reset:
            remaining, reset = limit, now + WINDOW
        rate = {"x-rate-limit-limit": str(limit), "x-rate-limit-reset": str(reset)}
        if remaining <= 0:
            self._limits[bucket] = (0, reset)
            return self._problem(XError(429, dict(_TOO_MANY), {**rate, "x-rate-limit-remaining": "0"}))
        self._limits[bucket] = (remaining - 1, reset)
        rate["x-rate-limit-remaining"] = str(remaining - 1)
        try:
            response = func(self, request)
        except XError as error:
            response = self._problem(error)
        response.headers.update(rate)
        return response

    def _authorized(self, request: Request) -> bool:
        """Recompute the request's OAuth 1.0a HMAC-SHA1 signature (RFC 5849 section 3.4)."""
        oauth = _oauth_params(request.header("authorization"))
        if oauth is None:
            return False
        if (oauth.get("oauth_consumer_key") != self.consumer_key or oauth.get("oauth_token") != self.access_token
                or oauth.get("oauth_signature_method") != "HMAC-SHA1" or oauth.get("oauth_version", "1.0") != "1.0"
                or not oauth.get("oauth_nonce") or not oauth.get("oauth_timestamp", "").isdigit()):
            return False
        body_hash = oauth.get("oauth_body_hash")  # draft-eaton-oauth-bodyhash, which authlib adds to non-form bodies
        if body_hash is not None and body_hash != base64.b64encode(hashlib.sha1(request.body).digest()).decode():
            return False
        nonce = (oauth["oauth_nonce"], oauth["oauth_timestamp"])
        if nonce in self._nonces:  # a replayed signed request
            return False
        params = [(k, v) for k, v in oauth.items() if k not in ("oauth_signature", "realm")]
        params += [(k, v) for k, values in request.query.items() for v in values]
        if (request.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
            params += parse_qsl(request.body.decode(), keep_blank_values=True)
        host = (request.header("host") or "").lower().removesuffix(":80")
        base = signature_base_string(request.method, f"http://{host}{request.path}", params)
        expected = hmac_sha1_signature(base, self.consumer_secret, self.access_token_secret)
        if not hmac.compare_digest(expected, oauth.get("oauth_signature", "")):
            return False
        self._nonces.add(nonce)
        return True

    def _json_body(self, request: Request, path: str) -> dict[str, Any]:
        """The JSON body of a request, checked against the operation's request schema."""
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise _invalid("Request body is not valid JSON.") from None
        if self.spec is not None:
            self._check(request_schema(self.spec, "POST", path), body)
        return body

    def _check(self, schema: dict[str, Any], instance: Any) -> None:
        errors = validate_json(schema, instance, self.spec)
        if errors:  # X reports schema violations as `$.path: message` lines
            raise _invalid(errors[0], None, None, *errors[1:])

    def _check_query(self, request: Request, method: str, path: str) -> None:
        for parameter in operation(self.spec, method, path).get("parameters", []) if self.spec else ():
            if parameter.get("in") != "query":
                continue
            name = parameter["name"]
            value = request.arg(name)
            if value is None:
                if parameter.get("required"):
                    raise _invalid(f"The `{name}` query parameter can not be empty", name, "")
                continue
            self._check({"type": "object", "properties": {name: parameter["schema"]}}, {name: value})

    def _media(self, media_id: str, parameter: str = "id") -> Media:
        found = self.media.get(media_id)
        if found is None:
            raise _not_found(media_id, parameter)
        return found

    # -- posts ------------------------------------------------------------------------------------
    @endpoint("POST", "/2/tweets", 100)
    def create_post(self, request: Request) -> Response:
        body = self._json_body(request, "/2/tweets")
        text = body.get("text", "")
        media_ids = body.get("media", {}).get("media_ids", [])
        if not text and not media_ids:
            raise _invalid("Post text is required unless media is provided.", "text", text)
        attached = []
        for media_id in media_ids:
            media = self.media.get(media_id)
            if media is None or not media.ready or media.kind == "subtitles":
                raise _invalid(_BAD_MEDIA, "media.media_ids", media_id)
            attached.append(media)
        if len(attached) > 1 and any(m.kind != "image" for m in attached):
            raise _invalid(_BAD_MEDIA, "media.media_ids", media_ids[0])  # 4 photos, or 1 GIF, or 1 video
        if _weighted_length(text) > MAX_TEXT:
            raise _invalid(_TOO_LONG, "text", text)
        if text and any(post.text == text for post in self._posts):
            raise _forbidden(_DUPLICATE)
        alt_texts = [m.alt_text for m in attached]
        post = Post(str(next(self._post_ids)), text, list(media_ids), alt_texts, body, self.clock())
        self._posts.append(post)
        return Response(201, {"data": {"id": post.id, "text": text, "edit_history_post_ids": [post.id]}})

    @endpoint("GET", "/2/users/me", 75)
    def users_me(self, request: Request) -> Response:
        return Response(200, {"data": {"id": self.USER_ID, "name": "KPU Provinsi Jawa Tengah",
                                       "username": self.USERNAME}})

    # -- media ------------------------------------------------------------------------------------
    @endpoint("POST", "/2/media/upload/initialize", 1875)
    def initialize(self, request: Request) -> Response:
        body = self._json_body(request, "/2/media/upload/initialize")
        for name in ("media_type", "total_bytes"):
            if name not in body:
                raise _invalid(f"The `{name}` field is required for a chunked upload.", name, None)
        media_type, total = body["media_type"], body["total_bytes"]
        category = body.get("media_category") or _default_category(media_type)
        if _kind_of(media_type) != _CATEGORY_KINDS[category] and not (
            media_type == "image/gif" and _CATEGORY_KINDS[category] in ("gif", "image")
        ):
            raise _invalid(f"media_type {media_type} does not fit media_category {category}.", "media_category", category)
        if total > _CATEGORY_LIMITS[category]:
            raise _invalid(f"File size exceeds {_CATEGORY_LIMITS[category]} bytes.", "total_bytes", str(total))
        media = Media(str(next(self._media_ids)), media_type, category, total)
        self.media[media.id] = media
        return Response(200, {"data": {"id": media.id, "media_key": media.media_key,
                                       "expires_after_secs": _EXPIRES_AFTER}})

    @endpoint("POST", "/2/media/upload/{id}/append", 1875)
    def append(self, request: Request) -> Response:
        media = self._media(request.params["id"])
        ctype = request.header("content-type") or ""
        if ctype.startswith("multipart/form-data"):
            try:
                form = request.form()
            except UnicodeDecodeError:
                raise _invalid("The `media` part must be sent as a file part.", "media") from None
            fields: dict[str, Any] = {k: v if isinstance(v, str) else "<binary>" for k, v in form.items()}
            if str(fields.get("segment_index", "")).isdigit():
                fields["segment_index"] = int(fields["segment_index"])
            if self.spec is not None:
                self._check(request_schema(self.spec, "POST", "/2/media/upload/{id}/append", ctype.split(";")[0]),
                            fields)
            chunk, index = form["media"], fields["segment_index"]
            if not isinstance(chunk, bytes):
                raise _invalid("The `media` part must be sent as a file part.", "media")
        else:
            body = self._json_body(request, "/2/media/upload/{id}/append")
            try:
                chunk = base64.b64decode(body["media"], validate=True)
            except binascii.Error:
                raise _invalid("media is not valid base64.", "media") from None
            index = body["segment_index"]
        if media.finalized:
            raise _invalid("This media has already been finalized.", "id", media.id)
        if index > len(media.segments):  # a retried segment may be sent again; none may be skipped
            raise _invalid(f"Segment {len(media.segments)} must be appended before segment {index}.",
                           "segment_index", str(index))
        media.segments[index] = chunk
        return Response(200, {"data": {"expires_at": int(self.clock()) + _EXPIRES_AFTER}})

    @endpoint("POST", "/2/media/upload/{id}/finalize", 1875)
    def finalize(self, request: Request) -> Response:
        media = self._media(request.params["id"])
        if media.finalized:
            raise _invalid("This media has already been finalized.", "id", media.id)
        size = sum(len(chunk) for chunk in media.segments.values())
        if size != media.total_bytes:
            raise _invalid(f"File size mismatch: total_bytes is {media.total_bytes} but {size} bytes were appended.",
                           "id", media.id)
        if media.kind in ("image", "gif"):
            media.image = _image_info(media.data)
            if media.image is None:
                raise _invalid("InvalidMedia: the uploaded file is not a supported image.", "id", media.id)
        media.finalized = True
        if media.kind in ("video", "gif"):
            media.state = "pending"
            media.fail, self._fail_next = self._fail_next or media.fail, False
        return Response(200, {"data": self._media_data(media)})

    @endpoint("GET", "/2/media/upload", 1000)
    def status(self, request: Request) -> Response:
        self._check_query(request, "GET", "/2/media/upload")
        media = self._media(str(request.arg("media_id")), "media_id")
        if media.finalized and media.state in ("pending", "in_progress"):
            media.polls += 1
            if media.fail:
                media.state = "failed"
            else:
                media.state = "succeeded" if media.polls >= self.processing_polls else "in_progress"
        return Response(200, {"data": self._media_data(media)})

    @endpoint("POST", "/2/media/metadata", 500)
    def metadata(self, request: Request) -> Response:
        body = self._json_body(request, "/2/media/metadata")
        media = self._media(body["id"])
        metadata = body.get("metadata", {})
        if "alt_text" in metadata:
            media.alt_text = metadata["alt_text"]["text"]
        return Response(200, {"data": {"id": media.id, "associated_metadata": metadata}})

    def _media_data(self, media: Media) -> dict[str, Any]:
        data: dict[str, Any] = {"id": media.id, "media_key": media.media_key, "size": media.total_bytes,
                                "expires_after_secs": _EXPIRES_AFTER}
        if media.image is not None:
            data["image"] = media.image
        if media.state is not None:
            info: dict[str, Any] = {"state": media.state}
            if media.state in ("pending", "in_progress"):
                info["check_after_secs"] = 1
            if media.state != "pending":
                info["progress_percent"] = min(100, 100 * media.polls // max(self.processing_polls, 1))
            data["processing_info"] = info
        if media.kind == "video" and media.state == "succeeded":
            data["video"] = {"video_type": media.media_type}
        return data


def _kind_of(media_type: str) -> str:
    if media_type.startswith("video/"):
        return "video"
    if media_type.startswith("text/"):
        return "subtitles"
    return "image"


def _default_category(media_type: str) -> str:
    if media_type == "image/gif":
        return "tweet_gif"
    return {"video": "tweet_video", "subtitles": "subtitles", "image": "tweet_image"}[_kind_of(media_type)]


def _image_info(data: bytes) -> dict[str, Any] | None:
    """X's `image` object of a finalized image: its MIME type and pixel size."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            return {"image_type": picture.get_format_mimetype() or "image/jpeg", "w": picture.width, "h": picture.height}
    except (UnidentifiedImageError, OSError):
        return None
