"""How long `konten validate` takes on 1,000 and 10,000 valid items, against a floor.

The floor, measured in the same run on the same files, is what any validator must do at least:
read every index.md, parse its front matter with libyaml and open every image header with Pillow.
The goal (issue: 10,000 items in under 10 s on the 2-core machine, growing linearly).

    python benchmarks/bench_validate.py [N ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
PLATFORMS = ["[x, facebook, instagram]", "[x, facebook]", "[instagram, facebook]"]


def make_items(root: Path, count: int) -> None:
    """`count` valid items, each with its own JPEG (hard links: the bytes are shared on disk)."""
    (root / "sop.yml").write_bytes((REPO / "sop.yml").read_bytes())
    poster = root / "poster.jpg"
    Image.new("RGB", (1080, 1350), (183, 28, 28)).save(poster, "JPEG", quality=80)
    for i in range(count):
        folder = root / "content" / "2026" / f"{i % 12 + 1:02d}" / f"konten-{i:05d}"
        folder.mkdir(parents=True)
        (folder / "poster.jpg").hardlink_to(poster)
        (folder / "index.md").write_text(
            "---\n"
            f"title: Sosialisasi pemilih nomor {i}\n"
            "kind: informasi-kegiatan\n"
            f"platforms: {PLATFORMS[i % len(PLATFORMS)]}\n"
            "media:\n  - file: poster.jpg\n    alt: Poster sosialisasi berlatar merah\n"
            f"publish_at: 2026-12-{i % 28 + 1:02d} 09:00\n"
            "---\n"
            f"KPU Provinsi Jawa Tengah mengajak pemilih pemula mengecek DPT. Kegiatan ke-{i}. "
            "Info: https://jateng.kpu.go.id #PemiluDamai @kpujateng\n",
            encoding="utf-8",
        )


def floor(root: Path) -> float:
    started = time.perf_counter()
    for index in (root / "content").rglob("index.md"):
        text = index.read_text(encoding="utf-8")
        head = text.split("\n---", 1)[0][4:]
        data = yaml.load(head, Loader=yaml.CSafeLoader)
        for media in data.get("media", []):
            with Image.open(index.parent / media["file"]) as image:
                image.size  # noqa: B018 - the header read is the work
    return time.perf_counter() - started


def konten_validate(root: Path) -> tuple[float, int]:
    """Wall time and peak memory (KiB, from the child's rusage) of the real command."""
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c",
         "import resource, sys; from pipeline.cli import main; code = main(sys.argv[1:]); "
         "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)",
         "--root", str(root), "validate"],
        capture_output=True, text=True, cwd=REPO,
    )
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"konten validate failed:\n{child.stdout[-2000:]}\n{child.stderr[-2000:]}")
    return elapsed, int(child.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000], metavar="N", help="item counts")
    sizes = parser.parse_args().sizes
    print(f"{'items':>7} {'konten validate':>16} {'floor':>8} {'ratio':>6} {'per item':>9} {'peak RSS':>9}")
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            make_items(root, count)
            base = floor(root)
            took, rss = konten_validate(root)
            print(f"{count:>7} {took:>14.2f} s {base:>6.2f} s {took / base:>6.1f} {took / count * 1000:>6.2f} ms "
                  f"{rss / 1024:>6.0f} MB")


if __name__ == "__main__":
    main()
