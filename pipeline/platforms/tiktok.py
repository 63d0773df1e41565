"""TikTok: a video (or a set of photos) with a caption counted in UTF-16 units."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from pipeline.content import Item, Media, Target
from pipeline.platforms.base import MB, Findings, Job, Platform, Posted
from pipeline.platforms.transport import Api, FileSegment, PostError, upload_file

RAW_GITHUB = "https://raw.githubusercontent.com/"  # the default media URL (publish.Publisher.media_url)
PRIVACY = {
    "public": "PUBLIC_TO_EVERYONE",
    "friends": "MUTUAL_FOLLOW_FRIENDS",
    "followers": "FOLLOWER_OF_CREATOR",
    "private": "SELF_ONLY",
}

#: FILE_UPLOAD rules: pieces of 5–64 MB (a smaller video goes whole), at most 1000 of them
MIN_CHUNK, MAX_CHUNK, MAX_CHUNKS = 5 * MB, 64 * MB, 1000


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def privacy_level(value: str) -> str | None:
    """TikTok's privacy value from our short name or TikTok's own; None if neither."""
    return PRIVACY.get(value) or (value if value in PRIVACY.values() else None)


class TikTok(Platform):
    name = "tiktok"
    label = "TikTok"
    settings = {"privacy": str}
    overrides = {"caption": str, "title": str, "privacy": str}
    caption_limit = 2200
    caption_unit = "utf16"
    needs_media = True
    photo_title_limit = 90
    photo_description_limit = 4000
    max_photos = 35

    def caption_length(self, text: str) -> int:
        return utf16_length(text)

    def caption_limit_for(self, item: Item) -> int:
        """A photo post's caption is its description, which may be longer than a video's."""
        return self.photo_description_limit if item.images and not item.videos else self.caption_limit

    def rules(self, item: Item, target: Target, found: Findings) -> None:
        videos, photos = item.videos, item.images
        if videos and (len(videos) > 1 or photos):
            found.add("tiktok.mix", field="media", line=item.lines.get(("media",)))
        if photos and not videos:
            title = str(target.options.get("title") or item.title)
            if utf16_length(title) > self.photo_title_limit:
                if "title" in target.options:
                    found.option(target, "title", "limit.title", length=utf16_length(title),
                                 limit=self.photo_title_limit)
                else:
                    found.add("limit.title", field="title", line=item.lines.get(("title",)),
                              length=utf16_length(title), limit=self.photo_title_limit)
            if len(photos) > self.max_photos:
                found.add("limit.media_count", field="media", line=item.lines.get(("media",)),
                          count=len(photos), limit=self.max_photos)
            self.check_formats(found, photos, ("JPEG", "WEBP"))
            self.check_size(found, photos, 20 * MB)
        self.check_formats(found, videos, ("MP4", "MOV", "WEBM"))
        self.check_size(found, videos, 4 * 1024 * MB)
        for video in videos:
            self.check_duration(found, video, 3, 600)
            sides = (video.info.width or 0, video.info.height or 0)
            if not all(360 <= s <= 4096 for s in sides):
                found.media(video, "limit.resolution", width=sides[0], height=sides[1], allowed="360 – 4096 px")
        privacy = target.options.get("privacy")
        if privacy is not None and privacy_level(privacy) is None:
            found.option(target, "privacy", "field.choice", value=privacy,
                         choices=", ".join([*PRIVACY, *PRIVACY.values()]), hint="")

    # -- publishing -------------------------------------------------------------------------
    #: KONTEN_TOKEN_KEY too: without it the rotated refresh token cannot be kept, and refreshing
    #: anyway would kill the admin's token; a missing key stops the run before any call
    secrets = ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET", "TIKTOK_REFRESH_TOKEN", "KONTEN_TOKEN_KEY")
    #: a refused access token is renewed by authorising the app again, which gives a new refresh token
    credentials = ("TIKTOK_REFRESH_TOKEN",)
    urls = {"api": "https://open.tiktokapis.com"}
    #: FILE_UPLOAD piece size (TikTok: 5–64 MB; the last piece takes the remainder)
    upload_chunk = 10 * MB
    #: status checks after the upload, at most about 5 minutes
    poll_waits = (2.0, 3.0, 5.0, 10.0, 10.0, 30.0, 30.0, 60.0, 60.0, 60.0)

    def post(self, job: Job, api: Api) -> Posted:
        """Refresh the token (keeping the rotated one), check the creator, then post a video
        (FILE_UPLOAD, in pieces) or photos (PULL_FROM_URL) and follow its status."""
        root = job.urls["api"]
        auth = {"Authorization": f"Bearer {self._access_token(job, api, root)}",
                "Content-Type": "application/json; charset=UTF-8"}

        def call(path: str, body: dict[str, Any] | None = None, creates: bool = False) -> dict[str, Any]:
            return _data(api.request("POST", f"{root}{path}", creates=creates, headers=auth, json=body))

        creator = call("/v2/post/publish/creator_info/query/")
        privacy = self._privacy(job, creator)
        if job.item.videos:
            video = job.item.videos[0]
            limit = creator.get("max_video_post_duration_sec")
            if isinstance(limit, int) and (video.info.duration or 0) > limit:
                raise PostError("failed", code="post.tiktok.duration", duration=f"{video.info.duration:.0f}",
                                limit=limit)
            publish_id = self._upload(job, api, call, video, privacy)
        else:
            urls = [job.media_url(m) for m in job.item.images]
            if any(u.startswith(RAW_GITHUB) for u in urls):  # checked before anything is created
                raise PostError("failed", code="post.tiktok.raw_github")
            publish_id = call("/v2/post/publish/content/init/", creates=True, body={
                "media_type": "PHOTO", "post_mode": "DIRECT_POST",
                "post_info": {"title": str(job.target.options.get("title") or job.item.title),
                              "description": job.target.caption, "privacy_level": privacy},
                "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0,
                                "photo_images": urls}})["publish_id"]
        return self._outcome(api, call, str(publish_id), str(creator.get("creator_username") or ""))

    @staticmethod
    def _access_token(job: Job, api: Api, root: str) -> str:
        """Refresh-token grant. TikTok rotates the refresh token and the old one dies at once, so
        the new one is saved before anything else can fail (see `pipeline.tokens`)."""
        name = "TIKTOK_REFRESH_TOKEN"
        refresh = job.tokens.load(name) or job.secrets[name]
        try:
            reply = api.request("POST", f"{root}/v2/oauth/token/", data={
                "client_key": job.secrets["TIKTOK_CLIENT_KEY"], "client_secret": job.secrets["TIKTOK_CLIENT_SECRET"],
                "grant_type": "refresh_token", "refresh_token": refresh})
        except PostError as exc:
            raise PostError(exc.outcome, code="post.tiktok.login", why=exc, secret=name) from None
        data = reply.json()
        rotated = data.get("refresh_token")
        if rotated and rotated != refresh:
            try:
                job.tokens.save(name, str(rotated))
            except Exception as exc:  # the old token is dead now: say so, and post nothing
                raise PostError("failed", code="post.tiktok.token_not_kept", error=type(exc).__name__,
                                secret=name) from None
        if not data.get("access_token"):
            raise PostError("failed", code="post.no_access_token", platform="TikTok")
        return str(data["access_token"])

    @staticmethod
    def _privacy(job: Job, creator: dict[str, Any]) -> str:
        """The item's privacy, else sop.yml's, else SELF_ONLY (private: safe until set on purpose)."""
        chosen = job.target.options.get("privacy") or job.settings.get("privacy") or "SELF_ONLY"
        level = privacy_level(str(chosen))
        offered = creator.get("privacy_level_options") or []
        if level not in offered:
            raise PostError("failed", code="post.tiktok.privacy", chosen=chosen, offered=", ".join(offered) or "-")
        return str(level)

    def _upload(self, job: Job, api: Api, call: Callable[..., dict[str, Any]], video: Media, privacy: str) -> str:
        """video/init with FILE_UPLOAD, then the pieces in order; the post is made when the last lands."""
        size = video.path.stat().st_size
        chunk = size if size < MIN_CHUNK else max(MIN_CHUNK, min(self.upload_chunk, MAX_CHUNK, size),
                                                  -(-size // MAX_CHUNKS))
        count = size // chunk
        data = call("/v2/post/publish/video/init/", body={
            "post_info": {"title": job.target.caption, "privacy_level": privacy},
            "source_info": {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk,
                            "total_chunk_count": count}})
        publish_id, upload_url = str(data["publish_id"]), str(data["upload_url"])

        def piece(offset: int) -> int:
            return chunk if offset // chunk < count - 1 else size - offset

        def send(offset: int, body: FileSegment) -> None:
            api.request("PUT", upload_url, creates=offset + len(body) == size, ok=(200, 201, 206), content=body,
                        headers={"Content-Type": video.info.mime,
                                 "Content-Range": f"bytes {offset}-{offset + len(body) - 1}/{size}"})

        def offset_now() -> int:
            return int(call("/v2/post/publish/status/fetch/", {"publish_id": publish_id}).get("uploaded_bytes", 0))

        upload_file(video.path, video.file, piece, send, offset_now, job.progress)
        return publish_id

    def _outcome(self, api: Api, call: Callable[..., dict[str, Any]], publish_id: str, username: str) -> Posted:
        """Follow the publish until TikTok says it is out or FAILED. The post exists already, so a
        status that cannot be read, or is slow to settle, still counts as posted."""
        profile = f"https://www.tiktok.com/@{username}" if username else "https://www.tiktok.com"
        for wait in (0.0, *self.poll_waits):
            if wait:
                api.sleep(wait)
            try:
                data = call("/v2/post/publish/status/fetch/", {"publish_id": publish_id})
            except PostError:
                break
            if data.get("status") == "FAILED":
                raise PostError("failed", code="post.tiktok.failed", detail=str(data.get("fail_reason") or "FAILED"))
            if data.get("status") == "PUBLISH_COMPLETE":
                public = data.get("publicaly_available_post_id") or []  # TikTok's spelling
                if public:  # only public posts get an id; a private one is found on the profile
                    return Posted(str(public[0]), f"{profile}/video/{public[0]}")
                break
        return Posted(publish_id, profile)


def _data(reply: httpx.Response) -> dict[str, Any]:
    """The `data` of TikTok's envelope; an error code other than "ok" (even with HTTP 200) fails."""
    body = reply.json()
    if not isinstance(body, dict):
        raise ValueError("TikTok answered without its JSON envelope")
    error = body.get("error") or {}
    if error.get("code", "ok") != "ok":
        raise PostError("failed", code="post.tiktok.error", error=error.get("code"), detail=error.get("message") or "-")
    return dict(body.get("data") or {})
