"""Helpers for the content-layer tests: item folders, real media bytes and tiny real videos.

Media are made with Pillow (and ffmpeg from imageio-ffmpeg for video) so the code under test
sniffs genuine files; sizes are padded to the exact byte where a size limit is tested.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from pipeline.config import Sop, load_sop, parse_sop
from pipeline.content import Item, read_item
from pipeline.errors import Problem

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MB = 1024 * 1024
ALT = "Teks alternatif gambar"

Media = Mapping[str, "bytes | Path"]


@functools.cache
def kpu_sop() -> Sop:
    """The SOP shipped in the repository (all five platforms enabled)."""
    return load_sop(REPO / "sop.yml")


def sop_with(old: str, new: str) -> Sop:
    """The shipped sop.yml with one piece of text replaced (it must occur exactly once)."""
    text = (REPO / "sop.yml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return parse_sop(text.replace(old, new), "sop.yml")


# -- media ------------------------------------------------------------------------------------
def _image(fmt: str, width: int, height: int, color: str = "steelblue", **save: Any) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format=fmt, **save)
    return buf.getvalue()


def pad(data: bytes, size: int | None) -> bytes:
    """`data` grown to exactly `size` bytes; JPEG and GIF readers ignore bytes after the end marker."""
    if size is None:
        return data
    assert len(data) <= size, f"image already {len(data)} bytes, cannot pad to {size}"
    return data + b"\0" * (size - len(data))


def jpeg(width: int = 64, height: int = 64, size: int | None = None) -> bytes:
    return pad(_image("JPEG", width, height), size)


def png(width: int = 64, height: int = 64) -> bytes:
    return _image("PNG", width, height)


def webp(width: int = 64, height: int = 64) -> bytes:
    return _image("WEBP", width, height)


def mpo(width: int = 64, height: int = 64) -> bytes:
    """An extended JPEG (two frames, as stereo cameras write), which Instagram refuses."""
    buf = io.BytesIO()
    first, second = Image.new("RGB", (width, height), "red"), Image.new("RGB", (width, height), "blue")
    first.save(buf, format="MPO", save_all=True, append_images=[second])
    return buf.getvalue()


def gif(frames: int = 3, size: int | None = None) -> bytes:
    """An animated GIF of `frames` frames, padded after its trailer to `size` bytes."""
    colors = ["red", "green", "blue", "yellow", "white"]
    images = [Image.new("RGB", (16, 16), colors[i % len(colors)]) for i in range(frames)]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return pad(buf.getvalue(), size)


def make_video_factory(folder: Path) -> Callable[..., Path]:
    """A maker of tiny real videos (solid colour; H.264 MP4 or VP9 WebM), cached by their parameters."""
    ffmpeg = pytest.importorskip("imageio_ffmpeg").get_ffmpeg_exe()
    codecs = {"mp4": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
              "webm": ["-c:v", "libvpx-vp9", "-deadline", "realtime"]}

    @functools.cache
    def make(width: int, height: int, seconds: float, container: str = "mp4") -> Path:
        out = folder / f"v{width}x{height}_{seconds}.{container}"
        fps = 1 if float(seconds).is_integer() else 10  # few frames keep long and large clips quick
        subprocess.run(
            [ffmpeg, "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", f"color=c=blue:s={width}x{height}:r={fps}:d={seconds}", *codecs[container], "-g", "1000",
             str(out)],
            check=True,
        )
        return out

    return make


@pytest.fixture(scope="session")
def video(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`video(width, height, seconds[, "webm"])` -> path of a real video, made once per session."""
    return make_video_factory(tmp_path_factory.mktemp("videos"))


# -- items ------------------------------------------------------------------------------------
def write_item(folder: Path, front: str | dict[str, Any], body: str = "Keterangan.\n",
               media: Media | None = None) -> Path:
    """An item folder with `index.md` (front matter as YAML text or a dict) and media files."""
    folder.mkdir(parents=True, exist_ok=True)
    head = front if isinstance(front, str) else yaml.safe_dump(front, sort_keys=False, allow_unicode=True)
    (folder / "index.md").write_bytes(f"---\n{head}---\n{body}".encode())
    for name, data in (media or {}).items():
        if isinstance(data, Path):
            shutil.copyfile(data, folder / name)
        else:
            (folder / name).write_bytes(data)
    return folder


def read(folder: Path, sop: Sop | None = None) -> tuple[Item | None, list[Problem]]:
    return read_item(folder, sop or kpu_sop(), folder.parent)


def make_item(folder: Path, platforms: Any, body: str = "Keterangan.", media: Media | None = None,
              alt: str = ALT, **front: Any) -> Item:
    """A readable item (read errors fail the test) targeting `platforms`; every medium gets `alt`."""
    entries = [{"file": name, "alt": alt} for name in (media or {})]
    data = {"title": "Judul konten", "kind": "berita", "platforms": platforms, **front}
    if entries:
        data["media"] = entries
    write_item(folder, data, body, media)
    item, problems = read(folder)
    assert item is not None and not errors(problems), [p.render("en") for p in problems]
    return item


def body_line(item: Item) -> int:
    """The line of index.md where the caption starts (after the closing `---`)."""
    return item.source.read_text(encoding="utf-8").splitlines().index("---", 1) + 2


def check(item: Item, platform: str) -> list[Problem]:
    """The platform's findings for the item; every one must say file, field and platform."""
    from pipeline.platforms import PLATFORMS

    target = item.target(platform)
    assert target is not None, f"{platform} is not a target"
    problems = PLATFORMS[platform].check(item, target)
    for p in problems:
        assert p.file == item.file and p.field and p.platform == platform, p
    return problems


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def only(problems: list[Problem], code: str) -> Problem:
    """The single problem with `code` (fails if there is none or several)."""
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, (code, [(p.code, p.field, p.params) for p in problems])
    return found[0]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line of `text` containing `needle` (expected lines are found, not typed)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")
