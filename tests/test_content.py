"""Reading an item folder: what an author writes in index.md, and every way it can be wrong.

Every problem must say which file, which field and which line (counted in index.md, so the
opening `---` is line 1).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from itemkit import ALT, errors, jpeg, kpu_sop, line_of, only, png, read, sop_with, write_item

from pipeline.content import read_item
from pipeline.errors import Problem

WIB = ZoneInfo("Asia/Jakarta")

VALID = """\
title: Sosialisasi Pemilih Pemula
kind: informasi-kegiatan
platforms: [x, facebook, instagram]
media:
  - file: poster.jpg
    alt: Poster sosialisasi
publish_at: 2026-11-30 09:00
"""


def index_of(folder: Path) -> str:
    return (folder / "index.md").as_posix()


def problems_in(folder: Path, front: str, body: str = "Keterangan.\n", media: dict[str, bytes] | None = None,
                ) -> tuple[list[Problem], str]:
    """The problems of an item written from front matter text, and the whole index.md for line lookups."""
    write_item(folder, front, body, media)
    _, problems = read(folder)
    for p in problems:
        assert p.file == index_of(folder), p
    return problems, (folder / "index.md").read_text(encoding="utf-8")


# -- a good item ------------------------------------------------------------------------------------
def test_valid_item(tmp_path: Path) -> None:
    folder = write_item(tmp_path / "2026" / "sosialisasi", VALID, "Halo pemilih pemula! #PemiluDamai\n",
                        {"poster.jpg": jpeg(80, 100)})
    item, problems = read_item(folder, kpu_sop(), tmp_path)
    assert problems == []
    assert item.id == "2026/sosialisasi"
    assert (item.title, item.kind, item.caption) == ("Sosialisasi Pemilih Pemula", "informasi-kegiatan",
                                                      "Halo pemilih pemula! #PemiluDamai")
    assert [t.platform for t in item.targets] == ["x", "facebook", "instagram"]
    assert all(t.caption == item.caption and t.caption_field == "caption" and t.caption_line == 10
               for t in item.targets)
    [media] = item.media
    assert (media.file, media.alt, media.info.format, media.info.width, media.info.height) == (
        "poster.jpg", "Poster sosialisasi", "JPEG", 80, 100)
    assert item.publish_at == datetime(2026, 11, 30, 9, 0, tzinfo=WIB)


@pytest.mark.parametrize("alias", ["twitter", "Twitter", "X"])
def test_twitter_is_an_alias_of_x(tmp_path: Path, alias: str) -> None:
    write_item(tmp_path / "a", {"title": "T", "kind": "meme", "platforms": [alias]})
    item, problems = read(tmp_path / "a")
    assert problems == [] and [t.platform for t in item.targets] == ["x"]


def test_platforms_mapping_with_overrides(tmp_path: Path) -> None:
    front = """\
title: Ayo Cek DPT
kind: publikasi-informasi-umum
platforms:
  instagram:
    caption: Keterangan khusus Instagram
  youtube:
    title: Judul YouTube
    tags: [KPU Jawa Tengah, cek DPT]
    privacy: unlisted
  tiktok:
    privacy: private
  x:
"""
    folder = write_item(tmp_path / "a", front, "Keterangan umum.\n")
    item, problems = read(folder)
    text = (folder / "index.md").read_text()
    assert problems == []
    ig, yt, tt, x = (item.target(n) for n in ("instagram", "youtube", "tiktok", "x"))
    assert (ig.caption, ig.caption_field, ig.caption_line) == (
        "Keterangan khusus Instagram", "platforms.instagram.caption", line_of(text, "khusus Instagram"))
    assert yt.options == {"title": "Judul YouTube", "tags": ["KPU Jawa Tengah", "cek DPT"], "privacy": "unlisted"}
    assert yt.option_lines == {"title": line_of(text, "Judul YouTube"), "tags": line_of(text, "tags:"),
                               "privacy": line_of(text, "unlisted")}
    assert yt.caption == "Keterangan umum." and yt.caption_line == line_of(text, "Keterangan umum")
    assert tt.options == {"privacy": "private"}
    assert (x.caption, x.options) == ("Keterangan umum.", {})


def test_override_of_wrong_type_names_platform_key(tmp_path: Path) -> None:
    front = "title: T\nkind: berita\nplatforms:\n  youtube:\n    tags: cek DPT\n"
    problems, text = problems_in(tmp_path / "a", front)
    problem = only(problems, "field.type")
    assert problem.field == "platforms.youtube.tags" and problem.line == line_of(text, "tags: cek DPT")


def test_unknown_override_key(tmp_path: Path) -> None:
    front = "title: T\nkind: berita\nplatforms:\n  x:\n    privacy: public\n"
    problems, text = problems_in(tmp_path / "a", front)
    problem = only(problems, "field.unknown")
    assert problem.field == "platforms.x.privacy" and problem.line == line_of(text, "privacy")


# -- unreadable items -------------------------------------------------------------------------------
def test_missing_index(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    item, [problem] = read(tmp_path / "a")
    assert item is None and problem.code == "item.no_index" and problem.file == index_of(tmp_path / "a")


@pytest.mark.parametrize("text", ["Hanya teks, tanpa front matter.\n", "---\ntitle: T\nkind: berita\n",
                                  "\n---\ntitle: T\n---\nteks\n"])
def test_no_front_matter(tmp_path: Path, text: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.md").write_text(text, encoding="utf-8")
    item, [problem] = read(tmp_path / "a")
    assert item is None and (problem.code, problem.line) == ("item.no_front_matter", 1)


def test_front_matter_that_is_not_a_mapping(tmp_path: Path) -> None:
    item, [problem] = read(write_item(tmp_path / "a", "- x\n- facebook\n"))
    assert item is None and (problem.code, problem.line) == ("item.front_matter_not_mapping", 2)


def test_malformed_front_matter_line_counts_the_opening_dashes(tmp_path: Path) -> None:
    front = 'title: T\nkind: berita\nplatforms: [x]\n  bad: indent\n'
    problems, text = problems_in(tmp_path / "a", front)
    [problem] = problems
    assert problem.code == "yaml.syntax" and problem.line == line_of(text, "bad: indent") == 5


@pytest.mark.parametrize("moment", ["2026-13-45", "2026-11-30 25:00:00"])
def test_a_date_the_calendar_does_not_have_names_its_line(tmp_path: Path, moment: str) -> None:
    front = f"title: T\nkind: berita\nplatforms: [x]\npublish_at: {moment}\n"
    problems, text = problems_in(tmp_path / "a", front)
    [problem] = problems
    assert (problem.code, problem.line, problem.params["value"]) == ("yaml.bad_date", line_of(text, "publish_at"),
                                                                     moment)
    assert "tidak ada di kalender" in problem.render("id")


def test_an_index_md_that_is_a_folder_is_a_missing_index(tmp_path: Path) -> None:
    (tmp_path / "a" / "index.md").mkdir(parents=True)
    item, [problem] = read(tmp_path / "a")
    assert item is None and problem.code == "item.no_index"


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.md").write_bytes(b"---\ntitle: T\nkind: berita\nplatforms: [x]\n---\nCaf\xe9 enak\n")
    item, [problem] = read(tmp_path / "a")
    assert item is None and (problem.code, problem.line) == ("file.not_utf8", 6)
    assert problem.params["offset"] == len(b"---\ntitle: T\nkind: berita\nplatforms: [x]\n---\nCaf")


def test_bom_and_crlf_are_tolerated_and_lines_stay_right(tmp_path: Path) -> None:
    text = "---\ntitle: T\nkind: beritaa\nplatforms: [x]\n---\nBaris satu.\nBaris dua.\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.md").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    item, problems = read(tmp_path / "a")
    assert item is not None and item.title == "T"
    assert item.caption == "Baris satu.\nBaris dua." and "\r" not in item.caption
    assert only(problems, "field.choice").line == 3
    assert item.target("x").caption_line == 6


# -- field problems ---------------------------------------------------------------------------------
def test_unknown_kind_offers_choices_and_a_guess(tmp_path: Path) -> None:
    problems, text = problems_in(tmp_path / "a", "title: T\nkind: beritaa\nplatforms: [x]\n")
    problem = only(problems, "field.choice")
    assert (problem.field, problem.line) == ("kind", line_of(text, "beritaa"))
    assert problem.params["hint"] == "berita"
    assert problem.params["choices"] == ", ".join(kpu_sop().kinds)


def test_unknown_kind_message_says_did_you_mean(tmp_path: Path) -> None:
    problems, _ = problems_in(tmp_path / "a", "title: T\nkind: beritaa\nplatforms: [x]\n")
    assert only(problems, "field.choice").text("en") == (
        "'beritaa' is not allowed. Expected one of: " + ", ".join(kpu_sop().kinds) + ". Did you mean 'berita'?")


def test_required_fields(tmp_path: Path) -> None:
    problems, _ = problems_in(tmp_path / "a", "media: []\n")
    assert {p.field for p in problems if p.code == "field.required"} == {"title", "kind", "platforms"}


def test_unknown_top_level_field(tmp_path: Path) -> None:
    problems, text = problems_in(tmp_path / "a", "title: T\nkind: berita\nplatforms: [x]\npublish: besok\n")
    problem = only(problems, "field.unknown")
    assert (problem.field, problem.line, problem.params["hint"]) == ("publish", line_of(text, "publish:"),
                                                                     "publish_at")


def test_unknown_platform(tmp_path: Path) -> None:
    problems, text = problems_in(tmp_path / "a", "title: T\nkind: berita\nplatforms: [x, myspace]\n")
    problem = only(problems, "item.unknown_platform")
    assert (problem.field, problem.line) == ("platforms[1]", line_of(text, "myspace"))
    assert problem.params["choices"] == "x, facebook, instagram, youtube, tiktok"


def test_platform_that_is_not_text(tmp_path: Path) -> None:
    problems, text = problems_in(tmp_path / "a", "title: T\nkind: berita\nplatforms: [x, 2026]\n")
    problem = only(problems, "field.type")
    assert (problem.field, problem.line) == ("platforms[1]", line_of(text, "platforms"))
    assert problem.text("id") == "Isinya harus teks, tetapi tertulis angka ('2026')."


def test_disabled_platform(tmp_path: Path) -> None:
    sop = sop_with("  tiktok:\n    enabled: true", "  tiktok:\n    enabled: false")
    write_item(tmp_path / "a", "title: T\nkind: berita\nplatforms:\n  x:\n  tiktok:\n")
    item, problems = read(tmp_path / "a", sop)
    problem = only(problems, "item.platform_disabled")
    assert (problem.field, problem.line, problem.params["value"]) == ("platforms.tiktok", 6, "tiktok")
    assert [t.platform for t in item.targets] == ["x"]


@pytest.mark.parametrize("platforms", ["[x, facebook, x]", "[x, facebook, twitter]"])
def test_duplicate_platform(tmp_path: Path, platforms: str) -> None:
    problems, text = problems_in(tmp_path / "a", f"title: T\nkind: berita\nplatforms: {platforms}\n")
    problem = only(problems, "item.duplicate_platform")
    assert (problem.field, problem.line) == ("platforms[2]", line_of(text, "platforms:"))


def test_no_platforms(tmp_path: Path) -> None:
    problems, text = problems_in(tmp_path / "a", "title: T\nkind: berita\nplatforms: []\n")
    problem = only(problems, "item.no_platforms")
    assert (problem.field, problem.line) == ("platforms", line_of(text, "platforms"))


@pytest.mark.parametrize("body", ["", "\n\n   \n"])
def test_empty_caption(tmp_path: Path, body: str) -> None:
    problems, _ = problems_in(tmp_path / "a", "title: T\nkind: berita\nplatforms: [x]\n", body)
    problem = only(problems, "item.no_caption")
    assert (problem.field, problem.line) == ("caption", 6)


def test_caption_given_only_per_platform_is_enough(tmp_path: Path) -> None:
    problems, _ = problems_in(tmp_path / "a", "title: T\nkind: berita\nplatforms:\n  x:\n    caption: Halo\n", "")
    assert problems == []


# -- media ------------------------------------------------------------------------------------------
def media_front(entry: str) -> str:
    return f"title: T\nkind: berita\nplatforms: [x]\nmedia:\n  - file: {entry}\n    alt: {ALT}\n"


def test_missing_media_file(tmp_path: Path) -> None:
    problems, text = problems_in(tmp_path / "a", media_front("poster.jpg"))
    problem = only(problems, "media.missing")
    assert (problem.field, problem.line, problem.params["file"]) == ("media[0].file", line_of(text, "poster"),
                                                                     "poster.jpg")


@pytest.mark.parametrize("name", ["../rahasia.jpg", "foto/../../rahasia.jpg", "/etc/passwd", "'..\\rahasia.jpg'",
                                  "~/rahasia.jpg"])
def test_paths_leaving_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "rahasia.jpg").write_bytes(jpeg())
    problems, text = problems_in(tmp_path / "a", media_front(name))
    problem = only(errors(problems), "media.outside")
    assert (problem.field, problem.line) == ("media[0].file", line_of(text, "file:"))


def test_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rahasia.jpg").write_bytes(jpeg())
    folder = write_item(tmp_path / "a", media_front("poster.jpg"))
    os.symlink(tmp_path / "rahasia.jpg", folder / "poster.jpg")
    item, problems = read(folder)
    assert [(p.code, p.field) for p in problems] == [("media.outside", "media[0].file")]
    assert item.media == ()


def test_symlink_inside_the_folder_is_fine(tmp_path: Path) -> None:
    folder = write_item(tmp_path / "a", media_front("poster.jpg"), media={"asli.jpg": jpeg()})
    os.symlink(folder / "asli.jpg", folder / "poster.jpg")
    item, problems = read(folder)
    assert problems == [] and item.media[0].info.format == "JPEG"


@pytest.mark.parametrize("entries", ["  - file: poster.jpg\n", "  - poster.jpg\n",
                                     "  - file: poster.jpg\n    alt: '  '\n"])
def test_image_without_alt_is_refused(tmp_path: Path, entries: str) -> None:
    front = f"title: T\nkind: berita\nplatforms: [x]\nmedia:\n{entries}"
    problems, text = problems_in(tmp_path / "a", front, media={"poster.jpg": jpeg()})
    problem = only(problems, "media.alt_required")
    assert (problem.field, problem.line) == ("media[0].alt", line_of(text, "alt:" if "alt:" in entries else "poster"))


def test_name_says_jpg_but_bytes_are_png(tmp_path: Path) -> None:
    folder = write_item(tmp_path / "a", media_front("poster.jpg"), media={"poster.jpg": png()})
    item, problems = read(folder)
    [problem] = problems
    assert (problem.code, problem.severity, problem.field) == ("media.suffix_mismatch", "warning", "media[0].file")
    assert problem.params["format"] == "PNG"
    assert item.media[0].info.format == "PNG" and item.media[0].info.mime == "image/png"


@pytest.mark.parametrize("data", [b"bukan gambar, hanya teks\n", b""])
def test_text_file_named_jpg_is_an_unknown_type(tmp_path: Path, data: bytes) -> None:
    problems, text = problems_in(tmp_path / "a", media_front("poster.jpg"), media={"poster.jpg": data})
    problem = only(problems, "media.unknown_type")
    assert (problem.field, problem.line) == ("media[0].file", line_of(text, "file:"))


def test_media_entry_of_wrong_shape(tmp_path: Path) -> None:
    front = "title: T\nkind: berita\nplatforms: [x]\nmedia:\n  - file: poster.jpg\n    alt: A\n    caption: B\n"
    problems, text = problems_in(tmp_path / "a", front, media={"poster.jpg": jpeg()})
    problem = only(problems, "field.unknown")
    assert (problem.field, problem.line, problem.params["hint"]) == ("media[0].caption", line_of(text, "caption"), "")


# -- publish_at -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-30 09:00", datetime(2026, 11, 30, 9, 0, tzinfo=WIB)),
        ("2026-11-30T09:00", datetime(2026, 11, 30, 9, 0, tzinfo=WIB)),
        ("2026-11-30 09:00:00", datetime(2026, 11, 30, 9, 0, tzinfo=WIB)),
        ("2026-11-30", datetime(2026, 11, 30, 0, 0, tzinfo=WIB)),
        ("2026-11-30 09:00+08:00", datetime(2026, 11, 30, 9, 0, tzinfo=timezone(timedelta(hours=8)))),
        ("2026-11-30T09:00:00+08:00", datetime(2026, 11, 30, 9, 0, tzinfo=timezone(timedelta(hours=8)))),
        ("2026-11-30T02:00:00Z", datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)),
    ],
)
def test_publish_at_without_offset_is_jakarta_time_and_an_offset_is_kept(
        tmp_path: Path, value: str, expected: datetime) -> None:
    write_item(tmp_path / "a", f"title: T\nkind: berita\nplatforms: [x]\npublish_at: {value}\n")
    item, problems = read(tmp_path / "a")
    assert problems == []
    assert item.publish_at == expected and item.publish_at.utcoffset() == expected.utcoffset()


def test_publish_at_iso_minutes_with_offset(tmp_path: Path) -> None:
    write_item(tmp_path / "a", "title: T\nkind: berita\nplatforms: [x]\npublish_at: 2026-11-30T09:00+07:00\n")
    item, problems = read(tmp_path / "a")
    assert problems == [] and item.publish_at == datetime(2026, 11, 30, 9, 0, tzinfo=WIB)


@pytest.mark.parametrize("value", ["besok pagi", "30-11-2026 09:00", "2026-13-01 09:00"])
def test_unparseable_publish_at(tmp_path: Path, value: str) -> None:
    problems, text = problems_in(tmp_path / "a", f"title: T\nkind: berita\nplatforms: [x]\npublish_at: {value}\n")
    problem = only(problems, "item.publish_at")
    assert (problem.field, problem.line, problem.params["value"]) == ("publish_at", line_of(text, "publish_at"), value)


def test_sop_timezone_is_the_default_offset(tmp_path: Path) -> None:
    sop = sop_with("timezone: Asia/Jakarta", "timezone: Asia/Makassar")
    write_item(tmp_path / "a", "title: T\nkind: berita\nplatforms: [x]\npublish_at: 2026-11-30 09:00\n")
    item, _ = read(tmp_path / "a", sop)
    assert item.publish_at.utcoffset() == timedelta(hours=8)


def test_every_problem_of_a_bad_item_is_reported_at_once(tmp_path: Path) -> None:
    front = "title: 2026\nkind: beritaa\nplatforms: [x, myspace]\nmedia:\n  - ../luar.jpg\npublish_at: kapan-kapan\n"
    problems, _ = problems_in(tmp_path / "a", front, body="")
    assert {p.field for p in problems} == {"title", "kind", "platforms[1]", "media[0].file", "publish_at",
                                            "caption"}
    assert all(p.line for p in problems)
