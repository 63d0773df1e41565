"""Facebook Page: long text, several photos (posted together), or one video."""

from __future__ import annotations

from pipeline.content import Item, Target
from pipeline.platforms.base import MB, Findings, Platform


class Facebook(Platform):
    name = "facebook"
    label = "Facebook"
    settings = {"page_id": (str, int), "graph_version": str}
    overrides = {"caption": str, "link": str}
    # The 63,206-character limit is the one the Page composer enforces; Meta's API docs give none.
    caption_limit = 63206
    feed_cut = 477
    image_formats = ("JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP")
    video_formats = ("MP4", "MOV")

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
