"""YouTube: one video, a title of at most 100 characters, a description of at most 5000 bytes."""

from __future__ import annotations

from typing import Any

import httpx

from pipeline.content import Item, Media, Target
from pipeline.platforms.base import MB, Findings, Job, Platform, Posted
from pipeline.platforms.transport import Api, FileSegment, PostError

PRIVACY = ("public", "unlisted", "private")
WATCH_URL = "https://www.youtube.com/watch?v={id}"
BLOCK = 256 * 1024  # every resumable chunk but the last is a multiple of this
#: upload sessions to open when one expires (404) before the last byte was sent
SESSIONS = 3
#: chunk attempts in a row that move the upload no further before the upload gives up
STALLS = 4


def tags_length(tags: list[str]) -> int:
    """YouTube's count: commas between tags count, and a tag with a space counts its quotes."""
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(len(tags) - 1, 0)


class YouTube(Platform):
    name = "youtube"
    label = "YouTube"
    settings = {"category_id": (str, int), "privacy": str, "notify_subscribers": bool}
    overrides = {"caption": str, "title": str, "tags": list, "privacy": str}
    caption_limit = 5000
    caption_unit = "bytes"
    feed_cut = 157
    needs_media = True
    title_limit = 100
    tags_limit = 500

    def caption_length(self, text: str) -> int:
        return len(text.encode("utf-8"))

    def title(self, item: Item, target: Target) -> str:
        return str(target.options.get("title") or item.title)

    def rules(self, item: Item, target: Target, found: Findings) -> None:
        if item.media and len(item.videos) != 1:
            found.add("youtube.one_video", field="media", line=item.lines.get(("media",)), count=len(item.videos))
        title = self.title(item, target)
        if "title" in target.options:
            where = {"field": "platforms.youtube.title", "line": target.option_lines.get("title")}
        else:
            where = {"field": "title", "line": item.lines.get(("title",))}
        if not title.strip():
            found.add("field.required", **where)
        if len(title) > self.title_limit:
            found.add("limit.title", length=len(title), limit=self.title_limit, **where)
        for text, place in ((title, where), (target.caption, {"field": target.caption_field, "line": target.caption_line})):
            if "<" in text or ">" in text:
                found.add("youtube.angle_brackets", **place)
        tags = target.options.get("tags", [])
        if not all(isinstance(t, str) for t in tags):
            found.option(target, "tags", "field.type", expected="text", got="list", value=tags)
        elif tags_length(tags) > self.tags_limit:
            found.option(target, "tags", "limit.tags", length=tags_length(tags), limit=self.tags_limit)
        privacy = target.options.get("privacy")
        if privacy is not None and privacy not in PRIVACY:
            found.option(target, "privacy", "field.choice", value=privacy, choices=", ".join(PRIVACY), hint="")
        self.check_formats(found, item.videos, ("MP4", "MOV", "WEBM"))

    # -- publishing -------------------------------------------------------------------------
    secrets = ("YOUTUBE_CLIENT_ID", "YOUTUBE_CLIENT_SECRET", "YOUTUBE_REFRESH_TOKEN")
    #: a refused access token is renewed by authorising the app again, which gives a new refresh token
    credentials = ("YOUTUBE_REFRESH_TOKEN",)
    urls = {"api": "https://www.googleapis.com", "upload": "https://www.googleapis.com",
            "token": "https://oauth2.googleapis.com"}
    #: bytes per PUT (a multiple of 256 KiB), streamed from the file
    upload_chunk = 8 * MB

    def post(self, job: Job, api: Api) -> Posted:
        """Refresh the access token, then `videos.insert` with the resumable protocol. A session
        that expires before the last byte was sent created nothing, so a new one is opened."""
        auth = {"Authorization": f"Bearer {self._access_token(job, api)}"}
        video = job.item.videos[0]
        for _ in range(SESSIONS):
            session = self._open_session(job, api, auth, video)
            resource = Upload(self, job, api, auth, video, session).run()
            if resource is not None:
                video_id = str(resource["id"])
                return Posted(video_id, WATCH_URL.format(id=video_id))
        raise PostError("failed", code="post.youtube.sessions", count=SESSIONS)

    @staticmethod
    def _access_token(job: Job, api: Api) -> str:
        """OAuth 2.0 refresh-token grant at Google's token endpoint (access tokens last an hour)."""
        try:
            reply = api.request("POST", f"{job.urls['token']}/token", data={
                "grant_type": "refresh_token", "client_id": job.secrets["YOUTUBE_CLIENT_ID"],
                "client_secret": job.secrets["YOUTUBE_CLIENT_SECRET"],
                "refresh_token": job.secrets["YOUTUBE_REFRESH_TOKEN"]})
        except PostError as exc:
            raise PostError(exc.outcome, code="post.youtube.login", why=exc, secret="YOUTUBE_REFRESH_TOKEN") from None
        token = reply.json().get("access_token")
        if not token:
            raise PostError("failed", code="post.no_access_token", platform="YouTube")
        return str(token)

    def _open_session(self, job: Job, api: Api, auth: dict[str, str], video: Media) -> str:
        """Start a resumable upload with the Video resource; Google answers with the session URI."""
        target, settings = job.target, job.settings
        snippet: dict[str, Any] = {"title": self.title(job.item, target), "description": target.caption}
        if target.options.get("tags"):
            snippet["tags"] = list(target.options["tags"])
        if settings.get("category_id") is not None:
            snippet["categoryId"] = str(settings["category_id"])
        privacy = target.options.get("privacy") or settings.get("privacy") or "public"
        params = {"uploadType": "resumable", "part": "snippet,status"}
        if settings.get("notify_subscribers") is not None:
            params["notifySubscribers"] = "true" if settings["notify_subscribers"] else "false"
        reply = api.request("POST", f"{job.urls['upload']}/upload/youtube/v3/videos", ok=(200,), params=params,
                            headers={**auth, "X-Upload-Content-Length": str(video.path.stat().st_size),
                                     "X-Upload-Content-Type": video.info.mime},
                            json={"snippet": snippet, "status": {"privacyStatus": privacy}})
        session = reply.headers.get("location")
        if not session:
            raise PostError("failed", code="post.youtube.no_session")
        return session


class Upload:
    """One resumable upload session: chunks streamed from the file, resumed where Google says.

    A chunk gets one try (no blind resend): when it fails, the session is asked how many bytes it
    holds (`Content-Range: bytes */total`) and the upload goes on from there. One session makes
    at most one video, so only a session that cannot be asked after the last chunk went
    unanswered leaves the video `unknown`.
    """

    def __init__(self, platform: YouTube, job: Job, api: Api, auth: dict[str, str], video: Media,
                 session: str) -> None:
        self.job, self.api, self.auth, self.video, self.session = job, api, auth, video, session
        self.chunk = max(BLOCK, platform.upload_chunk // BLOCK * BLOCK)
        self.total = video.path.stat().st_size
        self.once = Api(api.client, api.reason, retries=0, max_wait=api.max_wait, sleep=api.sleep, clock=api.clock)
        self.last_unanswered = False  # the last chunk went out and no clear answer came back

    def run(self) -> dict[str, Any] | None:
        """The Video resource once every byte arrived; None if the session expired first."""
        offset, stalls = 0, 0
        with self.video.path.open("rb") as handle:
            while True:
                data = FileSegment(handle, offset, min(self.chunk, self.total - offset))
                last = offset + data.length == self.total
                error = None
                try:
                    reply = self._put(data, offset, last)
                except PostError as exc:
                    self.last_unanswered = self.last_unanswered or last
                    error, reply = exc, self._status(exc)
                if reply.status_code in (200, 201):
                    self.job.progress(self.video.file, self.total, self.total)
                    return dict(reply.json())
                if reply.status_code == 404:
                    if self.last_unanswered:  # the video may exist: a new session could make a second one
                        raise PostError("unknown", code="post.youtube.gone")
                    return None
                held = held_bytes(reply)
                if held > offset:
                    stalls = 0
                    self.job.progress(self.video.file, held, self.total)
                else:
                    stalls += 1
                    if stalls >= STALLS:
                        outcome = "unknown" if self.last_unanswered else "failed"
                        if error:
                            raise PostError(outcome, code="post.youtube.stalls", offset=offset, total=self.total,
                                            why=error)
                        raise PostError(outcome, code="post.youtube.stuck", offset=offset, total=self.total)
                    self.api.sleep(2.0 ** (stalls - 1))
                offset = held

    def _put(self, data: FileSegment, offset: int, last: bool) -> httpx.Response:
        return self.once.request("PUT", self.session, creates=last, ok=(200, 201, 308, 404), content=data,
                                 headers={**self.auth, "Content-Type": self.video.info.mime,
                                          "Content-Range": f"bytes {offset}-{offset + data.length - 1}/{self.total}"})

    def _status(self, error: PostError) -> httpx.Response:
        """Ask the session how far it got; if it cannot say, the chunk's own error stands."""
        try:
            return self.api.request("PUT", self.session, ok=(200, 201, 308, 404), content=b"",
                                    headers={**self.auth, "Content-Range": f"bytes */{self.total}"})
        except PostError:
            error.outcome = "unknown" if self.last_unanswered else error.outcome
            raise error from None


def held_bytes(reply: httpx.Response) -> int:
    """How many bytes a 308 says the session holds (`Range: bytes=0-N`; none: 0)."""
    value = reply.headers.get("range", "")
    return int(value.rsplit("-", 1)[1]) + 1 if "-" in value else 0
