"""Benchmark of `konten archive build` against a floor, at N items (default 2,000 and 8,000).

    python benchmarks/bench_archive.py [--sizes 2000 8000 36500] [--work DIR] [--keep]

For each N, in fresh processes on the same sample: the floor (a bare script: Python-Markdown for
the caption, one Jinja2 template, one HTML file per item, reading the same ledger), then the
archive's first build (media copies, thumbnails and PDFs made), a full re-render with the media
already made (what a template change costs), a build with nothing changed, and a build after one
new item. Peak memory is the summed RSS of the process and its workers, sampled every 20 ms.
Also measured: the largest item page, the site's size, and the bytes a browser fetches to answer
one search (page, script, the shards of the words and the result rows of the first 20 hits).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

FLOOR_PAGE = """# {{ r.title }}

**Tanggal:** {{ r.publish_at }} · **Jenis:** {{ r.kind }}

{{ r.caption }}

## Media
{% for m in r.media %}
![{{ m.alt }}]({{ m.file }})
{% endfor %}

## Unggahan
{% for name, state, url in posts %}
- {{ name }}: {{ state }}{% if url %} [{{ url }}]({{ url }}){% endif %}
{% endfor %}

## Catatan persetujuan

SOP {{ r.sop.number }}: {{ r.sop.title }}

| Langkah | Pelaksana | Nama | Mulai | Selesai | Waktu | Standar |
|---|---|---|---|---|---|---|
{% for s in r.steps %}| {{ s.step }} | {{ s.name }} | {{ s.by | join(", ") }} | {{ s.started_at }} | {{ s.finished_at }} | {{ s.minutes_taken }} | {{ s.standard }} |
{% endfor %}
"""
FLOOR_LAYOUT = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main>{{ body | safe }}</main></body></html>
"""


# -- steps, each run in its own process -------------------------------------------------------
def step_floor(sample: Path, out: Path) -> None:
    """The floor: the same ledger; Jinja2 writes each item as Markdown (the same sections), Python-Markdown
    (with MkDocs' default extensions) converts it, a Jinja2 layout wraps it; one file per item, one process."""
    from datetime import datetime, timezone

    import jinja2
    import markdown

    from pipeline.ledger import FolderStore, Ledger

    env = jinja2.Environment(trim_blocks=True)
    page, layout = env.from_string(FLOOR_PAGE), jinja2.Environment(autoescape=True).from_string(FLOOR_LAYOUT)
    md = markdown.Markdown(extensions=["toc", "tables", "fenced_code"])
    now = datetime.now(timezone.utc)
    for record, platforms in Ledger(FolderStore(sample / "data")).items():
        posts = [(name, p.effective_state(now), p.url) for name, p in platforms.items()]
        html = layout.render(title=record.title, body=md.reset().convert(page.render(r=record, posts=posts)))
        target = out / record.item / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")


def step_build(sample: Path, out: Path) -> None:
    from archive_fixtures import START
    from pipeline.archive import build
    from pipeline.config import load_sop

    meta = json.loads((sample / "meta.json").read_text())
    from datetime import datetime

    now = datetime.fromisoformat(meta["now"]) if meta.get("now") else START
    build(sample / "repo", sample / "data", out, load_sop(REPO / "sop.yml"), now=now, out=lambda _: None,
          site_url="https://kpu-jateng.github.io/konten/")


def step_sample(sample: Path, n: int) -> None:
    from archive_fixtures import make_sample

    made = make_sample(sample, n)
    (sample / "meta.json").write_text(json.dumps({"n": n, "now": made.now.isoformat()}))


def step_add(sample: Path, n: int) -> None:
    from archive_fixtures import Sample, add_item
    from pipeline.config import load_sop

    made = Sample(root=sample / "repo", ledger=sample / "data", sop=load_sop(REPO / "sop.yml"))
    add_item(made, n)
    (sample / "meta.json").write_text(json.dumps({"n": n + 1, "now": made.now.isoformat()}))


# -- measuring --------------------------------------------------------------------------------
def _tree_rss(pid: int) -> int:
    """Summed resident memory (bytes) of `pid` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        children.setdefault(int(fields["PPid"].strip()), []).append(int(entry))
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def run(step: str, *args: str) -> tuple[float, int]:
    """Run one step in a new process: (seconds, peak summed RSS in bytes)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--step", step, *args])
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.02)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    code = proc.wait()
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    if code:
        raise SystemExit(f"step {step} failed with {code}")
    return seconds, peak


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def search_download(site: Path, words: list[str]) -> tuple[int, int]:
    """Bytes (raw, gzip) a browser fetches for one search of `words`: page, script, shards, rows."""
    from pipeline.archive import search

    files = [site / "cari" / "index.html", site / "assets" / "archive" / "search.js"]
    hits: set[int] | None = None
    for word in words:
        shard_file = site / "cari" / "idx" / f"{word[:search.KEY_LEN]}.json"
        files.append(shard_file)
        shard = json.loads(shard_file.read_text()) if shard_file.exists() else {}
        found: set[int] = set()
        for term, gaps in shard.items():
            if term.startswith(word):
                doc = 0
                for gap in gaps:
                    doc += gap
                    found.add(doc)
        hits = found if hits is None else hits & found
    first = sorted(hits or set(), reverse=True)[:20]
    units = {f"{2000 + d // search.PER_UNIT // 12}-{d // search.PER_UNIT % 12 + 1:02d}" for d in first}
    files += [site / "cari" / "docs" / f"{u}.json" for u in units]
    raw = sum(f.stat().st_size for f in set(files))
    packed = sum(len(gzip.compress(f.read_bytes())) for f in set(files))
    return raw, packed


def bench(n: int, work: Path) -> dict[str, object]:
    sample = work / f"n{n}"
    shutil.rmtree(sample, ignore_errors=True)
    sample.mkdir(parents=True)
    made_in, _ = run("sample", str(sample), str(n))
    floor, floor_mem = run("floor", str(sample), str(sample / "floor"))
    site = sample / "site"
    first, first_mem = run("build", str(sample), str(site))
    manifest_path = sample / "site-work" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest.pop("hub")
    manifest_path.write_text(json.dumps(manifest))
    for month in site.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]"):
        shutil.rmtree(month)  # every month and the hub rendered again, media kept
    render, render_mem = run("build", str(sample), str(site))
    idle, _ = run("build", str(sample), str(site))
    run("add", str(sample), str(n))
    after_one, _ = run("build", str(sample), str(site))
    item_pages = [p for p in site.glob("[0-9]*/[0-9]*/*/index.html") if p.parent.name != "hal"]
    largest = max(p.stat().st_size for p in item_pages)
    common = search_download(site, ["pemilu"])
    two = search_download(site, ["pemilih", "semarang"])
    return {
        "n": n, "sample_s": round(made_in, 1), "floor_s": round(floor, 1), "floor_mb": floor_mem >> 20,
        "first_build_s": round(first, 1), "first_build_mb": first_mem >> 20,
        "render_s": round(render, 1), "render_mb": render_mem >> 20, "ratio_render": round(render / floor, 2),
        "ratio_first": round(first / floor, 2), "noop_s": round(idle, 2), "one_new_item_s": round(after_one, 2),
        "largest_item_kb": round(largest / 1024, 1), "site_mb": size_of(site) >> 20,
        "search_pemilu_kb": [round(common[0] / 1024), round(common[1] / 1024)],
        "search_pemilih_semarang_kb": [round(two[0] / 1024), round(two[1] / 1024)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000])
    parser.add_argument("--work", type=Path, help="folder for samples and sites (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the samples and sites")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        steps = {"sample": lambda a: step_sample(Path(a[0]), int(a[1])), "floor": lambda a: step_floor(Path(a[0]), Path(a[1])),
                 "build": lambda a: step_build(Path(a[0]), Path(a[1])), "add": lambda a: step_add(Path(a[0]), int(a[1]))}
        steps[args.step](args.args)
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-archive-"))
    results = []
    for n in args.sizes:
        result = bench(n, work)
        results.append(result)
        print(json.dumps(result), flush=True)
        if not args.keep:
            shutil.rmtree(work / f"n{n}", ignore_errors=True)
    keys = list(results[0])
    print("\n| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
    for r in results:
        print("| " + " | ".join(str(r[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
