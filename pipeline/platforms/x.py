"""X (Twitter): 280 weighted characters; up to 4 photos, or 1 GIF, or 1 video."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import httpx
from authlib.oauth1 import ClientAuth

from pipeline.content import Item, Media, Target
from pipeline.platforms.base import MB, Findings, Job, Platform, Posted
from pipeline.platforms.transport import Api, FileSegment, PostError
from pipeline.platforms.twitter_text import weighted_length

POST_URL = "https://x.com/i/web/status/{id}"
CATEGORY = {"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video"}


class OAuth1(httpx.Auth):
    """OAuth 1.0a (HMAC-SHA1) user context, signed by authlib's RFC 5849 client.

    authlib's own `OAuth1Auth` is an `httpx2.Auth`, which `httpx.Client` refuses, so its signer
    (`ClientAuth`) is wrapped here. Only the header is taken: JSON and multipart bodies are not
    part of the signature base string (RFC 5849 section 3.4.1.3), and the body goes out as built.
    """

    def __init__(self, secrets: dict[str, str]) -> None:
        self.signer = ClientAuth(secrets["X_CONSUMER_KEY"], secrets["X_CONSUMER_SECRET"],
                                 token=secrets["X_ACCESS_TOKEN"], token_secret=secrets["X_ACCESS_TOKEN_SECRET"])

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        headers = httpx.Headers(request.headers)  # authlib reads "Content-Type" case-sensitively from a dict
        form = headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        body = request.content if form else b""  # a form is loaded at once; a streamed upload is not signed
        _, signed, _ = self.signer.prepare(request.method, str(request.url), headers, body)
        request.headers["Authorization"] = signed["Authorization"]
        yield request


class X(Platform):
    name = "x"
    label = "X (Twitter)"
    caption_limit = 280
    caption_unit = "weighted"
    max_photos = 4
    image_formats = ("JPEG", "PNG", "GIF", "WEBP")
    video_formats = ("MP4", "MOV")

    def caption_length(self, text: str) -> int:
        return weighted_length(text)

    def rules(self, item: Item, target: Target, found: Findings) -> None:
        if not target.caption and not item.media:
            found.caption(target, "item.no_caption")
        photos = [m for m in item.media if m.info.kind == "image"]
        gifs = [m for m in item.media if m.info.kind == "gif"]
        videos = item.videos
        if (videos or gifs) and len(item.media) > 1:
            found.add("x.mix", field="media", line=item.lines.get(("media",)))
        elif len(photos) > self.max_photos:
            found.add("limit.media_count", field="media", line=item.lines.get(("media",)),
                      count=len(photos), limit=self.max_photos)
        self.check_formats(found, photos + gifs, self.image_formats)
        self.check_size(found, photos, 5 * MB)
        self.check_size(found, gifs, 15 * MB)
        self.check_formats(found, videos, self.video_formats)
        self.check_size(found, videos, 512 * MB)
        for video in videos:
            self.check_duration(found, video, 0.5, 140)
            self.check_aspect(found, [video], 1 / 3, 3, "1:3 – 3:1")
            w, h = video.info.width or 0, video.info.height or 0
            if not (32 <= min(w, h) and max(w, h) <= 1280 and min(w, h) <= 1024):
                found.media(video, "limit.resolution", width=w, height=h, allowed="32×32 – 1280×1024")
        self.check_alt(found, item.images, 1000)

    # -- publishing -------------------------------------------------------------------------
    secrets = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
    urls = {"api": "https://api.x.com"}
    #: bytes per APPEND segment (X takes up to 5 MB), streamed from the file
    upload_chunk = 4 * MB
    #: longest total wait for X to process a video or GIF before giving up (nothing posted)
    processing_limit = 600.0

    def post(self, job: Job, api: Api) -> Posted:
        """Upload each medium (alt text on images), then `POST /2/tweets`: the only creating call."""
        auth, root = OAuth1(job.secrets), job.urls["api"]
        body: dict[str, Any] = {"text": job.target.caption} if job.target.caption else {}
        media_ids = [self._upload(job, api, auth, root, media) for media in job.item.media]
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        reply = api.request("POST", f"{root}/2/tweets", creates=True, auth=auth, json=body)
        post_id = str(reply.json()["data"]["id"])
        return Posted(post_id, POST_URL.format(id=post_id))

    def _upload(self, job: Job, api: Api, auth: OAuth1, root: str, media: Media) -> str:
        """initialize · append (segments streamed from the file) · finalize · processing · alt text."""
        total = media.path.stat().st_size
        init = api.request("POST", f"{root}/2/media/upload/initialize", auth=auth, json={
            "media_type": media.info.mime, "total_bytes": total, "media_category": CATEGORY[media.info.kind]})
        media_id = str(init.json()["data"]["id"])
        with media.path.open("rb") as handle:
            for index, start in enumerate(range(0, total, self.upload_chunk)):
                segment = FileSegment(handle, start, min(self.upload_chunk, total - start))
                # a retried segment is sent again under the same index, which X accepts
                api.request("POST", f"{root}/2/media/upload/{media_id}/append", auth=auth,
                            data={"segment_index": str(index)}, files={"media": (media.file, segment, media.info.mime)})
                job.progress(media.file, start + segment.length, total)
        done = api.request("POST", f"{root}/2/media/upload/{media_id}/finalize", auth=auth)
        self._processed(api, auth, root, media, media_id, done.json()["data"])
        if media.alt and media.info.kind in ("image", "gif"):
            api.request("POST", f"{root}/2/media/metadata", auth=auth,
                        json={"id": media_id, "metadata": {"alt_text": {"text": media.alt}}})
        return media_id

    def _processed(self, api: Api, auth: OAuth1, root: str, media: Media, media_id: str,
                   data: dict[str, Any]) -> None:
        """Wait as X says (`check_after_secs`) until a video or GIF is processed; bounded."""
        waited = 0.0
        while True:
            info = data.get("processing_info") or {}
            state = info.get("state")
            if state in (None, "succeeded"):
                return
            if state == "failed":
                error = info.get("error") or {}
                raise PostError("failed", code="post.x.processing", file=media.file,
                                detail=str(error.get("message") or error.get("name") or "failed"))
            wait = max(float(info.get("check_after_secs") or 1), 1.0)
            if waited + wait > self.processing_limit:
                raise PostError("failed", code="post.x.slow", file=media.file, seconds=f"{waited:.0f}")
            api.sleep(wait)
            waited += wait
            reply = api.request("GET", f"{root}/2/media/upload", auth=auth,
                                params={"media_id": media_id, "command": "STATUS"})
            data = reply.json()["data"]
