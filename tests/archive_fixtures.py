"""Sample items and a matching ledger for the archive's tests and its benchmark.

`make_sample(folder, n)` writes `content/<YYYY>/<MM>/<slug>/` items with real JPEGs and, beside
them, the data-branch ledger the publisher would have written for them: the approval trail of
the SOP's eight steps (some over the standard), and per platform `published` with a live URL, or
now and then `failed` or a stale `pending` (shown as `unknown`).
"""

from __future__ import annotations

import io
import random
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from pipeline.config import Sop, load_sop
from pipeline.ledger import ItemRecord, PlatformRecord, StepRecord, item_path, to_json

REPO = Path(__file__).resolve().parents[1]
WIB = ZoneInfo("Asia/Jakarta")
START = datetime(2026, 1, 1, 8, 0, tzinfo=WIB)
AUTHOR = "rina-kusuma"
APPROVERS = {
    "subkoordinator-tekmas": "sri-wahyuni",
    "kabag-hth": "bambang-prasetyo",
    "sekretaris": "dewi-lestari",
    "komisioner-sosdiklih-parmas": "agus-santoso",
}
ADMIN = "yusuf-hidayat"
PLATFORMS = ("x", "facebook", "instagram", "youtube", "tiktok")
WORDS = (
    "pemilu pemilih daftar tetap kpu jawa tengah sosialisasi rapat pleno terbuka tahapan kampanye pencocokan "
    "penelitian pemutakhiran data badan adhoc rekrutmen pengumuman informasi kegiatan berita infografis "
    "semarang surakarta magelang pekalongan tegal salatiga banyumas cilacap kudus jepara demak klaten boyolali "
    "sukoharjo wonogiri karanganyar sragen grobogan blora rembang pati purworejo kebumen wonosobo temanggung "
    "kendal batang pemalang brebes purbalingga banjarnegara partisipasi masyarakat generasi muda pemula "
    "perempuan disabilitas inklusif hak suara tps petugas ppk pps kpps panitia pemungutan penghitungan suara "
    "rekapitulasi hasil calon peserta partai politik dewan perwakilan rakyat daerah provinsi kabupaten kota "
    "kecamatan desa kelurahan sekolah kampus universitas pelajar mahasiswa relawan demokrasi edukasi literasi "
    "hoaks cek fakta aplikasi situs layanan nik ktp elektronik domisili pindah memilih formulir jadwal batas "
    "waktu pendaftaran verifikasi faktual administrasi dokumen persyaratan seleksi tes wawancara hasil "
    "pengumuman kelulusan pelantikan bimbingan teknis pelatihan simulasi logistik distribusi kotak surat "
    "tinta segel gudang pengamanan koordinasi bawaslu polri tni pemerintah dinas komunikasi media sosial "
    "siaran pers wartawan liputan dokumentasi foto video podcast webinar seminar diskusi lokakarya festival "
    "lomba karya tulis poster kreatif budaya kearifan lokal gotong royong damai jujur adil langsung umum bebas "
    "rahasia integritas transparansi akuntabilitas profesional pelayanan publik keterbukaan"
).split()
KIND_PLATFORMS = {
    "informasi-kegiatan": ("x", "facebook", "instagram"),
    "meme": ("x", "facebook", "instagram", "tiktok"),
    "infografis": ("x", "facebook", "instagram"),
    "pengumuman": ("x", "facebook", "instagram", "youtube"),
    "publikasi-informasi-umum": ("x", "facebook", "instagram", "tiktok"),
    "berita": ("x", "facebook"),
}


@dataclass
class Sample:
    root: Path  # holds content/ (and the ledger folder beside it)
    ledger: Path
    sop: Sop
    ids: list[str] = field(default_factory=list)
    now: datetime = START

    @property
    def content(self) -> Path:
        return self.root / "content"


def make_sample(folder: Path, n: int, *, per_day: int = 10, image_px: int = 480, seed: int = 7,
                captions: dict[int, str] | None = None, video: Path | None = None) -> Sample:
    """`n` items from 1 Jan 2026, `per_day` a day, each with its ledger records."""
    sample = Sample(root=folder / "repo", ledger=folder / "data", sop=load_sop(REPO / "sop.yml"))
    sample.content.mkdir(parents=True, exist_ok=True)
    images = [_jpeg(image_px, seed + k) for k in range(6)]
    rng = random.Random(seed)
    for i in range(n):
        add_item(sample, i, rng, images, per_day=per_day, caption=(captions or {}).get(i), video=video)
    return sample


def add_item(sample: Sample, i: int, rng: random.Random | None = None, images: list[bytes] | None = None, *,
             per_day: int = 10, caption: str | None = None, video: Path | None = None) -> str:
    """Item number `i` of the sample: its folder, its media and its ledger records; returns its id."""
    rng = rng or random.Random(i)
    images = images or [_jpeg(480, i)]
    kinds = sample.sop.kinds
    kind = kinds[i % len(kinds)]
    at = START + timedelta(days=i // per_day, minutes=(i % per_day) * 50)
    slug = f"{kind}-{i:05d}"
    item_id = f"{at.year:04d}/{at.month:02d}/{slug}"
    folder = sample.content / item_id
    folder.mkdir(parents=True, exist_ok=True)
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 8))).capitalize()
    text = caption or _caption(rng)
    media = []
    if video is not None and kind == "publikasi-informasi-umum":
        shutil.copyfile(video, folder / "video.mp4")
        media.append({"file": "video.mp4", "alt": f"Video {title.lower()}", "kind": "video", "mime": "video/mp4"})
    else:
        for k in range(3 if kind == "infografis" else 1):
            name = f"slide-{k + 1}.jpg" if kind == "infografis" else "poster.jpg"
            (folder / name).write_bytes(images[(i + k) % len(images)])
            media.append({"file": name, "alt": f"Gambar {k + 1}: {title.lower()}", "kind": "image",
                          "mime": "image/jpeg"})
    (folder / "index.md").write_text(
        f"---\ntitle: {title}\nkind: {kind}\nplatforms: [{', '.join(KIND_PLATFORMS[kind])}]\n"
        f"media:\n" + "".join(f"  - file: {m['file']}\n    alt: \"{m['alt']}\"\n" for m in media)
        + f"publish_at: {at:%Y-%m-%d %H:%M}\n---\n{text}\n", encoding="utf-8")
    record = ItemRecord(
        item=item_id, title=title, kind=kind, caption=text, platforms=list(KIND_PLATFORMS[kind]), media=media,
        publish_at=at.isoformat(), fingerprint=f"{i:064x}",
        pr={"number": 100 + i, "url": f"https://github.com/kpu-jateng/konten/pull/{100 + i}", "author": AUTHOR,
            "merged_at": (at - timedelta(minutes=20)).isoformat(), "title": title},
        steps=_steps(sample.sop, at, i), sop={"number": sample.sop.number, "title": sample.sop.title})
    _write(sample.ledger / item_path(item_id, "item"), to_json(record))
    for name in KIND_PLATFORMS[kind]:
        _write(sample.ledger / item_path(item_id, name), to_json(_post(name, at, i)))
    sample.ids.append(item_id)
    sample.now = max(sample.now, at + timedelta(hours=2))
    return item_id


def _steps(sop: Sop, published: datetime, i: int) -> list[StepRecord]:
    """The eight steps backwards from publishing; every 7th item has a slow approver."""
    steps = sop.steps
    out: list[StepRecord] = []
    end = published - timedelta(minutes=20)
    for step in reversed(steps):
        taken = step.minutes + (15 if step.role != "author" and step.role != "publisher" and i % 7 == 3 else -2)
        taken = max(taken, 1)
        start = end - timedelta(minutes=taken)
        by = [APPROVERS[step.role]] if step.role in APPROVERS and step.does == "review" else \
            [AUTHOR] if step.role == "author" else [ADMIN] if step.role == "publisher" else []
        out.append(StepRecord(step.n, step.role, step.name, by, start.isoformat(), end.isoformat(), float(taken),
                              step.minutes, taken > step.minutes))
        end = start
    return list(reversed(out))


def _post(name: str, at: datetime, i: int) -> PlatformRecord:
    moment = (at + timedelta(minutes=1)).isoformat()
    if name == "x" and i % 37 == 5:
        return PlatformRecord(name, "failed", moment, error="403 You are not allowed to create a Tweet with "
                              "duplicate content.", attempts=3)
    if name == "instagram" and i % 53 == 8:
        return PlatformRecord(name, "pending", moment, attempts=1)  # left by a run that died: unknown
    post_id = f"{i}{len(name)}"
    return PlatformRecord(name, "published", moment, post_id=post_id, url=f"https://{name}.example/p/{post_id}",
                          attempts=1)


def _caption(rng: random.Random) -> str:
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    words = rng.choices(WORDS, weights=weights, k=rng.randint(25, 60))
    return " ".join(words).capitalize() + ". #PemiluDamai #KPUJateng"


def _jpeg(px: int, seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (px, px), tuple(rng.randrange(60, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(px), rng.randrange(px)
        draw.ellipse((x, y, x + px // 4, y + px // 4), fill=tuple(rng.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
