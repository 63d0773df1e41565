"""TikTok: a video (or a set of photos) with a caption counted in UTF-16 units."""

from __future__ import annotations

from pipeline.content import Item, Target
from pipeline.platforms.base import MB, Findings, Platform

PRIVACY = {
    "public": "PUBLIC_TO_EVERYONE",
    "friends": "MUTUAL_FOLLOW_FRIENDS",
    "followers": "FOLLOWER_OF_CREATOR",
    "private": "SELF_ONLY",
}


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
