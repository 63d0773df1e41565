"""The archive build: pages from items + ledger, media at stable URLs, PDFs, search, feed, increments."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

import pypdf
import pytest
import yaml
from archive_fixtures import ADMIN, APPROVERS, WIB, Sample, add_item, make_sample

from pipeline import messages
from pipeline.archive import build, media_url, pages, search, text
from pipeline.archive.model import Catalogue
from pipeline.archive.pdf import record_pdf
from pipeline.ledger import FolderStore, Ledger, PlatformRecord, item_path

N = 45  # 1 Jan - 9 Feb 2026 at one a day: two months


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sample, Path]:
    folder = tmp_path_factory.mktemp("archive")
    sample = make_sample(folder, N, per_day=1, captions={3: "Lomba poster Borobudur untuk pelajar.\n\nBaris kedua."})
    build(sample.root, sample.ledger, folder / "site", sample.sop, now=sample.now, out=lambda _: None,
          site_url="https://kpu-jateng.github.io/konten/")
    return sample, folder / "site"


def _entries(sample: Sample, now: datetime, folder: Path) -> list:
    catalogue = Catalogue(sample.ledger, folder, WIB)
    catalogue.refresh(now, None)
    return [e for unit in sorted(catalogue.units()) for e in catalogue.entries(unit, now)]


def item_html(site: Path, item_id: str) -> str:
    slug = item_id.rsplit("/", 1)[1]
    return (site / item_id.rsplit("/", 1)[0] / slug / "index.html").read_text(encoding="utf-8")


def test_item_page_shows_the_record(built: tuple[Sample, Path]) -> None:
    sample, site = built
    html = item_html(site, sample.ids[3])
    assert "Borobudur" in html and "Baris kedua" in html
    assert "26/HK.03.1/33/2021" in html and "SOP Pengelolaan Media Sosial KPU Provinsi Jawa Tengah" in html
    for name in [*APPROVERS.values(), ADMIN]:
        assert name in html
    assert "WIB" in html and 'lang="id"' in html
    assert "Pull request #103" in html
    assert "media/2026/01/pengumuman-00003/poster.w960.jpg" in html
    assert 'alt="Gambar 1: ' in html
    assert "https://x.example/p/" in html  # live posts are linked


def test_slow_steps_are_marked_against_the_standard(built: tuple[Sample, Path]) -> None:
    sample, site = built
    slow = item_html(site, sample.ids[3])  # 3 % 7 == 3: four approvers took 45 of 30 min, the hand-over 20 of 5
    assert slow.count('class="k-overdue"') == 5 and "45 menit (melebihi standar)" in slow
    assert 'class="k-overdue"' not in item_html(site, sample.ids[4])


def test_failed_and_unknown_posts_are_honest(built: tuple[Sample, Path]) -> None:
    sample, site = built
    failed = item_html(site, sample.ids[5])  # X failed
    assert 'class="k-failed"' in failed and "gagal diunggah" in failed and "tidak berhasil" in failed
    assert "duplicate content" not in failed  # the platform's reason is for the admin (ledger), not the public
    unknown = item_html(site, sample.ids[8])  # Instagram left pending by a dead run
    assert 'class="k-unknown"' in unknown and "belum dapat dipastikan" in unknown
    month = (site / "2026" / "01" / "index.html").read_text(encoding="utf-8")
    assert "X (Twitter): gagal diunggah" in month and "Instagram: belum dapat dipastikan" in month


def test_a_fresh_pending_post_is_not_yet_unknown(built: tuple[Sample, Path], tmp_path: Path) -> None:
    sample, _ = built
    record_time = datetime.fromisoformat(json.loads((sample.ledger / item_path(sample.ids[8], "instagram"))
                                                    .read_text())["at"])
    states = {}
    for minutes in (5, 45):
        entry = next(e for e in _entries(sample, record_time + timedelta(minutes=minutes), tmp_path / "cache")
                     if e.id == sample.ids[8])
        states[minutes] = next(p.state for p in entry.posts if p.platform == "instagram")
    assert states == {5: "pending", 45: "unknown"}


def test_items_stay_out_of_the_navigation_and_pages_stay_small(built: tuple[Sample, Path]) -> None:
    sample, site = built
    pages_html = [p for p in site.glob("2026/0[12]/*/index.html") if p.parent.name not in ("hal", "jenis")]
    assert len(pages_html) == N
    assert max(p.stat().st_size for p in pages_html) < 100 * 1024
    nav = item_html(site, sample.ids[0]).split('class="md-nav__list"', 1)[1].split("</nav>", 1)[0]
    assert "00001" not in nav and "Beranda" in nav  # the nav names no item
    work = site.with_name("site-work")
    config = yaml.safe_load((work / "units" / "2026-01" / "mkdocs.yml").read_text())
    assert config["plugins"] == [] and "hooks" not in config and config["not_in_nav"] == "*"
    assert (work / "units" / "2026-01" / "docs" / "2026" / "01" / "index.md").read_text().startswith("---\n")


def test_lists_are_paginated_by_month_kind_and_platform(built: tuple[Sample, Path]) -> None:
    sample, site = built
    january = (site / "2026" / "01" / "index.html").read_text(encoding="utf-8")
    assert "31 konten" in january and "jenis/berita/" in january and "platform/x/" in january
    berita = (site / "2026" / "01" / "jenis" / "berita" / "index.html").read_text(encoding="utf-8")
    assert berita.count("berita-000") == 5  # January's: items 5, 11, 17, 23, 29
    assert (site / "2026" / "02" / "platform" / "facebook" / "index.html").is_file()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "jenis/berita/" in home and "2026/02/" in home and "cari/" in home
    kind = (site / "jenis" / "berita" / "index.html").read_text(encoding="utf-8")
    assert "../../2026/01/jenis/berita/" in kind


def test_pagination_splits_long_lists() -> None:
    assert pages.paged("2026/01/", 50) == ["2026/01/"]
    assert pages.paged("2026/01/", 51) == ["2026/01/", "2026/01/hal/2/"]
    assert pages.paged("2026/01/", 0) == ["2026/01/"]


def test_media_at_stable_urls(built: tuple[Sample, Path]) -> None:
    sample, site = built
    item = sample.ids[2]  # an infografis: three slides
    folder = site / "media" / item
    for k in (1, 2, 3):
        assert (folder / f"slide-{k}.jpg").read_bytes() == (sample.content / item / f"slide-{k}.jpg").read_bytes()
        for size, width in (("w960", 480), ("w320", 320)):  # never enlarged
            from PIL import Image

            with Image.open(folder / f"slide-{k}.{size}.jpg") as image:
                assert image.format == "JPEG" and image.width == width
    assert media_url("https://kpu-jateng.github.io/konten/", item, "slide-1.jpg") == \
        f"https://kpu-jateng.github.io/konten/media/{item}/slide-1.jpg"
    assert media_url("https://a.example", "2026/01/x y", "foto 1.jpg") == \
        "https://a.example/media/2026/01/x%20y/foto%201.jpg"


def test_video_gets_a_poster(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0\0\0\x18ftypmp42")  # the archive copies a video, it never decodes one
    sample = make_sample(tmp_path / "v", 5, video=video)
    build(sample.root, sample.ledger, tmp_path / "site", sample.sop, now=sample.now, out=lambda _: None, workers=1)
    item = sample.ids[4]  # publikasi-informasi-umum
    html = item_html(tmp_path / "site", item)
    assert f'poster="../../../media/{item}/video.poster.w960.jpg"' in html and 'type="video/mp4"' in html
    assert (tmp_path / "site" / "media" / item / "video.poster.w320.jpg").is_file()


def test_pdf_record_has_the_approvers(built: tuple[Sample, Path]) -> None:
    sample, site = built
    data = (site / "media" / sample.ids[3] / "arsip.pdf").read_bytes()
    assert data.startswith(b"%PDF-1.4")
    content = pdf_text(data)
    for name in [*APPROVERS.values(), ADMIN]:
        assert name in content
    assert "Borobudur" in content and "26/HK.03.1/33/2021" in content and "melebihi standar" in content
    assert "https://kpu-jateng.github.io/konten/2026/01/pengumuman-00003/" in content
    assert "arsip.pdf" in item_html(site, sample.ids[3])


def test_pdf_wraps_long_text_onto_more_a4_pages(built: tuple[Sample, Path]) -> None:
    sample, _ = built
    entry = _entries(sample, sample.now, sample.root.parent / "pdf-cache")[0]._replace(caption="Kata (dalam kurung) \\ garis miring 😀. " * 400)
    data = record_pdf(entry, WIB, "id", "https://a.example/", lambda n: "")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    assert all(float(p.mediabox.width) == pytest.approx(595.28) for p in reader.pages)
    content = pdf_text(data)
    assert "Kata (dalam kurung) \\ garis miring ." in content and "?" not in content  # no emoji in WinAnsi
    assert max(len(line) for line in content.splitlines()) < 120  # wrapped, not cut off


def test_pdf_leaves_out_emoji_and_folds_other_letters(built: tuple[Sample, Path]) -> None:
    sample, _ = built
    entry = _entries(sample, sample.now, sample.root.parent / "pdf-cache")[0]._replace(
        caption="Ayo memilih 🗳️🇮🇩 di Āceh — café 👍🏽 #Pemilu2029")
    content = " ".join(pdf_text(record_pdf(entry, WIB, "id", "https://a.example/", lambda n: "")).split())
    assert "Ayo memilih di Aceh — café #Pemilu2029" in content and "?" not in content


def test_search_finds_an_item_by_a_caption_word(built: tuple[Sample, Path]) -> None:
    sample, site = built
    shard = json.loads((site / "cari" / "idx" / "bor.json").read_text())
    docs = []
    doc = 0
    for gap in shard["borobudur"]:
        doc += gap
        docs.append(doc)
    assert len(docs) == 1
    unit = "2026-01"
    assert docs[0] // search.PER_UNIT == search.unit_number(unit)
    row = json.loads((site / "cari" / "docs" / f"{unit}.json").read_text())[docs[0] % search.PER_UNIT]
    assert row[0] == "2026/01/pengumuman-00003/" and (site / row[0] / "index.html").is_file()


def test_search_terms_fold_case_and_accents() -> None:
    assert search.terms("Pémilu DAMAI di TPS 07, yang #KPUJateng") == ["pemilu", "damai", "tps", "kpujateng"]


def test_feed_lists_the_latest_first(built: tuple[Sample, Path]) -> None:
    sample, site = built
    feed = ET.parse(site / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert 0 < len(entries) <= 30
    links = [e.find("a:link", ns).get("href") for e in entries]
    assert links[0] == f"https://kpu-jateng.github.io/konten/2026/02/{sample.ids[-1].rsplit('/', 1)[1]}/"
    updated = [e.find("a:updated", ns).text for e in entries]
    assert updated == sorted(updated, reverse=True)


def test_rebuild_renders_only_the_month_that_changed(tmp_path: Path) -> None:
    sample = make_sample(tmp_path, 40, per_day=1)  # 1 Jan - 9 Feb
    site = tmp_path / "site"
    first = build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    assert first.built == ["2026-01", "2026-02"] and first.hub
    january = site / "2026" / "01" / "index.html"
    stamp = january.stat().st_mtime_ns
    again = build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    assert again.built == [] and not again.hub
    new = add_item(sample, 40, per_day=1)
    after = build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    assert after.built == ["2026-02"] and after.hub and after.items == 41
    assert january.stat().st_mtime_ns == stamp
    assert new.rsplit("/", 1)[1] in (site / "index.html").read_text(encoding="utf-8")
    # the admin resolves January's unknown Instagram post: January is rendered again, nothing else
    resolved = PlatformRecord("instagram", "published", sample.now.isoformat(), post_id="9", url="https://ig.example/9")
    ledger = Ledger(FolderStore(sample.ledger))  # as the admin's command writes it: a new file, renamed
    ledger.write_platform(sample.ids[8], resolved, ledger.platform(sample.ids[8], "instagram")[1])
    fixed = build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    assert fixed.built == ["2026-01"]
    assert "https://ig.example/9" in item_html(site, sample.ids[8])


def test_a_removed_item_leaves_the_site(tmp_path: Path) -> None:
    sample = make_sample(tmp_path, 3)
    site = tmp_path / "site"
    build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    gone = sample.ids[1]
    shutil.rmtree(sample.ledger / "ledger" / "items" / gone)
    build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    assert not (site / "media" / gone).exists()
    assert not (site / gone.rsplit("/", 1)[0] / gone.rsplit("/", 1)[1]).exists()


def test_an_item_without_any_time_is_reported_not_filed(tmp_path: Path) -> None:
    sample = make_sample(tmp_path, 2)
    path = sample.ledger / item_path(sample.ids[0], "item")
    data = json.loads(path.read_text())
    data["publish_at"] = None
    data["pr"]["merged_at"] = None
    path.write_text(json.dumps(data))
    for name in ("x", "facebook", "instagram", "youtube", "tiktok"):
        (sample.ledger / item_path(sample.ids[0], name)).unlink(missing_ok=True)
    said: list[str] = []
    report = build(sample.root, sample.ledger, tmp_path / "site", sample.sop, now=sample.now, out=said.append)
    assert report.skipped == [sample.ids[0]] and report.items == 1
    assert any(sample.ids[0] in line and "dilewati" in line for line in said)


def test_slugs_are_short_and_never_collide() -> None:
    entries = [_entry()._replace(id=i) for i in ("2026/01/poster", "poster", "2026/01/hal", "lain/Foto Kegiatan")]
    names = pages.slugs("2026-01", entries)
    assert names["2026/01/poster"] == "poster"
    assert names["poster"].startswith("poster-") and len(set(names.values())) == 4
    assert names["2026/01/hal"].startswith("hal-")  # `hal/` is the pagination folder
    assert names["lain/Foto Kegiatan"] == "lain-foto-kegiatan"


def test_archive_text_falls_back_to_the_shared_catalogue() -> None:
    assert text.t("archive.approval") == "Catatan persetujuan"
    assert text.t("archive.approval", "en") == "Approval record"
    assert text.t("field.required") == messages.t("field.required")
    assert text.minutes(35.5) == "35,5 menit" and text.minutes(35.5, "en") == "35.5 min"


def _entry():  # a minimal Entry to vary in tests of pure functions
    from pipeline.archive.model import Entry

    return Entry(id="x", title="t", kind="berita", caption="c", media=(), published=datetime(2026, 1, 1, tzinfo=WIB),
                 posts=(), steps=(), sop_number="1", sop_title="s", pr_number=None, pr_url=None)


def test_the_performance_page_measures_the_time_standards(built: tuple[Sample, Path]) -> None:
    """Kinerja SOP, by hand: 45 items; 6 (i % 7 == 3) took 45 of 30 min at each approval, the rest 28."""
    sample, site = built
    html = (site / "kinerja" / "index.html").read_text(encoding="utf-8")
    assert "Kinerja SOP" in html and "<svg" in html
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]
    at = cells.index("Sub Koordinator Subbag Tekmas") - 1
    # step, role, count, median, 90th percentile (41st of 45), standard, share within (39 of 45)
    assert cells[at:at + 7] == ["3", "Sub Koordinator Subbag Tekmas", "45", "28", "45", "30", "87%"]
    assert "kinerja/" in item_html(site, sample.ids[3])  # every month's pages link to it


def _index(site: Path) -> dict[str, object]:
    return {p.relative_to(site).as_posix(): json.loads(p.read_text()) for p in (site / "cari").rglob("*.json")}


def test_a_new_item_rewrites_only_its_month_in_the_search_index(tmp_path: Path) -> None:
    sample = make_sample(tmp_path, 40, per_day=1, captions={39: "Kirab maskot di alun-alun."})
    site = tmp_path / "site"
    build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    january = site / "cari" / "docs" / "2026-01.json"
    stamp = january.stat().st_mtime_ns
    add_item(sample, 40, per_day=1, caption="Kirab budaya di Semarang.")
    shutil.rmtree(sample.ledger / "ledger" / "items" / sample.ids[39])  # removed in the same rebuild
    after = build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    assert after.built == ["2026-02"] and january.stat().st_mtime_ns == stamp
    assert 0 < after.shards < len(list((site / "cari" / "idx").iterdir()))
    fresh = tmp_path / "fresh"
    build(sample.root, sample.ledger, fresh, sample.sop, now=sample.now, out=lambda _: None)
    assert _index(site) == _index(fresh)  # the same index as built from scratch
    assert "maskot" not in _index(site)["cari/idx/mas.json"] and "kirab" in _index(site)["cari/idx/kir.json"]


def test_a_month_whose_items_all_left_leaves_the_search_index(tmp_path: Path) -> None:
    sample = make_sample(tmp_path, 33, per_day=1)  # 31 in January, 2 in February
    site = tmp_path / "site"
    build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    for item_id in sample.ids[31:]:
        shutil.rmtree(sample.ledger / "ledger" / "items" / item_id)
    build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    fresh = tmp_path / "fresh"
    build(sample.root, sample.ledger, fresh, sample.sop, now=sample.now, out=lambda _: None)
    assert not (site / "cari" / "docs" / "2026-02.json").exists() and not (site / "2026" / "02").exists()
    assert _index(site) == _index(fresh)


def test_a_fresh_checkout_of_the_ledger_rebuilds_nothing(tmp_path: Path) -> None:
    """CI checks the data branch out anew each run: every file has a new mtime, no content changed."""
    sample = make_sample(tmp_path, 40, per_day=1)
    site = tmp_path / "site"
    build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    later = time.time() + 60
    for path in [sample.ledger, *sample.ledger.rglob("*")]:
        os.utime(path, (later, later))
    again = build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    assert again.built == [] and again.shards == 0


def test_a_pending_post_turning_unknown_renders_its_month_again(tmp_path: Path) -> None:
    sample = make_sample(tmp_path, 9, per_day=1)  # item 8: Instagram left pending
    path = sample.ledger / item_path(sample.ids[8], "instagram")
    at = datetime.fromisoformat(json.loads(path.read_text())["at"])
    site = tmp_path / "site"
    build(sample.root, sample.ledger, site, sample.sop, now=at + timedelta(minutes=5), out=lambda _: None)
    assert 'class="k-unknown"' not in item_html(site, sample.ids[8])
    later = build(sample.root, sample.ledger, site, sample.sop, now=at + timedelta(minutes=45), out=lambda _: None)
    assert later.built == ["2026-01"] and 'class="k-unknown"' in item_html(site, sample.ids[8])
    again = build(sample.root, sample.ledger, site, sample.sop, now=at + timedelta(minutes=50), out=lambda _: None)
    assert again.built == []


def test_titles_and_captions_cannot_inject_markup(tmp_path: Path) -> None:
    """An author's title and caption are text on every public page: never markup, never double-escaped."""
    sample = make_sample(tmp_path, 2, captions={0: '"><img src=x onerror=alert(1)> <script>alert(2)</script> & co'})
    record = sample.ledger / item_path(sample.ids[0], "item")
    data = json.loads(record.read_text(encoding="utf-8"))
    data["title"] = '</title><script>alert(3)</script> "Rapat" & <b>Pleno</b>'
    record.write_text(json.dumps(data), encoding="utf-8")
    site = tmp_path / "site"
    build(sample.root, sample.ledger, site, sample.sop, now=sample.now, out=lambda _: None)
    html = item_html(site, sample.ids[0])
    assert "&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt; &quot;Rapat&quot; &amp; &lt;b&gt;Pleno&lt;/b&gt;" in html
    assert "&amp;lt;" not in html and "&amp;amp;" not in html
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text and "<b>Pleno" not in text, page
