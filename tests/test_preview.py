"""Previews: what each platform will show, as a PR comment (Markdown) or a page (HTML).

A caption is the author's text pasted into GitHub: it must not be able to close its code fence,
ping anyone or inject HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from itemkit import REPO, jpeg, kpu_sop, make_item

from pipeline import preview
from pipeline.content import Item
from pipeline.platforms import PLATFORMS
from pipeline.validate import check_item, validate_paths

SAMPLE_VIDEO = REPO / "content" / "2026" / "12" / "video-ayo-cek-dpt"


def render(item: Item, fmt: str = "md") -> str:
    sop = kpu_sop()
    return preview.render(preview.build(item, check_item(item), sop), sop, fmt, REPO)


def split_fences(markdown: str) -> tuple[list[str], str]:
    """The fenced blocks' contents and the text outside them, read as CommonMark reads backtick fences."""
    blocks: list[str] = []
    outside: list[str] = []
    lines = iter(markdown.splitlines())
    for line in lines:
        opening = re.fullmatch(r"(`{3,})[^`]*", line)
        if not opening:
            outside.append(line)
            continue
        ticks, body = len(opening.group(1)), []
        for inner in lines:
            if re.fullmatch(r" {0,3}`{%d,} *" % ticks, inner):
                break
            body.append(inner)
        else:
            raise AssertionError("a fence is never closed")
        blocks.append("\n".join(body))
    return blocks, "\n".join(outside)


def sections(html: str) -> list[str]:
    return re.findall(r'<section class="card"[^>]* id="([a-z]+)"', html)


@pytest.fixture(scope="module")
def sample() -> Item:
    report = validate_paths([SAMPLE_VIDEO], kpu_sop(), REPO / "content")
    [item] = report.items
    return item


def test_markdown_lists_every_platform_with_its_length_against_its_limit(sample: Item) -> None:
    markdown = render(sample)
    assert re.findall(r"<summary><b>([^<]+)</b>", markdown) == [
        "YouTube", "TikTok", "Instagram", "Facebook", "X (Twitter)"]
    units = {"chars": "karakter", "bytes": "byte", "utf16": "karakter (UTF-16)",
             "weighted": "karakter berbobot (tautan = 23, emoji = 2)"}
    for target in sample.targets:
        platform = PLATFORMS[target.platform]
        length = platform.caption_length(target.caption)
        assert f"Panjang: **{length}** / {platform.caption_limit} {units[platform.caption_unit]}" in markdown
    assert markdown.count("Panjang: **") == 5
    [title] = [line.removeprefix("**Judul:** ") for line in markdown.splitlines() if line.startswith("**Judul:**")]
    assert title.replace("\\", "") == "Ayo Cek DPT! Pastikan Namamu Terdaftar | KPU Jawa Tengah"  # escaped only
    attachments = [line for line in markdown.splitlines() if line.startswith("- 📎")]
    assert len(attachments) == 5 and all("video.mp4 — MP4, 720×1280, 6.0 s" in a for a in attachments)
    assert "Dijadwalkan tayang: 2 Des 2026 08.00 WIB" in markdown


def test_sample_caption_appears_whole_in_a_fence(sample: Item) -> None:
    blocks, _ = split_fences(render(sample))
    x = sample.target("x").caption
    assert x in blocks  # X has no feed cut: the whole caption is shown
    assert sample.target("instagram").caption[:125] in blocks  # Instagram shows what the feed shows


CAPTION = "Awas ```\n```` empat\n@someone dan @KPU_Jateng #PemiluDamai\n```"


def test_a_caption_cannot_break_out_of_its_fence_nor_ping(tmp_path: Path) -> None:
    item = make_item(tmp_path / "a", ["x", "facebook"], CAPTION, title="Rapat @ketua <marquee>")
    markdown = render(item)
    blocks, outside = split_fences(markdown)
    assert blocks == [CAPTION, CAPTION]  # the fence grew past the caption's own backticks
    assert re.search(r"^`{5}text$", markdown, re.M)
    assert not re.search(r"@\w", outside), outside  # no mention left outside fences
    assert "#### Rapat @\u200bketua \\<marquee\\>" in outside  # still readable, but no ping nor tag


def test_a_media_file_name_cannot_ping(tmp_path: Path) -> None:
    name = "a` @someone `b.jpg"
    item = make_item(tmp_path / "a", ["x"], "Halo.", media={name: jpeg()})
    _, outside = split_fences(render(item))
    assert "@someone" not in re.sub(r"`[^`\n]*`", "", outside), outside  # what code spans leave over


def test_markdown_shows_problems_under_their_platform(tmp_path: Path) -> None:
    item = make_item(tmp_path / "a", ["facebook", "x"], "a" * 281)
    markdown = render(item)
    facebook, x = markdown.split("<details")[1:]
    assert facebook.startswith("><summary><b>Facebook</b> — ✅ Siap tayang")
    assert x.startswith(" open><summary><b>X (Twitter)</b> — ❌ Harus diperbaiki: 1")
    assert "❌ Keterangan terlalu panjang: 281 dari batas 280" in x


def test_feed_cut_is_marked(tmp_path: Path) -> None:
    item = make_item(tmp_path / "a", ["instagram"], "b" * 125 + "c" * 10, media={"f.jpg": jpeg()})
    markdown = render(item)
    blocks, outside = split_fences(markdown)
    assert blocks == ["b" * 125]
    assert "_Terpotong di beranda setelah 125 karakter_" in outside


def test_html_escapes_the_authors_text(tmp_path: Path) -> None:
    item = make_item(tmp_path / "a", ["x", "instagram"], "Halo <script>alert(1)</script> & selamat",
                     media={"f.jpg": jpeg()}, title="<img src=x onerror=alert(1)>")
    html = render(item, "html")
    assert "<script>" not in html and "<img src=x" not in html
    assert "Halo &lt;script&gt;alert(1)&lt;/script&gt; &amp; selamat" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_html_has_one_section_per_platform(sample: Item) -> None:
    html = render(sample, "html")
    assert sections(html) == ["youtube", "tiktok", "instagram", "facebook", "x"]
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")


def test_html_for_an_item_on_one_platform(tmp_path: Path) -> None:
    assert sections(render(make_item(tmp_path / "a", ["facebook"], "Halo."), "html")) == ["facebook"]


def test_preview_follows_the_sop_language(tmp_path: Path) -> None:
    from dataclasses import replace

    sop = replace(kpu_sop(), language="en")
    item = make_item(tmp_path / "a", ["x"], "Halo.")
    markdown = preview.render(preview.build(item, [], sop), sop, "md", REPO)
    assert "Length: **5** / 280 weighted characters (links 23, emoji 2)" in markdown
    assert "✅ Ready to publish" in markdown and "Published as soon as approved and merged" in markdown
