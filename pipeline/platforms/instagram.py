"""Instagram (professional account): a photo, a carousel of up to 10, or a reel; never text alone."""

from __future__ import annotations

from pipeline.content import Item, Target
from pipeline.platforms.base import MB, Findings, Platform
from pipeline.platforms.twitter_text import extract_hashtags, extract_mentions


class Instagram(Platform):
    name = "instagram"
    label = "Instagram"
    settings = {"user_id": (str, int), "graph_version": str, "media_base_url": str}
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
