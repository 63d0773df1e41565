"""Media at stable URLs: the originals once, and small JPEG copies made once with Pillow.

Layout under the site root (never renamed, so a platform that fetched a URL keeps working):

    media/<item-id>/<file>                  the original, as merged (what Instagram/TikTok fetch)
    media/<item-id>/<stem>.w960.jpg         shown on the item page
    media/<item-id>/<stem>.w320.jpg         shown in lists and search results
    media/<item-id>/<stem>.poster.w960.jpg  a video's poster (its item's first image, or a plain card)
    media/<item-id>/<stem>.poster.w320.jpg
    media/<item-id>/arsip.pdf               the item's printable record (see `pdf.py`)

MkDocs never sees these files, so a site build does not copy ten years of images again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from PIL import ExifTags, Image, ImageDraw, ImageOps

from pipeline.archive.model import Entry, MediaRef

MEDIA = "media"
SIZES = (("w960", 960), ("w320", 320))
PDF_NAME = "arsip.pdf"


def media_url(base_url: str, item_id: str, file: str) -> str:
    """The public URL of an item's original file on the archive site (`base_url` = the site's root)."""
    return f"{base_url.rstrip('/')}/{media_path(item_id, file)}"


def media_path(item_id: str, file: str) -> str:
    """The file's path from the site root, URL-encoded."""
    return quote(f"{MEDIA}/{item_id}/{file}")


def derived(file: str, size: str, poster: bool = False) -> str:
    """The name of a made copy: `slides/1.png` at w320 -> `slides/1.w320.jpg`."""
    stem = PurePosixPath(file).with_suffix("").as_posix()
    return f"{stem}{'.poster' if poster else ''}.{size}.jpg"


def preview(media: MediaRef, size: str) -> str:
    """The made image that stands for `media` at `size` (a video's poster for a video)."""
    return derived(media.file, size, poster=media.kind == "video")


def thumbnail(entry: Entry) -> str | None:
    """Site-root path of the small image that stands for the item in lists, if it has media."""
    return media_path(entry.id, preview(entry.media[0], "w320")) if entry.media else None


def make_media(entry: Entry, source: Path, target: Path) -> None:
    """Copy the originals of one item and make its copies; a missing original is skipped."""
    first_image: Path | None = None
    for media in entry.media:
        src = source / media.file
        if not src.is_file():
            continue
        dest = target / media.file
        dest.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(src, dest)
        if media.kind != "video":
            _save_sizes(src, target, media.file, poster=False)
            first_image = first_image or src
    for media in entry.media:
        if media.kind == "video" and (source / media.file).is_file():
            if first_image is not None:
                _save_sizes(first_image, target, media.file, poster=True)
            else:
                _save_sized(_plain_poster(), target, media.file, poster=True)


def _save_sizes(src: Path, target: Path, file: str, poster: bool) -> None:
    """The copies of one picture, decoding as little of it as its format allows.

    A JPEG that already fits the large size and needs no turning is linked as that size rather
    than decoded and encoded again (the copy would only lose quality), and JPEGs are decoded at
    1/2 to 1/8 scale when that still covers the large size (`draft`), which is most of the cost
    of a phone photo.
    """
    with Image.open(src) as image:
        width = SIZES[0][1]
        turned = image.getexif().get(ExifTags.Base.Orientation, 1) not in (0, 1)
        if (image.format == "JPEG" and image.mode in ("RGB", "L") and not turned and image.width <= width
                and image.height <= 2 * width and src.stat().st_size <= image.width * image.height):
            _link_or_copy(src, target / derived(file, SIZES[0][0], poster))
            _save_sized(image, target, file, poster, SIZES[1:])
        else:
            image.draft("RGB", (width, width))
            _save_sized(ImageOps.exif_transpose(image) if turned else image, target, file, poster)


def _save_sized(image: Image.Image, target: Path, file: str, poster: bool,
                sizes: tuple[tuple[str, int], ...] = SIZES) -> None:
    """`image` as an RGB JPEG at each of `sizes` (largest first, each made from the previous one)."""
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    for size, width in sizes:
        image.thumbnail((width, width * 2), resample=Image.Resampling.BOX, reducing_gap=2.0)
        out = target / derived(file, size, poster)
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(out, "JPEG", quality=80, optimize=False)


def _plain_poster() -> Image.Image:
    """A 16:9 card with a play sign, for a video whose item has no picture."""
    image = Image.new("RGB", (960, 540), (38, 50, 56))
    ImageDraw.Draw(image).polygon([(420, 190), (420, 350), (560, 270)], fill=(236, 239, 241))
    return image


def _link_or_copy(src: Path, dest: Path) -> None:
    """A hard link costs nothing when content and site share a disk; a copy otherwise."""
    if dest.exists():
        dest.unlink()
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)
