"""Facebook Page: long text, several photos (posted together), or one video."""

from __future__ import annotations

import json
from typing import Any

import httpx

from pipeline.content import Item, Media, Target
from pipeline.platforms.base import MB, Findings, Job, Platform, Posted
from pipeline.platforms.transport import Api, FileSegment, PostError, upload_file

GRAPH_VERSION = "v25.0"  # default; sop.yml `graph_version` overrides it
FACEBOOK = "https://www.facebook.com"


class Facebook(Platform):
    name = "facebook"
    label = "Facebook"
    settings = {"page_id": (str, int), "graph_version": str, "app_id": (str, int)}
    overrides = {"caption": str, "link": str}
    # The 63,206-character limit is the one the Page composer enforces; Meta's API docs give none.
    caption_limit = 63206
    feed_cut = 477
    image_formats = ("JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP")
    video_formats = ("MP4",)  # the Resumable Upload API takes video/mp4 only

    def rules(self, item: Item, target: Target, found: Findings) -> None:
        if not target.caption and not item.media:
            found.caption(target, "item.no_caption")
        if item.videos and len(item.media) > 1:
            found.add("facebook.mix", field="media", line=item.lines.get(("media",)))
        self.check_formats(found, item.images, self.image_formats)
        # Meta's docs disagree on the photo size limit (4 MB or 10 MB): warn, let the API decide.
        self.check_size(found, item.images, 10 * MB, severity="warning")
        self.check_formats(found, item.videos, self.video_formats)
        self.check_size(found, item.videos, 10 * 1024 * MB)
        link = target.options.get("link")
        if link is not None and not link.startswith(("http://", "https://")):
            found.option(target, "link", "facebook.link", value=link)

    # -- publishing -------------------------------------------------------------------------
    secrets = ("FACEBOOK_PAGE_TOKEN",)
    urls = {"graph": "https://graph.facebook.com", "video": "https://graph-video.facebook.com"}
    #: bytes per upload request: the file is streamed piece by piece, never read whole
    upload_chunk = 4 * MB

    def post(self, job: Job, api: Api) -> Posted:
        """Text (+ link) or several photos through `/feed`, one photo through `/photos`, a video
        through the Resumable Upload API. Only the call that makes the post is `creates=True`."""
        page = required_setting(job, "page_id")
        version = str(job.settings.get("graph_version") or GRAPH_VERSION)
        graph = f"{job.urls['graph']}/{version}"
        auth = oauth(job.secrets["FACEBOOK_PAGE_TOKEN"])
        item, text, link = job.item, job.target.caption, job.target.options.get("link")
        if item.videos:
            video = item.videos[0]
            handle = self._upload(job, api, graph, auth, video)
            reply = api.request("POST", f"{job.urls['video']}/{version}/{page}/videos", creates=True, headers=auth,
                                data={"title": item.title, "description": text,
                                      "fbuploader_video_file_chunk": handle})
            video_id = str(reply.json()["id"])
            found = read_fields(api, f"{graph}/{video_id}", auth, "permalink_url,post_id")
            return Posted(str(found.get("post_id") or video_id),
                          _absolute(found.get("permalink_url")) or f"{FACEBOOK}/{video_id}")
        if link and item.media:  # Graph takes `link` only on a post without media: keep it in the text
            text = text if link in text else f"{text}\n\n{link}".strip()
        if len(item.images) == 1:
            photo = item.images[0]
            reply = api.request("POST", f"{graph}/{page}/photos", creates=True, headers=auth,
                                data={"caption": text, "published": "true", **_alt(photo)},
                                files=_source(photo))
            post_id = str(reply.json().get("post_id") or reply.json()["id"])
        else:
            data: dict[str, str] = {"message": text}
            if link and not item.media:
                data["link"] = link
            for i, photo in enumerate(item.images):
                reply = api.request("POST", f"{graph}/{page}/photos", headers=auth,
                                    data={"published": "false", **_alt(photo)}, files=_source(photo))
                data[f"attached_media[{i}]"] = json.dumps({"media_fbid": str(reply.json()["id"])})
            post_id = str(api.request("POST", f"{graph}/{page}/feed", creates=True, headers=auth,
                                      data=data).json()["id"])
        found = read_fields(api, f"{graph}/{post_id}", auth, "permalink_url")
        return Posted(post_id, _absolute(found.get("permalink_url")) or f"{FACEBOOK}/{post_id}")

    def _upload(self, job: Job, api: Api, graph: str, auth: dict[str, str], video: Media) -> str:
        """Resumable Upload API: open a session, send the file in pieces, return the file handle."""
        app = required_setting(job, "app_id")
        total = video.path.stat().st_size
        session = api.request("POST", f"{graph}/{app}/uploads", headers=auth, params={
            "file_name": video.file, "file_length": total, "file_type": video.info.mime}).json()["id"]
        url = f"{graph}/{session}"
        handle: list[str] = []

        def send(offset: int, data: FileSegment | bytes) -> None:
            reply = api.request("POST", url, headers={**auth, "file_offset": str(offset)}, content=data)
            handle[:] = [str(reply.json()["h"])]

        def offset_now() -> int:
            return int(api.request("GET", url, headers=auth).json()["file_offset"])

        upload_file(video.path, video.file, lambda offset: min(self.upload_chunk, total - offset), send, offset_now,
                    job.progress)
        if not handle:  # the last reply was lost but every byte arrived: an empty piece returns the handle
            send(total, b"")
        return handle[0]


def oauth(token: str) -> dict[str, str]:
    """Graph takes the token in a header, which keeps it out of URLs (and so out of any log)."""
    return {"Authorization": f"OAuth {token}"}


def required_setting(job: Job, key: str) -> str:
    value = job.settings.get(key)
    if value in (None, ""):
        raise PostError("failed", code="post.setting", platform=job.target.platform, key=key)
    return str(value)


def _alt(photo: Media) -> dict[str, str]:
    return {"alt_text_custom": photo.alt} if photo.alt else {}


def _source(photo: Media) -> dict[str, tuple[str, bytes, str]]:
    """The photo's bytes as a multipart file (photos are small; bytes survive a retry, a handle would not)."""
    return {"source": (photo.file, photo.path.read_bytes(), photo.info.mime)}


def _absolute(link: object) -> str | None:
    """Graph gives some permalinks relative to facebook.com (videos)."""
    if not link:
        return None
    return f"{FACEBOOK}{link}" if str(link).startswith("/") else str(link)


def read_fields(api: Api, url: str, headers: dict[str, str], fields: str) -> dict[str, Any]:
    """Read fields of an object that already exists; a failure here must not undo a post: {}."""
    try:
        data = api.request("GET", url, headers=headers, params={"fields": fields}).json()
    except (PostError, httpx.HTTPError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
