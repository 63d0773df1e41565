"""YouTube: one video, a title of at most 100 characters, a description of at most 5000 bytes."""

from __future__ import annotations

from pipeline.content import Item, Target
from pipeline.platforms.base import Findings, Platform

PRIVACY = ("public", "unlisted", "private")


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
