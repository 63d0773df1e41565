"""What a media file really is, from its bytes, not its name.

Images are read with Pillow (header only, so it is cheap); video duration and resolution come
from hachoir, a pure-Python parser of MP4/MOV/WebM containers, so nothing has to be installed
beside Python (ffprobe would need a system binary on every author's machine and in CI).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

_IMAGE_MIME = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",  # extended JPEG: Instagram refuses it, so the format is kept
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
}


@dataclass(frozen=True)
class MediaInfo:
    """The facts the platforms' limits are written in."""

    kind: str  # "image", "gif" (animated), "video" or "unknown"
    format: str  # JPEG, PNG, GIF, WEBP, MPO, MP4, MOV, WEBM ...
    mime: str
    size: int
    width: int | None = None
    height: int | None = None
    duration: float | None = None  # seconds, for video
    frames: int | None = None  # for animated GIF

    @property
    def aspect(self) -> float | None:
        return self.width / self.height if self.width and self.height else None


def sniff(path: Path) -> MediaInfo:
    """Identify a media file by its content; raise OSError if it cannot be read."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(16)
    video = _video_format(head)
    if video:
        return _video(path, video, size)
    try:
        with Image.open(path) as image:
            fmt = image.format or "?"
            frames = getattr(image, "n_frames", 1)
            width, height = image.size
    except (UnidentifiedImageError, Image.DecompressionBombError, SyntaxError, ValueError):
        return MediaInfo("unknown", "?", "application/octet-stream", size)
    kind = "gif" if fmt == "GIF" and frames > 1 else "image"
    return MediaInfo(kind, fmt, _IMAGE_MIME.get(fmt, f"image/{fmt.lower()}"), size, width, height, frames=frames)


def _video_format(head: bytes) -> str | None:
    if head[4:8] == b"ftyp":
        return "MOV" if head[8:10] == b"qt" else "MP4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "WEBM"
    return None


def _video(path: Path, fmt: str, size: int) -> MediaInfo:
    from hachoir.metadata import extractMetadata
    from hachoir.parser import createParser

    mime = {"MP4": "video/mp4", "MOV": "video/quicktime", "WEBM": "video/webm"}[fmt]
    duration = width = height = None
    parser = createParser(str(path))
    if parser is not None:
        with parser:
            try:
                meta = extractMetadata(parser)
            except Exception:  # hachoir raises many kinds on corrupt input; treat as unreadable
                meta = None
        if meta is not None:
            if meta.has("duration"):
                duration = meta.get("duration").total_seconds()
            # MP4 keeps the size at the top; WebM inside its "Video stream" group.
            groups = [meta, *meta.iterGroups()] if hasattr(meta, "iterGroups") else [meta]
            width = next((g.get("width") for g in groups if g.has("width")), None)
            height = next((g.get("height") for g in groups if g.has("height")), None)
    if duration is None:
        return MediaInfo("unknown", fmt, mime, size)
    return MediaInfo("video", fmt, mime, size, width, height, duration=duration)
