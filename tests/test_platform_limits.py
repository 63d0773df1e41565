"""Every platform limit, with an item just inside it and one just outside it.

The limits are those of ../shared/fixtures/platforms/API-NOTES.md. A refused item must get one
problem naming the file, the field, the platform and (where the field has one) the line.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from itemkit import (
    MB, body_line, check, codes, errors, gif, jpeg, make_item, mpo, only, png, video, webp,  # noqa: F401 - fixture
)

from pipeline.content import Item
from pipeline.errors import Problem
from pipeline.platforms import text
from pipeline.platforms.tiktok import PRIVACY, privacy_level
from pipeline.platforms.transport import PostError
from pipeline.platforms.twitter_text import weighted_length
from pipeline.platforms.youtube import tags_length

Video = Callable[..., Path]
URL = "https://jateng.kpu.go.id/berita/2026/11/rapat-pleno-terbuka-rekapitulasi-daftar-pemilih-tetap-provinsi"


def item_for(tmp_path: Path, platforms: Any, body: str = "Keterangan.", media: dict | None = None,
             **front: Any) -> Item:
    return make_item(tmp_path / "item", platforms, body, media, **front)


def refused(problems: list[Problem], code: str, inside: bool) -> Problem | None:
    """None when the item is just inside the limit (no such error), else the one error it gets."""
    if inside:
        assert code not in codes(errors(problems)), problems
        return None
    problem = only(problems, code)
    assert problem.severity == "error"
    return problem


def media_line(item: Item, index: int = 0) -> int:
    line = item.media[index].line
    assert line is not None
    return line


# == X ===========================================================================================
@pytest.mark.parametrize(
    ("caption", "weight"),
    [
        ("a" * 280, 280),
        ("a" * 281, 281),
        ("a" * 256 + " " + URL, 280),  # a link counts 23 whatever its length
        ("a" * 257 + " " + URL, 281),
        ("😀" * 140, 280),  # an emoji counts 2
        ("😀" * 140 + "a", 281),
        ("é" * 280, 280),  # Latin-1 letters count 1
        ("中" * 140 + "a", 281),  # CJK counts 2
    ],
)
def test_x_weighted_length(tmp_path: Path, caption: str, weight: int) -> None:
    assert weighted_length(caption) == weight
    item = item_for(tmp_path, ["x"], caption)
    problem = refused(check(item, "x"), "limit.caption", weight <= 280)
    if problem:
        assert problem.params == {"length": weight, "limit": 280, "unit": "weighted"}
        assert (problem.field, problem.line) == ("caption", body_line(item))


@pytest.mark.parametrize("count", [4, 5])
def test_x_four_photos(tmp_path: Path, count: int) -> None:
    item = item_for(tmp_path, ["x"], media={f"foto-{i}.jpg": jpeg() for i in range(count)})
    problem = refused(check(item, "x"), "limit.media_count", count <= 4)
    if problem:
        assert problem.params == {"count": 5, "limit": 4}
        assert (problem.field, problem.line) == ("media", item.lines[("media",)])


@pytest.mark.parametrize("kinds", [("video", "photo"), ("gif", "photo"), ("video", "video"), ("gif", "gif")])
def test_x_does_not_mix_video_or_gif_with_anything(tmp_path: Path, video: Video, kinds: tuple[str, ...]) -> None:
    makers = {"video": lambda: video(64, 64, 2), "gif": gif, "photo": jpeg}
    suffix = {"video": "mp4", "gif": "gif", "photo": "jpg"}
    item = item_for(tmp_path, ["x"], media={f"m{i}.{suffix[k]}": makers[k]() for i, k in enumerate(kinds)})
    problem = only(check(item, "x"), "x.mix")
    assert (problem.field, problem.line) == ("media", item.lines[("media",)])


@pytest.mark.parametrize("name", ["gif", "video"])
def test_x_takes_one_gif_or_one_video_alone(tmp_path: Path, video: Video, name: str) -> None:
    data = gif() if name == "gif" else video(64, 64, 2)
    item = item_for(tmp_path, ["x"], media={f"m.{'gif' if name == 'gif' else 'mp4'}": data})
    assert errors(check(item, "x")) == []


@pytest.mark.parametrize(
    ("name", "make", "limit"),
    [("foto.jpg", lambda size: jpeg(size=size), 5 * MB), ("anim.gif", lambda size: gif(size=size), 15 * MB)],
)
@pytest.mark.parametrize("extra", [0, 1])
def test_x_file_sizes(tmp_path: Path, name: str, make: Callable[[int], bytes], limit: int, extra: int) -> None:
    item = item_for(tmp_path, ["x"], media={name: make(limit + extra)})
    assert item.media[0].info.size == limit + extra
    problem = refused(check(item, "x"), "limit.file_size", extra == 0)
    if problem:
        assert (problem.field, problem.line, problem.params["file"]) == ("media[0].file", media_line(item), name)


@pytest.mark.parametrize(("seconds", "inside"), [(0.5, True), (0.4, False), (140, True), (141, False)])
def test_x_video_duration(tmp_path: Path, video: Video, seconds: float, inside: bool) -> None:
    item = item_for(tmp_path, ["x"], media={"v.mp4": video(32, 32, seconds)})
    problem = refused(check(item, "x"), "limit.duration", inside)
    if problem:
        assert problem.params == {"file": "v.mp4", "duration": seconds, "low": 0.5, "high": 140}
        assert (problem.field, problem.line) == ("media[0].file", media_line(item))


@pytest.mark.parametrize(
    ("width", "height", "code", "inside"),
    [
        (32, 32, "limit.resolution", True), (30, 32, "limit.resolution", False),
        (1280, 1024, "limit.resolution", True), (1282, 1024, "limit.resolution", False),
        (1024, 1024, "limit.resolution", True), (1026, 1026, "limit.resolution", False),
        (96, 32, "limit.aspect", True), (98, 32, "limit.aspect", False),
        (32, 96, "limit.aspect", True), (32, 98, "limit.aspect", False),
    ],
)
def test_x_video_resolution_and_aspect(tmp_path: Path, video: Video, width: int, height: int, code: str,
                                       inside: bool) -> None:
    item = item_for(tmp_path, ["x"], media={"v.mp4": video(width, height, 1)})
    problems = check(item, "x")
    problem = refused(problems, code, inside)
    if problem:
        assert (problem.params["width"], problem.params["height"]) == (width, height)
        assert (problem.field, problem.line) == ("media[0].file", media_line(item))
    else:
        assert errors(problems) == []


@pytest.mark.parametrize("platform", ["x", "instagram"])
@pytest.mark.parametrize("length", [1000, 1001])
def test_alt_text_limit(tmp_path: Path, platform: str, length: int) -> None:
    item = item_for(tmp_path, [platform], media={"foto.jpg": jpeg()}, alt="a" * length)
    problem = refused(check(item, platform), "limit.alt", length <= 1000)
    if problem:
        assert (problem.field, problem.line, problem.params["length"]) == ("media[0].alt", media_line(item), 1001)


def test_x_text_only_is_fine_but_not_empty(tmp_path: Path) -> None:
    assert check(item_for(tmp_path, ["x"], "Halo"), "x") == []


# == Instagram ===================================================================================
def ig(tmp_path: Path, body: str = "Keterangan.", media: dict | None = None, **front: Any) -> Item:
    return item_for(tmp_path, ["instagram"], body, media if media is not None else {"foto.jpg": jpeg(100, 100)},
                    **front)


@pytest.mark.parametrize("length", [2200, 2201])
def test_instagram_caption(tmp_path: Path, length: int) -> None:
    item = ig(tmp_path, "a" * length)
    problem = refused(check(item, "instagram"), "limit.caption", length <= 2200)
    if problem:
        assert problem.params == {"length": 2201, "limit": 2200, "unit": "chars"}
        assert (problem.field, problem.line) == ("caption", body_line(item))


@pytest.mark.parametrize("length", [125, 126])
def test_instagram_feed_cut_is_a_warning_only(tmp_path: Path, length: int) -> None:
    item = ig(tmp_path, "a" * length)
    problems = check(item, "instagram")
    assert errors(problems) == []
    if length <= 125:
        assert problems == []
    else:
        warning = only(problems, "warn.feed_cut")
        assert (warning.severity, warning.field, warning.params["cut"]) == ("warning", "caption", 125)


@pytest.mark.parametrize(("what", "make", "limit", "code"), [
    ("hashtags", lambda n: " ".join(f"#tagar{i}" for i in range(n)), 30, "limit.hashtags"),
    ("mentions", lambda n: " ".join(f"@akun{i}" for i in range(n)), 20, "limit.mentions"),
])
@pytest.mark.parametrize("extra", [0, 1])
def test_instagram_hashtags_and_mentions(tmp_path: Path, what: str, make: Callable[[int], str], limit: int,
                                         code: str, extra: int) -> None:
    item = ig(tmp_path, "Halo " + make(limit + extra))
    problem = refused(check(item, "instagram"), code, extra == 0)
    if problem:
        assert problem.params == {"count": limit + 1, "limit": limit}
        assert (problem.field, problem.line) == ("caption", body_line(item))


@pytest.mark.parametrize(("name", "data", "fmt"), [
    ("foto.jpg", jpeg(), None), ("foto.png", png(), "PNG"), ("foto.jpg", mpo(), "MPO"), ("foto.webp", webp(), "WEBP"),
])
def test_instagram_takes_plain_jpeg_only(tmp_path: Path, name: str, data: bytes, fmt: str | None) -> None:
    item = ig(tmp_path, media={name: data})
    problem = refused(check(item, "instagram"), "limit.format", fmt is None)
    if problem:
        assert (problem.params["format"], problem.params["allowed"]) == (fmt, "JPEG")
        assert (problem.field, problem.line) == ("media[0].file", media_line(item))


@pytest.mark.parametrize(("width", "height", "inside"), [
    (1080, 1350, True), (1080, 1351, False), (1910, 1000, True), (1911, 1000, False), (1080, 1080, True),
])
def test_instagram_aspect(tmp_path: Path, width: int, height: int, inside: bool) -> None:
    item = ig(tmp_path, media={"foto.jpg": jpeg(width, height)})
    problem = refused(check(item, "instagram"), "limit.aspect", inside)
    if problem:
        assert (problem.params["width"], problem.params["height"]) == (width, height)
        assert (problem.field, problem.line) == ("media[0].file", media_line(item))


@pytest.mark.parametrize("extra", [0, 1])
def test_instagram_image_8_mb(tmp_path: Path, extra: int) -> None:
    item = ig(tmp_path, media={"foto.jpg": jpeg(size=8 * MB + extra)})
    problem = refused(check(item, "instagram"), "limit.file_size", extra == 0)
    if problem:
        assert (problem.field, problem.line) == ("media[0].file", media_line(item))


@pytest.mark.parametrize("count", [10, 11])
def test_instagram_carousel_of_ten(tmp_path: Path, count: int) -> None:
    item = ig(tmp_path, media={f"slide-{i}.jpg": jpeg() for i in range(count)})
    problem = refused(check(item, "instagram"), "limit.media_count", count <= 10)
    if problem:
        assert problem.params == {"count": 11, "limit": 10}
        assert (problem.field, problem.line) == ("media", item.lines[("media",)])


@pytest.mark.parametrize("platform", ["instagram", "youtube", "tiktok"])
def test_platforms_that_need_media(tmp_path: Path, platform: str) -> None:
    item = item_for(tmp_path, [platform], "Hanya teks.")
    problem = only(check(item, platform), "limit.needs_media")
    assert (problem.field, problem.line) == ("media", None)  # there is no media line to point at


@pytest.mark.parametrize(("width", "height", "seconds", "code", "inside"), [
    (64, 64, 3, "limit.duration", True), (64, 64, 2.9, "limit.duration", False),
    (32, 32, 900, "limit.duration", True), (32, 32, 901, "limit.duration", False),
    (1920, 1080, 3, "limit.resolution", True), (1922, 1080, 3, "limit.resolution", False),
])
def test_instagram_reel(tmp_path: Path, video: Video, width: int, height: int, seconds: float, code: str,
                        inside: bool) -> None:
    item = ig(tmp_path, media={"reel.mp4": video(width, height, seconds)})
    problems = check(item, "instagram")
    problem = refused(problems, code, inside)
    if problem:
        assert (problem.field, problem.line) == ("media[0].file", media_line(item))
    else:
        assert errors(problems) == []


# == YouTube =====================================================================================
def yt(tmp_path: Path, video: Video, body: str = "Deskripsi.", platforms: Any = None, **front: Any) -> Item:
    return item_for(tmp_path, platforms or ["youtube"], body, {"video.mp4": video(64, 64, 2)}, **front)


@pytest.mark.parametrize(("kinds", "count"), [(("photo",), 0), (("video", "video"), 2)])
def test_youtube_needs_exactly_one_video(tmp_path: Path, video: Video, kinds: tuple[str, ...], count: int) -> None:
    media = {f"m{i}.{'mp4' if k == 'video' else 'jpg'}": video(64, 64, 2) if k == "video" else jpeg()
             for i, k in enumerate(kinds)}
    item = item_for(tmp_path, ["youtube"], media=media)
    problem = only(check(item, "youtube"), "youtube.one_video")
    assert (problem.field, problem.line, problem.params["count"]) == ("media", item.lines[("media",)], count)


def test_youtube_one_video_is_fine(tmp_path: Path, video: Video) -> None:
    assert check(yt(tmp_path, video), "youtube") == []


@pytest.mark.parametrize("length", [100, 101])
def test_youtube_title_from_the_item(tmp_path: Path, video: Video, length: int) -> None:
    item = yt(tmp_path, video, title="J" * length)
    problem = refused(check(item, "youtube"), "limit.title", length <= 100)
    if problem:
        assert problem.params == {"length": 101, "limit": 100}
        assert (problem.field, problem.line) == ("title", item.lines[("title",)])


@pytest.mark.parametrize("length", [100, 101])
def test_youtube_title_override(tmp_path: Path, video: Video, length: int) -> None:
    item = yt(tmp_path, video, platforms={"youtube": {"title": "J" * length}})
    problem = refused(check(item, "youtube"), "limit.title", length <= 100)
    if problem:
        assert (problem.field, problem.line) == ("platforms.youtube.title",
                                                 item.lines[("platforms", "youtube", "title")])


@pytest.mark.parametrize(("title", "body", "field"), [("Cek <DPT>", "Deskripsi.", "title"),
                                                      ("Cek DPT", "Lihat -> sini", "caption")])
def test_youtube_refuses_angle_brackets(tmp_path: Path, video: Video, title: str, body: str, field: str) -> None:
    item = yt(tmp_path, video, body, title=title)
    problem = only(check(item, "youtube"), "youtube.angle_brackets")
    assert (problem.field, problem.line) == (field, item.lines[("title",)] if field == "title" else body_line(item))


@pytest.mark.parametrize(("body", "size"), [("é" * 2500, 5000), ("é" * 2500 + "a", 5001)])
def test_youtube_description_counts_bytes(tmp_path: Path, video: Video, body: str, size: int) -> None:
    assert len(body) < 5000 < size + 1  # the characters alone would pass
    item = yt(tmp_path, video, body)
    problem = refused(check(item, "youtube"), "limit.caption", size <= 5000)
    if problem:
        assert problem.params == {"length": 5001, "limit": 5000, "unit": "bytes"}
        assert (problem.field, problem.line) == ("caption", body_line(item))


@pytest.mark.parametrize(("tags", "length"), [
    (["a" * 500], 500), (["a" * 501], 501),
    (["a" * 249, "b" * 250], 500), (["a" * 250, "b" * 250], 501),  # the comma between counts
    (["a" * 247 + " b"], 251), (["a" * 496 + " b"], 500), (["a" * 497 + " b"], 501),  # a space adds quotes
])
def test_youtube_tags_500(tmp_path: Path, video: Video, tags: list[str], length: int) -> None:
    assert tags_length(tags) == length
    item = yt(tmp_path, video, platforms={"youtube": {"tags": tags}})
    problem = refused(check(item, "youtube"), "limit.tags", length <= 500)
    if problem:
        assert problem.params == {"length": 501, "limit": 500}
        assert (problem.field, problem.line) == ("platforms.youtube.tags",
                                                 item.lines[("platforms", "youtube", "tags")])


def test_youtube_tags_must_be_text(tmp_path: Path, video: Video) -> None:
    item = yt(tmp_path, video, platforms={"youtube": {"tags": ["pemilu", 2026]}})
    assert only(check(item, "youtube"), "field.type").field == "platforms.youtube.tags"


@pytest.mark.parametrize(("privacy", "inside"), [("public", True), ("unlisted", True), ("private", True),
                                                 ("publik", False)])
def test_youtube_privacy(tmp_path: Path, video: Video, privacy: str, inside: bool) -> None:
    item = yt(tmp_path, video, platforms={"youtube": {"privacy": privacy}})
    problem = refused(check(item, "youtube"), "field.choice", inside)
    if problem:
        assert problem.params["choices"] == "public, unlisted, private"
        assert (problem.field, problem.line) == ("platforms.youtube.privacy",
                                                 item.lines[("platforms", "youtube", "privacy")])


# == TikTok ======================================================================================
@pytest.mark.parametrize(("body", "units"), [("😀" * 1100, 2200), ("😀" * 1100 + "a", 2201)])
def test_tiktok_caption_counts_utf16(tmp_path: Path, video: Video, body: str, units: int) -> None:
    assert len(body) < 2200  # code points alone would pass
    item = item_for(tmp_path, ["tiktok"], body, {"v.mp4": video(360, 360, 3)})
    problem = refused(check(item, "tiktok"), "limit.caption", units <= 2200)
    if problem:
        assert problem.params == {"length": 2201, "limit": 2200, "unit": "utf16"}
        assert (problem.field, problem.line) == ("caption", body_line(item))


@pytest.mark.parametrize(("width", "height", "seconds", "code", "inside"), [
    (360, 360, 3, "limit.duration", True), (360, 360, 2.9, "limit.duration", False),
    (360, 360, 600, "limit.duration", True), (360, 360, 601, "limit.duration", False),
    (358, 360, 3, "limit.resolution", False), (4096, 360, 3, "limit.resolution", True),
    (4098, 360, 3, "limit.resolution", False),
])
def test_tiktok_video(tmp_path: Path, video: Video, width: int, height: int, seconds: float, code: str,
                      inside: bool) -> None:
    item = item_for(tmp_path, ["tiktok"], media={"v.mp4": video(width, height, seconds)})
    problems = check(item, "tiktok")
    problem = refused(problems, code, inside)
    if problem:
        assert (problem.field, problem.line) == ("media[0].file", media_line(item))
    else:
        assert errors(problems) == []


def test_tiktok_takes_a_webm_video(tmp_path: Path, video: Video) -> None:
    item = item_for(tmp_path, ["tiktok"], media={"v.webm": video(360, 360, 3, "webm")})
    assert item.media[0].info.format == "WEBM"
    assert errors(check(item, "tiktok")) == []


def test_tiktok_does_not_mix_video_and_photos(tmp_path: Path, video: Video) -> None:
    item = item_for(tmp_path, ["tiktok"], media={"v.mp4": video(360, 360, 3), "foto.jpg": jpeg()})
    assert only(check(item, "tiktok"), "tiktok.mix").field == "media"


@pytest.mark.parametrize(("title", "units"), [("😀" * 45, 90), ("😀" * 45 + "a", 91)])
def test_tiktok_photo_title_90_utf16(tmp_path: Path, title: str, units: int) -> None:
    item = item_for(tmp_path, ["tiktok"], media={"foto.jpg": jpeg()}, title=title)
    problem = refused(check(item, "tiktok"), "limit.title", units <= 90)
    if problem:
        assert problem.params == {"length": 91, "limit": 90}
        assert (problem.field, problem.line) == ("title", item.lines[("title",)])


def test_tiktok_photo_title_override_names_its_field(tmp_path: Path) -> None:
    item = item_for(tmp_path, {"tiktok": {"title": "J" * 91}}, media={"foto.jpg": jpeg()})
    problem = only(check(item, "tiktok"), "limit.title")
    assert (problem.field, problem.line) == ("platforms.tiktok.title", item.lines[("platforms", "tiktok", "title")])


@pytest.mark.parametrize("units", [2201, 4000])
def test_tiktok_photo_description_4000_utf16(tmp_path: Path, units: int) -> None:
    item = item_for(tmp_path, ["tiktok"], "a" * units, {"foto.jpg": jpeg()})
    assert errors(check(item, "tiktok")) == []


def test_tiktok_photo_description_over_4000(tmp_path: Path) -> None:
    item = item_for(tmp_path, ["tiktok"], "😀" * 2000 + "a", {"foto.jpg": jpeg()})
    problems = [p for p in check(item, "tiktok") if p.params.get("limit") == 4000]
    assert [(p.code, p.field, p.params["length"]) for p in problems] == [("limit.caption", "caption", 4001)]


@pytest.mark.parametrize("count", [35, 36])
def test_tiktok_photo_count(tmp_path: Path, count: int) -> None:
    item = item_for(tmp_path, ["tiktok"], media={f"f{i}.jpg": jpeg(8, 8) for i in range(count)})
    problem = refused(check(item, "tiktok"), "limit.media_count", count <= 35)
    if problem:
        assert problem.params == {"count": 36, "limit": 35}


@pytest.mark.parametrize(("name", "data", "inside"), [("f.jpg", jpeg(), True), ("f.webp", webp(), True),
                                                      ("f.png", png(), False)])
def test_tiktok_photos_are_jpeg_or_webp(tmp_path: Path, name: str, data: bytes, inside: bool) -> None:
    item = item_for(tmp_path, ["tiktok"], media={name: data})
    problem = refused(check(item, "tiktok"), "limit.format", inside)
    if problem:
        assert (problem.params["allowed"], problem.field) == ("JPEG, WEBP", "media[0].file")


@pytest.mark.parametrize(("ours", "theirs"), [("public", "PUBLIC_TO_EVERYONE"), ("friends", "MUTUAL_FOLLOW_FRIENDS"),
                                              ("followers", "FOLLOWER_OF_CREATOR"), ("private", "SELF_ONLY")])
def test_tiktok_privacy_mapping(ours: str, theirs: str) -> None:
    assert privacy_level(ours) == theirs and privacy_level(theirs) == theirs


def test_tiktok_privacy_covers_what_creator_info_offers() -> None:
    """creator_info lists exactly these four privacy_level_options (API-NOTES.md)."""
    assert set(PRIVACY.values()) == {"PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"}


@pytest.mark.parametrize(("privacy", "inside"), [("private", True), ("SELF_ONLY", True), ("publik", False),
                                                 ("self_only", False)])
def test_tiktok_privacy_option(tmp_path: Path, video: Video, privacy: str, inside: bool) -> None:
    item = item_for(tmp_path, {"tiktok": {"privacy": privacy}}, media={"v.mp4": video(360, 360, 3)})
    problem = refused(check(item, "tiktok"), "field.choice", inside)
    if problem:
        assert (problem.field, problem.line) == ("platforms.tiktok.privacy",
                                                 item.lines[("platforms", "tiktok", "privacy")])


# == Facebook ====================================================================================
@pytest.mark.parametrize("length", [63206, 63207])
def test_facebook_text_limit(tmp_path: Path, length: int) -> None:
    item = item_for(tmp_path, ["facebook"], "a" * length)
    problem = refused(check(item, "facebook"), "limit.caption", length <= 63206)
    if problem:
        assert (problem.field, problem.line, problem.params["length"]) == ("caption", body_line(item), 63207)


@pytest.mark.parametrize("length", [477, 478])
def test_facebook_feed_cut_warning(tmp_path: Path, length: int) -> None:
    problems = check(item_for(tmp_path, ["facebook"], "a" * length), "facebook")
    assert errors(problems) == [] and codes(problems) == ([] if length <= 477 else ["warn.feed_cut"])


def test_facebook_does_not_mix_video_and_photos(tmp_path: Path, video: Video) -> None:
    item = item_for(tmp_path, ["facebook"], media={"v.mp4": video(64, 64, 2), "foto.jpg": jpeg()})
    problem = only(check(item, "facebook"), "facebook.mix")
    assert (problem.field, problem.line) == ("media", item.lines[("media",)])


def test_facebook_takes_several_photos(tmp_path: Path) -> None:
    item = item_for(tmp_path, ["facebook"], media={f"f{i}.jpg": jpeg() for i in range(6)})
    assert check(item, "facebook") == []


@pytest.mark.parametrize(("link", "inside"), [("https://jateng.kpu.go.id", True), ("http://kpu.go.id/a", True),
                                              ("jateng.kpu.go.id", False), ("javascript:alert(1)", False),
                                              ("ftp://kpu.go.id", False)])
def test_facebook_link_must_be_http(tmp_path: Path, link: str, inside: bool) -> None:
    item = item_for(tmp_path, {"facebook": {"link": link}})
    problem = refused(check(item, "facebook"), "facebook.link", inside)
    if problem:
        assert (problem.field, problem.line) == ("platforms.facebook.link",
                                                 item.lines[("platforms", "facebook", "link")])


@pytest.mark.parametrize("extra", [0, 1])
def test_facebook_photo_size_is_only_a_warning(tmp_path: Path, extra: int) -> None:
    problems = check(item_for(tmp_path, ["facebook"], media={"f.jpg": jpeg(size=10 * MB + extra)}), "facebook")
    assert errors(problems) == []
    assert [(p.code, p.severity) for p in problems] == ([] if extra == 0 else [("limit.file_size", "warning")])


# -- the reasons a post failed (pipeline.platforms.text) ----------------------------------------------
def placeholders(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name}


def test_every_reason_an_adapter_gives_is_in_the_catalogue_in_both_languages() -> None:
    modules = [p for p in Path(text.__file__).parent.glob("*.py") if p.name != "text.py"]
    used = {code for p in modules for code in re.findall(r'"(post\.[a-z_.]+)"', p.read_text(encoding="utf-8"))}
    assert used == set(text.CATALOGUE)  # none missing (the code itself would show), none left unused
    for code, (indonesian, english) in text.CATALOGUE.items():
        assert indonesian != english and placeholders(english) <= placeholders(indonesian), code


def test_a_nested_reason_is_rendered_in_the_same_language_and_platform_text_stays_as_it_is() -> None:
    lost = PostError("failed", code="post.no_answer", host="www.googleapis.com", error="ReadTimeout")
    stalled = PostError("failed", code="post.youtube.stalls", offset=262144, total=1048576, why=lost)
    assert stalled.render("id") == ("Unggahan YouTube macet di byte 262144 dari 1048576. www.googleapis.com tidak "
                                    "menjawab (ReadTimeout), juga setelah dicoba ulang. Belum ada kiriman yang dibuat.")
    assert str(stalled) == stalled.reason == stalled.render("en")
    assert stalled.reason.startswith("The YouTube upload stalls at byte 262144 of 1048576. www.googleapis.com did")
    refused = PostError("failed", code="post.refused", host="graph.facebook.com", status=400,
                        detail="(#200) The user hasn't authorized the application")
    assert refused.render("id") == ('graph.facebook.com menolak permintaan (HTTP 400): "(#200) The user hasn\'t '
                                    'authorized the application".')
    assert PostError("failed", "Bad Request: chat not found").render("id") == "Bad Request: chat not found"
