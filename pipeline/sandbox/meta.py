"""A faithful local imitation of Meta's Graph API for Facebook Page and Instagram publishing.

Every request is checked against Meta's own machine-readable spec of the endpoints
(facebook-business-sdk-codegen, saved as `meta_graph_codegen_spec_publishing_subset.json`): an
unknown parameter, a value of the wrong type or a missing required one gets Graph's
`{"error": {"message", "type": "OAuthException", "code": 100, "fbtrace_id"}}`. Media URLs given
to Instagram (and to Page photos) are really fetched over HTTP and checked like Instagram does, so
a test proves that the publisher serves what the platform can take. The facts behind each rule are
in `shared/fixtures/platforms/API-NOTES.md`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import httpx
from PIL import Image, UnidentifiedImageError

from pipeline.sandbox.http import FakeServer, Fault, Request, Response, route
from pipeline.sandbox.specs import optional_spec

__all__ = ["FetchError", "GraphError", "MediaHost", "MetaServer", "fetch_media"]

SPEC_FILE = "meta_graph_codegen_spec_publishing_subset.json"
MIB = 1024 * 1024
RATE_LIMIT_DOC = "https://developers.facebook.com/docs/graph-api/overview/rate-limiting"


# -- media fetching (Instagram and TikTok pull media from a URL) -------------------------------
class FetchError(Exception):
    """A media URL that could not be downloaded (unreachable, error status, timeout)."""


def fetch_media(url: str, *, timeout: float, limit: int) -> tuple[bytes, str]:
    """Download at most `limit` + 1 bytes of `url`: enough to tell "too large" without reading it all."""
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as reply:
            if reply.status_code != 200:
                raise FetchError(f"HTTP {reply.status_code}")
            data = bytearray()
            for chunk in reply.iter_bytes():
                data += chunk
                if len(data) > limit:
                    break
            return bytes(data), reply.headers.get("content-type", "")
    except httpx.HTTPError as exc:
        raise FetchError(str(exc) or type(exc).__name__) from exc


class MediaHost(FakeServer):
    """A public web server for test media: what Instagram and TikTok fetch image/video URLs from."""

    name = "media-host"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.files: dict[str, tuple[bytes, str]] = {}

    def add(self, name: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        """Serve `data` at /media/<name> and return its absolute URL."""
        with self.lock:
            self.files[name] = (data, content_type)
        return f"{self.url}/media/{name}"

    @route("GET", "/media/{name}")
    def get_file(self, request: Request) -> Response:
        found = self.files.get(request.params["name"])
        if found is None:
            return Response(404, b"not found", {"Content-Type": "text/plain"})
        data, ctype = found
        return Response(200, data, {"Content-Type": ctype})


# -- Graph errors ------------------------------------------------------------------------------
@dataclass
class GraphError(Exception):
    """An error the way Graph reports it (HTTP 400 unless said otherwise)."""

    code: int
    message: str
    subcode: int | None = None
    type: str = "OAuthException"
    status: int = 400
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error.update(self.extra)
        error["fbtrace_id"] = base64.urlsafe_b64encode(secrets.token_bytes(8)).decode()[:11]
        return {"error": error}


def _ig_error(code: int, subcode: int, message: str, title: str, user_msg: str) -> GraphError:
    """Instagram's media errors carry a user-facing title and message besides the code pair."""
    return GraphError(code, message, subcode, extra={
        "is_transient": False, "error_user_title": title, "error_user_msg": user_msg})


def _invalid(message: str, subcode: int | None = None) -> GraphError:
    return GraphError(100, f"(#100) {message}", subcode)


def _no_object(node: str, method: str) -> GraphError:
    return GraphError(100, (
        f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read the "
        "Graph API documentation at https://developers.facebook.com/docs/graph-api"),
        33, type="GraphMethodException")


# -- parameters, checked against Meta's codegen spec ---------------------------------------------
_BOOL = {"true", "false", "1", "0"}
_BRACKET = re.compile(r"^(\w+)\[([^\]]*)\]$")


def _edge_params(spec: dict[str, Any], node_type: str, method: str, edge: str) -> dict[str, tuple[str, bool]]:
    for entry in spec[f"api_specs/specs/{node_type}.json"]:
        if entry["method"] == method and entry["endpoint"] == edge:
            return {p["name"]: (p["type"], bool(p.get("required"))) for p in entry["params"]}
    raise KeyError(f"{node_type} {method} {edge} not in {SPEC_FILE}")


def _as_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _conforms(kind: str, value: Any) -> bool:
    """Whether a value (form string, JSON value, or file bytes) fits a codegen type."""
    if kind == "file":
        return isinstance(value, bytes)
    if isinstance(value, bytes):
        return False
    if kind == "bool":
        return isinstance(value, bool) or str(value).lower() in _BOOL
    if kind in ("unsigned int", "int"):
        pattern = r"\d+" if kind == "unsigned int" else r"-?\d+"
        return not isinstance(value, (bool, float)) and re.fullmatch(pattern, str(value)) is not None
    if kind == "float":
        try:
            float(value)
        except (TypeError, ValueError):
            return False
        return not isinstance(value, bool)
    if kind == "datetime":
        if re.fullmatch(r"\d+", str(value)):
            return True
        try:
            datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    if kind in ("Object", "map"):
        return isinstance(_as_json(value), dict)
    if kind.startswith("list"):
        items = _as_list(value)
        inner = kind[5:-1] if kind.startswith("list<") else ""
        return items is not None and (not inner or all(_conforms(inner, item) for item in items))
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)  # string, enums


def _as_list(value: Any) -> list[Any] | None:
    value = _as_json(value)
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part for part in value.split(",") if part != ""]
    return None


_KIND_WORDS = {
    "bool": "a boolean", "unsigned int": "a non-negative integer", "int": "an integer",
    "float": "a number", "datetime": "a UNIX timestamp or an ISO 8601 date", "Object": "a JSON object",
    "map": "a JSON object", "file": "a file upload", "string": "a string",
}


def _kind_words(kind: str) -> str:
    if kind.startswith("list"):
        return "an array" + (f" of {kind[5:-1]}" if kind.startswith("list<") else "")
    return _KIND_WORDS.get(kind, "a string")


def check_params(allowed: dict[str, tuple[str, bool]], params: dict[str, Any]) -> None:
    """Reject unknown parameters, wrong types and missing required ones as Graph does (code 100)."""
    for name, value in params.items():
        if name not in allowed:
            raise _invalid(f"Param {name} is not a valid parameter")
        kind = allowed[name][0]
        if not _conforms(kind, value):
            raise _invalid(f"Param {name} must be {_kind_words(kind)}")
    for name, (_, required) in allowed.items():
        if required and params.get(name) in (None, ""):
            raise _invalid(f"The parameter {name} is required.")


def _truthy(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return value is True or str(value).lower() in ("true", "1")


# -- the server -------------------------------------------------------------------------------
COMMON_PARAMS = {"access_token": ("string", False), "appsecret_proof": ("string", False),
                 "fields": ("string", False)}
UPLOAD_FILE_TYPES = ("application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4")
IMAGE_LIMIT = 8 * MIB
VIDEO_LIMIT = 300 * MIB


@dataclass
class Container:
    """An Instagram media container: created, processed over a few polls, then published once."""

    id: str
    media_type: str  # IMAGE, VIDEO, CAROUSEL, REELS, STORIES
    params: dict[str, Any]
    polls_left: int
    status_code: str = "IN_PROGRESS"
    error_subcode: int | None = None
    children: list[str] = field(default_factory=list)
    media: dict[str, Any] = field(default_factory=dict)  # what was fetched: bytes, sha256, size


class MetaServer(FakeServer):
    """Graph API for a Facebook Page and its Instagram professional account, with test controls."""

    name = "meta"
    APP_ID: ClassVar[str] = "1234567890123456"
    PAGE_ID: ClassVar[str] = "104000000000001"
    IG_USER_ID: ClassVar[str] = "17841400000000001"
    PAGE_TOKEN: ClassVar[str] = "EAAsandboxPAGEtoken"
    USER_TOKEN: ClassVar[str] = "EAAsandboxUSERtoken"
    VERSION: ClassVar[str] = "v25.0"
    QUOTA_TOTAL: ClassVar[int] = 100
    QUOTA_DURATION: ClassVar[int] = 86400

    def __init__(self, *, version: str = VERSION, processing_polls: int = 1,
                 fetch_timeout: float = 3.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.version = version
        self.processing_polls = processing_polls
        self.fetch_timeout = fetch_timeout
        self.versions_seen: list[str] = []
        self.tokens: dict[str, str] = {self.PAGE_TOKEN: "page", self.USER_TOKEN: "user"}
        self.expired: set[str] = set()
        self.page_posts: list[dict[str, Any]] = []
        self.photos: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.containers: dict[str, Container] = {}
        self.ig_media: list[dict[str, Any]] = []
        self.throttled: dict[str, int | None] = {}
        self.call_count = 0
        self._partial_keep: int | None = None
        self._ids = itertools.count(1)
        self.spec = spec = optional_spec(SPEC_FILE)  # None: parameters go unchecked (see `optional_spec`)
        self._edges = {} if spec is None else {
            ("Page", "POST", "feed"): _edge_params(spec, "Page", "POST", "feed"),
            # `source` (multipart file) is documented on the photos page but, being a file, the
            # codegen spec leaves it to the SDKs' upload helper.
            ("Page", "POST", "photos"): {**_edge_params(spec, "Page", "POST", "photos"),
                                         "source": ("file", False)},
            ("Page", "POST", "videos"): _edge_params(spec, "Page", "POST", "videos"),
            ("IGUser", "POST", "media"): _edge_params(spec, "IGUser", "POST", "media"),
            ("IGUser", "POST", "media_publish"): _edge_params(spec, "IGUser", "POST", "media_publish"),
            ("IGUser", "GET", "content_publishing_limit"):
                _edge_params(spec, "IGUser", "GET", "content_publishing_limit"),
        }

    # -- test controls ------------------------------------------------------------------------
    def expire_token(self, token: str) -> None:
        """Make a token fail with code 190 / subcode 463 (expired session)."""
        with self.lock:
            self.expired.add(token)

    def throttle(self, scope: str = "page", times: int | None = None) -> None:
        """Make the next `times` calls (None: all until `unthrottle`) hit the rate limit.

        scope "page": code 80001 with a Page token, 32 with a user token; "instagram": 80002;
        "app": 4.
        """
        with self.lock:
            self.throttled[scope] = times

    def unthrottle(self) -> None:
        with self.lock:
            self.throttled.clear()

    def fail_container(self, container_id: str, subcode: int = 2207001) -> None:
        """Processing failed: status_code ERROR, `status` carries the subcode."""
        with self.lock:
            container = self.containers[container_id]
            container.status_code, container.error_subcode = "ERROR", subcode

    def expire_container(self, container_id: str) -> None:
        """The container was not published within 24 hours."""
        with self.lock:
            self.containers[container_id].status_code = "EXPIRED"

    def drop_upload_after(self, keep: int) -> None:
        """The next upload transfer keeps only its first `keep` bytes and the connection drops."""
        with self.lock:
            self._partial_keep = keep
            self.inject(Fault(method="POST", path=r"/upload:", drop=True, apply=True))

    # -- dispatch: version, usage headers, errors ---------------------------------------------
    def dispatch(self, request: Request) -> Response:
        self.call_count += 1
        try:
            response = super().dispatch(request)
        except GraphError as error:
            response = Response(error.status, error.body(), dict(error.headers))
        usage = self._usage()
        response.headers.setdefault("X-App-Usage", json.dumps(
            {"call_count": usage, "total_time": usage, "total_cputime": usage}))
        response.headers.setdefault("x-fb-trace-id", secrets.token_urlsafe(8))
        return response

    @property
    def unexpected_versions(self) -> list[str]:
        """Versions called other than the configured one: Graph serves them, a test may object."""
        return [v for v in self.versions_seen if v != self.version]

    def _usage(self) -> int:
        """A usage percentage that grows slowly with calls and reads 100 only when throttled."""
        return 100 if self.throttled else min(99, self.call_count // 10)

    def not_found(self, request: Request) -> Response:
        raise GraphError(2500, f"Unknown path components: {request.path}")

    def _version(self, request: Request) -> None:
        version = request.params.get("version", "")
        if not re.fullmatch(r"v\d+\.\d+", version):
            raise GraphError(2500, f"Unknown path components: /{version}")
        self.versions_seen.append(version)

    def _params(self, request: Request) -> dict[str, Any]:
        """Query and body parameters merged; `name[i]` keys become lists, `name[k]` keys maps."""
        raw: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
        ctype = request.header("content-type", "") or ""
        if ctype.startswith("application/json") and request.body:
            body = request.json()
            if not isinstance(body, dict):
                raise _invalid("The request body must be a JSON object")
            raw.update(body)
        elif request.body:
            raw.update(request.form())
        params: dict[str, Any] = {}
        grouped: dict[str, dict[str, Any]] = {}
        for key, value in raw.items():
            match = _BRACKET.match(key)
            if match:
                grouped.setdefault(match[1], {})[match[2]] = value
            else:
                params[key] = value
        for name, parts in grouped.items():
            if all(k.isdigit() for k in parts):
                params[name] = [_as_json(parts[k]) for k in sorted(parts, key=int)]
            else:
                params[name] = {k: _as_json(v) for k, v in parts.items()}
        return params

    def _auth(self, request: Request, params: dict[str, Any]) -> str:
        """The caller's token kind ("page" or "user"); Graph's 104/190 errors otherwise."""
        token = params.get("access_token")
        header = request.header("authorization", "") or ""
        scheme, _, value = header.partition(" ")
        if not token and scheme.lower() in ("oauth", "bearer"):
            token = value.strip()
        if not token:
            raise GraphError(104, "An access token is required to request this resource.")
        authenticate = {"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token"'}
        if token in self.expired:
            raise GraphError(190, (
                "Error validating access token: Session has expired. The current time is "
                f"{int(time.time())}."), 463, headers=authenticate)
        if token not in self.tokens:
            raise GraphError(190, "Error validating access token: The session is invalid because "
                             "the user logged out.", 467, headers=authenticate)
        return self.tokens[token]

    def _throttle(self, scope: str, token_kind: str, node: str, response_headers: dict[str, str]) -> None:
        usage_type = "instagram" if scope == "instagram" else "pages"
        hit = next((s for s in ("app", scope) if s in self.throttled), None)
        busy = hit is not None
        response_headers["X-Business-Use-Case-Usage"] = json.dumps({node: [{
            "type": usage_type, "call_count": 100 if busy else self._usage(),
            "total_cputime": 1, "total_time": 1, "estimated_time_to_regain_access": 5 if busy else 0}]})
        if hit is None:
            return
        left = self.throttled[hit]
        if left is not None:
            if left <= 1:
                del self.throttled[hit]
            else:
                self.throttled[hit] = left - 1
        if hit == "app":
            raise GraphError(4, "(#4) Application request limit reached", headers=response_headers)
        if scope == "instagram":
            raise GraphError(80002, "(#80002) There have been too many calls to this Instagram "
                             f"account. Wait a bit and try again. For more info, please refer to "
                             f"{RATE_LIMIT_DOC}.", headers=response_headers)
        if token_kind == "user":
            raise GraphError(32, "(#32) Page request limit reached", headers=response_headers)
        raise GraphError(80001, "(#80001) There have been too many calls to this Page account. "
                         f"Wait a bit and try again. For more info, please refer to {RATE_LIMIT_DOC}.",
                         headers=response_headers)

    def _begin(self, request: Request, node_type: str, edge: str,
               allowed: dict[str, tuple[str, bool]] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
        """Version, token, node, throttling and parameter checks shared by every edge call."""
        self._version(request)
        params = self._params(request)
        kind = self._auth(request, params)
        node = request.params["node"]
        expected = {"Page": self.PAGE_ID, "IGUser": self.IG_USER_ID, "Application": self.APP_ID}
        if node != expected[node_type]:
            raise _no_object(node, request.method)
        headers: dict[str, str] = {}
        scope = {"Page": "page", "IGUser": "instagram"}.get(node_type)
        if scope:
            self._throttle(scope, kind, node, headers)
        spec = allowed if allowed is not None else self._edges.get((node_type, request.method, edge))
        if spec is not None:
            check_params({**COMMON_PARAMS, **spec}, params)
        return params, headers

    def _new_id(self) -> str:
        return str(10**15 + next(self._ids))

    # -- Facebook Page ------------------------------------------------------------------------
    @route("POST", "/{version}/{node}/feed")
    def page_feed(self, request: Request) -> Response:
        params, headers = self._begin(request, "Page", "feed")
        media = params.get("attached_media") or []
        if isinstance(media, str):
            media = _as_list(media) or []
        fbids: list[str] = []
        for i, item in enumerate(media):
            item = _as_json(item)
            fbid = str(item.get("media_fbid", "")) if isinstance(item, dict) else ""
            photo = self.photos.get(fbid)
            if photo is None or photo["published"] or photo.get("attached_to"):
                raise _invalid(f"Param attached_media[{i}] must be an unpublished photo id of this Page")
            fbids.append(fbid)
        if not params.get("message") and not params.get("link") and not fbids:
            raise _invalid("Missing message or attachment")
        post_id = f"{self.PAGE_ID}_{self._new_id()}"
        for fbid in fbids:
            self.photos[fbid]["attached_to"] = post_id
        self.page_posts.append({
            "id": post_id, "message": params.get("message", ""), "link": params.get("link"),
            "attached_media": fbids, "published": _truthy(params.get("published"), True),
            "created_time": time.time()})
        return Response(200, {"id": post_id}, headers)

    @route("POST", "/{version}/{node}/photos")
    def page_photos(self, request: Request) -> Response:
        params, headers = self._begin(request, "Page", "photos")
        if "source" in params:
            data = params["source"]
        elif params.get("url"):
            try:
                data, _ = fetch_media(params["url"], timeout=self.fetch_timeout, limit=10 * IMAGE_LIMIT)
            except FetchError:
                raise _invalid("url should represent a valid URL") from None
        else:
            raise GraphError(324, "(#324) Requires upload file")
        try:
            with Image.open(io.BytesIO(data)) as image:
                image_format, size = image.format, image.size
        except (UnidentifiedImageError, OSError):
            raise GraphError(324, "(#324) Missing or invalid image file") from None
        published = _truthy(params.get("published"), True)
        photo_id = self._new_id()
        photo = {"id": photo_id, "published": published, "format": image_format, "size": size,
                 "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                 "caption": params.get("caption") or params.get("message", ""),
                 "alt_text": params.get("alt_text_custom")}
        self.photos[photo_id] = photo
        if not published:
            return Response(200, {"id": photo_id}, headers)
        post_id = f"{self.PAGE_ID}_{self._new_id()}"
        photo["attached_to"] = post_id
        self.page_posts.append({"id": post_id, "message": photo["caption"], "link": None,
                                "attached_media": [photo_id], "published": True,
                                "created_time": time.time()})
        return Response(200, {"id": photo_id, "post_id": post_id}, headers)

    @route("POST", "/{version}/{node}/uploads")
    def app_uploads(self, request: Request) -> Response:
        params, headers = self._begin(request, "Application", "uploads", {
            "file_name": ("string", True), "file_length": ("unsigned int", True),
            "file_type": ("string", True)})
        if params["file_type"] not in UPLOAD_FILE_TYPES:
            raise _invalid(f"Param file_type must be one of {{{', '.join(UPLOAD_FILE_TYPES)}}}")
        session = base64.urlsafe_b64encode(f"1:attachment:{secrets.token_hex(8)}".encode()).decode().rstrip("=")
        self.uploads[session] = {
            "file_name": params["file_name"], "file_length": int(params["file_length"]),
            "file_type": params["file_type"], "sig": secrets.token_urlsafe(12), "data": bytearray(),
            "handle": None}
        upload = self.uploads[session]
        return Response(200, {"id": f"upload:{session}?sig={upload['sig']}"}, headers)

    def _upload_session(self, request: Request) -> tuple[str, dict[str, Any]]:
        self._version(request)
        node = request.params["node"]
        upload = self.uploads.get(node.removeprefix("upload:")) if node.startswith("upload:") else None
        if upload is None or request.arg("sig") != upload["sig"]:
            raise _no_object(node, request.method)
        self._auth(request, {k: v[0] for k, v in request.query.items()})
        return f"{node}?sig={upload['sig']}", upload

    @route("POST", "/{version}/{node}")
    def upload_transfer(self, request: Request) -> Response:
        if not request.params["node"].startswith("upload:"):
            raise _no_object(request.params["node"], "POST")
        node, upload = self._upload_session(request)
        offset_header = request.header("file_offset")
        if offset_header is None or not offset_header.isdigit():
            raise _invalid("The parameter file_offset is required.")
        offset = int(offset_header)
        if offset != len(upload["data"]):
            raise _invalid(f"Param file_offset must be the number of bytes already uploaded "
                           f"({len(upload['data'])}), got {offset}")
        body = request.body
        if self._partial_keep is not None:
            body, self._partial_keep = body[: self._partial_keep], None
        if offset + len(body) > upload["file_length"]:
            raise _invalid("The uploaded data is larger than file_length")
        upload["data"] += body
        if upload["handle"] is None:
            upload["handle"] = f"4::{base64.urlsafe_b64encode(secrets.token_bytes(18)).decode()}"
        return Response(200, {"h": upload["handle"]})

    @route("POST", "/{version}/{node}/videos")
    def page_videos(self, request: Request) -> Response:
        params, headers = self._begin(request, "Page", "videos")
        handle = params.get("fbuploader_video_file_chunk")
        upload = next((u for u in self.uploads.values() if handle and u["handle"] == handle), None)
        if upload is None or len(upload["data"]) != upload["file_length"]:
            raise _invalid("Param fbuploader_video_file_chunk must be the handle of a complete upload")
        video_id = self._new_id()
        data = bytes(upload["data"])
        self.videos[video_id] = {
            "id": video_id, "title": params.get("title", ""), "description": params.get("description", ""),
            "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "file_name": upload["file_name"]}
        post_id = f"{self.PAGE_ID}_{self._new_id()}"
        self.videos[video_id]["post_id"] = post_id
        self.page_posts.append({"id": post_id, "message": params.get("description", ""), "link": None,
                                "attached_media": [], "video_id": video_id,
                                "published": _truthy(params.get("published"), True),
                                "created_time": time.time()})
        return Response(200, {"id": video_id}, headers)

    @route("GET", "/{version}/{node}/feed")
    def page_feed_list(self, request: Request) -> Response:
        """Recent Page posts: how a publisher finds out whether a post whose reply was lost exists."""
        params, headers = self._begin(request, "Page", "feed", {"limit": ("unsigned int", False)})
        fields = self._fields(params, {"id", "message", "created_time", "permalink_url"}, "Post", "id")
        posts = [self._post_view(p, fields) for p in reversed(self.page_posts)]
        return Response(200, {"data": posts[: int(params.get("limit") or 25)]}, headers)

    # -- Instagram ----------------------------------------------------------------------------
    @route("POST", "/{version}/{node}/media")
    def ig_create(self, request: Request) -> Response:
        params, headers = self._begin(request, "IGUser", "media")
        media_type = str(params.get("media_type") or "").upper()
        item = _truthy(params.get("is_carousel_item"), False)
        if media_type not in ("", "CAROUSEL", "REELS", "STORIES", "VIDEO"):
            raise _invalid("Param media_type must be one of {CAROUSEL, REELS, STORIES, VIDEO}")
        if media_type == "VIDEO" and not item:
            raise _invalid("The VIDEO media type is no longer supported for feed posts; use REELS",
                           2207023)
        if len(str(params.get("alt_text") or "")) > 1000:
            raise _invalid("Param alt_text must be at most 1000 characters")
        if len(str(params.get("caption") or "")) > 2200:
            raise _ig_error(36004, 2207010, "The submitted image's caption was longer than 2200 "
                            "characters.", "Caption too long", "The caption may have up to 2200 characters.")
        container = Container(self._new_id(), media_type or "IMAGE", params, self.processing_polls)
        if media_type == "CAROUSEL":
            container.children = self._carousel_children(params.get("children"))
        elif media_type in ("REELS", "VIDEO") or (media_type == "STORIES" and params.get("video_url")):
            if not params.get("video_url"):
                raise _invalid("The parameter video_url is required.")
            self._fetch_video(container, str(params["video_url"]))
        else:
            if not params.get("image_url"):
                raise _invalid("The parameter image_url is required.")
            container.media = self._fetch_image(str(params["image_url"]))
        self.containers[container.id] = container
        return Response(200, {"id": container.id}, headers)

    def _carousel_children(self, raw: Any) -> list[str]:
        children = [str(c) for c in (_as_list(raw) or [])]
        if not 2 <= len(children) <= 10:
            raise _invalid("Your post won't work as a carousel. Carousels need 2 to 10 items.", 2207028)
        for child in children:
            found = self.containers.get(child)
            if found is None or not _truthy(found.params.get("is_carousel_item"), False):
                raise _invalid(f"Param children must list carousel item containers; {child} is not one")
        return children

    def _fetch_image(self, url: str) -> dict[str, Any]:
        """Download and check an image the way Instagram does when a container is created."""
        try:
            data, _ = fetch_media(url, timeout=self.fetch_timeout, limit=IMAGE_LIMIT)
        except FetchError:
            raise _ig_error(-2, 2207003, "Timeout", "Media download has timed out",
                            "The media could not be downloaded in time. Please try again.") from None
        if len(data) > IMAGE_LIMIT:
            raise _ig_error(36000, 2207004, "The image size is too large.", "Image size too large",
                            "The image is too large to download. It should be less than 8 MiB.")
        try:
            with Image.open(io.BytesIO(data)) as image:
                image_format, (width, height) = image.format, image.size
        except (UnidentifiedImageError, OSError):
            image_format, width, height = "unknown", 0, 0
        if image_format != "JPEG":  # Pillow reports MPO for the extended JPEG Instagram refuses
            raise _ig_error(36001, 2207005, f"The image format {image_format} is not supported.",
                            "Unsupported format", "The image format is not supported. "
                            "JPEG is the only image format supported.")
        if not 4 / 5 <= width / height <= 1.91:
            raise _ig_error(36003, 2207009, f"The submitted image with aspect ratio ('{width}/{height}') "
                            "cannot be published. Please submit an image with a valid aspect ratio.",
                            "Invalid aspect ratio", "The aspect ratio must be between 4:5 and 1.91:1.")
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "width": width,
                "height": height}

    def _fetch_video(self, container: Container, url: str) -> None:
        """Videos are processed after the container exists: a failed download shows up as ERROR."""
        try:
            data, _ = fetch_media(url, timeout=self.fetch_timeout, limit=VIDEO_LIMIT)
        except FetchError:
            container.status_code, container.error_subcode = "ERROR", 2207003
            return
        container.media = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    @route("POST", "/{version}/{node}/media_publish")
    def ig_publish(self, request: Request) -> Response:
        params, headers = self._begin(request, "IGUser", "media_publish")
        container = self.containers.get(str(params["creation_id"]))
        if container is None:
            raise _invalid(f"Param creation_id {params['creation_id']} is not a container of this user")
        if container.status_code == "EXPIRED":
            raise _ig_error(-2, 2207020, "The media you are trying to access has expired.",
                            "Media expired", "Please create a new container and try again.")
        if container.status_code == "PUBLISHED":
            raise _invalid("Param creation_id refers to a container that is already published")
        if container.status_code != "FINISHED":
            raise _ig_error(9007, 2207027, "Media ID is not available", "Media not ready for publishing",
                            "The media is not ready for publishing, please wait for a moment")
        if self._quota_usage() >= self.QUOTA_TOTAL:
            raise _ig_error(9, 2207042, "You reached maximum number of posts that is allowed to be "
                            "published by Content Publishing API.", "Publishing limit reached",
                            f"You can publish up to {self.QUOTA_TOTAL} posts in 24 hours.")
        container.status_code = "PUBLISHED"
        media_id = self._new_id()
        product = "REELS" if container.media_type == "REELS" else (
            "STORY" if container.media_type == "STORIES" else "FEED")
        media_type = {"CAROUSEL": "CAROUSEL_ALBUM", "REELS": "VIDEO", "IMAGE": "IMAGE"}.get(
            container.media_type, "VIDEO" if container.params.get("video_url") else "IMAGE")
        shortcode = base64.urlsafe_b64encode(secrets.token_bytes(8)).decode()[:11]
        kind = "reel" if product == "REELS" else "p"
        self.ig_media.append({
            "id": media_id, "container_id": container.id, "media_type": media_type,
            "media_product_type": product, "caption": container.params.get("caption", ""),
            "alt_text": container.params.get("alt_text"), "children": list(container.children),
            "shortcode": shortcode, "permalink": f"https://www.instagram.com/{kind}/{shortcode}/",
            "timestamp": time.time(), "media": container.media,
            "children_media": [self.containers[c].media for c in container.children]})
        return Response(200, {"id": media_id}, headers)

    def _quota_usage(self) -> int:
        since = time.time() - self.QUOTA_DURATION
        return sum(1 for m in self.ig_media if m["timestamp"] >= since)

    @route("GET", "/{version}/{node}/content_publishing_limit")
    def ig_limit(self, request: Request) -> Response:
        params, headers = self._begin(request, "IGUser", "content_publishing_limit")
        fields = self._fields(params, {"quota_usage", "config"}, "ContentPublishingLimitResponse",
                              "quota_usage")
        entry: dict[str, Any] = {}
        if "quota_usage" in fields:
            entry["quota_usage"] = self._quota_usage()
        if "config" in fields:
            entry["config"] = {"quota_total": self.QUOTA_TOTAL, "quota_duration": self.QUOTA_DURATION}
        return Response(200, {"data": [entry]}, headers)

    @route("GET", "/{version}/{node}/media")
    def ig_media_list(self, request: Request) -> Response:
        """Recent media: how a publisher finds out whether a publish whose reply was lost happened."""
        params, headers = self._begin(request, "IGUser", "media", {"limit": ("unsigned int", False)})
        fields = self._fields(params, set(self._MEDIA_FIELDS), "IGMedia", "id")
        media = [{f: m[f] for f in fields} for m in reversed(self.ig_media)]
        return Response(200, {"data": media[: int(params.get("limit") or 25)]}, headers)

    # -- reading single objects ---------------------------------------------------------------
    _MEDIA_FIELDS = ("id", "permalink", "shortcode", "media_type", "media_product_type", "caption",
                     "timestamp")

    def _fields(self, params: dict[str, Any], known: set[str], node_type: str, default: str) -> list[str]:
        fields = [f.strip() for f in str(params.get("fields") or default).split(",") if f.strip()]
        for name in fields:
            if name not in known:
                raise _invalid(f"Tried accessing nonexisting field ({name}) on node type ({node_type})")
        return fields

    def _post_view(self, post: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        values = {"id": post["id"], "message": post["message"], "permalink_url":
                  f"https://www.facebook.com/{post['id']}", "created_time": time.strftime(
                      "%Y-%m-%dT%H:%M:%S+0000", time.gmtime(post["created_time"]))}
        return {f: values[f] for f in fields}

    @route("GET", "/{version}/{node}")
    def get_object(self, request: Request) -> Response:
        node = request.params["node"]
        if node.startswith("upload:"):
            node, upload = self._upload_session(request)
            return Response(200, {"id": node, "file_offset": len(upload["data"])})
        self._version(request)
        params = self._params(request)
        kind = self._auth(request, params)
        check_params(COMMON_PARAMS, params)
        found = self._lookup(node)
        if found is None:
            raise _no_object(node, "GET")
        scope, node_type, values = found
        headers: dict[str, str] = {}
        self._throttle(scope, kind, self.IG_USER_ID if scope == "instagram" else self.PAGE_ID, headers)
        fields = self._fields(params, set(values), node_type, "id")
        container = self.containers.get(node)
        if container is not None and container.status_code == "IN_PROGRESS" and "status_code" in fields:
            if container.polls_left <= 0:
                container.status_code = "FINISHED"
                values = self._container_view(container)
            container.polls_left -= 1
        return Response(200, {f: values[f] for f in fields}, headers)

    def _lookup(self, node: str) -> tuple[str, str, dict[str, Any]] | None:
        """Which kind of object an id names: (throttling scope, Graph node type, readable fields)."""
        if node in self.containers:
            return "instagram", "IGContainer", self._container_view(self.containers[node])
        media = next((m for m in self.ig_media if m["id"] == node), None)
        if media is not None:
            return "instagram", "IGMedia", {f: media[f] for f in self._MEDIA_FIELDS}
        post = next((p for p in self.page_posts if p["id"] == node), None)
        if post is not None:
            return "page", "Post", self._post_view(post, ["id", "message", "created_time", "permalink_url"])
        if node in self.videos:
            video = self.videos[node]
            return "page", "Video", {
                "id": node, "title": video["title"], "description": video["description"],
                "post_id": video["post_id"], "permalink_url": f"/{self.PAGE_ID}/videos/{node}/"}
        return None

    @staticmethod
    def _container_view(container: Container) -> dict[str, Any]:
        status = {"FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
                  "IN_PROGRESS": "In Progress: Media is still being processed.",
                  "PUBLISHED": "Published: Media has been published.",
                  "EXPIRED": "Expired: Media was not published within 24 hours.",
                  "ERROR": f"Error: {container.error_subcode}"}[container.status_code]
        return {"id": container.id, "status_code": container.status_code, "status": status}
