"""Instagram (professional account): a photo, a carousel of up to 10, or a reel; never text alone."""

from __future__ import annotations

from pipeline.content import Item, Media, Target
from pipeline.platforms.base import MB, Findings, Job, Platform, Posted
from pipeline.platforms.facebook import GRAPH_VERSION, oauth, read_fields, required_setting
from pipeline.platforms.transport import Api, PostError
from pipeline.platforms.twitter_text import extract_hashtags, extract_mentions


class Instagram(Platform):
    name = "instagram"
    label = "Instagram"
    settings = {"user_id": (str, int), "graph_version": str}
    caption_limit = 2200
    feed_cut = 125
    needs_media = True
    max_hashtags = 30
    max_mentions = 20
    max_carousel = 10

    def rules(self, item: Item, target: Target, found: Findings) -> None:
        hashtags = len(extract_hashtags(target.caption))
        if hashtags > self.max_hashtags:
            found.caption(target, "limit.hashtags", count=hashtags, limit=self.max_hashtags)
        mentions = len(extract_mentions(target.caption))
        if mentions > self.max_mentions:
            found.caption(target, "limit.mentions", count=mentions, limit=self.max_mentions)
        if len(item.media) > self.max_carousel:
            found.add("limit.media_count", field="media", line=item.lines.get(("media",)),
                      count=len(item.media), limit=self.max_carousel)
        # "JPEG is the only image format supported. Extended JPEG formats such as MPO and JPS are not."
        self.check_formats(found, item.images, ("JPEG",))
        self.check_size(found, item.images, 8 * MB)
        self.check_aspect(found, item.images, 4 / 5, 1.91, "4:5 – 1.91:1")
        self.check_alt(found, item.images, 1000)
        self.check_formats(found, item.videos, ("MP4", "MOV"))
        self.check_size(found, item.videos, 300 * MB)
        for video in item.videos:
            self.check_duration(found, video, 3, 15 * 60)
            self.check_aspect(found, [video], 0.01, 10, "0.01:1 – 10:1")
            if (video.info.width or 0) > 1920:
                found.media(video, "limit.resolution", width=video.info.width, height=video.info.height,
                            allowed="≤ 1920 px")

    # -- publishing -------------------------------------------------------------------------
    secrets = ("INSTAGRAM_TOKEN",)
    urls = {"graph": "https://graph.facebook.com"}
    #: container checks: Meta asks for about one a minute for at most 5 minutes; images are
    #: usually ready at once, so the first checks come sooner
    poll_waits = (2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 60.0, 60.0, 60.0, 60.0)

    def post(self, job: Job, api: Api) -> Posted:
        """Quota check, containers (image, carousel or reel) until FINISHED, then `media_publish`."""
        user = required_setting(job, "user_id")
        graph = f"{job.urls['graph']}/{job.settings.get('graph_version') or GRAPH_VERSION}"
        auth = oauth(job.secrets["INSTAGRAM_TOKEN"])
        self._check_quota(api, f"{graph}/{user}", auth)
        media, caption = job.item.media, job.target.caption

        def container(params: dict[str, str]) -> str:
            reply = api.request("POST", f"{graph}/{user}/media", headers=auth, data=params)
            return str(reply.json()["id"])

        if len(media) == 1:
            created = container({**self._medium(job, media[0], carousel=False), "caption": caption})
        else:
            children = [container(self._medium(job, m, carousel=True)) for m in media]
            for child in children:
                self._wait(api, graph, auth, child)
            created = container({"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption})
        self._wait(api, graph, auth, created)
        reply = api.request("POST", f"{graph}/{user}/media_publish", creates=True, headers=auth,
                            data={"creation_id": created})
        media_id = str(reply.json()["id"])
        # A URL cannot be made from a media id: if the permalink cannot be read, the id stands alone.
        permalink = read_fields(api, f"{graph}/{media_id}", auth, "permalink").get("permalink", "")
        return Posted(media_id, str(permalink))

    @staticmethod
    def _medium(job: Job, media: Media, carousel: bool) -> dict[str, str]:
        """A container's media fields: a reel (alone) or a carousel video, else an image with alt text."""
        url = job.media_url(media)
        if media.info.kind == "video":
            return {"media_type": "VIDEO", "video_url": url, "is_carousel_item": "true"} if carousel else {
                "media_type": "REELS", "video_url": url}
        params = {"image_url": url, **({"alt_text": media.alt} if media.alt else {})}
        return {**params, "is_carousel_item": "true"} if carousel else params

    @staticmethod
    def _check_quota(api: Api, user: str, auth: dict[str, str]) -> None:
        """Refuse before making containers when the 24-hour publishing quota is used up."""
        reply = api.request("GET", f"{user}/content_publishing_limit", headers=auth,
                            params={"fields": "quota_usage,config"})
        entries = reply.json().get("data") or [{}]
        used, total = entries[0].get("quota_usage"), (entries[0].get("config") or {}).get("quota_total")
        if isinstance(used, int) and isinstance(total, int) and used >= total:
            raise PostError("failed", code="post.instagram.quota", used=used, total=total)

    def _wait(self, api: Api, graph: str, auth: dict[str, str], container: str) -> None:
        """Check a container's status until FINISHED; ERROR and EXPIRED fail (no post was made)."""
        for wait in (0.0, *self.poll_waits):
            if wait:
                api.sleep(wait)
            data = api.request("GET", f"{graph}/{container}", headers=auth,
                               params={"fields": "status_code,status"}).json()
            code = data.get("status_code")
            if code == "FINISHED":
                return
            if code in ("ERROR", "EXPIRED"):
                raise PostError("failed", code="post.instagram.media", status=code,
                                detail=str(data.get("status") or "-"))
        raise PostError("failed", code="post.instagram.slow", checks=len(self.poll_waits) + 1)
