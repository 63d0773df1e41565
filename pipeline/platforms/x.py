"""X (Twitter): 280 weighted characters; up to 4 photos, or 1 GIF, or 1 video."""

from __future__ import annotations

from pipeline.content import Item, Target
from pipeline.platforms.base import MB, Findings, Platform
from pipeline.platforms.twitter_text import weighted_length


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
